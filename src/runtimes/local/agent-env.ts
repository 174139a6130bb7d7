/**
 * The agent's environment on the local runtime, built like Kelos builds the agent container's env
 * (kelos-behaviour §5.2): built-in KELOS_* variables, the credential variable, the workspace token as
 * GITHUB_TOKEN/GH_TOKEN, then the user's `podOverrides.env` minus any name a built-in already uses.
 */
import type { TaskRun } from '../../task/task-run';
import { effectiveUpstreamRepo, type NamedRemote } from '../upstream-repo';

export interface AgentEnvFacts {
  run: TaskRun;
  homeDir: string;
  baseBranch?: string;
  /** The Workspace's extra git remotes: one named `upstream` gives KELOS_UPSTREAM_REPO when the Task sets none. */
  remotes?: readonly NamedRemote[];
  credential?: { name: string; value: string };
  githubToken?: string;
  githubHost?: string;
  setupCommand?: string[];
  agentsMD?: string;
  pluginDir?: string;
  mcpServersJson?: string;
  /** `podOverrides.env` with secret references already resolved. */
  userEnv: { name: string; value: string }[];
}

/** Variables a user may never override (Kelos always drops these from podOverrides.env). */
const ALWAYS_DROPPED = new Set(['KELOS_SETUP_COMMAND', 'KELOS_SESSION_SETUP_ONLY']);

/** Host variables the agent process needs to run at all on this machine. */
const HOST_PASSTHROUGH = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TERM', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS'];

export function buildAgentEnv(facts: AgentEnvFacts, hostEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const { run } = facts;
  const builtIn: [string, string | undefined][] = [
    ['KELOS_MODEL', run.model],
    ['KELOS_EFFORT', run.effort],
    ['KELOS_BRANCH', run.branch],
    ['KELOS_AGENT_TYPE', run.agentType],
    ['KELOS_TASKSPAWNER', run.spawner],
    [facts.credential?.name ?? '', facts.credential?.value],
    ['GH_HOST', facts.githubHost],
    ['KELOS_BASE_BRANCH', facts.baseBranch],
    ['KELOS_UPSTREAM_REPO', effectiveUpstreamRepo(run.upstreamRepo, facts.remotes)],
    ['GITHUB_TOKEN', facts.githubToken],
    [facts.githubHost ? 'GH_ENTERPRISE_TOKEN' : 'GH_TOKEN', facts.githubToken],
    ['GH_CONFIG_DIR', `${facts.homeDir}/.gh-config`],
    ['KELOS_SETUP_COMMAND', facts.setupCommand ? JSON.stringify(facts.setupCommand) : undefined],
    ['KELOS_AGENTS_MD', facts.agentsMD],
    ['KELOS_PLUGIN_DIR', facts.pluginDir],
    ['KELOS_MCP_SERVERS', facts.mcpServersJson],
    ['KELOS_TASK_NAME', run.name],
    ['KELOS_TASK_NAMESPACE', run.namespace],
  ];

  const env: Record<string, string> = {};
  for (const name of HOST_PASSTHROUGH) {
    const value = hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  // The agent gets a HOME of its own, like a pod: agentsMD goes to ~/.claude/CLAUDE.md without touching the user's.
  env.HOME = facts.homeDir;
  const builtInNames = new Set<string>();
  for (const [name, value] of builtIn) {
    if (!name || value === undefined || value === '') continue;
    env[name] = value;
    builtInNames.add(name);
  }
  for (const { name, value } of facts.userEnv) {
    if (builtInNames.has(name) || ALWAYS_DROPPED.has(name)) continue;
    env[name] = value;
  }
  return env;
}
