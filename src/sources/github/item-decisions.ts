/**
 * One item, start to finish, from already-fetched REST data: Kelos's per-item pipeline (filters, file
 * patterns, review state, comment policy, then the work item). The activity fetches what `fetch-needs.ts`
 * asks for and the authorization lookups that `authorizationNeeds` lists, then calls these.
 */
import type { GitHubIssuesSource, GitHubPullRequestsSource } from '../../model/types';
import type { WorkItem } from '../work-item';
import { issuePolicyInput, pullRequestPolicyInput } from './comment-pool';
import { evaluateCommentPolicy, type Decide } from './comment-policy';
import { issuePassesFilters } from './issue-filters';
import { issueWorkItem, pullRequestWorkItem, type RepoRef } from './items';
import { pullRequestPassesFilePatterns, pullRequestPassesFilters } from './pull-filters';
import type { RestIssue, RestIssueComment, RestPullRequest, RestPullRequestFile, RestReview, RestReviewComment } from './rest-types';
import { aggregateReviewState, reviewStateMatches } from './review-state';

export const SKIP_REASONS = {
  filters: 'filters',
  filePatterns: 'file-patterns',
  reviewState: 'review-state',
  commentPolicy: 'comment-policy',
} as const;
export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

/** An item to create, an item left out (and why), or a failure that must fail the whole cycle. */
export type ItemDecision = { item: WorkItem } | { skipped: SkipReason } | { error: string };

export interface FetchedIssue {
  issue: RestIssue;
  comments?: readonly RestIssueComment[];
}

export interface FetchedPullRequest {
  pull: RestPullRequest;
  files?: readonly (RestPullRequestFile | string)[];
  reviews?: readonly RestReview[];
  comments?: readonly RestIssueComment[];
  reviewComments?: readonly RestReviewComment[];
}

export function decideIssue(source: GitHubIssuesSource, fetched: FetchedIssue, decide?: Decide, repo?: RepoRef): ItemDecision {
  if (!issuePassesFilters(source, fetched.issue)) return { skipped: SKIP_REASONS.filters };
  const comments = fetched.comments ?? [];
  const policy = evaluateCommentPolicy(source.commentPolicy, issuePolicyInput(fetched.issue, comments), decide);
  if (policy.error !== undefined) return { error: `evaluating comment policy for issue #${fetched.issue.number}: ${policy.error}` };
  if (!policy.included) return { skipped: SKIP_REASONS.commentPolicy };
  return { item: issueWorkItem(fetched.issue, { comments, triggerTime: policy.triggerTime, repo }) };
}

export function decidePullRequest(source: GitHubPullRequestsSource, fetched: FetchedPullRequest, decide?: Decide, repo?: RepoRef): ItemDecision {
  const { pull } = fetched;
  if (!pullRequestPassesFilters(source, pull)) return { skipped: SKIP_REASONS.filters };
  if (!pullRequestPassesFilePatterns(source, fetched.files ?? [])) return { skipped: SKIP_REASONS.filePatterns };
  const reviews = fetched.reviews ?? [];
  const review = aggregateReviewState(reviews, pull.head.sha);
  if (!reviewStateMatches(source.reviewState, review.state)) return { skipped: SKIP_REASONS.reviewState };
  const comments = fetched.comments ?? [];
  const reviewComments = fetched.reviewComments ?? [];
  const policy = evaluateCommentPolicy(source.commentPolicy, pullRequestPolicyInput(pull, comments, reviewComments, reviews), decide);
  if (policy.error !== undefined) return { error: `evaluating comment policy for pull request #${pull.number}: ${policy.error}` };
  if (!policy.included) return { skipped: SKIP_REASONS.commentPolicy };
  return {
    item: pullRequestWorkItem(pull, {
      comments,
      reviewComments,
      review,
      reviewStateFilter: source.reviewState,
      commentTriggerTime: policy.triggerTime,
      repo,
    }),
  };
}
