/**
 * The spawner's durable state and the rules that change it: admit discovered items (render, dedup, queue),
 * pick the next item to start under maxConcurrency / maxTotalTasks, and track Tasks until they are gone.
 * Pure: the spawner workflow owns one instance and carries it across continue-as-new.
 */
import type { WorkItem } from '../../sources/work-item';
import type { RenderedTask } from '../render-task';

export interface QueuedItem {
  name: string;
  item: WorkItem;
  rendered: RenderedTask;
  /** Index of the best matching priority label; lower starts first. */
  priority: number;
  /** Arrival order, for FIFO within a priority. */
  seq: number;
  /** The item's previous Task finished before a newer trigger: delete it and run again. */
  retrigger?: boolean;
}

export type LedgerState = 'active' | 'succeeded' | 'failed';

/** A Task this spawner created (or found under its name); the item does not spawn again while the Task exists. */
export interface LedgerEntry {
  state: LedgerState;
  startedAt: string;
  completionTime?: string;
  /** The work item's ID, so a polled item can be asked for again once its Task is gone. */
  itemId?: string;
}

export interface SpawnerState {
  queue: QueuedItem[];
  ledger: Record<string, LedgerEntry>;
  /** Recent webhook delivery IDs, newest last; bounded. */
  seenDeliveries: string[];
  totalTasksCreated: number;
  totalDiscovered: number;
  lastDiscoveryTime?: string;
  /** Cron: ticks up to this time have been enqueued. */
  cronWatermark?: string;
  seq: number;
  /** Problems of the last discovery (render errors), shown in status. */
  discoveryErrors: string[];
  /** Polling sources: the cursor of the last poll (see src/sources/polling/poll.ts). */
  pollCursor?: string;
  /** Polled item IDs whose Tasks are gone: the next poll sends them again. */
  pollResend?: string[];
  /** Why the last poll failed (cleared by the next good one). */
  sourceError?: string;
  /** Accounting of the last successful poll. */
  lastPoll?: { time: string; requests: number; notModified: number; points: number; full: boolean };
}

export const MAX_SEEN_DELIVERIES = 10_000;

export function emptySpawnerState(): SpawnerState {
  return { queue: [], ledger: {}, seenDeliveries: [], totalTasksCreated: 0, totalDiscovered: 0, seq: 0, discoveryErrors: [] };
}

export interface AdmitResult {
  queued: number;
  duplicates: number;
  errors: string[];
  /** IDs of the items whose templates failed to render. */
  failedIds: string[];
}

/**
 * Renders each item and queues it unless its Task exists (Kelos: identity = Task name), it is already queued,
 * or its webhook delivery was seen. A finished Task whose item carries a newer trigger time is re-run.
 */
export function admitItems(
  state: SpawnerState,
  items: WorkItem[],
  render: (item: WorkItem) => RenderedTask,
  priorityLabels: string[] = [],
): AdmitResult {
  const result: AdmitResult = { queued: 0, duplicates: 0, errors: [], failedIds: [] };
  const queuedNames = new Set(state.queue.map((q) => q.name));
  const seen = new Set(state.seenDeliveries);
  for (const item of items) {
    if (item.deliveryId !== undefined) {
      if (seen.has(item.deliveryId)) {
        result.duplicates += 1;
        continue;
      }
      seen.add(item.deliveryId);
      state.seenDeliveries.push(item.deliveryId);
    }
    let rendered: RenderedTask;
    try {
      rendered = render(item);
    } catch (err) {
      result.errors.push(`item ${item.id}: ${(err as Error).message}`);
      result.failedIds.push(item.id);
      continue;
    }
    const existing = state.ledger[rendered.name];
    const retrigger = existing !== undefined && isRetrigger(existing, item.triggerTime);
    if (queuedNames.has(rendered.name)) {
      // Still waiting for a slot: the newer data wins (Kelos renders at creation time from the current item).
      const queued = state.queue.find((q) => q.name === rendered.name)!;
      if (item.deliveryId === undefined) Object.assign(queued, { item, rendered, priority: priorityOf(item.labels, priorityLabels) });
      result.duplicates += 1;
      continue;
    }
    if (existing && !retrigger) {
      result.duplicates += 1;
      continue;
    }
    state.seq += 1;
    state.queue.push({ name: rendered.name, item, rendered, priority: priorityOf(item.labels, priorityLabels), seq: state.seq, ...(retrigger ? { retrigger } : {}) });
    queuedNames.add(rendered.name);
    result.queued += 1;
  }
  if (state.seenDeliveries.length > MAX_SEEN_DELIVERIES) state.seenDeliveries.splice(0, state.seenDeliveries.length - MAX_SEEN_DELIVERIES);
  return result;
}

