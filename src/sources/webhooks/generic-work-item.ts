/**
 * A generic delivery as a WorkItem (kelos-behaviour §4.2): every fieldMapping key verbatim (`{{.severity}}`),
 * lowercase id/title/body/url also as ID/Title/Body/URL, Kind `GenericWebhook`, the JSON body as Payload.
 * Kelos fills the promoted names in map order (random when both `id` and `ID` are mapped); here an explicit
 * upper-case mapping wins. As in Kelos, a mapping named like a built-in variable (e.g. `Kind`) overrides it.
 */
import type { GenericWebhookSource } from '../../model/types';
import { templateVarsFor } from '../template-vars';
import { webhookEventPart } from './task-name';
import { budgetedPayload, defaultWebhookTaskName, type WebhookWorkItem, type WebhookWorkItemOptions } from './webhook-work-item';

const PROMOTED: Readonly<Record<string, string>> = { id: 'ID', title: 'Title', body: 'Body', url: 'URL' };

/** `fields`: from matchGenericWebhook / extractGenericFields; `deliveryId`: from genericDeliveryId. */
export function toGenericWorkItem(
  source: GenericWebhookSource,
  body: unknown,
  fields: Readonly<Record<string, string>>,
  deliveryId: string,
  options: WebhookWorkItemOptions = {},
): WebhookWorkItem {
  const { value, payloadTrimmed } = budgetedPayload(body, options);
  const promoted: Record<string, string> = {};
  for (const [key, upper] of Object.entries(PROMOTED)) if (key in fields) promoted[upper] = fields[key];
  const vars = templateVarsFor('webhook', { Kind: 'GenericWebhook', Payload: value, ...promoted, ...fields });
  const defaultTaskName = defaultWebhookTaskName(options, webhookEventPart.generic(source.source));
  return {
    id: fields.id || deliveryId,
    vars,
    labels: [],
    deliveryId,
    ...(defaultTaskName ? { defaultTaskName } : {}),
    ...(payloadTrimmed ? { payloadTrimmed } : {}),
  };
}
