/** Signals a spawner sends to a Task of its own that waits for a slot (see spawner-slot.ts). */
import { defineSignal } from '@temporalio/workflow';
import type { TaskInput } from './task-run';

/** The spawner gives the waiting Task a slot: it runs now. */
export const slotGrantedSignal = defineSignal('slotGranted');
/** The item stopped matching while its Task waited (Kelos would never have created it): the Task removes itself. */
export const withdrawQueuedTaskSignal = defineSignal<[{ reason: string }]>('withdrawQueuedTask');

/** A polled item changed while its Task waited: the Task runs with the newest data (and shows it). */
export interface QueuedTaskRefresh {
  run: TaskInput;
  /** The Task's record for `kelos get` (the memo's `task`), rendered from the same data. */
  record: Record<string, unknown>;
}
export const refreshQueuedTaskSignal = defineSignal<[QueuedTaskRefresh]>('refreshQueuedTask');
