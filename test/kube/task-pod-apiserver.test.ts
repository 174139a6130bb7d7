/**
 * The Pods the Kubernetes runtime builds, submitted to a real kube-apiserver: the server's validation and
 * admission accept a Task with a Workspace, credentials, a branch and every podOverrides field; the fake kubelet
 * runs it to Succeeded and its log (read through pods/log) carries the output block.
 */
import * as k8s from '@kubernetes/client-node';
import { buildTaskPod, taskPodName } from '../../src/runtimes/kubernetes/task-pod';
import { parseTaskOutputs } from '../../src/task/outputs';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { startFakeKubelet, type FakeKubelet } from '../harness/kube/fake-kubelet';
import { FAKE_NODE, ensureDefaultServiceAccount, startKubeCluster, type KubeCluster } from '../harness/kube/kube-cluster';
import { agentConfig, fullyLoadedRun, workspace, FIXTURE_ALLOW } from '../kube-pod/fixtures';

let cluster: KubeCluster;
let kubelet: FakeKubelet;
let core: k8s.CoreV1Api;

beforeAll(async () => {
  const kubeletPort = await freePort();
  cluster = await startKubeCluster({ kubeletPort });
  kubelet = await startFakeKubelet(cluster.kubeConfig, cluster.dir, kubeletPort);
  core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  await ensureDefaultServiceAccount(cluster.kubeConfig, 'default');
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'kelos-agent' } } });
  // The kubelet resolves the Pod's secret references before it starts containers.
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'claude-oauth' }, stringData: { CLAUDE_CODE_OAUTH_TOKEN: 'x' } } });
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'bedrock' }, stringData: { AWS_ACCESS_KEY_ID: 'x' } } });
}, 120_000);
afterAll(async () => {
  await kubelet?.stop();
  await cluster?.stop();
});

test('a Task with workspace, credentials, branch and every podOverrides field: the server accepts the Pod and it runs', async () => {
  const run = fullyLoadedRun();
  const podName = taskPodName(run.namespace, run.name);
  const pod = buildTaskPod({ allow: FIXTURE_ALLOW, run, workflowId: `task/default/${run.name}`, podName, workspace: workspace(), agentConfig, nodeName: FAKE_NODE });
  kubelet.script(podName, { logs: { 'kelos-agent': 'working...\n---KELOS_OUTPUTS_START---\nbranch: kelos/fix-42\npr: https://github.com/acme/widgets/pull/43\n---KELOS_OUTPUTS_END---\n' } });
  const created = await core.createNamespacedPod({ namespace: 'default', body: pod });
  expect(created.spec!.containers.map((c) => c.name)).toEqual(['kelos-agent', 'proxy']);
  expect(created.spec!.initContainers!.map((c) => c.name)).toEqual(['git-clone', 'remote-setup', 'branch-setup', 'workspace-files', 'warm-cache']);

  const deadline = Date.now() + 30_000;
  let phase: string | undefined;
  while (Date.now() < deadline && phase !== 'Succeeded') {
    phase = (await core.readNamespacedPod({ name: podName, namespace: 'default' })).status?.phase;
    await new Promise((r) => setTimeout(r, 150));
  }
  expect(kubelet.phases(podName)).toEqual(['Pending', 'Pending', 'Pending', 'Pending', 'Pending', 'Pending', 'Running', 'Succeeded']);
  const log = await core.readNamespacedPodLog({ name: podName, namespace: 'default', container: 'kelos-agent', tailLines: 50 });
  expect(parseTaskOutputs(log).results).toMatchObject({ branch: 'kelos/fix-42', pr: 'https://github.com/acme/widgets/pull/43' });
});

test('a Task without a workspace or overrides is accepted too', async () => {
  const run = fullyLoadedRun({ name: 'plain', podOverrides: undefined, credentials: { type: 'api-key', secretName: 'anthropic' }, branch: undefined, env: [] });
  const pod = buildTaskPod({ allow: FIXTURE_ALLOW, run, workflowId: 'task/default/plain', podName: 'plain', nodeName: FAKE_NODE });
  await expect(core.createNamespacedPod({ namespace: 'default', body: pod })).resolves.toMatchObject({ metadata: { name: 'plain' } });
});
