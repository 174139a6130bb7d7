/**
 * Activities a spawner uses to look at its Tasks from outside (their workflows' memos and visibility): which of
 * its Tasks still exist and in what phase, and which wait for a slot without its state naming them. They touch no
 * runtime, so any worker runs them on the main queue.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { readTaskState } from '../task/task-state';
import { TASK_MEMO_KEY, TASK_STATUS_MEMO_KEY } from '../task/task-start';

export function createTaskLookupActivities(deps: { client: Client }) {
  /** For the spawner's reconcile: each named Task's phase from its memo; a Task that no longer exists is left out. */
  async function reconcileTasks(input: { namespace: string; names: string[] }): Promise<Record<string, { phase?: string; completionTime?: string }>> {
    const found: Record<string, { phase?: string; completionTime?: string }> = {};
    for (const name of input.names) {
      const state = await readTaskState(deps.client, input.namespace, name);
      if (state) found[name] = { ...(state.phase ? { phase: state.phase } : {}), ...(state.completionTime ? { completionTime: state.completionTime } : {}) };
      Context.current().heartbeat();
    }
    return found;
  }

  /**
   * A spawner's waiting Tasks that its state does not name (its window was full), from visibility: the Tasks of
   * that spawner in phase Waiting whose status holds a queue place, best place first, at most `limit`.
   */
  async function findWaitingTasks(input: { namespace: string; spawner: string; exclude: string[]; limit: number }): Promise<WaitingTask[]> {
    const skip = new Set(input.exclude);
    const query = `KelosKind = "Task" AND KelosNamespace = ${JSON.stringify(input.namespace)} AND KelosSpawner = ${JSON.stringify(input.spawner)} AND KelosPhase = "Waiting" AND ExecutionStatus = "Running"`;
    const found: WaitingTask[] = [];
    for await (const info of deps.client.workflow.list({ query })) {
      const task = info.memo?.[TASK_MEMO_KEY] as { metadata?: { name?: string } } | undefined;
      const status = info.memo?.[TASK_STATUS_MEMO_KEY] as { waitingForSlot?: { priority: number; seq: number } } | undefined;
      const name = task?.metadata?.name;
      if (!name || !status?.waitingForSlot || skip.has(name)) continue;
      found.push({ name, priority: status.waitingForSlot.priority, seq: status.waitingForSlot.seq, since: info.startTime.toISOString() });
      Context.current().heartbeat();
    }
    return found.sort((a, b) => a.priority - b.priority || a.seq - b.seq).slice(0, input.limit);
  }

  return { reconcileTasks, findWaitingTasks };
}

export interface WaitingTask {
  name: string;
  priority: number;
  seq: number;
  since: string;
}

