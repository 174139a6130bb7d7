/**
 * dependsOn pipelines and the branch lock (kelos-behaviour §4.7, §5.1, §5.2) on the local runtime against the dev
 * server: Kelos example 07 started all at once runs stage after stage with `.Deps` results in the prompts, a failed
 * or circular dependency fails its dependents without running them, a dependency created later is waited for, and
 * Tasks on one Workspace branch never run at the same time while other branches do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseManifests, type TaskResource } from '../../src/model';
import { taskRunOf } from '../../src/clients/apply-resource';
import { taskWorkflowId, type TaskRun } from '../../src/task/task-run';
import { taskFiles } from '../../src/host/data-dir';
import { branchLockWorkflowId } from '../../src/task/branch-lock/branch-lock';
import { branchLockWorkflow } from '../../src/task/branch-lock/branch-lock-workflow';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { makeUpstream } from '../local/git-fixture';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const PIPELINE = path.resolve(__dirname, '../../../shared/fixtures/kelos-examples/07-task-pipeline/pipeline.yaml');

let stack: KelosTestStack;
let events: string;

beforeAll(async () => {
  stack = await startKelosTestStack('pipeline');
  await stack.startWorker();
  events = path.join(stack.shared, 'agent-events.log');
  await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: 'my-workspace', namespace: 'default' }, spec: { repo: makeUpstream(stack.home).url } });
});
afterAll(async () => stack?.teardown());

/** A Task as `kelos apply` would submit it, runnable here: the scripted agent, no credentials. */
function runOf(task: TaskResource, env: Record<string, string> = {}): TaskRun {
  const local: TaskResource = {
    ...task,
    spec: {
      ...task.spec,
      worker: { ...task.spec.worker!, image: IMAGE, credentials: { type: 'none' }, podOverrides: { env: Object.entries({ AGENT_EVENTS_FILE: events, ...env }).map(([name, value]) => ({ name, value })) } },
    },
  };
  return taskRunOf(local, 'manifest');
}

