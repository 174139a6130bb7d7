/**
 * The worker's end of src/workflows/metrics.ts: each sink call becomes a metric update. Not called while a workflow
 * replays (the SDK's default), so what a replay re-runs is not counted again.
 */
import type { InjectedSinks } from '@temporalio/worker';
import type { KelosMetricSinks, TaskMetricLabels } from '../../workflows/metrics';
import type { KelosMetrics } from './kelos-metrics';

export function kelosMetricSinks(m: KelosMetrics): InjectedSinks<KelosMetricSinks> {
  const usageLabels = (task: TaskMetricLabels) => ({ namespace: task.namespace, type: task.type, spawner: task.spawner ?? '', model: task.model ?? '' });
  return {
    kelosMetrics: {
      taskStarted: { fn: (_info, task) => m.taskCreated.inc({ namespace: task.namespace, type: task.type }) },
      taskCompleted: {
        fn: (_info, task, phase, durationSeconds, usage) => {
          m.taskCompleted.inc({ namespace: task.namespace, type: task.type, phase });
          if (durationSeconds !== undefined) m.taskDuration.observe({ namespace: task.namespace, type: task.type, phase }, durationSeconds);
          // As Kelos: only positive, parseable amounts count.
          const cost = Number(usage?.costUSD);
          if (cost > 0) m.taskCost.inc(usageLabels(task), cost);
          if ((usage?.inputTokens ?? 0) > 0) m.taskInputTokens.inc(usageLabels(task), usage!.inputTokens!);
          if ((usage?.outputTokens ?? 0) > 0) m.taskOutputTokens.inc(usageLabels(task), usage!.outputTokens!);
        },
      },
      spawnerTasksCreated: { fn: (_info, spawner, count) => m.spawnerTasksCreated.inc({ namespace: spawner.namespace, spawner: spawner.name }, count) },
      spawnerQueue: { fn: (_info, spawner, depth, oldestSince) => m.spawnerQueues.report(spawner.namespace, spawner.name, depth, oldestSince) },
      spawnerGone: { fn: (_info, spawner) => m.spawnerQueues.forget(spawner.namespace, spawner.name) },
    },
  };
}
