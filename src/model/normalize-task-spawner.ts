/**
 * Validated TaskSpawner document (either version) → normalised {@link TaskSpawnerResource}, applying Kelos's
 * v1alpha1→v1alpha2 conversion (pollInterval copy, comment-policy folding, agentConfigRef) and CRD defaults.
 */
import { parsePollInterval } from '../go';
import {
  DEFAULTS,
  EXECUTION_FORMS,
  SOURCE_KINDS,
  type CommentPolicy,
  type ContextSource,
  type GenericWebhookFilter,
  type GitHubReporting,
  type PollInterval,
  type ResourceOrigin,
  type TaskSpawnerResource,
  type TaskTemplate,
  type When,
} from './types';
import { normalizeMetadata, resolveExecution } from './normalize-execution';
import { compact, nonEmpty } from './raw';
import type { Version } from './schema-common';
import type { RawTaskSpawner } from './schema-documents';
import type { RawCommentPolicy, RawReporting, RawWhen } from './schema-sources';
import type { RawContextSource, RawTaskTemplate } from './schema-task';

export function buildTaskSpawner(raw: RawTaskSpawner, version: Version, origin: ResourceOrigin): TaskSpawnerResource {
  const spec = raw.spec;
  // v1alpha1 spec.pollInterval (CRD default 5m) is copied into polling sources that have none.
  const legacyPollInterval = version === 'v1alpha1' ? (nonEmpty(spec.pollInterval) ?? DEFAULTS.pollInterval) : undefined;
  const when = normalizeWhen(spec.when, legacyPollInterval);
  const execution = resolveExecution(spec.taskTemplate);
  return compact({
    kind: 'TaskSpawner' as const,
    metadata: normalizeMetadata(raw.metadata),
    spec: compact({
      source: SOURCE_KINDS.find((source) => when[source] !== undefined)!,
      when,
      taskTemplate: normalizeTemplate(spec.taskTemplate, execution),
      credentials: spec.credentials,
      maxConcurrency: spec.maxConcurrency,
      maxTotalTasks: spec.maxTotalTasks,
      suspend: spec.suspend ?? false,
    }),
    status: raw.status,
    origin: { ...origin, executionForm: execution.form },
  });
}

function pollInterval(own: string | undefined, legacy: string | undefined): PollInterval {
  const text = nonEmpty(own) ?? legacy ?? DEFAULTS.pollInterval;
  return { pollInterval: text, pollIntervalMs: parsePollInterval(text) };
}

/** Kelos's foldLegacyCommentPolicy: deprecated fields fill only what commentPolicy leaves empty. */
function foldCommentPolicy(
  policy: RawCommentPolicy | undefined,
  triggerComment: string | undefined,
  excludeComments: string[] | undefined,
): CommentPolicy | undefined {
  const folded: RawCommentPolicy = { ...policy };
  if (nonEmpty(triggerComment) && !nonEmpty(folded.triggerComment)) folded.triggerComment = triggerComment;
  if (excludeComments?.length && !folded.excludeComments?.length) folded.excludeComments = excludeComments;
  const result = compact({ ...folded, triggerComment: nonEmpty(folded.triggerComment) });
  return Object.keys(result).length > 0 ? result : undefined;
}

/** `comments` (any value, even `{}`) or deprecated `enabled: true` turn on status comments. */
function normalizeReporting(reporting: RawReporting | undefined): GitHubReporting | undefined {
  if (!reporting) return undefined;
  const comments =
    reporting.comments || reporting.enabled
      ? { mode: reporting.comments?.mode ?? DEFAULTS.commentMode }
      : undefined;
  const checks = reporting.checks ? compact({ name: nonEmpty(reporting.checks.name) }) : undefined;
  return comments || checks ? compact({ comments, checks }) : undefined;
}

function normalizeGenericFilter(filter: { field: string; value?: string | undefined; pattern?: string | undefined }) {
  return compact<GenericWebhookFilter>({ field: filter.field, value: filter.value, pattern: nonEmpty(filter.pattern) });
}

