/** Reduces a normalised Task resource to the {@link TaskRun} the Task workflow executes. */
import type { Credentials, PodOverrides, TaskResource, Worker } from '../model/types';
import { poolUnresolved, type EnvVar, type TaskInput, type TaskRun } from './task-run';
import { requestedRuntime } from './runtime-queues';

export interface TaskRunContext {
  /** The Kelos object shape of the Task (shown by `kelos get task -o yaml|json`). */
  spec: Record<string, unknown>;
  apiVersion: string;
  spawner?: string;
  sourceKind: string;
  /** A pooled Task (`workerPoolRef`): its WorkerPool's `worker`, read when the Task is submitted. */
  pool?: Worker & { credentials: Credentials };
}

export class UnsupportedTaskError extends Error {}

export function taskRunFromResource(task: TaskResource, context: TaskRunContext): TaskRun {
  const input = taskInputFromResource(task, context);
  if (poolUnresolved(input)) throw new UnsupportedTaskError(`task "${task.metadata.name}": WorkerPool "${input.workerPool}" not found in namespace "${task.metadata.namespace}" (apply the pool before its Tasks)`);
  return input;
}

/**
 * As taskRunFromResource, where the pool cannot be read (a spawner's workflow code): a pooled Task without its pool's
 * worker at hand is started unresolved, and reads the pool itself before its agent runs.
 */
export function taskInputFromResource(task: TaskResource, context: TaskRunContext): TaskInput {
  const pool = task.spec.workerPoolRef?.name;
  const worker = task.spec.worker ?? context.pool;
  const runtime = requestedRuntime(task.metadata.annotations);
  if (typeof runtime === 'object') throw new UnsupportedTaskError(`task "${task.metadata.name}": ${runtime.error}`);
  const annotations = task.metadata.annotations ?? {};
  const common = {
    namespace: task.metadata.namespace,
    name: task.metadata.name,
    prompt: task.spec.prompt,
    ...(task.spec.dependsOn?.length ? { dependsOn: task.spec.dependsOn } : {}),
    ...(task.spec.branch ? { branch: task.spec.branch } : {}),
    ...(task.spec.upstreamRepo ? { upstreamRepo: task.spec.upstreamRepo } : {}),
    ...(task.spec.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: task.spec.ttlSecondsAfterFinished } : {}),
    labels: task.metadata.labels ?? {},
    ...(Object.keys(annotations).length ? { annotations } : {}),
    ...(runtime ? { runtime } : {}),
    ...(context.spawner ? { spawner: context.spawner } : {}),
    sourceKind: context.sourceKind,
    spec: context.spec,
    apiVersion: context.apiVersion,
  };
  if (worker) return { ...common, ...workerFields(worker), ...(pool ? { workerPool: pool } : {}) };
  if (!pool) throw new UnsupportedTaskError(`task "${task.metadata.name}": neither a worker nor a workerPoolRef`);
  return { ...common, workerPool: pool, agentConfigRefs: [], env: [] };
}

/** What a worker block (the Task's own, or its WorkerPool's) gives the run. */
export type WorkerFields = Pick<TaskRun, 'agentType' | 'model' | 'effort' | 'image' | 'credentials' | 'workspaceRef' | 'agentConfigRefs' | 'activeDeadlineSeconds' | 'env' | 'podOverrides'>;

export function workerFields(worker: Worker & { credentials: Credentials }): WorkerFields {
  const overrides = worker.podOverrides ?? {};
  return {
    agentType: worker.type,
    ...(worker.model ? { model: worker.model } : {}),
    ...(worker.effort ? { effort: worker.effort } : {}),
    ...(worker.image ? { image: worker.image } : {}),
    credentials: { type: worker.credentials.type, ...(worker.credentials.secretRef ? { secretName: worker.credentials.secretRef.name } : {}) },
    ...(worker.workspaceRef ? { workspaceRef: worker.workspaceRef.name } : {}),
    agentConfigRefs: (worker.agentConfigRefs ?? []).map((ref) => ref.name),
    ...(overrides.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: overrides.activeDeadlineSeconds } : {}),
    env: (overrides.env ?? []).map(toEnvVar),
    ...podOverridesOf(overrides),
  };
}

function toEnvVar(entry: { name: string; value?: string; valueFrom?: Record<string, unknown> }): EnvVar {
  const ref = entry.valueFrom?.secretKeyRef as { name?: string; key?: string } | undefined;
  if (ref?.name && ref.key) return { name: entry.name, secretKeyRef: { name: ref.name, key: ref.key } };
  if (entry.valueFrom) throw new UnsupportedTaskError(`env ${entry.name}: only value and valueFrom.secretKeyRef are supported on the local runtime`);
  return { name: entry.name, value: entry.value ?? '' };
}

function podOverridesOf(overrides: PodOverrides): Pick<TaskRun, 'podOverrides'> {
  const { env: _env, activeDeadlineSeconds: _deadline, ...rest } = overrides;
  return Object.keys(rest).length ? { podOverrides: rest } : {};
}
