/**
 * githubIssues / githubPullRequests spawners over the local GitHub API server: exactly the Tasks the filters and
 * comment policy call for, with Kelos's template values; idle polls are one free 304; changes cost pages plus
 * changed items; errors show in the spawner's status and never stall it; TTL re-spawn and retrigger.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnerWorkflowId, type SpawnerStatus } from '../../src/spawner/spawner-status';
import { spawnerStatusQuery } from '../../src/spawner/messages';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { makeUpstream } from '../local/git-fixture';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const TOKEN = 'ghp_polling_test_token_0123456789';
const WORKSPACE = 'widgets';

let github: FakeGitHub;
let stack: KelosTestStack;

beforeAll(async () => {
  github = await startFakeGitHub({ tokens: [TOKEN] });
  stack = await startKelosTestStack('polling');
  stack.secrets.put('default', 'github-token', { GITHUB_TOKEN: TOKEN });
  // Tasks clone a local repository; the source reads acme/<repo> through the local API (`repo` override).
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'Workspace',
    metadata: { name: WORKSPACE, namespace: 'default' },
    spec: { repo: makeUpstream(stack.home).url, secretRef: { name: 'github-token' } },
  });
  await stack.startWorker({ env: { GITHUB_API_URL: github.url } });
});
afterAll(async () => {
  await stack?.teardown();
  await github?.close();
});

function spawnerManifest(name: string, when: Record<string, unknown>, template: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      ...spec,
      when,
      taskTemplate: {
        type: 'claude-code',
        credentials: { type: 'none' },
        image: IMAGE,
        workspaceRef: { name: WORKSPACE },
        promptTemplate: 'Issue #{{.Number}}: {{.Title}}\n{{.Body}}\nLabels: {{.Labels}}\nKind: {{.Kind}}\nURL: {{.URL}}\n---\n{{.Comments}}',
        ...template,
      },
    },
  };
}

async function start(manifest: Record<string, any>) {
  expect(await stack.api.applySpawner(manifest as never)).toBe('created');
  return stack.env.client.workflow.getHandle(spawnerWorkflowId('default', manifest.metadata.name));
}

type Handle = Awaited<ReturnType<typeof start>>;

async function statusWhen(handle: Handle, predicate: (s: SpawnerStatus) => boolean, what: string, timeoutMs = 30_000): Promise<SpawnerStatus> {
  return eventually(async () => {
    const status = await handle.query(spawnerStatusQuery);
    return predicate(status) ? status : undefined;
  }, timeoutMs, what);
}

/** Waits for the poll after the one `status` reports (polls are identified by their time). */
async function nextPoll(handle: Handle, after: SpawnerStatus | undefined, what = 'the next poll'): Promise<SpawnerStatus> {
  return statusWhen(handle, (s) => Boolean(s.lastPoll && s.lastPoll.time !== after?.lastPoll?.time), what);
}

