/**
 * Reporting back to GitHub (kelos-behaviour §6) against the local GitHub API, from real spawners and Tasks on the
 * dev server: one status comment per Task that goes accepted → succeeded/failed, a Sticky comment reused across
 * Tasks (and never someone else's), Check Runs on a pull request's head (GitHub App only, as on GitHub), GitHub
 * webhook spawners reporting on the payload's repository, a reporting failure that shows in a condition without
 * failing the Task, and exactly one comment and Check Run when an attempt's answer was lost.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createReportingActivities } from '../../src/task/reporting/github-reporting';
import { localSecretSource } from '../../src/host/secret-source';
import { statusCommentBody, stickyMarker, taskCommentMarker, type TaskReport } from '../../src/task/reporting/task-report';
import { spawnerWorkflowId } from '../../src/spawner/spawner-status';
import { taskWorkflowId } from '../../src/task/task-run';
import { spawnerStatusQuery, webhookDeliverySignal } from '../../src/spawner/messages';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { githubDelivery, githubExample } from '../harness/webhook-deliveries';
import { makeUpstream } from '../local/git-fixture';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const TOKEN = 'ghp_reporting_token_0123456789';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const APP_ID = 5150;

let github: FakeGitHub;
let stack: KelosTestStack;

beforeAll(async () => {
  github = await startFakeGitHub({ tokens: [TOKEN], logins: { [TOKEN]: 'kelos-bot' }, app: { appId: APP_ID, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
  stack = await startKelosTestStack('reporting');
  stack.secrets.put('default', 'pat', { GITHUB_TOKEN: TOKEN });
  stack.secrets.put('default', 'app', { appID: String(APP_ID), installationID: '31', privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() });
  const repo = makeUpstream(stack.home).url;
  for (const [name, secret] of [['ws-pat', 'pat'], ['ws-app', 'app']]) {
    await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name, namespace: 'default' }, spec: { repo, secretRef: { name: secret } } });
  }
  await stack.startWorker({ env: { GITHUB_API_URL: github.url } });
});
afterAll(async () => {
  await stack?.teardown();
  await github?.close();
});

function manifest(name: string, when: Record<string, unknown>, options: { workspace?: string; env?: Record<string, string>; spec?: Record<string, unknown>; apiVersion?: string; ttl?: number } = {}) {
  return {
    apiVersion: options.apiVersion ?? 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      ...options.spec,
      when,
      taskTemplate: {
        type: 'claude-code',
        credentials: { type: 'none' },
        image: IMAGE,
        workspaceRef: { name: options.workspace ?? 'ws-pat' },
        promptTemplate: 'Work on #{{.Number}}',
        podOverrides: { env: Object.entries(options.env ?? {}).map(([n, value]) => ({ name: n, value })) },
        ...(options.ttl !== undefined ? { ttlSecondsAfterFinished: options.ttl } : {}),
      },
    },
  };
}

/** The Task once its workflow closed: the final report is made before it does. */
async function finishedTask(name: string) {
  await eventually(async () => ((await stack.api.getTask('default', name)) ? true : undefined), 30_000, `Task ${name} created`);
  await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result().catch(() => undefined);
  return (await stack.api.getTask('default', name))!;
}

/** The comments our identities wrote on an item, in order. */
function ourComments(repoName: string, number: number) {
  return [...github.repo('acme', repoName).createdComments.values()].filter((c) => c.issue_url.endsWith(`/issues/${number}`));
}

