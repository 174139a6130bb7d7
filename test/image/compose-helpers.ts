/**
 * docker-compose.yml as Compose v2 resolves it (`docker compose config --format json`), for the image tests.
 * scripts/docker/install-compose.sh provides `docker compose` (built from the Go module proxy when missing).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../src/host/package-root';

export const ROOT = packageRoot();
export const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

export interface ComposePort {
  target: number;
  published?: string;
  host_ip?: string;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  ports?: ComposePort[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  container_name?: string;
  profiles?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  volumes?: { type: string; source?: string; target: string }[];
}

export interface ComposeModel {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): RunResult {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...options.env }, input: options.input, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? result.error?.message ?? '' };
}

/** An env file in a fresh directory (Compose reads no .env from the checkout when one is given). */
export function writeEnvFile(values: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-compose-env-'));
  const file = path.join(dir, 'env');
  fs.writeFileSync(file, Object.entries(values).map(([k, v]) => `${k}=${v}\n`).join(''));
  return file;
}

/** The variables .env.example documents (set or commented out). */
export function envExampleNames(): string[] {
  const text = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  return [...text.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}

/**
 * `docker compose config` with every profile, its variables from `envFile` only: the same names in this process's
 * environment (which Compose would prefer) are removed.
 */
export function composeConfig(envFile: string, extraArgs: string[] = []): RunResult {
  const unset = Object.fromEntries([...envExampleNames(), 'COMPOSE_PROFILES', 'COMPOSE_PROJECT_NAME', 'COMPOSE_FILE'].map((name) => [name, undefined]));
  return run('docker', ['compose', '--project-directory', ROOT, '-f', COMPOSE_FILE, '--env-file', envFile, '--profile', '*', 'config', '--format', 'json', ...extraArgs], { env: unset });
}

export function parseModel(result: RunResult): ComposeModel {
  if (result.code !== 0) throw new Error(`docker compose config failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as ComposeModel;
}

/** Services that run the kelos image (the runtime or agents target). */
export function kelosServices(model: ComposeModel): [string, ComposeService][] {
  return Object.entries(model.services).filter(([, service]) => service.build?.context === ROOT || /^kelos-temporal:/.test(service.image ?? ''));
}

/** The `kelos` arguments a service runs: its command, after whatever entrypoint wraps `kelos`. */
export function kelosArgs(service: ComposeService): string[] {
  return service.command ?? [];
}

/** An argument as the container gets it: `config` prints the file's `$$` escapes as they are. */
export function containerArgs(args: string[] | undefined): string[] {
  return (args ?? []).map((arg) => arg.replace(/\$\$/g, '$'));
}
