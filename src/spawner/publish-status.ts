/**
 * The spawner's status (Kelos's TaskSpawner status, plus the queue) built in one place from its state, and
 * published in the memo only when it changed (every upsert stays in history), so `kelos get` reads it without a worker.
 */
import { upsertMemo } from '@temporalio/workflow';
import type { TaskSpawnerResource } from '../model/types';
import { SPAWNER_MANIFEST_MEMO_KEY, SPAWNER_STATUS_MEMO_KEY, type SpawnerCondition, type SpawnerStatus } from './spawner-status';
import { count, totalReached, waitingCount } from './task-book';
import type { SpawnerState } from './spawner-state';

export function spawnerStatus(spawner: TaskSpawnerResource, state: SpawnerState): SpawnerStatus {
  const suspended = spawner.spec.suspend;
  const limitReached = totalReached(state.book, { maxTotalTasks: spawner.spec.maxTotalTasks });
  const time = state.lastDiscoveryTime ?? '';
  const errors = [...(state.sourceError ? [state.sourceError] : []), ...state.discoveryErrors];
  const queued = waitingCount(state.book);
  const conditions: SpawnerCondition[] = [
    { type: 'Suspended', status: suspended ? 'True' : 'False', reason: suspended ? 'UserSuspended' : 'Running', lastTransitionTime: time },
    {
      type: 'DiscoveryError',
      status: errors.length ? 'True' : 'False',
      reason: state.sourceError ? 'SourceError' : errors.length ? 'TaskCreationFailed' : 'NoErrors',
      ...(errors.length ? { message: errors.join('; ') } : {}),
      lastTransitionTime: time,
    },
    { type: 'MaxTotalTasksReached', status: limitReached ? 'True' : 'False', reason: limitReached ? 'LimitReached' : 'LimitAvailable', lastTransitionTime: time },
  ];
  let message = `Discovered ${state.totalDiscovered} items, created ${state.book.granted} tasks total`;
  if (queued) message += `; ${queued} queued`;
  if (errors.length) message += `; ${errors.length} error(s): ${errors.join('; ')}`;
  return {
    phase: suspended ? 'Suspended' : 'Running',
    totalDiscovered: state.totalDiscovered,
    totalTasksCreated: state.book.granted,
    activeTasks: count(state.book, 'running'),
    queueLength: queued,
    ...(state.lastDiscoveryTime ? { lastDiscoveryTime: state.lastDiscoveryTime } : {}),
    ...(state.lastPoll ? { lastPoll: state.lastPoll } : {}),
    message,
    conditions,
  };
}

/** Upserts the status and the manifest into the memo when they changed since the last call. */
export function memoPublisher(): (status: SpawnerStatus, manifest: Record<string, unknown>) => void {
  let last: Record<string, string> = {};
  return (status, manifest) => {
    const current: Record<string, string> = { [SPAWNER_STATUS_MEMO_KEY]: JSON.stringify(status), [SPAWNER_MANIFEST_MEMO_KEY]: JSON.stringify(manifest) };
    const changed: Record<string, unknown> = {};
    for (const key of Object.keys(current)) if (current[key] !== last[key]) changed[key] = JSON.parse(current[key]);
    if (!Object.keys(changed).length) return;
    last = current;
    upsertMemo(changed);
  };
}
