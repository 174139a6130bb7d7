import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createTaskLookupActivities } from '../task-lookup-activities';
import type { createPollActivities } from '../../sources/polling/poll-activities';
import type { createContextSourceActivities } from '../fetch-context-sources';
import { withContext } from '../context-sources';
import { innermostMessage } from '../../common/error-cause';
import { pollSourceOf, type PollSourceResult } from '../../sources/polling/poll';
import { parseManifests } from '../../model/parse-manifests';
import type { TaskSpawnerResource } from '../../model/types';
import { KelosKind, KelosNamespace, KelosSourceKind, KelosSpawner, KelosWebhookKeys } from '../../store/search-attributes';
import { renderableWebhookVars, webhookRoutingKeys } from '../../sources/webhooks';
import { cronTicks, cronWorkItem, nextCronTick } from '../../sources/cron/cron';
import type { WorkItem } from '../../sources/work-item';
import { renderSpawnedTask } from '../render-task';
import {
  QueuedItem,
  SpawnerState,
  activeCount,
  admitItems,
  dropQueuedItems,
  emptySpawnerState,
  forgetTask,
  markCreated,
  markFinished,
  markStarted,
  takeNext,
  totalTasksReached,
} from './legacy-spawner-state';
import { SPAWNER_MANIFEST_MEMO_KEY, SPAWNER_STATUS_MEMO_KEY, SpawnerCondition, SpawnerStatus } from '../spawner-status';
import { taskRunForItem } from '../task-from-template';
import { taskStartOptions } from '../../task/task-start';
import { withoutSpec } from '../../task/task-run';
import { SourceKind, templateVarsFor } from '../../sources/template-vars';
import {
  applyManifestUpdate,
  deleteSpawnerSignal,
  setSuspendedUpdate,
  spawnerStatusQuery,
  taskFinishedSignal,
  taskGoneSignal,
  webhookDeliverySignal,
  workItemsSignal,
} from '../messages';
import { webhookIntake } from '../webhook-intake';
import { startQueuedAsWaitingTasks } from '../spawned-tasks';
import { currentStateFromLegacy, type SpawnerInput, type SpawnerOptions, isContinued } from '../spawner-state';

/** A live run of the first implementation hands over to the current one (see legacySpawner). */
export const HANDOVER_PATCH = 'spawner-hand-over-to-waiting-tasks';
import { taskWorkflow } from '../../task/task-workflow';

const { reconcileTasks } = proxyActivities<ReturnType<typeof createTaskLookupActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** A context source that keeps failing makes the item's error visible instead of holding the spawner up. */
const { fetchContextSources } = proxyActivities<ReturnType<typeof createContextSourceActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** Rate limits retry when they reset (nextRetryDelay); bad credentials fail at once and show in the status. */
const { pollSource } = proxyActivities<ReturnType<typeof createPollActivities>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 6 },
});

/** What a run of the first implementation received (its carried state is `SpawnerState` of legacy-spawner-state.ts). */
interface LegacyContinuedInput {
  manifest: Record<string, unknown>;
  state?: SpawnerState;
  options?: SpawnerOptions;
}

const DEFAULT_RECONCILE_MS = 5 * 60 * 1000;

/**
 * A run continues as new after this many events, before the server's suggestion (4,096 events or 4 MiB). A worker
 * that lost the run from its cache (restart, or a workflow task timed out on a loaded machine) replays it whole,
 * at ~1.3 s per 1,000 events on 2 idle cores (bench:spawner); this keeps that replay well inside the 10 s task timeout.
 */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

/**
 * The first implementation of the spawner, frozen: runs it began replay here, exactly as they ran, so their
 * histories stay valid. It kept every queued item whole in its own state (which could outgrow what
 * continue-as-new may carry); once such a run executes live on this code it hands over at once: its queued items
 * become Task workflows that wait for a slot, and it continues as new as the current spawner (spawner-workflow.ts)
 * with only their names. Change nothing here but the handover.
 */
