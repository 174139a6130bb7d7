/**
 * TaskRecord, as Kelos keeps it: an immutable account of one finished Task that reported usage (which Task, its
 * agent type and model, phase, times, usage), labelled like the Task, so a TaskBudget applied later can still sum
 * the period's earlier spend. It outlives the Task (whose TTL may remove it at once) and expires on its own TTL,
 * 30 days after completion by default.
 */
import { taskWorkflowId } from '../task/task-run';
import type { TaskUsage } from '../task/task-status';
import type { StoredResource } from '../store/stored-resource';

export const DEFAULT_TASK_RECORD_TTL_SECONDS = 30 * 24 * 60 * 60;

/** What the Task tells about itself when it ends (beside its usage). `uid` is the Task's first run ID. */
export interface FinishedTaskFacts {
  name: string;
  uid: string;
  type: string;
  model?: string;
  phase: 'Succeeded' | 'Failed';
  startTime?: string;
}

export interface TaskRecordSpec {
  taskRef: { name: string; uid: string };
  type: string;
  model?: string;
  phase: 'Succeeded' | 'Failed';
  startTime?: string;
  completionTime: string;
  usage: TaskUsage;
  ttlSecondsAfterCompletion: number;
}

export function taskRecordResource(input: {
  namespace: string;
  task: FinishedTaskFacts;
  labels: Record<string, string>;
  completionTime: string;
  usage: TaskUsage;
  ttlSeconds: number;
  now: Date;
}): StoredResource {
  const { task } = input;
  const spec: TaskRecordSpec = {
    taskRef: { name: task.name, uid: task.uid },
    type: task.type,
    ...(task.model ? { model: task.model } : {}),
    phase: task.phase,
    ...(task.startTime ? { startTime: task.startTime } : {}),
    completionTime: input.completionTime,
    usage: input.usage,
    ttlSecondsAfterCompletion: input.ttlSeconds,
  };
  return {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskRecord',
    // Kelos names a record after its Task's UID: unique, and a retry writes the same one.
    metadata: { name: task.uid, namespace: input.namespace, labels: input.labels, creationTimestamp: input.now.toISOString() },
    spec: spec as unknown as Record<string, unknown>,
  };
}

export function recordSpec(record: StoredResource): TaskRecordSpec {
  return record.spec as unknown as TaskRecordSpec;
}

/** When the record is due for deletion. */
export function recordExpiresAtMs(record: StoredResource): number {
  const spec = recordSpec(record);
  return Date.parse(spec.completionTime) + spec.ttlSecondsAfterCompletion * 1000;
}

/** The key the Task used when it told its budgets (UsageRecord.key), so a budget counts a Task once either way. */
export function usageKeyOfRecord(record: StoredResource): string {
  const { taskRef } = recordSpec(record);
  return `${taskWorkflowId(record.metadata.namespace, taskRef.name)}/${taskRef.uid}`;
}
