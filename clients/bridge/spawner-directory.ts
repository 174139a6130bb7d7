/**
 * Which spawner workflows a delivery concerns, from Temporal visibility: running TaskSpawners whose
 * `KelosWebhookKeys` hold the delivery's routing key. Cached briefly per key, so a burst costs one list call.
 * Visibility is eventually consistent: a spawner started a second ago may be missed (the sender gets a 404 for
 * generic sources, or a 200 with no spawner, and can redeliver). No state beyond Temporal: replicas agree.
 */
import type { Client } from '@temporalio/client';

export class SpawnerDirectory {
  private readonly cache = new Map<string, { at: number; ids: Promise<string[]> }>();

  constructor(
    private readonly client: Client,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async spawnersFor(routingKey: string): Promise<string[]> {
    const hit = this.cache.get(routingKey);
    if (hit && this.now() - hit.at < this.cacheMs) return hit.ids;
    const ids = this.list(routingKey);
    this.cache.set(routingKey, { at: this.now(), ids });
    // A failed lookup is not cached: the next delivery asks again.
    ids.catch(() => this.cache.delete(routingKey));
    return ids;
  }

  private async list(routingKey: string): Promise<string[]> {
    const query = `KelosKind = "TaskSpawner" AND KelosWebhookKeys = ${JSON.stringify(routingKey)} AND ExecutionStatus = "Running"`;
    const ids: string[] = [];
    for await (const execution of this.client.workflow.list({ query })) ids.push(execution.workflowId);
    return [...new Set(ids)];
  }
}