function task(name: string, spec: Record<string, unknown>): TaskResource {
  const parsed = parseManifests(JSON.stringify({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Task', metadata: { name, namespace: 'default' }, spec: { type: 'claude-code', credentials: { type: 'none' }, ...spec } }), `${name}.yaml`);
  expect(parsed.errors.map(String)).toEqual([]);
  return parsed.resources[0] as TaskResource;
}

async function finished(name: string) {
  await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result().catch(() => undefined);
  return (await stack.api.getTask('default', name))!;
}

/** [start, end] epoch ms of each agent run, from the scripted agent's events file. */
function runsOf(names: string[]): Record<string, [number, number]> {
  const lines = fs.readFileSync(events, 'utf8').trim().split('\n').map((l) => l.split(' '));
  return Object.fromEntries(names.map((name) => [name, [Number(lines.find((l) => l[0] === 'start' && l[1] === name)?.[2]), Number(lines.find((l) => l[0] === 'end' && l[1] === name)?.[2])]]));
}

test('Kelos example 07 applied at once runs stage after stage, each prompt reading the previous stage\'s results', async () => {
  const stages = (parseManifests(fs.readFileSync(PIPELINE, 'utf8'), 'pipeline.yaml').resources as TaskResource[]).map((t) => runOf(t, { AGENT_SLEEP: '2' }));
  // Last stage first: each must wait for its dependency however they arrive.
  for (const stage of [...stages].reverse()) await stack.api.startTask(stage);
  const waiting = await eventually(async () => {
    const t = await stack.api.getTask('default', 'write-tests');
    return t?.status.phase === 'Waiting' ? t : undefined;
  }, 30_000, 'write-tests Waiting');
  expect(waiting.status.message).toBe('Waiting for dependency "scaffold"');

  const [scaffold, tests, pr] = await Promise.all(['scaffold', 'write-tests', 'open-pr'].map(finished));
  expect([scaffold.status.phase, tests.status.phase, pr.status.phase]).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
  const runs = runsOf(['scaffold', 'write-tests', 'open-pr']);
  expect(runs['write-tests'][0]).toBeGreaterThanOrEqual(runs.scaffold[1]);
  expect(runs['open-pr'][0]).toBeGreaterThanOrEqual(runs['write-tests'][1]);
  // `{{index .Deps "scaffold" "Results" "branch"}}` became the branch scaffold reported.
  const log = fs.readFileSync(taskFiles(stack.home, 'default', 'write-tests').agentLog, 'utf8');
  expect(log).toContain('prompt: The scaffold task created an auth module on branch feature/auth.');
  expect(fs.readFileSync(taskFiles(stack.home, 'default', 'open-pr').agentLog, 'utf8')).toContain('are ready on branch feature/auth.');
});

test('a failed dependency fails its dependents without running them; a dependency created later is waited for', async () => {
  const broken = uniqueName('broken');
  const dependent = uniqueName('dependent');
  await stack.api.startTask(runOf(task(dependent, { prompt: 'after {{index .Deps "x" "Results" "nope"}}', dependsOn: [broken] })));
  const early = await eventually(async () => {
    const t = await stack.api.getTask('default', dependent);
    return t?.status.phase === 'Waiting' ? t : undefined;
  }, 30_000, 'the dependent Waiting');
  expect(early.status.message).toBe(`Waiting for dependency "${broken}" to be created`);
  await stack.api.startTask(runOf(task(broken, { prompt: 'fail' }), { AGENT_EXIT: '2' }));
  const done = await finished(dependent);
  expect(done.status).toMatchObject({ phase: 'Failed', message: `Dependency "${broken}" failed` });
  expect(fs.readFileSync(events, 'utf8')).not.toContain(`start ${dependent} `);
});

test('a dependency cycle is detected and fails the Tasks in it', async () => {
  const [a, b] = [uniqueName('cycle-a'), uniqueName('cycle-b')];
  await stack.api.startTask(runOf(task(a, { prompt: 'a', dependsOn: [b] })));
  await stack.api.startTask(runOf(task(b, { prompt: 'b', dependsOn: [a] })));
  const [ta, tb] = await Promise.all([finished(a), finished(b)]);
  const messages = [ta.status.message, tb.status.message];
  expect(messages.some((m) => m === `Circular dependency detected: ${a} -> ${b} -> ${a}` || m === `Circular dependency detected: ${b} -> ${a} -> ${b}`)).toBe(true);
  expect(ta.status.phase).toBe('Failed');
  expect(tb.status.phase).toBe('Failed');
});

test('the branch lock: Tasks on one Workspace branch run one at a time, the waiting ones say for whom; another branch runs alongside', async () => {
  const branch = uniqueName('feature/shared');
  const names = [uniqueName('lock-1'), uniqueName('lock-2'), uniqueName('lock-3')];
  const other = uniqueName('other-branch');
  for (const name of names) await stack.api.startTask(runOf(task(name, { prompt: name, workspaceRef: { name: 'my-workspace' }, branch }), { AGENT_SLEEP: '2' }));
  await stack.api.startTask(runOf(task(other, { prompt: other, workspaceRef: { name: 'my-workspace' }, branch: uniqueName('feature/other') }), { AGENT_SLEEP: '2' }));
  const messages = new Set<string>();
  const done = await eventually(async () => {
    const tasks = await Promise.all(names.map((n) => stack.api.getTask('default', n)));
    for (const t of tasks) if (t?.status.phase === 'Waiting' && t.status.message) messages.add(t.status.message);
    return tasks.every((t) => t?.status.phase === 'Succeeded') ? tasks : undefined;
  }, 90_000, 'the three Tasks on one branch');
  expect(done).toHaveLength(3);
  expect([...messages].some((m) => /^Waiting for branch ".*" \((locked by|queued behind) lock-/.test(m))).toBe(true);
  await finished(other);
  const runs = runsOf([...names, other]);
  const spans = names.map((n) => runs[n]).sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i += 1) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  // The other branch did not wait for this one: it overlapped one of them.
  expect(spans.some(([start, end]) => runs[other][0] < end && runs[other][1] > start)).toBe(true);
});

test('a holder that ends without releasing the branch (terminated) loses it at the next check; the next Task runs', async () => {
  const branch = uniqueName('feature/abandoned');
  const [holder, next] = [uniqueName('holder'), uniqueName('next')];
  // The lock started first, with a 1 s holder check instead of 5 minutes; the Tasks' acquires signal this one.
  await stack.env.client.workflow.start(branchLockWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: branchLockWorkflowId({ namespace: 'default', workspace: 'my-workspace', branch }),
    args: [{ holderCheckMs: 1_000 }],
  });
  await stack.api.startTask(runOf(task(holder, { prompt: holder, workspaceRef: { name: 'my-workspace' }, branch }), { AGENT_SLEEP: '30' }));
  await eventually(async () => ((await stack.api.getTask('default', holder))?.status.phase === 'Running' ? true : undefined), 60_000, 'the holder to run');
  await stack.api.startTask(runOf(task(next, { prompt: next, workspaceRef: { name: 'my-workspace' }, branch }), { AGENT_SLEEP: '0' }));
  const waiting = await eventually(async () => {
    const t = await stack.api.getTask('default', next);
    return t?.status.phase === 'Waiting' && t.status.message?.includes(holder) ? t : undefined;
  }, 30_000, 'the next Task to wait for the holder');
  expect(waiting.status.message).toBe(`Waiting for branch "${branch}" (locked by ${holder})`);

  // Terminated: no release signal ever comes, as when a workflow is killed by an operator.
  await stack.env.client.workflow.getHandle(taskWorkflowId('default', holder)).terminate('operator');
  expect((await finished(next)).status.phase).toBe('Succeeded');
});
