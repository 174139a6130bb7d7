/**
 * The comments a commentPolicy looks at, from REST shapes. Issues: conversation comments. Pull requests:
 * conversation comments, then inline review comments, then non-empty review bodies (timed by `submitted_at`),
 * in that order, which is the position used for ties (kelos-behaviour §2.3).
 */
import type { CommentPolicyInput, PolicyComment } from './comment-policy';
import { goTrimSpace } from '../../go';
import { loginOf, type RestIssue, type RestIssueComment, type RestPullRequest, type RestReview, type RestReviewComment } from './rest-types';

function fromIssueComments(comments: readonly RestIssueComment[]): PolicyComment[] {
  return comments.map((c) => ({ body: c.body ?? '', author: loginOf(c.user), createdAt: c.created_at ?? '' }));
}

export function issuePolicyInput(issue: RestIssue, comments: readonly RestIssueComment[]): CommentPolicyInput {
  return { body: issue.body ?? '', author: loginOf(issue.user), comments: withPositions(fromIssueComments(comments)) };
}

export function pullRequestPolicyInput(
  pull: RestPullRequest,
  conversation: readonly RestIssueComment[],
  reviewComments: readonly RestReviewComment[],
  reviews: readonly RestReview[],
): CommentPolicyInput {
  const inline = reviewComments.map((c) => ({ body: c.body ?? '', author: loginOf(c.user), createdAt: c.created_at ?? '' }));
  const reviewBodies = reviews
    .map((r) => ({ body: goTrimSpace(r.body ?? ''), author: loginOf(r.user), createdAt: r.submitted_at ?? '' }))
    .filter((r) => r.body !== '');
  return { body: pull.body ?? '', author: loginOf(pull.user), comments: withPositions([...fromIssueComments(conversation), ...inline, ...reviewBodies]) };
}

function withPositions(comments: PolicyComment[]): PolicyComment[] {
  return comments.map((comment, position) => ({ ...comment, position }));
}
