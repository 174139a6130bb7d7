/** GitHub webhook matching: every filter rule, Appendix B item 12, and Kelos examples 10, 12 and 17. */
import type { GitHubWebhookFilter, GitHubWebhookSource } from '../../../src/model';
import { extractGitHubEvent, type GitHubEventFacts } from '../../../src/sources/webhooks/github-event';
import { githubChangedFilesForSpawner, matchGitHubWebhook } from '../../../src/sources/webhooks/github-match';
import { kelosSpawner, octokitExample } from './fixtures';

type Payload = Record<string, any>;
const facts = (event: string, payload: Payload): GitHubEventFacts => extractGitHubEvent(event, payload, 'delivery');

function issueOpened(edit: (p: Payload) => void = () => undefined): Payload {
  const payload = octokitExample('issues', 'opened');
  edit(payload);
  return payload;
}
function prOpened(edit: (p: Payload) => void = () => undefined): Payload {
  const payload = octokitExample('pull_request', 'opened');
  edit(payload);
  return payload;
}
function commentCreated(body: string, onPullRequest = false): Payload {
  const payload = octokitExample('issue_comment', 'created');
  payload.comment.body = body;
  if (onPullRequest) payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
  return payload;
}
const only = (filter: Omit<GitHubWebhookFilter, 'event'> & { event?: string }, event = 'issues', extra: Partial<GitHubWebhookSource> = {}): GitHubWebhookSource => ({
  events: [event],
  filters: [{ event, ...filter }],
  ...extra,
});
const matches = (source: GitHubWebhookSource, f: GitHubEventFacts, files?: string[]) => matchGitHubWebhook(source, f, files).matched;

describe('spawner gate: repository, events, top-level excludeAuthors', () => {
  it('repository must equal owner/repo exactly (RepositoryFiltering)', () => {
    const f = facts('issues', issueOpened());
    expect(matches({ events: ['issues'], repository: 'Codertocat/Hello-World' }, f)).toBe(true);
    expect(matches({ events: ['issues'], repository: 'codertocat/hello-world' }, f)).toBe(false);
    expect(matches({ events: ['issues'], repository: 'Codertocat/Other' }, f)).toBe(false);
    expect(matches({ events: ['issues'] }, f)).toBe(true);
  });

  it('the event must be listed', () => {
    const f = facts('issues', issueOpened());
    expect(matchGitHubWebhook({ events: ['pull_request'] }, f)).toMatchObject({ matched: false, reason: 'event issues is not listed' });
  });

  it('no filters: every listed event matches', () => {
    expect(matches({ events: ['push'] }, facts('push', octokitExample('push', undefined, 4)))).toBe(true);
  });

  it('top-level excludeAuthors beats a filter author (ExcludeAuthorsTopLevelOverridesFilter)', () => {
    const source = only({ author: 'Codertocat' }, 'issues', { excludeAuthors: ['Codertocat'] });
    expect(matchGitHubWebhook(source, facts('issues', issueOpened()))).toMatchObject({ matched: false, reason: 'sender Codertocat is excluded' });
    expect(matches(only({ author: 'Codertocat' }), facts('issues', issueOpened()))).toBe(true);
  });

  it('filters for other events are ignored; no filter for this event → no match', () => {
    const source: GitHubWebhookSource = { events: ['issues', 'push'], filters: [{ event: 'push', branch: 'main' }] };
    expect(matchGitHubWebhook(source, facts('issues', issueOpened()))).toMatchObject({ matched: false, reason: 'no filter for event issues' });
  });

  it('OR across the filters of the event, AND within one (ORSemantics)', () => {
    const source: GitHubWebhookSource = {
      events: ['issues'],
      filters: [
        { event: 'issues', action: 'closed' },
        { event: 'issues', action: 'opened', labels: ['enhancement'] },
        { event: 'issues', action: 'opened', labels: ['bug'] },
      ],
    };
    expect(matches(source, facts('issues', issueOpened()))).toBe(true);
    expect(matches({ ...source, filters: source.filters!.slice(0, 2) }, facts('issues', issueOpened()))).toBe(false);
  });
});

