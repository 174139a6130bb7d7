/**
 * Task workflows on the Kubernetes runtime, against a real kube-apiserver with the fake kubelet and the real
 * Temporal dev server: results from the agent's log, failure reasons from the Pod (OOMKilled, an init container,
 * the deadline), cancel and TTL delete the Pod (and its companions), a worker killed mid-wait is replaced without
 * a second Pod, AgentConfig plugins/skills/MCP servers reach the Pod with secret values kept in Kubernetes, and a
 * GitHub App Workspace gets an installation token that is re-minted before it expires. The worker runs as its
 * ServiceAccount under the shipped RBAC and admission policy (deploy/kubernetes/worker-rbac.yaml and
 * worker-namespace.yaml for the namespaces it serves), so every call it makes is checked as in a cluster. Its own
 * policy is checked too: Tasks asking for a privileged, hostPath or foreign-service-account Pod, Tasks in a
 * namespace it does not serve, and branch names or file paths that would escape fail with the field named and
 * nothing created; a normal Task's Pod carries the secure defaults and is admitted under the "restricted" Pod
 * Security Standard.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { testServerAddress } from '../harness/temporal';
import { taskPodName } from '../../src/runtimes/kubernetes/task-pod';
import { taskWorkflowId, type TaskRun } from '../../src/task/task-run';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { startFakeKubelet, type FakeKubelet } from '../harness/kube/fake-kubelet';
import { FAKE_NODE, ensureDefaultServiceAccount, startKubeCluster, type KubeCluster } from '../harness/kube/kube-cluster';
import { STRICT_ALLOW } from '../../src/runtimes/kubernetes/pod-policy';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';
import { applyWorkerRbac, type WorkerIdentity } from '../harness/kube/worker-rbac';

const CLONED = "Cloning into '/workspace/repo'...\n";
const OUTPUTS = '---KELOS_OUTPUTS_START---\nbranch: kelos/fix-7\ncommit: 0123abcd\ninput-tokens: 1200\noutput-tokens: 300\ncost-usd: 0.05\n---KELOS_OUTPUTS_END---\n';

const execFileAsync = promisify(execFile);
const KELOS = path.resolve(__dirname, '../../bin/kelos.js');
let cluster: KubeCluster;
let kubelet: FakeKubelet;
let core: k8s.CoreV1Api;
let stack: KelosTestStack;
let seq = 0;
let mainWorker: { stop: () => Promise<void> };
let github: FakeGitHub;
/** The namespaces the worker serves: `locked` enforces the "restricted" Pod Security Standard. */
const SERVED = ['default', 'locked'];
let worker: WorkerIdentity;
const kubeRuntime = () => ({ kind: 'kubernetes' as const, kubeConfig: worker.kubeConfig, nodeName: FAKE_NODE, policy: { namespaces: SERVED, allow: { ...STRICT_ALLOW } } });
const startMainWorker = () => stack.startWorker({ runtime: kubeRuntime(), env: { GITHUB_API_URL: github.url } });
const { privateKey: appKey, publicKey: appPublicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  const kubeletPort = await freePort();
  cluster = await startKubeCluster({ kubeletPort });
  kubelet = await startFakeKubelet(cluster.kubeConfig, cluster.dir, kubeletPort);
  core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } });
  await ensureDefaultServiceAccount(cluster.kubeConfig, 'locked');
  await ensureDefaultServiceAccount(cluster.kubeConfig, 'elsewhere');
  worker = await applyWorkerRbac(cluster, SERVED);
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'claude-oauth' }, stringData: { CLAUDE_CODE_OAUTH_TOKEN: 'oauth-secret-value' } } });
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'github-token' }, stringData: { GITHUB_TOKEN: 'ghp_secret_value' } } });
  // Installation tokens of 302 s: with the 5-minute refresh margin, one is due again 2 s after it is minted.
  github = await startFakeGitHub({ app: { appId: 4242, publicKeyPem: appPublicKey.export({ type: 'spki', format: 'pem' }).toString() }, tokenLifetimeSeconds: 302 });
  stack = await startKelosTestStack('kube-runtime');
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'Workspace',
    metadata: { name: 'widgets', namespace: 'default' },
    spec: { repo: 'https://github.com/acme/widgets.git', ref: 'main', secretRef: { name: 'github-token' } },
  });
  mainWorker = await startMainWorker();
}, 180_000);
afterAll(async () => {
  await stack?.teardown();
  await github?.close();
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

async function finished(name: string, timeoutMs = 60_000, namespace = 'default') {
  return eventually(async () => {
    const task = await stack.api.getTask(namespace, name);
    return task?.status.phase === 'Succeeded' || task?.status.phase === 'Failed' ? task : undefined;
  }, timeoutMs, `Task ${name} to finish`);
}

async function podGone(name: string, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => ((await core.readNamespacedPod({ name, namespace: 'default' }).then(() => false, (e) => e.code === 404)) ? true : undefined), timeoutMs, `Pod ${name} deleted`);
}

test('a Task runs as a Pod; its results come from the agent log read through the API server', async () => {
  const task = run();
  const pod = taskPodName('default', task.name);
  kubelet.script(pod, { logs: { 'git-clone': CLONED, 'kelos-agent': `working on it\n${OUTPUTS}` } });
  await stack.api.startTask(task);
  const done = await finished(task.name);
  expect(done.status.phase).toBe('Succeeded');
  expect(done.status.results).toMatchObject({ branch: 'kelos/fix-7', commit: '0123abcd' });
  expect(done.status.usage).toMatchObject({ inputTokens: 1200, outputTokens: 300 });
  const created = await core.readNamespacedPod({ name: pod, namespace: 'default' });
  const env = created.spec!.containers[0].env!;
  expect(env.find((e) => e.name === 'CLAUDE_CODE_OAUTH_TOKEN')!.valueFrom!.secretKeyRef).toEqual({ name: 'claude-oauth', key: 'CLAUDE_CODE_OAUTH_TOKEN' });
  expect(JSON.stringify(created)).not.toContain('oauth-secret-value');

  // `kelos logs` reads the Pod's log through the API server (async: an in-process worker is running); with -f the
  // git-clone step comes first, as in Kelos, each part under a header on stderr.
  const expected = [
    { follow: [], stdout: `working on it\n${OUTPUTS}`, stderr: '' },
    { follow: ['-f'], stdout: `${CLONED}working on it\n${OUTPUTS}`, stderr: '• git-clone (the checkout):\n• kelos-agent (the agent):\n' },
    { follow: ['-f', '--raw'], stdout: `working on it\n${OUTPUTS}`, stderr: '' },
  ];
  for (const { follow, stdout, stderr } of expected) {
    const printed = await execFileAsync(process.execPath, [KELOS, '--address', testServerAddress(), 'logs', task.name, '--runtime', 'kubernetes', '--kubeconfig', cluster.kubeconfigPath, ...follow], { env: { ...process.env, KELOS_HOME: stack.home } });
    expect({ follow, stdout: printed.stdout, stderr: printed.stderr }).toEqual({ follow, stdout, stderr });
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
}, 300_000); // Temporal deletes executions asynchronously: tens of seconds on a loaded 2-core machine

test('deleting a finished Task removes its Pod and companions too', async () => {
  await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'AgentConfig', metadata: { name: 'one-plugin', namespace: 'default' }, spec: { plugins: [{ name: 'p', skills: [{ name: 's', content: '#' }] }] } });
  const task = run({ agentConfigRefs: ['one-plugin'] });
  const podName = taskPodName('default', task.name);
  kubelet.script(podName, { logs: { 'kelos-agent': OUTPUTS } });
  await stack.api.startTask(task);
  expect((await finished(task.name)).status.phase).toBe('Succeeded');
  await expect(readCompanion('ConfigMap', `${podName}-plugins`)).resolves.toBeDefined();
  const started = Date.now();
  await stack.api.deleteTask('default', task.name);
  console.log(`kelos delete of a finished Task took ${Date.now() - started} ms`);
  expect(await stack.api.getTask('default', task.name)).toBeUndefined();
  await podGone(podName);
  await companionGone('ConfigMap', `${podName}-plugins`);
}, 300_000); // Temporal deletes executions asynchronously: tens of seconds on a loaded 2-core machine

