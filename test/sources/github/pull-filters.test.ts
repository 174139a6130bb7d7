import type { GitHubIssuesSource, GitHubPullRequestsSource } from '../../../src/model/types';
import { issueFetchNeeds, pullRequestFetchNeeds, type TemplateVarUsage } from '../../../src/sources/github/fetch-needs';
import { pullListQuery, pullRequestPassesFilePatterns, pullRequestPassesFilters } from '../../../src/sources/github/pull-filters';
import { restPull } from './rest-fixtures';

const source = (o: Partial<GitHubPullRequestsSource> = {}): GitHubPullRequestsSource => ({
  state: 'open',
  reviewState: 'any',
  pollInterval: '5m',
  pollIntervalMs: 300_000,
  ...o,
});

it('pull list query: state, most recently updated first', () => {
  expect(pullListQuery(source({ state: 'all' }))).toEqual({ state: 'all', sort: 'updated', direction: 'desc', per_page: 100 });
});

describe('client-side PR filters: author, excludeAuthors, draft, excludeLabels, labels (ALL)', () => {
  const cases: [string, Partial<GitHubPullRequestsSource>, ReturnType<typeof restPull>, boolean][] = [
    ['no filters pass', {}, restPull(), true],
    ['author must match exactly', { author: 'octocat' }, restPull({ author: 'octocat' }), true],
    ['another author is dropped', { author: 'octocat' }, restPull({ author: 'hubot' }), false],
    ['author is case-sensitive', { author: 'Octocat' }, restPull({ author: 'octocat' }), false],
    ['excludeAuthors drops', { excludeAuthors: ['renovate[bot]'] }, restPull({ author: 'renovate[bot]' }), false],
    ['draft: true keeps drafts', { draft: true }, restPull({ draft: true }), true],
    ['draft: true drops ready PRs', { draft: true }, restPull({ draft: false }), false],
    ['draft: false drops drafts', { draft: false }, restPull({ draft: true }), false],
    ['draft unset keeps drafts', {}, restPull({ draft: true }), true],
    ['labels: all required', { labels: ['ready', 'backend'] }, restPull({ labels: ['backend', 'ready', 'x'] }), true],
    ['labels: one missing drops (AND)', { labels: ['ready', 'backend'] }, restPull({ labels: ['ready'] }), false],
    ['excludeLabels: any match drops', { excludeLabels: ['do-not-merge'] }, restPull({ labels: ['ready', 'do-not-merge'] }), false],
    ['excludeLabels beat labels', { labels: ['ready'], excludeLabels: ['ready'] }, restPull({ labels: ['ready'] }), false],
  ];
  it.each(cases)('%s', (_name, o, pull, expected) => {
    expect(pullRequestPassesFilters(source(o), pull)).toBe(expected);
  });
});

describe('file patterns on PR files (Appendix B 9, WithFilePatterns / ExcludeOnlyFilePatterns)', () => {
  const files = (...names: string[]) => names.map((filename) => ({ filename, status: 'modified', additions: 1, deletions: 0, changes: 1 }));
  const cases: [string, GitHubPullRequestsSource['filePatterns'], ReturnType<typeof files>, boolean][] = [
    ['no patterns pass without files', undefined, [], true],
    ['include matches through directories', { include: ['internal/**/*.go'] }, files('internal/source/github.go', 'README.md'), true],
    ['include without a match is rejected', { include: ['internal/**/*.go'] }, files('docs/index.md'), false],
    ['all files excluded is rejected', { exclude: ['docs/**', '*.md'] }, files('docs/a.md', 'README.md'), false],
    ['exclude-only: anything left passes', { exclude: ['docs/**'] }, files('docs/a.md', 'cmd/main.go'), true],
    ['an excluded file cannot satisfy the include', { include: ['**/*.md'], exclude: ['docs/**'] }, files('docs/a.md', 'main.go'), false],
    ['patterns with an empty file list reject', { include: ['**'] }, [], false],
  ];
  it.each(cases)('%s', (_name, filePatterns, list, expected) => {
    expect(pullRequestPassesFilePatterns(source({ filePatterns }), list)).toBe(expected);
  });
  it('bare paths work too', () => {
    expect(pullRequestPassesFilePatterns(source({ filePatterns: { include: ['*.go'] } }), ['main.go'])).toBe(true);
  });
});

describe('fetch only what the configuration needs (NoFileFetchWithoutFilter)', () => {
  const policy = { triggerComment: '/kelos pick-up' };
  it.each([
    ['Kelos parity: no file patterns, everything else', source(), undefined, { files: false, reviews: true, comments: true, reviewComments: true }],
    ['file patterns need files', source({ filePatterns: { exclude: ['docs/**'] } }), undefined, { files: true, reviews: true, comments: true, reviewComments: true }],
    ['empty file pattern lists need no files', source({ filePatterns: { include: [], exclude: [] } }), undefined, { files: false, reviews: true, comments: true, reviewComments: true }],
    ['an empty usage object assumes every variable is used', source(), {}, { files: false, reviews: true, comments: true, reviewComments: true }],
    [
      'templates declared unused: nothing',
      source(),
      { Comments: false, ReviewState: false, ReviewComments: false },
      { files: false, reviews: false, comments: false, reviewComments: false },
    ],
    ['a review-state filter needs reviews', source({ reviewState: 'approved' }), { Comments: false, ReviewState: false, ReviewComments: false }, { files: false, reviews: true, comments: false, reviewComments: false }],
    [
      'a comment policy needs all comment kinds and reviews (bodies)',
      source({ commentPolicy: policy }),
      { Comments: false, ReviewState: false, ReviewComments: false },
      { files: false, reviews: true, comments: true, reviewComments: true },
    ],
  ] as const)('%s', (_name, s, usage, expected) => {
    expect(pullRequestFetchNeeds(s, usage)).toEqual(expected);
  });
  const issueCases: [string, Pick<GitHubIssuesSource, 'commentPolicy'>, TemplateVarUsage | undefined, boolean][] = [
    ['issues: comments by default (Kelos fetches them for {{.Comments}})', {}, undefined, true],
    ['issues: no comments when unused and no policy', {}, { Comments: false }, false],
    ['issues: a policy needs comments', { commentPolicy: { excludeComments: ['/stop'] } }, { Comments: false }, true],
  ];
  it.each(issueCases)('%s', (_name, s, usage, expected) => {
    expect(issueFetchNeeds(s, usage).comments).toBe(expected);
  });
});