function normalizeWhen(when: RawWhen, legacyPollInterval: string | undefined): When {
  const { githubIssues, githubPullRequests, jira, cron, githubWebhook, linearWebhook, webhook, slack } = when;
  return compact<When>({
    githubIssues: githubIssues && {
      ...compact({
        repo: nonEmpty(githubIssues.repo),
        types: githubIssues.types?.length ? githubIssues.types : [...DEFAULTS.githubIssuesTypes],
        labels: githubIssues.labels,
        excludeLabels: githubIssues.excludeLabels,
        state: githubIssues.state ?? DEFAULTS.githubIssuesState,
        commentPolicy: foldCommentPolicy(
          githubIssues.commentPolicy,
          githubIssues.triggerComment,
          githubIssues.excludeComments,
        ),
        assignee: nonEmpty(githubIssues.assignee),
        author: nonEmpty(githubIssues.author),
        excludeAuthors: githubIssues.excludeAuthors,
        priorityLabels: githubIssues.priorityLabels,
        reporting: normalizeReporting(githubIssues.reporting),
      }),
      ...pollInterval(githubIssues.pollInterval, legacyPollInterval),
    },
    githubPullRequests: githubPullRequests && {
      ...compact({
        repo: nonEmpty(githubPullRequests.repo),
        labels: githubPullRequests.labels,
        excludeLabels: githubPullRequests.excludeLabels,
        state: githubPullRequests.state ?? DEFAULTS.githubPullRequestsState,
        reviewState: githubPullRequests.reviewState ?? DEFAULTS.reviewState,
        commentPolicy: foldCommentPolicy(
          githubPullRequests.commentPolicy,
          githubPullRequests.triggerComment,
          githubPullRequests.excludeComments,
        ),
        author: nonEmpty(githubPullRequests.author),
        excludeAuthors: githubPullRequests.excludeAuthors,
        draft: githubPullRequests.draft,
        priorityLabels: githubPullRequests.priorityLabels,
        reporting: normalizeReporting(githubPullRequests.reporting),
        filePatterns: githubPullRequests.filePatterns,
      }),
      ...pollInterval(githubPullRequests.pollInterval, legacyPollInterval),
    },
    jira: jira && {
      ...compact({ baseUrl: jira.baseUrl, project: jira.project, jql: nonEmpty(jira.jql), secretRef: jira.secretRef }),
      ...pollInterval(jira.pollInterval, legacyPollInterval),
    },
    cron: cron && { schedule: cron.schedule.trim() },
    githubWebhook: githubWebhook && compact({
      events: githubWebhook.events,
      repository: nonEmpty(githubWebhook.repository),
      excludeAuthors: githubWebhook.excludeAuthors,
      filters: githubWebhook.filters?.map((filter) => compact({ ...filter, commentOn: nonEmpty(filter.commentOn) })),
      reporting: normalizeReporting(githubWebhook.reporting),
    }) as When['githubWebhook'],
    linearWebhook: linearWebhook && compact({
      types: linearWebhook.types,
      filters: linearWebhook.filters?.map((filter) => compact({ ...filter, action: nonEmpty(filter.action) })),
    }) as When['linearWebhook'],
    webhook: webhook && compact({
      source: webhook.source,
      fieldMapping: webhook.fieldMapping,
      filters: webhook.filters?.map(normalizeGenericFilter),
      excludeFilters: webhook.excludeFilters?.map(normalizeGenericFilter),
    }),
    slack,
  });
}

function normalizeContextSource(source: RawContextSource): ContextSource {
  // Validation guarantees http is present.
  const http = source.http!;
  return {
    name: source.name,
    http: compact({
      ...http,
      method: http.method ?? DEFAULTS.contextSourceMethod,
      allowInsecure: http.allowInsecure ?? false,
      timeoutSeconds: http.timeoutSeconds ?? DEFAULTS.contextSourceTimeoutSeconds,
      maxResponseBytes: http.maxResponseBytes ?? DEFAULTS.contextSourceMaxResponseBytes,
    }),
    failurePolicy: source.failurePolicy ?? DEFAULTS.contextSourceFailurePolicy,
  };
}

function normalizeTemplate(template: RawTaskTemplate, execution: ReturnType<typeof resolveExecution>): TaskTemplate {
  const metadata = template.metadata && compact(template.metadata);
  return compact({
    worker: execution.worker,
    workerPoolRef: execution.workerPoolRef,
    discoveryWorkspaceRef: execution.form === EXECUTION_FORMS.workerPool ? template.workspaceRef : undefined,
    promptTemplate: nonEmpty(template.promptTemplate) ?? DEFAULTS.promptTemplate,
    branch: nonEmpty(template.branch),
    nameTemplate: nonEmpty(template.nameTemplate),
    dependsOn: template.dependsOn,
    ttlSecondsAfterFinished: template.ttlSecondsAfterFinished,
    podFailurePolicy: template.podFailurePolicy,
    metadata: metadata && Object.keys(metadata).length > 0 ? metadata : undefined,
    contextSources: template.contextSources?.map(normalizeContextSource),
    upstreamRepo: nonEmpty(template.upstreamRepo),
  });
}
