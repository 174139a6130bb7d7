import { issueWorkItem, pullRequestWorkItem } from '../../../src/sources/github/items';
import { priorityIndex, sortByPriorityLabels } from '../../../src/sources/github/priority-labels';
import { templateVarsFor } from '../../../src/sources/template-vars';
import { HEAD_SHA, restComment, restIssue, restPull, restReviewComment } from './rest-fixtures';

describe('issue work items carry the §4.2 variables', () => {
  const issue = restIssue({ number: 42, title: 'Spelling error in the README file', body: 'It looks like you accidently spelled commit with two t’s.', labels: ['bug', 'docs'] });
  const item = issueWorkItem(issue, {
    comments: [restComment('first', '2026-01-01T00:00:00Z'), restComment('second', '2026-01-02T00:00:00Z')],
    triggerTime: '2026-01-02T00:00:00Z',
    repo: { owner: 'Codertocat', repo: 'Hello-World' },
  });
  it('vars', () => {
    expect(item.vars).toEqual({
      ID: '42',
      Number: 42,
      Title: 'Spelling error in the README file',
      Body: 'It looks like you accidently spelled commit with two t’s.',
      URL: 'https://github.com/Codertocat/Hello-World/issues/42',
      Labels: 'bug, docs',
      Comments: 'first\n---\nsecond',
      Kind: 'Issue',
    });
  });
  it('identity, labels, trigger time and report facts', () => {
    expect(item).toMatchObject({ id: '42', labels: ['bug', 'docs'], triggerTime: '2026-01-02T00:00:00Z', report: { kind: 'issue', owner: 'Codertocat', repo: 'Hello-World', number: 42 } });
    expect(item.report).not.toHaveProperty('headSHA');
  });
  it('a pull request listed by the issues API has Kind PR', () => {
    const pr = issueWorkItem(restIssue({ number: 7, pull: true }), { comments: [] });
    expect(pr.vars.Kind).toBe('PR');
    expect(pr.report?.kind).toBe('pull-request');
    expect(pr).not.toHaveProperty('triggerTime');
  });
  it('a null body is empty and all 13 polling keys exist after templateVarsFor', () => {
    const vars = templateVarsFor('githubIssues', issueWorkItem(restIssue({ body: null }), { comments: [] }).vars);
    expect(vars.Body).toBe('');
    for (const key of ['ID', 'Number', 'Title', 'Body', 'URL', 'Labels', 'Comments', 'Kind', 'Branch', 'ReviewState', 'ReviewComments', 'Time', 'Schedule']) {
      expect(vars).toHaveProperty(key);
    }
  });
});

describe('pull request work items', () => {
  const pull = restPull({ number: 2, labels: ['ready'], headRef: 'feature/x' });
  const base = {
    comments: [restComment('conversation', '2026-01-01T00:00:00Z')],
    reviewComments: [restReviewComment('inline', { path: 'README.md', line: 3 }), restReviewComment('stale', { commitId: 'old' })],
    repo: { owner: 'Codertocat', repo: 'Hello-World' },
  };
  it('vars: Comments are conversation only; Branch, ReviewState, ReviewComments', () => {
    const item = pullRequestWorkItem(pull, { ...base, review: { state: 'approved', time: '2026-01-03T00:00:00Z' }, reviewStateFilter: 'any' });
    expect(item.vars).toEqual({
      ID: '2',
      Number: 2,
      Title: pull.title,
      Body: pull.body,
      URL: 'https://github.com/Codertocat/Hello-World/pull/2',
      Labels: 'ready',
      Comments: 'conversation',
      Kind: 'PR',
      Branch: 'feature/x',
      ReviewState: 'approved',
      ReviewComments: 'README.md:3\ninline',
    });
    expect(item.report).toEqual({ kind: 'pull-request', owner: 'Codertocat', repo: 'Hello-World', number: 2, headSHA: HEAD_SHA });
    expect(item).not.toHaveProperty('triggerTime');
  });
  it.each([
    ['reviewState any: the comment trigger time only', 'any', '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z'],
    ['reviewState set: a newer review replaces it', 'approved', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'],
    ['reviewState set: an older review does not', 'approved', '2026-01-04T00:00:00Z', '2026-01-04T00:00:00Z'],
    ['reviewState set, no comment trigger: the review time', 'approved', undefined, '2026-01-03T00:00:00Z'],
  ] as const)('trigger time: %s', (_name, filter, commentTriggerTime, expected) => {
    const item = pullRequestWorkItem(pull, { ...base, review: { state: 'approved', time: '2026-01-03T00:00:00Z' }, reviewStateFilter: filter, commentTriggerTime });
    expect(item.triggerTime).toBe(expected);
  });
});

describe('priorityLabels: stable, lowest matching index first, unmatched last', () => {
  const item = (id: string, ...labels: string[]) => ({ id, labels });
  const items = [item('a', 'chore'), item('b', 'p2'), item('c', 'p1', 'p2'), item('d'), item('e', 'p2'), item('f', 'p0')];
  it.each([
    ['no priority labels keep the order', [], ['a', 'b', 'c', 'd', 'e', 'f']],
    ['ordered by best label, ties keep discovery order', ['p0', 'p1', 'p2'], ['f', 'c', 'b', 'e', 'a', 'd']],
    ['labels not listed rank last', ['p2'], ['b', 'c', 'e', 'a', 'd', 'f']],
  ])('%s', (_name, priority, expected) => {
    expect(sortByPriorityLabels(items, priority).map((i) => i.id)).toEqual(expected);
  });
  it('does not mutate its input', () => {
    const copy = [...items];
    sortByPriorityLabels(items, ['p0']);
    expect(items).toEqual(copy);
  });
  it('index of the best label', () => {
    expect(priorityIndex(['p2', 'p1'], ['p0', 'p1', 'p2'])).toBe(1);
    expect(priorityIndex(['x'], ['p0'])).toBe(1);
  });
});
