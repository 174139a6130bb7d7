/**
 * The events Kelos's task controller records on a Task as it goes (same reasons and types): TaskCreated when its run
 * is started, TaskRunning, then TaskSucceeded or TaskFailed (DependencyFailed for a Task failed by its
 * `dependsOn`), OutputsCaptured when the agent reported any, TaskExpired when its TTL removes it. Here they follow
 * the phase the controller copies from Temporal: one set per change of phase.
 */

export interface TaskEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

interface ObservedStatus {
  phase?: string;
  message?: string;
  podName?: string;
  outputs?: unknown[];
  results?: Record<string, unknown>;
}

/** The workflow's messages for a Task failed by its dependencies (src/task/task-workflow.ts, waitForDependencies). */
const DEPENDENCY_FAILURE = /^(Dependency ".*" failed|Circular dependency detected)/;

export function taskCreatedEvent(workflowId: string, spawner?: string): TaskEvent {
  return { type: 'Normal', reason: 'TaskCreated', message: spawner ? `TaskSpawner ${spawner} started workflow ${workflowId} for this task` : `Started workflow ${workflowId} for this task` };
}

export function taskExpiredEvent(): TaskEvent {
  return { type: 'Normal', reason: 'TaskExpired', message: 'The task finished more than ttlSecondsAfterFinished ago: deleting it' };
}

/** The events for a move from phase `previous` to `next.phase` (none when the phase did not change). */
export function taskPhaseEvents(previous: string | undefined, next: ObservedStatus): TaskEvent[] {
  if (!next.phase || next.phase === previous) return [];
  const running: TaskEvent = { type: 'Normal', reason: 'TaskRunning', message: next.podName ? `The agent is running in Pod ${next.podName}` : 'The agent is running' };
  switch (next.phase) {
    case 'Running':
      return [running];
    case 'Succeeded':
    case 'Failed': {
      const events: TaskEvent[] = [];
      // A run shorter than one status sync: its Running was never seen, but its Pod was made.
      if (previous !== 'Running' && next.podName) events.push(running);
      if (next.phase === 'Succeeded') events.push({ type: 'Normal', reason: 'TaskSucceeded', message: next.message || 'The task succeeded' });
      else if (!next.podName && DEPENDENCY_FAILURE.test(next.message ?? '')) events.push({ type: 'Warning', reason: 'DependencyFailed', message: next.message! });
      else events.push({ type: 'Warning', reason: 'TaskFailed', message: next.message || 'The task failed' });
      const outputs = next.outputs?.length ?? 0;
      const results = Object.keys(next.results ?? {}).length;
      if (outputs || results) events.push({ type: 'Normal', reason: 'OutputsCaptured', message: `The agent reported ${outputs} outputs and ${results} results` });
      return events;
    }
    default:
      return [];
  }
}
