/**
 * A week of hourly cron ticks on the time-skipping test server: every tick produces exactly one Task with the
 * Kelos name and template values, in order, and the spawner's history stays bounded by continue-as-new.
 */
import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../../api/search-attributes';
import { spawnerWorkflowId } from '../../api/spawn/spawner-status';
import { packageRoot } from '../../host/package-root';
import { spawnerStatusQuery } from '../../workflows/spawner/messages';
import { bundleWorkflows, uniqueTaskQueue } from '../harness/temporal';

const TEST_SERVER = path.join(packageRoot(), '.tools', 'temporal-venv', 'bin', 'temporal-test-server');
const HISTORY_LIMIT = 300;

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: TEST_SERVER } } });
  // The time-skipping server knows no custom search attributes until they are added through its operator API.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace,
    searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
});
afterAll(async () => env?.teardown());

it('turns a week of hourly ticks into 168 Tasks, once each, with bounded history', async () => {
  const taskQueue = uniqueTaskQueue('cron-week');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflows(require.resolve('./workflows/cron-week')),
    activities: { reconcileTasks: async () => ({}), deleteTask: async () => undefined },
  });
  const workflowId = spawnerWorkflowId('default', 'hourly');
  const manifest = {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'TaskSpawner',
    metadata: { name: 'hourly' },
    spec: {
      when: { cron: { schedule: '0 * * * *' } },
      maxConcurrency: 1,
      taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, promptTemplate: 'Tick {{.ID}} at {{.Time}} ({{.Schedule}})' },
    },
  };

  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('spawnerWorkflow', {
      taskQueue,
      workflowId,
      args: [{ manifest, options: { continueAsNewAfterEvents: HISTORY_LIMIT, reconcileIntervalMs: 30 * 24 * 3600 * 1000 } }],
    });
    const startedAt = Date.parse((await handle.describe()).startTime.toISOString());
    await env.sleep('7 days');
    const status = await env.client.workflow.getHandle(workflowId).query(spawnerStatusQuery);
    expect(status.totalTasksCreated).toBe(168);
    expect(status.queueLength).toBe(0);

    // Every run's history stays under the limit (plus one loop iteration), and the children are exactly the ticks.
    const children: string[] = [];
    let runs = 0;
    // Follow the continue-as-new chain from the first run.
    for (let runId: string | undefined = handle.firstExecutionRunId; runId; ) {
      runs += 1;
      const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      expect(history.events!.length).toBeLessThan(HISTORY_LIMIT + 60);
      runId = undefined;
      for (const event of history.events!) {
        const started = event.startChildWorkflowExecutionInitiatedEventAttributes;
        if (started?.workflowId) children.push(started.workflowId);
        runId = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? runId;
      }
    }
    expect(runs).toBeGreaterThan(3);
    const firstTick = Math.ceil((startedAt + 1) / 3_600_000) * 3_600_000;
    const expected = Array.from({ length: 168 }, (_, i) => {
      const iso = new Date(firstTick + i * 3_600_000).toISOString();
      return `task/default/hourly-${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}00`;
    });
    expect(children.sort()).toEqual(expected.sort());
  });
}, 600_000);