describe('status comments', () => {
  it('PerTask: one comment per Task, accepted while it runs, then edited to succeeded', async () => {
    const repoName = uniqueName('per-task');
    const issue = github.repo('acme', repoName).addIssue({ title: 'Crash', labels: ['bug'] });
    const name = uniqueName('fix');
    await stack.api.applySpawner(manifest(name, { githubIssues: { repo: `acme/${repoName}`, labels: ['bug'], pollInterval: '1s', reporting: { comments: {} } } }, { env: { AGENT_SLEEP: '3' } }) as never);
    const taskName = `${name}-${issue.number}`;

    const accepted = await eventually(async () => ourComments(repoName, issue.number)[0], 30_000, 'the accepted comment');
    expect(accepted.body).toMatch(new RegExp(`^🤖 \\*\\*Kelos Task Status\\*\\*\\n\\nTask \`${taskName}\` has been \\*\\*accepted\\*\\* and is being processed\\.\\n\\n<!-- kelos\\.dev/task-status:default/${taskName}/[0-9a-f-]+ -->$`));
    expect(accepted.user.login).toBe('kelos-bot');

    const task = await finishedTask(taskName);
    expect(task.status.phase).toBe('Succeeded');
    const comments = ourComments(repoName, issue.number);
    expect(comments).toHaveLength(1);
    expect(comments[0].body.startsWith(`🤖 **Kelos Task Status**\n\nTask \`${taskName}\` has **succeeded**. ✅\n\n<!-- kelos.dev/task-status:default/${taskName}/`)).toBe(true);
    expect(task.status.conditions).toContainEqual(expect.objectContaining({ type: 'GitHubReported', status: 'True', reason: 'Reported', message: comments[0].html_url }));
    expect(task.metadata.annotations).toMatchObject({ 'kelos.dev/source-kind': 'issue', 'kelos.dev/source-number': String(issue.number), 'kelos.dev/github-reporting': 'enabled', 'kelos.dev/github-comment-mode': 'PerTask' });
  });

  it('v1alpha1 reporting.enabled: a failing Task reports failed', async () => {
    const repoName = uniqueName('v1');
    const issue = github.repo('acme', repoName).addIssue({ title: 'Broken', labels: ['bug'] });
    const name = uniqueName('v1');
    const v1 = manifest(name, { githubIssues: { repo: `acme/${repoName}`, labels: ['bug'], reporting: { enabled: true } } }, { env: { AGENT_EXIT: '3' }, apiVersion: 'kelos.dev/v1alpha1', spec: { pollInterval: '1s' } });
    await stack.api.applySpawner(v1 as never);
    const task = await finishedTask(`${name}-${issue.number}`);
    expect(task.status.phase).toBe('Failed');
    const comments = ourComments(repoName, issue.number);
    expect(comments).toHaveLength(1);
    expect(comments[0].body.split('\n\n<!--')[0]).toBe(`🤖 **Kelos Task Status**\n\nTask \`${name}-${issue.number}\` has **failed**. ❌`);
  });

  it('Sticky: one comment per spawner and issue, reused by the next Task; a stranger\'s comment with the marker is left alone', async () => {
    const repoName = uniqueName('sticky');
    const repo = github.repo('acme', repoName);
    const issue = repo.addIssue({ title: 'Recurring', labels: ['chore'] });
    const name = uniqueName('sticky');
    const marker = stickyMarker('default', name);
    const stranger = repo.addComment(issue.number, { user: 'mallory', body: `quoting the bot\n\n${marker}` });
    // TTL 0 frees the name at once, so the still-matching issue spawns a second Task (capped at two).
    await stack.api.applySpawner(manifest(name, { githubIssues: { repo: `acme/${repoName}`, labels: ['chore'], pollInterval: '1s', reporting: { comments: { mode: 'Sticky' } } } }, { ttl: 0, spec: { maxTotalTasks: 2 } }) as never);
    const handle = stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name));
    await eventually(async () => ((await handle.query(spawnerStatusQuery)).totalTasksCreated === 2 ? true : undefined), 60_000, 'two Tasks');
    const taskName = `${name}-${issue.number}`;
    const expected = statusCommentBody('succeeded', taskName, marker);
    await eventually(async () => {
      const ours = ourComments(repoName, issue.number);
      return ours.length === 1 && ours[0].body === expected && github.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith(`/repos/acme/${repoName}/issues/comments/`)).length >= 3 ? true : undefined;
    }, 60_000, 'the sticky comment edited by the second Task');
    expect(ourComments(repoName, issue.number)).toHaveLength(1);
    expect(stranger.body).toBe(`quoting the bot\n\n${marker}`);
    expect(github.requests.filter((r) => r.method === 'POST' && r.path === `/repos/acme/${repoName}/issues/${issue.number}/comments`)).toHaveLength(1);
  });
});

describe('Check Runs', () => {
  it('a pull request Task gets a Check Run on its head commit: in progress, then completed with its conclusion', async () => {
    const repoName = uniqueName('checks');
    const sha = 'b'.repeat(40);
    const pull = github.repo('acme', repoName).addPull({ title: 'Add feature', labels: ['review'], head: { ref: 'feature', sha } });
    const name = uniqueName('review');
    await stack.api.applySpawner(manifest(name, { githubPullRequests: { repo: `acme/${repoName}`, labels: ['review'], pollInterval: '1s', reporting: { checks: { name: 'Kelos Review' } } } }, { workspace: 'ws-app', env: { AGENT_SLEEP: '3' } }) as never);
    const taskName = `${name}-${pull.number}`;
    const runs = () => [...github.repo('acme', repoName).checkRuns.values()];
    const inProgress = await eventually(async () => runs()[0], 30_000, 'the Check Run');
    expect(inProgress).toMatchObject({ name: 'Kelos Review', head_sha: sha, status: 'in_progress', output: { title: 'Kelos Review — In Progress', summary: `Agent task \`${taskName}\` is in progress` } });
    const task = await finishedTask(taskName);
    expect(task.status.phase).toBe('Succeeded');
    expect(runs()).toHaveLength(1);
    expect(runs()[0]).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'Kelos Review — Succeeded', summary: `Agent task \`${taskName}\` has succeeded` } });
    expect(task.metadata.annotations).toMatchObject({ 'kelos.dev/github-checks': 'enabled', 'kelos.dev/github-check-name': 'Kelos Review', 'kelos.dev/source-sha': sha });
  });

  it('with a personal access token GitHub refuses Check Runs: the condition says why, the Task still succeeds', async () => {
    const repoName = uniqueName('checks-pat');
    const pull = github.repo('acme', repoName).addPull({ title: 'PAT only', labels: ['review'], head: { ref: 'x', sha: 'c'.repeat(40) } });
    const name = uniqueName('review-pat');
    await stack.api.applySpawner(manifest(name, { githubPullRequests: { repo: `acme/${repoName}`, labels: ['review'], pollInterval: '1s', reporting: { checks: {} } } }) as never);
    const task = await finishedTask(`${name}-${pull.number}`);
    expect(task.status.phase).toBe('Succeeded');
    const condition = task.status.conditions!.find((c) => c.type === 'GitHubReported')!;
    expect(condition).toMatchObject({ status: 'False', reason: 'ReportFailed' });
    expect(condition.message).toContain('You must authenticate via a GitHub App');
    expect(condition.message).toContain(`Check Run "Kelos: ${name}"`);
  });
});

