/** Watching a Task (`kelos run -w`); submitting one is src/clients/apply-resource.ts. */
import { isTerminal } from '../../task/task-status';
import { KelosApi } from '../kelos-api';

export { submitTask } from '../apply-resource';

/** Prints `task/<name> <Phase>` on every change; resolves with the exit code (0 on Succeeded). */
export async function watchTask(api: KelosApi, namespace: string, name: string, pollMs = 1_000): Promise<number> {
  let last: string | undefined;
  for (;;) {
    const task = await api.requireTask(namespace, name);
    const phase = task.status.phase ?? 'Pending';
    if (phase !== last) {
      console.log(`task/${name} ${phase}`);
      last = phase;
    }
    if (isTerminal(task.status.phase)) {
      if (phase === 'Succeeded') return 0;
      console.error(`task/${name} failed: ${task.status.message ?? 'unknown reason'} (see \`kelos logs ${name}\`)`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
