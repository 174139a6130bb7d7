/**
 * The kubelet's part for tests against the real API server: Pods bound to the fake Node move through realistic
 * status transitions written to the `pods/status` subresource (init containers in order, then the containers,
 * then Succeeded or Failed with exit codes and reasons), following a script per Pod; deleted Pods are confirmed
 * (grace period 0) as a kubelet does after stopping them; `activeDeadlineSeconds` ends a Pod with
 * DeadlineExceeded. It serves `GET /containerLogs/{ns}/{pod}/{container}` over HTTPS on the Node's kubelet port,
 * so `pods/log` reads go through the API server exactly as in a cluster. Like a kubelet, it resolves what the Pod
 * references before starting containers: ConfigMap and Secret volumes must exist (it waits, as for FailedMount),
 * and a missing required env Secret or key is CreateContainerConfigError; tests can read the resolved env and the
 * projected volume files a container would see.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { FAKE_NODE } from './kube-cluster';

export interface PodScript {
  /** Log text per container name (init containers included). */
  logs?: Record<string, string>;
  /** Exit code of the main container (the first one); default 0. */
  exitCode?: number;
  /** Terminated reason of the main container, e.g. OOMKilled; default Completed/Error from the exit code. */
  reason?: string;
  /** An init container that fails (exit 1), ending the Pod as Failed. */
  failInit?: string;
  /** Stay Waiting with this reason (ImagePullBackOff, ...) instead of running. */
  waitingReason?: string;
  /** How long the main container runs; default 200 ms. */
  runMs?: number;
}

