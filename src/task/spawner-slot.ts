/**
 * A spawned Task that waits for its spawner's slot (maxConcurrency): the item was accepted, so the Task exists and
 * holds its own input, in phase Waiting; the spawner keeps only its name and grants the slot by signal. While it
 * waits, a changed item refreshes it and an item that stopped matching withdraws it. Handlers are registered when
 * the Task starts, so no signal is missed.
 */
import { condition, setHandler, upsertMemo } from '@temporalio/workflow';
import type { TaskInput } from './task-run';
import { TASK_MEMO_KEY } from './task-start';
import { refreshQueuedTaskSignal, slotGrantedSignal, withdrawQueuedTaskSignal } from './messages';

export interface SpawnerSlot {
  /** Resolves with the run to use (refreshed, perhaps) once the slot is granted, or with why the Task was withdrawn. */
  wait(): Promise<{ granted: TaskInput } | { withdrawn: string }>;
}

export function spawnerSlot(run: TaskInput): SpawnerSlot | undefined {
  if (!run.waitForSlot) return undefined;
  let current = run;
  let granted = false;
  let withdrawn: string | undefined;
  setHandler(slotGrantedSignal, () => {
    granted = true;
  });
  setHandler(withdrawQueuedTaskSignal, ({ reason }) => {
    if (!granted) withdrawn = reason;
  });
  setHandler(refreshQueuedTaskSignal, ({ run: next, record }) => {
    if (granted || withdrawn !== undefined) return;
    current = { ...next, waitForSlot: current.waitForSlot };
    upsertMemo({ [TASK_MEMO_KEY]: record });
  });
  return {
    async wait() {
      await condition(() => granted || withdrawn !== undefined);
      if (withdrawn !== undefined) return { withdrawn };
      const { waitForSlot: _wait, ...runnable } = current;
      return { granted: runnable };
    },
  };
}
