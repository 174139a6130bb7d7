/**
 * One TaskSpawner, as a workflow that runs for as long as the spawner exists. Items arrive from cron ticks
 * (durable timers), polls (activities in the background) and webhook deliveries (signals); each accepted item
 * becomes a Task workflow at once, which runs when a slot is free (maxConcurrency, maxTotalTasks) and otherwise
 * waits for the slot the spawner grants — so nothing is dropped, and the spawner's own state holds names only.
 * The run continues as new before its history grows long, carrying that state (src/spawner/spawner-state.ts).
 */
import { allHandlersFinished, condition, makeContinueAsNewFunc, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { KelosKind, KelosNamespace, KelosSourceKind, KelosSpawner, KelosWebhookKeys } from '../store/search-attributes';
import type { SpawnerStatus } from './spawner-status';
import { webhookRoutingKeys } from '../sources/webhooks';
import { admitItems, canGrant, grantSlots, reconcileRunning, takeBackOverflow, taskGone, type SpawnerContext } from './admission';
import { dueCronItems, nextCronAt, startCronFromNow } from './cron-intake';
import { legacySpawner } from './legacy/legacy-spawner';
import {
  applyManifestUpdate,
  deleteSpawnerSignal,
  setSuspendedUpdate,
  spawnerStatusQuery,
  taskFinishedSignal,
  taskGoneSignal,
  webhookDeliverySignal,
  workItemsSignal,
} from './messages';
import { pollIntake } from './poll-intake';
import { startQueuedAsWaitingTasks } from './spawned-tasks';
import { currentStateFromLegacy, emptySpawnerState, fitToBudget, isContinued, isLegacyState, type SpawnerInput, type SpawnerState } from './spawner-state';
import { parseSpawnerOrThrow, validateUpdate } from './spawner-manifest';
import { memoPublisher, spawnerStatus } from './publish-status';
import * as book from './task-book';
import { takeDelivery } from './webhook-intake';
import { CARRY_DELIVERIES_PATCH, DeliveryCarry } from './delivery-carry';
import { metrics } from '../workflows/metrics';

export type { SpawnerInput, ContinuedSpawnerInput, SpawnerOptions } from './spawner-state';

/** Marks runs of this implementation; runs begun by the first one (no marker) replay on it and hand over. */
export const SPAWNER_TASKS_WAIT_PATCH = 'spawner-tasks-wait-in-temporal';

/** Runs that began before the memo was carried continue as new without it (the next run publishes its own). */
export const CARRY_MEMO_PATCH = 'spawner-carries-memo-across-continue-as-new';

/** How often running Tasks are checked against Temporal while there are any. */
const DEFAULT_RECONCILE_MS = 5 * 60 * 1000;

/**
 * A run continues as new after this many events, before the server's suggestion (4,096 events or 4 MiB): a worker
 * that lost the run from its cache replays it whole (~1.3 s per 1,000 events on 2 idle cores, bench:spawner).
 */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

export async function spawnerWorkflow(input: SpawnerInput): Promise<SpawnerStatus> {
  if (!patched(SPAWNER_TASKS_WAIT_PATCH)) return legacySpawner(input);

  const continued = isContinued(input) ? input : undefined;
  let manifest = continued ? continued.manifest : (input as Record<string, unknown>);
  const options = continued?.options ?? {};
  const ctx: SpawnerContext = { spawner: parseSpawnerOrThrow(manifest), state: emptySpawnerState(), options, starting: new Set() };
  // A run continued from the first implementation's state takes it over before any message is handled.
  const legacy = continued?.state && isLegacyState(continued.state) ? continued.state : undefined;
  if (legacy) ctx.state = currentStateFromLegacy(legacy, [], new Date().toISOString());
  else if (continued?.state) ctx.state = continued.state as SpawnerState;
  let deleted = false;
  let changed = false;
  const wake = () => void (changed = true);
  const poll = pollIntake(ctx, wake);
  const publish = memoPublisher();
  const status = () => spawnerStatus(ctx.spawner, ctx.state);
  let nextReconcileAt = Date.now() + (options.reconcileIntervalMs ?? DEFAULT_RECONCILE_MS);
  let reportedGranted = ctx.state.book.granted;
  /** Set once the run is due to continue as new: deliveries then go to the next run (src/spawner/delivery-carry.ts). */
  let carry: DeliveryCarry | undefined;

  // Messages first, before anything is awaited: Tasks report back, items arrive, people read and steer.
  setHandler(spawnerStatusQuery, status);
  setHandler(taskFinishedSignal, ({ name, phase, completionTime }) => {
    if (book.markFinished(ctx.state.book, name, phase, completionTime)) wake();
  });
  setHandler(taskGoneSignal, ({ name, itemId }) => {
    if (taskGone(ctx, name, itemId)) wake();
  });
  setHandler(workItemsSignal, async (items) => {
    await admitItems(ctx, items);
    wake();
  });
  setHandler(webhookDeliverySignal, async (delivery) => {
    if ((carry || readyToContinue()) && patched(CARRY_DELIVERIES_PATCH) && (carry ??= new DeliveryCarry()).take(delivery)) return;
    if (await takeDelivery(ctx, delivery)) wake();
  });
  setHandler(deleteSpawnerSignal, () => {
    deleted = true;
  });
  setHandler(
    applyManifestUpdate,
    (next) => {
      manifest = next;
      ctx.spawner = parseSpawnerOrThrow(next);
      publishRoutingKeys();
      poll.pollSoon(); // a changed spec polls at once (Kelos: a new generation runs a cycle)
      wake();
      publish(status(), manifest); // so a read right after `kelos apply` sees the new spec
      return status();
    },
    { validator: (next) => validateUpdate(ctx.spawner, next) },
  );
  setHandler(setSuspendedUpdate, (suspend) => {
    manifest = { ...manifest, spec: { ...((manifest.spec ?? {}) as Record<string, unknown>), suspend } };
    ctx.spawner = { ...ctx.spawner, spec: { ...ctx.spawner.spec, suspend } };
    if (!suspend) {
      startCronFromNow(ctx);
      poll.pollSoon();
    }
    wake();
    publish(status(), manifest);
    return status();
  });

  upsertSearchAttributes([
    { key: KelosKind, value: 'TaskSpawner' },
    { key: KelosNamespace, value: ctx.spawner.metadata.namespace },
    { key: KelosSpawner, value: ctx.spawner.metadata.name },
    { key: KelosSourceKind, value: ctx.spawner.spec.source },
  ]);
  publishRoutingKeys();
  // Its queued items (whole, in its state) become Tasks waiting for a slot.
  for (const task of legacy?.queue.length ? await startQueuedAsWaitingTasks(ctx.spawner, legacy.queue) : []) {
    book.addWaiting(ctx.state.book, task.name, new Date().toISOString(), task.priority, task.itemId, { waitingWindow: options.waitingWindow });
  }
  if (!ctx.state.cronWatermark) startCronFromNow(ctx);
  // Deliveries the last run took while winding down, handled together as if they had just arrived.
  if (continued?.deliveries?.length) {
    await Promise.all(continued.deliveries.map((delivery) => takeDelivery(ctx, delivery)));
    wake();
  }

  // The story of a spawner: take in what is due, give free slots to waiting Tasks, check on the running ones,
  // show the status, and sleep until something changes or a timer is due.
  while (!deleted) {
    if (!ctx.spawner.spec.suspend) {
      const ticks = dueCronItems(ctx);
      if (ticks.length) await admitItems(ctx, ticks, ticks.length, 'replace');
      poll.startIfDue();
      await grantSlots(ctx);
    }
    await takeBackOverflow(ctx);
    if (Date.now() >= nextReconcileAt) {
      await reconcileRunning(ctx);
      nextReconcileAt = Date.now() + (options.reconcileIntervalMs ?? DEFAULT_RECONCILE_MS);
    }
    publish(status(), manifest);
    reportMetrics();
    if (readyToContinue()) break;
    changed = false;
    // Reconcile only wakes an idle spawner while Tasks run: an idle one writes no history.
    const wakeAt = Math.min(book.count(ctx.state.book, 'running') ? nextReconcileAt : Infinity, nextCronAt(ctx) ?? Infinity, poll.nextDue() ?? Infinity);
    const woken = () => deleted || changed || canGrant(ctx) || readyToContinue();
    if (wakeAt === Infinity) await condition(woken);
    else await condition(woken, Math.max(1, wakeAt - Date.now()));
  }

  carry ??= new DeliveryCarry();
  await condition(allHandlersFinished);
  publish(status(), manifest);
  if (deleted) {
    metrics.spawnerGone(spawnerRef());
    return status();
  }
  fitToBudget(ctx.state);
  const deliveries = carry.deliveries.length ? { deliveries: carry.deliveries } : {};
  // The next run starts with this memo (the spawner's manifest and status), so it is readable before its first
  // workflow task ends; runs begun before the patch continue without it, as they did.
  const memo = patched(CARRY_MEMO_PATCH) ? { memo: workflowInfo().memo } : {};
  return await makeContinueAsNewFunc<typeof spawnerWorkflow>(memo)({ manifest, state: ctx.state, options, ...deliveries });

  /** Tasks created (slots granted, as the status counts them) since the last report, and the queue. */
  function reportMetrics(): void {
    const granted = ctx.state.book.granted;
    if (granted > reportedGranted) metrics.spawnerTasksCreated(spawnerRef(), granted - reportedGranted);
    reportedGranted = granted;
    metrics.spawnerQueue(spawnerRef(), book.waitingCount(ctx.state.book), book.oldestWaitingSince(ctx.state.book));
  }

  function spawnerRef(): { namespace: string; name: string } {
    return { namespace: ctx.spawner.metadata.namespace, name: ctx.spawner.metadata.name };
  }

  /** Webhook spawners are found by the bridge through these keys (src/sources/webhooks/delivery.ts). */
  function publishRoutingKeys(): void {
    const keys = webhookRoutingKeys(ctx.spawner);
    if (keys.length) upsertSearchAttributes([{ key: KelosWebhookKeys, value: keys }]);
  }

  /** A poll in flight finishes first: its answer moves the cursor that the next run carries. */
  function readyToContinue(): boolean {
    return timeToContinueAsNew() && !poll.inFlight();
  }

  function timeToContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= (options.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_AFTER_EVENTS);
  }
}
