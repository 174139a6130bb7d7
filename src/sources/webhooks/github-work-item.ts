/**
 * A GitHub delivery as a WorkItem: the seed's variables (kelos-behaviour §4.2). Kelos leaves optional variables
 * out of the map when empty; we keep every variable present (template-vars.ts) with the same values otherwise.
 * As in Kelos, the check-run variables (incl. HeadSHA) are set for check_run only, and `Labels` stays empty.
 * `Payload` is the JSON body (the template engine resolves Go field names such as `.Payload.PullRequest.Head.Ref`).
 */
import { templateVarsFor } from '../template-vars';
import type { WorkItem } from '../work-item';
import { PULL_REQUEST_KINDS, type GitHubEventFacts } from './github-event';
import { webhookEventPart } from './task-name';
import { budgetedPayload, defaultWebhookTaskName, type WebhookWorkItem, type WebhookWorkItemOptions } from './webhook-work-item';

export interface GitHubWorkItemOptions extends WebhookWorkItemOptions {
  /** What `{{.ChangedFiles}}` shows this spawner: use githubChangedFilesForSpawner. Default: push files, else none. */
  changedFiles?: readonly string[];
}

/** Reporting target kind, as Kelos's webhookSourceKind. */
export function githubReportKind(facts: GitHubEventFacts): 'issue' | 'pull-request' {
  if (PULL_REQUEST_KINDS.has(facts.kind)) return 'pull-request';
  if (facts.kind === 'issue_comment') return facts.onPullRequest ? 'pull-request' : 'issue';
  if (facts.kind === 'check_run') return facts.number > 0 ? 'pull-request' : 'issue';
  return 'issue';
}

export function toGitHubWorkItem(facts: GitHubEventFacts, payload: object, options: GitHubWorkItemOptions = {}): WebhookWorkItem {
  const { value, payloadTrimmed } = budgetedPayload(payload, options);
  const changedFiles = [...(options.changedFiles ?? (facts.kind === 'push' ? facts.changedFiles : []))];
  const checkRun =
    facts.kind === 'check_run'
      ? { CheckName: facts.checkName, Conclusion: facts.conclusion, CheckRunURL: facts.checkRunURL, HeadSHA: facts.headSHA, CheckApp: facts.checkApp }
      : {};
  const vars = templateVarsFor('githubWebhook', {
    Event: facts.event,
    Action: facts.action,
    Sender: facts.sender,
    Ref: facts.ref,
    Repository: facts.repository,
    RepositoryOwner: facts.repositoryOwner,
    RepositoryName: facts.repositoryName,
    Payload: value,
    ID: facts.id,
    Title: facts.title,
    Kind: 'webhook',
    ChangedFiles: changedFiles,
    Number: facts.number,
    Body: facts.body,
    URL: facts.url,
    Branch: facts.branch,
    CommentBody: facts.commentBody,
    CommentURL: facts.commentURL,
    Tag: facts.tag,
    RefType: facts.refType,
    ...checkRun,
  });
  const report: WorkItem['report'] =
    facts.number > 0
      ? {
          kind: githubReportKind(facts),
          owner: facts.repositoryOwner,
          repo: facts.repositoryName,
          number: facts.number,
          ...(facts.headSHA ? { headSHA: facts.headSHA } : {}),
        }
      : undefined;
  const defaultTaskName = defaultWebhookTaskName(options, webhookEventPart.github(facts.event));
  return {
    id: facts.id || facts.deliveryId,
    vars,
    labels: [...facts.labels],
    deliveryId: facts.deliveryId,
    ...(defaultTaskName ? { defaultTaskName } : {}),
    ...(report ? { report } : {}),
    ...(payloadTrimmed ? { payloadTrimmed } : {}),
  };
}
