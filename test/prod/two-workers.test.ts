/**
 * A workflow runs end to end on the production bed through TLS on two worker processes, each with its own
 * connection and configured only by Temporal's standard environment variables: the first worker runs its first
 * activity and shuts down; the second replays the history the server holds in PostgreSQL and finishes it.
 */
import { Client } from '@temporalio/client';
import { installTestRuntime, uniqueTaskQueue } from '../harness/temporal';
import { prodTemporal } from '../harness/prod/prod-temporal';
import { startTestWorker, type TestWorkerProcess } from '../harness/prod/worker-process';
import { completedActivities } from '../harness/prod/history';

const bed = prodTemporal();
const workers: TestWorkerProcess[] = [];

beforeAll(() => installTestRuntime());
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
});

test('a workflow started on one worker process finishes on another', async () => {
  const taskQueue = uniqueTaskQueue('prod-handover');
  const connection = await bed.connect();
  try {
    const client = new Client({ connection, namespace: bed.namespace });
    const first = await startTestWorker(bed, { name: 'worker-a', taskQueue });
    workers.push(first);
    const handle = await client.workflow.start('whoRanIt', { taskQueue, workflowId: `${taskQueue}-wf`, args: [] });
    await completedActivities(handle, 1);
    expect(await first.stop()).toBe(0);

    const second = await startTestWorker(bed, { name: 'worker-b', taskQueue });
    workers.push(second);
    await handle.signal('proceed');
    expect(await handle.result()).toEqual(['worker-a', 'worker-b']);

    // Each process ran workflow tasks of it: the second one from the history, without the first one's cache.
    const history = await handle.fetchHistory();
    const identities = (history.events ?? []).flatMap((event) => event.workflowTaskCompletedEventAttributes?.identity ?? []);
    expect(new Set(identities)).toEqual(new Set(['worker-a', 'worker-b']));
  } finally {
    await connection.close();
  }
});
