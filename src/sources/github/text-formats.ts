/**
 * Template text for GitHub items (kelos-behaviour §2.8). Comment text is capped at 64 KiB of body bytes
 * (separators not counted, as in Kelos); whole comments are dropped oldest first so the newest survive.
 */
import { goTrimSpace, utf8Length } from '../../go';
import type { RestIssueComment, RestReviewComment } from './rest-types';

export const COMMENT_BUDGET_BYTES = 64 * 1024;
export const COMMENT_SEPARATOR = '\n---\n';

export function formatLabels(labels: readonly string[]): string {
  return labels.join(', ');
}

/**
 * Joins parts, keeping the newest that fit the budget. Stops at the first part that does not fit: an older
 * small comment is never kept past a dropped newer one, and an oversize newest part leaves "".
 */
export function joinNewestWithinBudget(parts: readonly string[], budget = COMMENT_BUDGET_BYTES): string {
  const sizes = parts.map(utf8Length);
  if (sizes.reduce((sum, size) => sum + size, 0) <= budget) return parts.join(COMMENT_SEPARATOR);
  let remaining = budget;
  let first = parts.length;
  while (first > 0 && sizes[first - 1] <= remaining) {
    remaining -= sizes[first - 1];
    first--;
  }
  return parts.slice(first).join(COMMENT_SEPARATOR);
}

/** `{{.Comments}}`: conversation comment bodies in API order (oldest first). */
export function formatComments(comments: readonly Pick<RestIssueComment, 'body'>[]): string {
  return joinNewestWithinBudget(comments.map((c) => c.body ?? ''));
}

/**
 * `{{.ReviewComments}}`: inline comments on the head commit with a non-blank body, each as
 * "<path>:<line>\n<body>" (no ":<line>" when line ≤ 0 or null, no location line when the path is empty).
 */
export function formatReviewComments(comments: readonly RestReviewComment[], headSHA: string): string {
  const parts: string[] = [];
  for (const comment of comments) {
    if (comment.commit_id !== headSHA) continue;
    const body = goTrimSpace(comment.body ?? '');
    if (!body) continue;
    const path = goTrimSpace(comment.path ?? '');
    const line = comment.line ?? 0;
    const location = path && line > 0 ? `${path}:${line}` : path;
    parts.push(location ? `${location}\n${body}` : body);
  }
  return joinNewestWithinBudget(parts);
}
