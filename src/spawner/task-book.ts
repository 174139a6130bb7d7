/**
 * The spawner's book of its Tasks: which wait for a slot, which run, which finished lately, and the deliveries it
 * has seen. A queued item is a Task workflow of its own (phase Waiting, its whole input in its own history), so the
 * book holds only names, and every part of it has a bound in entries — so the state a spawner carries across
 * continue-as-new stays small however much arrives and however long it runs:
 *
 * | part                      | bound                     | beyond the bound                                        |
 * |---------------------------|---------------------------|---------------------------------------------------------|
 * | running Tasks             | MAX_RUNNING (1,000)       | a spawner never runs more at once; the rest wait        |
 * | waiting Tasks named here  | WAITING_WINDOW (1,000)    | counted in `overflow`, listed again from Temporal       |
 * | finished Tasks remembered | FINISHED_WINDOW (1,000)+100 | forgotten, oldest first; Temporal's workflow IDs dedup  |
 * | delivery keys             | DELIVERY_WINDOW (4,096)   | forgotten, oldest first                                 |
 *
 * On top of the counts, the spawner state's bytes are held to STATE_BUDGET_BYTES before every continue-as-new
 * (spawner-state.ts `fitToBudget`), whatever the names' lengths. Pure: no I/O, no clock (times come in as arguments).
 */

export type TaskState = 'waiting' | 'running' | 'succeeded' | 'failed';

export interface TaskEntry {
  state: TaskState;
  /** When it entered this state (RFC3339). */
  since: string;
  /** The work item's ID, so a polled item can be asked for again once its Task is gone. */
  itemId?: string;
  /** Waiting Tasks: index of the best matching priority label (lower first), then arrival order. */
  priority?: number;
  seq?: number;
}

export interface TaskBook {
  tasks: Record<string, TaskEntry>;
  /** Waiting Tasks that exist in Temporal but are not named here (the window was full). */
  overflow: number;
  /** Arrival counter for FIFO order within a priority. */
  seq: number;
  /** Tasks given a slot so far (the status's totalTasksCreated; maxTotalTasks counts these). */
  granted: number;
  /** Recent delivery keys (hashes of delivery IDs and of signed bodies), oldest first. */
  deliveries: string[];
}

export const MAX_RUNNING = 1_000;
export const WAITING_WINDOW = 1_000;
export const FINISHED_WINDOW = 1_000;
/** Finished entries are pruned back to the window once it is exceeded by this many (pruning sorts them). */
const PRUNE_SLACK = 100;
export const DELIVERY_WINDOW = 4_096;
/** What a spawner's state may take in a continue-as-new input (2 MiB in all, with the manifest of at most 256 KiB). */
export const STATE_BUDGET_BYTES = 1024 * 1024;

export interface BookLimits {
  maxConcurrency?: number;
  maxTotalTasks?: number;
  /** Tests shrink the window to see overflow work. */
  waitingWindow?: number;
}

export function emptyTaskBook(): TaskBook {
  return { tasks: {}, overflow: 0, seq: 0, granted: 0, deliveries: [] };
}

/** How many Tasks may run at once: maxConcurrency, never more than MAX_RUNNING. */
export function runningLimit(limits: BookLimits): number {
  return Math.min(limits.maxConcurrency || MAX_RUNNING, MAX_RUNNING);
}

export function count(book: TaskBook, state: TaskState): number {
  let n = 0;
  for (const name in book.tasks) if (book.tasks[name].state === state) n += 1;
  return n;
}

export function waitingCount(book: TaskBook): number {
  return count(book, 'waiting') + book.overflow;
}

/** When the longest-waiting Task it names began to wait (Tasks in `overflow` are not named, so not seen). */
export function oldestWaitingSince(book: TaskBook): string | undefined {
  let oldest: string | undefined;
  for (const name in book.tasks) {
    const entry = book.tasks[name];
    if (entry.state === 'waiting' && (oldest === undefined || entry.since < oldest)) oldest = entry.since;
  }
  return oldest;
}

export function totalReached(book: TaskBook, limits: BookLimits): boolean {
  return Boolean(limits.maxTotalTasks && book.granted >= limits.maxTotalTasks);
}

/** The one check of the limits: may one more Task get a slot now? */
export function hasFreeSlot(book: TaskBook, limits: BookLimits): boolean {
  return count(book, 'running') < runningLimit(limits) && !totalReached(book, limits);
}

/** The waiting Task to grant a slot next: best priority, then the oldest (`skip`: Tasks whose start is in flight). */
export function nextWaiting(book: TaskBook, skip?: ReadonlySet<string>): string | undefined {
  let best: [string, TaskEntry] | undefined;
  for (const name in book.tasks) {
    const entry = book.tasks[name];
    if (entry.state !== 'waiting' || skip?.has(name)) continue;
    if (!best || before(entry, best[1])) best = [name, entry];
  }
  return best?.[0];
}

function before(a: TaskEntry, b: TaskEntry): boolean {
  const pa = a.priority ?? 0;
  const pb = b.priority ?? 0;
  return pa < pb || (pa === pb && (a.seq ?? 0) < (b.seq ?? 0));
}

