/**
 * The worker's shipped RBAC (deploy/kubernetes/worker-rbac.yaml, worker-namespace.yaml per served namespace)
 * against the real API server with RBAC authorization and admission, as the worker's own ServiceAccount (a bound
 * token from the TokenRequest API): it can do everything the Kubernetes runtime does in a namespace it serves
 * (create, read, log, delete its Pods; read Secrets; write, own and delete its companions) and nothing beyond —
 * a user's Secret or ConfigMap cannot be changed or deleted, no other Secret can be created (not even a
 * service-account token), no other namespace is reachable. kube-runtime.test.ts runs the whole runtime as it.
 */
import * as k8s from '@kubernetes/client-node';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { startFakeKubelet, type FakeKubelet } from '../harness/kube/fake-kubelet';
import { FAKE_NODE, ensureDefaultServiceAccount, startKubeCluster, type KubeCluster } from '../harness/kube/kube-cluster';
import { applyWorkerRbac, deployDocs } from '../harness/kube/worker-rbac';

let cluster: KubeCluster;
let kubelet: FakeKubelet;
let worker: k8s.CoreV1Api;
let workerApps: k8s.AppsV1Api;
let admin: k8s.CoreV1Api;
const KELOS_LABELS = { 'app.kubernetes.io/managed-by': 'kelos-temporal', 'kelos.dev/task': 'rbac-task' };
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

beforeAll(async () => {
  const kubeletPort = await freePort();
  cluster = await startKubeCluster({ kubeletPort });
  kubelet = await startFakeKubelet(cluster.kubeConfig, cluster.dir, kubeletPort);
  const identity = await applyWorkerRbac(cluster, ['default']);
  worker = identity.kubeConfig.makeApiClient(k8s.CoreV1Api);
  workerApps = identity.kubeConfig.makeApiClient(k8s.AppsV1Api);
  admin = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  await ensureDefaultServiceAccount(cluster.kubeConfig, 'elsewhere');
  await admin.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'creds' }, stringData: { ANTHROPIC_API_KEY: 'x' } } });
  await admin.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' }, data: { region: 'eu' } } });
  await admin.createNamespacedSecret({ namespace: 'elsewhere', body: { metadata: { name: 'creds' }, stringData: { ANTHROPIC_API_KEY: 'x' } } });
}, 120_000);
afterAll(async () => {
  await kubelet?.stop();
  await cluster?.stop();
});

test('the manifests are the default way in: no ClusterRoleBinding, one RoleBinding per served namespace', () => {
  expect(deployDocs('worker-rbac.yaml').map((d) => d.kind)).toEqual(['Namespace', 'ServiceAccount', 'ClusterRole', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
  expect(deployDocs('worker-namespace.yaml').map((d) => [d.kind, d.metadata.namespace])).toEqual([['RoleBinding', undefined]]);
  expect(deployDocs('worker-all-namespaces.yaml').map((d) => d.kind)).toEqual(['ClusterRoleBinding']);
});

test('in a served namespace the worker does what the runtime does', async () => {
  kubelet.script('rbac-pod', { logs: { main: 'ok\n' } });
  await worker.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'rbac-pod', labels: KELOS_LABELS }, spec: { nodeName: FAKE_NODE, restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } });
  for (let i = 0; i < 100 && (await worker.readNamespacedPod({ name: 'rbac-pod', namespace: 'default' })).status?.phase !== 'Succeeded'; i += 1) await new Promise((r) => setTimeout(r, 100));
  expect(await worker.readNamespacedPodLog({ name: 'rbac-pod', namespace: 'default', container: 'main' })).toBe('ok\n');
  expect((await worker.listNamespacedPod({ namespace: 'default' })).items.map((p) => p.metadata!.name)).toContain('rbac-pod');
  expect((await worker.readNamespacedSecret({ name: 'creds', namespace: 'default' })).data).toHaveProperty('ANTHROPIC_API_KEY');
  expect((await worker.readNamespacedConfigMap({ name: 'settings', namespace: 'default' })).data).toEqual({ region: 'eu' });

  // The per-Task companions: written, owned (a patch), replaced (a token refresh), deleted.
  await worker.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'rbac-pod-mcp', labels: KELOS_LABELS }, type: 'Opaque', stringData: { KELOS_MCP_SERVERS: '{}' } } });
  await worker.patchNamespacedSecret({ name: 'rbac-pod-mcp', namespace: 'default', body: { metadata: { annotations: { a: 'b' } } } }, mergePatch);
  const current = await worker.readNamespacedSecret({ name: 'rbac-pod-mcp', namespace: 'default' });
  await worker.replaceNamespacedSecret({ name: 'rbac-pod-mcp', namespace: 'default', body: { ...current, stringData: { KELOS_MCP_SERVERS: '{"x":1}' } } });
  await worker.deleteNamespacedSecret({ name: 'rbac-pod-mcp', namespace: 'default' });
  await worker.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'rbac-pod-plugins', labels: KELOS_LABELS }, data: { 'p0-s0': '#' } } });
  await worker.replaceNamespacedConfigMap({ name: 'rbac-pod-plugins', namespace: 'default', body: { metadata: { name: 'rbac-pod-plugins', labels: KELOS_LABELS }, data: { 'p0-s0': '##' } } });
  await worker.deleteNamespacedConfigMap({ name: 'rbac-pod-plugins', namespace: 'default' });
  await worker.deleteNamespacedPod({ name: 'rbac-pod', namespace: 'default' });
});

