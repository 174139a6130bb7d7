/**
 * A Task with a Workspace (file:// repository, branch, files, token secret) and an AgentConfig, run by the
 * built-in entrypoint with a fake `claude` CLI that prints claude-code's real stream-json: the agent works in the
 * checkout on its branch, gets KELOS_AGENTS_MD, its plugin and its skills.sh package (installed by a stand-in
 * `npx` on the worker's PATH, with the skill secret's token), and usage comes from the stream.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { taskWorkflowId } from '../../src/task/task-run';
import type { TaskRun } from '../../src/task/task-run';
import { KelosTestStack, startKelosTestStack } from '../harness/kelos-stack';

const FAKE_AGENTS = path.resolve(__dirname, '../fixtures/agents');
const TOKEN = 'ghp_test_workspace_token_0123456789';
const SKILLS_TOKEN = 'ghp_skills_token_for_private_packages';

let stack: KelosTestStack;
let origin: string;

beforeAll(async () => {
  stack = await startKelosTestStack('task-ws');
  // `npx skills add <source>` stand-in: installs one skill named after the source and records the token it saw.
  const bin = path.join(stack.home, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'npx'), '#!/bin/sh\nname=$(basename "$4")\nmkdir -p "$HOME/.agents/skills/$name"\necho "# $name" > "$HOME/.agents/skills/$name/SKILL.md"\necho "$4 token=${KELOS_SKILLS_TOKEN:-} worker-secret=${LINEAR_API_KEY:-}" >> "$HOME/../npx.log"\n', { mode: 0o755 });
  // LINEAR_API_KEY stands for the worker's own secrets, which third-party install code must not see.
  await stack.startWorker({ env: { PATH: `${bin}:${process.env.PATH}`, LINEAR_API_KEY: 'lin_api_worker_only' } });
  origin = path.join(stack.home, 'origin.git');
  const seed = path.join(stack.home, 'seed');
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd, stdio: 'pipe' });
  fs.mkdirSync(seed);
  git(seed, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(seed, 'README.md'), '# demo\n');
  git(seed, 'add', '.');
  git(seed, 'commit', '-q', '-m', 'init');
  git(stack.home, 'clone', '-q', '--bare', seed, origin);

  stack.secrets.put('default', 'repo-token', { GITHUB_TOKEN: TOKEN });
  stack.secrets.put('default', 'claude-oauth', { CLAUDE_CODE_OAUTH_TOKEN: 'oauth-secret-value-xyz' });
  stack.secrets.put('default', 'skills-token', { GITHUB_TOKEN: SKILLS_TOKEN });
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'Workspace',
    metadata: { name: 'demo', namespace: 'default' },
    spec: { repo: `file://${origin}`, ref: 'main', secretRef: { name: 'repo-token' }, files: [{ path: 'docs/NOTES.md', content: 'from the workspace\n' }] },
  });
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'AgentConfig',
    metadata: { name: 'style', namespace: 'default' },
    spec: {
      agentsMD: 'Always write tests.',
      plugins: [{ name: 'team', skills: [{ name: 'review', content: '# Review skill' }] }],
      skills: [{ source: 'acme/private-skills', secretRef: { name: 'skills-token' } }],
    },
  });
});
afterAll(async () => stack?.teardown());

it('runs the built-in entrypoint in the checkout with the workspace, branch, AgentConfig and stream usage', async () => {
  const log = path.join(stack.shared, 'fake-agent.jsonl');
  const run: TaskRun = {
    namespace: 'default',
    name: `ws-${Date.now().toString(36)}`,
    agentType: 'claude-code',
    prompt: 'Add tests',
    model: 'sonnet',
    credentials: { type: 'oauth', secretName: 'claude-oauth' },
    workspaceRef: 'demo',
    agentConfigRefs: ['style'],
    branch: 'feature/tests',
    env: [
      { name: 'PATH', value: `${FAKE_AGENTS}:${process.env.PATH}` },
      { name: 'FAKE_AGENT_MODE', value: 'commit' },
      { name: 'FAKE_AGENT_LOG', value: log },
    ],
    labels: {},
    sourceKind: 'cli',
    spec: {},
    apiVersion: 'kelos.dev/v1alpha2',
  };
  await stack.api.startTask(run);
  const handle = stack.env.client.workflow.getHandle(taskWorkflowId('default', run.name));
  const status = await handle.result();

  expect(status.phase).toBe('Succeeded');
  expect(status.results).toMatchObject({ branch: 'feature/tests', 'base-branch': 'main', 'cost-usd': '0.0421275', 'input-tokens': '1234', 'output-tokens': '567' });
  expect(status.results!.commit).toMatch(/^[0-9a-f]{40}$/);
  expect(status.usage).toEqual({ costUSD: '0.0421275', inputTokens: 1234, outputTokens: 567 });

  const invocation = JSON.parse(fs.readFileSync(log, 'utf8').trim().split('\n')[0]);
  expect(invocation.argv).toEqual(expect.arrayContaining(['--output-format', 'stream-json', '-p', 'Add tests', '--model', 'sonnet']));
  const checkout = invocation.cwd as string;
  expect(fs.readFileSync(path.join(checkout, 'docs/NOTES.md'), 'utf8')).toBe('from the workspace\n');
  expect(execFileSync('git', ['branch', '--show-current'], { cwd: checkout, encoding: 'utf8' }).trim()).toBe('feature/tests');
  expect(invocation.env.KELOS_AGENTS_MD).toBe('Always write tests.');
  expect(invocation.credentials).toContain('CLAUDE_CODE_OAUTH_TOKEN');
  expect(fs.existsSync(path.join(invocation.env.KELOS_PLUGIN_DIR, 'team', 'skills', 'review', 'SKILL.md'))).toBe(true);
  expect(fs.readFileSync(path.join(invocation.env.KELOS_PLUGIN_DIR, 'skills-sh', 'skills', 'private-skills', 'SKILL.md'), 'utf8')).toBe('# private-skills\n');
  expect(fs.readFileSync(path.join(invocation.env.KELOS_PLUGIN_DIR, '..', 'npx.log'), 'utf8')).toBe(`acme/private-skills token=${SKILLS_TOKEN} worker-secret=\n`);
  // The token reached git through the environment only: never written into the checkout's config.
  expect(fs.readFileSync(path.join(checkout, '.git', 'config'), 'utf8')).not.toContain(TOKEN);

  const history = JSON.stringify(await handle.fetchHistory(), (key, value) => (key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value));
  expect(history).toContain('repo-token');
  expect(history).not.toContain(TOKEN);
  expect(history).not.toContain('oauth-secret-value-xyz');
  expect(history).not.toContain(SKILLS_TOKEN);
});
