/**
 * The Helm chart (deploy/helm/kelos-temporal) for tests: helm as scripts/helm/build-helm.sh built it, a render with
 * given values, the rendered objects applied with server-side apply, and a rendered container run as a real `kelos`
 * process the way its Pod would run it: the container's args and environment (Secret references read from the API
 * server), its ConfigMap, Secret and emptyDir volumes as local directories, and the Pod's ServiceAccount as a
 * kubeconfig carrying a token from the TokenRequest API (service-account.ts).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { packageRoot } from '../../../src/host/package-root';
import type { KubeCluster } from './kube-cluster';

export const CHART = path.join(packageRoot(), 'deploy', 'helm', 'kelos-temporal');
const KELOS = path.join(packageRoot(), 'bin', 'kelos.js');

export function helmBinary(): string {
  const version = process.env.KELOS_HELM_VERSION ?? 'v4.3.2';
  const file = process.env.KELOS_HELM_BIN ?? path.join(process.env.KELOS_HELM_CACHE ?? path.join(os.homedir(), '.cache', 'kelos-helm'), version, 'bin', 'helm');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run scripts/helm/build-helm.sh first (about 2 minutes cold)`);
  return file;
}

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  const result = spawnSync(helmBinary(), args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HELM_CACHE_HOME: path.join(os.tmpdir(), 'kelos-helm-home'), HELM_CONFIG_HOME: path.join(os.tmpdir(), 'kelos-helm-home') } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Writes values to a file for `-f`, as JSON: every string stays a string whatever YAML version reads it. */
export function valuesFile(values: Record<string, unknown>): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-helm-values-')), 'values.yaml');
  fs.writeFileSync(file, JSON.stringify(values));
  return file;
}

/** `helm template` (CRDs included) as a list of objects; a failed render throws with helm's message. */
export function renderChart(release: string, namespace: string, values: Record<string, unknown>): Record<string, any>[] {
  const result = helm(['template', release, CHART, '--namespace', namespace, '--include-crds', '--kube-version', 'v1.34.4', '-f', valuesFile(values)]);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  // Empty documents (a template that rendered nothing, a comment before `---`) are dropped before typing the rest.
  const documents = YAML.parseAllDocuments(result.stdout).map((d) => d.toJSON()).filter(Boolean);
  return k8s.loadAllYaml(documents.map((d) => YAML.stringify(d)).join('---\n')) as Record<string, any>[];
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);

/** Server-side apply of every object, in order, as `kubectl apply --server-side -n namespace` would. */
export async function serverSideApply(kubeConfig: k8s.KubeConfig, objects: Record<string, any>[], namespace: string): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kubeConfig);
  for (const object of objects) {
    const body = CLUSTER_SCOPED.has(object.kind) || object.metadata.namespace ? object : { ...object, metadata: { ...object.metadata, namespace } };
    try {
      await client.patch(body, undefined, undefined, 'kelos-helm-chart-test', true, k8s.PatchStrategy.ServerSideApply);
    } catch (err) {
      throw new Error(`server-side apply of ${object.kind} ${object.metadata.name}: ${String((err as { body?: unknown }).body ?? err)}`);
    }
  }
}