describe('githubIssues', () => {
  it('creates one Task per matching issue with Kelos template values; idle polls cost one free 304', async () => {
    const repoName = uniqueName('issues');
    const repo = github.repo('acme', repoName);
    const bug = repo.addIssue({ title: 'Crash on save', body: 'Stack trace attached', labels: ['bug', 'ready'], user: 'alice' });
    repo.addComment(bug.number, { user: 'bob', body: 'Seen it too' });
    repo.addIssue({ title: 'Only bug', labels: ['bug'], user: 'alice' }); // AND: lacks "ready"
    repo.addIssue({ title: 'Wontfix', labels: ['bug', 'ready', 'wontfix'], user: 'alice' }); // excludeLabels
    repo.addIssue({ title: 'From a bot', labels: ['bug', 'ready'], user: 'dependabot[bot]' }); // excludeAuthors
    repo.addPull({ title: 'A PR', labels: ['bug', 'ready'], user: 'alice', head: { ref: 'fix', sha: 'a'.repeat(40) } }); // types: issues only
    const closed = repo.addIssue({ title: 'Closed', labels: ['bug', 'ready'], user: 'alice' });
    repo.updateIssue(closed.number, { state: 'closed' });

    const name = uniqueName('fix-bugs');
    const handle = await start(
      spawnerManifest(name, {
        githubIssues: { repo: `acme/${repoName}`, labels: ['bug', 'ready'], excludeLabels: ['wontfix'], excludeAuthors: ['dependabot[bot]'], pollInterval: '1s' },
      }),
    );
    const first = await statusWhen(handle, (s) => s.totalTasksCreated === 1 && Boolean(s.lastPoll), 'the first Task');
    expect(first.totalDiscovered).toBe(1);
    const task = await stack.api.getTask('default', `${name}-${bug.number}`);
    expect(task!.spec.prompt).toBe(
      `Issue #${bug.number}: Crash on save\nStack trace attached\nLabels: bug, ready\nKind: Issue\nURL: ${bug.html_url}\n---\nSeen it too`,
    );

    // Once the incremental listing has caught up, every idle poll is one conditional request answered 304.
    const settledPoll = await statusWhen(handle, (s) => s.lastPoll?.notModified === 1, 'an idle poll');
    github.resetRequests();
    const idle = await nextPoll(handle, settledPoll);
    expect(idle.lastPoll).toMatchObject({ requests: 1, notModified: 1, points: 0, full: false });
    const polls = github.requests.filter((r) => r.path === `/repos/acme/${repoName}/issues`);
    expect(polls.length).toBeGreaterThanOrEqual(1);
    expect(polls.every((r) => r.status === 304 && r.cost === 0 && r.conditional)).toBe(true);
    expect(idle.totalTasksCreated).toBe(1);
  });

  it('a change costs one page plus the changed items; a newly labelled issue spawns, a closed one leaves the queue', async () => {
    const repoName = uniqueName('changes');
    const repo = github.repo('acme', repoName);
    // Created over the past hours: issues updated in the same second as the newest one are listed again (GitHub's
    // `since` is inclusive, at second precision).
    const hourAgo = Date.now() - 3_600_000;
    const issues = Array.from({ length: 120 }, (_, i) =>
      repo.addIssue({ title: `Issue ${i}`, labels: i < 3 ? ['agent'] : [], user: 'alice', createdAt: new Date(hourAgo + i * 1000).toISOString().replace(/\.\d+Z$/, 'Z') }),
    );
    const [oldest, middle, newest] = issues;
    const name = uniqueName('changes');
    // maxConcurrency 1 and agents that take a while keep two items queued.
    const handle = await start(
      spawnerManifest(
        name,
        { githubIssues: { repo: `acme/${repoName}`, labels: ['agent'], pollInterval: '1s' } },
        { podOverrides: { env: [{ name: 'AGENT_SLEEP', value: '4' }] } },
        { maxConcurrency: 1 },
      ),
    );
    await statusWhen(handle, (s) => s.totalTasksCreated === 1 && s.queueLength === 2, 'one running, two queued');
    expect(await stack.api.getTask('default', `${name}-${newest.number}`)).toBeDefined(); // newest first
    // The incremental listing has caught up with the repository once a poll is a 304.
    await statusWhen(handle, (s) => s.lastPoll?.notModified === 1, 'an idle poll');

    // Change the repository while the spawner is suspended, so one poll sees all of it.
    await stack.api.setSpawnerSuspended('default', name, true);
    const before = await handle.query(spawnerStatusQuery);
    repo.updateIssue(oldest.number, { state: 'closed' }); // queued: must leave the queue
    repo.addComment(middle.number, { user: 'carol', body: 'any news?' }); // changed: its comments are read again
    const labelled = issues[50];
    repo.updateIssue(labelled.number, { labels: ['agent'] }); // new match
    await stack.api.setSpawnerSuspended('default', name, false);

    const changed = await nextPoll(handle, before, 'the poll after the changes');
    // One page of changes, then the comments of the two changed items that still match; nothing for the other 117.
    expect(changed.lastPoll).toMatchObject({ full: false, requests: 3, points: 3, notModified: 0 });
    expect(changed.totalDiscovered).toBe(3);

    await statusWhen(handle, (s) => s.totalTasksCreated === 3 && s.queueLength === 0 && s.activeTasks === 0, 'the remaining Tasks to run', 60_000);
    expect(await stack.api.getTask('default', `${name}-${oldest.number}`)).toBeUndefined();
    const middleTask = await stack.api.getTask('default', `${name}-${middle.number}`);
    expect(middleTask!.spec.prompt).toContain('any news?'); // rendered from the newest data while it waited
    expect(await stack.api.getTask('default', `${name}-${labelled.number}`)).toBeDefined();
  });

  it('comment policy: latest authorized command wins; unauthorized commands are ignored; a new trigger after completion re-runs', async () => {
    const repoName = uniqueName('policy');
    const repo = github.repo('acme', repoName);
    repo.setCollaborator('maintainer', 'write');
    repo.setCollaborator('reader', 'read');
    const picked = repo.addIssue({ title: 'Pick me', user: 'someone' });
    repo.addComment(picked.number, { user: 'maintainer', body: '/kelos pick-up', createdAt: '2026-01-01T10:00:00Z' });
    const paused = repo.addIssue({ title: 'Paused', user: 'someone' });
    repo.addComment(paused.number, { user: 'maintainer', body: '/kelos pick-up', createdAt: '2026-01-01T10:00:00Z' });
    repo.addComment(paused.number, { user: 'maintainer', body: 'hold on\n/kelos stop', createdAt: '2026-01-01T11:00:00Z' });
    const unauthorized = repo.addIssue({ title: 'Drive-by', user: 'someone' });
    repo.addComment(unauthorized.number, { user: 'reader', body: '/kelos pick-up', createdAt: '2026-01-01T10:00:00Z' });
    const ignoredStop = repo.addIssue({ title: 'Stop by a reader is ignored', user: 'someone' });
    repo.addComment(ignoredStop.number, { user: 'maintainer', body: '/kelos pick-up', createdAt: '2026-01-01T10:00:00Z' });
    repo.addComment(ignoredStop.number, { user: 'reader', body: '/kelos stop', createdAt: '2026-01-01T11:00:00Z' });

    const name = uniqueName('policy');
    const handle = await start(
      spawnerManifest(name, {
        githubIssues: {
          repo: `acme/${repoName}`,
          pollInterval: '1s',
          commentPolicy: { triggerComment: '/kelos pick-up', excludeComments: ['/kelos stop'], minimumPermission: 'write' },
        },
      }),
    );
    const status = await statusWhen(handle, (s) => s.totalTasksCreated === 2, 'two Tasks');
    expect(status.totalDiscovered).toBe(2);
    const names = [`${name}-${picked.number}`, `${name}-${ignoredStop.number}`];
    for (const taskName of names) expect(await stack.api.getTask('default', taskName)).toBeDefined();
    const done = await eventually(async () => {
      const task = await stack.api.getTask('default', names[0]);
      return task?.status.phase === 'Succeeded' ? task : undefined;
    }, 60_000, 'the first Task to finish');

    // A newer authorized trigger after the Task completed runs the item again under the same name.
    const later = new Date(Date.parse(done.status.completionTime!) + 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    repo.addComment(picked.number, { user: 'maintainer', body: '/kelos pick-up', createdAt: later });
    await statusWhen(handle, (s) => s.totalTasksCreated === 3, 'the retriggered run', 60_000);
  });

  it('takes a first poll of 2.5 MB in answers of at most 512 KiB: every issue once, its whole body in its Task', async () => {
    const repoName = uniqueName('bulky');
    const repo = github.repo('acme', repoName);
    // One answer with all of them would be over Temporal's 2 MiB; the spawner polls again at once while `more`.
    const issues = Array.from({ length: 25 }, (_, i) => repo.addIssue({ title: `Bulky ${i}`, body: `${i} ${'b'.repeat(100_000)}`, labels: ['agent'], user: 'alice' }));
    const name = uniqueName('bulky');
    const handle = await start(spawnerManifest(name, { githubIssues: { repo: `acme/${repoName}`, labels: ['agent'], pollInterval: '1h' } }, { podOverrides: { env: [{ name: 'AGENT_SLEEP', value: '0' }] } }));
    await statusWhen(handle, (s) => s.totalTasksCreated === 25 && s.activeTasks === 0, 'a Task for each of the 25 issues', 120_000);
    const task = await stack.api.requireTask('default', `${name}-${issues[7].number}`);
    expect((task.spec as { prompt: string }).prompt).toContain(`7 ${'b'.repeat(100_000)}`);
    const status = await handle.query(spawnerStatusQuery);
    expect(status.totalTasksCreated).toBe(25);
    expect(status.conditions.find((c) => c.type === 'DiscoveryError')?.status).toBe('False');
  }, 180_000);

  it('a Task removed by its TTL frees the name and the still-matching issue spawns again', async () => {
    const repoName = uniqueName('ttl');
    const repo = github.repo('acme', repoName);
    const issue = repo.addIssue({ title: 'Recurring chore', labels: ['chore'], user: 'alice' });
    const name = uniqueName('ttl');
    const handle = await start(
      spawnerManifest(name, { githubIssues: { repo: `acme/${repoName}`, labels: ['chore'], pollInterval: '1s' } }, { ttlSecondsAfterFinished: 1 }),
    );
    await statusWhen(handle, (s) => s.totalTasksCreated >= 2, 'a second Task after the first one expired', 90_000);
    expect(await stack.api.getTask('default', `${name}-${issue.number}`)).toBeDefined();
  });
});

describe('githubPullRequests', () => {
  it('review state, draft, labels and file patterns decide; Branch, ReviewState and ReviewComments are filled', async () => {
    const repoName = uniqueName('pulls');
    const repo = github.repo('acme', repoName);
    const head = 'c'.repeat(40);
    const approved = repo.addPull({ title: 'Go change', body: 'Please review', labels: ['needs-review'], user: 'alice', head: { ref: 'feature/go', sha: head } });
    repo.setFiles(approved.number, ['pkg/server/handler.go', 'vendor/x/y.go']);
    repo.addReview(approved.number, { user: 'bob', state: 'APPROVED', commitId: head, submittedAt: '2026-01-02T10:00:00Z' });
    repo.addReviewComment(approved.number, { user: 'bob', body: 'nit: rename', path: 'pkg/server/handler.go', line: 12, commitId: head });
    const docsOnly = repo.addPull({ title: 'Docs', labels: ['needs-review'], user: 'alice', head: { ref: 'docs', sha: 'd'.repeat(40) } });
    repo.setFiles(docsOnly.number, ['docs/intro.md', 'vendor/a.go']);
    repo.addReview(docsOnly.number, { user: 'bob', state: 'APPROVED', commitId: 'd'.repeat(40) });
    const staleApproval = repo.addPull({ title: 'Approved on an old commit', labels: ['needs-review'], user: 'alice', head: { ref: 'stale', sha: 'e'.repeat(40) } });
    repo.setFiles(staleApproval.number, ['main.go']);
    repo.addReview(staleApproval.number, { user: 'bob', state: 'APPROVED', commitId: 'f'.repeat(40) });
    const changesRequested = repo.addPull({ title: 'Contested', labels: ['needs-review'], user: 'alice', head: { ref: 'contested', sha: 'g'.repeat(40) } });
    repo.setFiles(changesRequested.number, ['main.go']);
    repo.addReview(changesRequested.number, { user: 'bob', state: 'APPROVED', commitId: 'g'.repeat(40), submittedAt: '2026-01-02T10:00:00Z' });
    repo.addReview(changesRequested.number, { user: 'carol', state: 'CHANGES_REQUESTED', commitId: 'g'.repeat(40), submittedAt: '2026-01-02T09:00:00Z' });
    const draft = repo.addPull({ title: 'Draft', labels: ['needs-review'], user: 'alice', draft: true, head: { ref: 'draft', sha: 'h'.repeat(40) } });
    repo.setFiles(draft.number, ['main.go']);
    repo.addReview(draft.number, { user: 'bob', state: 'APPROVED', commitId: 'h'.repeat(40) });

    const name = uniqueName('review');
    const handle = await start(
      spawnerManifest(
        name,
        {
          githubPullRequests: {
            repo: `acme/${repoName}`,
            labels: ['needs-review'],
            reviewState: 'approved',
            draft: false,
            filePatterns: { include: ['**/*.go'], exclude: ['vendor/**'] },
            pollInterval: '1s',
          },
        },
        { branch: '{{.Branch}}', promptTemplate: 'PR #{{.Number}} {{.Kind}} {{.ReviewState}}\n{{.ReviewComments}}' },
      ),
    );
    const status = await statusWhen(handle, (s) => s.totalTasksCreated === 1 && Boolean(s.lastPoll), 'the approved PR Task');
    expect(status.totalDiscovered).toBe(1);
    const task = await stack.api.getTask('default', `${name}-${approved.number}`);
    expect(task!.spec.branch).toBe('feature/go');
    expect(task!.spec.prompt).toBe(`PR #${approved.number} PR approved\npkg/server/handler.go:12\nnit: rename`);
  });
});

describe('GitHub App credentials', () => {
  it('a Workspace secret with appID, installationID and privateKey polls with an installation token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const appGitHub = await startFakeGitHub({ app: { appId: 991, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    const appStack = await startKelosTestStack('polling-app');
    try {
      appGitHub.repo('acme', 'app-repo').addIssue({ title: 'Seen through the app', user: 'alice' });
      appStack.secrets.put('default', 'github-app', { appID: '991', installationID: '12', privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() });
      await appStack.api.applyStoredResource({
        apiVersion: 'kelos.dev/v1alpha2',
        kind: 'Workspace',
        metadata: { name: 'app-ws', namespace: 'default' },
        spec: { repo: 'https://github.com/acme/app-repo.git', secretRef: { name: 'github-app' } },
      });
      await appStack.startWorker({ env: { GITHUB_API_URL: appGitHub.url } });
      const manifest = spawnerManifest('app-poller', { githubIssues: { pollInterval: '1s' } }, { workspaceRef: { name: 'app-ws' }, podOverrides: { env: [{ name: 'AGENT_SLEEP', value: '0' }] } });
      expect(await appStack.api.applySpawner(manifest as never)).toBe('created');
      const handle = appStack.env.client.workflow.getHandle(spawnerWorkflowId('default', 'app-poller'));
      await eventually(async () => ((await handle.query(spawnerStatusQuery)).totalDiscovered === 1 ? true : undefined), 30_000, 'the issue seen through the app');
      expect(appGitHub.requests[0]).toMatchObject({ method: 'POST', path: '/app/installations/12/access_tokens', status: 201 });
      expect(appGitHub.requests.some((r) => r.path === '/repos/acme/app-repo/issues' && r.status === 200)).toBe(true);
    } finally {
      await appStack.teardown();
      await appGitHub.close();
    }
  });
});

