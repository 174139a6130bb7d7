/**
 * The Kubernetes test bed itself: a real kube-apiserver and etcd, and the fake kubelet. A Pod bound to the fake
 * Node runs to Succeeded, its phases are seen through a watch, its log is read through the API server's
 * `pods/log` (proxied to the fake kubelet), and the server's own validation rejects an invalid Pod.
 */
import * as k8s from '@kubernetes/client-node';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { PodDeletedError, waitForPod } from '../../src/runtimes/kubernetes/pod-watcher';
import { startFakeKubelet, type FakeKubelet } from '../harness/kube/fake-kubelet';
import { FAKE_NODE, startKubeCluster, type KubeCluster } from '../harness/kube/kube-cluster';

let cluster: KubeCluster;
let kubelet: FakeKubelet;

beforeAll(async () => {
  const kubeletPort = await freePort();
  cluster = await startKubeCluster({ kubeletPort });
  kubelet = await startFakeKubelet(cluster.kubeConfig, cluster.dir, kubeletPort);
  console.log(`kube-apiserver ${cluster.version} at ${cluster.server}`);
}, 120_000);
afterAll(async () => {
  await kubelet?.stop();
  await cluster?.stop();
});

test('the API server is the version the build script pins', () => {
  expect(cluster.version).toMatch(/^v1\.\d+\.\d+$/);
});

test('a bound Pod runs to Succeeded; its log is read through the API server', async () => {
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  kubelet.script('smoke', { logs: { main: 'hello from the fake kubelet\nsecond line\n' }, exitCode: 0 });
  const seen: string[] = [];
  const watch = await new k8s.Watch(cluster.kubeConfig).watch('/api/v1/namespaces/default/pods', { fieldSelector: 'metadata.name=smoke' }, (_type, pod: k8s.V1Pod) => {
    const phase = pod.status?.phase;
    if (phase && seen[seen.length - 1] !== phase) seen.push(phase);
  }, () => undefined);
  try {
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'smoke', labels: { app: 'smoke' } },
        spec: {
          nodeName: FAKE_NODE,
          restartPolicy: 'Never',
          initContainers: [{ name: 'setup', image: 'busybox:1.36', command: ['true'] }],
          containers: [{ name: 'main', image: 'busybox:1.36', command: ['echo', 'hello'] }],
        },
      },
    });
    const deadline = Date.now() + 30_000;
    while (!seen.includes('Succeeded') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(['Pending', 'Running', 'Succeeded']);
    const log = await core.readNamespacedPodLog({ name: 'smoke', namespace: 'default', container: 'main' });
    expect(log).toBe('hello from the fake kubelet\nsecond line\n');
    const pod = await core.readNamespacedPod({ name: 'smoke', namespace: 'default' });
    expect(pod.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(pod.spec?.serviceAccountName).toBe('default'); // admission ran
  } finally {
    watch.abort();
  }
});

test('the real validation rejects an invalid Pod with 422', async () => {
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const error = await core
    .createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'invalid' },
        spec: { containers: [{ name: 'main', image: 'busybox', volumeMounts: [{ name: 'Not_A_Valid_Name', mountPath: '/x' }] }], volumes: [{ name: 'Not_A_Valid_Name', emptyDir: {} }] },
      },
    })
    .catch((e) => e);
  expect(error).toBeInstanceOf(k8s.ApiException);
  expect(error.code).toBe(422);
  expect(JSON.parse(error.body).message).toMatch(/Not_A_Valid_Name/);
});

test('deleting a Pod is confirmed by the fake kubelet', async () => {
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  kubelet.script('doomed', { runMs: 60_000 });
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'doomed' }, spec: { nodeName: FAKE_NODE, restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } });
  await core.deleteNamespacedPod({ name: 'doomed', namespace: 'default' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const gone = await core.readNamespacedPod({ name: 'doomed', namespace: 'default' }).then(() => false, (e) => e.code === 404);
    if (gone) break;
    if (Date.now() > deadline) throw new Error('the Pod was not removed');
    await new Promise((r) => setTimeout(r, 200));
  }
});

test('waitForPod follows a Pod by watch until it settles, and reports an external deletion', async () => {
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const create = (name: string) => core.createNamespacedPod({ namespace: 'default', body: { metadata: { name }, spec: { nodeName: FAKE_NODE, restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } });
  kubelet.script('watched', { runMs: 500 });
  await create('watched');
  const ticks: string[] = [];
  const done = await waitForPod(cluster.kubeConfig, { namespace: 'default', name: 'watched', tickMs: 100, settled: (pod) => pod.status?.phase === 'Succeeded', onTick: (pod) => ticks.push(pod.status?.phase ?? '') });
  expect(done.status?.phase).toBe('Succeeded');
  expect(ticks.length).toBeGreaterThan(0);

  kubelet.script('vanishing', { runMs: 60_000 });
  await create('vanishing');
  const waiting = waitForPod(cluster.kubeConfig, { namespace: 'default', name: 'vanishing', settled: () => false });
  await new Promise((r) => setTimeout(r, 500));
  await core.deleteNamespacedPod({ name: 'vanishing', namespace: 'default' });
  await expect(waiting).rejects.toBeInstanceOf(PodDeletedError);
});
