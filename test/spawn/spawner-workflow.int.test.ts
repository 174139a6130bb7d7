/**
 * The spawner workflow against the real dev server with real Task workflows: throttling with a durable queue,
 * dedup, continue-as-new with Tasks running and items queued, suspend/resume, in-place update, delete, and
 * an invalid manifest failing the workflow with the field-level message.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { spawnerWorkflowId } from '../../src/spawner/spawner-status';
import { KelosError, SpawnerManifest } from '../../src/clients/kelos-api';
import { spawnerStatusQuery, workItemsSignal } from '../../src/spawner/messages';
import { spawnerWorkflow } from '../../src/spawner/spawner-workflow';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { itemsFor, signalledSpawner } from '../harness/spawner-fixtures';
import { testServerAddress } from '../harness/temporal';

const KELOS_BIN = path.resolve(__dirname, '../../bin/kelos.js');

let stack: KelosTestStack;

beforeAll(async () => {
  stack = await startKelosTestStack('spawner');
  await stack.startWorker();
});
afterAll(async () => stack?.teardown());

const manifest = signalledSpawner;
const items = itemsFor;

/** Largest number of agents running at the same time, from the start/end lines of the events file. */
function peakOverlap(eventsFile: string): number {
  const events = fs
    .readFileSync(eventsFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .map(([kind, , ms]) => ({ kind, ms: Number(ms) }))
    .sort((a, b) => a.ms - b.ms || (a.kind === 'end' ? -1 : 1));
  let running = 0;
  let peak = 0;
  for (const e of events) {
    running += e.kind === 'start' ? 1 : -1;
    peak = Math.max(peak, running);
  }
  return peak;
}

async function waitForAllSucceeded(names: string[], timeoutMs = 90_000): Promise<void> {
  await eventually(async () => {
    for (const name of names) {
      const task = await stack.api.getTask('default', name);
      if (task?.status.phase !== 'Succeeded') return undefined;
    }
    return true;
  }, timeoutMs, `Tasks ${names.join(', ')} to succeed`);
}

describe('spawner workflow', () => {
  it('runs at most maxConcurrency Tasks at once, queues the rest, and ignores redelivered items', async () => {
    const name = uniqueName('throttle');
    const eventsFile = path.join(stack.shared, `${name}.events`);
    expect(await stack.api.applySpawner(manifest(name, { maxConcurrency: 2, sleep: '2', eventsFile }))).toBe('created');
    const handle = stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name));
    const ids = ['1', '2', '3', '4', '5', '6'];
    await handle.signal(workItemsSignal, items(ids));

    const busy = await eventually(async () => {
      const status = await handle.query(spawnerStatusQuery);
      return status.activeTasks === 2 ? status : undefined;
    }, 30_000, 'two active Tasks');
    expect(busy.queueLength).toBe(4);

    await waitForAllSucceeded(ids.map((id) => `${name}-${id}`));
    await handle.signal(workItemsSignal, items(['1', '2']));
    const status = await eventually(async () => {
      const s = await handle.query(spawnerStatusQuery);
      return s.activeTasks === 0 && s.queueLength === 0 ? s : undefined;
    });
    expect(status.totalTasksCreated).toBe(6);
    expect(peakOverlap(eventsFile)).toBe(2);
    expect(fs.readFileSync(eventsFile, 'utf8').match(/^start /gm)).toHaveLength(6);
    const listed = await stack.api.listSpawners('default');
    expect(listed.find((s) => s.metadata.name === name)?.status.totalTasksCreated).toBe(6);
  });

  it('loses and duplicates nothing across several continue-as-new cycles with Tasks running and items queued', async () => {
    const name = uniqueName('can');
    const eventsFile = path.join(stack.shared, `${name}.events`);
    const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: spawnerWorkflowId('default', name),
      args: [{ manifest: manifest(name, { maxConcurrency: 2, sleep: '1', eventsFile }) as unknown as Record<string, unknown>, options: { continueAsNewAfterEvents: 40 } }],
    });
    const ids = Array.from({ length: 10 }, (_, i) => String(i + 1));
    await handle.signal(workItemsSignal, items(ids.slice(0, 5)));
    await handle.signal(workItemsSignal, items(ids.slice(3)));

    await waitForAllSucceeded(ids.map((id) => `${name}-${id}`), 120_000);
    const status = await eventually(async () => {
      const s = await handle.query(spawnerStatusQuery);
      return s.activeTasks === 0 ? s : undefined;
    });
    expect(status.totalTasksCreated).toBe(10);
    expect(fs.readFileSync(eventsFile, 'utf8').match(/^start /gm)).toHaveLength(10);
    const description = await handle.describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
    const runs = await countRuns(spawnerWorkflowId('default', name));
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  it('stops starting Tasks while suspended and continues where it stopped on resume', async () => {
    const name = uniqueName('suspend');
    await stack.api.applySpawner(manifest(name, { maxConcurrency: 1 }));
    const handle = stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name));
    const suspended = await stack.api.setSpawnerSuspended('default', name, true);
    expect(suspended.phase).toBe('Suspended');
    await handle.signal(workItemsSignal, items(['a', 'b']));
    await new Promise((r) => setTimeout(r, 2_000));
    const waiting = await handle.query(spawnerStatusQuery);
    expect(waiting).toMatchObject({ phase: 'Suspended', activeTasks: 0, queueLength: 2, totalTasksCreated: 0 });

    await stack.api.setSpawnerSuspended('default', name, false);
    await waitForAllSucceeded([`${name}-a`, `${name}-b`]);
  });

  it('updates a running spawner in place and rejects a bad change with the field-level message', async () => {
    const name = uniqueName('update');
    await stack.api.applySpawner(manifest(name, { maxConcurrency: 1 }));
    const bad = manifest(name, { maxConcurrency: 1 });
    (bad.spec as { maxConcurrency: number }).maxConcurrency = -1;
    await expect(stack.api.applySpawner(bad)).rejects.toThrow(KelosError);
    await expect(stack.api.applySpawner(bad)).rejects.toThrow('spec.maxConcurrency');

    expect(await stack.api.applySpawner(manifest(name, { maxConcurrency: 3 }))).toBe('configured');
    const spawner = await stack.api.getSpawner('default', name);
    expect((spawner.spec as { maxConcurrency: number }).maxConcurrency).toBe(3);
  });

  it('deletes a spawner and leaves its running Tasks to finish', async () => {
    const name = uniqueName('delete');
    await stack.api.applySpawner(manifest(name, { sleep: '3' }));
    const handle = stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name));
    await handle.signal(workItemsSignal, items(['x']));
    await eventually(async () => ((await stack.api.getTask('default', `${name}-x`))?.status.phase === 'Running' ? true : undefined));
    await stack.api.deleteSpawner('default', name);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await waitForAllSucceeded([`${name}-x`]);
    await expect(stack.api.getSpawner('default', name)).rejects.toThrow('not found');
  });

  it('fails at once with the field-level message when started with an invalid manifest', async () => {
    const name = uniqueName('invalid');
    const bad = manifest(name) as unknown as { spec: { when: Record<string, unknown> } };
    bad.spec.when = { githubIssues: { state: 'opened' } };
    const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: spawnerWorkflowId('default', name),
      args: [bad as unknown as Record<string, unknown>],
    });
    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const message = ((error as WorkflowFailedError).cause as Error).message;
    expect(message).toContain('spawner.json#1 spec.when.githubIssues.state: must be one of open, closed, all (got "opened")');
  });
});

