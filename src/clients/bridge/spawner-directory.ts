/**
 * Which spawner workflows a delivery concerns, from Temporal visibility: running TaskSpawners whose
 * `KelosWebhookKeys` hold the delivery's routing key. Visibility is eventually consistent: a spawner started a
 * second ago may be missed (the sender gets a 404 for generic sources, or a 200 with no spawner, and can
 * redeliver). No state beyond Temporal and this snapshot: replicas agree within the TTL.
 *
 * One list call of every running webhook spawner, with its keys, answers every routing key for `ttlMs`; lookups
 * while it runs join it. A key nobody publishes is "no spawner" for the TTL like any other answer. Routing keys come
 * from requests (a generic source name is whatever path an unauthenticated sender chooses), and this is what makes
 * them cost nothing: a flood of distinct names is answered from the snapshot, never a visibility query each (which,
 * measured on the dev server, stalled real signals even one query at a time), and what the directory holds is
 * bounded by the spawners that exist, not by the names asked for. A failed list is not kept: the next lookup asks
 * again.
 */
import type { TypedSearchAttributes } from '@temporalio/common';
import { KelosWebhookKeys } from '../../store/search-attributes';

/** The part of the Temporal client the directory uses (a fake in unit tests). */
export interface VisibilityClient {
  workflow: { list(options: { query: string }): AsyncIterable<{ workflowId: string; typedSearchAttributes: TypedSearchAttributes }> };
}

export interface SpawnerDirectoryOptions {
  /** How long a snapshot answers; 0 lists again for every lookup (lookups meanwhile still share the call). */
  ttlMs?: number;
  now?: () => number;
}

export const DEFAULT_SPAWNER_CACHE_MS = 2_000;
export const WEBHOOK_SPAWNERS_QUERY = 'KelosKind = "TaskSpawner" AND KelosWebhookKeys IS NOT NULL AND ExecutionStatus = "Running"';

/** Routing key → workflow IDs of the running spawners listening to it. */
type Snapshot = Map<string, string[]>;

export class SpawnerDirectory {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private snapshot?: { takenAt: number; byKey: Snapshot };
  private listing?: Promise<Snapshot>;

  constructor(
    private readonly client: VisibilityClient,
    options: SpawnerDirectoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_SPAWNER_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Workflow IDs of the running spawners listening to `routingKey`; empty when none does. */
  async spawnersFor(routingKey: string): Promise<string[]> {
    const current = this.snapshot;
    const byKey = current && this.now() - current.takenAt < this.ttlMs ? current.byKey : await this.refresh();
    return byKey.get(routingKey) ?? [];
  }

  private refresh(): Promise<Snapshot> {
    if (!this.listing) {
      const takenAt = this.now();
      this.listing = this.listAll()
        .then((byKey) => {
          this.snapshot = { takenAt, byKey };
          return byKey;
        })
        .finally(() => (this.listing = undefined));
    }
    return this.listing;
  }

  private async listAll(): Promise<Snapshot> {
    const byKey: Snapshot = new Map();
    for await (const execution of this.client.workflow.list({ query: WEBHOOK_SPAWNERS_QUERY })) {
      for (const key of execution.typedSearchAttributes.get(KelosWebhookKeys) ?? []) {
        const ids = byKey.get(key) ?? [];
        if (!ids.includes(execution.workflowId)) ids.push(execution.workflowId);
        byKey.set(key, ids);
      }
    }
    return byKey;
  }
}
