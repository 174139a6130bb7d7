/**
 * The local runtime (src/task/task-runtime.ts): agents run as processes on this worker's host, boxed
 * (agent-sandbox.ts), in a checkout under `$KELOS_HOME/tasks/<ns>/<name>/`, with Secrets from the local store. Also a
 * WorkerPool member's run (runPooledTask), in the member's own warm checkout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type {
  AgentConfigBundle,
  AgentOutcome,
  ExpireTaskInput,
  PoolMemberRuntime,
  PrepareWorkspaceInput,
  PreparedWorkspace,
  ResolvedTaskResources,
  RunAgentInput,
  TaskRuntime,
} from '../../task/task-runtime';
import { TaskRun } from '../../task/task-run';
import { taskFiles } from '../../host/data-dir';
import { LocalSecretStore, SecretNotFoundError } from '../../host/secret-store';
import { resolveStoredTaskResources } from '../task-resources';
import { expireTaskRun } from '../../task/task-expiry';
import { buildAgentEnv } from './agent-env';
import { runOrAdoptAgent } from './local-agent-runner';
import { inspectProcess, stopProcessGroup, type ProcessFiles } from './detached-process';
import { credentialEnvName } from '../credential-env';
import { prepareWorkspace, refreshWorkspace } from './workspace';
import { kelosMcpServersJson } from '../mcp-servers';
import { pluginFiles, type PluginFile } from '../plugin-files';
import { SKILLS_PLUGIN } from '../skills-install-script';
import { installSkillsLocally } from './skills-install';
import { sandboxCommand, writableLocalRemotes, type AgentSandbox } from './agent-sandbox';
import { writeFileAtomic } from '../../host/atomic-file';
import { readIfExists, isExecutableFile } from '../../host/files';

/** In a WorkerPool member's directory: where its last agent's process files are (stopped if a killed member left it). */
const LAST_AGENT_FILE = 'last-agent.json';

/** Under the Task's directory: plugins and skills.sh packages (KELOS_PLUGIN_DIR). */
const PLUGIN_DIR_NAME = 'plugin';

export interface LocalRuntimeDeps {
  client: Client;
  /** The kelos data directory (see src/host/data-dir.ts). */
  home: string;
  /** The built-in local entrypoint, used when a Task names no `image`. */
  builtinEntrypoint: { command: string; args: string[] };
  /** Added to the worker's environment for helper programs (skills.sh installs); tests put stand-ins on PATH. */
  env?: Record<string, string | undefined>;
  /** The box agents run in (agent-sandbox.ts); undefined runs them as the worker's user, unboxed. */
  agentSandbox?: AgentSandbox;
  /** This worker's own queue (src/task/runtime-queues.ts workerHostQueue): the Task's agent is run there. */
  hostQueue?: string;
  /**
   * Set on a worker that runs WorkerPool members (src/workers/pool-member.ts): a free member for the run (its name and
   * directory, given back when the run ends), and how a Task is told which member took it.
   */
  poolMember?: { pool: string; claim(): { name: string; dir: string; release(): void }; started(run: TaskRun, member: string): Promise<void> };
}

export function createLocalRuntime(deps: LocalRuntimeDeps): TaskRuntime & PoolMemberRuntime {
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
  async function prepareTaskWorkspace(input: PrepareWorkspaceInput): Promise<PreparedWorkspace> {
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
            ? kelosMcpServersJson(resources.agentConfig.mcpServers, (name) => readSecret(run.namespace, name))
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

  /** TTL expiry: nothing of the runtime's own outlives the Task's files. */
  async function expireTask(input: ExpireTaskInput): Promise<void> {
    await expireTaskRun(deps.client, deps.home, input);
  }

  return { resolveTaskResources, prepareTaskWorkspace, runAgent, expireTask, runPooledTask };
}

/** A directory left by an older Task of the same name is wiped; the current run's files are kept (retries). */
function claimTaskDir(dir: string, runIdFile: string, runKey: string): void {
  const owner = readIfExists(runIdFile);
  if (owner !== undefined && owner !== runKey) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  if (owner !== runKey) fs.writeFileSync(runIdFile, runKey);
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


