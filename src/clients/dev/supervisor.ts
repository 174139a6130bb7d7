/**
 * Keeps one child process of `kelos dev` alive: when it exits unexpectedly it is started again after a backoff
 * (1 s, 2 s, 4 s … at most 30 s), with a line on the console each time; after `maxRestarts` failures within
 * `windowMs` (a start that fails counts too) it gives up, and `gaveUp` resolves with the reason so `kelos dev`
 * can stop everything and exit non-zero instead of running on without its server.
 */
export interface SupervisedProcess {
  /** Resolves with a description ("exited with code 1", "killed by SIGKILL") when the process ends. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  /** What the console lines call it, e.g. "Temporal server". */
  name: string;
  /** Starts the process and resolves once it is ready; rejects when it cannot start. */
  start: () => Promise<SupervisedProcess>;
  log: (line: string) => void;
  maxRestarts?: number;
  windowMs?: number;
  /** Backoff before restart attempt n (1-based). */
  backoffMs?: (attempt: number) => number;
  /** Called after each successful restart (e.g. to record the new process). */
  onRestarted?: (process: SupervisedProcess, restarts: number) => void;
}

export interface Supervisor {
  /** Resolves with the reason when the supervisor gave up; never resolves while things are fine. */
  gaveUp: Promise<string>;
  restarts(): number;
  /** Stops the current process and restarting; safe to call more than once. */
  stop(): Promise<void>;
}

export const DEFAULT_MAX_RESTARTS = 5;
export const DEFAULT_RESTART_WINDOW_MS = 10 * 60_000;
const defaultBackoff = (attempt: number): number => Math.min(30_000, 1_000 * 2 ** (attempt - 1));

export function supervise(first: SupervisedProcess, options: SupervisorOptions): Supervisor {
  const maxRestarts = options.maxRestarts ?? DEFAULT_MAX_RESTARTS;
  const windowMs = options.windowMs ?? DEFAULT_RESTART_WINDOW_MS;
  const backoff = options.backoffMs ?? defaultBackoff;
  let current: SupervisedProcess | undefined = first;
  let stopping = false;
  let restarts = 0;
  const failures: number[] = [];
  let giveUp!: (reason: string) => void;
  const gaveUp = new Promise<string>((resolve) => (giveUp = resolve));
  let wakeFromBackoff: (() => void) | undefined;

  const loop = async (): Promise<void> => {
    let why = await first.exited;
    for (;;) {
      current = undefined;
      if (stopping) return;
      const now = Date.now();
      failures.push(now);
      while (failures.length && failures[0] < now - windowMs) failures.shift();
      if (failures.length > maxRestarts) {
        giveUp(`the ${options.name} failed ${failures.length} times within ${Math.round(windowMs / 60_000)} min (last: ${why})`);
        return;
      }
      const delay = backoff(failures.length);
      options.log(`${options.name} ${why}; restarting in ${Math.round(delay / 100) / 10}s (failure ${failures.length} of at most ${maxRestarts} within ${Math.round(windowMs / 60_000)} min)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wakeFromBackoff = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeFromBackoff = undefined;
      if (stopping) return;
      try {
        current = await options.start();
      } catch (err) {
        why = `could not start: ${(err as Error).message}`;
        continue;
      }
      if (stopping) {
        await current.stop();
        return;
      }
      restarts += 1;
      options.log(`${options.name} is back (restart ${restarts})`);
      options.onRestarted?.(current, restarts);
      why = await current.exited;
    }
  };
  const looping = loop();

  return {
    gaveUp,
    restarts: () => restarts,
    stop: async () => {
      stopping = true;
      wakeFromBackoff?.();
      await current?.stop();
      await looping;
    },
  };
}
