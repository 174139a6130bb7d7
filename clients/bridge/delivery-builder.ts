/**
 * A verified request as the `WebhookDelivery` spawners receive: facts taken from the full body (filters see
 * whole bodies), the payload trimmed to the history budget (a 1 MB delivery still fits in a signal), delivery IDs
 * as Kelos derives them when the sender gives none.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_PAYLOAD_BUDGET_BYTES, extractGitHubEvent, extractLinearEvent, trimPayload, type WebhookDelivery } from '../../api/sources/webhooks';

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

interface Common {
  rawBody: Buffer;
  body: unknown;
  receivedAt?: Date;
  payloadBudgetBytes?: number;
}

function envelope(source: WebhookDelivery['source'], deliveryId: string, input: Common, trimmed: boolean) {
  return {
    source,
    deliveryId,
    deliveryIdSha256: sha256Hex(deliveryId),
    receivedAt: (input.receivedAt ?? new Date()).toISOString(),
    bodyBytes: input.rawBody.length,
    payloadTrimmed: trimmed,
  };
}

export function githubDelivery(input: Common & { event: string; deliveryId?: string }): WebhookDelivery {
  const deliveryId = input.deliveryId || `github-${sha256Hex(input.rawBody)}`;
  const trimmed = trimPayload(input.body, input.payloadBudgetBytes ?? DEFAULT_PAYLOAD_BUDGET_BYTES);
  return { ...envelope('github', deliveryId, input, trimmed.trimmed), github: { facts: extractGitHubEvent(input.event, input.body as object, deliveryId), payload: trimmed.value } };
}

export function linearDelivery(input: Common & { deliveryId?: string }): WebhookDelivery {
  const deliveryId = input.deliveryId || `linear-${sha256Hex(input.rawBody)}`;
  const trimmed = trimPayload(input.body, input.payloadBudgetBytes ?? DEFAULT_PAYLOAD_BUDGET_BYTES);
  const facts = { ...extractLinearEvent(input.body), payload: trimmed.value as Record<string, unknown> };
  return { ...envelope('linear', deliveryId, input, trimmed.trimmed), linear: { facts } };
}

export function genericDelivery(input: Common & { source: string }): WebhookDelivery {
  const bodySha256 = sha256Hex(input.rawBody);
  const trimmed = trimPayload(input.body, input.payloadBudgetBytes ?? DEFAULT_PAYLOAD_BUDGET_BYTES);
  return { ...envelope('generic', `generic-${input.source}-${bodySha256}`, input, trimmed.trimmed), generic: { source: input.source, body: trimmed.value, bodySha256 } };
}
