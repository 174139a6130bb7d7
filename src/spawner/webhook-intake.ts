/**
 * A webhook delivery, as one spawner sees it: apply this spawner's filters (the pure rules shared with tests and
 * previews), fetch what a filter needs but the payload lacks (PR files, a PR's head branch, Linear issue labels)
 * through activities, and build the WorkItem. Workflow code: deterministic, I/O only through activities.
 */
import { proxyActivities } from '@temporalio/workflow';
import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex } from '@noble/hashes/utils';
import type { createWebhookActivities } from '../sources/webhooks/webhook-activities';
import type { TaskSpawnerResource } from '../model/types';
import type { WorkItem } from '../sources/work-item';
import {
  genericDeliveryId,
  githubChangedFilesForSpawner,
  matchGenericWebhook,
  matchGitHubWebhook,
  matchLinearWebhook,
  needsBranchEnrichment,
  toGenericWorkItem,
  toGitHubWorkItem,
  toLinearWorkItem,
  withPullRequestHead,
  type WebhookDelivery,
} from '../sources/webhooks';
import { uncapGitHubFacts } from '../sources/webhooks/delivery-budget';
import { innermostMessage } from '../common/error-cause';
import { admitItems, type SpawnerContext } from './admission';
import { addError, deliveryKeys } from './spawner-state';
import * as book from './task-book';

const { fetchPullRequestFiles, fetchPullRequestHead, fetchLinearIssueLabels } = proxyActivities<ReturnType<typeof createWebhookActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** `shown`: a skip the spawner's status should show (a delivery its filters could not read whole). */
export type IntakeOutcome = { item: WorkItem } | { skipped: string; shown?: boolean };

/**
 * One delivery signal: a redelivery (the same delivery ID, or the same signed body under another one) is dropped
 * before any lookup; a match is admitted like any item; a skip is remembered, so its redelivery costs nothing either.
 * False when the delivery changed nothing.
 */
export async function takeDelivery(ctx: SpawnerContext, delivery: WebhookDelivery): Promise<boolean> {
  const keys = deliveryKeys(delivery.deliveryId, delivery.bodySha256);
  if (book.alreadySeen(ctx.state.book, keys)) return false;
  try {
    const outcome = await webhookIntake(ctx.spawner, delivery);
    if ('item' in outcome) {
      const itemKeys = [...new Set([...deliveryKeys(outcome.item.deliveryId ?? delivery.deliveryId), ...keys])];
      await admitItems(ctx, [{ ...outcome.item, deliveryKeys: itemKeys }], ctx.state.totalDiscovered + 1);
    } else {
      book.seenDelivery(ctx.state.book, keys);
      if (outcome.shown) addError(ctx.state, `delivery ${delivery.deliveryId.slice(0, 100)} skipped: ${outcome.skipped}`);
    }
  } catch (err) {
    addError(ctx.state, `delivery ${delivery.deliveryId.slice(0, 100)}: ${innermostMessage(err)}`);
  }
  return true;
}

export async function webhookIntake(spawner: TaskSpawnerResource, delivery: WebhookDelivery): Promise<IntakeOutcome> {
  const when = spawner.spec.when;
  const name = spawner.metadata.name;
  const workspaceRef = spawner.spec.taskTemplate.worker?.workspaceRef?.name;

  if (when.githubWebhook && delivery.github) {
    const source = when.githubWebhook;
    let facts = uncapGitHubFacts(delivery.github.facts);
    let match = matchGitHubWebhook(source, facts);
    let files: string[] | undefined;
    if (!match.matched && match.needsChangedFiles) {
      const pr = { namespace: spawner.metadata.namespace, ...(workspaceRef ? { workspaceRef } : {}), owner: facts.repositoryOwner, repo: facts.repositoryName, number: facts.number };
      files = await fetchPullRequestFiles(pr);
      match = matchGitHubWebhook(source, facts, files);
    }
    if (!match.matched) return { skipped: match.reason ?? 'filters', ...((facts.truncated?.length ?? 0) > 0 ? { shown: true } : {}) };
    if (needsBranchEnrichment(facts)) {
      const head = await fetchPullRequestHead({ namespace: spawner.metadata.namespace, ...(workspaceRef ? { workspaceRef } : {}), owner: facts.repositoryOwner, repo: facts.repositoryName, number: facts.number });
      if (head) facts = withPullRequestHead(facts, head);
    }
    const changedFiles = githubChangedFilesForSpawner(source, facts, files);
    return { item: toGitHubWorkItem(facts, delivery.github.payload as object, { spawner: name, deliveryHashHex: delivery.deliveryIdSha256, changedFiles }) };
  }

  if (when.linearWebhook && delivery.linear) {
    const source = when.linearWebhook;
    const facts = delivery.linear.facts;
    let match = matchLinearWebhook(source, facts);
    if (match.needsLabelEnrichment && facts.issueId) {
      const labels = await fetchLinearIssueLabels({ issueId: facts.issueId });
      if (labels) match = matchLinearWebhook(source, facts, labels);
    }
    if (!match.matched) return { skipped: match.reason ?? 'filters' };
    return { item: toLinearWorkItem(facts, delivery.deliveryId, { spawner: name, deliveryHashHex: delivery.deliveryIdSha256 }) };
  }

  if (when.webhook && delivery.generic && delivery.generic.source === when.webhook.source) {
    const source = when.webhook;
    const body = delivery.generic.body;
    // Filters read JSONPath anywhere in the body: one that was trimmed to the signal's budget cannot be judged.
    if (delivery.payloadTrimmed && (source.filters?.length || source.excludeFilters?.length)) {
      return { skipped: `the ${delivery.bodyBytes}-byte body was trimmed to fit its signal, and the spawner's filters read the body: not matched on a part`, shown: true };
    }
    const match = matchGenericWebhook(source, body);
    if (!match.matched) return { skipped: match.error ?? match.reason ?? 'filters' };
    // The delivery ID comes from this spawner's own `id` mapping (Kelos uses the first spawner's for all).
    const deliveryId = genericDeliveryId(source.source, body, source.fieldMapping.id, delivery.generic.bodySha256);
    const hash = bytesToHex(sha256(deliveryId));
    return { item: toGenericWorkItem(source, body, match.fields ?? {}, deliveryId, { spawner: name, deliveryHashHex: hash }) };
  }

  return { skipped: `a ${delivery.source} delivery does not concern a ${spawner.spec.source} spawner` };
}
