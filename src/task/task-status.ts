/**
 * Task status, shaped like Kelos's `Task.status` so `kelos get task -o json | jq .status.results.pr` works.
 * Waiting: for `dependsOn` Tasks or a branch another Task holds (Kelos's phase names).
 */
export const TASK_PHASES = ['Pending', 'Waiting', 'Running', 'Succeeded', 'Failed'] as const;
export type TaskPhase = (typeof TASK_PHASES)[number];

export interface TaskUsage {
  costUSD?: string;
  inputTokens?: number;
  outputTokens?: number;
}

/** Kelos-style condition; `GitHubReported` says whether reporting back to GitHub works. */
export interface TaskCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message?: string;
  lastTransitionTime: string;
}

export interface TaskStatus {
  phase: TaskPhase;
  startTime?: string;
  completionTime?: string;
  message?: string;
  outputs?: string[];
  results?: Record<string, string>;
  usage?: TaskUsage;
  conditions?: TaskCondition[];
  /** Kubernetes runtime: the Pod that runs the agent (Kelos's `status.podName`). */
  podName?: string;
  /** While the Task waits for its spawner's slot: its place in the queue (priority label index, arrival order). */
  waitingForSlot?: { priority: number; seq: number };
}

export function isTerminal(phase: TaskPhase | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}