test('a worker SIGKILLed while waiting is replaced; the next one adopts the same Pod', async () => {
  const task = run();
  const podName = taskPodName('default', task.name);
  kubelet.script(podName, { runMs: 30_000, logs: { 'kelos-agent': OUTPUTS } });
  await mainWorker.stop();
  const child = stack.startWorkerProcess(['--runtime', 'kubernetes', '--kubeconfig', worker.kubeconfigPath, '--node-name', FAKE_NODE, '--namespaces', SERVED.join(',')]);
  await stack.api.startTask(task);
  const running = await eventually(async () => {
    const pod = await core.readNamespacedPod({ name: podName, namespace: 'default' }).catch(() => undefined);
    return pod?.status?.phase === 'Running' ? pod : undefined;
  }, 60_000, 'the Pod running under the worker process');
  child.kill('SIGKILL');
  mainWorker = await startMainWorker();
  const done = await finished(task.name, 120_000);
  expect(done.status.phase).toBe('Succeeded');
  expect(done.status.results).toMatchObject({ branch: 'kelos/fix-7' });
  const pod = await core.readNamespacedPod({ name: podName, namespace: 'default' });
  expect(pod.metadata!.uid).toBe(running.metadata!.uid);
});

/** The worker deletes companions right after the Pod, so they may outlive it by a moment. */
async function companionGone(kind: 'ConfigMap' | 'Secret', name: string): Promise<void> {
  await eventually(async () => ((await readCompanion(kind, name).then(() => false, (e) => e.code === 404)) ? true : undefined), 15_000, `${kind} ${name} deleted`);
}

