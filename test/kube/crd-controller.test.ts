/**
 * Kelos custom objects in a real kube-apiserver, carried to Temporal by `kelos controller` and run by the
 * Kubernetes runtime (fake kubelet): the integration guide's direct Task creation (`kubectl apply` of a v1alpha1
 * Task, a client's create_namespaced_custom_object), `status.phase` / `status.results.pr` as `kubectl wait` and
 * `kubectl get -o jsonpath` read them, invalid objects refused in status and events, deletion through the
 * finalizer, TTL removing the object, TaskSpawner and Workspace objects, Task objects for a spawner's Tasks (with
 * Kelos's Task events).
 * Controller and worker run as users bound to the shipped RBAC roles.
 */
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { taskPodName } from '../../src/runtimes/kubernetes/task-pod';
import { spawnerWorkflowId } from '../../src/spawner/spawner-status';
import { webhookDeliverySignal } from '../../src/spawner/messages';
import { startControllerBed, type ControllerBed } from '../harness/kube/controller-bed';
import type { FakeKubelet } from '../harness/kube/fake-kubelet';
import { KelosTestStack, eventually } from '../harness/kelos-stack';
import { genericDelivery } from '../harness/webhook-deliveries';

const OUTPUTS = '---KELOS_OUTPUTS_START---\nbranch: fix-flaky-test\npr: https://github.com/acme/widgets/pull/99\ncommit: 0badcafe\n---KELOS_OUTPUTS_END---\n';
const GROUP = { group: 'kelos.dev', version: 'v1alpha2', namespace: 'default' };

let bed: ControllerBed;
let kubelet: FakeKubelet;
let stack: KelosTestStack;
let objects: k8s.KubernetesObjectApi;
let custom: k8s.CustomObjectsApi;
let core: k8s.CoreV1Api;

beforeAll(async () => {
  bed = await startControllerBed('crd-controller');
  ({ kubelet, stack, objects, custom, core } = bed);
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'anthropic-api-key' }, stringData: { ANTHROPIC_API_KEY: 'sk-ant-secret' } } });
}, 240_000);
afterAll(async () => {
  await bed?.stop();
});

const read = (plural: string, name: string) => custom.getNamespacedCustomObject({ ...GROUP, plural, name }) as Promise<Record<string, any>>;

/** `kubectl wait --for=jsonpath=...`: polls the object until `probe` holds, noting every phase it saw. */
async function waitFor(plural: string, name: string, probe: (o: Record<string, any>) => boolean, what: string, seen: string[] = [], timeoutMs = 60_000) {
  return eventually(async () => {
    const object = await read(plural, name);
    const phase = object.status?.phase;
    if (phase && seen.at(-1) !== phase) seen.push(phase);
    return probe(object) ? object : undefined;
  }, timeoutMs, what);
}

async function gone(plural: string, name: string, timeoutMs = 240_000): Promise<void> {
  await eventually(async () => ((await read(plural, name).then(() => false, (e) => e.code === 404)) ? true : undefined), timeoutMs, `${plural}/${name} deleted`);
}

test('the CRDs serve both versions; an object keeps the version it was written in; a Task\'s spec is immutable', async () => {
  await objects.create({ apiVersion: 'kelos.dev/v1alpha1', kind: 'AgentConfig', metadata: { name: 'written-v1', namespace: 'default' }, spec: { agentsMD: 'Be brief.' } });
  const stored = await read('agentconfigs', 'written-v1');
  expect(stored.apiVersion).toBe('kelos.dev/v1alpha2');
  expect(stored.metadata.managedFields.map((m: { apiVersion: string }) => m.apiVersion)).toContain('kelos.dev/v1alpha1');
  await waitFor('agentconfigs', 'written-v1', (o) => o.status?.conditions?.[0]?.status === 'True', 'the AgentConfig accepted');
  expect((await stack.api.listStoredResources('AgentConfig', 'default')).map((r) => r.metadata.name)).toContain('written-v1');

  const task = YAML.parse(`
apiVersion: kelos.dev/v1alpha2
kind: Task
metadata: {name: immutable, namespace: default}
spec: {type: claude-code, prompt: first, credentials: {type: none}}`);
  kubelet.script(taskPodName('default', 'immutable'), { logs: { 'kelos-agent': OUTPUTS } });
  await objects.create(task);
  // The controller writes the object too (finalizer, status): a stale write meets 409, so write the latest.
  const refused = await eventually(async () => {
    const current = await read('tasks', 'immutable');
    const error = await custom.replaceNamespacedCustomObject({ ...GROUP, plural: 'tasks', name: 'immutable', body: { ...current, spec: { ...current.spec, prompt: 'changed' } } }).then(
      () => ({ code: 200, body: 'accepted' }),
      (err: { code: number; body: string }) => err,
    );
    return error.code === 409 ? undefined : error;
  }, 30_000, 'a write that is not stale');
  expect(refused).toMatchObject({ code: 422, body: expect.stringContaining('spec is immutable') });
});

