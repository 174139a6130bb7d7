import { proxyActivities, sleep } from '@temporalio/workflow';
import type { createTaskActivities } from '../activities/task-activities';
import type { ExpireTaskInput } from '../api/task/task-activities-types';

const { expireTask } = proxyActivities<ReturnType<typeof createTaskActivities>>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute' },
});

/**
 * `ttlSecondsAfterFinished`: waits on a durable timer, then removes the Task's files and its workflow
 * execution, so it disappears from `kelos get tasks` and a spawner may create work for the same item again.
 */
export async function taskCleanupWorkflow(input: ExpireTaskInput & { ttlSeconds: number }): Promise<void> {
  if (input.ttlSeconds > 0) await sleep(input.ttlSeconds * 1000);
  await expireTask({ namespace: input.namespace, name: input.name, runKey: input.runKey, workflowId: input.workflowId });
}
