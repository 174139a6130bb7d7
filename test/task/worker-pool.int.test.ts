/**
 * WorkerPool on the local runtime, from Kelos example 15 (the pool's worker image a test agent): pooled Tasks wait in
 * the pool's Temporal queue (Pending, the pool named) and members take them one at a time; a member's next Task
 * finds its warm checkout (an ignored cache file, its home) reset to a clean tree; a member killed mid-Task fails
 * that Task with the reason, and its restarted self stops the agent left behind; a spawner's pooled Tasks read the
 * pool when they start and are held by both the spawner's maxConcurrency and the pool's members.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ChildProcess } from 'node:child_process';
import YAML from 'yaml';
import { parseManifests, type TaskResource } from '../../src/model';
import { applyResource, type AppliedResource } from '../../src/clients/apply-resource';
import { taskWorkflowId } from '../../src/task/task-run';
import { taskFiles } from '../../src/host/data-dir';
import type { TaskStatus } from '../../src/task/task-status';
import { taskStatusQuery } from '../../src/task/task-workflow';
import { makeUpstream } from '../local/git-fixture';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { runKelosAsync } from '../harness/kelos-cli';
import { itemsFor } from '../harness/spawner-fixtures';
import { spawnerWorkflowId } from '../../src/spawner/spawner-status';
import { workItemsSignal } from '../../src/spawner/messages';
import { testServerAddress } from '../harness/temporal';

const EXAMPLE = path.resolve(__dirname, '../../../shared/fixtures/kelos-examples/15-workerpool');
const AGENT = path.resolve(__dirname, '../fixtures/images/pool-agent.sh');

let stack: KelosTestStack;
let events: string;

beforeAll(async () => {
  stack = await startKelosTestStack('pool');
  await stack.startWorker();
  events = path.join(stack.shared, 'pool.events');
  const upstream = makeUpstream(stack.home);
  // The example's Secrets, with test values.
  stack.secrets.put('default', 'anthropic-api-key', { ANTHROPIC_API_KEY: 'sk-test' });
  stack.secrets.put('default', 'github-token', { GITHUB_TOKEN: 'ghp_test' });
  // Example 15 as written, with local stand-ins: the repository is a local one, the worker image the test agent.
  const pool = YAML.parse(fs.readFileSync(path.join(EXAMPLE, 'workerpool.yaml'), 'utf8'));
  pool.spec.worker.image = AGENT;
  pool.spec.worker.podOverrides = { env: [{ name: 'AGENT_EVENTS_FILE', value: events }, { name: 'AGENT_SLEEP', value: '4' }] };
  const workspace = YAML.parse(fs.readFileSync(path.join(EXAMPLE, 'workspace.yaml'), 'utf8'));
  workspace.spec.repo = upstream.url;
  for (const manifest of [workspace, pool]) await apply(manifest);
}, 120_000);
afterAll(async () => stack?.teardown());

async function apply(manifest: Record<string, unknown>): Promise<void> {
  const parsed = parseManifests(JSON.stringify(manifest), 'test.json');
  if (parsed.errors.length || parsed.unsupported.length) throw new Error([...parsed.errors, ...parsed.unsupported].map(String).join('\n'));
  await applyResource(stack.api, parsed.resources[0] as AppliedResource);
}

/** The example's pooled Task under another name. */
async function pooledTask(name: string): Promise<void> {
  const task = YAML.parse(fs.readFileSync(path.join(EXAMPLE, 'task-with-pool.yaml'), 'utf8'));
  task.metadata.name = name;
  const parsed = parseManifests(JSON.stringify(task), 'task.json');
  expect(parsed.errors).toEqual([]);
  await applyResource(stack.api, parsed.resources[0] as TaskResource);
}

const statusOf = (name: string): Promise<TaskStatus> => stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).query(taskStatusQuery);
const resultOf = (name: string): Promise<TaskStatus> => stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result().catch((err) => err.cause?.details?.[0] ?? Promise.reject(err));

interface AgentEvent { kind: 'start' | 'end'; task: string; atMs: number; dir?: string; cache?: string; home?: string; dirty?: string }
function agentEvents(): AgentEvent[] {
  if (!fs.existsSync(events)) return [];
  return fs.readFileSync(events, 'utf8').trim().split('\n').filter(Boolean).map((line) => {
    const [kind, task, atMs, ...rest] = line.split(' ');
    const fields = Object.fromEntries(rest.map((pair) => pair.split('=') as [string, string]));
    return { kind: kind as AgentEvent['kind'], task, atMs: Number(atMs), ...fields };
  });
}

const members = new Map<string, ChildProcess>();
function member(name: string): void {
  members.set(name, stack.startWorkerProcess(['--pool', 'my-pool', '--member', name]));
}

