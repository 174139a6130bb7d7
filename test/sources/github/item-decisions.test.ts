/**
 * Whole-item decisions from REST-shaped data, mirroring Kelos's Discover tests for the Appendix B cases.
 */
import type { CommentPolicy, GitHubIssuesSource, GitHubPullRequestsSource } from '../../../src/model/types';
import { authorizationDecider } from '../../../src/sources/github/comment-authorization';
import { issuePolicyInput, pullRequestPolicyInput } from '../../../src/sources/github/comment-pool';
import { authorizationNeeds, commandActors } from '../../../src/sources/github/comment-policy';
import { decideIssue, decidePullRequest, type FetchedPullRequest, type ItemDecision } from '../../../src/sources/github/item-decisions';
import { restComment, restIssue, restPull, restReview, restReviewComment } from './rest-fixtures';

const PICK_UP = '/kelos pick-up';
const NEEDS_INPUT = '/kelos needs-input';
const repo = { owner: 'Codertocat', repo: 'Hello-World' };
const issues = (o: Partial<GitHubIssuesSource> = {}): GitHubIssuesSource => ({ types: ['issues'], state: 'open', pollInterval: '5m', pollIntervalMs: 300_000, ...o });
const pulls = (o: Partial<GitHubPullRequestsSource> = {}): GitHubPullRequestsSource => ({ state: 'open', reviewState: 'any', pollInterval: '5m', pollIntervalMs: 300_000, ...o });

const outcome = (d: ItemDecision) => ('item' in d ? { included: true, triggerTime: d.item.triggerTime } : d);

describe('issues', () => {
  it('trigger time survives comment truncation (Appendix B 4, TriggerTimeSurvivesByteLimit)', () => {
    const d = decideIssue(
      issues({ commentPolicy: { triggerComment: PICK_UP } }),
      {
        issue: restIssue({ number: 1 }),
        comments: [restComment(PICK_UP, '2026-01-10T10:00:00Z'), restComment('x'.repeat(70 * 1024), '2026-01-15T10:00:00Z'), restComment(PICK_UP, '2026-01-20T10:00:00Z')],
      },
      undefined,
      repo,
    );
    expect('item' in d && d.item.triggerTime).toBe('2026-01-20T10:00:00Z');
    expect('item' in d && d.item.vars.Comments).toBe(PICK_UP);
  });

  it('a trigger whose text was truncated away still sets the trigger time', () => {
    const d = decideIssue(issues({ commentPolicy: { triggerComment: PICK_UP } }), {
      issue: restIssue(),
      comments: [restComment(PICK_UP, '2026-01-10T10:00:00Z'), restComment('x'.repeat(70 * 1024), '2026-01-15T10:00:00Z')],
    });
    expect('item' in d && [d.item.triggerTime, d.item.vars.Comments]).toEqual(['2026-01-10T10:00:00Z', '']);
  });

  const cases: [string, Partial<GitHubIssuesSource>, Parameters<typeof decideIssue>[1], ReturnType<typeof outcome>][] = [
    ['filters run before the policy', { excludeLabels: ['wontfix'], commentPolicy: { triggerComment: PICK_UP } }, { issue: restIssue({ labels: ['wontfix'] }), comments: [restComment(PICK_UP, '2026-01-01T00:00:00Z')] }, { skipped: 'filters' }],
    ['no policy: included without a trigger time', {}, { issue: restIssue(), comments: [restComment(PICK_UP, '2026-01-01T00:00:00Z')] }, { included: true, triggerTime: undefined }],
    [
      'trigger, exclude, trigger resumes (TriggerAsResume)',
      { commentPolicy: { triggerComment: PICK_UP, excludeComments: [NEEDS_INPUT] } },
      { issue: restIssue(), comments: [restComment(PICK_UP, '2026-01-01T00:00:00Z'), restComment(NEEDS_INPUT, '2026-01-02T00:00:00Z'), restComment(PICK_UP, '2026-01-03T00:00:00Z')] },
      { included: true, triggerTime: '2026-01-03T00:00:00Z' },
    ],
    [
      'trigger then exclude excludes',
      { commentPolicy: { triggerComment: PICK_UP, excludeComments: [NEEDS_INPUT] } },
      { issue: restIssue(), comments: [restComment(PICK_UP, '2026-01-01T00:00:00Z'), restComment(NEEDS_INPUT, '2026-01-02T00:00:00Z')] },
      { skipped: 'comment-policy' },
    ],
    ['body trigger: included with zero time', { commentPolicy: { triggerComment: PICK_UP } }, { issue: restIssue({ body: `Please\n${PICK_UP}` }), comments: [] }, { included: true, triggerTime: undefined }],
    ['a deleted commenter counts when no rules are set', { commentPolicy: { triggerComment: PICK_UP } }, { issue: restIssue(), comments: [restComment(PICK_UP, '2026-01-01T00:00:00Z', null)] }, { included: true, triggerTime: '2026-01-01T00:00:00Z' }],
  ];
  it.each(cases)('%s', (_name, o, fetched, expected) => {
    expect(outcome(decideIssue(issues(o), fetched))).toEqual(expected);
  });

  it('an unresolved authorization error fails the item with context (ReturnsAuthorizationLookupError)', () => {
    const policy: CommentPolicy = { triggerComment: PICK_UP, minimumPermission: 'write' };
    const d = decideIssue(
      issues({ commentPolicy: policy }),
      { issue: restIssue({ number: 9 }), comments: [restComment(PICK_UP, '2026-01-01T00:00:00Z', 'bob')] },
      authorizationDecider(policy, { bob: { permission: { error: 'GitHub API returned status 500' } } }),
    );
    expect(d).toEqual({ error: 'evaluating comment policy for issue #9: checking repository permission for "bob": GitHub API returned status 500' });
  });

  it('the activity flow: command actors → lookups needed → decision', () => {
    const policy: CommentPolicy = { triggerComment: PICK_UP, excludeComments: [NEEDS_INPUT], minimumPermission: 'write' };
    const issue = restIssue({ author: 'reporter', body: 'hi' });
    const comments = [restComment(PICK_UP, '2026-01-01T00:00:00Z', 'Maintainer'), restComment(NEEDS_INPUT, '2026-01-02T00:00:00Z', 'drive-by'), restComment('+1', '2026-01-03T00:00:00Z', 'fan')];
    const needs = authorizationNeeds(policy, commandActors(policy, issuePolicyInput(issue, comments)));
    expect(needs).toEqual({ logins: ['maintainer', 'drive-by'], minimumPermission: 'write', teams: [] });
    const decide = authorizationDecider(policy, {
      maintainer: { permission: { found: { permission: 'write', role_name: 'maintain' } } },
      'drive-by': { permission: { notFound: true } },
    });
    expect(outcome(decideIssue(issues({ commentPolicy: policy }), { issue, comments }, decide))).toEqual({ included: true, triggerTime: '2026-01-01T00:00:00Z' });
  });
});

