/**
 * What `kubectl` shows of Tasks run through `kelos controller`, as Kelos shows it: the lifecycle events with
 * Kelos's reasons and types, in order and once each (`kubectl describe task`); `status.podName`; the Type column
 * (the apiserver's Table from the CRD's printer columns, as `kubectl get tasks` prints it) for `spec.type` and the
 * `worker:` form; a TaskBudget created through the API (as `kubectl apply` does) enforced, its status written back,
 * and removed with its object.
 */
import YAML from 'yaml';
import { taskPodName } from '../../src/runtimes/kubernetes/task-pod';
import { startControllerBed, type ControllerBed } from '../harness/kube/controller-bed';
import { eventually } from '../harness/kelos-stack';

const GROUP = { group: 'kelos.dev', version: 'v1alpha2', namespace: 'default' };
const outputs = (extra = '') => `---KELOS_OUTPUTS_START---\nbranch: lifecycle\npr: https://github.com/acme/widgets/pull/7\n${extra}---KELOS_OUTPUTS_END---\n`;

let bed: ControllerBed;
beforeAll(async () => {
  bed = await startControllerBed('task-lifecycle');
}, 240_000);
afterAll(async () => {
  await bed?.stop();
});

const read = (plural: string, name: string) => bed.custom.getNamespacedCustomObject({ ...GROUP, plural, name }) as Promise<Record<string, any>>;

async function waitFor(plural: string, name: string, probe: (o: Record<string, any>) => boolean, what: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const object = await read(plural, name);
    return probe(object) ? object : undefined;
  }, timeoutMs, what);
}

function task(name: string, spec: Record<string, unknown>, labels?: Record<string, string>) {
  return { apiVersion: 'kelos.dev/v1alpha2', kind: 'Task', metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) }, spec: { prompt: `do ${name}`, ...spec } };
}

