/**
 * Kelos operations over a Temporal client: what `kelos` (and later the webhook bridge) reads and writes.
 * Tasks are workflows; their spec and status live in the workflow memo, so reads need no worker and work
 * after the workflow closed.
 */
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowExecutionInfo, WorkflowNotFoundError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { innermostMessage } from '../common/error-cause';
import { KelosKind, KelosNamespace, KelosPhase, KelosSpawner } from '../store/search-attributes';
import { SPAWNER_MANIFEST_MEMO_KEY, SPAWNER_STATUS_MEMO_KEY, SpawnerStatus, spawnerWorkflowId } from '../spawner/spawner-status';
import { RESOURCE_MEMO_KEY, StoredKind, StoredResource, StoredResourceOf, resourceWorkflowId, storedResourceStartOptions, storedResourcesQuery } from '../store/stored-resource';
import { TaskRun, taskDeletionWorkflowId, taskWorkflowId, withoutSpec } from '../task/task-run';
import { requestedRuntime, workerPoolQueue } from '../task/runtime-queues';
import { temporal } from '@temporalio/proto';
import { SPAWNER_LABEL } from '../spawner/task-from-template';
import { TASK_MEMO_KEY, TASK_STATUS_MEMO_KEY, taskStartOptions } from '../task/task-start';
import { TaskStatus } from '../task/task-status';
import { applyResourceSignal, deleteResourceSignal, resourceWorkflow } from '../store/resource-workflow';
import { BUDGET_STATUS_MEMO_KEY, budgetWorkflow } from '../budget/budget-workflow';
import { taskWorkflow } from '../task/task-workflow';
import { taskCleanupWorkflow } from '../task/task-cleanup-workflow';
import { spawnerWorkflow } from '../spawner/spawner-workflow';
import { applyManifestUpdate, deleteSpawnerSignal, setSuspendedUpdate } from '../spawner/messages';

