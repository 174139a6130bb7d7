/**
 * How a Task workflow is started, shared by `kelos run/apply` (client start) and the spawner (child start):
 * the same ID, memo, search attributes and summary whichever way a Task is created.
 */
import { SearchAttributePair } from '@temporalio/common';
import { KelosAgentType, KelosKind, KelosNamespace, KelosPhase, KelosSourceKind, KelosSpawner } from '../store/search-attributes';
import { TaskInput, taskWorkflowId } from './task-run';
import type { TaskStatus } from './task-status';

/** Memo keys read by `kelos get` with describe()/list(), so a Task stays readable after its workflow closed. */
export const TASK_MEMO_KEY = 'task';
export const TASK_STATUS_MEMO_KEY = 'status';

export interface TaskStartOptions {
  workflowId: string;
  memo: Record<string, unknown>;
  searchAttributes: SearchAttributePair[];
  staticSummary: string;
}

/**
 * `createdAt` is passed in: workflows use their deterministic clock, clients the wall clock. `status` is what
 * readers see until the Task's workflow writes its own (a spawned Task that waits for a slot starts as Waiting).
 */
export function taskStartOptions(run: TaskInput, createdAt: string, status: Pick<TaskStatus, 'phase' | 'message' | 'waitingForSlot'> = { phase: 'Pending' }): TaskStartOptions {
  const metadata = { name: run.name, namespace: run.namespace, creationTimestamp: createdAt, labels: run.labels, ...(run.annotations ? { annotations: run.annotations } : {}) };
  return {
    workflowId: taskWorkflowId(run.namespace, run.name),
    memo: {
      [TASK_MEMO_KEY]: { apiVersion: run.apiVersion, metadata, spec: run.spec },
      [TASK_STATUS_MEMO_KEY]: status,
    },
    searchAttributes: [
      { key: KelosKind, value: 'Task' },
      { key: KelosNamespace, value: run.namespace },
      { key: KelosPhase, value: status.phase },
      // A pooled run a spawner started learns its type from its pool when it starts.
      ...(run.agentType ? [{ key: KelosAgentType, value: run.agentType }] : []),
      { key: KelosSourceKind, value: run.sourceKind },
      ...(run.spawner ? [{ key: KelosSpawner, value: run.spawner }] : []),
    ] as SearchAttributePair[],
    staticSummary: `${run.agentType ?? `WorkerPool ${run.workerPool}`} Task ${run.namespace}/${run.name}: ${firstLine(run.prompt, 120)}`,
  };
}

function firstLine(text: string, max: number): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
