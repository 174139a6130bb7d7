/** A Linear delivery as a WorkItem (kelos-behaviour §4.2): ID, Title, Type, Action, State, Labels, IssueID, Payload. */
import { templateVarsFor } from '../template-vars';
import type { LinearEventFacts } from './linear-webhook';
import { webhookEventPart } from './task-name';
import { budgetedPayload, defaultWebhookTaskName, type WebhookWorkItem, type WebhookWorkItemOptions } from './webhook-work-item';

/** `deliveryId`: `Linear-Delivery` (Kelos hashes the body instead; the header is the documented idempotency key). */
export function toLinearWorkItem(facts: LinearEventFacts, deliveryId: string, options: WebhookWorkItemOptions = {}): WebhookWorkItem {
  const { value, payloadTrimmed } = budgetedPayload(facts.payload, options);
  const vars = templateVarsFor('linearWebhook', {
    ID: facts.id,
    Title: facts.title,
    Kind: 'LinearWebhook',
    Type: facts.type,
    Action: facts.action,
    State: facts.state,
    Labels: facts.labels.join(', '),
    IssueID: facts.issueId,
    Payload: value,
  });
  const defaultTaskName = defaultWebhookTaskName(options, webhookEventPart.linear(facts.type));
  return {
    id: facts.id || deliveryId,
    vars,
    labels: [...facts.labels],
    deliveryId,
    ...(defaultTaskName ? { defaultTaskName } : {}),
    ...(payloadTrimmed ? { payloadTrimmed } : {}),
  };
}
