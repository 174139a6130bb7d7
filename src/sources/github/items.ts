/**
 * Work items for GitHub issues and pull requests with Kelos's template values (kelos-behaviour §4.2):
 * ID = number as text, Number, Title, Body, URL = html_url, Labels ", "-joined, Comments (conversation only),
 * Kind Issue/PR, and for pull requests Branch = head ref, ReviewState, ReviewComments.
 */
import type { ReviewState } from '../../model/types';
import type { WorkItem } from '../work-item';
import { isPullRequestIssue } from './issue-filters';
import { labelNames, type RestIssue, type RestIssueComment, type RestPullRequest, type RestReviewComment } from './rest-types';
import { pullRequestTriggerTime, type ReviewSummary } from './review-state';
import { formatComments, formatLabels, formatReviewComments } from './text-formats';

/** Where the item lives, for reporting back. */
export interface RepoRef {
  owner?: string;
  repo?: string;
}

export interface IssueItemParts {
  comments: readonly RestIssueComment[];
  /** From `evaluateCommentPolicy`; absent for body triggers and policies without a trigger. */
  triggerTime?: string;
  repo?: RepoRef;
}

export interface PullRequestItemParts {
  comments: readonly RestIssueComment[];
  reviewComments: readonly RestReviewComment[];
  review: ReviewSummary;
  /** The spawner's `reviewState` filter: with anything but `any`, a newer review time becomes the trigger time. */
  reviewStateFilter: ReviewState;
  commentTriggerTime?: string;
  repo?: RepoRef;
}

function reportFacts(kind: 'issue' | 'pull-request', number: number, repo: RepoRef | undefined, headSHA?: string): NonNullable<WorkItem['report']> {
  return {
    kind,
    ...(repo?.owner ? { owner: repo.owner } : {}),
    ...(repo?.repo ? { repo: repo.repo } : {}),
    number,
    ...(headSHA ? { headSHA } : {}),
  };
}

/** An item of the issues list (which also lists pull requests when `types` includes `pulls`). */
export function issueWorkItem(issue: RestIssue, parts: IssueItemParts): WorkItem {
  const labels = labelNames(issue.labels);
  const isPull = isPullRequestIssue(issue);
  return {
    id: String(issue.number),
    vars: {
      ID: String(issue.number),
      Number: issue.number,
      Title: issue.title ?? '',
      Body: issue.body ?? '',
      URL: issue.html_url ?? '',
      Labels: formatLabels(labels),
      Comments: formatComments(parts.comments),
      Kind: isPull ? 'PR' : 'Issue',
    },
    labels,
    ...(parts.triggerTime ? { triggerTime: parts.triggerTime } : {}),
    report: reportFacts(isPull ? 'pull-request' : 'issue', issue.number, parts.repo),
  };
}

export function pullRequestWorkItem(pull: RestPullRequest, parts: PullRequestItemParts): WorkItem {
  const labels = labelNames(pull.labels);
  const triggerTime = pullRequestTriggerTime(parts.reviewStateFilter, parts.review, parts.commentTriggerTime);
  return {
    id: String(pull.number),
    vars: {
      ID: String(pull.number),
      Number: pull.number,
      Title: pull.title ?? '',
      Body: pull.body ?? '',
      URL: pull.html_url ?? '',
      Labels: formatLabels(labels),
      Comments: formatComments(parts.comments),
      Kind: 'PR',
      Branch: pull.head.ref,
      ReviewState: parts.review.state,
      ReviewComments: formatReviewComments(parts.reviewComments, pull.head.sha),
    },
    labels,
    ...(triggerTime ? { triggerTime } : {}),
    report: reportFacts('pull-request', pull.number, parts.repo, pull.head.sha),
  };
}