async function readCompanion(kind: 'ConfigMap' | 'Secret', name: string) {
  return kind === 'ConfigMap' ? core.readNamespacedConfigMap({ name, namespace: 'default' }) : core.readNamespacedSecret({ name, namespace: 'default' });
}

test('AgentConfig plugins, skills and MCP servers reach the Pod; secret values stay in Kubernetes; TTL removes the companions', async () => {
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'mcp-auth' }, stringData: { Authorization: 'Bearer mcp-secret-value' } } });
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'skills-token' }, stringData: { GITHUB_TOKEN: 'ghp_skills_value' } } });
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'mcp-settings' }, data: { region: 'eu-west-1' } } });
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'AgentConfig',
    metadata: { name: 'tools', namespace: 'default' },
    spec: {
      agentsMD: 'Write tests first.',
      plugins: [{ name: 'team', skills: [{ name: 'review', content: '# Review\nBe kind.' }], agents: [{ name: 'critic', content: 'You critique.' }] }],
      skills: [{ source: 'acme/private-skills', secretRef: { name: 'skills-token' } }],
      mcpServers: [
        { name: 'search', type: 'http', url: 'https://mcp.example/search', headersFrom: { secretRef: { name: 'mcp-auth' } } },
        { name: 'local', type: 'stdio', command: 'mcp-local', env: [{ name: 'REGION', valueFrom: { configMapKeyRef: { name: 'mcp-settings', key: 'region' } } }] },
      ],
    },
  });
  const task = run({ agentConfigRefs: ['tools'], ttlSecondsAfterFinished: 3 });
  const podName = taskPodName('default', task.name);
  kubelet.script(podName, { runMs: 1_000, logs: { 'kelos-agent': OUTPUTS } });
  await stack.api.startTask(task);
  const pod = await eventually(async () => {
    const found = await core.readNamespacedPod({ name: podName, namespace: 'default' }).catch(() => undefined);
    return found?.status?.phase === 'Running' ? found : undefined;
  }, 60_000, 'the Pod running');

  expect(pod.spec!.initContainers!.map((c) => c.name)).toEqual(['git-clone', 'branch-setup', 'plugin-setup', 'skills-install']);
  // What the containers see, as the kubelet resolved and mounted it.
  expect(kubelet.volumeFiles(podName, 'kelos-plugin-src')).toEqual({ 'team/skills/review/SKILL.md': '# Review\nBe kind.', 'team/agents/critic.md': 'You critique.' });
  // The skills token reaches only skills-install, as a file, not as its environment.
  expect(kubelet.volumeFiles(podName, 'kelos-skills-token-0')).toEqual({ GITHUB_TOKEN: 'ghp_skills_value' });
  expect(Object.values(kubelet.env(podName, 'skills-install'))).not.toContain('ghp_skills_value');
  const agentEnv = kubelet.env(podName, 'kelos-agent');
  expect(agentEnv.KELOS_AGENTS_MD).toBe('Write tests first.');
  expect(agentEnv.KELOS_PLUGIN_DIR).toBe('/kelos/plugin');
  expect(JSON.parse(agentEnv.KELOS_MCP_SERVERS)).toEqual({
    mcpServers: {
      search: { type: 'http', url: 'https://mcp.example/search', headers: { Authorization: 'Bearer mcp-secret-value' } },
      local: { type: 'stdio', command: 'mcp-local', env: { REGION: 'eu-west-1' } },
    },
  });
  // The value is in the per-Task Secret only: not in the Pod spec, not in the Task's Temporal history.
  expect(JSON.stringify(pod)).not.toContain('mcp-secret-value');
  for (const [kind, name] of [['ConfigMap', `${podName}-plugins`], ['Secret', `${podName}-mcp`]] as const) {
    expect((await readCompanion(kind, name)).metadata!.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Pod', name: podName, uid: pod.metadata!.uid }]);
  }

  const done = await finished(task.name);
  expect(done.status.phase).toBe('Succeeded');
  const history = JSON.stringify(await stack.env.client.workflow.getHandle(taskWorkflowId('default', task.name)).fetchHistory(), (key, value) => (key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value));
  expect(history).toContain('mcp-auth');
  expect(history).not.toContain('mcp-secret-value');
  expect(history).not.toContain('ghp_skills_value');

  await podGone(podName);
  for (const [kind, name] of [['ConfigMap', `${podName}-plugins`], ['Secret', `${podName}-mcp`]] as const) await companionGone(kind, name);
});

