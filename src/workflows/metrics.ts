/**
 * What workflows tell the worker's metrics (src/host/metrics/metric-sinks.ts). Sinks, not activities: they cost no
 * history event, and the worker skips them while a workflow replays, so a restart or a cache eviction counts
 * nothing twice. (A workflow task that fails after a call and is retried calls it again; that is rare, and
 * cheaper than an activity per event.)
 */
import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { TaskUsage } from '../task/task-status';

export interface TaskMetricLabels {
  namespace: string;
  /** The agent type (claude-code, codex, …), Kelos's `type` label. */
  type: string;
  spawner?: string;
  model?: string;
}

export interface KelosMetricSinks extends Sinks {
  kelosMetrics: {
    /** The Task's agent run started (the first time only; Kelos counts a Job created). */
    taskStarted(task: TaskMetricLabels): void;
    /** The Task reached Succeeded or Failed; `durationSeconds` from its agent run's start, when it had one. */
    taskCompleted(task: TaskMetricLabels, phase: 'Succeeded' | 'Failed', durationSeconds: number | undefined, usage: TaskUsage | undefined): void;
    /** A spawner started Tasks for new items. */
    spawnerTasksCreated(spawner: { namespace: string; name: string }, count: number): void;
    /** The spawner's waiting Tasks, after each turn of its loop; `oldestSince` is an ISO time. */
    spawnerQueue(spawner: { namespace: string; name: string }, depth: number, oldestSince: string | undefined): void;
    /** The spawner was deleted: its gauges go. */
    spawnerGone(spawner: { namespace: string; name: string }): void;
  };
}

export const { kelosMetrics: metrics } = proxySinks<KelosMetricSinks>();
