/**
 * Pull request review state (kelos-behaviour §2.4 step 4): only APPROVED / CHANGES_REQUESTED reviews on the
 * current head commit count; each reviewer's latest one stands; any changes_requested outranks approvals.
 * COMMENTED and DISMISSED reviews are ignored, so they never supersede an approval.
 */
import type { ReviewState } from '../../model/types';
import { goTrimSpace, compareInstants, formatInstant, isAfter, parseRfc3339, type Instant } from '../../go';
import { loginOf, type RestReview } from './rest-types';

export const AGGREGATE_REVIEW_STATES = { none: '', approved: 'approved', changesRequested: 'changes_requested' } as const;
export type AggregateReviewState = (typeof AGGREGATE_REVIEW_STATES)[keyof typeof AGGREGATE_REVIEW_STATES];

export interface ReviewSummary {
  state: AggregateReviewState;
  /** Canonical RFC3339 time of the newest review behind `state`; absent when state is ''. */
  time?: string;
}

const QUALIFYING: Readonly<Record<string, AggregateReviewState>> = {
  APPROVED: AGGREGATE_REVIEW_STATES.approved,
  CHANGES_REQUESTED: AGGREGATE_REVIEW_STATES.changesRequested,
};

export function aggregateReviewState(reviews: readonly RestReview[], headSHA: string): ReviewSummary {
  const latestByReviewer = new Map<string, { state: AggregateReviewState; time: Instant }>();
  for (const review of reviews) {
    const state = QUALIFYING[goTrimSpace(review.state ?? '').toUpperCase()];
    if (!state || review.commit_id !== headSHA) continue;
    const reviewer = goTrimSpace(loginOf(review.user)).toLowerCase();
    const time = parseRfc3339(review.submitted_at);
    if (!reviewer || !time) continue;
    const current = latestByReviewer.get(reviewer);
    // Strictly newer: on equal times the first listed review stands.
    if (!current || compareInstants(time, current.time) > 0) latestByReviewer.set(reviewer, { state, time });
  }
  for (const wanted of [AGGREGATE_REVIEW_STATES.changesRequested, AGGREGATE_REVIEW_STATES.approved]) {
    let newest: Instant | undefined;
    for (const { state, time } of latestByReviewer.values()) {
      if (state === wanted && (!newest || compareInstants(time, newest) > 0)) newest = time;
    }
    if (newest) return { state: wanted, time: formatInstant(newest) };
  }
  return { state: AGGREGATE_REVIEW_STATES.none };
}

/** `reviewState: any` passes everything; otherwise the aggregate must equal the filter. */
export function reviewStateMatches(filter: ReviewState, state: AggregateReviewState): boolean {
  return filter === 'any' || filter === state;
}

/**
 * A PR's trigger time: the comment trigger time, replaced by the review time when the spawner filters on a
 * review state and the review is newer, so a fresh qualifying review re-runs a finished Task.
 */
export function pullRequestTriggerTime(filter: ReviewState, review: ReviewSummary, commentTriggerTime: string | undefined): string | undefined {
  if (filter === 'any' || !review.time) return commentTriggerTime;
  if (!commentTriggerTime || isAfter(review.time, commentTriggerTime)) return review.time;
  return commentTriggerTime;
}