/** A Task as Kelos shows it (`kubectl get task -o json` shape). */
export interface TaskObject {
  apiVersion: string;
  kind: 'Task';
  metadata: { name: string; namespace: string; creationTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
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
    const options = taskStartOptions(run, new Date().toISOString());
    try {
      await this.client.workflow.start(taskWorkflow, {
        taskQueue: this.taskQueue,
        workflowId: options.workflowId,
        args: [withoutSpec(run)],
        // A Task name is taken while its workflow exists, open or closed, as a Kelos Task object exists until deleted.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: options.memo,
        typedSearchAttributes: new TypedSearchAttributes(options.searchAttributes),
        staticSummary: options.staticSummary,
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

  /**
   * One visibility query, read in pages of `paging.pageSize` (default 1,000) and stopped after `paging.limit`
   * executions: no round trip per Task, since spec and status are in each execution's memo.
   */
  async listTasks(namespace: NamespaceScope, phases: string[] = [], where: { spawners?: string[]; startedAfter?: Date } = {}, paging: ListPaging = {}): Promise<TaskObject[]> {
    let query = `${KelosKind.name} = "Task"${namespaceClause(namespace)}`;
    if (phases.length) query += ` AND ${KelosPhase.name} IN (${phases.map((p) => `"${p}"`).join(', ')})`;
    if (where.spawners) query += ` AND ${KelosSpawner.name} IN (${where.spawners.map((s) => `"${s}"`).join(', ')})`;
    if (where.startedAfter) query += ` AND StartTime > "${where.startedAfter.toISOString()}"`;
    // A retriggered Task has an older, replaced run under the same workflow ID: show only the newest.
    const newest = new Map<string, { startTime: number; task: TaskObject }>();
    for await (const info of this.listExecutions(query, paging)) {
      const task = taskObjectFromInfo(info);
      const seen = newest.get(info.workflowId);
      if (task && (!seen || info.startTime.getTime() > seen.startTime)) newest.set(info.workflowId, { startTime: info.startTime.getTime(), task });
    }
    return [...newest.values()].map((entry) => entry.task).sort(byNamespaceAndName);
  }

  /** Visibility's newest-first order, at most `limit` executions, `pageSize` per request. */
  private async *listExecutions(query: string, paging: ListPaging): AsyncIterable<WorkflowExecutionInfo> {
    if (paging.limit !== undefined && paging.limit <= 0) return;
    let count = 0;
    for await (const info of this.client.workflow.list({ query, pageSize: paging.pageSize ?? DEFAULT_PAGE_SIZE })) {
      yield info;
      count += 1;
      if (paging.limit !== undefined && count >= paging.limit) return;
    }
  }

  /**
   * Cancels a running Task (its agent is stopped), then removes it as TTL expiry does: the runtime's leftovers (a
   * Pod and its companions, or the local directory) and the workflow execution, freeing the name; its spawner is
   * told. The removal runs on a worker of the Task's runtime and ends once Temporal really removed the execution
   * (it does so asynchronously, seconds to tens of seconds later); without a worker it waits, and this returns an
   * error after `timeoutMs` saying so.
   */
  async deleteTask(namespace: string, name: string, timeoutMs = 5 * 60_000): Promise<void> {
    const workflowId = taskWorkflowId(namespace, name);
    const handle = this.client.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new KelosError(`task "${name}" not found in namespace "${namespace}"`);
      throw err;
    }
    const noWorker = () => new KelosError(`task "${name}": no kelos worker took the deletion within ${Math.round(timeoutMs / 1000)}s (is \`kelos dev\` or \`kelos worker\` running?); it completes once one runs`);
    if (description.status.name === 'RUNNING') {
      await handle.cancel();
      if (!(await withinTime(handle.result().catch(() => undefined), timeoutMs))) throw noWorker();
    }
    const runKey = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
    const stored = description.memo?.[TASK_MEMO_KEY] as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined;
    const runtime = requestedRuntime(stored?.metadata?.annotations);
    const spawner = stored?.metadata?.labels?.[SPAWNER_LABEL];
    const deletionId = taskDeletionWorkflowId(namespace, name, runKey);
    const removal = this.client.workflow
      .execute(taskCleanupWorkflow, {
        taskQueue: this.taskQueue,
        workflowId: deletionId,
        args: [{ namespace, name, runKey, workflowId, ttlSeconds: 0, ...(spawner ? { spawnerWorkflowId: spawnerWorkflowId(namespace, spawner) } : {}), ...(typeof runtime === 'string' ? { runtime } : {}) }],
        staticSummary: `Deletion of Task ${namespace}/${name}`,
      })
      .catch((err) => {
        // Deleted twice: wait for the deletion already under way.
        if (err instanceof WorkflowExecutionAlreadyStartedError) return this.client.workflow.getHandle(deletionId).result();
        throw err;
      });
    if (!(await withinTime(removal, timeoutMs))) throw noWorker();
  }

  /** Starts the spawner workflow, or updates the running one in place (the update's validator rejects a bad manifest). */
  async applySpawner(manifest: SpawnerManifest): Promise<'created' | 'configured'> {
    const { name, namespace } = manifest.metadata;
    const workflowId = spawnerWorkflowId(namespace, name);
    const handle = this.client.workflow.getHandle(workflowId);
    if (await isRunning(handle)) {
      try {
        await handle.executeUpdate(applyManifestUpdate, { args: [manifest as unknown as Record<string, unknown>] });
      } catch (err) {
        // An update rejected by its validator carries the validator's message in the failure's cause chain.
        throw new KelosError(`taskspawner "${name}": ${innermostMessage(err)}`);
      }
      return 'configured';
    }
    await this.client.workflow.start(spawnerWorkflow, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [manifest as unknown as Record<string, unknown>],
      memo: { [SPAWNER_MANIFEST_MEMO_KEY]: manifest, [SPAWNER_STATUS_MEMO_KEY]: { phase: 'Pending' } },
      typedSearchAttributes: new TypedSearchAttributes([
        { key: KelosKind, value: 'TaskSpawner' },
        { key: KelosNamespace, value: namespace },
        { key: KelosSpawner, value: name },
      ]),
      staticSummary: `TaskSpawner ${namespace}/${name}`,
    });
    return 'created';
  }

  async listSpawners(namespace: NamespaceScope, paging: ListPaging = {}): Promise<SpawnerObject[]> {
    const query = `${KelosKind.name} = "TaskSpawner"${namespaceClause(namespace)} AND ExecutionStatus = "Running"`;
    const found: SpawnerObject[] = [];
    for await (const info of this.listExecutions(query, paging)) {
      const object = spawnerObjectFromMemo(info.memo);
      if (object) found.push(object);
    }
    return found.sort(byNamespaceAndName);
  }

  async getSpawner(namespace: string, name: string): Promise<SpawnerObject> {
    const handle = this.client.workflow.getHandle(spawnerWorkflowId(namespace, name));
    const description = await handle.describe().catch((err) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
    const object = description && description.status.name === 'RUNNING' ? spawnerObjectFromMemo(description.memo) : undefined;
    if (!object) throw new KelosError(`taskspawner "${name}" not found in namespace "${namespace}"`);
    return object;
  }

  async setSpawnerSuspended(namespace: string, name: string, suspend: boolean): Promise<SpawnerStatus> {
    await this.getSpawner(namespace, name);
    return this.client.workflow.getHandle(spawnerWorkflowId(namespace, name)).executeUpdate(setSuspendedUpdate, { args: [suspend] });
  }

  /** Ends the spawner; its running Tasks finish on their own (they are not children that get terminated). */
  async deleteSpawner(namespace: string, name: string): Promise<void> {
    await this.getSpawner(namespace, name);
    const handle = this.client.workflow.getHandle(spawnerWorkflowId(namespace, name));
    await handle.signal(deleteSpawnerSignal);
    await handle.result();
  }

  async applyStoredResource(resource: StoredResource): Promise<void> {
    const { kind, metadata } = resource;
    const stamped: StoredResource = { ...resource, metadata: { ...metadata, creationTimestamp: metadata.creationTimestamp ?? new Date().toISOString() } };
    // A TaskBudget's workflow stores it the same way and keeps its accounts too.
    await this.client.workflow.signalWithStart(kind === 'TaskBudget' ? budgetWorkflow : resourceWorkflow, {
      taskQueue: this.taskQueue,
      ...storedResourceStartOptions(stamped),
      args: [stamped],
      signal: applyResourceSignal,
      signalArgs: [stamped],
    });
  }

  async listStoredResources(kind: StoredKind, namespace: NamespaceScope): Promise<StoredResource[]> {
    const query = storedResourcesQuery(kind, namespace === ALL_NAMESPACES ? undefined : namespace);
    const found: StoredResource[] = [];
    for await (const info of this.client.workflow.list({ query })) {
      const resource = info.memo?.[RESOURCE_MEMO_KEY] as StoredResource | undefined;
      const status = info.memo?.[BUDGET_STATUS_MEMO_KEY] as Record<string, unknown> | undefined;
      if (resource) found.push(status ? { ...resource, status } : resource);
    }
    return found.sort(byNamespaceAndName);
  }

  /**
   * A WorkerPool's members and work: the members that polled its queue in the last two minutes or run a Task now,
   * its Running pooled Tasks (busy members) and its Pending ones (waiting in the queue for an idle member).
   */
  async workerPoolActivity(namespace: string, pool: string, openTasks?: TaskObject[]): Promise<WorkerPoolActivity> {
    // `openTasks`: the namespace's Pending and Running Tasks, when the caller lists them once for several pools.
    const tasks = (openTasks ?? (await this.listTasks(namespace, ['Pending', 'Running']))).filter(
      (t) => t.metadata.namespace === namespace && (t.spec as { workerPoolRef?: { name?: string } }).workerPoolRef?.name === pool,
    );
    const running = tasks.filter((t) => t.status.phase === 'Running');
    const { pollers } = await this.client.workflowService.describeTaskQueue({
      namespace: this.client.options.namespace,
      taskQueue: { name: workerPoolQueue(this.taskQueue, namespace, pool) },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    const recent = Date.now() - 120_000;
    const polling = (pollers ?? []).filter((p) => p.lastAccessTime && Number(p.lastAccessTime.seconds ?? 0) * 1000 >= recent).flatMap((p) => (String(p.identity ?? '').split('/').pop() ?? '').split(','));
    const members = new Set([...polling, ...running.map((t) => String((t.status as { podName?: string }).podName ?? ''))].filter(Boolean));
    return { members: [...members].sort(), busy: running.length, queued: tasks.length - running.length };
  }

  /** One stored resource as its workflow's memo holds it now (no visibility lag); undefined when none is open. */
  async getStoredResource<K extends StoredKind>(kind: K, namespace: string, name: string): Promise<StoredResourceOf<K> | undefined> {
    const description = await this.client.workflow
      .getHandle(resourceWorkflowId(kind, namespace, name))
      .describe()
      .catch((err) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
    if (!description || description.status.name !== 'RUNNING') return undefined;
    const resource = description.memo?.[RESOURCE_MEMO_KEY] as StoredResourceOf<K> | undefined;
    const status = description.memo?.[BUDGET_STATUS_MEMO_KEY] as Record<string, unknown> | undefined;
    return resource && (status ? { ...resource, status } : resource);
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

export interface WorkerPoolActivity {
  members: string[];
  busy: number;
  queued: number;
}

/** `kelos get --limit / --chunk-size`, as kubectl's: how many objects at most, and how many per server request. */
export interface ListPaging {
  limit?: number;
  pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 1_000;

/** kubectl's order: by namespace (one namespace in most listings), then name. */
function byNamespaceAndName(a: { metadata: { name: string; namespace: string } }, b: { metadata: { name: string; namespace: string } }): number {
  const key = (o: { metadata: { name: string; namespace: string } }) => [o.metadata.namespace, o.metadata.name];
  const [an, aname] = key(a);
  const [bn, bname] = key(b);
  if (an !== bn) return an < bn ? -1 : 1;
  return aname < bname ? -1 : aname > bname ? 1 : 0;
}

/** Every Kelos namespace at once (`kelos get -A`): the listing queries leave out their namespace condition. */
export const ALL_NAMESPACES = Symbol('all namespaces');
export type NamespaceScope = string | typeof ALL_NAMESPACES;

function namespaceClause(namespace: NamespaceScope): string {
  return namespace === ALL_NAMESPACES ? '' : ` AND ${KelosNamespace.name} = "${namespace}"`;
}

export interface SpawnerManifest {
  apiVersion: string;
  kind: 'TaskSpawner';
  metadata: { name: string; namespace: string; [key: string]: unknown };
  spec?: Record<string, unknown>;
}

export interface SpawnerObject extends SpawnerManifest {
  status: Partial<SpawnerStatus>;
}

function spawnerObjectFromMemo(memo: Record<string, unknown> | undefined): SpawnerObject | undefined {
  const manifest = memo?.[SPAWNER_MANIFEST_MEMO_KEY] as SpawnerManifest | undefined;
  if (!manifest) return undefined;
  return { ...manifest, status: (memo?.[SPAWNER_STATUS_MEMO_KEY] as Partial<SpawnerStatus> | undefined) ?? {} };
}

async function isRunning(handle: { describe(): Promise<{ status: { name: string } }> }): Promise<boolean> {
  try {
    return (await handle.describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}


/** True when `work` settles within `ms` (its rejection counts as settled and is rethrown). */
async function withinTime(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
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