describe('pull requests', () => {
  const both = { triggerComment: PICK_UP, excludeComments: [NEEDS_INPUT] };
  const fetched = (o: Partial<FetchedPullRequest> = {}): FetchedPullRequest => ({ pull: restPull({ number: 1 }), files: [], reviews: [], comments: [], reviewComments: [], ...o });
  const cases: [string, Partial<GitHubPullRequestsSource>, FetchedPullRequest, ReturnType<typeof outcome>][] = [
    [
      'an exclude comment is not cleared by a newer review (Appendix B 6)',
      { reviewState: 'changes_requested', commentPolicy: both },
      fetched({ reviews: [restReview('CHANGES_REQUESTED', '2026-01-05T12:00:00Z', 'reviewer')], comments: [restComment(NEEDS_INPUT, '2026-01-04T12:00:00Z')] }),
      { skipped: 'comment-policy' },
    ],
    [
      'a qualifying review newer than the trigger comment becomes the trigger time (Appendix B 7)',
      { reviewState: 'changes_requested', commentPolicy: both },
      fetched({ reviews: [restReview('CHANGES_REQUESTED', '2026-01-05T12:00:00Z', 'reviewer')], comments: [restComment(PICK_UP, '2026-01-04T12:00:00Z')] }),
      { included: true, triggerTime: '2026-01-05T12:00:00Z' },
    ],
    [
      'reviewState filter drops other states',
      { reviewState: 'approved' },
      fetched({ reviews: [restReview('CHANGES_REQUESTED', '2026-01-05T12:00:00Z', 'reviewer')] }),
      { skipped: 'review-state' },
    ],
    [
      'reviewState filter: a review on an older commit does not count',
      { reviewState: 'approved' },
      fetched({ reviews: [restReview('APPROVED', '2026-01-05T12:00:00Z', 'reviewer', { commitId: 'old-sha' })] }),
      { skipped: 'review-state' },
    ],
    [
      'reviewState any: the review time is not a trigger time',
      {},
      fetched({ reviews: [restReview('APPROVED', '2026-01-05T12:00:00Z', 'reviewer')] }),
      { included: true, triggerTime: undefined },
    ],
    [
      'trigger command in an inline review comment (Appendix B 8)',
      { commentPolicy: { triggerComment: PICK_UP } },
      fetched({ reviewComments: [restReviewComment(PICK_UP, { createdAt: '2026-01-03T12:00:00Z' })] }),
      { included: true, triggerTime: '2026-01-03T12:00:00Z' },
    ],
    [
      'exclude command in an inline review comment',
      { commentPolicy: both },
      fetched({ comments: [restComment(PICK_UP, '2026-01-02T12:00:00Z')], reviewComments: [restReviewComment(NEEDS_INPUT, { createdAt: '2026-01-03T12:00:00Z' })] }),
      { skipped: 'comment-policy' },
    ],
    [
      'trigger command in a review body, timed by submitted_at',
      { commentPolicy: both },
      fetched({ comments: [restComment(NEEDS_INPUT, '2026-01-02T12:00:00Z')], reviews: [restReview('COMMENTED', '2026-01-03T12:00:00Z', 'alice', { body: `  ${PICK_UP}  ` })] }),
      { included: true, triggerTime: '2026-01-03T12:00:00Z' },
    ],
    [
      'exclude command in a review body, even on an older commit',
      { commentPolicy: both },
      fetched({ comments: [restComment(PICK_UP, '2026-01-02T12:00:00Z')], reviews: [restReview('COMMENTED', '2026-01-03T12:00:00Z', 'alice', { body: NEEDS_INPUT, commitId: 'old-sha' })] }),
      { skipped: 'comment-policy' },
    ],
    [
      'an unauthorized review body is ignored (Appendix B 2, CommentPolicyIgnoresUnauthorizedReviewBody)',
      { commentPolicy: { ...both, allowedUsers: ['alice'] } },
      fetched({ comments: [restComment(PICK_UP, '2026-01-02T12:00:00Z', 'alice')], reviews: [restReview('COMMENTED', '2026-01-03T12:00:00Z', 'mallory', { body: NEEDS_INPUT })] }),
      { included: true, triggerTime: '2026-01-02T12:00:00Z' },
    ],
    [
      'body trigger needs an authorized PR author',
      { commentPolicy: { triggerComment: PICK_UP, allowedUsers: ['alice'] } },
      fetched({ pull: restPull({ body: PICK_UP, author: 'mallory' }) }),
      { skipped: 'comment-policy' },
    ],
    ['all files excluded rejects (Appendix B 9)', { filePatterns: { exclude: ['docs/**'] } }, fetched({ files: [{ filename: 'docs/a.md' }] }), { skipped: 'file-patterns' }],
    ['exclude-only patterns pass what is left', { filePatterns: { exclude: ['docs/**'] } }, fetched({ files: [{ filename: 'docs/a.md' }, { filename: 'main.go' }] }), { included: true, triggerTime: undefined }],
    ['file patterns run before reviews', { filePatterns: { include: ['**/*.go'] }, reviewState: 'approved' }, fetched({ files: ['README.md'] }), { skipped: 'file-patterns' }],
    ['no patterns need no files', {}, fetched({ files: undefined }), { included: true, triggerTime: undefined }],
    ['labels are ANDed', { labels: ['a', 'b'] }, fetched({ pull: restPull({ labels: ['a'] }) }), { skipped: 'filters' }],
  ];
  it.each(cases)('%s', (_name, o, data, expected) => {
    expect(outcome(decidePullRequest(pulls(o), data, undefined, repo))).toEqual(expected);
  });

  it('the comment pool is conversation, inline, then review bodies (positions for ties)', () => {
    const pull = restPull({ body: 'body', author: 'author' });
    const input = pullRequestPolicyInput(
      pull,
      [restComment('conversation', '2026-01-01T00:00:00Z', 'a')],
      [restReviewComment('inline', { createdAt: '2026-01-01T00:00:00Z', author: 'b' })],
      [restReview('APPROVED', '2026-01-01T00:00:00Z', 'c', { body: ' review ' }), restReview('COMMENTED', '2026-01-01T00:00:00Z', 'd', { body: '   ' })],
    );
    expect(input).toEqual({
      body: 'body',
      author: 'author',
      comments: [
        { body: 'conversation', author: 'a', createdAt: '2026-01-01T00:00:00Z', position: 0 },
        { body: 'inline', author: 'b', createdAt: '2026-01-01T00:00:00Z', position: 1 },
        { body: 'review', author: 'c', createdAt: '2026-01-01T00:00:00Z', position: 2 },
      ],
    });
  });

  it('builds the item with head branch, review state and formatted review comments', () => {
    const d = decidePullRequest(
      pulls({ reviewState: 'approved' }),
      fetched({
        pull: restPull({ number: 5, headRef: 'fix/typo' }),
        reviews: [restReview('APPROVED', '2026-01-05T12:00:00Z', 'reviewer')],
        comments: [restComment('thanks', '2026-01-01T00:00:00Z')],
        reviewComments: [restReviewComment('nit', { path: 'README.md', line: 1 })],
      }),
      undefined,
      repo,
    );
    expect('item' in d && d.item).toMatchObject({
      id: '5',
      triggerTime: '2026-01-05T12:00:00Z',
      vars: { Kind: 'PR', Branch: 'fix/typo', ReviewState: 'approved', Comments: 'thanks', ReviewComments: 'README.md:1\nnit' },
      report: { kind: 'pull-request', number: 5 },
    });
  });
});
