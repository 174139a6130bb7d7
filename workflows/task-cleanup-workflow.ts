import { getExternalWorkflowHandle, proxyActivities, sleep } from '@temporalio/workflow';
import type { createTaskActivities } from '../activities/task-activities';
import type { ExpireTaskInput } from '../api/task/task-activities-types';
import { taskGoneSignal } from './spawner/messages';

const { expireTask } = proxyActivities<ReturnType<typeof createTaskActivities>>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute' },
});

/**
 * `ttlSecondsAfterFinished`: waits on a durable timer, then removes the Task's files and its workflow
 * execution, so it disappears from `kelos get tasks` and a spawner may create work for the same item again.
 */
export async function taskCleanupWorkflow(input: ExpireTaskInput & { ttlSeconds: number; spawnerWorkflowId?: string }): Promise<void> {
  if (input.ttlSeconds > 0) await sleep(input.ttlSeconds * 1000);
  await expireTask({ namespace: input.namespace, name: input.name, runKey: input.runKey, workflowId: input.workflowId });
  if (input.spawnerWorkflowId) {
    // The item may spawn again now, if it still matches (Kelos re-creates work after TTL).
    await getExternalWorkflowHandle(input.spawnerWorkflowId).signal(taskGoneSignal, { name: input.name }).catch(() => undefined);
  }
}
