/** Submitting a validated Task resource, and watching a Task: shared by `kelos run` and `kelos apply`. */
import type { TaskResource } from '../../api/resources/model';
import { isTerminal } from '../../api/task/task-status';
import { taskRunFromResource } from '../../api/task/task-run-from-resource';
import { toKelosObject } from '../../api/resources';
import { KelosApi } from '../kelos-api';

export async function submitTask(api: KelosApi, task: TaskResource, sourceKind: string): Promise<void> {
  const object = toKelosObject(task) as { apiVersion: string; spec: Record<string, unknown> };
  await api.startTask(taskRunFromResource(task, { spec: object.spec, apiVersion: object.apiVersion, sourceKind }));
}

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
