/**
 * Kelos example 06 (fork workflow) end to end on the local runtime: the example's Workspace (origin = the fork,
 * remote `upstream` = the upstream, both local git repositories) and its TaskSpawner, whose githubIssues source
 * reads the upstream's issues through the local GitHub API. The spawned Task carries the source repo as
 * `upstreamRepo`; the agent (the fake `claude` behind the built-in entrypoint) sees it as KELOS_UPSTREAM_REPO
 * beside the `upstream` remote, pushes its branch to the fork and opens its PR on the upstream (a fake `gh`),
 * and the Task's results report that PR: the output block looks PRs up on the upstream too.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { spawnerWorkflowId } from '../../src/spawner/spawner-status';
import { taskWorkflowId } from '../../src/task/task-run';
import { spawnerStatusQuery } from '../../src/spawner/messages';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';
import { git } from '../local/git-fixture';

const EXAMPLE = path.resolve(__dirname, '../../../shared/fixtures/kelos-examples/06-fork-workflow');
const FAKE_AGENTS = path.resolve(__dirname, '../fixtures/agents');
const FAKE_GH = path.resolve(__dirname, '../fixtures/gh');
const TOKEN = 'ghp_fork_workflow_token_0123456789';

let github: FakeGitHub;
let stack: KelosTestStack;
let upstream: string;
let fork: string;

beforeAll(async () => {
  github = await startFakeGitHub({ tokens: [TOKEN] });
  stack = await startKelosTestStack('fork');
  await stack.startWorker({ env: { GITHUB_API_URL: github.url } });
  ({ upstream, fork } = makeUpstreamAndFork(path.join(stack.shared, 'git'))); // shared: the sandboxed agent may push there
  stack.secrets.put('default', 'github-token', { GITHUB_TOKEN: TOKEN });
  stack.secrets.put('default', 'claude-oauth-token', { CLAUDE_CODE_OAUTH_TOKEN: 'oauth-secret-value' });
  // The example's TODOs filled in with local repositories: the fork is origin, the upstream a remote.
  const workspace = example('workspace.yaml');
  expect(workspace.spec.remotes.map((r: { name: string }) => r.name)).toEqual(['upstream']);
  workspace.spec.repo = `file://${fork}`;
  workspace.spec.remotes[0].url = `file://${upstream}`;
  await stack.api.applyStoredResource(workspace as never);
});
afterAll(async () => {
  await stack?.teardown();
  await github?.close();
});

/** The example's manifests as a user applies them, in the default namespace. */
function example(file: string): Record<string, any> {
  const [doc] = parseAllDocuments(fs.readFileSync(path.join(EXAMPLE, file), 'utf8'));
  const manifest = doc.toJS() as Record<string, any>;
  manifest.metadata.namespace = 'default';
  return manifest;
}

/** The upstream (one commit on main) and the user's fork of it, as bare repositories under owner directories. */
function makeUpstreamAndFork(root: string): { upstream: string; fork: string } {
  const seed = path.join(root, 'seed');
  const upstream = path.join(root, 'upstream-org', 'upstream-repo.git');
  const fork = path.join(root, 'your-user', 'upstream-repo.git');
  fs.mkdirSync(seed, { recursive: true });
  git(seed, 'init', '--quiet');
  fs.writeFileSync(path.join(seed, 'README.md'), 'upstream\n');
  git(seed, 'add', '.');
  git(seed, 'commit', '--quiet', '-m', 'first');
  git(root, 'clone', '--quiet', '--bare', seed, upstream);
  git(root, 'clone', '--quiet', '--bare', upstream, fork);
  return { upstream, fork };
}

