/**
 * From discovered items to Tasks, under the spawner's limits. An accepted item becomes a Task workflow at once:
 * it runs when a slot is free and nobody waits, otherwise it waits (phase Waiting) for the slot the spawner grants
 * in priority order. So the item's data lives in its own Task's history, and the spawner's state holds names only.
 * Kelos's identity rules hold: a Task name is the item's identity; an existing Task of that name means the item was
 * handled, unless a newer authorized trigger re-runs a finished one; a webhook delivery is taken once.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createContextSourceActivities } from './fetch-context-sources';
import type { createTaskLookupActivities } from './task-lookup-activities';
import { innermostMessage } from '../common/error-cause';
import type { TaskSpawnerResource } from '../model/types';
import { withContext } from './context-sources';
import { renderSpawnedTask } from './render-task';
import { pollSourceOf } from '../sources/polling/poll';
import { renderableWebhookVars } from '../sources/webhooks';
import type { WorkItem } from '../sources/work-item';
import { templateVarsFor, type SourceKind } from '../sources/template-vars';
import { grantSlot, refreshWaitingTask, startSpawnedTask, withdrawWaitingTask, type AcceptedItem } from './spawned-tasks';
import { addError, addResend, deliveryKeys, type SpawnerOptions, type SpawnerState } from './spawner-state';
import * as book from './task-book';

const { reconcileTasks, findWaitingTasks } = proxyActivities<ReturnType<typeof createTaskLookupActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** A context source that keeps failing makes the item's error visible instead of holding the spawner up. */
const { fetchContextSources } = proxyActivities<ReturnType<typeof createContextSourceActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** What admission reads and changes: the spawner as it is now, and its carried state. */
export interface SpawnerContext {
  spawner: TaskSpawnerResource;
  state: SpawnerState;
  options: SpawnerOptions;
  /**
   * Waiting Tasks whose start is still in flight: not granted until their workflow exists (a grant sent before would
   * find no Task). Never carried: continue-as-new waits for every handler, so no start is in flight then.
   */
  starting: Set<string>;
}

function limits(ctx: SpawnerContext): book.BookLimits {
  return { maxConcurrency: ctx.spawner.spec.maxConcurrency, maxTotalTasks: ctx.spawner.spec.maxTotalTasks, waitingWindow: ctx.options.waitingWindow };
}

const now = (): string => new Date().toISOString();

/**
 * Takes in one discovery's items (a poll answer, cron ticks, webhook items): renders each, drops what was seen,
 * and starts a Task for the rest. `discovered` is what the status reports as found. A poll or a cron tick is a
 * whole discovery, so its errors replace the last one's; webhook deliveries add theirs (bounded).
 */
export async function admitItems(ctx: SpawnerContext, items: WorkItem[], discovered: number = items.length, errors: 'replace' | 'add' = 'add'): Promise<void> {
  const { state, spawner } = ctx;
  state.totalDiscovered = discovered;
  state.lastDiscoveryTime = now();
  if (errors === 'replace') state.discoveryErrors = [];
  const failed: string[] = [];
  await Promise.all(
    items.map(async (item) => {
      const accepted = await accept(ctx, item).catch((err: unknown) => {
        addError(state, `item ${item.id}: ${innermostMessage(err)}`);
        failed.push(item.id);
        return undefined;
      });
      if (accepted) await place(ctx, accepted);
    }),
  );
  // A polled item that cannot be rendered is asked for again, so its error stays visible until fixed.
  if (pollSourceOf(spawner)) addResend(state, failed);
}

