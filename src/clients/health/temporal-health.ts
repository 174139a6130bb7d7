/**
 * Health of the parts a person or a script asks about (`kelos status`, the bridge's `/readyz`): whether Temporal
 * answers, and which kelos workers poll the task queues. A worker shows as a poller of its queue: the server
 * remembers each poller's last poll for a few minutes, and an idle worker polls again at least every ~70 s, so
 * one not seen for POLLER_STALE_MS has stopped (or is busy with every slot full, which the line says).
 */
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { runtimeTaskQueue } from '../../task/runtime-queues';

export const POLLER_STALE_MS = 2 * 60_000;

export interface TemporalHealth {
  address: string;
  namespace: string;
  reachable: boolean;
  serverVersion?: string;
  error?: string;
}

export interface QueuePollers {
  taskQueue: string;
  kind: 'workflow' | 'activity';
  /** Distinct worker identities seen polling within POLLER_STALE_MS. */
  workers: string[];
  /** Seconds since the most recent poll, when any. */
  lastPollSecondsAgo?: number;
}

export interface WorkerHealth {
  /** Workers that run workflows on the main queue: without one, nothing moves. */
  workflowWorkers: number;
  queues: QueuePollers[];
}

export async function temporalHealth(connection: Connection, address: string, namespace: string): Promise<TemporalHealth> {
  try {
    const info = await connection.workflowService.getSystemInfo({});
    await connection.workflowService.describeNamespace({ namespace });
    return { address, namespace, reachable: true, ...(info.serverVersion ? { serverVersion: info.serverVersion } : {}) };
  } catch (err) {
    return { address, namespace, reachable: false, error: (err as Error).message.split('\n')[0] };
  }
}

/** Pollers of the main queue (workflows and activities) and of the per-runtime queues (`<queue>@local`, `@kubernetes`). */
export async function workerHealth(connection: Connection, namespace: string, taskQueue: string, now = Date.now()): Promise<WorkerHealth> {
  const { TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;
  const asked: [string, 'workflow' | 'activity'][] = [
    [taskQueue, 'workflow'],
    [taskQueue, 'activity'],
    [runtimeTaskQueue(taskQueue, 'local'), 'activity'],
    [runtimeTaskQueue(taskQueue, 'kubernetes'), 'activity'],
  ];
  const queues = await Promise.all(
    asked.map(async ([name, kind]): Promise<QueuePollers> => {
      const response = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: kind === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      let newest: number | undefined;
      const workers = new Set<string>();
      for (const poller of response.pollers ?? []) {
        const at = poller.lastAccessTime ? Number(poller.lastAccessTime.seconds ?? 0) * 1000 + Math.floor((poller.lastAccessTime.nanos ?? 0) / 1e6) : 0;
        if (now - at > POLLER_STALE_MS) continue;
        workers.add(poller.identity ?? '?');
        newest = Math.max(newest ?? 0, at);
      }
      return { taskQueue: name, kind, workers: [...workers].sort(), ...(newest !== undefined ? { lastPollSecondsAgo: Math.max(0, Math.round((now - newest) / 1000)) } : {}) };
    }),
  );
  return { workflowWorkers: queues[0].workers.length, queues };
}