export async function legacySpawner(input: SpawnerInput): Promise<SpawnerStatus> {
  const continued = isContinued(input) ? (input as LegacyContinuedInput) : undefined;
  let manifest: Record<string, unknown> = continued ? continued.manifest : (input as Record<string, unknown>);
  let spawner = parseSpawnerOrThrow(manifest);
  const options = continued?.options ?? {};
  const state: SpawnerState = continued?.state ?? emptySpawnerState();
  let deleted = false;
  let dirty = false;
  let lastPublished: Record<string, string> = {};
  let nextReconcileAt = Date.now() + (options.reconcileIntervalMs ?? DEFAULT_RECONCILE_MS);
  let pollInFlight = false;
  let nextPollAt = Date.now();
  // Runs started before this bound existed keep the server's suggestion as their only one, so they replay as run.
  const continueAsNewAfterEvents = options.continueAsNewAfterEvents ?? (patched('spawner-bounded-runs') ? CONTINUE_AS_NEW_AFTER_EVENTS : undefined);

  const status = (): SpawnerStatus => buildStatus(spawner, state);
  setHandler(spawnerStatusQuery, status);
  setHandler(taskFinishedSignal, ({ name, phase, completionTime }) => {
    if (markFinished(state, name, phase, completionTime)) dirty = true;
  });
  setHandler(taskGoneSignal, ({ name }) => {
    if (forget(name)) dirty = true;
  });
  setHandler(workItemsSignal, (items) => {
    discover(items);
    dirty = true;
  });
  setHandler(webhookDeliverySignal, async (delivery) => {
    // A redelivery (same X-GitHub-Delivery / Linear-Delivery) is dropped before any lookup is made.
    if (state.seenDeliveries.includes(delivery.deliveryId)) return;
    try {
      const outcome = await webhookIntake(spawner, delivery);
      if ('item' in outcome) discover([outcome.item], state.totalDiscovered + 1);
    } catch (err) {
      state.discoveryErrors = [...state.discoveryErrors, `delivery ${delivery.deliveryId}: ${innermostMessage(err)}`].slice(-10);
    }
    dirty = true;
  });
  setHandler(deleteSpawnerSignal, () => {
    deleted = true;
  });
  setHandler(
    applyManifestUpdate,
    (next) => {
      manifest = next;
      spawner = parseSpawnerOrThrow(next);
      publishRoutingKeys();
      nextPollAt = Date.now(); // a changed spec polls at once (Kelos: a new generation runs a cycle)
      dirty = true;
      // Published here, not only in the loop, so a read right after `kelos apply` sees the new spec.
      publishStatus();
      return status();
    },
    {
      validator: (next) => {
        const parsed = parseSpawner(next);
        if (typeof parsed === 'string') throw new Error(parsed);
        if (parsed.metadata.name !== spawner.metadata.name || parsed.metadata.namespace !== spawner.metadata.namespace) {
          throw new Error(`the manifest is for TaskSpawner ${parsed.metadata.namespace}/${parsed.metadata.name}, not ${spawner.metadata.namespace}/${spawner.metadata.name}`);
        }
      },
    },
  );
  setHandler(setSuspendedUpdate, (suspend) => {
    setSuspended(suspend);
    dirty = true;
    publishStatus();
    return status();
  });

  upsertSearchAttributes([
    { key: KelosKind, value: 'TaskSpawner' },
    { key: KelosNamespace, value: spawner.metadata.namespace },
    { key: KelosSpawner, value: spawner.metadata.name },
    { key: KelosSourceKind, value: spawner.spec.source },
  ]);
  publishRoutingKeys();
  if (spawner.spec.when.cron && !state.cronWatermark) state.cronWatermark = new Date().toISOString();

  while (!deleted) {
    if (!spawner.spec.suspend) {
      fireCronTicks();
      startPollIfDue();
      await startQueuedTasks();
    }
    if (Date.now() >= nextReconcileAt) {
      await reconcile();
      nextReconcileAt = Date.now() + (options.reconcileIntervalMs ?? DEFAULT_RECONCILE_MS);
    }
    publishStatus();
    // A poll in flight finishes first: its answer moves the cursor that the next run carries.
    if (shouldContinueAsNew() && !pollInFlight) break;
    // Live on this code (never while replaying a recorded run): hand over to the current spawner.
    if (!pollInFlight && patched(HANDOVER_PATCH)) break;
    dirty = false;
    // Reconcile only wakes an idle spawner while it has Tasks to check: an idle one costs no history.
    const wakeAt = Math.min(reconcilableNames().length ? nextReconcileAt : Infinity, nextCronAt() ?? Infinity, nextPollDue() ?? Infinity);
    const woken = () => deleted || dirty || canStartMore() || (shouldContinueAsNew() && !pollInFlight);
    if (wakeAt === Infinity) await condition(woken);
    else await condition(woken, Math.max(1, wakeAt - Date.now()));
  }

  await condition(allHandlersFinished);
  publishStatus();
  if (deleted) return status();
  if (patched(HANDOVER_PATCH)) {
    const waiting = await startQueuedAsWaitingTasks(spawner, state.queue);
    return await continueAsNew<typeof legacySpawner>({ manifest, state: currentStateFromLegacy(state, waiting, new Date().toISOString()), options } as never);
  }
  return await continueAsNew<typeof legacySpawner>({ manifest, state, options });

  // --- helpers (closures over the workflow's state) ---

  /** An item's template variables, as context sources' URLs and headers see them. */
  function baseVars(item: WorkItem) {
    return renderableWebhookVars(templateVarsFor(spawner.spec.source as SourceKind, item.vars));
  }

  /** What Task templates see: `Context` is empty until the item's context sources are fetched at its start. */
  function itemVars(item: WorkItem, context?: Record<string, string>) {
    return withContext(spawner, baseVars(item), context);
  }

  function discover(items: WorkItem[], discovered: number = items.length): void {
    const render = (item: WorkItem) => renderSpawnedTask(spawner, itemVars(item), () => item.defaultTaskName ?? '');
    const result = admitItems(state, items, render, priorityLabels(spawner));
    state.totalDiscovered = discovered;
    state.lastDiscoveryTime = new Date().toISOString();
    state.discoveryErrors = result.errors;
    // A polled item that cannot be rendered is asked for again, so its error stays visible until fixed.
    if (result.failedIds.length && pollSourceOf(spawner)) state.pollResend = [...new Set([...(state.pollResend ?? []), ...result.failedIds])];
  }

  /** Webhook spawners are found by the bridge through these keys (src/sources/webhooks/delivery.ts). */
  function publishRoutingKeys(): void {
    const keys = webhookRoutingKeys(spawner);
    if (keys.length) upsertSearchAttributes([{ key: KelosWebhookKeys, value: keys }]);
  }

  /** Starts a poll in the background when one is due; signals, queue drain and cron go on meanwhile. */
  function startPollIfDue(): void {
    const poll = pollSourceOf(spawner);
    if (!poll || pollInFlight || Date.now() < nextPollAt) return;
    pollInFlight = true;
    const resend = state.pollResend ?? [];
    state.pollResend = [];
    const { intervalMs, ...request } = poll;
    pollSource({ ...request, spawnerId: workflowInfo().workflowId, ...(state.pollCursor ? { cursor: state.pollCursor } : {}), ...(resend.length ? { resend } : {}) })
      .then(applyPoll, (err) => {
        state.sourceError = innermostMessage(err);
        state.pollResend = [...resend, ...(state.pollResend ?? [])];
      })
      .finally(() => {
        pollInFlight = false;
        nextPollAt = Date.now() + intervalMs;
        dirty = true;
      });
  }

  function applyPoll(result: PollSourceResult): void {
    state.pollCursor = result.cursor;
    state.sourceError = undefined;
    state.lastPoll = { time: new Date().toISOString(), requests: result.requests.requests, notModified: result.requests.notModified, points: result.requests.points, full: result.full };
    if (result.full) {
      const matching = new Set(result.items.map((item) => item.id));
      dropQueuedItems(state, state.queue.filter((queued) => !matching.has(queued.item.id)).map((queued) => queued.item.id));
    }
    dropQueuedItems(state, result.removed);
    discover(result.items, result.matching);
  }

  function nextPollDue(): number | undefined {
    if (spawner.spec.suspend || pollInFlight || !pollSourceOf(spawner)) return undefined;
    return nextPollAt;
  }

  /** The Task is gone: its name is free, and a polled item is asked for again (it may spawn anew). */
  function forget(name: string): boolean {
    const itemId = state.ledger[name]?.itemId;
    if (!forgetTask(state, name)) return false;
    if (itemId !== undefined && pollSourceOf(spawner)) state.pollResend = [...(state.pollResend ?? []), itemId];
    return true;
  }

  function fireCronTicks(): void {
    const cron = spawner.spec.when.cron;
    if (!cron || !state.cronWatermark) return;
    const now = new Date();
    const ticks = cronTicks(cron.schedule, new Date(state.cronWatermark), now);
    if (!ticks.length) return;
    state.cronWatermark = ticks[ticks.length - 1].toISOString();
    discover(ticks.map((tick) => cronWorkItem(cron.schedule, tick)));
  }

  function nextCronAt(): number | undefined {
    const cron = spawner.spec.when.cron;
    if (!cron || spawner.spec.suspend || !state.cronWatermark) return undefined;
    return nextCronTick(cron.schedule, new Date(state.cronWatermark))?.getTime();
  }

  function canStartMore(): boolean {
    if (spawner.spec.suspend || !state.queue.length) return false;
    const { maxConcurrency, maxTotalTasks } = spawner.spec;
    return !(maxConcurrency && activeCount(state) >= maxConcurrency) && !totalTasksReached(state, { maxTotalTasks });
  }

  /** Starts every item the limits allow, concurrently (each start is one round trip to the server). */
  async function startQueuedTasks(): Promise<void> {
    const batch: QueuedItem[] = [];
    const limits = { maxConcurrency: spawner.spec.maxConcurrency, maxTotalTasks: spawner.spec.maxTotalTasks };
    for (let next = takeNext(state, limits); next; next = takeNext(state, limits)) {
      markStarted(state, next.name, new Date().toISOString(), next.item.id);
      markCreated(state);
      batch.push(next);
    }
    await Promise.all(batch.map(startTask));
  }

  async function startTask(queued: QueuedItem): Promise<void> {
    try {
      const run = taskRunForItem(spawner, await withFetchedContext(queued), spawner.spec.source, (n) => Math.floor(Math.random() * n), queued.item);
      const start = taskStartOptions(run, new Date().toISOString());
      await startChild(taskWorkflow, {
        workflowId: start.workflowId,
        args: [withoutSpec(run)],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // A retrigger replaces the finished Task under the same name (Kelos deletes and re-creates it); otherwise
        // an existing Task of that name means the item was handled.
        workflowIdReusePolicy: queued.retrigger ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
        memo: start.memo,
        typedSearchAttributes: start.searchAttributes,
        staticSummary: start.staticSummary,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // A Task of that name exists already (Kelos: owned Task → skip): keep it counted; reconcile learns its state.
        state.totalTasksCreated -= 1;
        return;
      }
      state.totalTasksCreated -= 1;
      forget(queued.name);
      state.discoveryErrors = [...state.discoveryErrors, `task ${queued.name}: ${innermostMessage(err)}`].slice(-10);
    }
  }

  /** With context sources, the item rendered again once their values are fetched (its name stays). */
  async function withFetchedContext(queued: QueuedItem): Promise<QueuedItem['rendered']> {
    const sources = spawner.spec.taskTemplate.contextSources;
    if (!sources?.length) return queued.rendered;
    const context = await fetchContextSources({ namespace: spawner.metadata.namespace, sources, vars: baseVars(queued.item) });
    return { ...renderSpawnedTask(spawner, itemVars(queued.item, context), () => queued.rendered.name), name: queued.rendered.name };
  }

  /** Catches what signals missed (a Task terminated, or deleted while this spawner was down). */
  async function reconcile(): Promise<void> {
    const names = reconcilableNames();
    if (!names.length) return;
    const found = await reconcileTasks({ namespace: spawner.metadata.namespace, names });
    for (const name of names) {
      const task = found[name];
      if (!task) forget(name);
      else if (task.phase === 'Succeeded' || task.phase === 'Failed') markFinished(state, name, task.phase, task.completionTime ?? new Date().toISOString());
    }
  }

  /** Tasks whose end (or TTL removal) this spawner waits to hear about. */
  function reconcilableNames(): string[] {
    const withTtl = spawner.spec.taskTemplate.ttlSecondsAfterFinished !== undefined;
    return Object.entries(state.ledger)
      .filter(([, entry]) => entry.state === 'active' || withTtl)
      .map(([name]) => name);
  }

  function setSuspended(suspend: boolean): void {
    const spec = (manifest.spec ?? {}) as Record<string, unknown>;
    manifest = { ...manifest, spec: { ...spec, suspend } };
    spawner = { ...spawner, spec: { ...spawner.spec, suspend } };
    // Ticks that fall in a suspension are skipped, not replayed on resume (documented policy).
    if (!suspend && spawner.spec.when.cron) state.cronWatermark = new Date().toISOString();
    if (!suspend) nextPollAt = Date.now();
  }

  function publishStatus(): void {
    // Only what changed goes into the upsert: the manifest rarely does, and every byte stays in history.
    const current: Record<string, string> = { [SPAWNER_STATUS_MEMO_KEY]: JSON.stringify(status()), [SPAWNER_MANIFEST_MEMO_KEY]: JSON.stringify(manifest) };
    const changed: Record<string, unknown> = {};
    for (const key of [SPAWNER_STATUS_MEMO_KEY, SPAWNER_MANIFEST_MEMO_KEY]) {
      if (current[key] !== lastPublished[key]) changed[key] = JSON.parse(current[key]);
    }
    if (!Object.keys(changed).length) return;
    lastPublished = current;
    upsertMemo(changed);
  }

  function shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (continueAsNewAfterEvents !== undefined && info.historyLength >= continueAsNewAfterEvents);
  }
}


