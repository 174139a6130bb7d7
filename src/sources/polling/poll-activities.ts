/**
 * `pollSource`: one poll of a spawner's polling source. Reads the Workspace and its secret (only here: secrets
 * never reach the workflow), polls the source with the state kept on disk since the last poll, and answers with
 * the difference since the spawner's cursor. Failures are typed (src/sources/polling/source-errors.ts) so the
 * spawner can show them in its status: rate limits retry when the limit resets, bad credentials do not retry.
 */
import * as path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { GitHubIssuesSource, GitHubPullRequestsSource, JiraSource } from '../../model/types';
import type { GitHubTarget } from '../github/repo-target';
import type { PollSourceInput, PollSourceResult } from './poll';
import type { WorkItem } from '../work-item';
import { localSecretSource, type SecretSource } from '../../host/secret-source';
import type { GitHubCredentials } from '../github/github-credentials';
import { resolveGitHubAccess } from '../github/github-access';
import { fetchJiraItems } from '../jira/fetch-jira-items';
import { jiraCredentialsFromSecret, type JiraCredentials } from '../jira/jira-credentials';
import { createGitHubClient, type RequestStats } from '../github/github-client';
import { DEFAULT_FULL_RESYNC_MS, pollGitHub, type GitHubSnapshot } from '../github/github-poller';
import { deltaSince, recordPoll } from './poll-ledger';
import { DEFAULT_POLL_ANSWER_BUDGET_BYTES, pageOfDelta } from './poll-page';
import { PollStateStore, configHash, fingerprint } from './poll-state-store';
import { kelosMetrics } from '../../host/metrics/kelos-metrics';

export interface PollActivityDeps {
  client: Client;
  home: string;
  /** Where secret values are read (default: the local secret store under `home`). */
  secrets?: SecretSource;
  /** Environment the worker reads `GITHUB_API_URL` from (tests pass their own). */
  env?: Record<string, string | undefined>;
  /** Full GitHub listing at least this often; default 6 hours. */
  githubFullResyncMs?: number;
  /** Bytes of items and removed ids per answer (default DEFAULT_POLL_ANSWER_BUDGET_BYTES); tests set less. */
  answerBudgetBytes?: number;
  now?: () => Date;
  /** This worker's own poll queue (src/sources/polling/poll.ts workerPollQueue), named in every answer. */
  pollQueue?: string;
}

/** What a source hands the shared delta logic: every matching item, in order, plus its own state to keep. */
interface SourcePoll<S> {
  items: WorkItem[];
  sourceState: S;
  stats: RequestStats;
}