it('a GitHub webhook spawner reports on the repository of the payload', async () => {
  const repoName = uniqueName('hooks');
  const repo = github.repo('acme', repoName);
  const issue = repo.addIssue({ title: 'From a webhook' });
  const payload = githubExample('issues', 'opened');
  payload.issue.number = issue.number;
  payload.repository.name = repoName;
  payload.repository.full_name = `acme/${repoName}`;
  payload.repository.owner.login = 'acme';
  const name = uniqueName('hook');
  await stack.api.applySpawner(manifest(name, { githubWebhook: { events: ['issues'], reporting: { comments: {} } } }) as never);
  await stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name)).signal(webhookDeliverySignal, githubDelivery('issues', payload));
  const tasks = await eventually(async () => {
    const found = (await stack.api.listTasks('default')).filter((t) => t.metadata.labels?.['kelos.dev/taskspawner'] === name);
    return found.length ? found : undefined;
  }, 30_000, 'the webhook Task');
  const task = await finishedTask(tasks[0].metadata.name);
  expect(task.metadata.annotations).toMatchObject({ 'kelos.dev/source-owner': 'acme', 'kelos.dev/source-repo': repoName });
  expect(ourComments(repoName, issue.number).map((c) => c.body.split('\n\n<!--')[0])).toEqual([`🤖 **Kelos Task Status**\n\nTask \`${task.metadata.name}\` has **succeeded**. ✅`]);
  // Webhook spawners listen to every GitHub delivery of the namespace: other test files share the dev server.
  await stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name)).terminate('test over');
});

describe('exactly once when an answer is lost', () => {
  const report = (repoName: string, number: number, patch: Partial<TaskReport> = {}): TaskReport => ({ kind: 'pull-request', owner: 'acme', repo: repoName, number, comments: { mode: 'PerTask' }, workspaceRef: 'ws-app', spawner: 'lost', ...patch });
  const activities = () => createReportingActivities({ client: stack.env.client, secrets: localSecretSource(stack.home), env: { GITHUB_API_URL: github.url } });

  it('a retried attempt finds the comment and the Check Run the lost attempt created, and edits them', async () => {
    const repoName = uniqueName('lost');
    const sha = 'd'.repeat(40);
    const pull = github.repo('acme', repoName).addPull({ title: 'Lost answers', head: { ref: 'y', sha } });
    const target = report(repoName, pull.number, { checks: { name: 'Kelos: lost', headSHA: sha } });
    const input = { namespace: 'default', taskName: 'lost-1', runKey: 'run-1', report: target, phase: 'accepted' as const, state: {} };
    const { reportTaskStatus } = activities();
    // Attempt 1 creates both; its answer never reaches the workflow, which therefore still holds the empty state.
    await new MockActivityEnvironment({ attempt: 1 }).run(reportTaskStatus, input);
    const state = await new MockActivityEnvironment({ attempt: 2 }).run(reportTaskStatus, input);
    expect(ourComments(repoName, pull.number)).toHaveLength(1);
    expect(ourComments(repoName, pull.number)[0].body).toContain(taskCommentMarker('default', 'lost-1', 'run-1'));
    expect([...github.repo('acme', repoName).checkRuns.values()]).toHaveLength(1);
    expect(state).toMatchObject({ commentId: ourComments(repoName, pull.number)[0].id, commentPhase: 'accepted', checkPhase: 'accepted' });
    // A Task of the same name in a new run (retrigger) is another Task: a comment and a Check Run of its own.
    await new MockActivityEnvironment({ attempt: 2 }).run(reportTaskStatus, { ...input, runKey: 'run-2' });
    expect(ourComments(repoName, pull.number)).toHaveLength(2);
    expect([...github.repo('acme', repoName).checkRuns.values()]).toHaveLength(2);
  });
});
