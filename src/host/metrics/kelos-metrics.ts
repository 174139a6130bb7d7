/**
 * The worker's Prometheus metrics: Kelos's own (same names, types, labels and buckets as the Kelos controller,
 * spawner and GitHub transport, so existing dashboards and alerts keep working) and what a team running many
 * spawners on shared workers also needs (queues, waiting Tasks, GitHub rate-limit headroom).
 *
 * One registry per process: a worker's workflows report through sinks (metric-sinks.ts) and its activities
 * directly, and several Temporal workers in one process add up, as one Kelos controller would.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Kelos's Task duration buckets (seconds): agent runs take minutes to an hour. */
const TASK_DURATION_BUCKETS = [30, 60, 120, 300, 600, 1200, 1800, 3600];
/** Kelos's discovery-cycle buckets (seconds). */
const DISCOVERY_DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60];
/** Prometheus client defaults, as Kelos's GitHub transport uses. */
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Kelos runs one spawner per Deployment and tells them apart by scrape target; here one worker serves many, so the
 * spawner metrics carry `namespace` and `spawner` (sums over them are Kelos's numbers).
 */
const SPAWNER_LABELS = ['namespace', 'spawner'] as const;
const USAGE_LABELS = ['namespace', 'type', 'spawner', 'model'] as const;

const UNFINISHED_PHASES = ['Pending', 'Waiting', 'Running'];
const TASK_COUNT_TTL_MS = 15_000;

/** Spawners whose queue gauges are kept; past it the least recently reported one is dropped (it reappears at its next turn). */
export const MAX_SPAWNER_QUEUES = 10_000;

export function createKelosMetrics(options: { defaultMetrics?: boolean; now?: () => number } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const now = options.now ?? Date.now;
  const queues = new SpawnerQueues(MAX_SPAWNER_QUEUES);
  // Both worked out at scrape time from what the spawners last reported, so the age grows while a spawner sleeps.
  const spawnerQueueDepth = new Gauge({
    name: 'kelos_spawner_queue_depth',
    help: 'Tasks waiting for a slot of their spawner (maxConcurrency, maxTotalTasks)',
    labelNames: SPAWNER_LABELS,
    registers,
    collect() {
      this.reset();
      for (const q of queues.all()) this.set({ namespace: q.namespace, spawner: q.spawner }, q.depth);
    },
  });
  const spawnerOldestQueuedSeconds = new Gauge({
    name: 'kelos_spawner_oldest_queued_seconds',
    help: 'Seconds the longest-waiting Task of a spawner has waited for a slot (0 when none waits)',
    labelNames: SPAWNER_LABELS,
    registers,
    collect() {
      this.reset();
      for (const q of queues.all()) this.set({ namespace: q.namespace, spawner: q.spawner }, q.oldestSinceMs === undefined ? 0 : Math.max(0, (now() - q.oldestSinceMs) / 1000));
    },
  });
  let countTasks: ((phase: string) => Promise<number>) | undefined;
  let counted: { atMs: number; byPhase: Record<string, number> } | undefined;
  const tasks = new Gauge({
    name: 'kelos_tasks',
    help: 'Unfinished Tasks by phase (Waiting: for dependencies, a branch or a spawner slot), across the Temporal namespace; every worker reports the same number',
    labelNames: ['phase'],
    registers,
    // Asked of Temporal's visibility at scrape time (at most every 15 s): right after restarts, and across workers.
    async collect() {
      if (!countTasks) return;
      if (!counted || now() - counted.atMs > TASK_COUNT_TTL_MS) {
        const byPhase: Record<string, number> = {};
        for (const phase of UNFINISHED_PHASES) byPhase[phase] = await countTasks(phase);
        counted = { atMs: now(), byPhase };
      }
      for (const phase of UNFINISHED_PHASES) this.set({ phase }, counted.byPhase[phase]);
    },
  });
  return {
    /** Where `kelos_tasks` is counted (the worker's Temporal client); unset, it is not exported. */
    countTasksWith(count: (phase: string) => Promise<number>) {
      countTasks = count;
      counted = undefined;
    },
    tasks,
    spawnerQueues: queues,
    registry,
    // Tasks (Kelos controller)
    taskCreated: new Counter({ name: 'kelos_task_created_total', help: 'Total number of Tasks whose agent run was started (Kelos: a Job was created)', labelNames: ['namespace', 'type'], registers }),
    taskCompleted: new Counter({ name: 'kelos_task_completed_total', help: 'Total number of Tasks that reached a terminal phase', labelNames: ['namespace', 'type', 'phase'], registers }),
    taskDuration: new Histogram({ name: 'kelos_task_duration_seconds', help: 'Duration of Task execution from start to completion', labelNames: ['namespace', 'type', 'phase'], buckets: TASK_DURATION_BUCKETS, registers }),
    taskCost: new Counter({ name: 'kelos_task_cost_usd_total', help: 'Total cost in USD reported by Tasks', labelNames: USAGE_LABELS, registers }),
    taskInputTokens: new Counter({ name: 'kelos_task_input_tokens_total', help: 'Total input tokens reported by Tasks', labelNames: USAGE_LABELS, registers }),
    taskOutputTokens: new Counter({ name: 'kelos_task_output_tokens_total', help: 'Total output tokens reported by Tasks', labelNames: USAGE_LABELS, registers }),
    // Spawners (Kelos spawner)
    discovery: new Counter({ name: 'kelos_spawner_discovery_total', help: 'Total number of completed discovery cycles', labelNames: SPAWNER_LABELS, registers }),
    discoveryErrors: new Counter({ name: 'kelos_spawner_discovery_errors_total', help: 'Total number of failed discovery cycles', labelNames: SPAWNER_LABELS, registers }),
    itemsDiscovered: new Counter({ name: 'kelos_spawner_items_discovered_total', help: 'Total number of work items discovered', labelNames: SPAWNER_LABELS, registers }),
    spawnerTasksCreated: new Counter({ name: 'kelos_spawner_tasks_created_total', help: 'Total number of Tasks created by the spawner', labelNames: SPAWNER_LABELS, registers }),
    discoveryDuration: new Histogram({ name: 'kelos_spawner_discovery_duration_seconds', help: 'Duration of discovery cycles in seconds', labelNames: SPAWNER_LABELS, buckets: DISCOVERY_DURATION_BUCKETS, registers }),
    // GitHub API (Kelos source transport)
    githubRequests: new Counter({ name: 'kelos_github_api_requests_total', help: 'Total number of GitHub API requests', labelNames: ['method', 'status_code', 'resource'], registers }),
    githubRequestDuration: new Histogram({ name: 'kelos_github_api_request_duration_seconds', help: 'Duration of GitHub API requests in seconds', labelNames: ['method', 'resource'], buckets: HTTP_DURATION_BUCKETS, registers }),
    // Beyond Kelos
    githubRateLimitRemaining: new Gauge({ name: 'kelos_github_rate_limit_remaining', help: 'GitHub rate-limit points left, as the last response said (by GitHub rate-limit resource: core, search, graphql)', labelNames: ['resource'], registers }),
    spawnerQueueDepth,
    spawnerOldestQueuedSeconds,
  };
}

export type KelosMetrics = ReturnType<typeof createKelosMetrics>;

interface SpawnerQueue {
  namespace: string;
  spawner: string;
  depth: number;
  oldestSinceMs?: number;
}

/** The last queue each spawner reported, least recently reported first (a Map keeps insertion order). */
export class SpawnerQueues {
  private readonly known = new Map<string, SpawnerQueue>();
  constructor(private readonly max: number) {}

  report(namespace: string, spawner: string, depth: number, oldestSince: string | undefined): void {
    const key = `${namespace}/${spawner}`;
    this.known.delete(key);
    if (this.known.size >= this.max) this.known.delete(this.known.keys().next().value!);
    const oldestSinceMs = oldestSince ? Date.parse(oldestSince) : NaN;
    this.known.set(key, { namespace, spawner, depth, ...(Number.isNaN(oldestSinceMs) ? {} : { oldestSinceMs }) });
  }

  forget(namespace: string, spawner: string): void {
    this.known.delete(`${namespace}/${spawner}`);
  }

  all(): IterableIterator<SpawnerQueue> {
    return this.known.values();
  }
}

let processMetrics: KelosMetrics | undefined;

/** The process's metrics: created on first use, with Node's process metrics. */
export function kelosMetrics(): KelosMetrics {
  processMetrics ??= createKelosMetrics({ defaultMetrics: true });
  return processMetrics;
}