export function createPollActivities(deps: PollActivityDeps) {
  const secrets = deps.secrets ?? localSecretSource(deps.home);
  const store = new PollStateStore(path.join(deps.home, 'poll-state'));
  const env = deps.env ?? process.env;
  const now = deps.now ?? (() => new Date());

  /** One discovery cycle, counted as Kelos's spawner counts them (cycles, failures, items, duration). */
  async function pollSource(input: PollSourceInput): Promise<PollSourceResult> {
    const m = kelosMetrics();
    const labels = { namespace: input.namespace, spawner: input.spawnerId.slice(input.spawnerId.lastIndexOf('/') + 1) };
    const started = Date.now();
    try {
      const result = await pollSourceOnce(input);
      m.discovery.inc(labels);
      m.itemsDiscovered.inc(labels, result.matching);
      return result;
    } catch (err) {
      m.discoveryErrors.inc(labels);
      throw err;
    } finally {
      m.discoveryDuration.observe(labels, (Date.now() - started) / 1000);
    }
  }

  async function pollSourceOnce(input: PollSourceInput): Promise<PollSourceResult> {
    const context = Context.current();
    const heartbeat = (message: string) => context.heartbeat(message);
    switch (input.kind) {
      case 'githubIssues':
      case 'githubPullRequests':
        return withDelta<GitHubPlan, GitHubSnapshot>(input, await githubPlan(input), (previous, plan) => pollGitHubSource(input, plan, previous, context.cancellationSignal, heartbeat));
      case 'jira':
        return withDelta<JiraPlan, undefined>(input, await jiraPlan(input), (_previous, plan) => pollJiraSource(plan, heartbeat));
    }
  }

  /** Runs one source poll against the stored state, stores the outcome, and answers with the delta. */
  async function withDelta<P extends { configKey: unknown }, S>(
    input: PollSourceInput,
    plan: P,
    poll: (previous: S | undefined, plan: P) => Promise<SourcePoll<S>>,
  ): Promise<PollSourceResult> {
    const state = store.load<S>(input.spawnerId, configHash(plan.configKey));
    const outcome = await poll(state.source, plan);
    const recorded = recordPoll(state.ledger, new Map(outcome.items.map((item) => [item.id, fingerprint(item)])));
    const delta = deltaSince(recorded, input.cursor, input.resend);
    const page = pageOfDelta(recorded, input.cursor, delta, outcome.items, deps.answerBudgetBytes ?? DEFAULT_POLL_ANSWER_BUDGET_BYTES);
    // Stored before answering: a retry after a lost answer repeats the same cursor and gets the same page.
    store.save(input.spawnerId, { ...state, ledger: page.ledger, source: outcome.sourceState });
    if (page.truncated.length) {
      Context.current().log.warn('poll answer: items too big for one answer were cut to fit', { ids: page.truncated });
    }
    return {
      cursor: page.cursor,
      full: delta.full,
      items: page.items,
      removed: page.removed,
      ...(page.more ? { more: true } : {}),
      ...(page.truncated.length ? { truncated: page.truncated } : {}),
      matching: outcome.items.length,
      requests: { ...outcome.stats },
      ...(deps.pollQueue ? { pollQueue: deps.pollQueue } : {}),
    };
  }

  interface GitHubPlan {
    configKey: unknown;
    baseUrl: string;
    target: GitHubTarget;
    credentials: GitHubCredentials;
  }

  async function githubPlan(input: PollSourceInput): Promise<GitHubPlan> {
    const source = input.source as GitHubIssuesSource | GitHubPullRequestsSource;
    const access = await resolveGitHubAccess(
      { client: deps.client, secrets, env },
      { namespace: input.namespace, workspaceRef: input.workspaceRef, repoOverride: source.repo, requireRepo: true },
    );
    const target = access.target!;
    // pollInterval is left out: changing it must not throw away the cache.
    const { pollInterval: _interval, pollIntervalMs: _intervalMs, ...query } = source;
    return { configKey: { kind: input.kind, query, baseUrl: access.baseUrl, owner: target.owner, repo: target.repo, usage: input.usage }, baseUrl: access.baseUrl, target, credentials: access.credentials };
  }

  async function pollGitHubSource(
    input: PollSourceInput,
    plan: GitHubPlan,
    previous: GitHubSnapshot | undefined,
    signal: AbortSignal,
    heartbeat: (message: string) => void,
  ): Promise<SourcePoll<GitHubSnapshot>> {
    const client = createGitHubClient({ baseUrl: plan.baseUrl, credentials: plan.credentials, signal });
    const outcome = await pollGitHub(
      client,
      { kind: input.kind as 'githubIssues' | 'githubPullRequests', source: input.source as GitHubIssuesSource, target: plan.target, usage: input.usage },
      previous,
      { identity: plan.credentials.identity, now, fullResyncMs: deps.githubFullResyncMs ?? DEFAULT_FULL_RESYNC_MS, progress: heartbeat },
    );
    return { items: outcome.items, sourceState: outcome.snapshot, stats: client.stats };
  }

  interface JiraPlan {
    configKey: unknown;
    source: JiraSource;
    credentials: JiraCredentials;
  }

  async function jiraPlan(input: PollSourceInput): Promise<JiraPlan> {
    const source = input.source as JiraSource;
    const secretName = source.secretRef.name;
    let credentials: JiraCredentials;
    try {
      credentials = jiraCredentialsFromSecret(secretName, await secrets.read(input.namespace, secretName));
    } catch (err) {
      throw ApplicationFailure.nonRetryable((err as Error).message, 'SecretInvalid');
    }
    const { pollInterval: _interval, pollIntervalMs: _intervalMs, ...query } = source;
    return { configKey: { kind: 'jira', query }, source, credentials };
  }

  /** Jira has no conditional search: every poll reads every page; the delta still keeps the spawner's history small. */
  async function pollJiraSource(plan: JiraPlan, heartbeat: (message: string) => void): Promise<SourcePoll<undefined>> {
    const result = await fetchJiraItems(plan.source, plan.credentials, { onPage: (pages, issues) => heartbeat(`${pages} pages, ${issues} issues`) });
    return { items: result.items, sourceState: undefined, stats: { requests: result.requests, notModified: 0, points: result.requests } };
  }

  return { pollSource };
}
