/**
 * deploy/kubernetes/worker-rbac.yaml against the real API server's RBAC: a user bound to the kelos-worker
 * ClusterRole can do everything the Kubernetes runtime does (create, read, log, delete Pods; read Secrets; write
 * the per-Task companion ConfigMap and Secrets) and nothing beyond (e.g. list Nodes or Secrets, create
 * Deployments). kube-runtime.test.ts runs the whole runtime as this user, too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { freePort } from '../../clients/dev/temporal-dev-server';
import { startFakeKubelet, type FakeKubelet } from '../harness/kube/fake-kubelet';
import { FAKE_NODE, startKubeCluster, type KubeCluster } from '../harness/kube/kube-cluster';

const MANIFEST = path.resolve(__dirname, '../../deploy/kubernetes/worker-rbac.yaml');
let cluster: KubeCluster;
let kubelet: FakeKubelet;

beforeAll(async () => {
  const kubeletPort = await freePort();
  cluster = await startKubeCluster({ kubeletPort, users: { 'worker-user': [] } });
  kubelet = await startFakeKubelet(cluster.kubeConfig, cluster.dir, kubeletPort);
  const docs = YAML.parseAllDocuments(fs.readFileSync(MANIFEST, 'utf8')).map((d) => d.toJSON());
  const objects = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  // The manifests as shipped, plus a binding of the same role to the test's token user.
  for (const doc of docs) await objects.create(doc);
  const binding = docs.find((d) => d.kind === 'ClusterRoleBinding');
  await objects.create({ ...binding, metadata: { name: 'kelos-worker-test-user' }, subjects: [{ kind: 'User', name: 'worker-user', apiGroup: 'rbac.authorization.k8s.io' }] });
  const admin = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  await admin.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'creds' }, stringData: { ANTHROPIC_API_KEY: 'x' } } });
}, 120_000);
afterAll(async () => {
  await kubelet?.stop();
  await cluster?.stop();
});

test('the manifests apply cleanly, and the role allows what the runtime does and no more', async () => {
  const core = cluster.kubeConfigFor('worker-user').makeApiClient(k8s.CoreV1Api);
  kubelet.script('rbac-pod', { logs: { main: 'ok\n' } });
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'rbac-pod' }, spec: { nodeName: FAKE_NODE, restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } });
  for (let i = 0; i < 100 && (await core.readNamespacedPod({ name: 'rbac-pod', namespace: 'default' })).status?.phase !== 'Succeeded'; i += 1) await new Promise((r) => setTimeout(r, 100));
  expect(await core.readNamespacedPodLog({ name: 'rbac-pod', namespace: 'default', container: 'main' })).toBe('ok\n');
  expect((await core.listNamespacedPod({ namespace: 'default' })).items.map((p) => p.metadata!.name)).toContain('rbac-pod');
  expect((await core.readNamespacedSecret({ name: 'creds', namespace: 'default' })).data).toHaveProperty('ANTHROPIC_API_KEY');
  await core.deleteNamespacedPod({ name: 'rbac-pod', namespace: 'default' });

  // The per-Task companions: written, patched with an owner, deleted.
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'rbac-pod-mcp' }, stringData: { KELOS_MCP_SERVERS: '{}' } } });
  await core.patchNamespacedSecret({ name: 'rbac-pod-mcp', namespace: 'default', body: { metadata: { labels: { a: 'b' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await core.deleteNamespacedSecret({ name: 'rbac-pod-mcp', namespace: 'default' });
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'rbac-pod-plugins' }, data: { 'p0-s0': '#' } } });
  await core.replaceNamespacedConfigMap({ name: 'rbac-pod-plugins', namespace: 'default', body: { metadata: { name: 'rbac-pod-plugins' }, data: { 'p0-s0': '##' } } });
  await core.deleteNamespacedConfigMap({ name: 'rbac-pod-plugins', namespace: 'default' });

  await expect(core.listNode()).rejects.toMatchObject({ code: 403 });
  await expect(core.listNamespacedSecret({ namespace: 'default' })).rejects.toMatchObject({ code: 403 });
  await expect(core.createNamespace({ body: { metadata: { name: 'nope' } } })).rejects.toMatchObject({ code: 403 });
  const apps = cluster.kubeConfigFor('worker-user').makeApiClient(k8s.AppsV1Api);
  await expect(apps.listNamespacedDeployment({ namespace: 'default' })).rejects.toMatchObject({ code: 403 });
});
