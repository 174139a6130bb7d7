/**
 * A spawner's state stays bounded whatever arrives (issue: spawners that live for years), against the real dev
 * server: queued items are Task workflows waiting for a slot, so a burst of big deliveries at maxConcurrency 1
 * carries only names across continue-as-new; the waiting window overflows into Temporal and comes back in order;
 * 60 KB delivery IDs cost a hash each; and a run of the first implementation holding a queue of big items hands
 * over to the current spawner without losing or repeating one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnerWorkflowId } from '../../src/spawner/spawner-status';
import type { WorkItem } from '../../src/sources/work-item';
import { spawnerStatusQuery, webhookDeliverySignal, workItemsSignal } from '../../src/spawner/messages';
import { taskWorkflowId } from '../../src/task/task-run';
import { genericDelivery } from '../harness/webhook-deliveries';
import { spawnerWorkflow } from '../../src/spawner/spawner-workflow';
import { emptySpawnerState as emptyLegacyState, type QueuedItem } from '../../src/spawner/legacy/legacy-spawner-state';
import { createKelosWorker } from '../../src/workers/kelos-worker';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { signalledSpawner } from '../harness/spawner-fixtures';
import { bundleWorkflows, uniqueTaskQueue } from '../harness/temporal';

let stack: KelosTestStack;

beforeAll(async () => {
  stack = await startKelosTestStack('bounds');
  await stack.startWorker();
});
afterAll(async () => stack?.teardown());

function startsIn(file: string): string[] {
  return fs.existsSync(file) ? (fs.readFileSync(file, 'utf8').match(/^start \S+/gm) ?? []).map((line) => line.slice('start '.length)) : [];
}

/** The input bytes of every run of the workflow (only each run's first event is read: the histories hold megabytes). */
async function runInputs(workflowId: string): Promise<number[]> {
  const sizes: number[] = [];
  for await (const execution of stack.env.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const page = await stack.env.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId, runId: execution.runId }, maximumPageSize: 1 });
    const input = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    sizes.push(input.reduce((sum, p) => sum + (p.data?.length ?? 0), 0));
  }
  return sizes;
}

/** Patch IDs recorded in a run's history (the SDK's markers). */
async function patchMarkers(workflowId: string, runId: string): Promise<string[]> {
  const history = await stack.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? [])
    .flatMap((e) => Object.values(e.markerRecordedEventAttributes?.details ?? {}))
    .flatMap((payloads) => payloads.payloads ?? [])
    .map((p) => Buffer.from(p.data ?? []).toString('utf8'));
}

const bigItems = (prefix: string, count: number, payloadBytes: number): WorkItem[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, vars: { ID: `${prefix}${i}`, Title: `item ${i}`, Payload: { blob: 'x'.repeat(payloadBytes) } }, labels: [], deliveryId: `delivery-${prefix}${i}` }));

it('carries only names across continue-as-new while 100 items of 50 KB wait at maxConcurrency 1, and runs each once', async () => {
  const name = uniqueName('burst');
  const eventsFile = path.join(stack.shared, `${name}.events`);
  const workflowId = spawnerWorkflowId('default', name);
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [{ manifest: signalledSpawner(name, { maxConcurrency: 1, sleep: '0', eventsFile }) as unknown as Record<string, unknown>, options: { continueAsNewAfterEvents: 150 } }],
  });
  const items = bigItems('b', 100, 50_000);
  for (let i = 0; i < items.length; i += 10) await handle.signal(workItemsSignal, items.slice(i, i + 10));
  // The spawner answers throughout, and every item is a Task (running or waiting) at once.
  const queued = await eventually(async () => {
    const s = await handle.query(spawnerStatusQuery);
    return s.queueLength + s.activeTasks + s.totalTasksCreated >= 100 && s.queueLength > 50 ? s : undefined;
  }, 60_000, 'every item to be a Task');
  expect(queued.activeTasks).toBe(1);
  await eventually(async () => ((await runInputs(workflowId)).length >= 2 ? true : undefined), 90_000, 'a continue-as-new with Tasks waiting');
  // Let them all run now: the waiting Tasks get their slots as the limit rises.
  await stack.api.applySpawner({ ...signalledSpawner(name, { maxConcurrency: 25, sleep: '0', eventsFile }) });
  await eventually(async () => {
    const s = await handle.query(spawnerStatusQuery);
    return s.totalTasksCreated === 100 && s.activeTasks === 0 && s.queueLength === 0 ? s : undefined;
  }, 180_000, 'all 100 Tasks to finish');
  expect(startsIn(eventsFile).sort()).toEqual(items.map((item) => `${name}-${item.id}`).sort());
  // What a run carries is names and counts: a few KB, where the items themselves were 5 MB.
  const inputs = await runInputs(workflowId);
  expect(Math.max(...inputs)).toBeLessThan(64 * 1024);
}, 300_000);

