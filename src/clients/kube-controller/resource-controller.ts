/**
 * `kelos controller`: Kelos custom objects in a Kubernetes cluster, carried to Temporal and back, so `kubectl
 * apply -f task.yaml`, a Python client's `create_namespaced_custom_object`, `kubectl get task X -o
 * jsonpath='{.status.results.pr}'` and `kubectl wait --for=jsonpath='{.status.phase}'=Succeeded` work as with Kelos.
 *
 * - A new or changed object (its `generation` beyond `status.observedGeneration`) is validated with the same rules
 *   as `kelos apply` and applied the same way (src/clients/apply-resource.ts): a Task starts once, a TaskSpawner
 *   starts or updates, a Workspace, AgentConfig, TaskBudget or WorkerPool is stored. What is wrong goes into the
 *   status and a Warning event. A Task's agent type goes into `status.agentType` (the Type column), whichever form
 *   its spec has.
 * - Every `syncIntervalMs` the status of Tasks, TaskSpawners and TaskBudgets is copied from Temporal (phase,
 *   message, podName, results, usage, conditions; counters of spawners; a budget's period and spend); a finished
 *   Task whose workflow is gone (TTL) takes its object with it. A Task's changes of phase are told as Kelos's
 *   events (task-events.ts), once each.
 * - The Tasks a TaskSpawner object's spawner starts get Task objects too (annotated `kelos.dev/mirrored-from`), as
 *   Kelos's spawners create Task objects: `kubectl get tasks -l kelos.dev/taskspawner=NAME` lists them.
 * - Every WorkerPool in Temporal's store of the watched namespaces has its members' StatefulSet and Service
 *   (pool-reconciler.ts), owned by its WorkerPool object if it has one, whose status it gets.
 * - A finalizer holds a deleted object until its Task is stopped and removed, its spawner deleted, or its stored
 *   resource dropped.
 * Objects are handled one at a time per object; informers (list + watch, relisted on 410) keep the cache.
 */
import * as k8s from '@kubernetes/client-node';
import { parseManifests } from '../../model/parse-manifests';
import type { TaskResource } from '../../model/types';
import { innermostMessage } from '../../common/error-cause';
import { isTerminal } from '../../task/task-status';
import { taskWorkflowId } from '../../task/task-run';
import { applyResource, type AppliedResource } from '../apply-resource';
import { KelosError, type KelosApi, type SpawnerObject, type TaskObject } from '../kelos-api';
import {
  CONTROLLER_MANAGER,
  CRD_KINDS,
  CRD_PLURALS,
  FINALIZER,
  KELOS_GROUP,
  MIRROR_ANNOTATION,
  OBJECT_UID_ANNOTATION,
  WATCHED_VERSION,
  manifestOf,
  objectKey,
  taskTypeOf,
  type CrdKind,
  type KelosObject,
} from './kelos-objects';
import { defaultMemberImage, type MemberPodSettings } from './pool-members';
import { createPoolReconciler, memberSettingsFromEnv } from './pool-reconciler';
import { taskCreatedEvent, taskExpiredEvent, taskPhaseEvents, type TaskEvent } from './task-events';

export interface ResourceControllerOptions {
  kubeConfig: k8s.KubeConfig;
  api: KelosApi;
  /** Watch one namespace; default all. */
  namespace?: string;
  /** How often Task and TaskSpawner status is copied from Temporal. Default 2 s. */
  syncIntervalMs?: number;
  log?: (message: string) => void;
  /** WorkerPool members' image and Temporal connection (default: from this process's environment). */
  poolMembers?: MemberPodSettings;
  /** A reconcile of `controller` ("task", "taskspawner", …, or "status" for the status sync) failed. */
  onReconcileError?: (controller: string) => void;
}

export interface ResourceController {
  stop(): Promise<void>;
}