/** Kelos §7.2: only a trigger strictly newer than the finished Task's completion re-runs the item. */
export function isRetrigger(entry: LedgerEntry, triggerTime: string | undefined): boolean {
  if (entry.state === 'active' || !triggerTime || !entry.completionTime) return false;
  return Date.parse(triggerTime) > Date.parse(entry.completionTime);
}

function priorityOf(labels: string[], priorityLabels: string[]): number {
  let best = priorityLabels.length;
  for (const label of labels) {
    const index = priorityLabels.indexOf(label);
    if (index >= 0 && index < best) best = index;
  }
  return best;
}

export interface Limits {
  maxConcurrency?: number;
  maxTotalTasks?: number;
}

/** Called on every wake-up check and every start: a plain loop, no arrays of a ledger that can hold thousands. */
export function activeCount(state: SpawnerState): number {
  let count = 0;
  for (const name in state.ledger) if (state.ledger[name].state === 'active') count += 1;
  return count;
}

export function totalTasksReached(state: SpawnerState, limits: Limits): boolean {
  return Boolean(limits.maxTotalTasks && state.totalTasksCreated >= limits.maxTotalTasks);
}

/** Removes and returns the next item to start, or undefined when the queue is empty or a limit holds. */
export function takeNext(state: SpawnerState, limits: Limits): QueuedItem | undefined {
  if (!state.queue.length) return undefined;
  if (limits.maxConcurrency && activeCount(state) >= limits.maxConcurrency) return undefined;
  if (totalTasksReached(state, limits)) return undefined;
  let bestIndex = 0;
  for (let i = 1; i < state.queue.length; i += 1) {
    const candidate = state.queue[i];
    const best = state.queue[bestIndex];
    if (candidate.priority < best.priority || (candidate.priority === best.priority && candidate.seq < best.seq)) bestIndex = i;
  }
  return state.queue.splice(bestIndex, 1)[0];
}

/** Called before the child start is awaited, so the slot is taken even while the start is in flight. */
export function markStarted(state: SpawnerState, name: string, now: string, itemId?: string): void {
  state.ledger[name] = { state: 'active', startedAt: now, ...(itemId !== undefined ? { itemId } : {}) };
}

/** Polled items that stopped matching leave the queue (Kelos would not create them either). */
export function dropQueuedItems(state: SpawnerState, itemIds: Iterable<string>): number {
  const gone = new Set(itemIds);
  const before = state.queue.length;
  state.queue = state.queue.filter((queued) => !gone.has(queued.item.id));
  return before - state.queue.length;
}

export function markCreated(state: SpawnerState): void {
  state.totalTasksCreated += 1;
}

export function markFinished(state: SpawnerState, name: string, phase: 'Succeeded' | 'Failed', completionTime: string): boolean {
  const entry = state.ledger[name];
  if (!entry) return false;
  state.ledger[name] = { ...entry, state: phase === 'Succeeded' ? 'succeeded' : 'failed', completionTime };
  return true;
}

/** The Task is gone (TTL or deleted): its item may spawn again. */
export function forgetTask(state: SpawnerState, name: string): boolean {
  if (!(name in state.ledger)) return false;
  delete state.ledger[name];
  return true;
}