export interface FakeKubelet {
  port: number;
  /** The script for the Pod named `name` (set before the Pod is created; unscripted Pods succeed with empty logs). */
  script(name: string, script: PodScript): void;
  /** Phases written for a Pod, in order. */
  phases(name: string): string[];
  /** A container's environment as the kubelet resolved it (Secret and ConfigMap references filled in). */
  env(pod: string, container: string): Record<string, string>;
  /** The files of a ConfigMap or Secret volume of the Pod (item path → content), as mounted. */
  volumeFiles(pod: string, volume: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startFakeKubelet(kubeConfig: k8s.KubeConfig, dir: string, port = 0): Promise<FakeKubelet> {
  const tls = await selfSignedCertificate(dir);
  const scripts = new Map<string, PodScript>();
  const logs = new Map<string, string>();
  const phases = new Map<string, string[]>();
  const resolvedEnv = new Map<string, Record<string, string>>();
  const mounted = new Map<string, Record<string, string>>();
  const handled = new Set<string>();
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let stopped = false;

  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/?]+)/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404).end('not found');
      return;
    }
    const text = logs.get(`${match[1]}/${match[2]}/${match[3]}`);
    if (text === undefined) {
      res.writeHead(404).end(`container ${match[3]} of ${match[1]}/${match[2]} has no logs`);
      return;
    }
    const tail = new URL(req.url ?? '/', 'https://kubelet').searchParams.get('tailLines');
    const body = tail ? text.split('\n').slice(-Number(tail) - 1).join('\n') : text;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  const record = (pod: string, phase: string) => phases.set(pod, [...(phases.get(pod) ?? []), phase]);

  async function writeStatus(pod: k8s.V1Pod, status: k8s.V1PodStatus): Promise<void> {
    const { name, namespace } = pod.metadata!;
    await core.patchNamespacedPodStatus({ name: name!, namespace: namespace!, body: { status } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    record(name!, status.phase ?? '');
  }

  async function run(pod: k8s.V1Pod): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    const script = scripts.get(name) ?? {};
    const startTime = new Date();
    const inits = pod.spec?.initContainers ?? [];
    const containers = pod.spec?.containers ?? [];
    const running = (c: k8s.V1Container): k8s.V1ContainerStatus => ({ name: c.name, image: c.image ?? '', imageID: `docker.io/fake@sha256:${'0'.repeat(64)}`, ready: true, restartCount: 0, started: true, state: { running: { startedAt: new Date() } } });
    const terminated = (c: k8s.V1Container, exitCode: number, reason: string): k8s.V1ContainerStatus => ({
      name: c.name,
      image: c.image ?? '',
      imageID: `docker.io/fake@sha256:${'0'.repeat(64)}`,
      ready: false,
      restartCount: 0,
      started: false,
      state: { terminated: { exitCode, reason, startedAt: startTime, finishedAt: new Date(), containerID: `fake://${name}-${c.name}` } },
    });
    const waiting = (c: k8s.V1Container, reason = 'PodInitializing'): k8s.V1ContainerStatus => ({ name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason } } });
    for (const c of [...inits, ...containers]) logs.set(`${namespace}/${name}/${c.name}`, script.logs?.[c.name] ?? '');
    if (!(await mountVolumes(pod))) return;
    const configError = await resolveEnv(pod);

    // qosClass is the API server's to compute (it refuses a changed one).
    const base = { hostIP: '127.0.0.1', podIP: '10.244.0.10', podIPs: [{ ip: '10.244.0.10' }], startTime };
    const initStatuses: k8s.V1ContainerStatus[] = inits.map((c) => waiting(c, 'PodInitializing'));
    await writeStatus(pod, { ...base, phase: 'Pending', initContainerStatuses: initStatuses, containerStatuses: containers.map((c) => waiting(c)) });
    if (configError) {
      const { container, message } = configError;
      const mark = (c: k8s.V1Container) => (c.name === container ? { ...waiting(c, 'CreateContainerConfigError'), state: { waiting: { reason: 'CreateContainerConfigError', message } } } : waiting(c));
      await writeStatus(pod, { ...base, phase: 'Pending', initContainerStatuses: inits.map(mark), containerStatuses: containers.map(mark) });
      return;
    }
    for (const [i, c] of inits.entries()) {
      const failed = script.failInit === c.name;
      initStatuses[i] = terminated(c, failed ? 1 : 0, failed ? 'Error' : 'Completed');
      if (failed) {
        await writeStatus(pod, { ...base, phase: 'Failed', initContainerStatuses: initStatuses, containerStatuses: containers.map((c2) => waiting(c2)) });
        return;
      }
      await writeStatus(pod, { ...base, phase: 'Pending', initContainerStatuses: initStatuses, containerStatuses: containers.map((c2) => waiting(c2)) });
    }
    if (script.waitingReason) {
      await writeStatus(pod, { ...base, phase: 'Pending', initContainerStatuses: initStatuses, containerStatuses: containers.map((c) => waiting(c, script.waitingReason)) });
      return;
    }
    await writeStatus(pod, { ...base, phase: 'Running', initContainerStatuses: initStatuses, containerStatuses: containers.map(running), conditions: [{ type: 'Ready', status: 'True' }] });
    const deadline = pod.spec?.activeDeadlineSeconds;
    const runMs = script.runMs ?? 200;
    if (deadline !== undefined && deadline * 1000 < runMs) {
      await new Promise((r) => setTimeout(r, deadline * 1000));
      await writeStatus(pod, { ...base, phase: 'Failed', reason: 'DeadlineExceeded', message: `Pod was active on the node longer than the specified deadline`, initContainerStatuses: initStatuses, containerStatuses: containers.map((c) => terminated(c, 137, 'Error')) });
      return;
    }
    await new Promise((r) => setTimeout(r, runMs));
    if (stopped) return;
    const exitCode = script.exitCode ?? 0;
    const [main, ...sidecars] = containers;
    const statuses = [terminated(main, exitCode, script.reason ?? (exitCode === 0 ? 'Completed' : 'Error')), ...sidecars.map((c) => terminated(c, 0, 'Completed'))];
    await writeStatus(pod, { ...base, phase: exitCode === 0 ? 'Succeeded' : 'Failed', initContainerStatuses: initStatuses, containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }] });
  }

  /** ConfigMap and Secret volumes, waited for as a kubelet retries a FailedMount (up to 30 s here). */
  async function mountVolumes(pod: k8s.V1Pod): Promise<boolean> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    for (const volume of pod.spec?.volumes ?? []) {
      const source = volume.configMap ?? volume.secret;
      if (!source) continue;
      const objectName = volume.configMap ? volume.configMap.name! : volume.secret!.secretName!;
      for (let tries = 0; ; tries += 1) {
        const data = await readData(volume.configMap ? 'ConfigMap' : 'Secret', namespace, objectName);
        if (data) {
          const items = source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
          mounted.set(`${name}/${volume.name}`, Object.fromEntries(items.filter((item) => item.key in data).map((item) => [item.path, data[item.key]])));
          break;
        }
        if (source.optional) break;
        if (stopped || tries >= 150) return false;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return true;
  }

  /** Every container's env with references resolved; the first unresolvable required one, as the kubelet reports it. */
  async function resolveEnv(pod: k8s.V1Pod): Promise<{ container: string; message: string } | undefined> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      const env: Record<string, string> = {};
      for (const entry of c.env ?? []) {
        const ref = entry.valueFrom?.secretKeyRef ?? entry.valueFrom?.configMapKeyRef;
        if (!ref) {
          env[entry.name] = entry.value ?? '';
          continue;
        }
        const kind = entry.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
        const data = await readData(kind, namespace, ref.name!);
        if (data && ref.key in data) env[entry.name] = data[ref.key];
        else if (!ref.optional) return { container: c.name, message: data ? `couldn't find key ${ref.key} in ${kind} ${namespace}/${ref.name}` : `${kind.toLowerCase()} "${ref.name}" not found` };
      }
      resolvedEnv.set(`${name}/${c.name}`, env);
    }
    return undefined;
  }

  async function readData(kind: 'ConfigMap' | 'Secret', namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      if (kind === 'ConfigMap') return (await core.readNamespacedConfigMap({ name, namespace })).data ?? {};
      const secret = await core.readNamespacedSecret({ name, namespace });
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  const watch = new k8s.Watch(kubeConfig);
  const controller = await watch.watch(
    '/api/v1/pods',
    { fieldSelector: `spec.nodeName=${FAKE_NODE}` },
    (type, pod: k8s.V1Pod) => {
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      if (pod.metadata?.deletionTimestamp) {
        // The containers are "stopped": confirm the deletion as a kubelet does.
        void core.deleteNamespacedPod({ name: pod.metadata.name!, namespace: pod.metadata.namespace!, gracePeriodSeconds: 0 }).catch(() => undefined);
        return;
      }
      if ((type === 'ADDED' || type === 'MODIFIED') && !handled.has(key) && !pod.status?.phase?.match(/Succeeded|Failed/)) {
        handled.add(key);
        void run(pod).catch((err) => record(pod.metadata!.name!, `error: ${(err as Error).message}`));
      }
    },
    () => undefined,
  );

  return {
    port: (server.address() as AddressInfo).port,
    script: (name, script) => scripts.set(name, script),
    phases: (name) => phases.get(name) ?? [],
    env: (pod, container) => resolvedEnv.get(`${pod}/${container}`) ?? {},
    volumeFiles: (pod, volume) => mounted.get(`${pod}/${volume}`) ?? {},
    stop: async () => {
      stopped = true;
      controller.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function selfSignedCertificate(dir: string): Promise<{ key: string; cert: string }> {
  const key = path.join(dir, 'kubelet.key');
  const cert = path.join(dir, 'kubelet.crt');
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${FAKE_NODE}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2', '-keyout', key, '-out', cert]);
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
}