describe('filter rules', () => {
  it.each<[string, Omit<GitHubWebhookFilter, 'event'>, boolean]>([
    ['action equal', { action: 'opened' }, true],
    ['action different', { action: 'closed' }, false],
    ['author is the sender', { author: 'Codertocat' }, true],
    ['author other', { author: 'octocat' }, false],
    ['filter excludeAuthors', { excludeAuthors: ['Codertocat'] }, false],
    ['state open', { state: 'open' }, true],
    ['state closed', { state: 'closed' }, false],
    ['labels all present', { labels: ['bug'] }, true],
    ['labels one missing', { labels: ['bug', 'p1'] }, false],
    ['labels are case-sensitive', { labels: ['Bug'] }, false],
    ['excludeLabels present', { excludeLabels: ['bug'] }, false],
    ['excludeLabels absent', { excludeLabels: ['wontfix'] }, true],
    ['bodyContains', { bodyContains: "spelled 'commit'" }, true],
    ['bodyContains misses', { bodyContains: 'crash' }, false],
    ['bodyPattern unanchored', { bodyPattern: 'commit.*two' }, true],
    ['bodyPattern misses', { bodyPattern: '^commit' }, false],
    ['bodyPattern invalid rejects', { bodyPattern: '(' }, false],
    ['excludeBodyPatterns matching', { excludeBodyPatterns: ['nomatch', 'accidently'] }, false],
    ['excludeBodyPatterns not matching', { excludeBodyPatterns: ['nomatch'] }, true],
    ['excludeBodyPatterns invalid rejects', { excludeBodyPatterns: ['['] }, false],
    ['branch needs a branch (issues have none)', { branch: '*' }, false],
    ['draft is ignored for issues', { draft: true }, true],
    ['commentOn is ignored for issues (CommentOnIgnoredOnIssuesEvent)', { commentOn: 'PullRequest' }, true],
    ['conclusion is ignored for issues', { conclusion: 'failure' }, true],
  ])('issues: %s', (_, filter, expected) => {
    expect(matches(only(filter), facts('issues', issueOpened()))).toBe(expected);
  });

  it('issues.closed (edited copy) matches state closed', () => {
    const closed = facts(
      'issues',
      issueOpened((p) => {
        p.action = 'closed';
        p.issue.state = 'closed';
      }),
    );
    expect(matches(only({ action: 'closed', state: 'closed' }), closed)).toBe(true);
    expect(matches(only({ state: 'open' }), closed)).toBe(false);
  });

  it('unicode and emoji labels match exactly', () => {
    const f = facts(
      'issues',
      issueOpened((p) => {
        p.issue.labels = [{ name: '🥚 babysit' }, { name: 'priorité' }];
      }),
    );
    expect(matches(only({ labels: ['🥚 babysit', 'priorité'] }), f)).toBe(true);
    expect(matches(only({ labels: ['babysit'] }), f)).toBe(false);
    expect(matches(only({ excludeLabels: ['🥚 babysit'] }), f)).toBe(false);
  });

  describe('issue_comment: commentOn and the comment body (IssueCommentCommentOnFilter)', () => {
    it.each<[string, Omit<GitHubWebhookFilter, 'event'>, boolean, boolean]>([
      ['Issue on an issue', { commentOn: 'Issue' }, false, true],
      ['Issue on a PR', { commentOn: 'Issue' }, true, false],
      ['PullRequest on a PR', { commentOn: 'PullRequest' }, true, true],
      ['PullRequest on an issue', { commentOn: 'PullRequest' }, false, false],
      ['bodyContains reads the comment, not the issue', { bodyContains: '/kelos' }, false, true],
      ['bodyContains does not read the issue body', { bodyContains: 'accidently' }, false, false],
      ['labels come from the issue', { labels: ['bug'] }, true, true],
      ['state comes from the issue', { state: 'open' }, false, true],
    ])('%s', (_, filter, onPullRequest, expected) => {
      const f = facts('issue_comment', commentCreated('/kelos review please', onPullRequest));
      expect(matches(only(filter, 'issue_comment'), f)).toBe(expected);
    });

    it('bodyPattern and excludeBodyPatterns combine (BodyPatternAndExcludeBodyPatternsCombined)', () => {
      const source = only({ bodyPattern: '(?m)^/kelos review[ \\t]*\\r?$', excludeBodyPatterns: ['(?i)do not run'] }, 'issue_comment');
      expect(matches(source, facts('issue_comment', commentCreated('LGTM\r\n/kelos review\r\n')))).toBe(true);
      expect(matches(source, facts('issue_comment', commentCreated('/kelos review\nDO NOT RUN yet')))).toBe(false);
      expect(matches(source, facts('issue_comment', commentCreated('/kelos reviewer')))).toBe(false);
    });
  });

  describe('pull request events', () => {
    it.each<[string, Omit<GitHubWebhookFilter, 'event'>, boolean]>([
      ['draft false on a ready PR', { draft: false }, true],
      ['draft true on a ready PR', { draft: true }, false],
      ['state open', { state: 'open' }, true],
      ['labels on the PR', { labels: ['bug'] }, false],
      ['excludeLabels on the PR', { excludeLabels: ['bug'] }, true],
      ['bodyContains reads the PR body', { bodyContains: 'pretty simple' }, true],
      ['branch glob on the head ref', { branch: 'chan*' }, true],
      ['branch glob miss', { branch: 'main' }, false],
      ['malformed branch glob rejects (MalformedGlobPattern)', { branch: '[' }, false],
    ])('pull_request: %s', (_, filter, expected) => {
      expect(matches(only(filter, 'pull_request'), facts('pull_request', prOpened()))).toBe(expected);
    });

    it('draft true matches a draft PR (converted_to_draft example)', () => {
      const f = facts('pull_request', octokitExample('pull_request', 'converted_to_draft'));
      expect(f.draft).toBe(true);
      expect(matches(only({ draft: true }, 'pull_request'), f)).toBe(true);
      expect(matches(only({ draft: false }, 'pull_request'), f)).toBe(false);
    });

    it('pull_request_target is read like pull_request (Kelos ignores its fields)', () => {
      const f = facts('pull_request_target', prOpened());
      const source: GitHubWebhookSource = {
        events: ['pull_request_target'],
        repository: 'Codertocat/Hello-World',
        filters: [{ event: 'pull_request_target', action: 'opened', draft: false, bodyContains: 'simple', branch: 'changes' }],
      };
      expect(matches(source, f)).toBe(true);
      expect(matches({ ...source, filters: [{ event: 'pull_request_target', state: 'closed' }] }, f)).toBe(false);
    });

    it('pull_request_review: body is the review body (changes_requested edited copy)', () => {
      const payload = octokitExample('pull_request_review', 'submitted');
      payload.review.state = 'changes_requested';
      payload.review.body = 'Please fix the typo. /kelos';
      const f = facts('pull_request_review', payload);
      expect(matches(only({ action: 'submitted', bodyContains: '/kelos' }, 'pull_request_review'), f)).toBe(true);
      expect(matches(only({ bodyContains: 'pretty simple' }, 'pull_request_review'), f)).toBe(false);
      expect(matches(only({ excludeBodyPatterns: ['typo'] }, 'pull_request_review'), f)).toBe(false);
    });

    it('pull_request_review_comment: body is the review comment', () => {
      const f = facts('pull_request_review_comment', octokitExample('pull_request_review_comment', 'created'));
      expect(matches(only({ bodyPattern: 'emoji' }, 'pull_request_review_comment'), f)).toBe(true);
      expect(matches(only({ bodyPattern: 'pretty simple' }, 'pull_request_review_comment'), f)).toBe(false);
    });
  });

  describe('push, create, release', () => {
    it('push branch glob: `*` does not cross `/`', () => {
      const payload = octokitExample('push', undefined, 4);
      payload.ref = 'refs/heads/feature/login';
      const f = facts('push', payload);
      expect(matches(only({ branch: 'feature/*' }, 'push'), f)).toBe(true);
      expect(matches(only({ branch: '*' }, 'push'), f)).toBe(false);
    });

    it('push of a tag has no branch, so a branch filter fails', () => {
      expect(matches(only({ branch: '*' }, 'push'), facts('push', octokitExample('push', undefined, 0)))).toBe(false);
    });

    it('tag glob on create and release', () => {
      expect(matches(only({ tag: 'simple-*' }, 'create'), facts('create', octokitExample('create')))).toBe(true);
      expect(matches(only({ tag: 'v*' }, 'create'), facts('create', octokitExample('create')))).toBe(false);
      expect(matches(only({ tag: '0.0.?', action: 'published' }, 'release'), facts('release', octokitExample('release', 'published')))).toBe(true);
      expect(matches(only({ tag: '[' }, 'release'), facts('release', octokitExample('release', 'published')))).toBe(false);
    });

    it('create of a branch has no tag', () => {
      const payload = octokitExample('create');
      payload.ref = 'main';
      payload.ref_type = 'branch';
      expect(matches(only({ tag: '*' }, 'create'), facts('create', payload))).toBe(false);
      expect(matches(only({ branch: 'main' }, 'create'), facts('create', payload))).toBe(true);
    });
  });

  describe('check_run (CheckRunConclusionAndName)', () => {
    const completed = () => facts('check_run', octokitExample('check_run', 'completed'));
    it.each<[string, Omit<GitHubWebhookFilter, 'event'>, boolean]>([
      ['conclusion equal', { conclusion: 'failure' }, true],
      ['conclusion different', { conclusion: 'success' }, false],
      ['checkName exact', { checkName: 'Octocoders-linter' }, true],
      ['checkName glob', { checkName: 'Octo*' }, true],
      ['checkName miss', { checkName: 'lint' }, false],
      ['checkName malformed', { checkName: '[' }, false],
      ['both', { action: 'completed', conclusion: 'failure', checkName: '*-linter' }, true],
    ])('%s', (_, filter, expected) => {
      expect(matches(only(filter, 'check_run'), completed())).toBe(expected);
    });
  });
});

