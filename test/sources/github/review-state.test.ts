import type { ReviewState } from '../../../src/model/types';
import { aggregateReviewState, pullRequestTriggerTime, reviewStateMatches, type ReviewSummary } from '../../../src/sources/github/review-state';
import { HEAD_SHA, restReview } from './rest-fixtures';

describe('review state aggregation (Appendix B 7, AggregatePullRequestReviewState)', () => {
  const cases: [string, ReturnType<typeof restReview>[], ReviewSummary][] = [
    ['no reviews', [], { state: '' }],
    [
      'changes requested dominates approved',
      [restReview('APPROVED', '2026-01-02T12:00:00Z', 'reviewer-a'), restReview('CHANGES_REQUESTED', '2026-01-03T12:00:00Z', 'reviewer-b')],
      { state: 'changes_requested', time: '2026-01-03T12:00:00Z' },
    ],
    [
      'changes requested dominates even a newer approval by someone else',
      [restReview('CHANGES_REQUESTED', '2026-01-02T12:00:00Z', 'reviewer-a'), restReview('APPROVED', '2026-01-05T12:00:00Z', 'reviewer-b')],
      { state: 'changes_requested', time: '2026-01-02T12:00:00Z' },
    ],
    [
      "each reviewer's latest review stands",
      [restReview('CHANGES_REQUESTED', '2026-01-02T12:00:00Z', 'reviewer-a'), restReview('APPROVED', '2026-01-03T12:00:00Z', 'reviewer-a')],
      { state: 'approved', time: '2026-01-03T12:00:00Z' },
    ],
    [
      'latest is by submitted_at, not list order',
      [restReview('APPROVED', '2026-01-03T12:00:00Z', 'reviewer-a'), restReview('CHANGES_REQUESTED', '2026-01-02T12:00:00Z', 'reviewer-a')],
      { state: 'approved', time: '2026-01-03T12:00:00Z' },
    ],
    [
      'reviewers are compared case-insensitively',
      [restReview('CHANGES_REQUESTED', '2026-01-02T12:00:00Z', 'Reviewer-A'), restReview('APPROVED', '2026-01-03T12:00:00Z', 'reviewer-a')],
      { state: 'approved', time: '2026-01-03T12:00:00Z' },
    ],
    [
      'reviews on an older commit are ignored',
      [restReview('CHANGES_REQUESTED', '2026-01-04T12:00:00Z', 'reviewer-a', { commitId: 'old-sha' }), restReview('APPROVED', '2026-01-03T12:00:00Z', 'reviewer-a')],
      { state: 'approved', time: '2026-01-03T12:00:00Z' },
    ],
    [
      'COMMENTED and DISMISSED do not supersede an approval',
      [
        restReview('APPROVED', '2026-01-02T12:00:00Z', 'reviewer-a'),
        restReview('COMMENTED', '2026-01-03T12:00:00Z', 'reviewer-a'),
        restReview('DISMISSED', '2026-01-04T12:00:00Z', 'reviewer-a'),
      ],
      { state: 'approved', time: '2026-01-02T12:00:00Z' },
    ],
    ['only non-qualifying reviews', [restReview('COMMENTED', '2026-01-02T12:00:00Z', 'reviewer-a')], { state: '' }],
    ['pending reviews (no submitted_at) are ignored', [restReview('PENDING', null, 'reviewer-a'), restReview('APPROVED', null, 'reviewer-b')], { state: '' }],
    ['reviews from deleted users are ignored', [restReview('CHANGES_REQUESTED', '2026-01-02T12:00:00Z', null)], { state: '' }],
    [
      'the approval time is the newest approving reviewer',
      [restReview('APPROVED', '2026-01-02T12:00:00Z', 'reviewer-a'), restReview('APPROVED', '2026-01-04T12:00:00Z', 'reviewer-b')],
      { state: 'approved', time: '2026-01-04T12:00:00Z' },
    ],
    ['state names are case-insensitive', [restReview('approved', '2026-01-02T12:00:00Z', 'reviewer-a')], { state: 'approved', time: '2026-01-02T12:00:00Z' }],
  ];
  it.each(cases)('%s', (_name, reviews, expected) => {
    expect(aggregateReviewState(reviews, HEAD_SHA)).toEqual(expected);
  });
});

describe('review state filter', () => {
  it.each([
    ['any', '', true],
    ['any', 'approved', true],
    ['approved', 'approved', true],
    ['approved', 'changes_requested', false],
    ['changes_requested', '', false],
  ] as const)('%s vs %j', (filter, state, expected) => {
    expect(reviewStateMatches(filter, state)).toBe(expected);
  });
});

describe('review time becomes the trigger time only when reviewState ≠ any (ResolvePullRequestTriggerTime)', () => {
  const review: ReviewSummary = { state: 'changes_requested', time: '2026-01-05T12:00:00Z' };
  const cases: [string, ReviewState, ReviewSummary, string | undefined, string | undefined][] = [
    ['filter set, newer review wins', 'changes_requested', review, '2026-01-04T12:00:00Z', '2026-01-05T12:00:00Z'],
    ['filter any keeps the comment time', 'any', review, '2026-01-04T12:00:00Z', '2026-01-04T12:00:00Z'],
    ['filter any without a comment time has none', 'any', review, undefined, undefined],
    ['filter set, a newer comment trigger wins', 'changes_requested', review, '2026-01-06T12:00:00Z', '2026-01-06T12:00:00Z'],
    ['filter set, no comment trigger: review time', 'approved', { state: 'approved', time: '2026-01-05T12:00:00Z' }, undefined, '2026-01-05T12:00:00Z'],
    ['filter set, no review: comment time', 'approved', { state: '' }, '2026-01-04T12:00:00Z', '2026-01-04T12:00:00Z'],
  ];
  it.each(cases)('%s', (_name, filter, summary, commentTime, expected) => {
    expect(pullRequestTriggerTime(filter, summary, commentTime)).toBe(expected);
  });
});
