/**
 * What a Task workflow needs to run one agent: the normalised Task reduced to the facts the runtime uses.
 * It carries names of secrets, never their values (secrets are resolved inside activities).
 */
import type { AgentType, CredentialType, PodOverrides } from '../model/types';
import type { RuntimeName } from './runtime-queues';
import type { TaskReport } from './reporting/task-report';

export type { AgentType, CredentialType };

/** A `podOverrides.env` entry: a literal value, or a key of a secret (resolved by the activity that starts the agent). */
export interface EnvVar {
  name: string;
  value?: string;
  secretKeyRef?: { name: string; key: string };
}

export interface TaskRun {
  namespace: string;
  name: string;
  agentType: AgentType;
  prompt: string;
  model?: string;
  effort?: string;
  /** Local runtime: path of an executable implementing the `/kelos_entrypoint.sh` contract. */
  image?: string;
  credentials: { type: CredentialType; secretName?: string };
  workspaceRef?: string;
  agentConfigRefs: string[];
  /** Tasks of the same namespace that must have Succeeded first. */
  dependsOn?: string[];
  branch?: string;
  upstreamRepo?: string;
  ttlSecondsAfterFinished?: number;
  activeDeadlineSeconds?: number;
  /** `podOverrides.env` (built-in names win over these). */
  env: EnvVar[];
  /** The rest of `podOverrides`, for the Kubernetes runtime (the local runtime has no Pod to apply them to). */
  podOverrides?: Omit<PodOverrides, 'env' | 'activeDeadlineSeconds'>;
  labels: Record<string, string>;
  /** Only when set (e.g. the runtime annotation). */
  annotations?: Record<string, string>;
  /**
   * `workerPoolRef`: the Task's agent runs on a member of this WorkerPool (its type, credentials, model and
   * Workspace are the pool's, copied in when the Task is submitted), taken from the pool's own task queue.
   */
  workerPool?: string;
  /** The runtime the Task asked for (annotation `kelos.dev/runtime`); absent = the worker's own. */
  runtime?: RuntimeName;
  /** Set when a TaskSpawner created the Task. */
  spawner?: string;
  /** The spawner's work item ID (a polled item is asked for again once its Task is gone). */
  itemId?: string;
  /**
   * Set when the Task was started to wait for its spawner's slot (maxConcurrency): it stays Waiting until the
   * spawner grants one (src/task/spawner-slot.ts). Priority and arrival order say when its turn comes.
   */
  waitForSlot?: { priority: number; seq: number };
  /** Where the Task reports back to GitHub (spawners with `reporting`). */
  report?: TaskReport;
  /** Where the work item came from: github-issue, github-pull-request, cron, webhook, manual, cli, ... */
  sourceKind: string;
  /**
   * The manifest as the user wrote it, normalised (shown by `kelos get task -o yaml`). It goes into the Task's
   * memo at start and is left out of the workflow's input (`withoutSpec`): the prompt is big enough already.
   */
  spec?: Record<string, unknown>;
  apiVersion: string;
}

/**
 * A pooled Task a spawner starts: a spawner cannot read the WorkerPool (it is deterministic workflow code), so the
 * pool's worker (type, credentials, model, Workspace, ...) is read by the Task itself before its agent runs.
 */
export type UnresolvedPoolRun = Omit<TaskRun, 'agentType' | 'credentials'> & { workerPool: string; agentType?: undefined; credentials?: undefined };

/** What starts a Task workflow: a run, or a pooled run whose pool the Task still has to read. */
export type TaskInput = TaskRun | UnresolvedPoolRun;

export function poolUnresolved(run: TaskInput): run is UnresolvedPoolRun {
  return run.agentType === undefined;
}

/** The Task workflow's input: the run without the manifest copy (which travels in the memo). */
export function withoutSpec<T extends TaskInput>(run: T): T {
  const { spec: _spec, ...input } = run;
  return input as T;
}

/** Deterministic, human-readable workflow ID of a Task. */
export function taskWorkflowId(namespace: string, name: string): string {
  return `task/${namespace}/${name}`;
}

/** Per Task run: a Task re-created under the same name (retrigger, TTL re-spawn) gets its own cleanup. */
export function taskCleanupWorkflowId(namespace: string, name: string, runKey: string): string {
  return `task-cleanup/${namespace}/${name}/${runKey}`;
}

/** `kelos delete task`: the same cleanup as TTL expiry, started at once under its own ID. */
export function taskDeletionWorkflowId(namespace: string, name: string, runKey: string): string {
  return `task-delete/${namespace}/${name}/${runKey}`;
}