/** Refused by RBAC (403) or by the admission policy (its message). */
async function refused(request: Promise<unknown>, by: 'rbac' | 'policy'): Promise<void> {
  const err = await request.then(() => undefined, (e) => e as { code?: number; body?: unknown });
  expect(err).toBeDefined();
  if (by === 'rbac') expect(err!.code).toBe(403);
  else expect(String(err!.body)).toContain('ValidatingAdmissionPolicy \'kelos-worker-writes-only-its-own\'');
}

test('a user\'s Secret and ConfigMap are read-only to the worker', async () => {
  const secret = await worker.readNamespacedSecret({ name: 'creds', namespace: 'default' });
  await refused(worker.replaceNamespacedSecret({ name: 'creds', namespace: 'default', body: { ...secret, stringData: { ANTHROPIC_API_KEY: 'stolen' } } }), 'policy');
  await refused(worker.patchNamespacedSecret({ name: 'creds', namespace: 'default', body: { metadata: { labels: KELOS_LABELS } } }, mergePatch), 'policy');
  await refused(worker.deleteNamespacedSecret({ name: 'creds', namespace: 'default' }), 'policy');
  await refused(worker.patchNamespacedConfigMap({ name: 'settings', namespace: 'default', body: { data: { region: 'us' } } }, mergePatch), 'policy');
  await refused(worker.deleteNamespacedConfigMap({ name: 'settings', namespace: 'default' }), 'policy');
  expect(Buffer.from((await admin.readNamespacedSecret({ name: 'creds', namespace: 'default' })).data!.ANTHROPIC_API_KEY, 'base64').toString()).toBe('x');
});

test('the worker creates only labelled Opaque companions and Pods, and deletes only its own Pods', async () => {
  await refused(worker.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'unlabelled' }, stringData: { a: 'b' } } }), 'policy');
  // A token Secret for a service account of the namespace would be filled with that account's token.
  await refused(worker.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'sa-token', labels: KELOS_LABELS, annotations: { 'kubernetes.io/service-account.name': 'default' } }, type: 'kubernetes.io/service-account-token' } }), 'policy');
  await refused(worker.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'unlabelled' }, spec: { nodeName: FAKE_NODE, containers: [{ name: 'main', image: 'busybox' }] } } }), 'policy');
  kubelet.script('users-pod', { runMs: 60_000 });
  await admin.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'users-pod' }, spec: { nodeName: FAKE_NODE, restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } });
  await refused(worker.deleteNamespacedPod({ name: 'users-pod', namespace: 'default' }), 'policy');
});

test('nothing outside the served namespaces, nothing cluster-wide', async () => {
  await refused(worker.readNamespacedSecret({ name: 'creds', namespace: 'elsewhere' }), 'rbac');
  await refused(worker.createNamespacedPod({ namespace: 'elsewhere', body: { metadata: { name: 'p', labels: KELOS_LABELS }, spec: { containers: [{ name: 'main', image: 'busybox' }] } } }), 'rbac');
  await refused(worker.listNode(), 'rbac');
  await refused(worker.listNamespacedSecret({ namespace: 'default' }), 'rbac');
  await refused(worker.listSecretForAllNamespaces(), 'rbac');
  await refused(worker.createNamespace({ body: { metadata: { name: 'nope' } } }), 'rbac');
  await refused(worker.createNamespacedServiceAccountToken({ namespace: 'default', name: 'default', body: { spec: { audiences: [] } } }), 'rbac');
  await refused(workerApps.listNamespacedDeployment({ namespace: 'default' }), 'rbac');
});
