/**
 * Where a Task's agent runs. A worker has one runtime (`kelos worker --runtime`); a Task may ask for one with the
 * annotation `kelos.dev/runtime` (on the Task, or on a TaskSpawner's `taskTemplate.metadata.annotations`), and
 * then its runtime activities go to that runtime's own task queue, which only workers of that runtime poll. Without
 * the annotation a Task runs on whichever worker takes it from the main queue.
 */
export const TASK_RUNTIMES = ['local', 'kubernetes'] as const;
export type RuntimeName = (typeof TASK_RUNTIMES)[number];

export const RUNTIME_ANNOTATION = 'kelos.dev/runtime';

/** The task queue of one runtime's activities next to the main queue `queue`. */
export function runtimeTaskQueue(queue: string, runtime: RuntimeName): string {
  return `${queue}@${runtime}`;
}

/**
 * The own queue of one worker (by its data directory's id, src/host/worker-identity.ts) for the local runtime's agent
 * runs: a Task's agent runs on the worker that prepared its checkout, since both live on that host's disk.
 */
export function workerHostQueue(queue: string, workerId: string): string {
  return `${queue}@host-${workerId}`;
}

/**
 * A WorkerPool's own queue next to the main queue `queue`: only the pool's members poll it, each with one slot, so
 * a pooled Task waits there (in Temporal) until a member is idle.
 */
export function workerPoolQueue(queue: string, namespace: string, pool: string): string {
  return `${queue}@pool-${namespace}-${pool}`;
}

/** The runtime the annotations ask for; an error message for a value that is not a runtime. */
export function requestedRuntime(annotations: Record<string, string> | undefined): RuntimeName | undefined | { error: string } {
  const value = annotations?.[RUNTIME_ANNOTATION];
  if (value === undefined || value === '') return undefined;
  if ((TASK_RUNTIMES as readonly string[]).includes(value)) return value as RuntimeName;
  return { error: `metadata.annotations["${RUNTIME_ANNOTATION}"]: must be one of ${TASK_RUNTIMES.join(', ')} (got "${value}")` };
}
