/**
 * Activities of the Task workflow on the local runtime. Every side effect of a Task lives here: reading
 * stored resources and secrets, preparing the checkout, running the agent, expiring the Task.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type {
  AgentConfigBundle,
  AgentOutcome,
  ExpireTaskInput,
  PreparedWorkspace,
  ResolvedTaskResources,
  RunAgentInput,
  WorkspaceSource,
} from '../api/task/task-activities-types';
import { TaskRun } from '../api/task/task-run';
import { TASK_MEMO_KEY, TASK_STATUS_MEMO_KEY } from '../api/task/task-start';
import { taskFiles } from '../host/data-dir';
import { LocalSecretStore, SecretNotFoundError } from '../host/secret-store';
import { readStoredResource } from './resources/stored-resources';
import { readTaskState } from './task-state';
import { buildAgentEnv } from './runtime/agent-env';
import { runOrAdoptAgent } from './runtime/local-agent-runner';
import { inspectProcess, stopProcessGroup, type ProcessFiles } from './runtime/detached-process';
import { credentialEnvName } from '../api/task/credential-env';
import { prepareWorkspace, refreshWorkspace } from './local/workspace';
import { kelosMcpServersJson } from './agent-config/mcp-servers';
import type { McpServer } from '../api/resources/model';
import { pluginFiles, type PluginFile } from '../api/task/plugin-files';
import { SKILLS_PLUGIN } from '../api/task/skills-install-script';
import { installSkillsLocally } from './local/skills-install';
import { sandboxCommand, writableLocalRemotes, type AgentSandbox } from './runtime/agent-sandbox';
import { writeFileAtomic } from '../host/atomic-file';
import { readIfExists, isExecutableFile } from '../host/files';

/** In a WorkerPool member's directory: where its last agent's process files are (stopped if a killed member left it). */
const LAST_AGENT_FILE = 'last-agent.json';

/** Under the Task's directory: plugins and skills.sh packages (KELOS_PLUGIN_DIR). */
const PLUGIN_DIR_NAME = 'plugin';

export interface TaskActivityDeps {
  client: Client;
  /** The kelos data directory (see host/data-dir.ts). */
  home: string;
  /** The built-in local entrypoint, used when a Task names no `image`. */
  builtinEntrypoint: { command: string; args: string[] };
  /** Added to the worker's environment for helper programs (skills.sh installs); tests put stand-ins on PATH. */
  env?: Record<string, string | undefined>;
  /** The box agents run in (runtime/agent-sandbox.ts); undefined runs them as the worker's user, unboxed. */
  agentSandbox?: AgentSandbox;
  /** This worker's own queue (api/task/task-runtime.ts workerHostQueue): the Task's agent is run there. */
  hostQueue?: string;
  /**
   * Set on a worker that runs WorkerPool members (workers/pool-member.ts): a free member for the run (its name and
   * directory, given back when the run ends), and how a Task is told which member took it.
   */
  poolMember?: { pool: string; claim(): { name: string; dir: string; release(): void }; started(run: TaskRun, member: string): Promise<void> };
}

