import type { GitHubIssuesSource } from '../../../src/model/types';
import { filterIssues, issueListQuery, issuePassesFilters } from '../../../src/sources/github/issue-filters';
import { restIssue } from './rest-fixtures';

const source = (o: Partial<GitHubIssuesSource> = {}): GitHubIssuesSource => ({ types: ['issues'], state: 'open', pollInterval: '5m', pollIntervalMs: 300_000, ...o });

describe('issue list query parameters (server-side filters)', () => {
  it.each([
    ['defaults', source(), { state: 'open', per_page: 100 }],
    ['labels are comma-joined (GitHub ANDs them)', source({ labels: ['bug', 'help wanted'] }), { state: 'open', labels: 'bug,help wanted', per_page: 100 }],
    ['state closed', source({ state: 'closed' }), { state: 'closed', per_page: 100 }],
    ['assignee * passes through', source({ assignee: '*' }), { state: 'open', assignee: '*', per_page: 100 }],
    ['assignee none passes through', source({ assignee: 'none' }), { state: 'open', assignee: 'none', per_page: 100 }],
    ['author becomes creator', source({ author: 'octocat', assignee: 'hubot', state: 'all' }), { state: 'all', assignee: 'hubot', creator: 'octocat', per_page: 100 }],
    ['empty labels are left out', source({ labels: [] }), { state: 'open', per_page: 100 }],
  ])('%s', (_name, s, expected) => {
    expect(issueListQuery(s)).toEqual(expected);
  });
});

describe('client-side issue filters: type, excludeAuthors, excludeLabels', () => {
  const cases: [string, Partial<GitHubIssuesSource>, ReturnType<typeof restIssue>, boolean][] = [
    ['a plain issue passes by default', {}, restIssue(), true],
    ['pull requests are dropped by default', {}, restIssue({ pull: true }), false],
    ['types [pulls] keeps pull requests', { types: ['pulls'] }, restIssue({ pull: true }), true],
    ['types [pulls] drops issues', { types: ['pulls'] }, restIssue(), false],
    ['types [issues, pulls] keeps both', { types: ['issues', 'pulls'] }, restIssue({ pull: true }), true],
    ['empty types mean issues', { types: [] }, restIssue(), true],
    ['a null pull_request key is an issue (as Go decodes it)', {}, { ...restIssue(), pull_request: null }, true],
    ['excludeAuthors drops an exact login', { excludeAuthors: ['dependabot[bot]'] }, restIssue({ author: 'dependabot[bot]' }), false],
    ['excludeAuthors is case-sensitive', { excludeAuthors: ['Dependabot[bot]'] }, restIssue({ author: 'dependabot[bot]' }), true],
    ['excludeLabels: any match drops', { excludeLabels: ['wontfix', 'needs-triage'] }, restIssue({ labels: ['bug', 'needs-triage'] }), false],
    ['excludeLabels: no match keeps', { excludeLabels: ['wontfix'] }, restIssue({ labels: ['bug'] }), true],
    ['label names are exact', { excludeLabels: ['Bug'] }, restIssue({ labels: ['bug'] }), true],
    ['bare string labels are understood', { excludeLabels: ['bug'] }, { ...restIssue(), labels: ['bug'] }, false],
  ];
  it.each(cases)('%s', (_name, o, issue, expected) => {
    expect(issuePassesFilters(source(o), issue)).toBe(expected);
  });
  it('filterIssues keeps the API order', () => {
    const issues = [restIssue({ number: 3 }), restIssue({ number: 2, pull: true }), restIssue({ number: 1 })];
    expect(filterIssues(source(), issues).map((i) => i.number)).toEqual([3, 1]);
  });
});
