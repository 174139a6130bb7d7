/**
 * Kelos operations over a Temporal client: what `kelos` (and later the webhook bridge) reads and writes.
 * Tasks are workflows; their spec and status live in the workflow memo, so reads need no worker and work
 * after the workflow closed.
 */
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowExecutionInfo, WorkflowNotFoundError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  KelosAgentType,
  KelosKind,
  KelosNamespace,
  KelosPhase,
  KelosSourceKind,
  KelosSpawner,
} from '../api/search-attributes';
import { RESOURCE_MEMO_KEY, StoredKind, StoredResource, resourceWorkflowId } from '../api/stored-resource';
import { TaskRun, taskWorkflowId } from '../api/task/task-run';
import { TaskStatus } from '../api/task/task-status';
import { applyResourceSignal, deleteResourceSignal, resourceWorkflow } from '../workflows/resource-workflow';
import { TASK_STATUS_MEMO_KEY, taskWorkflow } from '../workflows/task-workflow';

export const TASK_MEMO_KEY = 'task';

/** A Task as Kelos shows it (`kubectl get task -o json` shape). */
export interface TaskObject {
  apiVersion: string;
  kind: 'Task';
  metadata: { name: string; namespace: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  status: Partial<TaskStatus>;
}

export class KelosError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KelosError';
  }
}

export class KelosApi {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  async startTask(run: TaskRun): Promise<void> {
    const metadata = { name: run.name, namespace: run.namespace, creationTimestamp: new Date().toISOString(), labels: run.labels };
    try {
      await this.client.workflow.start(taskWorkflow, {
        taskQueue: this.taskQueue,
        workflowId: taskWorkflowId(run.namespace, run.name),
        args: [run],
        // A Task name is taken while its workflow exists, open or closed, as a Kelos Task object exists until deleted.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { [TASK_MEMO_KEY]: { apiVersion: run.apiVersion, metadata, spec: run.spec }, [TASK_STATUS_MEMO_KEY]: { phase: 'Pending' } },
        typedSearchAttributes: new TypedSearchAttributes([
          { key: KelosKind, value: 'Task' },
          { key: KelosNamespace, value: run.namespace },
          { key: KelosPhase, value: 'Pending' },
          { key: KelosAgentType, value: run.agentType },
          { key: KelosSourceKind, value: run.sourceKind },
          ...(run.spawner ? [{ key: KelosSpawner, value: run.spawner }] : []),
        ]),
        staticSummary: `${run.agentType} Task ${run.namespace}/${run.name}: ${firstLine(run.prompt, 120)}`,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new KelosError(`task "${run.name}" already exists in namespace "${run.namespace}"`);
      throw err;
    }
  }

  async getTask(namespace: string, name: string): Promise<TaskObject | undefined> {
    try {
      const description = await this.client.workflow.getHandle(taskWorkflowId(namespace, name)).describe();
      return taskObjectFromInfo(description);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async requireTask(namespace: string, name: string): Promise<TaskObject> {
    const task = await this.getTask(namespace, name);
    if (!task) throw new KelosError(`task "${name}" not found in namespace "${namespace}"`);
    return task;
  }

  async listTasks(namespace: string, phases: string[] = []): Promise<TaskObject[]> {
    let query = `${KelosKind.name} = "Task" AND ${KelosNamespace.name} = "${namespace}"`;
    if (phases.length) query += ` AND ${KelosPhase.name} IN (${phases.map((p) => `"${p}"`).join(', ')})`;
    const tasks: TaskObject[] = [];
    for await (const info of this.client.workflow.list({ query })) {
      const task = taskObjectFromInfo(info);
      if (task) tasks.push(task);
    }
    return tasks.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /** Cancels a running Task (its agent is stopped) and removes it, freeing the name. */
  async deleteTask(namespace: string, name: string): Promise<void> {
    const handle = this.client.workflow.getHandle(taskWorkflowId(namespace, name));
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new KelosError(`task "${name}" not found in namespace "${namespace}"`);
      throw err;
    }
    if (description.status.name === 'RUNNING') {
      await handle.cancel();
      await handle.result().catch(() => undefined);
    }
    await this.client.workflowService.deleteWorkflowExecution({
      namespace: this.client.options.namespace,
      workflowExecution: { workflowId: description.workflowId, runId: description.runId },
    });
  }

  async applyStoredResource(resource: StoredResource): Promise<void> {
    const { kind, metadata } = resource;
    const stamped: StoredResource = { ...resource, metadata: { ...metadata, creationTimestamp: metadata.creationTimestamp ?? new Date().toISOString() } };
    await this.client.workflow.signalWithStart(resourceWorkflow, {
      taskQueue: this.taskQueue,
      workflowId: resourceWorkflowId(kind, metadata.namespace, metadata.name),
      args: [stamped],
      signal: applyResourceSignal,
      signalArgs: [stamped],
      memo: { [RESOURCE_MEMO_KEY]: stamped },
      typedSearchAttributes: new TypedSearchAttributes([
        { key: KelosKind, value: kind },
        { key: KelosNamespace, value: metadata.namespace },
      ]),
      staticSummary: `${kind} ${metadata.namespace}/${metadata.name}`,
    });
  }

  async listStoredResources(kind: StoredKind, namespace: string): Promise<StoredResource[]> {
    const query = `${KelosKind.name} = "${kind}" AND ${KelosNamespace.name} = "${namespace}" AND ExecutionStatus = "Running"`;
    const found: StoredResource[] = [];
    for await (const info of this.client.workflow.list({ query })) {
      const resource = info.memo?.[RESOURCE_MEMO_KEY] as StoredResource | undefined;
      if (resource) found.push(resource);
    }
    return found.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  async deleteStoredResource(kind: StoredKind, namespace: string, name: string): Promise<void> {
    try {
      const handle = this.client.workflow.getHandle(resourceWorkflowId(kind, namespace, name));
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') throw new WorkflowNotFoundError('closed', handle.workflowId, undefined);
      await handle.signal(deleteResourceSignal);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new KelosError(`${kind.toLowerCase()} "${name}" not found in namespace "${namespace}"`);
      throw err;
    }
  }
}

function taskObjectFromInfo(info: Omit<WorkflowExecutionInfo, 'raw'>): TaskObject | undefined {
  const stored = info.memo?.[TASK_MEMO_KEY] as Omit<TaskObject, 'kind' | 'status'> | undefined;
  if (!stored) return undefined;
  const status = (info.memo?.[TASK_STATUS_MEMO_KEY] as Partial<TaskStatus> | undefined) ?? {};
  return { apiVersion: stored.apiVersion, kind: 'Task', metadata: stored.metadata, spec: stored.spec, status: closedStatus(info, status) };
}

/** A Task whose workflow ended without recording a terminal phase (terminated, timed out) is Failed. */
function closedStatus(info: Omit<WorkflowExecutionInfo, 'raw'>, status: Partial<TaskStatus>): Partial<TaskStatus> {
  const open = info.status.name === 'RUNNING';
  if (open || status.phase === 'Succeeded' || status.phase === 'Failed') return status;
  return { ...status, phase: 'Failed', message: `Task workflow ${info.status.name.toLowerCase().replace(/_/g, ' ')}`, completionTime: info.closeTime?.toISOString() };
}

function firstLine(text: string, max: number): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