/** The item rendered (with its context sources fetched), or undefined when it is a delivery seen before. */
async function accept(ctx: SpawnerContext, item: WorkItem): Promise<AcceptedItem | undefined> {
  if (item.deliveryId !== undefined && book.seenDelivery(ctx.state.book, item.deliveryKeys ?? deliveryKeys(item.deliveryId))) return undefined;
  const vars = renderableWebhookVars(templateVarsFor(ctx.spawner.spec.source as SourceKind, item.vars));
  const render = (context?: Record<string, string>) => renderSpawnedTask(ctx.spawner, withContext(ctx.spawner, vars, context), () => item.defaultTaskName ?? '');
  const sources = ctx.spawner.spec.taskTemplate.contextSources;
  if (!sources?.length) return { rendered: render(), item };
  // The name (dedup) never reads `.Context`; the prompt and the rest are rendered again with the fetched values.
  const { name } = render();
  const context = await fetchContextSources({ namespace: ctx.spawner.metadata.namespace, sources, vars });
  return { rendered: { ...render(context), name }, item };
}

/** Decides what an accepted item's Task is: a new one (running or waiting), a refresh, a re-run, or nothing. */
async function place(ctx: SpawnerContext, accepted: AcceptedItem): Promise<void> {
  const { rendered, item } = accepted;
  const entry = ctx.state.book.tasks[rendered.name];
  if (entry?.state === 'waiting') {
    // A polled item that changed while its Task waited: the Task will run with the newest data.
    if (item.deliveryId === undefined) await refreshWaitingTask(ctx.spawner, accepted, entry.since);
    return;
  }
  if (entry?.state === 'running') return;
  if (entry && !book.isRetrigger(entry, item.triggerTime)) return;
  await start(ctx, accepted, Boolean(entry));
}

async function start(ctx: SpawnerContext, accepted: AcceptedItem, replace: boolean): Promise<void> {
  const { state, spawner } = ctx;
  const { name } = accepted.rendered;
  // Runs at once only when nobody waits ahead of it; the slot is taken before the start is sent.
  const runNow = !spawner.spec.suspend && book.waitingCount(state.book) === 0 && book.hasFreeSlot(state.book, limits(ctx));
  let waitForSlot: { priority: number; seq: number } | undefined;
  if (runNow) book.markRunning(state.book, name, now(), accepted.item.id);
  else {
    const priority = priorityOf(accepted.item.labels, priorityLabels(spawner));
    book.addWaiting(state.book, name, now(), priority, accepted.item.id, limits(ctx));
    waitForSlot = { priority, seq: state.book.seq };
  }
  if (!runNow) ctx.starting.add(name);
  try {
    const outcome = await startSpawnedTask(spawner, accepted, { ...(waitForSlot ? { waitForSlot } : {}), ...(replace ? { replace } : {}) });
    ctx.starting.delete(name);
    if (outcome === 'exists') await alreadyExists(ctx, accepted, runNow);
  } catch (err) {
    ctx.starting.delete(name);
    undo(ctx, name, runNow);
    addError(state, `task ${name}: ${innermostMessage(err)}`);
  }
}

/**
 * A Task of that name exists that the book did not know (it forgot a finished one, or `kelos run` made it): the
 * item was handled — unless it carries a trigger newer than that Task's completion (asked of Temporal).
 */
async function alreadyExists(ctx: SpawnerContext, accepted: AcceptedItem, tookSlot: boolean): Promise<void> {
  const { name } = accepted.rendered;
  undo(ctx, name, tookSlot);
  if (!accepted.item.triggerTime) return;
  const found = (await reconcileTasks({ namespace: ctx.spawner.metadata.namespace, names: [name] }))[name];
  const finished = found?.phase === 'Succeeded' || found?.phase === 'Failed';
  if (finished && book.isRetrigger({ state: found.phase === 'Succeeded' ? 'succeeded' : 'failed', since: found.completionTime ?? '' }, accepted.item.triggerTime)) {
    await start(ctx, accepted, true);
  }
}

/** Takes back what `start` wrote in the book: the slot, or the waiting entry (or its count, if the window dropped it). */
function undo(ctx: SpawnerContext, name: string, tookSlot: boolean): void {
  if (tookSlot) book.releaseSlot(ctx.state.book, name);
  else if (!book.forget(ctx.state.book, name)) ctx.state.book.overflow = Math.max(0, ctx.state.book.overflow - 1);
}

/**
 * Grants free slots to waiting Tasks, best priority first. A grant that fails is checked with Temporal: a Task that
 * is gone (deleted, terminated) gives its slot to the next; one that still waits keeps its place.
 */
