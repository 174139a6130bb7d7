/**
 * Local secret store for the embedded runtime: `kind: Secret` manifests applied with `kelos apply` are kept
 * here, one JSON file per secret, readable only by the user (dirs 0700, files 0600). Secret values never
 * go to Temporal: workflows carry secret names, activities read the values from this store.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureKelosHome } from './data-dir';
import { dnsLabel, dnsSubdomain, pathUnder } from './safe-path';

export class SecretNotFoundError extends Error {
  constructor(namespace: string, name: string, hint = 'apply it with `kelos apply -f secret.yaml`') {
    super(`secret "${name}" not found in namespace "${namespace}" (${hint})`);
    this.name = 'SecretNotFoundError';
  }
}

export class LocalSecretStore {
  /**
   * `mounted`: a directory of Kubernetes Secrets mounted as volumes, `<mounted>/<ns>/<name>/<key>`, read when the
   * store has no such secret (a WorkerPool member's Pod sets KELOS_SECRET_MOUNTS to where it mounts the pool's).
   */
  constructor(
    private readonly home: string,
    private readonly mounted: string | undefined = process.env.KELOS_SECRET_MOUNTS || undefined,
  ) {}

  private dir(namespace: string): string {
    return pathUnder(path.join(this.home, 'secrets'), dnsLabel('namespace', namespace));
  }

  private file(namespace: string, name: string): string {
    return `${pathUnder(path.join(this.home, 'secrets'), dnsLabel('namespace', namespace), dnsSubdomain('secret name', name))}.json`;
  }

  put(namespace: string, name: string, data: Record<string, string>): void {
    const target = this.file(namespace, name); // checks both names before anything is created
    ensureKelosHome(this.home);
    fs.mkdirSync(this.dir(namespace), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.join(this.home, 'secrets'), 0o700);
    const temp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(data), { mode: 0o600 });
    fs.renameSync(temp, target);
  }

  get(namespace: string, name: string): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(this.file(namespace, name), 'utf8')) as Record<string, string>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const mounted = this.mounted ? readMountedSecret(pathUnder(this.mounted, dnsLabel('namespace', namespace), dnsSubdomain('secret name', name))) : undefined;
    if (mounted) return mounted;
    throw new SecretNotFoundError(namespace, name);
  }

  /** The namespaces that hold secrets, sorted (`kelos get secrets -A`). */
  namespaces(): string[] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(this.home, 'secrets'), { withFileTypes: true });
    } catch {
      return [];
    }
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  }

  /** Names and key names only: values stay in the store. */
  list(namespace: string): { name: string; keys: string[] }[] {
    let files: string[];
    try {
      files = fs.readdirSync(this.dir(namespace));
    } catch {
      return [];
    }
    return files
      .filter((f) => f.endsWith('.json'))
      .map((f) => {
        const name = f.slice(0, -'.json'.length);
        return { name, keys: Object.keys(this.get(namespace, name)).sort() };
      });
  }

  delete(namespace: string, name: string): boolean {
    try {
      fs.unlinkSync(this.file(namespace, name));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}

/**
 * A Kubernetes Secret mounted as a volume: one file per key. The kubelet's own entries (`..data`, `..<timestamp>`) are
 * not keys.
 */
function readMountedSecret(dir: string): Record<string, string> | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  return Object.fromEntries(entries.filter((key) => !key.startsWith('..')).map((key) => [key, fs.readFileSync(path.join(dir, key), 'utf8')]));
}
