/**
 * What the three webhook sources share when they build a WorkItem: options, the trimmed payload record, and
 * the render-time view of Linear/generic payloads (their JSON numbers are Go float64 in Kelos).
 */
import { jsonNumbersAsFloat64 } from '../../go';
import type { TemplateVars } from '../template-vars';
import type { WorkItem } from '../work-item';
import { DEFAULT_PAYLOAD_BUDGET_BYTES, trimPayload } from './payload-budget';
import { webhookTaskName } from './task-name';

export interface WebhookWorkItemOptions {
  /** With `deliveryHashHex`: sets `defaultTaskName` (see task-name.ts). */
  spawner?: string;
  /** sha256 hex of the delivery ID, computed by the caller. */
  deliveryHashHex?: string;
  /** Payloads above this many UTF-8 bytes of JSON are shrunk (payload-budget.ts). Default 64 KiB. */
  payloadBudgetBytes?: number;
}

export interface WebhookWorkItem extends WorkItem {
  /** Present when `Payload` was shrunk to fit the budget. */
  payloadTrimmed?: { originalBytes: number; bytes: number };
}

/** The `Payload` variable and, when it was shrunk, the record of it. */
export function budgetedPayload(payload: unknown, options: WebhookWorkItemOptions): Pick<WebhookWorkItem, 'payloadTrimmed'> & { value: unknown } {
  const trimmed = trimPayload(payload, options.payloadBudgetBytes ?? DEFAULT_PAYLOAD_BUDGET_BYTES);
  return trimmed.trimmed ? { value: trimmed.value, payloadTrimmed: { originalBytes: trimmed.originalBytes, bytes: trimmed.bytes } } : { value: trimmed.value };
}

export function defaultWebhookTaskName(options: WebhookWorkItemOptions, eventPart: string): string | undefined {
  return options.spawner && options.deliveryHashHex ? webhookTaskName(options.spawner, eventPart, options.deliveryHashHex) : undefined;
}

/**
 * Variables as the template engine should see them. Kelos decodes Linear and generic payloads into
 * `map[string]interface{}`, so `{{.Payload.data.count}}` prints 1234567 as `1.234567e+06`; GitHub payloads are
 * typed structs with integer fields. WorkItems travel as JSON (the float64 marker would not survive a signal),
 * so apply this just before rendering.
 */
export function renderableWebhookVars(vars: TemplateVars): TemplateVars {
  if (vars.Kind !== 'LinearWebhook' && vars.Kind !== 'GenericWebhook') return vars;
  return { ...vars, Payload: jsonNumbersAsFloat64(vars.Payload) };
}