test('kubectl apply of the guide\'s v1alpha1 Task and Workspace: it runs as a Pod; status.phase and status.results.pr read as kubectl reads them', async () => {
  await objects.create(YAML.parse(`
apiVersion: kelos.dev/v1alpha1
kind: Workspace
metadata: {name: my-workspace, namespace: default}
spec: {repo: "https://github.com/acme/widgets.git", ref: main}`));
  await waitFor('workspaces', 'my-workspace', (o) => o.status?.conditions?.[0]?.status === 'True', 'the Workspace accepted');
  // The integration guide's "Shell Scripts and Automation" Task, unchanged.
  const manifest = YAML.parse(`
apiVersion: kelos.dev/v1alpha1
kind: Task
metadata:
  name: fix-flaky-test
spec:
  type: claude-code
  prompt: "Investigate the flaky test in ci_test.go and fix it"
  credentials:
    type: api-key
    secretRef:
      name: anthropic-api-key
  workspaceRef:
    name: my-workspace
  branch: fix-flaky-test
  ttlSecondsAfterFinished: 3600
  podOverrides:
    activeDeadlineSeconds: 1800`);
  kubelet.script(taskPodName('default', 'fix-flaky-test'), { runMs: 3_000, logs: { 'kelos-agent': `fixing...\n${OUTPUTS}` } });
  await objects.create({ ...manifest, metadata: { ...manifest.metadata, namespace: 'default' } });

  const seen: string[] = [];
  const done = await waitFor('tasks', 'fix-flaky-test', (o) => o.status?.phase === 'Succeeded', 'phase Succeeded', seen);
  expect(seen).toEqual(expect.arrayContaining(['Running', 'Succeeded']));
  expect(done.status.results).toMatchObject({ pr: 'https://github.com/acme/widgets/pull/99', branch: 'fix-flaky-test', commit: '0badcafe' });
  expect(done.status.conditions[0]).toMatchObject({ type: 'Accepted', status: 'True' });
  expect(done.metadata.finalizers).toEqual(['kelos.dev/finalizer']);
  const pod = await core.readNamespacedPod({ name: taskPodName('default', 'fix-flaky-test'), namespace: 'default' });
  expect(pod.spec!.activeDeadlineSeconds).toBe(1800);
  expect(pod.spec!.initContainers!.map((c) => c.name)).toEqual(['git-clone', 'branch-setup']);
  // The same Task through Temporal.
  expect((await stack.api.getTask('default', 'fix-flaky-test'))!.status.results!.pr).toBe('https://github.com/acme/widgets/pull/99');
});