export async function startResourceController(options: ResourceControllerOptions): Promise<ResourceController> {
  const { kubeConfig, api } = options;
  const objects = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const log = options.log ?? ((message: string) => console.error(`kelos controller: ${message}`));
  const queue = new Map<string, Promise<void>>();
  let stopped = false;
  const pools = createPoolReconciler({ kubeConfig, api, ...(options.namespace ? { namespace: options.namespace } : {}), settings: options.poolMembers ?? memberSettingsFromEnv(process.env, defaultMemberImage()) });

  const informers = CRD_KINDS.map((kind) => {
    const plural = CRD_PLURALS[kind];
    const base = `/apis/${KELOS_GROUP}/${WATCHED_VERSION}`;
    const path = options.namespace ? `${base}/namespaces/${options.namespace}/${plural}` : `${base}/${plural}`;
    const list = () =>
      (options.namespace
        ? objects.listNamespacedCustomObject({ group: KELOS_GROUP, version: WATCHED_VERSION, namespace: options.namespace, plural })
        : objects.listClusterCustomObject({ group: KELOS_GROUP, version: WATCHED_VERSION, plural })) as Promise<k8s.KubernetesListObject<KelosObject>>;
    const informer = k8s.makeInformer<KelosObject>(kubeConfig, path, list);
    const onChange = (object: KelosObject) => enqueue(kind, { ...object, kind });
    informer.on('add', onChange);
    informer.on('update', onChange);
    informer.on('error', (err) => {
      if (stopped) return;
      log(`watching ${plural} failed (${innermostMessage(err)}); watching again in 5 s`);
      setTimeout(() => void informer.start().catch(() => undefined), 5_000);
    });
    return { kind, informer };
  });
  await Promise.all(informers.map(({ informer }) => informer.start()));

  const timer = setInterval(
    () =>
      void syncStatus().catch((err) => {
        options.onReconcileError?.('status');
        log(`status sync failed: ${innermostMessage(err)}`);
      }),
    options.syncIntervalMs ?? 2_000,
  );

  /** One reconcile at a time per object; the newest version of the object wins. */
  function enqueue(kind: CrdKind, object: KelosObject): void {
    const key = objectKey(kind, object);
    const next = (queue.get(key) ?? Promise.resolve())
      .then(() => (stopped ? undefined : reconcile(kind, object)))
      .catch((err) => {
        options.onReconcileError?.(kind.toLowerCase());
        log(`${key}: ${innermostMessage(err)}`);
      });
    queue.set(key, next);
    void next.finally(() => {
      if (queue.get(key) === next) queue.delete(key);
    });
  }

  async function reconcile(kind: CrdKind, object: KelosObject): Promise<void> {
    const meta = object.metadata!;
    if (meta.deletionTimestamp) {
      if (meta.finalizers?.includes(FINALIZER)) {
        await removeFromTemporal(kind, object);
        await setFinalizers(kind, object, meta.finalizers.filter((f) => f !== FINALIZER));
      }
      return;
    }
    if (!meta.finalizers?.includes(FINALIZER)) await setFinalizers(kind, object, [...(meta.finalizers ?? []), FINALIZER]);
    if (object.status?.observedGeneration === meta.generation) return;
    if (kind === 'Task' && meta.annotations?.[MIRROR_ANNOTATION]) {
      // A spawner's Task, already running in Temporal: only its status is ours to keep.
      await patchStatus(kind, object, { observedGeneration: meta.generation, ...typeStatus(object), conditions: [acceptedCondition(true, 'Mirrored', `a Task of TaskSpawner ${meta.annotations[MIRROR_ANNOTATION]}`)] });
      if (!createdTold.has(meta.uid!) && !object.status?.phase) {
        createdTold.add(meta.uid!);
        await taskEvent(object, taskCreatedEvent(taskWorkflowId(meta.namespace!, meta.name!), meta.annotations[MIRROR_ANNOTATION]));
      }
      return;
    }

    const parsed = parseManifests(JSON.stringify(manifestOf(object)), `${CRD_PLURALS[kind]}/${meta.name}`);
    const problems = [...parsed.errors.map(String), ...parsed.unsupported.map(String)];
    const resource = parsed.resources[0] as AppliedResource | undefined;
    if (problems.length || !resource) {
      await reject(kind, object, problems.join('; ') || 'not a Kelos resource');
      return;
    }
    let started = false;
    try {
      if (resource.kind === 'Task') started = await applyTask(object, resource);
      else await applyResource(api, resource, 'kubernetes');
    } catch (err) {
      await reject(kind, object, innermostMessage(err));
      return;
    }
    // A Task found started (a repeated reconcile) keeps the phase the status sync gives it.
    await patchStatus(kind, object, { observedGeneration: meta.generation, ...(started || kind === 'TaskSpawner' ? { phase: 'Pending' } : {}), ...typeStatus(object), conditions: [acceptedCondition(true, 'Applied', 'applied to Temporal')] });
    await event(kind, object, 'Normal', 'Applied', `applied to Temporal (${resource.kind} ${meta.namespace}/${meta.name})`);
    if (started) {
      announcedPhase.set(meta.uid!, 'Pending');
      await taskEvent(object, taskCreatedEvent(taskWorkflowId(meta.namespace!, meta.name!)));
    }
  }

  /**
   * A Task starts once; one of the same name that this object did not start is a conflict, not an adoption.
   * Whether this call started it (a repeated reconcile finds it started).
   */
  async function applyTask(object: KelosObject, task: TaskResource): Promise<boolean> {
    const uid = object.metadata!.uid!;
    const existing = await api.getTask(task.metadata.namespace, task.metadata.name);
    if (existing) {
      if (existing.metadata.annotations?.[OBJECT_UID_ANNOTATION] !== uid) throw new KelosError(`a Task named "${task.metadata.name}" already exists in Temporal and was not created from this object`);
      return false;
    }
    const owned: TaskResource = { ...task, metadata: { ...task.metadata, annotations: { ...(task.metadata.annotations ?? {}), [OBJECT_UID_ANNOTATION]: uid } } };
    return (await applyResource(api, owned, 'kubernetes')) === 'created';
  }

  async function removeFromTemporal(kind: CrdKind, object: KelosObject): Promise<void> {
    const { namespace, name } = object.metadata as { namespace: string; name: string };
    try {
      if (kind === 'Task') {
        const task = await api.getTask(namespace, name);
        if (task && ownsTask(object, task)) await api.deleteTask(namespace, name);
      } else if (kind === 'TaskSpawner') await api.deleteSpawner(namespace, name);
      else await api.deleteStoredResource(kind, namespace, name);
    } catch (err) {
      // Already gone: nothing to remove.
      if (!(err instanceof KelosError && /not found/.test(err.message))) throw err;
    }
  }

  async function reject(kind: CrdKind, object: KelosObject, message: string): Promise<void> {
    const meta = object.metadata!;
    await patchStatus(kind, object, {
      observedGeneration: meta.generation,
      ...(kind === 'Task' || kind === 'TaskSpawner' ? { phase: 'Failed', message } : {}),
      ...typeStatus(object),
      conditions: [acceptedCondition(false, 'InvalidSpec', message)],
    });
    await event(kind, object, 'Warning', 'InvalidSpec', message);
  }

  /** Tasks, TaskSpawners and TaskBudgets: status from Temporal; a finished Task whose workflow is gone (TTL) goes too. */
  async function syncStatus(): Promise<void> {
    await mirrorSpawnedTasks();
    forgetAnnouncedPhases();
    for (const { kind, informer } of informers) {
      if (kind !== 'Task' && kind !== 'TaskSpawner' && kind !== 'TaskBudget') continue;
      for (const object of informer.list()) {
        const meta = object.metadata!;
        // Only objects applied to Temporal (not rejected ones, not ones whose change is still to be applied).
        if (stopped || meta.deletionTimestamp || object.status?.observedGeneration !== meta.generation || accepted(object)?.status !== 'True') continue;
        const key = objectKey(kind, { ...object, kind });
        if (queue.has(key)) continue;
        if (kind === 'Task') await syncTask(object);
        else if (kind === 'TaskSpawner') await syncSpawner(object);
        else await syncBudget(object);
      }
    }
    if (stopped) return;
    // Accepted WorkerPool objects own their members and get their status; pools from `kelos apply` have members too.
    await pools.reconcile(informerOf('WorkerPool').list(), async (object, status) => {
      if (object.status?.observedGeneration === object.metadata?.generation && accepted(object)?.status === 'True') await patchStatusIfChanged('WorkerPool', { ...object, kind: 'WorkerPool' }, status);
    });
  }

  /**
   * Task objects for the Tasks that TaskSpawner objects' spawners started. After a first full listing only Tasks
   * started since (less a minute for visibility's lag) are listed; each is confirmed in Temporal before its object is
   * made, so one that just expired is not brought back.
   */
  const mirroredSince = new Map<string, Date>();
  async function mirrorSpawnedTasks(): Promise<void> {
    const spawnersByNamespace = new Map<string, string[]>();
    for (const spawner of informerOf('TaskSpawner').list()) {
      if (spawner.metadata?.deletionTimestamp || accepted(spawner)?.status !== 'True') continue;
      const namespace = spawner.metadata!.namespace!;
      spawnersByNamespace.set(namespace, [...(spawnersByNamespace.get(namespace) ?? []), spawner.metadata!.name!]);
    }
    const existing = new Set(informerOf('Task').list().map((task) => `${task.metadata?.namespace}/${task.metadata?.name}`));
    for (const [namespace, spawners] of spawnersByNamespace) {
      const key = `${namespace}:${[...spawners].sort().join(',')}`;
      const since = mirroredSince.get(key);
      const listedAt = new Date();
      const tasks = await api.listTasks(namespace, [], { spawners, ...(since ? { startedAfter: new Date(since.getTime() - 60_000) } : {}) });
      for (const task of tasks) {
        if (stopped || existing.has(`${namespace}/${task.metadata.name}`) || !(await api.getTask(namespace, task.metadata.name))) continue;
        const spawner = task.metadata.labels?.['kelos.dev/taskspawner'] ?? '';
        await objects
          .createNamespacedCustomObject({
            group: KELOS_GROUP,
            version: WATCHED_VERSION,
            namespace,
            plural: CRD_PLURALS.Task,
            body: { apiVersion: task.apiVersion, kind: 'Task', metadata: { name: task.metadata.name, namespace, labels: task.metadata.labels ?? {}, annotations: { ...(task.metadata.annotations ?? {}), [MIRROR_ANNOTATION]: spawner } }, spec: task.spec },
            fieldManager: CONTROLLER_MANAGER,
          })
          .catch((err) => {
            if ((err as { code?: number }).code !== 409) throw err;
          });
      }
      mirroredSince.set(key, listedAt);
    }
  }

  function informerOf(kind: CrdKind) {
    return informers.find((entry) => entry.kind === kind)!.informer;
  }

  async function syncTask(object: KelosObject): Promise<void> {
    const { namespace, name } = object.metadata as { namespace: string; name: string };
    const terminal = isTerminal(object.status?.phase as never);
    const expires = typeof object.spec?.ttlSecondsAfterFinished === 'number';
    if (terminal && !expires) return;
    const task = await api.getTask(namespace, name);
    if (!task) {
      // Its workflow is gone (TTL, or deleted in Temporal): so is the Task, as in Kelos.
      if (terminal && expires) await taskEvent(object, taskExpiredEvent());
      await objects.deleteNamespacedCustomObject({ group: KELOS_GROUP, version: WATCHED_VERSION, namespace, plural: CRD_PLURALS.Task, name }).catch(ignoreNotFound);
      return;
    }
    if (!ownsTask(object, task)) return;
    const status = taskStatusOf(task);
    const uid = object.metadata!.uid!;
    // The informer's copy may lag behind the controller's own last write: what was announced counts first.
    const previous = announcedPhase.get(uid) ?? object.status?.phase;
    await patchStatusIfChanged('Task', object, status);
    if (typeof status.phase !== 'string') return;
    announcedPhase.set(uid, status.phase);
    for (const e of taskPhaseEvents(previous, status)) await taskEvent(object, e);
  }

  /** The phase each Task object's events last told, by UID (a restarted controller starts from the objects' status). */
  const announcedPhase = new Map<string, string>();
  /** Mirrored Task objects whose TaskCreated was told (their reconcile may run twice before their status shows it). */
  const createdTold = new Set<string>();
  function forgetAnnouncedPhases(): void {
    const live = new Set(informerOf('Task').list().map((task) => task.metadata?.uid));
    for (const uid of announcedPhase.keys()) if (!live.has(uid)) announcedPhase.delete(uid);
    for (const uid of createdTold) if (!live.has(uid)) createdTold.delete(uid);
  }

  async function taskEvent(object: KelosObject, e: TaskEvent): Promise<void> {
    await event('Task', object, e.type, e.reason, e.message);
  }

  /** A TaskBudget's period and spend (Kelos's status fields), as its workflow keeps them. */
  async function syncBudget(object: KelosObject): Promise<void> {
    const { namespace, name } = object.metadata as { namespace: string; name: string };
    const budget = await api.getStoredResource('TaskBudget', namespace, name);
    if (budget?.status) await patchStatusIfChanged('TaskBudget', object, budget.status);
  }

  async function syncSpawner(object: KelosObject): Promise<void> {
    const { namespace, name } = object.metadata as { namespace: string; name: string };
    let spawner: SpawnerObject;
    try {
      spawner = await api.getSpawner(namespace, name);
    } catch (err) {
      if (!(err instanceof KelosError)) throw err;
      await patchStatusIfChanged('TaskSpawner', object, { phase: 'Failed', message: 'the spawner workflow is not running (see `kelos get taskspawner` or the Temporal Web UI)' });
      return;
    }
    await patchStatusIfChanged('TaskSpawner', object, spawnerStatusOf(spawner));
  }

  /** Temporal's view, with the controller's own Accepted condition kept in front of Temporal's conditions. */
  async function patchStatusIfChanged(kind: CrdKind, object: KelosObject, fromTemporal: Record<string, unknown>): Promise<void> {
    const current = object.status ?? {};
    const status = { ...fromTemporal, conditions: [accepted(object), ...((fromTemporal.conditions as unknown[] | undefined) ?? [])].filter(Boolean) };
    const changed = Object.entries(status).some(([key, value]) => JSON.stringify(current[key]) !== JSON.stringify(value));
    if (changed) await patchStatus(kind, object, status);
  }

  async function patchStatus(kind: CrdKind, object: KelosObject, status: Record<string, unknown>): Promise<void> {
    const { namespace, name } = object.metadata as { namespace: string; name: string };
    await objects
      .patchNamespacedCustomObjectStatus(
        { group: KELOS_GROUP, version: WATCHED_VERSION, namespace, plural: CRD_PLURALS[kind], name, body: { status }, fieldManager: CONTROLLER_MANAGER },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(ignoreNotFound);
  }

  async function setFinalizers(kind: CrdKind, object: KelosObject, finalizers: string[]): Promise<void> {
    const { namespace, name, resourceVersion } = object.metadata as { namespace: string; name: string; resourceVersion: string };
    // The resourceVersion makes a stale write fail (409) instead of dropping someone else's finalizer.
    await objects
      .patchNamespacedCustomObject(
        { group: KELOS_GROUP, version: WATCHED_VERSION, namespace, plural: CRD_PLURALS[kind], name, body: { metadata: { finalizers, resourceVersion } }, fieldManager: CONTROLLER_MANAGER },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(ignoreNotFound);
  }

  async function event(kind: CrdKind, object: KelosObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const { namespace, name, uid } = object.metadata as { namespace: string; name: string; uid: string };
    const now = new Date();
    await core
      .createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${name}.`, namespace },
          involvedObject: { apiVersion: `${KELOS_GROUP}/${WATCHED_VERSION}`, kind, name, namespace, uid },
          type,
          reason,
          message: message.slice(0, 1000),
          source: { component: CONTROLLER_MANAGER },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      })
      .catch((err) => log(`event for ${kind} ${namespace}/${name}: ${innermostMessage(err)}`));
  }

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(informers.map(({ informer }) => informer.stop()));
      await Promise.all([...queue.values()]);
    },
  };
}

/** The object stands for this Temporal Task: it started it, or it mirrors it. */
function ownsTask(object: KelosObject, task: TaskObject): boolean {
  return Boolean(object.metadata?.annotations?.[MIRROR_ANNOTATION]) || task.metadata.annotations?.[OBJECT_UID_ANNOTATION] === object.metadata?.uid;
}

/** Whether the controller applied the object to Temporal (True) or refused it (False, with why). */
function acceptedCondition(ok: boolean, reason: string, message: string): Condition {
  return { type: 'Accepted', status: ok ? 'True' : 'False', reason, message, lastTransitionTime: new Date().toISOString() };
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

function accepted(object: KelosObject): Condition | undefined {
  return ((object.status?.conditions as Condition[] | undefined) ?? []).find((c) => c.type === 'Accepted');
}

/** Kelos's Task status fields, from the Task's Temporal memo. */
function taskStatusOf(task: TaskObject): Record<string, unknown> {
  const { phase, message, startTime, completionTime, podName, outputs, results, usage, conditions } = task.status;
  return Object.fromEntries(Object.entries({ phase, message, startTime, completionTime, podName, outputs, results, usage, conditions }).filter(([, value]) => value !== undefined));
}

/** `status.agentType` of a Task object (the CRD's Type column). */
function typeStatus(object: KelosObject): Record<string, string> {
  const type = object.kind === 'Task' ? taskTypeOf(object) : undefined;
  return type ? { agentType: type } : {};
}

function spawnerStatusOf(spawner: SpawnerObject): Record<string, unknown> {
  const { phase, totalDiscovered, totalTasksCreated, activeTasks, queueLength, lastDiscoveryTime, message, conditions } = spawner.status;
  return Object.fromEntries(Object.entries({ phase, totalDiscovered, totalTasksCreated, activeTasks, queueLength, lastDiscoveryTime, message, conditions }).filter(([, value]) => value !== undefined));
}

function ignoreNotFound(err: unknown): void {
  if ((err as { code?: number }).code !== 404) throw err;
}
