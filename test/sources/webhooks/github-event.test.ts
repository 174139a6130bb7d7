/** Extraction table (kelos-behaviour §3.2) on the real @octokit/webhooks-examples payloads. */
import { extractGitHubEvent, needsBranchEnrichment, withPullRequestHead } from '../../../src/sources/webhooks/github-event';
import { octokitExample, octokitExamples } from './fixtures';

const REPO = { repository: 'Codertocat/Hello-World', repositoryOwner: 'Codertocat', repositoryName: 'Hello-World' };

describe('extractGitHubEvent', () => {
  it('issues: issue number, title, body, URL, labels, state', () => {
    const facts = extractGitHubEvent('issues', octokitExample('issues', 'opened'), 'd-1');
    expect(facts).toMatchObject({
      kind: 'issues',
      deliveryId: 'd-1',
      action: 'opened',
      sender: 'Codertocat',
      ...REPO,
      id: '1',
      number: 1,
      title: 'Spelling error in the README file',
      body: "It looks like you accidently spelled 'commit' with two 't's.",
      url: 'https://github.com/Codertocat/Hello-World/issues/1',
      labels: ['bug'],
      state: 'open',
      branch: '',
      filterBody: "It looks like you accidently spelled 'commit' with two 't's.",
    });
  });

  it('issues with a null body read as empty', () => {
    const facts = extractGitHubEvent('issues', octokitExample('issues', 'opened', 1), 'd');
    expect(facts.body).toBe('');
  });

  it.each(['pull_request', 'pull_request_target'])('%s: PR number, head ref and SHA, draft, state', (event) => {
    const facts = extractGitHubEvent(event, octokitExample('pull_request', 'opened'), 'd');
    expect(facts).toMatchObject({
      event,
      kind: 'pull_request',
      action: 'opened',
      ...REPO,
      id: '2',
      number: 2,
      title: 'Update the README with new information.',
      body: 'This is a pretty simple change that we need to pull into master.',
      url: 'https://github.com/Codertocat/Hello-World/pull/2',
      branch: 'changes',
      headSHA: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      draft: false,
      state: 'open',
    });
  });

  it('issue_comment: issue fields, comment body/URL as the filter body, no PR link on a plain issue', () => {
    const facts = extractGitHubEvent('issue_comment', octokitExample('issue_comment', 'created'), 'd');
    expect(facts).toMatchObject({
      kind: 'issue_comment',
      id: '1',
      number: 1,
      title: 'Spelling error in the README file',
      commentBody: "You are totally right! I'll get this fixed right away.",
      commentURL: 'https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400',
      filterBody: "You are totally right! I'll get this fixed right away.",
      onPullRequest: false,
      pullRequestApiUrl: '',
      branch: '',
    });
    expect(needsBranchEnrichment(facts)).toBe(false);
  });

  it('issue_comment on a PR keeps the API URL so the branch can be fetched lazily', () => {
    const payload = octokitExample('issue_comment', 'created');
    payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1', html_url: 'https://github.com/Codertocat/Hello-World/pull/1' };
    const facts = extractGitHubEvent('issue_comment', payload, 'd');
    expect(facts.onPullRequest).toBe(true);
    expect(facts.pullRequestApiUrl).toBe('https://api.github.com/repos/Codertocat/Hello-World/pulls/1');
    expect(needsBranchEnrichment(facts)).toBe(true);
    const enriched = withPullRequestHead(facts, { ref: 'fix-readme', sha: 'abc' });
    expect(enriched).toMatchObject({ branch: 'fix-readme', headSHA: 'abc' });
    expect(needsBranchEnrichment(enriched)).toBe(false);
  });

  it('pull_request_review: review body/URL, PR head', () => {
    const payload = octokitExample('pull_request_review', 'submitted');
    payload.review.body = 'Please rename this.';
    const facts = extractGitHubEvent('pull_request_review', payload, 'd');
    expect(facts).toMatchObject({
      kind: 'pull_request_review',
      id: '2',
      number: 2,
      branch: 'changes',
      commentBody: 'Please rename this.',
      commentURL: 'https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-237895671',
      filterBody: 'Please rename this.',
    });
  });

  it('pull_request_review_comment: comment body/URL, PR head', () => {
    const facts = extractGitHubEvent('pull_request_review_comment', octokitExample('pull_request_review_comment', 'created'), 'd');
    expect(facts).toMatchObject({
      number: 2,
      branch: 'changes',
      commentBody: 'Maybe you should use more emoji on this line.',
      commentURL: 'https://github.com/Codertocat/Hello-World/pull/2#discussion_r284312630',
      filterBody: 'Maybe you should use more emoji on this line.',
    });
  });

  it('push to a branch: head commit id, branch, ref, changed files', () => {
    const facts = extractGitHubEvent('push', octokitExample('push', undefined, 4), 'd');
    expect(facts).toMatchObject({
      kind: 'push',
      ...REPO,
      id: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      title: 'Push to master',
      ref: 'refs/heads/master',
      branch: 'master',
      changedFiles: ['README.md'],
      number: 0,
      action: '',
    });
  });

  it('push ChangedFiles is the union of added/removed/modified in first-seen order', () => {
    const payload = octokitExample('push', undefined, 4);
    payload.commits = [
      { id: '1', added: ['a.go'], removed: ['old.go'], modified: ['b.go'] },
      { id: '2', added: ['c.go'], removed: [], modified: ['a.go', 'b.go'] },
    ];
    expect(extractGitHubEvent('push', payload, 'd').changedFiles).toEqual(['a.go', 'old.go', 'b.go', 'c.go']);
  });

  it('push of a tag has no branch and no head commit id when head_commit is null', () => {
    const facts = extractGitHubEvent('push', octokitExample('push', undefined, 1), 'd');
    expect(facts).toMatchObject({ ref: 'refs/tags/simple-tag', branch: '', id: '', title: 'Push to ' });
  });

  it('create: tag and branch', () => {
    const tag = extractGitHubEvent('create', octokitExample('create'), 'd');
    expect(tag).toMatchObject({ id: 'simple-tag', ref: 'simple-tag', refType: 'tag', tag: 'simple-tag', title: 'Tag created: simple-tag', branch: '' });
    const payload = octokitExample('create');
    payload.ref = 'feature/x';
    payload.ref_type = 'branch';
    const branch = extractGitHubEvent('create', payload, 'd');
    expect(branch).toMatchObject({ id: 'feature/x', refType: 'branch', branch: 'feature/x', tag: '', title: 'Branch created: feature/x' });
  });

  it('release: id, tag, name, body, URL', () => {
    const payload = octokitExample('release', 'published');
    payload.release.name = 'v0.0.1';
    payload.release.body = 'notes';
    expect(extractGitHubEvent('release', payload, 'd')).toMatchObject({
      action: 'published',
      id: '17372790',
      tag: '0.0.1',
      title: 'v0.0.1',
      body: 'notes',
      url: 'https://github.com/Codertocat/Hello-World/releases/tag/0.0.1',
    });
  });

  it('check_run with a linked PR: check fields, first PR number and branch', () => {
    const facts = extractGitHubEvent('check_run', octokitExample('check_run', 'completed'), 'd');
    expect(facts).toMatchObject({
      kind: 'check_run',
      action: 'completed',
      id: '128620228',
      title: 'Octocoders-linter',
      checkName: 'Octocoders-linter',
      conclusion: 'failure',
      url: 'https://github.com/Codertocat/Hello-World/runs/128620228',
      checkRunURL: 'https://github.com/Codertocat/Hello-World/runs/128620228',
      headSHA: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      checkApp: 'octocoders-linter',
      number: 2,
      branch: 'changes',
    });
  });

  it('check_run without a PR: no number, no branch', () => {
    const facts = extractGitHubEvent('check_run', octokitExample('check_run', 'rerequested'), 'd');
    expect(facts).toMatchObject({ number: 0, branch: '', conclusion: 'neutral', checkApp: 'Super Duper', repository: 'github/hello-world' });
  });

  it.each(['label', 'ping', 'star', 'workflow_run'])('other event %s: only sender and action, no repository', (event) => {
    const payload = octokitExamples(event)[0];
    const facts = extractGitHubEvent(event, payload, 'd');
    expect(facts).toMatchObject({ kind: 'other', id: '', title: '', number: 0, repository: '', sender: payload.sender?.login ?? '', action: payload.action ?? '' });
  });

  it('reads every shipped example of the handled events without throwing', () => {
    for (const event of ['issues', 'pull_request', 'issue_comment', 'pull_request_review', 'pull_request_review_comment', 'push', 'create', 'release', 'check_run']) {
      for (const payload of octokitExamples(event)) {
        const facts = extractGitHubEvent(event, payload, 'd');
        expect(facts.repository).toBe(payload.repository.full_name);
        expect(facts.sender).toBe(payload.sender.login);
      }
    }
  });
});