export async function grantSlots(ctx: SpawnerContext): Promise<void> {
  const grants: Promise<void>[] = [];
  for (let next = book.nextWaiting(ctx.state.book, ctx.starting); next && book.hasFreeSlot(ctx.state.book, limits(ctx)); next = book.nextWaiting(ctx.state.book, ctx.starting)) {
    const name = next;
    const entry = ctx.state.book.tasks[name];
    book.markRunning(ctx.state.book, name, now());
    grants.push(
      grantSlot(ctx.spawner.metadata.namespace, name).then(async (granted) => {
        if (granted) return;
        const task = (await reconcileTasks({ namespace: ctx.spawner.metadata.namespace, names: [name] }))[name];
        if (task?.phase === 'Waiting') book.backToWaiting(ctx.state.book, name, entry);
        else book.releaseSlot(ctx.state.book, name);
      }),
    );
  }
  await Promise.all(grants);
}

/** True when a slot can be granted now (the loop wakes up for it). */
export function canGrant(ctx: SpawnerContext): boolean {
  return !ctx.spawner.spec.suspend && book.nextWaiting(ctx.state.book, ctx.starting) !== undefined && book.hasFreeSlot(ctx.state.book, limits(ctx));
}

/**
 * Waiting Tasks the window could not name are listed again from Temporal once half the window is free; the list
 * is complete when it returns fewer than asked.
 */
export async function takeBackOverflow(ctx: SpawnerContext): Promise<void> {
  const b = ctx.state.book;
  const window = ctx.options.waitingWindow ?? book.WAITING_WINDOW;
  const named = book.count(b, 'waiting');
  if (!b.overflow || named > window / 2) return;
  const limit = window - named;
  const found = await findWaitingTasks({ namespace: ctx.spawner.metadata.namespace, spawner: ctx.spawner.metadata.name, exclude: book.waitingNames(b), limit });
  book.takeBackOverflow(b, found, found.length < limit);
}

/** Polled items that stopped matching: their waiting Tasks are withdrawn (Kelos would not have created them). */
export async function withdrawItems(ctx: SpawnerContext, itemIds: Set<string>, reason: string): Promise<void> {
  const names = book.waitingNames(ctx.state.book).filter((name) => itemIds.has(ctx.state.book.tasks[name].itemId ?? ''));
  for (const name of names) book.forget(ctx.state.book, name);
  await Promise.all(names.map((name) => withdrawWaitingTask(ctx.spawner.metadata.namespace, name, reason)));
}

/** A Task is gone (TTL or deleted): its name is free, and a polled item is asked for again (it may spawn anew). */
export function taskGone(ctx: SpawnerContext, name: string, itemId?: string): boolean {
  const entry = book.forget(ctx.state.book, name);
  const id = itemId ?? entry?.itemId;
  if (id !== undefined && pollSourceOf(ctx.spawner)) addResend(ctx.state, [id]);
  return entry !== undefined;
}

/** Catches what signals missed about running Tasks (one terminated, or deleted while the spawner was down). */
export async function reconcileRunning(ctx: SpawnerContext): Promise<void> {
  const names = book.runningNames(ctx.state.book);
  if (!names.length) return;
  const found = await reconcileTasks({ namespace: ctx.spawner.metadata.namespace, names });
  for (const name of names) {
    const task = found[name];
    if (!task) taskGone(ctx, name);
    else if (task.phase === 'Succeeded' || task.phase === 'Failed') book.markFinished(ctx.state.book, name, task.phase, task.completionTime ?? now());
  }
}

export function priorityLabels(spawner: TaskSpawnerResource): string[] {
  const when = spawner.spec.when;
  return when.githubIssues?.priorityLabels ?? when.githubPullRequests?.priorityLabels ?? [];
}

function priorityOf(labels: string[], priority: string[]): number {
  let best = priority.length;
  for (const label of labels) {
    const index = priority.indexOf(label);
    if (index >= 0 && index < best) best = index;
  }
  return best;
}
