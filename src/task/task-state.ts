/**
 * A Task's state as its workflow's memo records it, for activities that wait on or reconcile other Tasks. A workflow
 * that closed without a terminal phase (terminated, timed out) counts as Failed.
 */
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { taskWorkflowId } from './task-run';
import { TASK_MEMO_KEY, TASK_STATUS_MEMO_KEY } from './task-start';
import type { TaskStatus } from './task-status';

export interface TaskState {
  phase?: string;
  completionTime?: string;
  open: boolean;
  outputs: string[];
  results: Record<string, string>;
  dependsOn: string[];
}

/** Undefined when no Task of that name exists. */
export async function readTaskState(client: Client, namespace: string, name: string): Promise<TaskState | undefined> {
  let description;
  try {
    description = await client.workflow.getHandle(taskWorkflowId(namespace, name)).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  const status = (description.memo?.[TASK_STATUS_MEMO_KEY] ?? {}) as Partial<TaskStatus>;
  const spec = ((description.memo?.[TASK_MEMO_KEY] as { spec?: { dependsOn?: string[] } } | undefined)?.spec ?? {}) as { dependsOn?: string[] };
  const open = description.status.name === 'RUNNING';
  const phase = !open && status.phase !== 'Succeeded' && status.phase !== 'Failed' ? 'Failed' : status.phase;
  const completionTime = status.completionTime ?? (!open && description.closeTime ? description.closeTime.toISOString() : undefined);
  return { ...(phase ? { phase } : {}), ...(completionTime ? { completionTime } : {}), open, outputs: status.outputs ?? [], results: status.results ?? {}, dependsOn: spec.dependsOn ?? [] };
}