it('grants no slot to a waiting Task before its workflow exists: 60 deliveries arriving while Tasks finish, at maxConcurrency 2, all run once', async () => {
  const name = uniqueName('race');
  const eventsFile = path.join(stack.shared, `${name}.events`);
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: spawnerWorkflowId('default', name),
    args: [{ manifest: signalledSpawner(name, { maxConcurrency: 2, sleep: '0', eventsFile }) as unknown as Record<string, unknown> }],
  });
  const ids = Array.from({ length: 60 }, (_, i) => `r${i}`);
  // One signal each, a few at a time while Tasks finish: starts of waiting Tasks are in flight as slots free up.
  for (let i = 0; i < ids.length; i += 3) {
    await Promise.all(ids.slice(i, i + 3).map((id) => handle.signal(workItemsSignal, [{ id, vars: { ID: id }, labels: [], deliveryId: `d-${id}` }])));
    await new Promise((r) => setTimeout(r, 40));
  }
  const status = await eventually(async () => {
    const s = await handle.query(spawnerStatusQuery);
    return s.totalTasksCreated === 60 && s.activeTasks === 0 && s.queueLength === 0 ? s : undefined;
  }, 150_000, 'all 60 Tasks to run');
  expect(status.totalDiscovered).toBeGreaterThan(0);
  expect(startsIn(eventsFile).sort()).toEqual(ids.map((id) => `${name}-${id}`).sort());
}, 200_000);

it('names at most its waiting window; the rest wait in Temporal and run in their order', async () => {
  const name = uniqueName('window');
  const eventsFile = path.join(stack.shared, `${name}.events`);
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: spawnerWorkflowId('default', name),
    args: [{ manifest: signalledSpawner(name, { maxConcurrency: 1, sleep: '0', eventsFile }) as unknown as Record<string, unknown>, options: { waitingWindow: 3 } }],
  });
  const ids = Array.from({ length: 10 }, (_, i) => String(i + 1).padStart(2, '0'));
  await handle.signal(workItemsSignal, ids.map((id) => ({ id, vars: { ID: id }, labels: [], deliveryId: `d-${id}` })));
  await eventually(async () => {
    const s = await handle.query(spawnerStatusQuery);
    return s.totalTasksCreated === 10 && s.activeTasks === 0 && s.queueLength === 0 ? s : undefined;
  }, 120_000, 'all 10 Tasks to finish');
  const started = startsIn(eventsFile);
  expect([...started].sort()).toEqual(ids.map((id) => `${name}-${id}`));
  expect(started).toEqual(ids.map((id) => `${name}-${id}`)); // arrival order kept through the overflow
}, 180_000);

it('takes 80 deliveries with 60 KB IDs for one Task name: one Task, and a state of hashes', async () => {
  const name = uniqueName('longid');
  const workflowId = spawnerWorkflowId('default', name);
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [{ manifest: signalledSpawner(name, { sleep: '0' }) as unknown as Record<string, unknown>, options: { continueAsNewAfterEvents: 100 } }],
  });
  const items = Array.from({ length: 80 }, (_, i): WorkItem => ({ id: 'same', vars: { ID: 'same' }, labels: [], deliveryId: `${String(i).padStart(3, '0')}${'i'.repeat(60_000)}` }));
  for (let i = 0; i < items.length; i += 5) await handle.signal(workItemsSignal, items.slice(i, i + 5));
  await eventually(async () => ((await runInputs(workflowId)).length >= 2 ? true : undefined), 90_000, 'a continue-as-new');
  const status = await eventually(async () => {
    const s = await handle.query(spawnerStatusQuery);
    return s.totalTasksCreated === 1 && s.activeTasks === 0 ? s : undefined;
  }, 60_000, 'the one Task to finish');
  expect(status.queueLength).toBe(0);
  expect(Math.max(...(await runInputs(workflowId)))).toBeLessThan(64 * 1024);
  await stack.api.deleteSpawner('default', name);
}, 180_000);

it('continues as new while deliveries keep arriving faster than it handles them: every run stays short, every delivery one Task', async () => {
  const name = uniqueName('stream');
  const workflowId = spawnerWorkflowId('default', name);
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId,
    // maxConcurrency 1: the Tasks wait in Temporal, so the spawner's own work is what is measured.
    args: [{ manifest: signalledSpawner(name, { maxConcurrency: 1, sleep: '0' }) as unknown as Record<string, unknown>, options: { continueAsNewAfterEvents: 60 } }],
  });
  // A steady stream, 4 senders signalling back to back: a new delivery reaches nearly every workflow task, so a run
  // that waited for its delivery handlers to finish before continuing as new would not continue while it lasts.
  const ids = Array.from({ length: 4 }, (_, sender) => Array.from({ length: 40 }, (_, i) => `s${sender}-${i}`));
  await Promise.all(ids.map(async (mine) => {
    for (const id of mine) await handle.signal(webhookDeliverySignal, genericDelivery('test', { id }));
  }));
  const tasks = await eventually(async () => {
    const found = new Set<string>();
    for await (const info of stack.env.client.workflow.list({ query: `KelosKind = "Task" AND KelosSpawner = "${name}"` })) found.add(info.workflowId);
    return found.size >= 160 ? found : undefined;
  }, 90_000, '160 Tasks');
  expect([...tasks].sort()).toEqual(ids.flat().map((id) => taskWorkflowId('default', `${name}-${id}`)).sort());
  const runs: number[] = [];
  for await (const execution of stack.env.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    runs.push((await stack.env.client.workflow.getHandle(workflowId, execution.runId).fetchHistory()).events?.length ?? 0);
  }
  expect(runs.length).toBeGreaterThanOrEqual(2); // it continued during the stream (how often depends on the machine's speed)
  expect(Math.max(...runs)).toBeLessThan(600); // without carrying: one run of ~1,200 events, never continued
  // Readable (kelos get, delete) at any moment, also a run that has only just begun: it starts with its memo.
  await stack.api.deleteSpawner('default', name);
}, 180_000);