/** The Task's events in the order they were recorded (resourceVersion grows with each write). */
async function eventsOf(name: string): Promise<{ type: string; reason: string; message: string }[]> {
  const list = await bed.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.kind=Task,involvedObject.name=${name}` });
  return list.items
    .sort((a, b) => Number(a.metadata!.resourceVersion) - Number(b.metadata!.resourceVersion))
    .map((e) => ({ type: e.type!, reason: e.reason!, message: e.message! }));
}

/** A few status syncs later: long enough for a repeated event to show. */
const severalSyncs = () => new Promise((resolve) => setTimeout(resolve, 3_000));

test('a Task that runs: TaskCreated, TaskRunning, TaskSucceeded, OutputsCaptured, once each, in order; status.podName names its Pod', async () => {
  bed.kubelet.script(taskPodName('default', 'lifecycle-ok'), { runMs: 3_000, logs: { 'kelos-agent': outputs() } });
  await bed.objects.create(task('lifecycle-ok', { type: 'claude-code', credentials: { type: 'none' } }));
  const running = await waitFor('tasks', 'lifecycle-ok', (o) => o.status?.phase === 'Running', 'Running');
  expect(running.status.podName).toBe('lifecycle-ok');
  const done = await waitFor('tasks', 'lifecycle-ok', (o) => o.status?.phase === 'Succeeded', 'Succeeded');
  expect(done.status.podName).toBe('lifecycle-ok');
  expect((await bed.core.readNamespacedPod({ name: done.status.podName, namespace: 'default' })).metadata!.labels).toMatchObject({ 'kelos.dev/task': 'lifecycle-ok' });
  await severalSyncs();

  const events = await eventsOf('lifecycle-ok');
  expect(events.filter((e) => e.reason !== 'Applied').map((e) => [e.type, e.reason])).toEqual([
    ['Normal', 'TaskCreated'],
    ['Normal', 'TaskRunning'],
    ['Normal', 'TaskSucceeded'],
    ['Normal', 'OutputsCaptured'],
  ]);
  expect(events.find((e) => e.reason === 'TaskCreated')!.message).toContain('task/default/lifecycle-ok');
  expect(events.find((e) => e.reason === 'TaskRunning')!.message).toContain('Pod lifecycle-ok');
  expect(events.find((e) => e.reason === 'OutputsCaptured')!.message).toMatch(/reported \d+ outputs and \d+ results/);
});

test('a Task whose agent fails: TaskCreated, TaskRunning, then a Warning TaskFailed with the reason; a failed dependency is DependencyFailed', async () => {
  bed.kubelet.script(taskPodName('default', 'lifecycle-fails'), { runMs: 3_000, exitCode: 3, logs: { 'kelos-agent': 'cannot reach the repository\n' } });
  await bed.objects.create(task('lifecycle-fails', { type: 'claude-code', credentials: { type: 'none' } }));
  const failed = await waitFor('tasks', 'lifecycle-fails', (o) => o.status?.phase === 'Failed', 'Failed');
  expect(failed.status.podName).toBe('lifecycle-fails');

  await bed.objects.create(task('after-failure', { type: 'claude-code', credentials: { type: 'none' }, dependsOn: ['lifecycle-fails'] }));
  await waitFor('tasks', 'after-failure', (o) => o.status?.phase === 'Failed', 'the dependent Task Failed');
  await severalSyncs();

  const events = (await eventsOf('lifecycle-fails')).filter((e) => e.reason !== 'Applied');
  expect(events.map((e) => [e.type, e.reason])).toEqual([
    ['Normal', 'TaskCreated'],
    ['Normal', 'TaskRunning'],
    ['Warning', 'TaskFailed'],
  ]);
  expect(events[2].message).toContain('exited with code 3');
  const dependent = (await eventsOf('after-failure')).filter((e) => e.reason !== 'Applied');
  expect(dependent.map((e) => [e.type, e.reason])).toEqual([
    ['Normal', 'TaskCreated'],
    ['Warning', 'DependencyFailed'],
  ]);
  expect(dependent[1].message).toBe('Dependency "lifecycle-fails" failed');
});

test('the Type column shows the agent type of a Task in either form (spec.type, worker.type) and of a v1alpha1 Task', async () => {
  await bed.objects.create(task('typed-spec', { type: 'claude-code', credentials: { type: 'none' } }));
  await bed.objects.create(task('typed-worker', { worker: { type: 'codex', credentials: { type: 'none' } } }));
  await bed.objects.create({ apiVersion: 'kelos.dev/v1alpha1', kind: 'Task', metadata: { name: 'typed-v1', namespace: 'default' }, spec: { type: 'gemini', prompt: 'hi', credentials: { type: 'none' } } });
  for (const name of ['typed-spec', 'typed-worker', 'typed-v1']) await waitFor('tasks', name, (o) => o.status?.phase === 'Succeeded', `${name} Succeeded`);

  for (const version of ['v1alpha2', 'v1alpha1']) {
    const table = await bed.table(`/apis/kelos.dev/${version}/namespaces/default/tasks`);
    const column = table.columnDefinitions.findIndex((c) => c.name === 'Type');
    const nameColumn = table.columnDefinitions.findIndex((c) => c.name === 'Name');
    const types = Object.fromEntries(table.rows.map((row) => [row.cells[nameColumn], row.cells[column]]));
    expect({ version, types }).toMatchObject({ version, types: { 'typed-spec': 'claude-code', 'typed-worker': 'codex', 'typed-v1': 'gemini' } });
  }
});

test('a TaskBudget created through the API blocks a matching Task once spent, shows its spend in status, and goes with its object', async () => {
  await bed.objects.create(YAML.parse(`
apiVersion: kelos.dev/v1alpha2
kind: TaskBudget
metadata: {name: team-daily, namespace: default}
spec:
  taskSelector: {matchLabels: {team: budgeted}}
  period: {type: Daily, timezone: Europe/Berlin}
  maxCostUSD: "0.5"`));
  const accepted = await waitFor('taskbudgets', 'team-daily', (o) => o.status?.used !== undefined, 'the budget accepted, its status written');
  expect(accepted.status.conditions[0]).toMatchObject({ type: 'Accepted', status: 'True' });
  expect(accepted.status.used).toEqual({ costUSD: '0', inputTokens: 0, outputTokens: 0 });
  expect(Date.parse(accepted.status.currentPeriodEnd)).toBeGreaterThan(Date.now());
  expect((await bed.stack.api.getStoredResource('TaskBudget', 'default', 'team-daily'))?.spec).toMatchObject({ maxCostUSD: '0.5' });

  bed.kubelet.script(taskPodName('default', 'spends'), { logs: { 'kelos-agent': outputs('cost-usd: 0.6\ninput-tokens: 1000\noutput-tokens: 200\n') } });
  await bed.objects.create(task('spends', { type: 'claude-code', credentials: { type: 'none' } }, { team: 'budgeted' }));
  await waitFor('tasks', 'spends', (o) => o.status?.phase === 'Succeeded', 'the first Task Succeeded');
  const spent = await waitFor('taskbudgets', 'team-daily', (o) => o.status?.used?.costUSD === '0.6', 'the spend in the budget\'s status');
  expect(spent.status.used).toEqual({ costUSD: '0.6', inputTokens: 1000, outputTokens: 200 });
  expect(spent.status.conditions[1]).toMatchObject({ type: 'Exceeded', status: 'True' });
  const columns = await bed.table('/apis/kelos.dev/v1alpha2/namespaces/default/taskbudgets/team-daily');
  expect(columns.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Period', 'Max Cost', 'Used Cost', 'Age']);
  expect(columns.rows[0].cells.slice(1, 4)).toEqual(['Daily', '0.5', '0.6']);

  await bed.objects.create(task('held-back', { type: 'claude-code', credentials: { type: 'none' } }, { team: 'budgeted' }));
  const held = await waitFor('tasks', 'held-back', (o) => o.status?.phase === 'Waiting', 'the second Task Waiting');
  expect(held.status.message).toContain('TaskBudget "team-daily"');
  expect(held.status.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'BudgetBlocked', status: 'True' })]));
  await bed.objects.create(task('unbudgeted', { type: 'claude-code', credentials: { type: 'none' } }, { team: 'other' }));
  await waitFor('tasks', 'unbudgeted', (o) => o.status?.phase === 'Succeeded', 'a Task the budget does not select Succeeded');

  await bed.custom.deleteNamespacedCustomObject({ ...GROUP, plural: 'taskbudgets', name: 'team-daily' });
  await eventually(async () => ((await read('taskbudgets', 'team-daily').then(() => false, (e) => e.code === 404)) ? true : undefined), 30_000, 'the budget object deleted');
  await eventually(async () => ((await bed.stack.api.getStoredResource('TaskBudget', 'default', 'team-daily')) ? undefined : true), 30_000, 'the budget gone from Temporal');
  await eventually(async () => ((await bed.stack.api.listStoredResources('TaskBudget', 'default')).length === 0 ? true : undefined), 30_000, 'no budget listed');
  // Without the budget a matching Task runs again.
  await bed.objects.create(task('after-budget', { type: 'claude-code', credentials: { type: 'none' } }, { team: 'budgeted' }));
  await waitFor('tasks', 'after-budget', (o) => o.status?.phase === 'Succeeded', 'a matching Task Succeeded once the budget is gone');
}, 180_000);
