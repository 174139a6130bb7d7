/**
 * Schemas for `TaskSpawner.spec.when` sources (polling: githubIssues, githubPullRequests, jira, cron; webhooks:
 * githubWebhook, linearWebhook, generic webhook; slack). Wide schemas carry both versions' fields; the per-version
 * `when` schemas swap in the version-specific source objects.
 */
import { z } from 'zod';
import {
  CHECK_CONCLUSIONS,
  COMMENT_MODES,
  COMMENT_ON,
  ISSUE_STATES,
  ISSUE_TYPES,
  LINEAR_ACTIONS,
  PERMISSIONS,
  REVIEW_STATES,
  BOT_MESSAGE_POLICIES,
} from './types';
import { cronSchedule, pollInterval, secretReference, stringList } from './schema-common';

export const commentPolicy = z.strictObject({
  triggerComment: z.string().optional(),
  excludeComments: stringList.optional(),
  allowedUsers: stringList.optional(),
  allowedTeams: z.array(z.string().regex(/^[^/]+\/[^/]+$/)).optional(),
  minimumPermission: z.enum(PERMISSIONS).optional(),
});

const reportingWide = z.strictObject({
  enabled: z.boolean().optional(),
  comments: z.strictObject({ mode: z.enum(COMMENT_MODES).optional() }).optional(),
  checks: z.strictObject({ name: z.string().max(100).optional() }).optional(),
});
/** v1alpha1 reporting has only `enabled` and `checks`. */
const reportingV1 = reportingWide.omit({ comments: true });

const filePatterns = z.strictObject({ include: stringList.optional(), exclude: stringList.optional() });

/** v1alpha1-only deprecated comment fields, folded into commentPolicy by conversion. */
const legacyCommentFields = { triggerComment: true, excludeComments: true } as const;

const githubIssuesWide = z.strictObject({
  repo: z.string().optional(),
  types: z.array(z.enum(ISSUE_TYPES)).optional(),
  labels: stringList.optional(),
  excludeLabels: stringList.optional(),
  state: z.enum(ISSUE_STATES).optional(),
  commentPolicy: commentPolicy.optional(),
  triggerComment: z.string().optional(),
  excludeComments: stringList.optional(),
  assignee: z.string().optional(),
  author: z.string().optional(),
  excludeAuthors: stringList.optional(),
  priorityLabels: stringList.optional(),
  reporting: reportingWide.optional(),
  pollInterval: pollInterval.optional(),
});

const githubPullRequestsWide = z.strictObject({
  repo: z.string().optional(),
  labels: stringList.optional(),
  excludeLabels: stringList.optional(),
  state: z.enum(ISSUE_STATES).optional(),
  reviewState: z.enum(REVIEW_STATES).optional(),
  commentPolicy: commentPolicy.optional(),
  triggerComment: z.string().optional(),
  excludeComments: stringList.optional(),
  author: z.string().optional(),
  excludeAuthors: stringList.optional(),
  draft: z.boolean().optional(),
  priorityLabels: stringList.optional(),
  reporting: reportingWide.optional(),
  filePatterns: filePatterns.optional(),
  pollInterval: pollInterval.optional(),
});

const jira = z.strictObject({
  baseUrl: z.string().regex(/^https?:\/\/.+/),
  project: z.string().min(1),
  jql: z.string().optional(),
  secretRef: secretReference,
  pollInterval: pollInterval.optional(),
});

const cron = z.strictObject({ schedule: cronSchedule });

const githubWebhookFilterWide = z.strictObject({
  event: z.string().min(1),
  action: z.string().optional(),
  bodyContains: z.string().max(1024).optional(),
  bodyPattern: z.string().max(1024).optional(),
  excludeBodyPatterns: z.array(z.string().min(1).max(1024)).max(10).optional(),
  labels: stringList.optional(),
  excludeLabels: stringList.optional(),
  state: z.string().optional(),
  branch: z.string().optional(),
  tag: z.string().optional(),
  draft: z.boolean().optional(),
  commentOn: z.enum([...COMMENT_ON, '']).optional(),
  author: z.string().optional(),
  excludeAuthors: stringList.optional(),
  filePatterns: filePatterns.optional(),
  conclusion: z.enum(CHECK_CONCLUSIONS).optional(),
  checkName: z.string().optional(),
});
/** v1alpha1 filters have no check_run fields and no empty commentOn. */
const githubWebhookFilterV1 = githubWebhookFilterWide
  .omit({ conclusion: true, checkName: true })
  .extend({ commentOn: z.enum(COMMENT_ON).optional() });

const githubWebhookWide = z.strictObject({
  events: z.array(z.string()).min(1).max(20),
  repository: z.string().optional(),
  excludeAuthors: stringList.optional(),
  filters: z.array(githubWebhookFilterWide).optional(),
  reporting: reportingWide.optional(),
});

const linearWebhook = z.strictObject({
  types: z.array(z.string()).min(1),
  filters: z
    .array(
      z.strictObject({
        type: z.string().optional(),
        action: z.enum([...LINEAR_ACTIONS, '']).optional(),
        states: stringList.optional(),
        labels: stringList.optional(),
        excludeLabels: stringList.optional(),
      }),
    )
    .optional(),
});

const genericWebhookFilter = z.strictObject({
  field: z.string(),
  value: z.string().optional(),
  pattern: z.string().optional(),
});

const genericWebhookWide = z.strictObject({
  source: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/),
  fieldMapping: z.record(z.string(), z.string()),
  filters: z.array(genericWebhookFilter).optional(),
  excludeFilters: z.array(genericWebhookFilter).optional(),
});

const slack = z.strictObject({
  channels: z
    .array(z.string().regex(/^[CG][A-Z0-9]{8,}$/))
    .max(64)
    .optional(),
  botMessagePolicy: z.enum(BOT_MESSAGE_POLICIES).optional(),
  triggers: z
    .array(z.strictObject({ pattern: z.string().max(256).optional(), mentionOptional: z.boolean().optional() }))
    .max(8)
    .optional(),
  excludePatterns: z.array(z.string().min(1).max(256)).max(10).optional(),
});

export const whenWide = z.strictObject({
  githubIssues: githubIssuesWide.optional(),
  githubPullRequests: githubPullRequestsWide.optional(),
  jira: jira.optional(),
  cron: cron.optional(),
  githubWebhook: githubWebhookWide.optional(),
  linearWebhook: linearWebhook.optional(),
  webhook: genericWebhookWide.optional(),
  slack: slack.optional(),
});

export const whenV2 = whenWide.extend({
  githubIssues: githubIssuesWide.omit(legacyCommentFields).optional(),
  githubPullRequests: githubPullRequestsWide.omit(legacyCommentFields).optional(),
});

export const whenV1 = whenWide.extend({
  githubIssues: githubIssuesWide.extend({ reporting: reportingV1.optional() }).optional(),
  githubPullRequests: githubPullRequestsWide.extend({ reporting: reportingV1.optional() }).optional(),
  githubWebhook: githubWebhookWide
    .extend({ filters: z.array(githubWebhookFilterV1).optional(), reporting: reportingV1.optional() })
    .optional(),
  webhook: genericWebhookWide.omit({ excludeFilters: true }).optional(),
});

export type RawWhen = z.output<typeof whenWide>;
export type RawReporting = z.output<typeof reportingWide>;
export type RawCommentPolicy = z.output<typeof commentPolicy>;