test('a GitHub App Workspace: the Pod uses a minted installation token, minted again before it expires', async () => {
  await core.createNamespacedSecret({
    namespace: 'default',
    body: { metadata: { name: 'github-app' }, stringData: { appID: '4242', installationID: '77', privateKey: appKey.export({ type: 'pkcs1', format: 'pem' }).toString() } },
  });
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'Workspace',
    metadata: { name: 'app-widgets', namespace: 'default' },
    spec: { repo: 'https://github.com/acme/widgets.git', secretRef: { name: 'github-app' } },
  });
  const task = run({ workspaceRef: 'app-widgets' });
  const podName = taskPodName('default', task.name);
  kubelet.script(podName, { runMs: 10_000, logs: { 'kelos-agent': OUTPUTS } });
  const mintedBefore = github.mintedTokens.length;
  await stack.api.startTask(task);
  await eventually(async () => ((await core.readNamespacedPod({ name: podName, namespace: 'default' }).catch(() => undefined))?.status?.phase === 'Running' ? true : undefined), 60_000, 'the Pod running');

  const first = github.mintedTokens[mintedBefore];
  expect(first).toMatch(/^ghs_/);
  expect(kubelet.env(podName, 'kelos-agent').GITHUB_TOKEN).toBe(first);
  expect(kubelet.env(podName, 'git-clone').KELOS_GITHUB_TOKEN_FILE).toBe('/kelos/github-token/GITHUB_TOKEN');
  expect(kubelet.volumeFiles(podName, 'kelos-github-token')).toEqual({ GITHUB_TOKEN: first });
  const tokenOf = async () => Buffer.from((await readCompanion('Secret', `${podName}-github-token`) as k8s.V1Secret).data!.GITHUB_TOKEN, 'base64').toString('utf8');
  const refreshed = await eventually(async () => {
    const current = await tokenOf();
    return current !== first ? current : undefined;
  }, 20_000, 'the token Secret to hold a newly minted token');
  expect(github.mintedTokens.slice(mintedBefore)).toContain(refreshed);
  expect((await finished(task.name)).status.phase).toBe('Succeeded');
});