export function createTaskActivities(deps: TaskActivityDeps) {
  const secrets = new LocalSecretStore(deps.home);

  /** Workspace, AgentConfigs and credentials exist and are complete; returns only non-secret facts. */
  async function resolveTaskResources(run: TaskRun): Promise<ResolvedTaskResources> {
    const resolved = await resolveStoredTaskResources(deps.client, run);
    if (resolved.workspace?.secretName) readSecret(run.namespace, resolved.workspace.secretName);
    for (const skill of resolved.agentConfig?.skills ?? []) if (skill.secretName) secretValue(run.namespace, skill.secretName, 'GITHUB_TOKEN');
    if (run.credentials.type !== 'none') {
      const key = credentialEnvName(run.agentType, run.credentials.type);
      const data = readSecret(run.namespace, run.credentials.secretName ?? '');
      if (!(key in data)) {
        throw ApplicationFailure.nonRetryable(
          `secret "${run.credentials.secretName}" has no key ${key} (needed by ${run.agentType} with ${run.credentials.type} credentials)`,
          'SecretKeyMissing',
        );
      }
    }
    return resolved;
  }

  /** Clones the workspace (or makes an empty work dir) and installs skills.sh packages; idempotent per Task run. */
  async function prepareTaskWorkspace(input: { run: TaskRun; runKey: string; resources: ResolvedTaskResources }): Promise<PreparedWorkspace> {
    const { run, runKey, resources } = input;
    const files = taskFiles(deps.home, run.namespace, run.name);
    claimTaskDir(files.dir, files.runIdFile, runKey);
    fs.mkdirSync(files.homeDir, { recursive: true });
    const skills = resources.agentConfig?.skills ?? [];
    const skillsMarker = path.join(files.dir, 'skills.ready');
    if (skills.length && !fs.existsSync(skillsMarker)) {
      const pluginDir = path.join(files.dir, PLUGIN_DIR_NAME);
      fs.rmSync(path.join(pluginDir, SKILLS_PLUGIN), { recursive: true, force: true });
      fs.mkdirSync(pluginDir, { recursive: true });
      Context.current().heartbeat('installing skills');
      try {
        await installSkillsLocally({ pluginDir, skills, tokenOf: (name) => secretValue(run.namespace, name, 'GITHUB_TOKEN'), env: { ...process.env, ...deps.env }, progress: () => Context.current().heartbeat('installing skills') });
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        throw ApplicationFailure.retryable((err as Error).message, 'SkillsInstallFailed');
      }
      fs.writeFileSync(skillsMarker, '');
    }
    const workspace = resources.workspace;
    const onThisHost = deps.hostQueue ? { hostQueue: deps.hostQueue } : {};
    if (!workspace) {
      const workDir = path.join(files.dir, 'work');
      fs.mkdirSync(workDir, { recursive: true });
      return { workDir, ...onThisHost };
    }
    const marker = path.join(files.dir, 'workspace.ready');
    if (fs.existsSync(marker)) return { ...(JSON.parse(fs.readFileSync(marker, 'utf8')) as PreparedWorkspace), ...onThisHost };
    fs.rmSync(files.repoDir, { recursive: true, force: true });
    Context.current().heartbeat('cloning');
    const token = workspace.secretName ? readSecret(run.namespace, workspace.secretName).GITHUB_TOKEN : undefined;
    const result = await prepareWorkspace({
      dir: files.repoDir,
      repo: workspace.repo,
      ref: workspace.ref,
      remotes: workspace.remotes,
      files: workspace.files,
      branch: run.branch,
      token,
    });
    const prepared: PreparedWorkspace = { workDir: files.repoDir, ...(result.baseBranch ? { baseBranch: result.baseBranch } : {}) };
    writeFileAtomic(marker, JSON.stringify(prepared));
    return { ...prepared, ...onThisHost };
  }

  async function runAgent(input: RunAgentInput): Promise<AgentOutcome> {
    const files = taskFiles(deps.home, input.run.namespace, input.run.name);
    // Retried on another worker after this Task's worker (and its disk) was lost: the checkout is not here, so
    // this worker prepares its own and starts the agent afresh (whatever the first run pushed stays on the branch).
    const prepared = isPreparedHere(input.prepared, files.dir) ? input.prepared : await prepareTaskWorkspace(input);
    return runAgentIn(input, prepared, files.homeDir);
  }

  /**
   * A pooled Task on this WorkerPool member: the member's own checkout, refreshed to the Task's base (a clean tree,
   * ignored files such as build caches kept), and the member's own home, so what one Task installs or caches the
   * next one finds. The Task's log, outputs and results stay per Task, as on any worker.
   */
  async function runPooledTask(input: Omit<RunAgentInput, 'prepared'>): Promise<AgentOutcome> {
    if (!deps.poolMember) throw ApplicationFailure.nonRetryable('this worker is not a WorkerPool member', 'NotAPoolMember');
    const member = deps.poolMember.claim();
    try {
      return await runOnMember(input, { ...member, pool: deps.poolMember.pool });
    } finally {
      member.release();
    }
  }

  async function runOnMember(input: Omit<RunAgentInput, 'prepared'>, member: { pool: string; name: string; dir: string }): Promise<AgentOutcome> {
    const { run, runKey, resources } = input;
    const files = taskFiles(deps.home, run.namespace, run.name);
    claimTaskDir(files.dir, files.runIdFile, runKey);
    const homeDir = path.join(member.dir, 'home');
    fs.mkdirSync(homeDir, { recursive: true });
    await stopLeftoverAgent(member.dir);
    writeFileAtomic(path.join(member.dir, LAST_AGENT_FILE), JSON.stringify({ logFile: files.agentLog, exitCodeFile: files.exitCodeFile, pidFile: files.pidFile }));
    await deps.poolMember!.started(run, member.name);
    const workspace = resources.workspace;
    if (!workspace) throw ApplicationFailure.nonRetryable(`WorkerPool "${member.pool}" has no Workspace to check out`, 'PoolWithoutWorkspace');
    Context.current().heartbeat('refreshing the member checkout');
    const token = workspace.secretName ? readSecret(run.namespace, workspace.secretName).GITHUB_TOKEN : undefined;
    const spec = { dir: path.join(member.dir, 'workspace'), repo: workspace.repo, ref: workspace.ref, remotes: workspace.remotes, files: workspace.files, branch: run.branch, token };
    const checkout = await refreshWorkspace(spec).catch(() => {
      // No checkout yet, or one a previous agent broke: a fresh clone (the member's caches in its home stay).
      fs.rmSync(spec.dir, { recursive: true, force: true });
      return prepareWorkspace(spec);
    });
    const prepared = { workDir: checkout.repoDir, ...(checkout.baseBranch ? { baseBranch: checkout.baseBranch } : {}) };
    return runAgentIn({ ...input, prepared }, prepared, homeDir, { adoptAfterShutdown: false });
  }

  /**
   * Agents outlive their worker (so a restarted worker can adopt them); a pooled Task is not adopted — it failed
   * with its member — so an agent a killed member left behind is stopped before its checkout is touched again.
   */
  async function stopLeftoverAgent(memberDir: string): Promise<void> {
    const recorded = readIfExists(path.join(memberDir, LAST_AGENT_FILE));
    if (!recorded) return;
    const state = inspectProcess(JSON.parse(recorded) as ProcessFiles);
    if (state.kind === 'running') await stopProcessGroup(state.process);
  }

  /** Runs (or, on a retried attempt, adopts) the Task's agent in `prepared.workDir` with `homeDir` as its home. */
  function runAgentIn(input: RunAgentInput, prepared: PreparedWorkspace, homeDir: string, options: { adoptAfterShutdown?: boolean } = {}): Promise<AgentOutcome> {
    const { run, resources } = input;
    const files = taskFiles(deps.home, run.namespace, run.name);
    return runOrAdoptAgent({
      ...options,
      files: { logFile: files.agentLog, exitCodeFile: files.exitCodeFile, pidFile: files.pidFile },
      deadlineAtMs: input.deadlineAtMs,
      launch: () => {
        const credential = run.credentials.type === 'none' ? undefined : credentialFor(run);
        const workspaceToken = resources.workspace?.secretName ? readSecret(run.namespace, resources.workspace.secretName).GITHUB_TOKEN : undefined;
        const pluginDir = writePlugins(files.dir, resources.agentConfig);
        const env = buildAgentEnv({
          run,
          homeDir,
          baseBranch: prepared.baseBranch,
          remotes: resources.workspace?.remotes,
          credential,
          githubToken: workspaceToken,
          setupCommand: resources.workspace?.setupCommand,
          agentsMD: resources.agentConfig?.agentsMD,
          pluginDir,
          mcpServersJson: resources.agentConfig?.mcpServers.length
            ? kelosMcpServersJson(resources.agentConfig.mcpServers as unknown as McpServer[], (name) => readSecret(run.namespace, name))
            : undefined,
          userEnv: run.env.map((entry) => ({
            name: entry.name,
            value: entry.secretKeyRef ? secretValue(run.namespace, entry.secretKeyRef.name, entry.secretKeyRef.key) : (entry.value ?? ''),
          })),
        });
        if (!fs.existsSync(prepared.workDir)) {
          // Prepared on another host (a worker of older kelos, or a lost one): its checkout is not on this disk.
          throw ApplicationFailure.nonRetryable(`the Task's checkout ${prepared.workDir} is not on this worker's host: it was prepared by another worker`, 'CheckoutNotOnThisHost');
        }
        const entry = run.image ? { command: run.image, args: [] } : deps.builtinEntrypoint;
        if (run.image && !isExecutableFile(run.image)) {
          throw ApplicationFailure.nonRetryable(
            `image "${run.image}" is not an executable file: on the local runtime \`image\` names a program implementing the /kelos_entrypoint.sh contract (omit it to use the built-in entrypoint)`,
            'ImageNotExecutable',
          );
        }
        const launch = { command: entry.command, args: [...entry.args, run.prompt], cwd: prepared.workDir, env };
        if (!deps.agentSandbox) return launch;
        const workspace = resources.workspace;
        // An image inside the data directory stays hidden with it (it would show a file of another Task).
        const image = run.image ? path.resolve(run.image) : undefined;
        const imageVisible = image !== undefined && path.relative(deps.home, image).startsWith('..');
        const boxed = sandboxCommand(deps.agentSandbox, {
          ...launch,
          // The worker's PATH, not the Task's: a Task's PATH must not open directories of the worker's home.
          path: process.env.PATH,
          writable: [prepared.workDir, homeDir, ...writableLocalRemotes(deps.agentSandbox, workspace ? [workspace.repo, ...workspace.remotes.map((r) => r.url)] : [])],
          readOnly: [...(pluginDir ? [pluginDir] : []), ...(image && imageVisible ? [image] : [])],
        });
        return { ...launch, ...boxed };
      },
    });
  }

  function isPreparedHere(prepared: PreparedWorkspace, taskDir: string): boolean {
    return path.resolve(prepared.workDir).startsWith(path.resolve(taskDir) + path.sep) && fs.existsSync(prepared.workDir);
  }

  /** TTL expiry: removes the Task's files and its workflow execution (only if they still belong to that run). */
  async function expireTask(input: ExpireTaskInput): Promise<void> {
    const files = taskFiles(deps.home, input.namespace, input.name);
    if (readIfExists(files.runIdFile) === input.runKey) fs.rmSync(files.dir, { recursive: true, force: true });
    try {
      await deps.client.workflowService.deleteWorkflowExecution({
        namespace: deps.client.options.namespace,
        workflowExecution: { workflowId: input.workflowId, runId: input.runKey },
      });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) && !/not ?found/i.test(String((err as Error).message))) throw err;
    }
    // The server deletes asynchronously; the spawner is told the name is free only once it really is, or its
    // next start under that name would meet the old execution.
    for (let attempt = 0; await executionExists(input.workflowId, input.runKey); attempt += 1) {
      Context.current().heartbeat();
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * 2 ** attempt)));
    }
  }

  async function executionExists(workflowId: string, runId: string): Promise<boolean> {
    try {
      await deps.client.workflow.getHandle(workflowId, runId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || /not ?found/i.test(String((err as Error).message))) return false;
      throw err;
    }
  }

  /** For the spawner's reconcile: each named Task's phase from its memo; a Task that no longer exists is left out. */
  async function reconcileTasks(input: { namespace: string; names: string[] }): Promise<Record<string, { phase?: string; completionTime?: string }>> {
    const found: Record<string, { phase?: string; completionTime?: string }> = {};
    for (const name of input.names) {
      const state = await readTaskState(deps.client, input.namespace, name);
      if (state) found[name] = { ...(state.phase ? { phase: state.phase } : {}), ...(state.completionTime ? { completionTime: state.completionTime } : {}) };
      Context.current().heartbeat();
    }
    return found;
  }

  function credentialFor(run: TaskRun): { name: string; value: string } {
    if (run.credentials.type === 'none') throw new Error('no credential for credentials type none');
    const name = credentialEnvName(run.agentType, run.credentials.type);
    return { name, value: readSecret(run.namespace, run.credentials.secretName ?? '')[name] ?? '' };
  }

  function secretValue(namespace: string, name: string, key: string): string {
    const data = readSecret(namespace, name);
    if (!(key in data)) throw ApplicationFailure.nonRetryable(`secret "${name}" has no key ${key}`, 'SecretKeyMissing');
    return data[key];
  }

  function readSecret(namespace: string, name: string): Record<string, string> {
    try {
      return secrets.get(namespace, name);
    } catch (err) {
      if (err instanceof SecretNotFoundError) throw ApplicationFailure.retryable(err.message, 'SecretNotFound');
      throw err;
    }
  }

  /**
   * A spawner's waiting Tasks that its state does not name (its window was full), from visibility: the Tasks of
   * that spawner in phase Waiting whose status holds a queue place, best place first, at most `limit`.
   */
  async function findWaitingTasks(input: { namespace: string; spawner: string; exclude: string[]; limit: number }): Promise<WaitingTask[]> {
    const skip = new Set(input.exclude);
    const query = `KelosKind = "Task" AND KelosNamespace = ${JSON.stringify(input.namespace)} AND KelosSpawner = ${JSON.stringify(input.spawner)} AND KelosPhase = "Waiting" AND ExecutionStatus = "Running"`;
    const found: WaitingTask[] = [];
    for await (const info of deps.client.workflow.list({ query })) {
      const task = info.memo?.[TASK_MEMO_KEY] as { metadata?: { name?: string } } | undefined;
      const status = info.memo?.[TASK_STATUS_MEMO_KEY] as { waitingForSlot?: { priority: number; seq: number } } | undefined;
      const name = task?.metadata?.name;
      if (!name || !status?.waitingForSlot || skip.has(name)) continue;
      found.push({ name, priority: status.waitingForSlot.priority, seq: status.waitingForSlot.seq, since: info.startTime.toISOString() });
      Context.current().heartbeat();
    }
    return found.sort((a, b) => a.priority - b.priority || a.seq - b.seq).slice(0, input.limit);
  }

  return { resolveTaskResources, prepareTaskWorkspace, runAgent, runPooledTask, expireTask, reconcileTasks, findWaitingTasks };
}