/** The TaskSpawner, or the field-level errors as one message (the same lines `kelos apply --dry-run` prints). */
function parseSpawner(manifest: Record<string, unknown>): TaskSpawnerResource | string {
  const parsed = parseManifests(JSON.stringify(manifest), 'spawner.json');
  const problems = [...parsed.errors.map(String), ...parsed.unsupported.map(String)];
  if (problems.length) return problems.join('\n');
  const spawners = parsed.resources.filter((r): r is TaskSpawnerResource => r.kind === 'TaskSpawner');
  if (spawners.length !== 1) return `spawner.json: expected one TaskSpawner, found ${parsed.resources.map((r) => r.kind).join(', ') || 'nothing'}`;
  return spawners[0];
}

function parseSpawnerOrThrow(manifest: Record<string, unknown>): TaskSpawnerResource {
  const parsed = parseSpawner(manifest);
  if (typeof parsed === 'string') throw ApplicationFailure.nonRetryable(parsed, 'InvalidManifest');
  return parsed;
}

function priorityLabels(spawner: TaskSpawnerResource): string[] {
  const when = spawner.spec.when;
  return when.githubIssues?.priorityLabels ?? when.githubPullRequests?.priorityLabels ?? [];
}

function buildStatus(spawner: TaskSpawnerResource, state: SpawnerState): SpawnerStatus {
  const suspended = spawner.spec.suspend;
  const limitReached = totalTasksReached(state, { maxTotalTasks: spawner.spec.maxTotalTasks });
  const time = state.lastDiscoveryTime ?? '';
  const errors = [...(state.sourceError ? [state.sourceError] : []), ...state.discoveryErrors];
  const conditions: SpawnerCondition[] = [
    { type: 'Suspended', status: suspended ? 'True' : 'False', reason: suspended ? 'UserSuspended' : 'Running', lastTransitionTime: time },
    {
      type: 'DiscoveryError',
      status: errors.length ? 'True' : 'False',
      reason: state.sourceError ? 'SourceError' : errors.length ? 'TaskCreationFailed' : 'NoErrors',
      ...(errors.length ? { message: errors.join('; ') } : {}),
      lastTransitionTime: time,
    },
    { type: 'MaxTotalTasksReached', status: limitReached ? 'True' : 'False', reason: limitReached ? 'LimitReached' : 'LimitAvailable', lastTransitionTime: time },
  ];
  let message = `Discovered ${state.totalDiscovered} items, created ${state.totalTasksCreated} tasks total`;
  if (state.queue.length) message += `; ${state.queue.length} queued`;
  if (errors.length) message += `; ${errors.length} error(s): ${errors.join('; ')}`;
  return {
    phase: suspended ? 'Suspended' : 'Running',
    totalDiscovered: state.totalDiscovered,
    totalTasksCreated: state.totalTasksCreated,
    activeTasks: activeCount(state),
    queueLength: state.queue.length,
    ...(state.lastDiscoveryTime ? { lastDiscoveryTime: state.lastDiscoveryTime } : {}),
    ...(state.lastPoll ? { lastPoll: state.lastPoll } : {}),
    message,
    conditions,
  };
}
