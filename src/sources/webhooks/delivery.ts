/**
 * A verified webhook delivery as the bridge hands it to spawner workflows (signal `webhookDelivery`). The bridge
 * extracts the facts from the full body (so filters see whole bodies) and sends the payload trimmed to the
 * history budget; each spawner applies its own filters, builds its WorkItem and deduplicates by `deliveryId`.
 * Pure: shared by the bridge (which routes) and the spawner workflow (which decides).
 */
import type { TaskSpawnerResource } from '../../model/types';
import type { CappedGitHubFacts } from './delivery-budget';
import type { LinearEventFacts } from './linear-webhook';

export type WebhookDeliverySource = 'github' | 'linear' | 'generic';

export interface WebhookDelivery {
  source: WebhookDeliverySource;
  /** `X-GitHub-Delivery` / `Linear-Delivery`, or `github-<sha256(body)>` / `linear-<sha256(body)>` when absent. */
  deliveryId: string;
  /** sha256 hex of `deliveryId` (default Task names need it; workflows cannot hash). */
  deliveryIdSha256: string;
  /** RFC3339, when the bridge accepted it. */
  receivedAt: string;
  /** UTF-8 bytes of the raw body, and whether the payload below was shrunk to the budget. */
  bodyBytes: number;
  payloadTrimmed: boolean;
  /**
   * sha256 hex of the raw body, for every source: the same body delivered again (a sender's retry under another
   * delivery ID) can be recognised without the full body, which the payload budget may have trimmed. Optional
   * because deliveries signalled before the bridge set it have none.
   */
  bodySha256?: string;
  /** Facts capped to the signal's budget (delivery-budget.ts), which says which were cut. */
  github?: { facts: CappedGitHubFacts; payload: unknown };
  /** `facts.payload` holds the (possibly trimmed) body. */
  linear?: { facts: LinearEventFacts };
  /** `source` is the path segment of `/webhook/<source>`; `bodySha256` for the id fallback. */
  generic?: { source: string; body: unknown; bodySha256: string };
}

/**
 * The keys a webhook spawner publishes in the `KelosWebhookKeys` search attribute, and the key a delivery is
 * routed by: `github:<event>`, `linear:<type, lower case>`, `generic:<source>`. Polling and cron spawners have none.
 */
export function webhookRoutingKeys(spawner: Pick<TaskSpawnerResource, 'spec'>): string[] {
  const when = spawner.spec.when;
  if (when.githubWebhook) return when.githubWebhook.events.map((event) => `github:${event}`);
  if (when.linearWebhook) return when.linearWebhook.types.map((type) => `linear:${type.toLowerCase()}`);
  if (when.webhook) return [`generic:${when.webhook.source}`];
  return [];
}

export function deliveryRoutingKey(delivery: WebhookDelivery): string {
  if (delivery.github) return `github:${delivery.github.facts.event}`;
  if (delivery.linear) return `linear:${delivery.linear.facts.type.toLowerCase()}`;
  if (delivery.generic) return `generic:${delivery.generic.source}`;
  throw new Error(`webhook delivery ${delivery.deliveryId} carries no ${delivery.source} content`);
}
