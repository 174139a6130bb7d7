/**
 * The production bed's Temporal server dies (SIGKILL) while a workflow waits, and is started again on the same
 * PostgreSQL database: the workflow, its completed activity and its run are still there, the worker process and the
 * client reconnect through TLS by themselves, and the workflow completes.
 */
import { Client } from '@temporalio/client';
import { installTestRuntime, uniqueTaskQueue } from '../harness/temporal';
import { isAlive, prodTemporal } from '../harness/prod/prod-temporal';
import { startTestWorker, type TestWorkerProcess } from '../harness/prod/worker-process';
import { completedActivities } from '../harness/prod/history';

const bed = prodTemporal();
let worker: TestWorkerProcess | undefined;

beforeAll(() => installTestRuntime());
afterAll(async () => {
  await worker?.stop();
  // Whatever happened here, the next test file finds a server.
  if (!isAlive(bed.serverPid)) await bed.startServer();
});

test('a workflow started before the server was killed completes after its restart', async () => {
  const taskQueue = uniqueTaskQueue('prod-restart');
  const connection = await bed.connect();
  try {
    const client = new Client({ connection, namespace: bed.namespace });
    worker = await startTestWorker(bed, { name: 'survivor', taskQueue });
    const handle = await client.workflow.start('whoRanIt', { taskQueue, workflowId: `${taskQueue}-wf`, args: [] });
    const { runId } = await handle.describe();
    await completedActivities(handle, 1);

    const oldPid = bed.serverPid;
    await bed.stopServer('SIGKILL');
    await expect(connection.withDeadline(Date.now() + 3_000, () => handle.describe())).rejects.toThrow();
    await bed.startServer();
    expect(bed.serverPid).not.toBe(oldPid);

    // The same client connection, the same run, the same worker process.
    expect((await handle.describe()).runId).toBe(runId);
    await handle.signal('proceed');
    expect(await handle.result()).toEqual(['survivor', 'survivor']);
    expect(worker.child.exitCode).toBeNull();
  } finally {
    await connection.close();
  }
});