/** A Task workflow now waits for a slot. Past the window the worst waiting entry becomes overflow. */
export function addWaiting(book: TaskBook, name: string, now: string, priority: number, itemId: string | undefined, limits: BookLimits = {}): void {
  book.seq += 1;
  book.tasks[name] = { state: 'waiting', since: now, priority, seq: book.seq, ...(itemId !== undefined ? { itemId } : {}) };
  const window = limits.waitingWindow ?? WAITING_WINDOW;
  if (count(book, 'waiting') > window) {
    let worst: [string, TaskEntry] | undefined;
    for (const n in book.tasks) {
      const entry = book.tasks[n];
      if (entry.state === 'waiting' && (!worst || before(worst[1], entry))) worst = [n, entry];
    }
    delete book.tasks[worst![0]];
    book.overflow += 1;
  }
}

/** Waiting Tasks found again in Temporal take their place in the window (their own priority and order). */
export function takeBackOverflow(book: TaskBook, found: { name: string; priority: number; seq: number; since: string; itemId?: string }[], complete: boolean): void {
  for (const task of found) {
    if (book.tasks[task.name]) continue;
    book.tasks[task.name] = { state: 'waiting', since: task.since, priority: task.priority, seq: task.seq, ...(task.itemId !== undefined ? { itemId: task.itemId } : {}) };
    book.overflow = Math.max(0, book.overflow - 1);
  }
  // Everything that waits was listed: whatever the count still says left on its own (deleted, cancelled).
  if (complete) book.overflow = 0;
}

/** A Task takes a slot (called before its start or grant is sent, so the slot is held meanwhile). */
export function markRunning(book: TaskBook, name: string, now: string, itemId?: string): void {
  const previous = book.tasks[name];
  const id = itemId ?? previous?.itemId;
  book.tasks[name] = { state: 'running', since: now, ...(id !== undefined ? { itemId: id } : {}) };
  book.granted += 1;
}

/** A grant that did not reach a Task which still exists: it waits again, in its old place. */
export function backToWaiting(book: TaskBook, name: string, entry: TaskEntry): void {
  if (book.tasks[name]?.state === 'running') book.granted = Math.max(0, book.granted - 1);
  book.tasks[name] = entry;
}

/** The slot was not taken after all (the Task was gone, or its start failed). */
export function releaseSlot(book: TaskBook, name: string): void {
  if (book.tasks[name]?.state === 'running') book.granted = Math.max(0, book.granted - 1);
  delete book.tasks[name];
}

export function markFinished(book: TaskBook, name: string, phase: 'Succeeded' | 'Failed', completionTime: string): boolean {
  const entry = book.tasks[name];
  if (!entry) return false;
  book.tasks[name] = { state: phase === 'Succeeded' ? 'succeeded' : 'failed', since: completionTime, ...(entry.itemId !== undefined ? { itemId: entry.itemId } : {}) };
  pruneFinished(book);
  return true;
}

/** The Task is gone (TTL, deletion, withdrawn): its name is free again. Returns its entry, if any. */
export function forget(book: TaskBook, name: string): TaskEntry | undefined {
  const entry = book.tasks[name];
  delete book.tasks[name];
  return entry;
}

/** Kelos §7.2: only a trigger strictly newer than the finished Task's completion re-runs the item. */
export function isRetrigger(entry: Pick<TaskEntry, 'state' | 'since'>, triggerTime: string | undefined): boolean {
  if ((entry.state !== 'succeeded' && entry.state !== 'failed') || !triggerTime) return false;
  return Date.parse(triggerTime) > Date.parse(entry.since);
}

function pruneFinished(book: TaskBook): void {
  if (Object.keys(book.tasks).length <= FINISHED_WINDOW + PRUNE_SLACK) return; // cheap: nothing to prune yet
  if (count(book, 'succeeded') + count(book, 'failed') <= FINISHED_WINDOW + PRUNE_SLACK) return;
  dropOldestFinished(book, FINISHED_WINDOW);
}

/** Keeps the `keep` most recently finished Tasks. */
export function dropOldestFinished(book: TaskBook, keep: number): void {
  const finished = Object.entries(book.tasks).filter(([, e]) => e.state === 'succeeded' || e.state === 'failed');
  if (finished.length <= keep) return;
  finished.sort(([, a], [, b]) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0));
  for (const [name] of finished.slice(0, finished.length - keep)) delete book.tasks[name];
}

/** Moves the worst-placed waiting Tasks beyond `keep` to overflow (they are listed again from Temporal later). */
export function dropWorstWaiting(book: TaskBook, keep: number): void {
  const waiting = Object.entries(book.tasks).filter(([, e]) => e.state === 'waiting');
  if (waiting.length <= keep) return;
  waiting.sort(([, a], [, b]) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  for (const [name] of waiting.slice(keep)) {
    delete book.tasks[name];
    book.overflow += 1;
  }
}

export function alreadySeen(book: TaskBook, keys: string[]): boolean {
  return keys.some((key) => book.deliveries.includes(key));
}

/** True when any of `keys` was seen; otherwise remembers them all (bounded, oldest forgotten first). */
export function seenDelivery(book: TaskBook, keys: string[]): boolean {
  if (keys.some((key) => book.deliveries.includes(key))) return true;
  book.deliveries.push(...keys);
  if (book.deliveries.length > DELIVERY_WINDOW) book.deliveries.splice(0, book.deliveries.length - DELIVERY_WINDOW);
  return false;
}

/** The running Tasks' names (reconcile checks them against Temporal). */
export function runningNames(book: TaskBook): string[] {
  return Object.keys(book.tasks).filter((name) => book.tasks[name].state === 'running');
}

export function waitingNames(book: TaskBook): string[] {
  return Object.keys(book.tasks).filter((name) => book.tasks[name].state === 'waiting');
}
