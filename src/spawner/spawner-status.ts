/** TaskSpawner status, shaped like Kelos's (kelos-behaviour §1.5) plus the length of the durable queue. */
export const SPAWNER_PHASES = ['Pending', 'Running', 'Suspended', 'Failed'] as const;
export type SpawnerPhase = (typeof SPAWNER_PHASES)[number];

export interface SpawnerCondition {
  type: 'Suspended' | 'DiscoveryError' | 'MaxTotalTasksReached';
  status: 'True' | 'False';
  reason: string;
  message?: string;
  lastTransitionTime: string;
}

export interface SpawnerStatus {
  phase: SpawnerPhase;
  /** Items seen in the last discovery (poll cycle, cron ticks, or webhook batch). */
  totalDiscovered: number;
  totalTasksCreated: number;
  activeTasks: number;
  /** Items waiting for a free slot (Kelos drops these; we keep them). */
  queueLength: number;
  lastDiscoveryTime?: string;
  /**
   * Polling sources: what the last successful poll cost (a 304 costs no rate-limit points), and the queue of the
   * worker that holds the source's polling state (where the next poll goes).
   */
  lastPoll?: { time: string; requests: number; notModified: number; points: number; full: boolean; queue?: string };
  message?: string;
  conditions: SpawnerCondition[];
}

export const SPAWNER_STATUS_MEMO_KEY = 'status';
export const SPAWNER_MANIFEST_MEMO_KEY = 'taskspawner';

export function spawnerWorkflowId(namespace: string, name: string): string {
  return `spawner/${namespace}/${name}`;
}