test('a Task picks its runtime by annotation: a local worker and a Kubernetes worker share the queue, each runs its own', async () => {
  // A second process, as in a real mixed deployment (one process may not poll a queue twice).
  const local = stack.startWorkerProcess(['--runtime', 'local']);
  try {
    const onKube = run({ annotations: { 'kelos.dev/runtime': 'kubernetes' }, runtime: 'kubernetes' });
    const onLocal = run({
      annotations: { 'kelos.dev/runtime': 'local' },
      runtime: 'local',
      image: path.resolve(__dirname, '../../examples/agents/fake-agent.sh'),
      credentials: { type: 'none' },
      workspaceRef: undefined,
      branch: undefined,
      podOverrides: undefined,
    });
    kubelet.script(taskPodName('default', onKube.name), { logs: { 'kelos-agent': OUTPUTS } });
    await Promise.all([stack.api.startTask(onKube), stack.api.startTask(onLocal)]);
    const [kubeDone, localDone] = await Promise.all([finished(onKube.name), finished(onLocal.name)]);
    expect(kubeDone.status.phase).toBe('Succeeded');
    expect(localDone.status.phase).toBe('Succeeded');
    expect(kubeDone.metadata.annotations).toEqual({ 'kelos.dev/runtime': 'kubernetes' });
    await expect(core.readNamespacedPod({ name: taskPodName('default', onKube.name), namespace: 'default' })).resolves.toBeDefined();
    await expect(core.readNamespacedPod({ name: taskPodName('default', onLocal.name), namespace: 'default' })).rejects.toMatchObject({ code: 404 });
    expect(fs.existsSync(path.join(stack.home, 'tasks', 'default', onLocal.name, 'agent.log'))).toBe(true);
    // `kelos logs` follows the Task's annotation to its Pod without --runtime.
    const { stdout } = await execFileAsync(process.execPath, [KELOS, '--address', testServerAddress(), 'logs', onKube.name, '--kubeconfig', cluster.kubeconfigPath], { env: { ...process.env, KELOS_HOME: stack.home, KELOS_RUNTIME: '' } });
    expect(stdout).toBe(OUTPUTS);
  } finally {
    local.kill('SIGTERM');
  }
});

