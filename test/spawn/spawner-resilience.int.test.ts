/**
 * The spawner when things go wrong: its worker is SIGKILLed in the middle of a burst (nothing lost, nothing run
 * twice), and a Task is terminated behind its back (the reconcile frees the slot, so the queue keeps moving).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnerWorkflowId } from '../../src/spawner/spawner-status';
import { emptySpawnerState } from '../../src/spawner/spawner-state';
import { taskWorkflowId } from '../../src/task/task-run';
import { spawnerStatusQuery, workItemsSignal } from '../../src/spawner/messages';
import { spawnerWorkflow } from '../../src/spawner/spawner-workflow';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';
import { itemsFor, signalledSpawner } from '../harness/spawner-fixtures';

let stack: KelosTestStack;

beforeAll(async () => {
  stack = await startKelosTestStack('resilience');
});
afterAll(async () => stack?.teardown());

const manifest = (name: string, eventsFile: string, sleep: string, maxConcurrency: number) => signalledSpawner(name, { eventsFile, sleep, maxConcurrency }) as unknown as Record<string, unknown>;
const items = itemsFor;

function startsIn(file: string): string[] {
  return fs.existsSync(file) ? (fs.readFileSync(file, 'utf8').match(/^start \S+/gm) ?? []) : [];
}

it('loses and duplicates nothing when its worker is SIGKILLed in the middle of a burst', async () => {
  const name = `kill-${Date.now().toString(36)}`;
  const eventsFile = path.join(stack.shared, `${name}.events`);
  const first = stack.startWorkerProcess();
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: spawnerWorkflowId('default', name),
    args: [{ manifest: manifest(name, eventsFile, '1', 3), options: { continueAsNewAfterEvents: 60 } }],
  });
  const ids = Array.from({ length: 9 }, (_, i) => String(i + 1));
  await handle.signal(workItemsSignal, items(ids));
  await eventually(async () => (startsIn(eventsFile).length >= 2 ? true : undefined), 60_000, 'the first agents to start');
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  await handle.signal(workItemsSignal, items(['3', '10'])); // a redelivery and a new item while no worker runs
  stack.startWorkerProcess();

  const status = await eventually(
    async () => {
      const s = await handle.query(spawnerStatusQuery);
      return s.totalTasksCreated === 10 && s.activeTasks === 0 && s.queueLength === 0 ? s : undefined;
    },
    150_000,
    'all 10 Tasks to finish',
  );
  expect(status.totalTasksCreated).toBe(10);
  const started = startsIn(eventsFile).map((line) => line.slice('start '.length)).sort();
  expect(started).toEqual([...ids, '10'].map((id) => `${name}-${id}`).sort());
}, 240_000);

it('frees the slot of a Task terminated behind its back, so queued items still run', async () => {
  const name = `reconcile-${Date.now().toString(36)}`;
  const eventsFile = path.join(stack.shared, `${name}.events`);
  stack.startWorkerProcess();
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: spawnerWorkflowId('default', name),
    args: [{ manifest: manifest(name, eventsFile, '60', 1), state: emptySpawnerState(), options: { reconcileIntervalMs: 2_000 } }],
  });
  await handle.signal(workItemsSignal, items(['a', 'b']));
  await eventually(async () => (startsIn(eventsFile).length === 1 ? true : undefined), 60_000, 'the first agent to start');
  // Terminated: the Task gets no chance to tell its spawner (no finish signal), only the reconcile can notice.
  await stack.env.client.workflow.getHandle(taskWorkflowId('default', `${name}-a`)).terminate('test');

  await eventually(async () => (startsIn(eventsFile).length === 2 ? true : undefined), 60_000, 'the queued item to start');
  const status = await handle.query(spawnerStatusQuery);
  expect(status.activeTasks).toBe(1);
  expect(startsIn(eventsFile)).toEqual([`start ${name}-a`, `start ${name}-b`]);
}, 180_000);

it('re-runs a finished item on a newer trigger under the same Task name', async () => {
  const name = `again-${Date.now().toString(36)}`;
  const eventsFile = path.join(stack.shared, `${name}.events`);
  stack.startWorkerProcess();
  const spawner = manifest(name, eventsFile, '0', 2) as { spec: { taskTemplate: Record<string, unknown> } };
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: spawnerWorkflowId('default', name),
    args: [{ manifest: spawner, options: { reconcileIntervalMs: 2_000 } }],
  });
  const finished = async (count: number) =>
    eventually(async () => {
      const s = await handle.query(spawnerStatusQuery);
      return s.totalTasksCreated === count && s.activeTasks === 0 ? s : undefined;
    }, 90_000, `${count} Tasks to finish`);

  await handle.signal(workItemsSignal, [{ id: '1', vars: { ID: '1' }, labels: [], deliveryId: 'first' }]);
  await finished(1);
  // Same item again without a newer trigger: deduplicated by Task name.
  await handle.signal(workItemsSignal, [{ id: '1', vars: { ID: '1' }, labels: [], deliveryId: 'second' }]);
  // A trigger newer than the Task's completion re-runs it under the same name.
  await handle.signal(workItemsSignal, [{ id: '1', vars: { ID: '1' }, labels: [], deliveryId: 'third', triggerTime: new Date(Date.now() + 1_000).toISOString() }]);
  await finished(2);
  expect(startsIn(eventsFile)).toEqual([`start ${name}-1`, `start ${name}-1`]);
  expect((await stack.api.requireTask('default', `${name}-1`)).status.phase).toBe('Succeeded');
  const listed = await eventually(async () => {
    const tasks = (await stack.api.listTasks('default')).filter((t) => t.metadata.name === `${name}-1`);
    return tasks.length === 1 && tasks[0].status.phase === 'Succeeded' ? tasks : undefined;
  }, 30_000, 'one listed Task');
  expect(listed).toHaveLength(1);
}, 180_000);

it('spawns an item again after its Task expired (ttlSecondsAfterFinished)', async () => {
  const name = `ttl-${Date.now().toString(36)}`;
  const eventsFile = path.join(stack.shared, `${name}.events`);
  stack.startWorkerProcess();
  const spawner = manifest(name, eventsFile, '0', 2) as { spec: { taskTemplate: Record<string, unknown> } };
  spawner.spec.taskTemplate.ttlSecondsAfterFinished = 1;
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: spawnerWorkflowId('default', name),
    args: [{ manifest: spawner, options: { reconcileIntervalMs: 2_000 } }],
  });
  await handle.signal(workItemsSignal, [{ id: '1', vars: { ID: '1' }, labels: [], deliveryId: 'first' }]);
  await eventually(async () => ((await stack.api.getTask('default', `${name}-1`))?.status.phase === 'Succeeded' ? true : undefined), 60_000, 'the Task to succeed');
  await eventually(async () => ((await stack.api.getTask('default', `${name}-1`)) ? undefined : true), 90_000, 'the Task to expire');
  await eventually(async () => {
    await handle.signal(workItemsSignal, [{ id: '1', vars: { ID: '1' }, labels: [], deliveryId: `again-${Date.now()}` }]);
    return startsIn(eventsFile).length === 2 ? true : undefined;
  }, 60_000, 'the item to spawn again');
}, 240_000);
