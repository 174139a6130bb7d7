/**
 * The cron source on the real dev server. A spawner that was down for a week catches up on every missed hourly
 * tick (Kelos's replay policy, capped at 1000): 168 Tasks with the Kelos names and values, each exactly once,
 * through several continue-as-new cycles with Tasks running and ticks queued. A live schedule fires from a
 * durable timer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnerWorkflowId } from '../../src/spawner/spawner-status';
import { emptySpawnerState } from '../../src/spawner/spawner-state';
import { spawnerStatusQuery } from '../../src/spawner/messages';
import { spawnerWorkflow } from '../../src/spawner/spawner-workflow';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const HISTORY_LIMIT = 400;
const HOUR = 3_600_000;

let stack: KelosTestStack;

beforeAll(async () => {
  stack = await startKelosTestStack('cron');
  // A cache with room for every open run: when the SDK's workflow cache is full it buffers polls, and a query
  // buffered beside a real workflow task there can be dropped by sdk-core ("Extra buffered run should not have
  // produced an activation"), leaving the run stuck until the worker restarts. This file tests cron catch-up,
  // not that SDK path; operators get the same advice in the README (size the cache above maxConcurrency).
  await stack.startWorker({ tuning: { maxCachedWorkflows: 200 } });
});
afterAll(async () => stack?.teardown());

function cronManifest(name: string, schedule: string, eventsFile: string, maxConcurrency: number) {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      when: { cron: { schedule } },
      maxConcurrency,
      taskTemplate: {
        type: 'claude-code',
        credentials: { type: 'none' },
        image: IMAGE,
        podOverrides: { env: [{ name: 'AGENT_EVENTS_FILE', value: eventsFile }] },
        promptTemplate: 'Tick {{.ID}} at {{.Time}} ({{.Schedule}})',
      },
    },
  };
}

it('catches up on a week of missed hourly ticks: 168 Tasks, once each, with bounded history', async () => {
  const name = `weekly-${Date.now().toString(36)}`;
  const eventsFile = path.join(stack.shared, `${name}.events`);
  const now = Date.now();
  const watermark = new Date(Math.floor((now - 7 * 24 * HOUR) / HOUR) * HOUR + 1);
  const workflowId = spawnerWorkflowId('default', name);
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [
      {
        manifest: cronManifest(name, '0 * * * *', eventsFile, 20),
        state: { ...emptySpawnerState(), cronWatermark: watermark.toISOString() },
        options: { continueAsNewAfterEvents: HISTORY_LIMIT },
      },
    ],
  });

  const status = await eventually(
    async () => {
      const s = await stack.env.client.workflow.getHandle(workflowId).query(spawnerStatusQuery);
      return s.totalTasksCreated >= 168 && s.activeTasks === 0 ? s : undefined;
    },
    240_000,
    '168 Tasks to finish',
  );
  // A week of hourly ticks is 168; the test's own minutes may cross an hour, whose tick is due too.
  const crossedAnHour = Math.floor(Date.now() / HOUR) > Math.floor(now / HOUR);
  expect(status.totalTasksCreated === 168 || (crossedAnHour && status.totalTasksCreated === 169)).toBe(true);
  expect(status.queueLength).toBe(0);

  const expectedIds = Array.from({ length: status.totalTasksCreated }, (_, i) => {
    const iso = new Date(Math.ceil(watermark.getTime() / HOUR) * HOUR + i * HOUR).toISOString();
    return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}00`;
  });
  const started = fs.readFileSync(eventsFile, 'utf8').match(/^start \S+/gm)!.map((line) => line.slice('start '.length));
  expect([...started].sort()).toEqual(expectedIds.map((id) => `${name}-${id}`).sort());

  const sample = await stack.api.requireTask('default', `${name}-${expectedIds[0]}`);
  const tickTime = `${new Date(Math.ceil(watermark.getTime() / HOUR) * HOUR).toISOString().slice(0, 19)}Z`;
  expect((sample.spec as { prompt: string }).prompt).toBe(`Tick ${expectedIds[0]} at ${tickTime} (0 * * * *)`);

  // Every run of the spawner stayed near the limit: history is bounded by continue-as-new.
  let runs = 0;
  for (let runId: string | undefined = handle.firstExecutionRunId; runId; runs += 1) {
    const history = await stack.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    expect(history.events!.length).toBeLessThan(HISTORY_LIMIT + 150);
    runId = history.events!.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  expect(runs).toBeGreaterThan(2);
}, 300_000);

it('fires a live schedule from a durable timer', async () => {
  const name = `minutely-${Date.now().toString(36)}`;
  const eventsFile = path.join(stack.shared, `${name}.events`);
  await stack.api.applySpawner(cronManifest(name, '* * * * *', eventsFile, 1) as never);
  const status = await eventually(
    async () => {
      const s = await stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name)).query(spawnerStatusQuery);
      return s.totalTasksCreated >= 1 ? s : undefined;
    },
    75_000,
    'the first tick',
  );
  expect(status.lastDiscoveryTime).toBeDefined();
  await stack.api.deleteSpawner('default', name);
}, 120_000);
