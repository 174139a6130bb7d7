import { githubTarget } from '../../src/sources/github/repo-target';
import { issueMatchesListQuery, issueListQuery } from '../../src/sources/github/issue-filters';
import { templateVarUsage } from '../../src/sources/template-usage';
import type { RestIssue } from '../../src/sources/github/rest-types';
import type { TaskSpawnerResource } from '../../src/model/types';

describe('which repository and API a GitHub source polls', () => {
  test.each([
    ['https://github.com/acme/widgets.git', undefined, 'acme', 'widgets', 'https://api.github.com'],
    ['https://github.com/acme/widgets', undefined, 'acme', 'widgets', 'https://api.github.com'],
    ['git@github.com:acme/widgets.git', undefined, 'acme', 'widgets', 'https://api.github.com'],
    ['https://x-access-token@github.example.com/acme/widgets.git', undefined, 'acme', 'widgets', 'https://github.example.com/api/v3'],
    ['ssh://git@ghe.corp:2222/team/repo.git', undefined, 'team', 'repo', 'https://ghe.corp/api/v3'],
    ['https://github.com/acme/widgets.git', 'other/repo', 'other', 'repo', 'https://api.github.com'],
    [undefined, 'https://ghe.corp/org/thing', 'org', 'thing', 'https://ghe.corp/api/v3'],
  ])('workspace %s, override %s → %s/%s at %s', (workspace, override, owner, repo, api) => {
    expect(githubTarget(override, workspace)).toMatchObject({ owner, repo, apiBaseUrl: api });
  });

  test('no repository or an unreadable one is an error that says what to set', () => {
    expect(githubTarget(undefined, undefined)).toEqual({ error: expect.stringContaining('workspaceRef') });
    expect(githubTarget('not a repo', undefined)).toEqual({ error: expect.stringContaining('"not a repo"') });
  });
});

describe('incremental listing re-applies the server-side query to each changed item', () => {
  const issue = (patch: Partial<RestIssue>): RestIssue => ({
    number: 1, title: 't', html_url: 'u', labels: [{ name: 'Bug' }, { name: 'ready' }], user: { login: 'Alice' }, state: 'open', assignees: [], ...patch,
  });
  const query = (fields: Parameters<typeof issueListQuery>[0]) => issueListQuery(fields);

  test.each([
    ['state open matches an open issue', { state: 'open' as const, types: ['issues' as const] }, {}, true],
    ['state open drops a closed issue', { state: 'open' as const, types: ['issues' as const] }, { state: 'closed' }, false],
    ['state all keeps a closed issue', { state: 'all' as const, types: ['issues' as const] }, { state: 'closed' }, true],
    ['labels are ANDed, case-insensitively', { state: 'open' as const, types: ['issues' as const], labels: ['bug', 'READY'] }, {}, true],
    ['a missing label drops the issue', { state: 'open' as const, types: ['issues' as const], labels: ['bug', 'urgent'] }, {}, false],
    ['assignee * needs someone', { state: 'open' as const, types: ['issues' as const], assignee: '*' }, {}, false],
    ['assignee none needs nobody', { state: 'open' as const, types: ['issues' as const], assignee: 'none' }, { assignees: [{ login: 'bob' }] }, false],
    ['assignee login matches case-insensitively', { state: 'open' as const, types: ['issues' as const], assignee: 'BOB' }, { assignees: [{ login: 'bob' }] }, true],
    ['creator matches the author', { state: 'open' as const, types: ['issues' as const], author: 'alice' }, {}, true],
    ['another creator is dropped', { state: 'open' as const, types: ['issues' as const], author: 'carol' }, {}, false],
  ])('%s', (_name, source, patch, expected) => {
    expect(issueMatchesListQuery(query(source), issue(patch))).toBe(expected);
  });
});

describe('comments and reviews are fetched only when a template can print them', () => {
  const spawner = (promptTemplate: string, extra: Record<string, unknown> = {}) =>
    ({ spec: { taskTemplate: { promptTemplate, ...extra } } }) as unknown as TaskSpawnerResource;

  test.each([
    ['{{.Title}}', { Comments: false, ReviewState: false, ReviewComments: false }],
    ['{{.Title}}\n{{.Comments}}', { Comments: true, ReviewState: false, ReviewComments: false }],
    ['{{index . "ReviewState"}}', { Comments: false, ReviewState: true, ReviewComments: false }],
    ['{{.ReviewComments}}', { Comments: true, ReviewState: false, ReviewComments: true }],
    ['{{.}}', { Comments: true, ReviewState: true, ReviewComments: true }],
    ['{{printf "%v" .}}', { Comments: true, ReviewState: true, ReviewComments: true }],
    ['{{ 1.5 }} {{.Title}}', { Comments: false, ReviewState: false, ReviewComments: false }],
  ])('%s', (template, usage) => {
    expect(templateVarUsage(spawner(template))).toEqual(usage);
  });

  test('metadata and branch templates count too', () => {
    expect(templateVarUsage(spawner('{{.Title}}', { branch: 'fix-{{.ReviewState}}' })).ReviewState).toBe(true);
    expect(templateVarUsage(spawner('{{.Title}}', { metadata: { annotations: { c: '{{.Comments}}' } } })).Comments).toBe(true);
  });
});
