/**
 * A verified request as the `WebhookDelivery` spawners receive: facts taken from the full body (filters see
 * whole bodies), the payload trimmed to the history budget (a 1 MB delivery still fits in a signal), delivery IDs
 * as Kelos derives them when the sender gives none, and the sha256 of the raw body on every delivery.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_PAYLOAD_BUDGET_BYTES, extractGitHubEvent, extractLinearEvent, trimPayload, type WebhookDelivery } from '../../sources/webhooks';
import { capGitHubFacts } from '../../sources/webhooks/delivery-budget';

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** The longest `X-GitHub-Delivery` / `Linear-Delivery` taken (GitHub's are 36-character UUIDs). */
export const MAX_DELIVERY_ID_LENGTH = 256;

interface Common {
  rawBody: Buffer;
  body: unknown;
  receivedAt?: Date;
  payloadBudgetBytes?: number;
  /** sha256 hex of `rawBody` when the caller has it already. */
  bodySha256?: string;
}

/** The sender's delivery ID, or `<source>-<sha256(body)>` when it sent none (as Kelos does). */
export function deliveryIdOf(source: 'github' | 'linear', header: string | undefined, bodySha256: string): string {
  return header || `${source}-${bodySha256}`;
}

function envelope(source: WebhookDelivery['source'], deliveryId: string, input: Common, bodySha256: string, trimmed: boolean) {
  return {
    source,
    deliveryId,
    deliveryIdSha256: sha256Hex(deliveryId),
    receivedAt: (input.receivedAt ?? new Date()).toISOString(),
    bodyBytes: input.rawBody.length,
    payloadTrimmed: trimmed,
    bodySha256,
  };
}

export function githubDelivery(input: Common & { event: string; deliveryId?: string }): WebhookDelivery {
  const bodySha256 = input.bodySha256 ?? sha256Hex(input.rawBody);
  const deliveryId = deliveryIdOf('github', input.deliveryId, bodySha256);
  const trimmed = trimPayload(input.body, input.payloadBudgetBytes ?? DEFAULT_PAYLOAD_BUDGET_BYTES);
  // Facts come from the full body (filters read whole texts), capped to the signal's budget with the cuts named.
  const facts = capGitHubFacts(extractGitHubEvent(input.event, input.body as object, deliveryId));
  return { ...envelope('github', deliveryId, input, bodySha256, trimmed.trimmed), github: { facts, payload: trimmed.value } };
}

export function linearDelivery(input: Common & { deliveryId?: string }): WebhookDelivery {
  const bodySha256 = input.bodySha256 ?? sha256Hex(input.rawBody);
  const deliveryId = deliveryIdOf('linear', input.deliveryId, bodySha256);
  const trimmed = trimPayload(input.body, input.payloadBudgetBytes ?? DEFAULT_PAYLOAD_BUDGET_BYTES);
  const facts = { ...extractLinearEvent(input.body), payload: trimmed.value as Record<string, unknown> };
  return { ...envelope('linear', deliveryId, input, bodySha256, trimmed.trimmed), linear: { facts } };
}

export function genericDelivery(input: Common & { source: string }): WebhookDelivery {
  const bodySha256 = input.bodySha256 ?? sha256Hex(input.rawBody);
  const trimmed = trimPayload(input.body, input.payloadBudgetBytes ?? DEFAULT_PAYLOAD_BUDGET_BYTES);
  return { ...envelope('generic', `generic-${input.source}-${bodySha256}`, input, bodySha256, trimmed.trimmed), generic: { source: input.source, body: trimmed.value, bodySha256 } };
}