test('a client\'s create_namespaced_custom_object works too; an invalid Task is refused in its status and an event', async () => {
  kubelet.script(taskPodName('default', 'programmatic-task'), { logs: { 'kelos-agent': OUTPUTS } });
  await custom.createNamespacedCustomObject({
    group: 'kelos.dev',
    version: 'v1alpha1',
    namespace: 'default',
    plural: 'tasks',
    body: { apiVersion: 'kelos.dev/v1alpha1', kind: 'Task', metadata: { name: 'programmatic-task' }, spec: { type: 'claude-code', prompt: 'Add input validation to the /api/users endpoint', credentials: { type: 'api-key', secretRef: { name: 'anthropic-api-key' } } } },
  });
  await waitFor('tasks', 'programmatic-task', (o) => o.status?.phase === 'Succeeded', 'the programmatic Task to succeed');

  await objects.create({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Task', metadata: { name: 'no-prompt', namespace: 'default' }, spec: { type: 'claude-code', credentials: { type: 'none' } } });
  const refused = await waitFor('tasks', 'no-prompt', (o) => o.status?.phase === 'Failed', 'the invalid Task refused');
  expect(refused.status.message).toContain('spec.prompt');
  expect(refused.status.conditions[0]).toMatchObject({ type: 'Accepted', status: 'False', reason: 'InvalidSpec' });
  expect(await stack.api.getTask('default', 'no-prompt')).toBeUndefined();
  const events = await eventually(async () => {
    const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=no-prompt' });
    return list.items.length ? list.items : undefined;
  }, 10_000, 'a Warning event');
  expect(events[0]).toMatchObject({ type: 'Warning', reason: 'InvalidSpec', source: { component: 'kelos-controller' } });
});

test('deleting a running Task object stops its Task and removes it; a TTL removes a finished Task\'s object', async () => {
  kubelet.script(taskPodName('default', 'long-runner'), { runMs: 120_000 });
  await objects.create({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Task', metadata: { name: 'long-runner', namespace: 'default' }, spec: { type: 'claude-code', prompt: 'take your time', credentials: { type: 'none' } } });
  await waitFor('tasks', 'long-runner', (o) => o.status?.phase === 'Running', 'Running');
  await custom.deleteNamespacedCustomObject({ ...GROUP, plural: 'tasks', name: 'long-runner' });
  await gone('tasks', 'long-runner');
  expect(await stack.api.getTask('default', 'long-runner')).toBeUndefined();
  await expect(core.readNamespacedPod({ name: taskPodName('default', 'long-runner'), namespace: 'default' })).rejects.toMatchObject({ code: 404 });

  kubelet.script(taskPodName('default', 'short-lived'), { logs: { 'kelos-agent': OUTPUTS } });
  await objects.create({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Task', metadata: { name: 'short-lived', namespace: 'default' }, spec: { type: 'claude-code', prompt: 'quick', credentials: { type: 'none' }, ttlSecondsAfterFinished: 1 } });
  await waitFor('tasks', 'short-lived', (o) => o.status?.phase === 'Succeeded', 'Succeeded');
  await gone('tasks', 'short-lived');
  // As Kelos's task controller does before a TTL deletion.
  const expired = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.kind=Task,involvedObject.name=short-lived,reason=TaskExpired' });
  expect(expired.items.map((e) => e.type)).toEqual(['Normal']);
}, 300_000); // Temporal deletes executions asynchronously: tens of seconds on a loaded 2-core machine

test('a TaskSpawner object runs its spawner: status counters from Temporal, changes applied in place, deletion stops it', async () => {
  await objects.create(YAML.parse(`
apiVersion: kelos.dev/v1alpha2
kind: TaskSpawner
metadata: {name: deploys, namespace: default}
spec:
  when:
    webhook:
      source: deploys
      fieldMapping: {id: "$.id", title: "$.title"}
  taskTemplate:
    type: claude-code
    credentials: {type: none}
    promptTemplate: "Check deploy {{.Title}}"
    nameTemplate: "deploy-{{.ID}}"
  maxConcurrency: 2`));
  await waitFor('taskspawners', 'deploys', (o) => o.status?.phase === 'Running', 'the spawner Running');
  const handle = stack.env.client.workflow.getHandle(spawnerWorkflowId('default', 'deploys'));
  kubelet.script(taskPodName('default', 'deploy-d-1'), { logs: { 'kelos-agent': OUTPUTS } });
  await handle.signal(webhookDeliverySignal, genericDelivery('deploys', { id: 'd-1', title: 'v1.2.3' }));
  const counted = await waitFor('taskspawners', 'deploys', (o) => o.status?.totalTasksCreated === 1, 'one Task created');
  expect(counted.status.conditions[0]).toMatchObject({ type: 'Accepted', status: 'True' });
  // As Kelos's spawners do, its Task is an object too: `kubectl get tasks -l kelos.dev/taskspawner=deploys`.
  const spawned = await eventually(async () => {
    const list = (await custom.listNamespacedCustomObject({ ...GROUP, plural: 'tasks', labelSelector: 'kelos.dev/taskspawner=deploys' })) as { items: Record<string, any>[] };
    return list.items.find((t) => t.status?.phase === 'Succeeded');
  }, 60_000, 'the spawned Task as an object, Succeeded');
  expect(spawned.spec.prompt).toBe('Check deploy v1.2.3');
  expect(spawned.metadata.annotations['kelos.dev/mirrored-from']).toBe('deploys');
  expect(spawned.status.results.pr).toBe('https://github.com/acme/widgets/pull/99');
  // Its events as Kelos's task controller records them, once each.
  const reasons = await eventually(async () => {
    const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.kind=Task,involvedObject.name=${spawned.metadata.name}` });
    const told = list.items.sort((a, b) => Number(a.metadata!.resourceVersion) - Number(b.metadata!.resourceVersion)).map((e) => e.reason);
    return told.includes('OutputsCaptured') ? told : undefined;
  }, 10_000, 'the spawned Task\'s events');
  expect(reasons).toEqual(['TaskCreated', 'TaskRunning', 'TaskSucceeded', 'OutputsCaptured']);

  // `kubectl edit`: the latest version, again if the controller wrote the object meanwhile (409).
  await eventually(async () => {
    const current = await read('taskspawners', 'deploys');
    return custom.replaceNamespacedCustomObject({ ...GROUP, plural: 'taskspawners', name: 'deploys', body: { ...current, spec: { ...current.spec, maxConcurrency: 5 } } }).then(
      () => true,
      (err: { code: number }) => {
        if (err.code === 409) return undefined;
        throw err;
      },
    );
  }, 30_000, 'the spawner edited');
  await waitFor('taskspawners', 'deploys', (o) => o.status?.observedGeneration === 2, 'the change applied');
  expect((await stack.api.getSpawner('default', 'deploys')).spec).toMatchObject({ maxConcurrency: 5 });

  await custom.deleteNamespacedCustomObject({ ...GROUP, plural: 'taskspawners', name: 'deploys' });
  await gone('taskspawners', 'deploys');
  expect((await handle.describe()).status.name).toBe('COMPLETED');
});