export interface WaitingTask {
  name: string;
  priority: number;
  seq: number;
  since: string;
}

/** The Task's Workspace and merged AgentConfigs from their stored records (both runtimes; no secrets read). */
export async function resolveStoredTaskResources(client: Client, run: TaskRun): Promise<ResolvedTaskResources> {
  const resolved: ResolvedTaskResources = {};
  if (run.workspaceRef) {
    const stored = await readStoredResource(client, 'Workspace', run.namespace, run.workspaceRef);
    if (!stored) throw ApplicationFailure.retryable(`Workspace "${run.workspaceRef}" not found in namespace "${run.namespace}"`, 'ResourceNotFound');
    resolved.workspace = toWorkspaceSource(run.workspaceRef, stored.spec);
  }
  if (run.agentConfigRefs.length) {
    const specs: Record<string, unknown>[] = [];
    for (const name of run.agentConfigRefs) {
      const stored = await readStoredResource(client, 'AgentConfig', run.namespace, name);
      if (!stored) throw ApplicationFailure.retryable(`AgentConfig "${name}" not found in namespace "${run.namespace}"`, 'ResourceNotFound');
      specs.push(stored.spec);
    }
    resolved.agentConfig = mergeAgentConfigs(run.agentConfigRefs, specs);
  }
  return resolved;
}

