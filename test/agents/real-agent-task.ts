/**
 * What the real-agent tests share: the pinned CLI installed (scripts/agents/install-agent-clis.sh, cached), a kelos
 * worker whose PATH holds it, a local git upstream as the Workspace, and one Task without `image` (the built-in
 * entrypoint) run to its end, with its log as `kelos logs` prints it.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { AgentType } from '../../src/model/types';
import type { TaskRun } from '../../src/task/task-run';
import { taskWorkflowId } from '../../src/task/task-run';
import type { TaskStatus } from '../../src/task/task-status';
import { taskFiles } from '../../src/host/data-dir';
import { packageRoot } from '../../src/host/package-root';
import { runKelos } from '../harness/kelos-cli';
import { KelosTestStack, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { testServerAddress } from '../harness/temporal';
import { git, makeUpstream, Upstream } from '../local/git-fixture';

const INSTALLER = path.join(packageRoot(), 'scripts', 'agents', 'install-agent-clis.sh');
export const MCP_PROBE_SERVER = path.join(packageRoot(), 'test', 'fixtures', 'mcp', 'probe-mcp-server.js');

/** The file the scripted model has the agent write, and the commit command it has the agent run. */
export const WRITTEN_FILE = 'GREETING.md';
export const WRITTEN_CONTENT = 'Hello from a real agent CLI\n';
export const COMMIT_COMMAND = `git add ${WRITTEN_FILE} && git commit -q -m "Add greeting" && git push -q origin HEAD`;
export const FINAL_TEXT = 'Added GREETING.md and pushed it.';
export const AGENTS_MD = 'Team rule 7f3e: keep greetings short.';

/**
 * Installs the pinned CLI (or finds it in the cache) and returns its bin directory; an install that fails fails the
 * test with npm's reason, never skips it.
 */
export function installAgentCli(agent: AgentType): string {
  try {
    const out = execFileSync('bash', [INSTALLER, agent], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    return out.trim().split('\n').pop()!;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`installing the ${agent} CLI failed: ${(e.stderr || e.message).trim()}`);
  }
}

export interface AgentTestBed {
  stack: KelosTestStack;
  upstream: Upstream;
  teardown(): Promise<void>;
}

/**
 * A stack with a worker whose PATH starts with the CLI's bin directory: the sandbox shows the worker's PATH
 * directories read-only even under its home (where the cache lives), as a user's `npm i -g` would be.
 */
export async function startAgentTestBed(name: string, binDir: string): Promise<AgentTestBed> {
  const savedPath = process.env.PATH;
  process.env.PATH = `${binDir}:${savedPath}`;
  const stack = await startKelosTestStack(name);
  await stack.startWorker();
  const upstream = makeUpstream(stack.shared);
  return {
    stack,
    upstream,
    teardown: async () => {
      await stack.teardown();
      process.env.PATH = savedPath;
    },
  };
}

export interface RealAgentRun {
  run: TaskRun;
  status: TaskStatus;
  /** The Task's checkout, where the agent works (known before the Task starts, for the script's absolute paths). */
  repoDir: string;
  /** `kelos logs <task> --raw` as the real binary prints it: the CLI's own stream. */
  logs: string;
  /** `kelos logs <task>` (pretty, the default): the agent's text on stdout, its tool calls and verdict on stderr. */
  pretty: { stdout: string; stderr: string };
}

/** The Task's name and checkout, before it runs. */
export function nextTask(bed: AgentTestBed, agent: AgentType): { name: string; repoDir: string } {
  const name = uniqueName(`real-${agent}`);
  return { name, repoDir: taskFiles(bed.stack.home, 'default', name).repoDir };
}