describe('kelos run --from taskspawner/NAME', () => {
  it("runs the spawner's template once as a standalone Task, values overriding the manual variables", async () => {
    const name = uniqueName('manual');
    const spawner = manifest(name, { maxConcurrency: 1 }) as unknown as { spec: { when: unknown; taskTemplate: { promptTemplate: string } } };
    spawner.spec.when = { cron: { schedule: '0 9 * * 1' } };
    spawner.spec.taskTemplate.promptTemplate = 'Manual {{.Title}} ({{.TriggerType}}, {{.Kind}}, {{.Schedule}})';
    await stack.api.applySpawner(spawner as unknown as SpawnerManifest);

    // Asynchronously: the worker runs in this process, a synchronous spawn would stall it.
    const run = await kelosCli(['--task-queue', stack.taskQueue, 'run', '--from', `taskspawner/${name}`, '-f', '-', '-w'], 'Title: nightly cleanup\nSchedule: ignored\n');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const taskName = /task\/(\S+) created/.exec(run.stdout)![1];
    expect(taskName).toMatch(new RegExp(`^${name}-manual-[a-z0-9]{5}$`));
    const task = await stack.api.requireTask('default', taskName);
    expect(task.status.phase).toBe('Succeeded');
    expect(task.spec.prompt).toBe('Manual nightly cleanup (manual, Manual, 0 9 * * 1)');
    expect(task.metadata.labels).toEqual({ 'kelos.dev/created-from-taskspawner': name, 'kelos.dev/trigger-type': 'manual' });
    // Not the spawner's own Task: its counters and slots are untouched.
    expect((await stack.api.getSpawner('default', name)).status.totalTasksCreated).toBe(0);

    const mixed = await kelosCli(['run', '--from', `taskspawner/${name}`, '--branch', 'x']);
    expect(mixed.stderr).toBe('error: --from cannot be combined with --branch\n');
  });
});

/** Runs the kelos binary against the test server without blocking this process's event loop. */
function kelosCli(args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KELOS_BIN, '--address', testServerAddress(), ...args], { env: { ...process.env, KELOS_HOME: stack.home } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function countRuns(workflowId: string): Promise<number> {
  let runs = 0;
  for await (const _ of stack.env.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs += 1;
  return runs;
}
