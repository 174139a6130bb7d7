/** Work items per webhook source: template variables (§4.2 / seed table), reporting, payload budget, names. */
import { EMPTY_TEMPLATE_VARS } from '../../../src/sources/template-vars';
import { GoFloat64 } from '../../../src/go/template';
import { extractGitHubEvent, withPullRequestHead } from '../../../src/sources/webhooks/github-event';
import { githubChangedFilesForSpawner } from '../../../src/sources/webhooks/github-match';
import { toGitHubWorkItem } from '../../../src/sources/webhooks/github-work-item';
import { extractLinearEvent } from '../../../src/sources/webhooks/linear-webhook';
import { toLinearWorkItem } from '../../../src/sources/webhooks/linear-work-item';
import { matchGenericWebhook } from '../../../src/sources/webhooks/generic-webhook';
import { toGenericWorkItem } from '../../../src/sources/webhooks/generic-work-item';
import { trimPayload } from '../../../src/sources/webhooks/payload-budget';
import { webhookEventPart, webhookTaskName } from '../../../src/sources/webhooks/task-name';
import { renderableWebhookVars } from '../../../src/sources/webhooks/webhook-work-item';
import { kelosSpawner, octokitExample } from './fixtures';

const HASH = 'a3f1c9e07b2d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6';

