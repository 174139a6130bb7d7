/**
 * The agent sandbox on the local runtime (src/runtimes/local/agent-sandbox.ts), through a real `kelos worker`
 * process: an agent that tries to read the worker's environment, the secret store, the dev server's database and
 * another Task's log gets nothing, runs as uid 61100 (not root), and still does its work — commits and pushes to its
 * `file://` remote and reports results — while what it wrote belongs to the worker's user outside. At start, a worker
 * that cannot sandbox says so in one line naming the fix, and one told not to sandbox warns.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { taskWorkflowId } from '../../src/task/task-run';
import { taskFiles } from '../../src/host/data-dir';
import { packageRoot } from '../../src/host/package-root';
import { KelosTestStack, startKelosTestStack } from '../harness/kelos-stack';

const IMAGE = path.resolve(__dirname, '../fixtures/images/sandbox-probe.sh');
const KELOS = path.join(packageRoot(), 'bin', 'kelos.js');
const WORKER_SECRET = 'worker-only-secret-3f9a1c';
const STORED_SECRET = 'stored-secret-value-77b2e0';
const DB_MARK = 'dev-database-row-5d41ab';
const OTHER_LOG_MARK = 'other-task-output-c0ffee';

let stack: KelosTestStack;

beforeAll(async () => {
  stack = await startKelosTestStack('sandbox');
});
afterAll(async () => stack?.teardown());

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd, encoding: 'utf8' }).trim();

it('an agent sees nothing of the worker, the secret store, the dev database or other Tasks, and still does its work', async () => {
  const worker = stack.startWorkerProcess([], { WORKER_ONLY_SECRET: WORKER_SECRET });
  // What a worker's data directory holds besides this Task's files.
  stack.secrets.put('default', 'other-team-token', { TOKEN: STORED_SECRET });
  const secretFile = path.join(stack.home, 'secrets', 'default', 'other-team-token.json');
  const database = path.join(stack.home, 'dev', 'temporal.db');
  fs.mkdirSync(path.dirname(database), { recursive: true });
  fs.writeFileSync(database, DB_MARK);
  const otherLog = taskFiles(stack.home, 'default', 'someone-else').agentLog;
  fs.mkdirSync(path.dirname(otherLog), { recursive: true });
  fs.writeFileSync(otherLog, OTHER_LOG_MARK);

  // The Task's own remote, outside the data directory: the agent may push there.
  const seed = path.join(stack.shared, 'seed');
  const origin = path.join(stack.shared, 'origin.git');
  fs.mkdirSync(seed);
  git(seed, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(seed, 'README.md'), '# demo\n');
  git(seed, 'add', '.');
  git(seed, 'commit', '-q', '-m', 'init');
  git(stack.shared, 'clone', '-q', '--bare', seed, origin);
  await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: 'boxed', namespace: 'default' }, spec: { repo: `file://${origin}` } });

  const name = `boxed-${Date.now().toString(36)}`;
  const probes = [`/proc/${worker.pid}/environ`, secretFile, database, otherLog];
  await stack.api.startTask({
    namespace: 'default',
    name,
    agentType: 'claude-code',
    prompt: 'probe and work',
    image: IMAGE,
    credentials: { type: 'none' },
    workspaceRef: 'boxed',
    branch: 'agent-branch',
    agentConfigRefs: [],
    env: [
      { name: 'PROBE_PATHS', value: probes.join(':') },
      { name: 'PROBE_DIRS', value: [stack.home, path.join(stack.home, 'tasks', 'default'), '/proc'].join(':') },
    ],
    labels: {},
    sourceKind: 'cli',
    spec: {},
    apiVersion: 'kelos.dev/v1alpha2',
  });
  const status = await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result();
  const files = taskFiles(stack.home, 'default', name);
  const log = fs.readFileSync(files.agentLog, 'utf8');

  expect(status.phase).toBe('Succeeded');
  for (const probe of probes) expect(log).toContain(`probe ${probe}: unreadable`);
  for (const mark of [WORKER_SECRET, STORED_SECRET, DB_MARK, OTHER_LOG_MARK]) expect(log).not.toContain(mark);
  // Of the data directory, only this Task's own places are there; of the processes, only its own.
  expect(log).toMatch(new RegExp(`listing ${stack.home}: tasks \\n`));
  expect(log).toMatch(new RegExp(`listing ${path.join(stack.home, 'tasks', 'default')}: ${name} \\n`));
  expect(log).not.toMatch(new RegExp(`listing /proc: .*\\b${worker.pid}\\b`));
  // Never root inside, so agent CLIs that refuse root (claude's --dangerously-skip-permissions) run.
  expect(log).toContain('uid: 61100\n');

  // The work arrived: committed on its branch, pushed to the file:// remote, reported.
  const commit = git(origin, 'rev-parse', 'refs/heads/agent-branch');
  expect(status.results).toMatchObject({ branch: 'agent-branch', commit });
  expect(git(origin, 'show', `${commit}:agent-work.txt`)).toBe('work by the agent');
  // What the agent wrote belongs to the worker's user outside, so the worker's own git works on the checkout.
  expect(fs.statSync(path.join(files.repoDir, 'agent-work.txt')).uid).toBe(process.getuid!());
  expect(fs.statSync(path.join(files.repoDir, '.git', 'index')).uid).toBe(process.getuid!());
  expect(git(files.repoDir, 'rev-parse', 'HEAD')).toBe(commit);
  expect(git(files.repoDir, 'status', '--porcelain')).toBe('');
});

describe('at start', () => {
  const startWorker = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [KELOS, '--address', '127.0.0.1:1', 'worker', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, KELOS_HOME: stack.home, ...env } });

  it('a worker that cannot sandbox says so in one line naming the fix, before any Task', () => {
    const run = startWorker([], { PATH: path.join(stack.shared, 'no-bwrap-here') });
    expect(run.status).not.toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('cannot sandbox agents: bwrap not found');
    expect(lines[0]).toContain('install bubblewrap');
    expect(lines[0]).toContain('--no-agent-sandbox');
    expect(run.stdout).not.toContain('connected');
  });

  it.each([
    ['--no-agent-sandbox', [['--no-agent-sandbox'], {}]],
    ['KELOS_AGENT_SANDBOX=off', [[], { KELOS_AGENT_SANDBOX: 'off' }]],
  ] as [string, [string[], Record<string, string>]][])('%s warns at start', (_label, [args, env]) => {
    const run = startWorker(args, env);
    expect(run.stderr).toMatch(/^kelos worker: WARNING: the agent sandbox is off/);
  });
});
