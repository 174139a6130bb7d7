/**
 * A work item as every source hands it to the spawner: polling (GitHub, Jira), cron ticks and webhook
 * deliveries. Pure data, small enough for workflow history (no raw payloads beyond what templates need).
 */
import type { TemplateVars } from './template-vars';

export interface WorkItem {
  /** Identity within the source: issue/PR number, Jira key, cron tick `YYYYMMDD-HHMM`, webhook item ID. */
  id: string;
  /** Template variables the source knows; `templateVarsFor` fills in the rest with empty values. */
  vars: TemplateVars;
  /** Label names, for `priorityLabels` ordering. */
  labels: string[];
  /** RFC3339 time of the newest authorized trigger (comment or review); a newer one than a finished Task's completion re-runs the item. */
  triggerTime?: string;
  /** Webhooks: the delivery ID (`X-GitHub-Delivery`, `Linear-Delivery`, generic id), deduplicated durably. */
  deliveryId?: string;
  /** Webhooks: the fixed-size keys the spawner deduplicates on (delivery ID and signed body hashes). */
  deliveryKeys?: string[];
  /** Webhooks without nameTemplate: the default Task name `<spawner>-<event>-<12 hex of sha256(deliveryId)>`. */
  defaultTaskName?: string;
  /** For reporting back to GitHub. */
  report?: { kind: 'issue' | 'pull-request'; owner?: string; repo?: string; number: number; headSHA?: string };
}