export interface RunningContainer {
  process: ChildProcess;
  output(): string;
  /** The environment it was started with (tests assert no secret came in another way). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the first container of a rendered Deployment or Job as `node bin/kelos.js <args>`, in `namespace` (where its
 * ConfigMaps and Secrets were applied). Paths under the container's mounts are rewritten to local directories holding
 * the same files. `override` replaces environment variables (e.g. a metrics address that would collide on one host).
 */
export async function startRenderedContainer(options: {
  cluster: KubeCluster;
  workload: Record<string, any>;
  namespace: string;
  kubeconfigPath?: string;
  override?: Record<string, string>;
  /** The Pod's name (for `fieldRef: metadata.name`), e.g. a StatefulSet's `<set>-0`. */
  podName?: string;
  /** Local directories standing for a StatefulSet's volumeClaimTemplates, by volume name (kept across runs). */
  claimDirs?: Record<string, string>;
}): Promise<RunningContainer> {
  const podSpec = options.workload.spec.template.spec;
  const container = podSpec.containers[0];
  const core = options.cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `kelos-pod-${container.name}-`));
  const mounts: [string, string][] = [];
  const fsRoot = path.join(root, 'fs');
  for (const mount of container.volumeMounts ?? []) {
    const claimDir = options.claimDirs?.[mount.name];
    if (claimDir) {
      mounts.push([mount.mountPath, claimDir]);
      continue;
    }
    const volume = (podSpec.volumes ?? []).find((v: { name: string }) => v.name === mount.name);
    // At its mount path under a local root, so a directory above mounts (KELOS_SECRET_MOUNTS) is local too.
    const dir = path.join(fsRoot, mount.mountPath);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (volume.configMap) {
      const map = await core.readNamespacedConfigMap({ name: volume.configMap.name, namespace: options.namespace });
      for (const [key, value] of Object.entries(map.data ?? {})) fs.writeFileSync(path.join(dir, key), value);
    } else if (volume.secret) {
      const secret = await core.readNamespacedSecret({ name: volume.secret.secretName, namespace: options.namespace });
      for (const [key, value] of Object.entries(secret.data ?? {})) fs.writeFileSync(path.join(dir, key), Buffer.from(value, 'base64'), { mode: 0o600 });
    } else if (!volume.emptyDir) throw new Error(`volume ${mount.name}: only configMap, secret and emptyDir volumes are run here`);
    mounts.push([mount.mountPath, dir]);
  }
  const local = (text: string) => {
    for (const [mountPath, dir] of mounts) if (text === mountPath || text.startsWith(`${mountPath}/`)) return dir + text.slice(mountPath.length);
    if (text.startsWith('/') && mounts.some(([mountPath, dir]) => dir.startsWith(fsRoot) && mountPath.startsWith(`${text}/`))) return path.join(fsRoot, text);
    return text;
  };
  const env: Record<string, string> = {};
  // envFrom first: the container's own env entries win over it, as in Kubernetes.
  for (const from of container.envFrom ?? []) {
    const ref = from.secretRef;
    if (!ref) throw new Error('envFrom: only secretRef is run here');
    const secret = await core.readNamespacedSecret({ name: ref.name, namespace: options.namespace }).catch((err) => {
      if ((err as { code?: number }).code === 404 && ref.optional) return undefined;
      throw err;
    });
    for (const [key, value] of Object.entries(secret?.data ?? {})) env[key] = Buffer.from(value, 'base64').toString();
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = local(String(variable.value));
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.name' && options.podName) env[variable.name] = options.podName;
    else if (variable.valueFrom?.secretKeyRef) {
      const ref = variable.valueFrom.secretKeyRef;
      const secret = await core.readNamespacedSecret({ name: ref.name, namespace: options.namespace });
      env[variable.name] = Buffer.from(secret.data![ref.key], 'base64').toString();
    } else throw new Error(`env ${variable.name}: only value and secretKeyRef are run here`);
  }
  Object.assign(env, options.override);
  // Only what the Pod would have: its own environment, a PATH to find node, a home, and the ServiceAccount.
  const fullEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, ...(options.kubeconfigPath ? { KUBECONFIG: options.kubeconfigPath } : {}), ...env };
  // `$(NAME)` in args is the container's variable NAME, as the kubelet expands it.
  const args = (container.args as string[]).map((arg) => local(arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole)));
  let output = '';
  const child = spawn(process.execPath, [KELOS, ...args], { cwd: root, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return {
    process: child,
    output: () => output,
    env,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Waits until a started container printed `text`, failing with its output if it exits first. */
export async function waitForOutput(running: RunningContainer, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!running.output().includes(text)) {
    if (running.process.exitCode !== null) throw new Error(`exited with ${running.process.exitCode} before printing "${text}":\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`did not print "${text}" within ${timeoutMs} ms:\n${running.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
