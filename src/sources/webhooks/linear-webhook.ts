/**
 * Linear webhooks (kelos-behaviour §3.3): facts from the JSON body and the `linearWebhook` matching rules.
 * Everything compares case-insensitively (Go's strings.EqualFold; JS toLowerCase is close enough for labels
 * and state names). Labels come from `data.labels`, else `data.issue.labels` (Comment events), else from the
 * Linear API: Comment payloads carry no issue labels, so the result says when enrichment would change it.
 */
import type { LinearWebhookSource } from '../../model/types';

export interface LinearEventFacts {
  type: string;
  action: string;
  /** `data.id`. */
  id: string;
  /** `data.title`. */
  title: string;
  /** `data.state.name`. */
  state: string;
  /** `data.labels[].name` (not the Comment fallback; that one is only for filtering, as in Kelos). */
  labels: string[];
  /** Comment events: `data.issue.id` (a number prints without decimals); otherwise "". */
  issueId: string;
  /** The decoded body. */
  payload: Record<string, unknown>;
}

export interface LinearMatch {
  matched: boolean;
  /**
   * A Comment event, a filter that uses labels, and no labels in the payload: fetch the parent issue's labels
   * (Linear GraphQL, once per delivery) and call again with them. Without an API key, `matched` as returned
   * is Kelos's answer (required labels fail, exclude-only filters pass).
   */
  needsLabelEnrichment?: boolean;
  reason?: string;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}
function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
function names(labels: unknown[]): string[] {
  return labels.flatMap((label) => {
    const name = obj(label)?.name;
    return typeof name === 'string' ? [name] : [];
  });
}

function idString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return value.toFixed(0); // Go %.0f
  return '';
}

export function extractLinearEvent(payload: unknown): LinearEventFacts {
  const body = obj(payload) ?? {};
  const data = obj(body.data);
  const type = str(body.type);
  return {
    type,
    action: str(body.action),
    id: str(data?.id),
    title: str(data?.title),
    state: str(obj(data?.state)?.name),
    labels: Array.isArray(data?.labels) ? names(data!.labels as unknown[]) : [],
    issueId: type === 'Comment' ? idString(obj(data?.issue)?.id) : '',
    payload: body,
  };
}

/** Label names for filtering: non-empty `data.labels`, else non-empty `data.issue.labels`, else undefined. */
export function linearFilterLabels(facts: LinearEventFacts): string[] | undefined {
  const data = obj(facts.payload.data);
  if (!data) return undefined;
  for (const list of [data.labels, obj(data.issue)?.labels]) {
    if (Array.isArray(list) && list.length > 0) return names(list);
  }
  return undefined;
}

const fold = (text: string) => text.toLowerCase();
const same = (a: string, b: string) => fold(a) === fold(b);

type LinearFilter = NonNullable<LinearWebhookSource['filters']>[number];

function filterMatches(filter: LinearFilter, facts: LinearEventFacts, labels: string[] | undefined): boolean {
  if (filter.action && !same(filter.action, facts.action)) return false;
  if (filter.states?.length && !filter.states.some((state) => same(state, facts.state))) return false;
  const required = filter.labels ?? [];
  const excluded = filter.excludeLabels ?? [];
  if (required.length === 0 && excluded.length === 0) return true;
  if (!labels) return required.length === 0;
  const present = new Set(labels.map(fold));
  return required.every((name) => present.has(fold(name))) && !excluded.some((name) => present.has(fold(name)));
}

/** Kelos asks the API only for exactly `Comment` events whose label-using filters see no labels. */
function wantsEnrichment(source: LinearWebhookSource, facts: LinearEventFacts): boolean {
  if (facts.type !== 'Comment' || linearFilterLabels(facts)) return false;
  return (source.filters ?? []).some(
    (filter) => (!filter.type || same(filter.type, 'Comment')) && ((filter.labels?.length ?? 0) > 0 || (filter.excludeLabels?.length ?? 0) > 0),
  );
}

/**
 * The spawner's decision. `enrichedLabels`: the parent issue's labels from the Linear API, when fetched
 * (an empty list means "no labels", as for Kelos).
 */
export function matchLinearWebhook(source: LinearWebhookSource, facts: LinearEventFacts, enrichedLabels?: readonly string[]): LinearMatch {
  if (!source.types.some((type) => same(type, facts.type))) return { matched: false, reason: `type ${JSON.stringify(facts.type)} is not listed` };
  const filters = source.filters ?? [];
  if (filters.length === 0) return { matched: true };
  const labels = enrichedLabels && enrichedLabels.length > 0 && !linearFilterLabels(facts) ? [...enrichedLabels] : linearFilterLabels(facts);
  const matched = filters.some((filter) => (!filter.type || same(filter.type, facts.type)) && filterMatches(filter, facts, labels));
  const needsLabelEnrichment = enrichedLabels === undefined && wantsEnrichment(source, facts);
  return {
    matched,
    ...(needsLabelEnrichment ? { needsLabelEnrichment } : {}),
    ...(matched ? {} : { reason: 'no filter matched' }),
  };
}

/** Facts and payload with the API's labels put where Kelos puts them (`data.issue.labels`, and `Labels`). */
export function withLinearIssueLabels(facts: LinearEventFacts, labels: readonly string[]): LinearEventFacts {
  const data = obj(facts.payload.data);
  const issue = obj(data?.issue);
  if (!data || !issue) return facts;
  const payload = { ...facts.payload, data: { ...data, issue: { ...issue, labels: labels.map((name) => ({ name })) } } };
  return { ...facts, labels: [...labels], payload };
}
