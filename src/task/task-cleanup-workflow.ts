import { getExternalWorkflowHandle, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { TaskRuntime } from './task-runtime';
import type { ExpireTaskInput } from './task-runtime';
import { runtimeTaskQueue, type RuntimeName } from './runtime-queues';
import { taskGoneSignal } from '../spawner/messages';

/**
 * `ttlSecondsAfterFinished`: waits on a durable timer, then removes the Task's files and its workflow
 * execution, so it disappears from `kelos get tasks` and a spawner may create work for the same item again.
 */
export async function taskCleanupWorkflow(input: ExpireTaskInput & { ttlSeconds: number; spawnerWorkflowId?: string; itemId?: string; runtime?: RuntimeName }): Promise<void> {
  // The runtime that ran the Task removes what it left (a Pod, a local directory).
  const { expireTask } = proxyActivities<TaskRuntime>({
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '2s', maximumInterval: '1 minute' },
    ...(input.runtime ? { taskQueue: runtimeTaskQueue(workflowInfo().taskQueue, input.runtime) } : {}),
  });
  if (input.ttlSeconds > 0) await sleep(input.ttlSeconds * 1000);
  await expireTask({ namespace: input.namespace, name: input.name, runKey: input.runKey, workflowId: input.workflowId });
  if (input.spawnerWorkflowId) {
    // The item may spawn again now, if it still matches (Kelos re-creates work after TTL).
    await getExternalWorkflowHandle(input.spawnerWorkflowId).signal(taskGoneSignal, { name: input.name, ...(input.itemId !== undefined ? { itemId: input.itemId } : {}) }).catch(() => undefined);
  }
}
