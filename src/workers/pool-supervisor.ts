/**
 * `kelos dev` runs the members of every WorkerPool itself: `replicas` members per pool (named `dev-0`, `dev-1`, …,
 * so each keeps its directory across restarts) in one worker per pool, in this process (the SDK allows one worker
 * per task queue in a process). Pools are looked at every few seconds rather than watched — Temporal's visibility
 * has no watch, and a pool applied a few seconds before its members exist only means its Tasks wait that long in
 * its queue. A scaled or deleted pool's worker is replaced or stopped once its members are idle, so no running Task
 * is cut short.
 */
import type { Worker } from '@temporalio/worker';
import type { StoredResource } from '../store/stored-resource';

export interface PoolSupervisorOptions {
  /** Every stored WorkerPool (of every namespace). */
  listPools(): Promise<StoredResource[]>;
  /** Creates (not runs) the worker of these members of `pool`. */
  createMembers(pool: StoredResource, members: string[]): Promise<Worker>;
  intervalMs?: number;
  /** A look that failed (Temporal unreachable, a bad pool): said, and tried again at the next look. */
  onError?(err: unknown): void;
}

interface PoolWorker {
  members: string[];
  worker: Worker;
  running: Promise<void>;
}

/** At most this many members per pool here: one machine, and each member may run an agent. */
export const MAX_DEV_MEMBERS_PER_POOL = 8;

export function superviseLocalPools(options: PoolSupervisorOptions): { members(): string[]; settled(): Promise<void>; stop(): Promise<void> } {
  const pools = new Map<string, PoolWorker>();
  let stopped = false;
  let look = Promise.resolve();

  async function stopWorker(key: string, current: PoolWorker): Promise<void> {
    pools.delete(key);
    current.worker.shutdown();
    await current.running;
  }

  async function reconcile(): Promise<void> {
    const wanted = new Map<string, { pool: StoredResource; members: string[] }>();
    for (const pool of await options.listPools()) {
      const replicas = Math.min(MAX_DEV_MEMBERS_PER_POOL, Math.max(0, Number((pool.spec as { replicas?: number }).replicas ?? 1)));
      if (replicas > 0) wanted.set(`${pool.metadata.namespace}/${pool.metadata.name}`, { pool, members: Array.from({ length: replicas }, (_, i) => `dev-${i}`) });
    }
    for (const [key, current] of pools) {
      const want = wanted.get(key);
      if (want && want.members.length === current.members.length) continue;
      if (current.worker.getStatus().numInFlightActivities > 0) continue; // busy: at a later look
      await stopWorker(key, current);
    }
    for (const [key, want] of wanted) {
      if (pools.has(key) || stopped) continue;
      const worker = await options.createMembers(want.pool, want.members);
      const running = worker.run().catch((err) => options.onError?.(err));
      pools.set(key, { members: want.members, worker, running });
    }
  }

  const tick = () => {
    look = look.then(() => (stopped ? undefined : reconcile().catch((err) => options.onError?.(err))));
    return look;
  };
  void tick();
  const timer = setInterval(tick, options.intervalMs ?? 5_000);

  return {
    /** `namespace/pool/member` of the members running now. */
    members: () => [...pools].flatMap(([key, p]) => p.members.map((m) => `${key}/${m}`)).sort(),
    /** Resolves once a fresh look is done. */
    settled: () => tick(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await look;
      await Promise.all([...pools].map(([key, current]) => stopWorker(key, current)));
    },
  };
}