describe('the worker\'s policy: refused with the field named, before anything is created', () => {
  test.each([
    ['a privileged container', { containerSecurityContext: { privileged: true } }, 'podOverrides.containerSecurityContext.privileged is not allowed by this worker\'s policy'],
    ['the host\'s root as a volume', { volumes: [{ name: 'host', hostPath: { path: '/' } }], volumeMounts: [{ name: 'host', mountPath: '/host' }] }, 'podOverrides.volumes[0].hostPath is not allowed by this worker\'s policy'],
    ['a foreign service account', { serviceAccountName: 'kelos-worker' }, 'podOverrides.serviceAccountName is not allowed by this worker\'s policy'],
    ['a privileged sidecar', { extraContainers: [{ name: 'root', image: 'busybox', securityContext: { privileged: true } }] }, 'podOverrides.extraContainers[0].securityContext.privileged is not allowed'],
    ['the host network (not a podOverrides field)', { hostNetwork: true }, 'podOverrides.hostNetwork is not allowed'],
  ])('%s', async (_name, podOverrides, message) => {
    const task = run({ podOverrides: podOverrides as never });
    await stack.api.startTask(task);
    const done = await finished(task.name);
    expect(done.status.phase).toBe('Failed');
    expect(done.status.message).toContain(message);
    await expect(core.readNamespacedPod({ name: taskPodName('default', task.name), namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });

  test('a Task in a namespace the worker does not serve fails, and nothing is read or created there', async () => {
    await core.createNamespacedSecret({ namespace: 'elsewhere', body: { metadata: { name: 'claude-oauth' }, stringData: { CLAUDE_CODE_OAUTH_TOKEN: 'x' } } });
    const task = run({ namespace: 'elsewhere', workspaceRef: undefined, branch: undefined });
    await stack.api.startTask(task);
    const done = await finished(task.name, 60_000, 'elsewhere');
    expect(done.status.phase).toBe('Failed');
    expect(done.status.message).toContain('namespace "elsewhere" is not served by this worker');
    expect((await core.listNamespacedPod({ namespace: 'elsewhere' })).items).toEqual([]);
  });

  test('a branch or a Workspace file path that would escape fails the Task with the field named', async () => {
    await stack.api.applyStoredResource({
      apiVersion: 'kelos.dev/v1alpha2',
      kind: 'Workspace',
      metadata: { name: 'escaping-files', namespace: 'default' },
      spec: { repo: 'https://github.com/acme/widgets.git', files: [{ path: 'README.md', content: 'ok' }, { path: '../.gitconfig', content: '[core]\n\tfsmonitor = touch /tmp/pwned\n' }] },
    });
    const badFile = run({ workspaceRef: 'escaping-files' });
    const badBranch = run({ branch: '--upload-pack=touch /tmp/pwned' });
    await Promise.all([stack.api.startTask(badFile), stack.api.startTask(badBranch)]);
    const [fileDone, branchDone] = await Promise.all([finished(badFile.name), finished(badBranch.name)]);
    expect(fileDone.status.message).toContain('Workspace "escaping-files" files[1].path: "../.gitconfig" must not contain \'..\'');
    expect(branchDone.status.message).toContain('branch: "--upload-pack=touch /tmp/pwned" is not a valid branch name');
    for (const task of [badFile, badBranch]) await expect(core.readNamespacedPod({ name: taskPodName('default', task.name), namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });
});

test('a normal Task\'s Pod has the secure defaults (read back from the API server) and is admitted under the restricted Pod Security Standard', async () => {
  // The namespace really enforces "restricted": a Pod without the defaults is refused there.
  await expect(core.createNamespacedPod({ namespace: 'locked', body: { metadata: { name: 'plain' }, spec: { nodeName: FAKE_NODE, containers: [{ name: 'main', image: 'busybox' }] } } })).rejects.toMatchObject({ code: 403 });
  await core.createNamespacedSecret({ namespace: 'locked', body: { metadata: { name: 'claude-oauth' }, stringData: { CLAUDE_CODE_OAUTH_TOKEN: 'x' } } });
  await core.createNamespacedSecret({ namespace: 'locked', body: { metadata: { name: 'github-token' }, stringData: { GITHUB_TOKEN: 'x' } } });
  await core.createNamespacedSecret({ namespace: 'locked', body: { metadata: { name: 'skills-token' }, stringData: { GITHUB_TOKEN: 'x' } } });
  await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: 'widgets', namespace: 'locked' }, spec: { repo: 'https://github.com/acme/widgets.git', ref: 'main', secretRef: { name: 'github-token' }, remotes: [{ name: 'upstream', url: 'https://github.com/up/widgets.git' }], files: [{ path: 'docs/NOTES.md', content: 'hi' }] } });
  await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'AgentConfig', metadata: { name: 'tools', namespace: 'locked' }, spec: { plugins: [{ name: 'p', skills: [{ name: 's', content: '#' }] }], skills: [{ source: 'acme/private-skills', secretRef: { name: 'skills-token' } }] } });
  const task = run({ namespace: 'locked', agentConfigRefs: ['tools'] });
  const podName = taskPodName('locked', task.name);
  kubelet.script(podName, { logs: { 'kelos-agent': OUTPUTS } });
  await stack.api.startTask(task);
  expect((await finished(task.name, 60_000, 'locked')).status.phase).toBe('Succeeded');

  const pod = await core.readNamespacedPod({ name: podName, namespace: 'locked' });
  expect(pod.spec!.automountServiceAccountToken).toBe(false);
  expect(pod.spec!.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 61100, runAsGroup: 61100, fsGroup: 61100, seccompProfile: { type: 'RuntimeDefault' } });
  const containers = [...pod.spec!.initContainers!, ...pod.spec!.containers];
  expect(containers.map((c) => c.name)).toEqual(['git-clone', 'remote-setup', 'branch-setup', 'workspace-files', 'plugin-setup', 'skills-install', 'kelos-agent']);
  for (const c of containers) expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  expect(pod.spec!.volumes!.some((v) => v.projected)).toBe(false); // no service-account token volume was injected
  expect(containers.find((c) => c.name === 'skills-install')!.command![2]).toMatch(/npx -y skills@\d+\.\d+\.\d+ add/);
});
