/**
 * The spawner's hand on its Tasks: start a Task workflow for an accepted item (to run now, or to wait for a slot),
 * grant a waiting one its slot, refresh it with newer data, or withdraw it. Children are ABANDONed, so they outlive
 * the spawner's runs and its deletion; a Task's workflow ID is its name, so Temporal refuses a second Task of a
 * name while the first exists (Kelos: an existing Task of that name means the item was handled).
 */
import { ParentClosePolicy, getExternalWorkflowHandle, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { TaskSpawnerResource } from '../model/types';
import type { RenderedTask } from './render-task';
import { taskRunForItem } from './task-from-template';
import type { WorkItem } from '../sources/work-item';
import { taskWorkflowId, withoutSpec, type TaskInput } from '../task/task-run';
import { TASK_MEMO_KEY, taskStartOptions } from '../task/task-start';
import { refreshQueuedTaskSignal, slotGrantedSignal, withdrawQueuedTaskSignal } from '../task/messages';
import { taskWorkflow } from '../task/task-workflow';

export interface AcceptedItem {
  rendered: RenderedTask;
  item: WorkItem;
}

export interface StartHow {
  /** Absent: the Task runs at once (its slot is already taken in the book). */
  waitForSlot?: { priority: number; seq: number };
  /** A retrigger: replace the finished Task of the same name (Kelos deletes and re-creates it). */
  replace?: boolean;
}

/** The Task's run for an accepted item. Pooled credentials are picked with the workflow's deterministic random. */
export function spawnedRun(spawner: TaskSpawnerResource, accepted: AcceptedItem): TaskInput {
  const run = taskRunForItem(spawner, accepted.rendered, spawner.spec.source, (n) => Math.floor(Math.random() * n), accepted.item);
  return { ...run, itemId: accepted.item.id };
}

/** Starts the Task workflow; 'exists' when a Task of that name exists already (open or closed). */
export async function startSpawnedTask(spawner: TaskSpawnerResource, accepted: AcceptedItem, how: StartHow = {}): Promise<'started' | 'exists'> {
  const run: TaskInput = { ...spawnedRun(spawner, accepted), ...(how.waitForSlot ? { waitForSlot: how.waitForSlot } : {}) };
  const waiting = how.waitForSlot ? { phase: 'Waiting' as const, message: `Waiting for a slot: TaskSpawner "${spawner.metadata.name}" runs at most maxConcurrency Tasks at once`, waitingForSlot: how.waitForSlot } : undefined;
  const start = taskStartOptions(run, new Date().toISOString(), waiting);
  try {
    await startChild(taskWorkflow, {
      workflowId: start.workflowId,
      args: [withoutSpec(run)],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: how.replace ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      memo: start.memo,
      typedSearchAttributes: start.searchAttributes,
      staticSummary: start.staticSummary,
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'exists';
    throw err;
  }
}

/** Gives a waiting Task its slot; false when the Task is gone (cancelled, deleted, terminated). */
export async function grantSlot(namespace: string, name: string): Promise<boolean> {
  return getExternalWorkflowHandle(taskWorkflowId(namespace, name))
    .signal(slotGrantedSignal)
    .then(
      () => true,
      () => false,
    );
}

/** The item stopped matching: the waiting Task removes itself (a Task that already runs ignores this). */
export async function withdrawWaitingTask(namespace: string, name: string, reason: string): Promise<void> {
  await getExternalWorkflowHandle(taskWorkflowId(namespace, name))
    .signal(withdrawQueuedTaskSignal, { reason })
    .catch(() => undefined);
}

/** A polled item changed while its Task waited: the Task will run with the newest data. */
export async function refreshWaitingTask(spawner: TaskSpawnerResource, accepted: AcceptedItem, createdAt: string): Promise<void> {
  const run = spawnedRun(spawner, accepted);
  const record = taskStartOptions(run, createdAt).memo[TASK_MEMO_KEY] as Record<string, unknown>;
  await getExternalWorkflowHandle(taskWorkflowId(run.namespace, run.name))
    .signal(refreshQueuedTaskSignal, { run: withoutSpec(run), record })
    .catch(() => undefined);
}

/** The first implementation's queued items, started as Tasks waiting for a slot (its handover). */
export async function startQueuedAsWaitingTasks(
  spawner: TaskSpawnerResource,
  queue: { name: string; item: WorkItem; rendered: RenderedTask; priority: number; seq: number }[],
): Promise<{ name: string; priority: number; itemId?: string }[]> {
  const ordered = [...queue].sort((a, b) => a.priority - b.priority || a.seq - b.seq);
  const outcomes = await Promise.all(ordered.map((q, index) => startSpawnedTask(spawner, { rendered: q.rendered, item: q.item }, { waitForSlot: { priority: q.priority, seq: index + 1 } })));
  return ordered.filter((_, i) => outcomes[i] === 'started').map((q) => ({ name: q.name, priority: q.priority, itemId: q.item.id }));
}