it('takes over the state a run of the first implementation continued with: its queued items run once, its Tasks stay known', async () => {
  const name = uniqueName('takeover');
  const eventsFile = path.join(stack.shared, `${name}.events`);
  const legacy = emptyLegacyState();
  legacy.queue = ['1', '2', '3'].map((id, i): QueuedItem => ({ name: `${name}-${id}`, item: { id, vars: { ID: id }, labels: [], deliveryId: `d-${id}` }, rendered: { name: `${name}-${id}`, prompt: `Handle item ${id}` }, priority: 0, seq: i + 1 }));
  legacy.ledger = { [`${name}-0`]: { state: 'succeeded', startedAt: new Date(0).toISOString(), completionTime: new Date(1000).toISOString(), itemId: '0' } };
  legacy.totalTasksCreated = 1;
  legacy.seenDeliveries = ['d-0', 'd-1', 'd-2', 'd-3'];
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: spawnerWorkflowId('default', name),
    args: [{ manifest: signalledSpawner(name, { maxConcurrency: 1, sleep: '0', eventsFile }) as unknown as Record<string, unknown>, state: legacy }],
  });
  await eventually(async () => {
    const s = await handle.query(spawnerStatusQuery);
    return s.totalTasksCreated === 4 && s.activeTasks === 0 && s.queueLength === 0 ? s : undefined;
  }, 60_000, 'the three queued items to run');
  expect(startsIn(eventsFile)).toEqual([`${name}-1`, `${name}-2`, `${name}-3`]);
  // Its seen deliveries and its finished Task still count: a redelivery of item 0 makes nothing.
  await handle.signal(workItemsSignal, [{ id: '0', vars: { ID: '0' }, labels: [], deliveryId: 'd-0' }]);
  await new Promise((r) => setTimeout(r, 1_500));
  expect((await handle.query(spawnerStatusQuery)).totalTasksCreated).toBe(4);
}, 120_000);

it('hands a run of the first implementation over: its queued items become waiting Tasks, each runs once', async () => {
  const name = uniqueName('handover');
  const eventsFile = path.join(stack.shared, `${name}.events`);
  const taskQueue = uniqueTaskQueue('handover');
  const bundle = await bundleWorkflows(require.resolve('./workflows/legacy-first'));
  const worker = await createKelosWorker({ connection: stack.env.nativeConnection, client: stack.env.client, taskQueue, home: stack.home, workflowBundle: bundle, agentSandbox: { share: [stack.shared] } });
  const running = worker.run();
  try {
    const manifest = signalledSpawner(name, { maxConcurrency: 1, sleep: '0', eventsFile }) as unknown as Record<string, unknown>;
    const legacy = emptyLegacyState();
    // A queue of big items (1.4 MB): the kind of state that, grown further, could no longer continue as new.
    legacy.queue = bigItems('q', 12, 120_000).map((item, i): QueuedItem => ({ name: `${name}-${item.id}`, item, rendered: { name: `${name}-${item.id}`, prompt: `Handle item ${item.id}` }, priority: 0, seq: i + 1 }));
    legacy.seq = 12;
    legacy.seenDeliveries = legacy.queue.map((q) => q.item.deliveryId!);
    const workflowId = spawnerWorkflowId('default', name);
    const handle = await stack.env.client.workflow.start('spawnerWorkflow', { taskQueue, workflowId, args: [{ manifest, state: legacy }] });
    await eventually(async () => {
      const s = await handle.query(spawnerStatusQuery);
      return s.totalTasksCreated === 12 && s.activeTasks === 0 && s.queueLength === 0 ? s : undefined;
    }, 120_000, 'the 12 queued items to run');
    expect(startsIn(eventsFile)).toEqual(legacy.queue.map((q) => q.name)); // in queue order, once each
    expect((await patchMarkers(workflowId, handle.firstExecutionRunId)).join(' ')).toContain('spawner-hand-over-to-waiting-tasks');
    const inputs = await runInputs(workflowId);
    expect(inputs.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...inputs)).toBeLessThan(16 * 1024); // the run after the handover carries names only
    // The items' deliveries are still known after the handover: a redelivery makes nothing.
    await handle.signal(workItemsSignal, [legacy.queue[0].item]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await handle.query(spawnerStatusQuery)).totalTasksCreated).toBe(12);
  } finally {
    worker.shutdown();
    await running;
  }
}, 180_000);