const branches = (bare: string) => git(bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').split('\n').filter(Boolean);

test('Kelos example 06: issues from the upstream, work pushed to the fork, the PR opened on the upstream', async () => {
  const issue = github.repo('upstream-org', 'upstream-repo').addIssue({ title: 'Crash on save', body: 'Stack trace attached', labels: ['bug'], user: 'alice' });
  github.repo('upstream-org', 'upstream-repo').addIssue({ title: 'Not a bug', labels: ['question'], user: 'alice' });

  // The source keeps the example's upstream URL (read through the local GitHub API); the agent is the fake one.
  const spawner = example('taskspawner.yaml');
  expect(spawner.spec.when.githubIssues.repo).toBe('https://github.com/upstream-org/upstream-repo.git');
  const agentLog = path.join(stack.shared, 'fork-agent.jsonl');
  const ghState = path.join(stack.shared, 'fork-gh.jsonl');
  spawner.spec.taskTemplate.podOverrides = {
    env: [
      { name: 'PATH', value: `${FAKE_AGENTS}:${FAKE_GH}:${process.env.PATH}` },
      { name: 'FAKE_AGENT_MODE', value: 'commit,push,pr' },
      { name: 'FAKE_AGENT_LOG', value: agentLog },
      { name: 'FAKE_GH_STATE', value: ghState },
    ],
  };
  expect(await stack.api.applySpawner(spawner as never)).toBe('created');
  const handle = stack.env.client.workflow.getHandle(spawnerWorkflowId('default', 'fork-issue-fixer'));
  await eventually(async () => ((await handle.query(spawnerStatusQuery)).totalTasksCreated === 1 ? true : undefined), 30_000, 'the Task for the bug');

  const name = `fork-issue-fixer-${issue.number}`;
  const branch = `kelos-task-${issue.number}`;
  const task = await stack.api.getTask('default', name);
  expect(task!.spec).toMatchObject({ upstreamRepo: 'upstream-org/upstream-repo', branch });
  const status = await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result();
  expect(status.phase).toBe('Succeeded');

  // The agent was told the upstream and found it as a remote beside its fork.
  const invocation = JSON.parse(fs.readFileSync(agentLog, 'utf8').trim().split('\n')[0]);
  expect(invocation.env).toMatchObject({ KELOS_UPSTREAM_REPO: 'upstream-org/upstream-repo', KELOS_BRANCH: branch, KELOS_BASE_BRANCH: 'main' });
  expect(invocation.remotes).toEqual({ origin: `file://${fork}`, upstream: `file://${upstream}` });
  expect(invocation.prompt).toContain(`Issue #${issue.number}: Crash on save`);

  // Its branch went to the fork only; its PR from the fork's branch targets the upstream.
  expect(branches(fork)).toContain(branch);
  expect(branches(upstream)).not.toContain(branch);
  expect(status.results!.commit).toBe(git(fork, 'rev-parse', branch));
  const prs = fs.readFileSync(ghState, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  expect(prs).toEqual([{ repo: 'upstream-org/upstream-repo', head: `your-user:${branch}`, base: 'main', title: `Fix from ${branch}`, url: 'https://github.com/upstream-org/upstream-repo/pull/1' }]);
  expect(status.results).toMatchObject({ branch, 'base-branch': 'main', pr: 'https://github.com/upstream-org/upstream-repo/pull/1' });
  expect(execFileSync('git', ['log', '-1', '--format=%s', branch], { cwd: fork, encoding: 'utf8' })).toMatch(/^fake claude-code: add /);
});

test('a Task on the fork Workspace without upstreamRepo gets the upstream remote\'s repository as KELOS_UPSTREAM_REPO', async () => {
  const agentLog = path.join(stack.shared, 'plain-agent.jsonl');
  const name = 'fork-plain-task';
  await stack.api.startTask({
    namespace: 'default',
    name,
    agentType: 'claude-code',
    prompt: 'Tidy the README',
    credentials: { type: 'none' },
    workspaceRef: 'my-fork',
    agentConfigRefs: [],
    env: [
      { name: 'PATH', value: `${FAKE_AGENTS}:${process.env.PATH}` },
      { name: 'FAKE_AGENT_LOG', value: agentLog },
    ],
    labels: {},
    sourceKind: 'cli',
    spec: {},
    apiVersion: 'kelos.dev/v1alpha2',
  });
  const status = await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result();
  expect(status.phase).toBe('Succeeded');
  const invocation = JSON.parse(fs.readFileSync(agentLog, 'utf8').trim().split('\n')[0]);
  expect(invocation.env.KELOS_UPSTREAM_REPO).toBe('upstream-org/upstream-repo');
});