/** A directory left by an older Task of the same name is wiped; the current run's files are kept (retries). */
function claimTaskDir(dir: string, runIdFile: string, runKey: string): void {
  const owner = readIfExists(runIdFile);
  if (owner !== undefined && owner !== runKey) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  if (owner !== runKey) fs.writeFileSync(runIdFile, runKey);
}

function toWorkspaceSource(name: string, spec: Record<string, unknown>): WorkspaceSource {
  const s = spec as {
    repo: string;
    ref?: string;
    secretRef?: { name?: string };
    remotes?: { name: string; url: string }[];
    files?: { path: string; content: string }[];
    setupCommand?: string[];
  };
  return {
    name,
    repo: s.repo,
    ...(s.ref ? { ref: s.ref } : {}),
    ...(s.secretRef?.name ? { secretName: s.secretRef.name } : {}),
    remotes: s.remotes ?? [],
    files: s.files ?? [],
    ...(s.setupCommand?.length ? { setupCommand: s.setupCommand } : {}),
  };
}

/** Kelos merges multiple AgentConfigs in order: agentsMD concatenated, plugins appended, later MCP names win. */
function mergeAgentConfigs(names: string[], specs: Record<string, unknown>[]): AgentConfigBundle {
  const bundle: AgentConfigBundle = { names, plugins: [], skills: [], mcpServers: [] };
  const agentsMD: string[] = [];
  const mcpByName = new Map<string, Record<string, unknown>>();
  for (const spec of specs) {
    const s = spec as { agentsMD?: string; plugins?: AgentConfigBundle['plugins']; skills?: { source: string; skill?: string; secretRef?: { name: string } }[]; mcpServers?: Record<string, unknown>[] };
    if (s.agentsMD) agentsMD.push(s.agentsMD);
    for (const plugin of s.plugins ?? []) bundle.plugins.push({ name: plugin.name, skills: plugin.skills ?? [], agents: plugin.agents ?? [] });
    for (const skill of s.skills ?? []) bundle.skills.push({ source: skill.source, ...(skill.skill ? { skill: skill.skill } : {}), ...(skill.secretRef?.name ? { secretName: skill.secretRef.name } : {}) });
    for (const server of s.mcpServers ?? []) mcpByName.set(String(server.name), server);
  }
  if (agentsMD.length) bundle.agentsMD = agentsMD.join('\n\n');
  bundle.mcpServers = [...mcpByName.values()];
  return bundle;
}

/**
 * Materialises plugins as the Pod's plugin-setup init container does: <dir>/plugin/<plugin>/{skills/<s>/SKILL.md,
 * agents/<a>.md}, beside skills.sh packages installed there by prepareTaskWorkspace.
 */
function writePlugins(taskDir: string, agentConfig: AgentConfigBundle | undefined): string | undefined {
  if (!agentConfig?.plugins.length && !agentConfig?.skills.length) return undefined;
  const root = path.join(taskDir, PLUGIN_DIR_NAME);
  fs.mkdirSync(root, { recursive: true });
  let files: PluginFile[];
  try {
    files = pluginFiles(agentConfig.plugins);
  } catch (err) {
    throw ApplicationFailure.nonRetryable((err as Error).message, 'InvalidAgentConfig');
  }
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(root, file.path)), { recursive: true });
    fs.writeFileSync(path.join(root, file.path), file.content);
  }
  return root;
}


