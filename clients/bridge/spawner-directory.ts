/**
 * Which spawner workflows a delivery concerns, from Temporal visibility: running TaskSpawners whose
 * `KelosWebhookKeys` hold the delivery's routing key. Visibility is eventually consistent: a spawner started a
 * second ago may be missed (the sender gets a 404 for generic sources, or a 200 with no spawner, and can
 * redeliver). No state beyond Temporal and this cache: replicas agree within the TTL.
 *
 * Its keys come from requests (a generic source name is whatever path an unauthenticated sender chooses), so:
 * - the cache holds at most `maxEntries` routing keys, least recently used forgotten first;
 * - each answer, also "no spawner", is reused for `ttlMs`: a flood of one unknown name costs one list call per TTL;
 * - concurrent lookups of one key share one list call;
 * - at most `maxConcurrentLists` list calls run at once: a flood of distinct names (each a visibility query) would
 *   otherwise put its whole rate on Temporal. Beyond it a lookup fails with `DirectoryBusyError` (the bridge answers
 *   503), except for a key known to have spawners, which gets its last answer while the calls are busy: real
 *   deliveries keep flowing during such a flood.
 * A failed lookup is not kept: the next delivery asks again.
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
  /** Visibility list calls running at once at most. */
  maxConcurrentLists?: number;
  now?: () => number;
}

export const DEFAULT_SPAWNER_CACHE_MS = 2_000;
/** A few MB even with the longest keys (generic source names are at most 100 characters); far more keys than spawners publish. */
export const DEFAULT_SPAWNER_CACHE_ENTRIES = 10_000;
/** Enough for every real source's refresh at once; few enough that a flood of names is not a flood of queries. */
export const DEFAULT_MAX_CONCURRENT_LISTS = 4;

/** Every list call slot is taken and the key has no earlier answer to fall back on. */
export class DirectoryBusyError extends Error {
  constructor(routingKey: string, slots: number) {
    super(`${slots} spawner lookups are running already; ${routingKey} has to wait its turn`);
    this.name = 'DirectoryBusyError';
  }
}

interface Entry {
  ids: Promise<string[]>;
  /** Infinity while the list call runs: every concurrent lookup joins it. */
  expiresAt: number;
  /** The last answer of this key that had spawners, kept across refreshes for when the list calls are busy. */
  lastFound?: string[];
}

export class SpawnerDirectory {
  private readonly cache: LruMap<string, Entry>;
  private readonly ttlMs: number;
  private readonly maxConcurrentLists: number;
  private readonly now: () => number;
  private listing = 0;

  constructor(
    private readonly client: VisibilityClient,
    options: SpawnerDirectoryOptions = {},
  ) {
    this.cache = new LruMap(options.maxEntries ?? DEFAULT_SPAWNER_CACHE_ENTRIES);
    this.ttlMs = options.ttlMs ?? DEFAULT_SPAWNER_CACHE_MS;
    this.maxConcurrentLists = options.maxConcurrentLists ?? DEFAULT_MAX_CONCURRENT_LISTS;
    this.now = options.now ?? Date.now;
  }

  /** Workflow IDs of the running spawners listening to `routingKey`; empty when none does. */
  spawnersFor(routingKey: string): Promise<string[]> {
    const hit = this.cache.get(routingKey);
    if (hit && this.now() < hit.expiresAt) return hit.ids;
    if (this.listing >= this.maxConcurrentLists) {
      if (hit?.lastFound) return Promise.resolve(hit.lastFound);
      return Promise.reject(new DirectoryBusyError(routingKey, this.maxConcurrentLists));
    }
    const entry: Entry = { ids: this.list(routingKey), expiresAt: Infinity, lastFound: hit?.lastFound };
    this.cache.set(routingKey, entry);
    entry.ids.then(
      (ids) => {
        entry.expiresAt = this.now() + this.ttlMs;
        entry.lastFound = ids.length ? ids : undefined;
      },
      () => {
        // Not kept; the earlier answer stays the fallback.
        if (this.cache.peek(routingKey) === entry) {
          if (hit) this.cache.set(routingKey, hit);
          else this.cache.delete(routingKey);
        }
      },
    );
    return entry.ids;
  }

  private async list(routingKey: string): Promise<string[]> {
    this.listing += 1;
    try {
      const query = `KelosKind = "TaskSpawner" AND KelosWebhookKeys = ${JSON.stringify(routingKey)} AND ExecutionStatus = "Running"`;
      const ids: string[] = [];
      for await (const execution of this.client.workflow.list({ query })) ids.push(execution.workflowId);
      return [...new Set(ids)];
    } finally {
      this.listing -= 1;
    }
  }
}