it('waits in the pool queue until a member is idle; two members run three Tasks two at a time, each in its warm checkout', async () => {
  const names = [uniqueName('pooled'), uniqueName('pooled'), uniqueName('pooled')];
  // The first Task's agent keeps running until both members are there, so two run at once whatever the load.
  fs.writeFileSync(`${events}.wait`, '');
  await pooledTask(names[0]);
  // No member yet: the Task waits, naming the pool.
  const waiting = await eventually(async () => {
    const s = await statusOf(names[0]);
    return s.message?.includes('WorkerPool "my-pool"') ? s : undefined;
  }, 30_000, 'the Task waiting for the pool');
  expect(waiting.phase).toBe('Pending');
  expect(waiting.message).toBe('Waiting for an idle member of WorkerPool "my-pool"');

  member('member-0');
  member('member-1');
  await eventually(async () => ((await stack.api.workerPoolActivity('default', 'my-pool')).members.length === 2 ? true : undefined), 60_000, 'both members');
  await pooledTask(names[1]);
  await eventually(async () => ((await statusOf(names[1])).phase === 'Running' ? true : undefined), 60_000, 'the second Task on the other member');
  fs.rmSync(`${events}.wait`);
  await pooledTask(names[2]);
  const done = await Promise.all(names.map(resultOf));
  expect(done.map((s) => s.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
  expect(new Set(done.map((s) => s.podName))).toEqual(new Set(['member-0', 'member-1']));

  // Never more than two agents at once, and never two on one member.
  const timeline = agentEvents().filter((e) => names.includes(e.task)).sort((a, b) => a.atMs - b.atMs);
  let running = 0;
  let most = 0;
  for (const event of timeline) {
    running += event.kind === 'start' ? 1 : -1;
    most = Math.max(most, running);
  }
  expect(most).toBe(2);
  // The third Task ran on a member after its first Task there: the checkout and home were warm, the tree clean.
  const starts = timeline.filter((e) => e.kind === 'start');
  const third = starts[2];
  const first = starts.find((e) => e.dir === third.dir && e !== third)!;
  expect(first).toBeDefined();
  expect(third.dir).toContain(path.join('pools', 'default', 'my-pool'));
  expect(third).toMatchObject({ cache: first.task, home: first.task, dirty: '0' });
  expect(starts[0]).toMatchObject({ cache: 'none', home: 'none' });

  // kelos get workerpools: Kelos's TYPE and REPLICAS, then the members seen and the work.
  const listed = await runKelosAsync({ address: testServerAddress(), home: stack.home }, ['--task-queue', stack.taskQueue, 'get', 'workerpools']);
  expect(listed.code).toBe(0);
  expect(listed.stdout.split('\n')[0].split(/\s+/).filter(Boolean)).toEqual(['NAME', 'TYPE', 'REPLICAS', 'MEMBERS', 'BUSY', 'QUEUED', 'AGE']);
  expect(listed.stdout).toMatch(/^my-pool\s+claude-code\s+2\s+2\s+0\s+0\s/m);
}, 180_000);

it('a member killed mid-Task fails that Task with the reason; restarted, it stops the agent left behind and runs the next Task', async () => {
  const victim = uniqueName('lost');
  fs.writeFileSync(`${events}.hold`, '');
  await pooledTask(victim);
  const running = await eventually(async () => {
    const s = await statusOf(victim);
    return s.phase === 'Running' && agentEvents().some((e) => e.kind === 'start' && e.task === victim) ? s : undefined;
  }, 60_000, 'the Task running on a member');
  const lost = running.podName!;
  members.get(lost)!.kill('SIGKILL');
  const failed = await resultOf(victim);
  expect(failed.phase).toBe('Failed');
  expect(failed.message).toBe(`Task failed: the WorkerPool member running it (${lost}) stopped: no heartbeat for 15 seconds. The Task is not run again, since its agent may already have pushed or commented`);

  // Only the killed member, restarted under its name, is left: its next Task first stops the agent still running.
  fs.rmSync(`${events}.hold`);
  for (const [name, child] of members) if (name !== lost) child.kill('SIGKILL');
  member(lost);
  const next = uniqueName('after');
  await pooledTask(next);
  const done = await resultOf(next);
  expect(done).toMatchObject({ phase: 'Succeeded', podName: lost });
  // The held agent (it would sleep two minutes) was stopped, not left to work beside the next Task.
  const [agentPid] = fs.readFileSync(taskFiles(stack.home, 'default', victim).pidFile, 'utf8').trim().split(' ');
  expect(() => process.kill(-Number(agentPid), 0)).toThrow();
  expect(agentEvents().filter((e) => e.task === victim).map((e) => e.kind)).toEqual(['start']);
}, 180_000);

it("a spawner's pooled Tasks read the pool when they start; its maxConcurrency and the pool's members both hold", async () => {
  const name = uniqueName('pool-spawner');
  await stack.api.applySpawner({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      when: { webhook: { source: 'test', fieldMapping: { id: '$.id' } } },
      maxConcurrency: 2,
      taskTemplate: { workerPoolRef: { name: 'my-pool' }, promptTemplate: 'Handle item {{.ID}}', nameTemplate: `${name}-{{.ID}}` },
    },
  });
  await stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name)).signal(workItemsSignal, itemsFor(['a', 'b', 'c']));
  const names = ['a', 'b', 'c'].map((id) => `${name}-${id}`);
  // One member is left (the previous test's): at most one runs; the spawner's second slot waits in the pool's queue.
  const waiting = await eventually(async () => {
    const all = await Promise.all(names.map((n) => statusOf(n).catch(() => undefined)));
    return all.some((s) => s?.phase === 'Pending' && s.message?.includes('WorkerPool "my-pool"')) ? all : undefined;
  }, 60_000, 'a spawned Task waiting for the pool');
  expect(waiting.filter((s) => s?.phase === 'Running').length).toBeLessThanOrEqual(1);
  const done = await Promise.all(names.map(resultOf));
  expect(done.map((s) => s.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
  const timeline = agentEvents().filter((e) => names.includes(e.task)).sort((a, b) => a.atMs - b.atMs);
  expect(timeline.map((e) => e.kind)).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
  // The pool's worker came with the Task: the test agent ran with the pool's type and settings.
  const task = await stack.api.requireTask('default', names[0]);
  expect((task.spec as { workerPoolRef?: { name: string } }).workerPoolRef).toEqual({ name: 'my-pool' });
  await stack.api.deleteSpawner('default', name);
}, 180_000);