export async function runRealAgentTask(
  bed: AgentTestBed,
  task: { name: string },
  options: { agentType: AgentType; model: string; effort: string; secret: Record<string, string>; env: Record<string, string>; mcpServers?: unknown[] },
): Promise<RealAgentRun> {
  const { stack } = bed;
  const suffix = task.name;
  stack.secrets.put('default', `key-${suffix}`, options.secret);
  await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: `ws-${suffix}`, namespace: 'default' }, spec: { repo: bed.upstream.url, ref: 'main' } });
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'AgentConfig',
    metadata: { name: `ac-${suffix}`, namespace: 'default' },
    spec: { agentsMD: AGENTS_MD, ...(options.mcpServers ? { mcpServers: options.mcpServers } : {}) },
  });
  const prompt = `Add a ${WRITTEN_FILE} with a greeting, commit and push it.`;
  const run: TaskRun = {
    namespace: 'default',
    name: task.name,
    agentType: options.agentType,
    prompt,
    model: options.model,
    effort: options.effort,
    credentials: { type: 'api-key', secretName: `key-${suffix}` },
    workspaceRef: `ws-${suffix}`,
    agentConfigRefs: [`ac-${suffix}`],
    branch: `kelos/${task.name}`,
    // A base URL is not a secret; the git identity is what an image's gitconfig would give.
    env: Object.entries({ GIT_AUTHOR_NAME: 'Agent', GIT_AUTHOR_EMAIL: 'agent@example.invalid', GIT_COMMITTER_NAME: 'Agent', GIT_COMMITTER_EMAIL: 'agent@example.invalid', ...options.env }).map(([name, value]) => ({ name, value })),
    labels: {},
    sourceKind: 'cli',
    spec: { type: options.agentType, prompt },
    apiVersion: 'kelos.dev/v1alpha2',
  };
  await stack.api.startTask(run);
  const status = (await stack.env.client.workflow.getHandle(taskWorkflowId('default', task.name)).result()) as TaskStatus;
  const logs = runKelos({ address: testServerAddress(), home: stack.home }, ['logs', task.name, '--raw']);
  if (logs.code !== 0) throw new Error(`kelos logs failed: ${logs.stderr}`);
  const pretty = runKelos({ address: testServerAddress(), home: stack.home }, ['logs', task.name]);
  if (pretty.code !== 0) throw new Error(`kelos logs (pretty) failed: ${pretty.stderr}`);
  return { run, status, repoDir: taskFiles(stack.home, 'default', task.name).repoDir, logs: logs.stdout, pretty: { stdout: pretty.stdout, stderr: pretty.stderr } };
}

/** The commit the Task's branch points at in the upstream, and the file the agent wrote as committed there. */
export function upstreamBranch(bed: AgentTestBed, branch: string): { commit: string; file: string } {
  const commit = git(bed.upstream.bare, 'rev-parse', `refs/heads/${branch}`);
  return { commit, file: git(bed.upstream.bare, 'show', `${commit}:${WRITTEN_FILE}`) };
}

/**
 * What every agent's Task must show: Succeeded, the file its own tool wrote pushed on the Task's branch, the results
 * naming that commit and the agent's final text.
 */
export function expectWorkPushed(bed: AgentTestBed, { status, run }: Pick<RealAgentRun, 'status' | 'run'>): void {
  expect({ phase: status.phase, message: status.message }).toEqual({ phase: 'Succeeded', message: 'Task completed successfully' });
  const pushed = upstreamBranch(bed, run.branch!);
  expect(pushed.file).toBe(WRITTEN_CONTENT.trim());
  expect(status.results).toMatchObject({ branch: run.branch, commit: pushed.commit, 'base-branch': 'main' });
  expect(Buffer.from(status.results!.response, 'base64').toString()).toBe(FINAL_TEXT);
}

/**
 * `kelos logs` pretty-prints the real stream: the agent's final text on stdout just before the output block and no
 * raw JSON there; on stderr each expected tool call (`→ tool: summary`) and the `✓ done` verdict.
 */
export function expectPrettyLogs(pretty: RealAgentRun['pretty'], toolCalls: string[]): void {
  expect(pretty.stdout).toContain(`${FINAL_TEXT}\n---KELOS_OUTPUTS_START---\n`);
  expect(pretty.stdout).not.toMatch(/^\{"/m);
  const notes = pretty.stderr.split('\n');
  for (const call of toolCalls) expect(notes).toContain(call);
  expect(notes).toContainEqual(expect.stringMatching(/^✓ done · /));
}
