/**
 * Which spawner workflows a delivery concerns, from Temporal visibility: running TaskSpawners whose
 * `KelosWebhookKeys` hold the delivery's routing key. Visibility is eventually consistent: a spawner started a
 * second ago may be missed (the sender gets a 404 for generic sources, or a 200 with no spawner, and can
 * redeliver). No state beyond Temporal and this cache: replicas agree within the TTL.
 *
 * The cache is bounded because its keys come from requests: a generic source name is whatever path an
 * unauthenticated sender chooses. So it holds at most `maxEntries` routing keys (least recently used forgotten
 * first), each answer (also "no spawner", so a flood of one unknown name costs one list call per TTL) for `ttlMs`,
 * and concurrent lookups of one key share one list call. A failed lookup is not kept: the next delivery asks again.
 */
import { LruMap } from './lru-map';

/** The part of the Temporal client the directory uses (a fake in unit tests). */
export interface VisibilityClient {
  workflow: { list(options: { query: string }): AsyncIterable<{ workflowId: string }> };
}

export interface SpawnerDirectoryOptions {
  /** How long an answer (spawners or none) is reused; 0 asks visibility for every delivery. */
  ttlMs?: number;
  /** Routing keys remembered at most. */
  maxEntries?: number;
  now?: () => number;
}

export const DEFAULT_SPAWNER_CACHE_MS = 2_000;
/** A few MB even with the longest keys (generic source names are at most 100 characters); far more keys than spawners publish. */
export const DEFAULT_SPAWNER_CACHE_ENTRIES = 10_000;

interface Entry {
  ids: Promise<string[]>;
  /** Infinity while the list call runs: every concurrent lookup joins it. */
  expiresAt: number;
}

export class SpawnerDirectory {
  private readonly cache: LruMap<string, Entry>;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: VisibilityClient,
    options: SpawnerDirectoryOptions = {},
  ) {
    this.cache = new LruMap(options.maxEntries ?? DEFAULT_SPAWNER_CACHE_ENTRIES);
    this.ttlMs = options.ttlMs ?? DEFAULT_SPAWNER_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Workflow IDs of the running spawners listening to `routingKey`; empty when none does. */
  spawnersFor(routingKey: string): Promise<string[]> {
    const hit = this.cache.get(routingKey);
    if (hit && this.now() < hit.expiresAt) return hit.ids;
    const entry: Entry = { ids: this.list(routingKey), expiresAt: Infinity };
    this.cache.set(routingKey, entry);
    entry.ids.then(
      () => void (entry.expiresAt = this.now() + this.ttlMs),
      () => void (this.cache.peek(routingKey) === entry && this.cache.delete(routingKey)),
    );
    return entry.ids;
  }

  private async list(routingKey: string): Promise<string[]> {
    const query = `KelosKind = "TaskSpawner" AND KelosWebhookKeys = ${JSON.stringify(routingKey)} AND ExecutionStatus = "Running"`;
    const ids: string[] = [];
    for await (const execution of this.client.workflow.list({ query })) ids.push(execution.workflowId);
    return [...new Set(ids)];
  }
}
