/**
 * The contract between the Task workflow and a runtime (where agents run: `local/` processes on this host,
 * `kubernetes/` Pods). The workflow calls these four activities on the runtime's queue (runtime-queues.ts) and knows
 * nothing else of a runtime; each runtime implements all four. Nothing exchanged holds a secret value: credentials
 * and tokens are named, and resolved by the activity that needs them.
 */
import type { McpServer } from '../model/types';
import type { TaskRun } from './task-run';
import type { TaskUsage } from './task-status';

export interface TaskRuntime {
  /** The Task's Workspace and AgentConfigs exist and the Secrets they and the credentials name hold their keys. */
  resolveTaskResources(run: TaskRun): Promise<ResolvedTaskResources>;
  /** Makes the Task's working directory ready (local: the checkout; Kubernetes: nothing, the Pod clones). Idempotent per run. */
  prepareTaskWorkspace(input: PrepareWorkspaceInput): Promise<PreparedWorkspace>;
  /** Runs the agent to its end (or adopts the one a lost worker left running) and collects its outcome. */
  runAgent(input: RunAgentInput): Promise<AgentOutcome>;
  /** TTL or `kelos delete`: removes what the runtime made for the Task, then its files and workflow execution. */
  expireTask(input: ExpireTaskInput): Promise<void>;
}

/**
 * A WorkerPool member (local runtime): a pooled Task's run on the pool's queue, in the member's own warm checkout.
 * Preparation and run are one activity because the member that takes it is the one whose disk holds the checkout.
 */
export interface PoolMemberRuntime {
  runPooledTask(input: Omit<RunAgentInput, 'prepared'>): Promise<AgentOutcome>;
}

export interface PrepareWorkspaceInput {
  run: TaskRun;
  runKey: string;
  resources: ResolvedTaskResources;
}

export interface WorkspaceSource {
  name: string;
  repo: string;
  ref?: string;
  secretName?: string;
  remotes: { name: string; url: string }[];
  files: { path: string; content: string }[];
  setupCommand?: string[];
}

export interface AgentConfigBundle {
  names: string[];
  agentsMD?: string;
  plugins: { name: string; skills: { name: string; content: string }[]; agents: { name: string; content: string }[] }[];
  /** skills.sh packages (`spec.skills`): installed into the plugin directory before the agent starts. */
  skills: { source: string; skill?: string; secretName?: string }[];
  /** MCP servers as configured; secret-backed headers/env are resolved when the agent starts. */
  mcpServers: McpServer[];
}

export interface ResolvedTaskResources {
  workspace?: WorkspaceSource;
  agentConfig?: AgentConfigBundle;
}

export interface PreparedWorkspace {
  /** Directory the agent runs in (the checkout, or an empty work dir without a workspace). */
  workDir: string;
  baseBranch?: string;
  /**
   * Local runtime: the own queue of the worker whose disk holds the checkout (`<queue>@host-<worker id>`); the agent
   * runs there, and a restarted worker on the same data directory adopts it. Absent on the Kubernetes runtime, whose
   * Pods any worker can adopt.
   */
  hostQueue?: string;
  /** Kubernetes runtime: the name the agent's Pod will have (shown as the Task's `status.podName`). */
  podName?: string;
}

export interface RunAgentInput {
  run: TaskRun;
  /** Identifies this Task run (the workflow's first run ID): files of an older Task of the same name are never adopted. */
  runKey: string;
  resources: ResolvedTaskResources;
  prepared: PreparedWorkspace;
  /** Epoch ms after which the agent is stopped (from `activeDeadlineSeconds`). */
  deadlineAtMs?: number;
}

/**
 * What `runAgent` returns, on every runtime within a byte budget (src/runtimes/agent-outcome-budget.ts): a
 * value too long for it ends with `[… truncated by kelos: N more bytes]`, dropped output lines leave a line
 * `[… N more lines truncated by kelos]`.
 */
export interface AgentOutcome {
  exitCode: number | null;
  timedOut: boolean;
  outputs: string[];
  results: Record<string, string>;
  usage?: TaskUsage;
  /** A few last log lines, for the failure message. */
  logTail: string[];
  /** Why the run failed when the exit code does not say it (Kubernetes: OOMKilled, ImagePullBackOff, an init container). */
  failureReason?: string;
}

export interface ExpireTaskInput {
  namespace: string;
  name: string;
  runKey: string;
  workflowId: string;
}