describe('GitHub work items', () => {
  it('issues.opened: the seed variables, every variable present, report as issue', () => {
    const payload = octokitExample('issues', 'opened');
    const item = toGitHubWorkItem(extractGitHubEvent('issues', payload, 'dlv-1'), payload, { spawner: 'webhook-responder', deliveryHashHex: HASH });
    expect(Object.keys(item.vars).sort()).toEqual(Object.keys(EMPTY_TEMPLATE_VARS).sort());
    expect(item).toMatchObject({
      id: '1',
      deliveryId: 'dlv-1',
      labels: ['bug'],
      defaultTaskName: 'webhook-responder-issues-a3f1c9e07b2d',
      report: { kind: 'issue', owner: 'Codertocat', repo: 'Hello-World', number: 1 },
    });
    expect(item.vars).toMatchObject({
      Event: 'issues',
      Action: 'opened',
      Sender: 'Codertocat',
      Ref: '',
      Repository: 'Codertocat/Hello-World',
      RepositoryOwner: 'Codertocat',
      RepositoryName: 'Hello-World',
      ID: '1',
      Number: 1,
      Title: 'Spelling error in the README file',
      Body: "It looks like you accidently spelled 'commit' with two 't's.",
      URL: 'https://github.com/Codertocat/Hello-World/issues/1',
      Kind: 'webhook',
      Branch: '',
      ChangedFiles: [],
      Labels: '',
      CheckName: '',
      HeadSHA: '',
    });
    expect(item.vars.Payload).toEqual(payload);
    expect(item.payloadTrimmed).toBeUndefined();
  });

  it('missing optional values are present and empty (ExtractGitHubWorkItemNoCommentFields, CheckRunEventWithoutPR)', () => {
    const payload = octokitExample('check_run', 'rerequested');
    const item = toGitHubWorkItem(extractGitHubEvent('check_run', payload, 'd'), payload);
    expect(item.vars).toMatchObject({ Number: 0, Branch: '', URL: 'http://github.com/github/hello-world/runs/4', CommentBody: '', CommentURL: '', CheckName: 'randscape' });
    expect(item.report).toBeUndefined();
  });

  it('check_run with a PR: CI variables and a pull-request report with the head SHA', () => {
    const payload = octokitExample('check_run', 'completed');
    const item = toGitHubWorkItem(extractGitHubEvent('check_run', payload, 'd'), payload);
    expect(item.vars).toMatchObject({
      ID: '128620228',
      Number: 2,
      Branch: 'changes',
      CheckName: 'Octocoders-linter',
      Conclusion: 'failure',
      CheckRunURL: 'https://github.com/Codertocat/Hello-World/runs/128620228',
      HeadSHA: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      CheckApp: 'octocoders-linter',
    });
    expect(item.report).toEqual({ kind: 'pull-request', owner: 'Codertocat', repo: 'Hello-World', number: 2, headSHA: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821' });
  });

  it('pull_request: branch, no HeadSHA variable (check_run only, as Kelos) but the report has it', () => {
    const payload = octokitExample('pull_request', 'opened');
    const item = toGitHubWorkItem(extractGitHubEvent('pull_request_target', payload, 'd'), payload);
    expect(item.vars).toMatchObject({ Event: 'pull_request_target', Branch: 'changes', HeadSHA: '', Number: 2 });
    expect(item.report).toMatchObject({ kind: 'pull-request', headSHA: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821' });
  });

  it('issue_comment on a PR reports as pull-request and gets the enriched branch', () => {
    const payload = octokitExample('issue_comment', 'created');
    payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
    const facts = withPullRequestHead(extractGitHubEvent('issue_comment', payload, 'd'), { ref: 'fix', sha: 'abc' });
    const item = toGitHubWorkItem(facts, payload);
    expect(item.vars).toMatchObject({ Branch: 'fix', CommentBody: "You are totally right! I'll get this fixed right away." });
    expect(item.report).toMatchObject({ kind: 'pull-request', number: 1, headSHA: 'abc' });
  });

  it('push: ChangedFiles and ref; create: Tag and RefType', () => {
    const push = octokitExample('push', undefined, 4);
    expect(toGitHubWorkItem(extractGitHubEvent('push', push, 'd'), push).vars).toMatchObject({
      ChangedFiles: ['README.md'],
      Ref: 'refs/heads/master',
      Branch: 'master',
      Title: 'Push to master',
    });
    const create = octokitExample('create');
    expect(toGitHubWorkItem(extractGitHubEvent('create', create, 'd'), create).vars).toMatchObject({ Tag: 'simple-tag', RefType: 'tag', ID: 'simple-tag' });
  });

  it('PR ChangedFiles only for the spawner whose filter used filePatterns (ExtractGitHubWorkItemChangedFilesEmpty)', () => {
    const payload = octokitExample('pull_request', 'opened');
    const facts = extractGitHubEvent('pull_request', payload, 'd');
    const spawner = kelosSpawner('12-taskspawner-file-patterns/taskspawner-webhook.yaml').spec.when.githubWebhook!;
    const files = ['internal/auth/x.go'];
    expect(toGitHubWorkItem(facts, payload, { changedFiles: githubChangedFilesForSpawner(spawner, facts, files) }).vars.ChangedFiles).toEqual(files);
    expect(toGitHubWorkItem(facts, payload, { changedFiles: githubChangedFilesForSpawner({ events: ['pull_request'] }, facts, files) }).vars.ChangedFiles).toEqual([]);
  });

  it('other events: id falls back to the delivery id, nothing to report', () => {
    const payload = { action: 'created', sender: { login: 'octocat' }, starred_at: null };
    const item = toGitHubWorkItem(extractGitHubEvent('star', payload, 'dlv-9'), payload);
    expect(item).toMatchObject({ id: 'dlv-9', vars: { ID: '', Sender: 'octocat', Action: 'created' } });
    expect(item.report).toBeUndefined();
  });
});

describe('payload budget', () => {
  it('a 1 MB payload still produces a small work item, with the facts intact', () => {
    const payload = octokitExample('issues', 'opened');
    payload.issue.body = `${'x'.repeat(60_000)} tail`;
    payload.padding = Array.from({ length: 4000 }, (_, i) => ({ i, text: 'y'.repeat(250) }));
    expect(JSON.stringify(payload).length).toBeGreaterThan(1_000_000);
    const item = toGitHubWorkItem(extractGitHubEvent('issues', payload, 'd'), payload, { payloadBudgetBytes: 64 * 1024 });
    expect(item.payloadTrimmed!.originalBytes).toBeGreaterThan(1_000_000);
    expect(item.payloadTrimmed!.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(JSON.stringify(item.vars.Payload).length).toBeLessThanOrEqual(64 * 1024);
    expect((item.vars.Body as string).endsWith(' tail')).toBe(true); // the variable keeps the full body
    expect((item.vars.Payload as any).issue.number).toBe(1);
    expect((item.vars.Payload as any).pull_request ?? (item.vars.Payload as any).action).toBe('opened');
  });

  it('shrinks strings before arrays and keeps top-level scalars as the last resort', () => {
    expect(trimPayload({ a: 'x'.repeat(5000) }, 2000)).toMatchObject({ trimmed: true, value: { a: `${'x'.repeat(1024)}…` } });
    const many = { list: Array.from({ length: 500 }, (_, i) => i) };
    const trimmed = trimPayload(many, 500);
    expect((trimmed.value as any).list).toHaveLength(100);
    expect(trimPayload({ action: 'opened', big: { s: 'z'.repeat(100) } }, 10)).toMatchObject({ trimmed: true, value: { action: 'opened' } });
    expect(trimPayload({ small: 1 }, 100)).toMatchObject({ trimmed: false, value: { small: 1 } });
  });

  it('counts UTF-8 bytes and never splits a surrogate pair', () => {
    const emoji = '🥚'.repeat(3000);
    const result = trimPayload({ e: emoji }, 5000);
    const kept = (result.value as any).e as string;
    expect(kept.endsWith('…')).toBe(true);
    expect(/[\ud800-\udbff]…$/.test(kept)).toBe(false);
    expect(result.originalBytes).toBe(12_000 + `{"e":""}`.length); // 4 bytes per emoji
  });
});

describe('Linear work items', () => {
  it('variables of the seed table; IssueID empty for Issue events', () => {
    const payload = {
      action: 'update',
      type: 'Issue',
      data: { id: 'iss-1', title: 'Fix login', state: { name: 'In Progress' }, labels: [{ name: 'agent-task' }, { name: 'bug' }], estimate: 1234567 },
    };
    const item = toLinearWorkItem(extractLinearEvent(payload), 'lin-dlv', { spawner: 'linear-webhook-example', deliveryHashHex: HASH });
    expect(item).toMatchObject({ id: 'iss-1', deliveryId: 'lin-dlv', labels: ['agent-task', 'bug'], defaultTaskName: 'linear-webhook-example-issue-a3f1c9e07b2d' });
    expect(item.vars).toMatchObject({
      ID: 'iss-1',
      Title: 'Fix login',
      Kind: 'LinearWebhook',
      Type: 'Issue',
      Action: 'update',
      State: 'In Progress',
      Labels: 'agent-task, bug',
      IssueID: '',
      Number: 0,
      Body: '',
      URL: '',
      Payload: payload,
    });
    expect(item.report).toBeUndefined();
    // Rendering sees JSON numbers as Go float64, as Kelos's map[string]interface{} does.
    expect((renderableWebhookVars(item.vars).Payload as any).data.estimate).toBeInstanceOf(GoFloat64);
  });

  it('Comment: IssueID is the parent issue', () => {
    const item = toLinearWorkItem(extractLinearEvent({ type: 'Comment', action: 'create', data: { id: 'c1', issue: { id: 'iss-9' } } }), 'd');
    expect(item.vars).toMatchObject({ IssueID: 'iss-9', Type: 'Comment', Title: '' });
  });
});

describe('generic work items (example 13)', () => {
  it('fieldMapping keys verbatim plus ID/Title/Body/URL', () => {
    const source = kelosSpawner('13-taskspawner-generic-webhook/taskspawner.yaml').spec.when.webhook!;
    const body = {
      data: {
        url: 'https://sentry.io/issues/1/',
        event: { event_id: 'ev-1', title: 'ZeroDivisionError', level: 'error', platform: 'python', environment: 'production' },
      },
    };
    const match = matchGenericWebhook(source, body);
    expect(match.matched).toBe(true);
    const item = toGenericWorkItem(source, body, match.fields!, 'generic-sentry-ev-1', { spawner: 'sentry-error-responder', deliveryHashHex: HASH });
    expect(item).toMatchObject({ id: 'ev-1', deliveryId: 'generic-sentry-ev-1', defaultTaskName: 'sentry-error-responder-sentry-a3f1c9e07b2d' });
    expect(item.vars).toMatchObject({
      Kind: 'GenericWebhook',
      id: 'ev-1',
      ID: 'ev-1',
      title: 'ZeroDivisionError',
      Title: 'ZeroDivisionError',
      url: 'https://sentry.io/issues/1/',
      URL: 'https://sentry.io/issues/1/',
      Body: '',
      level: 'error',
      platform: 'python',
      Payload: body,
    });
  });

  it('an explicit upper-case mapping wins over a promoted lower-case one', () => {
    const item = toGenericWorkItem({ source: 's', fieldMapping: { id: '$.a', ID: '$.b' } }, {}, { id: 'lower', ID: 'upper' }, 'd');
    expect(item.vars.ID).toBe('upper');
  });
});

describe('webhookTaskName', () => {
  it.each([
    ['webhook-responder', webhookEventPart.github('issue_comment'), 'webhook-responder-issue-comment-a3f1c9e07b2d'],
    ['linear', webhookEventPart.linear('Comment'), 'linear-comment-a3f1c9e07b2d'],
    ['linear', webhookEventPart.linear(''), 'linear-linear-a3f1c9e07b2d'],
    ['sentry-error-responder', webhookEventPart.generic('sentry'), 'sentry-error-responder-sentry-a3f1c9e07b2d'],
  ])('%s + %s', (spawner, part, expected) => {
    expect(webhookTaskName(spawner, part, HASH)).toBe(expected);
  });

  it('cuts to 63 characters and trims trailing - and .', () => {
    const spawner = 'a'.repeat(40);
    const name = webhookTaskName(spawner, 'pull_request_review_comment', HASH);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toBe(`${spawner}-pull-request-review-co`);
    expect(webhookTaskName('b'.repeat(50), 'x.y_z', HASH)).toBe(`${'b'.repeat(50)}-x.y-z-a3f1c9`);
    expect(webhookTaskName('c'.repeat(55), 'issues', HASH)).toBe(`${'c'.repeat(55)}-issues`);
    expect(webhookTaskName('d'.repeat(62), 'issues', HASH)).toBe('d'.repeat(62)); // trailing '-' trimmed
  });
});