describe('filePatterns and lazily fetched PR files', () => {
  const source: GitHubWebhookSource = {
    events: ['pull_request'],
    filters: [{ event: 'pull_request', action: 'opened', filePatterns: { include: ['internal/auth/**'] } }],
  };

  it('asks for the PR files when a filter matches apart from filePatterns', () => {
    expect(matchGitHubWebhook(source, facts('pull_request', prOpened()))).toMatchObject({ matched: false, needsChangedFiles: true });
  });

  it('decides once files are known', () => {
    const f = facts('pull_request', prOpened());
    expect(matchGitHubWebhook(source, f, ['internal/auth/token.go', 'README.md'])).toEqual({ matched: true });
    expect(matchGitHubWebhook(source, f, ['README.md'])).toMatchObject({ matched: false });
    expect(matchGitHubWebhook(source, f, [])).toMatchObject({ matched: false });
  });

  it('does not ask when the rest of the filter already fails', () => {
    const closed = facts('pull_request', octokitExample('pull_request', 'closed'));
    expect(matchGitHubWebhook(source, closed)).toEqual({ matched: false, reason: 'no filter matched' });
  });

  it('does not ask when another filter matches without files', () => {
    const both: GitHubWebhookSource = { ...source, filters: [...source.filters!, { event: 'pull_request', action: 'opened' }] };
    expect(matchGitHubWebhook(both, facts('pull_request', prOpened()))).toEqual({ matched: true });
  });

  it('issue_comment on a plain issue has no PR files: filePatterns fail instead of a doomed fetch', () => {
    const s = only({ filePatterns: { include: ['**'] } }, 'issue_comment');
    expect(matchGitHubWebhook(s, facts('issue_comment', commentCreated('x')))).toMatchObject({ matched: false });
    expect(matchGitHubWebhook(s, facts('issue_comment', commentCreated('x', true)))).toMatchObject({ needsChangedFiles: true });
  });

  it('exposes fetched files only to a spawner whose filter uses filePatterns (ChangedFilesForSpawner)', () => {
    const f = facts('pull_request', prOpened());
    expect(githubChangedFilesForSpawner(source, f, ['a.go'])).toEqual(['a.go']);
    expect(githubChangedFilesForSpawner({ events: ['pull_request'] }, f, ['a.go'])).toEqual([]);
    expect(githubChangedFilesForSpawner(source, f)).toEqual([]);
    const push = facts('push', octokitExample('push', undefined, 4));
    expect(githubChangedFilesForSpawner({ events: ['push'] }, push)).toEqual(['README.md']);
  });
});