describe('errors from GitHub', () => {
  it('bad credentials and a missing repository show in the status; the spawner keeps polling and recovers', async () => {
    stack.secrets.put('default', 'bad-token', { GITHUB_TOKEN: 'ghp_not_a_valid_token' });
    await stack.api.applyStoredResource({
      apiVersion: 'kelos.dev/v1alpha2',
      kind: 'Workspace',
      metadata: { name: 'bad-creds', namespace: 'default' },
      spec: { repo: makeUpstream(fs.mkdtempSync(path.join(stack.home, 'bad-'))).url, secretRef: { name: 'bad-token' } },
    });
    const name = uniqueName('badcreds');
    const handle = await start(spawnerManifest(name, { githubIssues: { repo: 'acme/anything', pollInterval: '1s' } }, { workspaceRef: { name: 'bad-creds' } }));
    const failing = await statusWhen(handle, (s) => s.conditions.some((c) => c.type === 'DiscoveryError' && c.status === 'True'), 'a DiscoveryError');
    const condition = failing.conditions.find((c) => c.type === 'DiscoveryError')!;
    expect(condition.reason).toBe('SourceError');
    expect(condition.message).toMatch(/401/);
    expect(failing.message).toMatch(/credentials/);

    const missing = uniqueName('missing');
    const missingHandle = await start(spawnerManifest(missing, { githubIssues: { repo: 'acme/does-not-exist', pollInterval: '1s' } }));
    const notFound = await statusWhen(missingHandle, (s) => /404/.test(s.message ?? ''), 'a 404 in the status');
    expect(notFound.phase).toBe('Running');

    // The repository appears: the next poll succeeds and the error clears.
    github.repo('acme', 'does-not-exist').addIssue({ title: 'Now it exists', user: 'alice' });
    await statusWhen(missingHandle, (s) => s.totalTasksCreated === 1 && !s.conditions.some((c) => c.type === 'DiscoveryError' && c.status === 'True'), 'recovery', 60_000);
  });

  it('a rate limit is waited out until its reset, then the poll goes on', async () => {
    const repoName = uniqueName('ratelimited');
    github.repo('acme', repoName).addIssue({ title: 'Behind a rate limit', user: 'alice' });
    github.failNext({ pathPattern: new RegExp(`/repos/acme/${repoName}/issues`) }, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3) },
      body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
    });
    const name = uniqueName('ratelimited');
    const handle = await start(spawnerManifest(name, { githubIssues: { repo: `acme/${repoName}`, pollInterval: '1s' } }));
    await statusWhen(handle, (s) => s.totalTasksCreated === 1, 'the Task after the rate limit reset', 60_000);
  });
});
