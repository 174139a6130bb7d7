/** Reduces a normalised Task resource to the {@link TaskRun} the Task workflow executes. */
import type { Credentials, PodOverrides, TaskResource, Worker } from '../resources/model';
import type { EnvVar, TaskRun } from './task-run';
import { requestedRuntime } from './task-runtime';

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
  const pool = task.spec.workerPoolRef?.name;
  const worker = task.spec.worker ?? context.pool;
  if (!worker) throw new UnsupportedTaskError(`task "${task.metadata.name}": WorkerPool "${pool}" not found in namespace "${task.metadata.namespace}" (apply the pool before its Tasks)`);
  const overrides = worker.podOverrides ?? {};
  const runtime = requestedRuntime(task.metadata.annotations);
  if (typeof runtime === 'object') throw new UnsupportedTaskError(`task "${task.metadata.name}": ${runtime.error}`);
  const annotations = task.metadata.annotations ?? {};
  return {
    namespace: task.metadata.namespace,
    name: task.metadata.name,
    agentType: worker.type,
    prompt: task.spec.prompt,
    ...(worker.model ? { model: worker.model } : {}),
    ...(worker.effort ? { effort: worker.effort } : {}),
    ...(worker.image ? { image: worker.image } : {}),
    credentials: { type: worker.credentials.type, ...(worker.credentials.secretRef ? { secretName: worker.credentials.secretRef.name } : {}) },
    ...(worker.workspaceRef ? { workspaceRef: worker.workspaceRef.name } : {}),
    agentConfigRefs: (worker.agentConfigRefs ?? []).map((ref) => ref.name),
    ...(task.spec.dependsOn?.length ? { dependsOn: task.spec.dependsOn } : {}),
    ...(task.spec.branch ? { branch: task.spec.branch } : {}),
    ...(task.spec.upstreamRepo ? { upstreamRepo: task.spec.upstreamRepo } : {}),
    ...(task.spec.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: task.spec.ttlSecondsAfterFinished } : {}),
    ...(overrides.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: overrides.activeDeadlineSeconds } : {}),
    env: (overrides.env ?? []).map(toEnvVar),
    ...podOverridesOf(overrides),
    labels: task.metadata.labels ?? {},
    ...(Object.keys(annotations).length ? { annotations } : {}),
    ...(runtime ? { runtime } : {}),
    ...(pool ? { workerPool: pool } : {}),
    ...(context.spawner ? { spawner: context.spawner } : {}),
    sourceKind: context.sourceKind,
    spec: context.spec,
    apiVersion: context.apiVersion,
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
