/**
 * A real Kubernetes control plane for tests: etcd and kube-apiserver (built by scripts/kube/build-kube-binaries.sh)
 * on free ports in a temp directory. The API server generates its own serving certificate; clients authenticate
 * with static tokens (an admin in system:masters, and any user/group a test asks for, so RBAC can be checked);
 * authorization is Node,RBAC as in a real cluster. There is no scheduler or kubelet: the fake kubelet
 * (fake-kubelet.ts) plays that part for Pods bound to the fake Node registered here.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { freePort } from '../../../src/clients/dev/temporal-dev-server';

export const FAKE_NODE = 'kelos-fake-node';

export interface KubeCluster {
  server: string;
  version: string;
  dir: string;
  /** Admin (system:masters). */
  kubeConfig: k8s.KubeConfig;
  kubeconfigPath: string;
  /** A KubeConfig for a token user (registered at start with `users`). */
  kubeConfigFor(user: string): k8s.KubeConfig;
  /** The same, written to a file (for a worker process's --kubeconfig). */
  kubeconfigPathFor(user: string): string;
  logs(): string;
  stop(): Promise<void>;
}

export interface KubeClusterOptions {
  binDir?: string;
  /** Extra static-token users: name → groups. */
  users?: Record<string, string[]>;
  /** Port the fake kubelet serves on (its Node advertises it). */
  kubeletPort?: number;
}

export function kubeBinDir(): string {
  const version = process.env.KELOS_K8S_VERSION ?? 'v1.34.4';
  return process.env.KELOS_KUBE_BIN ?? path.join(process.env.KELOS_KUBE_CACHE ?? path.join(os.homedir(), '.cache', 'kelos-kube'), version, 'bin');
}

export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<KubeCluster> {
  const bin = options.binDir ?? kubeBinDir();
  for (const name of ['etcd', 'kube-apiserver']) {
    if (!fs.existsSync(path.join(bin, name))) throw new Error(`${path.join(bin, name)} is missing: run scripts/kube/build-kube-binaries.sh first (about 4 minutes cold)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-kube-'));
  const processes: ChildProcess[] = [];
  const logFiles: string[] = [];
  const launch = (name: string, args: string[]) => {
    const log = path.join(dir, `${name}.log`);
    logFiles.push(log);
    const out = fs.openSync(log, 'a');
    const child = spawn(path.join(bin, name), args, { stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    processes.push(child);
    return child;
  };
  const stop = async () => {
    for (const child of processes.reverse()) {
      if (child.exitCode !== null || child.pid === undefined) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  };
  const logs = () => logFiles.map((file) => `--- ${path.basename(file)}\n${fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-4000) : ''}`).join('\n');

  try {
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    launch('etcd', [
      '--data-dir', path.join(dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level', 'warn',
    ]);

    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(path.join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const tokens: Record<string, string> = { admin: randomBytes(16).toString('hex') };
    const rows = [`${tokens.admin},admin,admin,"system:masters"`];
    for (const [user, groups] of Object.entries(options.users ?? {})) {
      tokens[user] = randomBytes(16).toString('hex');
      rows.push(`${tokens[user]},${user},${user}${groups.length ? `,"${groups.join(',')}"` : ''}`);
    }
    fs.writeFileSync(path.join(dir, 'tokens.csv'), `${rows.join('\n')}\n`);

    launch('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${path.join(dir, 'certs')}`,
      `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/24',
      '--kubelet-preferred-address-types=InternalIP',
      '--profiling=false',
    ]);

    const server = `https://127.0.0.1:${apiPort}`;
    await waitUntilReady(server, tokens.admin, processes, logs);

    const configFor = (user: string): k8s.KubeConfig => {
      const config = new k8s.KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: 'kelos-test', server, skipTLSVerify: true }],
        users: [{ name: user, token: tokens[user] }],
        contexts: [{ name: user, cluster: 'kelos-test', user }],
        currentContext: user,
      });
      return config;
    };
    const kubeConfig = configFor('admin');
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });

    const version = await kubeConfig.makeApiClient(k8s.VersionApi).getCode();
    await registerFakeNode(kubeConfig, options.kubeletPort ?? 10250);
    await ensureDefaultServiceAccount(kubeConfig, 'default');

    return {
      server,
      version: version.gitVersion,
      dir,
      kubeConfig,
      kubeconfigPath,
      kubeConfigFor: (user) => {
        if (!tokens[user]) throw new Error(`user ${user} was not registered (startKubeCluster({ users }))`);
        return configFor(user);
      },
      kubeconfigPathFor: (user) => {
        if (!tokens[user]) throw new Error(`user ${user} was not registered (startKubeCluster({ users }))`);
        const file = path.join(dir, `kubeconfig-${user}`);
        fs.writeFileSync(file, configFor(user).exportConfig(), { mode: 0o600 });
        return file;
      },
      logs,
      stop,
    };
  } catch (err) {
    const text = logs();
    await stop();
    throw new Error(`${(err as Error).message}\n${text}`);
  }
}

async function waitUntilReady(server: string, token: string, processes: ChildProcess[], logs: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const exited = processes.find((child) => child.exitCode !== null);
    if (exited) throw new Error(`${exited.spawnfile} exited with ${exited.exitCode}`);
    const status = await new Promise<number>((resolve) => {
      const request = https.get(`${server}/readyz`, { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2_000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      request.on('error', () => resolve(0));
      request.on('timeout', () => request.destroy());
    });
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`kube-apiserver was not ready after 90 s\n${logs()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** A Ready Node whose kubelet endpoint is the fake kubelet on 127.0.0.1. */
async function registerFakeNode(config: k8s.KubeConfig, kubeletPort: number): Promise<void> {
  const core = config.makeApiClient(k8s.CoreV1Api);
  await core.createNode({ body: { metadata: { name: FAKE_NODE, labels: { 'kubernetes.io/hostname': FAKE_NODE, 'kubernetes.io/os': 'linux' } } } });
  const now = new Date();
  await core.patchNodeStatus(
    {
      name: FAKE_NODE,
      body: {
        status: {
          capacity: { cpu: '8', memory: '32Gi', pods: '110' },
          allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: FAKE_NODE }],
          daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'fake kubelet is ready', lastHeartbeatTime: now, lastTransitionTime: now }],
          nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'v1.34.4', kubeProxyVersion: '', osImage: 'fake', kernelVersion: 'fake', containerRuntimeVersion: 'fake://1', bootID: 'fake', machineID: 'fake', systemUUID: 'fake' },
        },
      },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

/** Without kube-controller-manager nobody creates the `default` ServiceAccount, which Pod admission needs. */
export async function ensureDefaultServiceAccount(config: k8s.KubeConfig, namespace: string): Promise<void> {
  const core = config.makeApiClient(k8s.CoreV1Api);
  if (namespace !== 'default') {
    await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((err) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
  }
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } }).catch((err) => {
    if ((err as { code?: number }).code !== 409) throw err;
  });
}