describe('Kelos examples', () => {
  describe('10: github-webhook-responder', () => {
    const source = () => kelosSpawner('10-taskspawner-github-webhook/taskspawner.yaml', 'github-webhook-responder').spec.when.githubWebhook!;

    it.each<[string, string, Payload, boolean]>([
      ['opened issue', 'issues', issueOpened(), true],
      ['edited issue', 'issues', octokitExample('issues', 'edited'), false],
      ['opened non-draft PR', 'pull_request', prOpened(), true],
      ['opened draft PR', 'pull_request', prOpened((p) => (p.pull_request.draft = true)), false],
      ['labeled PR without review-requested', 'pull_request', octokitExample('pull_request', 'labeled'), false],
      [
        'labeled PR with review-requested',
        'pull_request',
        (() => {
          const p = octokitExample('pull_request', 'labeled');
          p.pull_request.labels.push({ name: 'review-requested' });
          return p;
        })(),
        true,
      ],
      ['comment mentioning /kelos', 'issue_comment', commentCreated('hey /kelos please look'), true],
      ['comment without /kelos', 'issue_comment', commentCreated('thanks!'), false],
      ['review by someone else', 'pull_request_review', octokitExample('pull_request_review', 'submitted'), false],
      [
        'review by senior-reviewer',
        'pull_request_review',
        (() => {
          const p = octokitExample('pull_request_review', 'submitted');
          p.sender.login = 'senior-reviewer';
          return p;
        })(),
        true,
      ],
      [
        'opened issue by dependabot (top-level excludeAuthors)',
        'issues',
        issueOpened((p) => (p.sender.login = 'dependabot[bot]')),
        false,
      ],
      ['push is not listed', 'push', octokitExample('push', undefined, 4), false],
    ])('%s → %s', (_, event, payload, expected) => {
      expect(matches(source(), facts(event, payload))).toBe(expected);
    });

    it('pr-burst-responder is scoped to myorg/myrepo', () => {
      const burst = kelosSpawner('10-taskspawner-github-webhook/taskspawner.yaml', 'pr-burst-responder').spec.when.githubWebhook!;
      expect(matches(burst, facts('pull_request', prOpened()))).toBe(false);
      const mine = prOpened((p) => (p.repository.full_name = 'myorg/myrepo'));
      expect(matches(burst, facts('pull_request', mine))).toBe(true);
      const ready = octokitExample('pull_request', 'ready_for_review');
      ready.repository.full_name = 'myorg/myrepo';
      expect(matches(burst, facts('pull_request', ready))).toBe(true);
    });
  });

  describe('12: webhook-security-reviewer (filePatterns)', () => {
    const source = () => kelosSpawner('12-taskspawner-file-patterns/taskspawner-webhook.yaml').spec.when.githubWebhook!;

    it('pull_request opened: fetches files, then matches auth changes only', () => {
      const f = facts('pull_request', prOpened());
      expect(matchGitHubWebhook(source(), f)).toMatchObject({ needsChangedFiles: true });
      expect(matches(source(), f, ['internal/crypto/aes.go'])).toBe(true);
      expect(matches(source(), f, ['docs/readme.md'])).toBe(false);
    });

    it('push to main uses the payload files; other branches never match', () => {
      const push = octokitExample('push', undefined, 4);
      push.ref = 'refs/heads/main';
      push.commits[0].modified = ['internal/auth/login.go'];
      expect(matches(source(), facts('push', push))).toBe(true);
      push.commits[0].modified = [];
      expect(matchGitHubWebhook(source(), facts('push', push))).toEqual({ matched: false, reason: 'no filter matched' });
      const master = octokitExample('push', undefined, 4);
      master.commits[0].modified = ['internal/auth/login.go'];
      expect(matches(source(), facts('push', master))).toBe(false);
    });
  });

  describe('17: ci-failure-fixer', () => {
    const source = () => kelosSpawner('17-taskspawner-ci-remediation/taskspawner.yaml').spec.when.githubWebhook!;
    const run = (name: string, conclusion: string, action = 'completed') => {
      const p = octokitExample('check_run', 'completed');
      p.repository.full_name = 'myorg/myrepo';
      p.action = action;
      p.check_run.name = name;
      p.check_run.conclusion = conclusion;
      return facts('check_run', p);
    };

    it.each([
      ['lint', 'failure', 'completed', true],
      ['unit-tests', 'failure', 'completed', true],
      ['build', 'failure', 'completed', true],
      ['build', 'success', 'completed', false],
      ['e2e', 'failure', 'completed', false],
      ['lint', 'failure', 'rerequested', false],
    ])('%s %s %s → %s', (name, conclusion, action, expected) => {
      expect(matches(source(), run(name, conclusion, action))).toBe(expected);
    });

    it('the shipped example repository is not myorg/myrepo', () => {
      expect(matches(source(), facts('check_run', octokitExample('check_run', 'completed')))).toBe(false);
    });
  });
});
