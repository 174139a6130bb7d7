/**
 * Task workflows on the Kubernetes runtime, against a real kube-apiserver with the fake kubelet and the real
 * Temporal dev server: results from the agent's log, failure reasons from the Pod (OOMKilled, an init container,
 * the deadline), cancel and TTL delete the Pod, and a worker killed mid-wait is replaced without a second Pod.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { testServerAddress } from '../harness/temporal';
import { taskPodName } from '../../api/kube/task-pod';
import type { TaskRun } from '../../api/task/task-run';
import { freePort } from '../../clients/dev/temporal-dev-server';
import { startFakeKubelet, type FakeKubelet } from '../harness/kube/fake-kubelet';
import { FAKE_NODE, startKubeCluster, type KubeCluster } from '../harness/kube/kube-cluster';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';

const OUTPUTS = '---KELOS_OUTPUTS_START---\nbranch: kelos/fix-7\ncommit: 0123abcd\ninput-tokens: 1200\noutput-tokens: 300\ncost-usd: 0.05\n---KELOS_OUTPUTS_END---\n';

const execFileAsync = promisify(execFile);
const KELOS = path.resolve(__dirname, '../../bin/kelos.js');
let cluster: KubeCluster;
let kubelet: FakeKubelet;
let core: k8s.CoreV1Api;
let stack: KelosTestStack;
let seq = 0;
let mainWorker: { stop: () => Promise<void> };
const kubeRuntime = () => ({ kind: 'kubernetes' as const, kubeConfig: cluster.kubeConfig, nodeName: FAKE_NODE });

beforeAll(async () => {
  const kubeletPort = await freePort();
  cluster = await startKubeCluster({ kubeletPort });
  kubelet = await startFakeKubelet(cluster.kubeConfig, cluster.dir, kubeletPort);
  core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'claude-oauth' }, stringData: { CLAUDE_CODE_OAUTH_TOKEN: 'oauth-secret-value' } } });
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'github-token' }, stringData: { GITHUB_TOKEN: 'ghp_secret_value' } } });
  stack = await startKelosTestStack('kube-runtime');
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'Workspace',
    metadata: { name: 'widgets', namespace: 'default' },
    spec: { repo: 'https://github.com/acme/widgets.git', ref: 'main', secretRef: { name: 'github-token' } },
  });
  mainWorker = await stack.startWorker({ runtime: kubeRuntime() });
}, 180_000);
afterAll(async () => {
  await stack?.teardown();
  await kubelet?.stop();
  await cluster?.stop();
});

function run(patch: Partial<TaskRun> = {}): TaskRun {
  seq += 1;
  return {
    namespace: 'default',
    name: `kube-task-${seq}`,
    agentType: 'claude-code',
    prompt: 'Fix issue #7',
    credentials: { type: 'oauth', secretName: 'claude-oauth' },
    workspaceRef: 'widgets',
    agentConfigRefs: [],
    branch: 'kelos/fix-7',
    env: [],
    labels: {},
    sourceKind: 'cli',
    spec: {},
    apiVersion: 'kelos.dev/v1alpha2',
    podOverrides: { resources: { limits: { memory: '2Gi' } } },
    ...patch,
  };
}

async function finished(name: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const task = await stack.api.getTask('default', name);
    return task?.status.phase === 'Succeeded' || task?.status.phase === 'Failed' ? task : undefined;
  }, timeoutMs, `Task ${name} to finish`);
}

async function podGone(name: string, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => ((await core.readNamespacedPod({ name, namespace: 'default' }).then(() => false, (e) => e.code === 404)) ? true : undefined), timeoutMs, `Pod ${name} deleted`);
}

test('a Task runs as a Pod; its results come from the agent log read through the API server', async () => {
  const task = run();
  const pod = taskPodName('default', task.name);
  kubelet.script(pod, { logs: { 'kelos-agent': `working on it\n${OUTPUTS}` } });
  await stack.api.startTask(task);
  const done = await finished(task.name);
  expect(done.status.phase).toBe('Succeeded');
  expect(done.status.results).toMatchObject({ branch: 'kelos/fix-7', commit: '0123abcd' });
  expect(done.status.usage).toMatchObject({ inputTokens: 1200, outputTokens: 300 });
  const created = await core.readNamespacedPod({ name: pod, namespace: 'default' });
  const env = created.spec!.containers[0].env!;
  expect(env.find((e) => e.name === 'CLAUDE_CODE_OAUTH_TOKEN')!.valueFrom!.secretKeyRef).toEqual({ name: 'claude-oauth', key: 'CLAUDE_CODE_OAUTH_TOKEN' });
  expect(JSON.stringify(created)).not.toContain('oauth-secret-value');

  // `kelos logs` reads the Pod's log through the API server (async: an in-process worker is running).
  for (const follow of [[], ['-f']]) {
    const { stdout } = await execFileAsync(process.execPath, [KELOS, '--address', testServerAddress(), 'logs', task.name, '--runtime', 'kubernetes', '--kubeconfig', cluster.kubeconfigPath, ...follow], { env: { ...process.env, KELOS_HOME: stack.home } });
    expect(stdout).toBe(`working on it\n${OUTPUTS}`);
  }
});

test.each([
  ['OOMKilled', { exitCode: 137, reason: 'OOMKilled' }, /OOMKilled/],
  ['an init container failure', { failInit: 'git-clone' }, /init container git-clone failed/],
  ['a non-zero exit', { exitCode: 3, logs: { 'kelos-agent': 'boom: could not compile\n' } }, /exited with code 3; last output: boom: could not compile/],
])('%s fails the Task with the Pod\'s reason', async (_name, script, message) => {
  const task = run();
  kubelet.script(taskPodName('default', task.name), script);
  await stack.api.startTask(task);
  const done = await finished(task.name);
  expect(done.status.phase).toBe('Failed');
  expect(done.status.message).toMatch(message);
});

test('the deadline ends the Pod (DeadlineExceeded) and the Task fails as timed out', async () => {
  const task = run({ activeDeadlineSeconds: 1 });
  kubelet.script(taskPodName('default', task.name), { runMs: 30_000 });
  await stack.api.startTask(task);
  const done = await finished(task.name);
  expect(done.status.message).toMatch(/exceeded its deadline of 1s/);
});

test('a missing credential Secret fails clearly before any Pod exists', async () => {
  const task = run({ credentials: { type: 'api-key', secretName: 'claude-oauth' } });
  await stack.api.startTask(task);
  const done = await finished(task.name);
  expect(done.status.message).toContain('Secret "claude-oauth" has no key ANTHROPIC_API_KEY');
  await expect(core.readNamespacedPod({ name: taskPodName('default', task.name), namespace: 'default' })).rejects.toMatchObject({ code: 404 });
});

test('cancelling the Task deletes its Pod; TTL deletes the Pod with the Task', async () => {
  const cancelled = run();
  kubelet.script(taskPodName('default', cancelled.name), { runMs: 60_000 });
  await stack.api.startTask(cancelled);
  await eventually(async () => ((await core.readNamespacedPod({ name: taskPodName('default', cancelled.name), namespace: 'default' }).catch(() => undefined))?.status?.phase === 'Running' ? true : undefined), 30_000, 'the Pod running');
  await stack.api.deleteTask('default', cancelled.name);
  await podGone(taskPodName('default', cancelled.name));

  const expiring = run({ ttlSecondsAfterFinished: 1 });
  kubelet.script(taskPodName('default', expiring.name), { logs: { 'kelos-agent': OUTPUTS } });
  await stack.api.startTask(expiring);
  await finished(expiring.name);
  await podGone(taskPodName('default', expiring.name));
});

test('a worker SIGKILLed while waiting is replaced; the next one adopts the same Pod', async () => {
  const task = run();
  const podName = taskPodName('default', task.name);
  kubelet.script(podName, { runMs: 30_000, logs: { 'kelos-agent': OUTPUTS } });
  await mainWorker.stop();
  const child = stack.startWorkerProcess(['--runtime', 'kubernetes', '--kubeconfig', cluster.kubeconfigPath, '--node-name', FAKE_NODE]);
  await stack.api.startTask(task);
  const running = await eventually(async () => {
    const pod = await core.readNamespacedPod({ name: podName, namespace: 'default' }).catch(() => undefined);
    return pod?.status?.phase === 'Running' ? pod : undefined;
  }, 60_000, 'the Pod running under the worker process');
  child.kill('SIGKILL');
  mainWorker = await stack.startWorker({ runtime: kubeRuntime() });
  const done = await finished(task.name, 120_000);
  expect(done.status.phase).toBe('Succeeded');
  expect(done.status.results).toMatchObject({ branch: 'kelos/fix-7' });
  const pod = await core.readNamespacedPod({ name: podName, namespace: 'default' });
  expect(pod.metadata!.uid).toBe(running.metadata!.uid);
});
