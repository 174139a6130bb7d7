/**
 * Applying one validated Kelos resource to Temporal: a Task starts its workflow (once: a Task is immutable), a
 * TaskSpawner starts or updates its workflow, a Workspace, AgentConfig, TaskBudget or WorkerPool is stored (a
 * TaskBudget's workflow also keeps its accounts: src/budget/budget-workflow.ts). Shared by `kelos apply` and the
 * Kubernetes resource controller, so both paths behave the same.
 */
import { toKelosObject } from '../model';
import type { AgentConfigResource, Credentials, TaskBudgetResource, TaskResource, TaskSpawnerResource, Worker, WorkerPoolResource, WorkspaceResource } from '../model/types';
import { taskRunFromResource } from '../task/task-run-from-resource';
import type { TaskRun } from '../task/task-run';
import type { KelosApi, SpawnerManifest } from './kelos-api';

export type AppliedResource = TaskResource | TaskSpawnerResource | WorkspaceResource | AgentConfigResource | TaskBudgetResource | WorkerPoolResource;
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export async function applyResource(api: KelosApi, resource: AppliedResource, sourceKind = 'manifest'): Promise<ApplyOutcome> {
  switch (resource.kind) {
    case 'Task': {
      if (await api.getTask(resource.metadata.namespace, resource.metadata.name)) return 'unchanged';
      await submitTask(api, resource, sourceKind);
      return 'created';
    }
    case 'TaskSpawner':
      return api.applySpawner(toKelosObject(resource) as unknown as SpawnerManifest);
    case 'Workspace':
    case 'AgentConfig':
    case 'TaskBudget':
    case 'WorkerPool': {
      const object = toKelosObject(resource) as { apiVersion: string; spec: Record<string, unknown> };
      const { name, namespace, labels } = resource.metadata;
      await api.applyStoredResource({ apiVersion: object.apiVersion, kind: resource.kind, metadata: { name, namespace, ...(labels ? { labels } : {}) }, spec: object.spec });
      return 'configured';
    }
  }
}

export async function submitTask(api: KelosApi, task: TaskResource, sourceKind: string): Promise<void> {
  const poolName = task.spec.workerPoolRef?.name;
  const pool = poolName ? await api.getStoredResource('WorkerPool', task.metadata.namespace, poolName) : undefined;
  await api.startTask(taskRunOf(task, sourceKind, pool?.spec.worker));
}

/** What a Task manifest starts: its run, with the spec kept as the user's apiVersion writes it (a pooled one's worker from its pool). */
export function taskRunOf(task: TaskResource, sourceKind: string, pool?: Worker & { credentials: Credentials }): TaskRun {
  const object = toKelosObject(task) as { apiVersion: string; spec: Record<string, unknown> };
  return taskRunFromResource(task, { spec: object.spec, apiVersion: object.apiVersion, sourceKind, ...(pool ? { pool } : {}) });
}
