/**
 * What a spawner carries from one run to the next (continue-as-new), how it starts, and how a run of the first
 * implementation's state (legacy-spawner-state.ts) is taken over. Every part has a bound (see task-book.ts and
 * the caps below), so the whole stays well under the 2 MiB a continue-as-new input may hold.
 */
import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex } from '@noble/hashes/utils';
import type { WebhookDelivery } from '../sources/webhooks';
import { STATE_BUDGET_BYTES, count, dropOldestFinished, dropWorstWaiting, emptyTaskBook, markFinished, markRunning, type TaskBook } from './task-book';
import type { SpawnerState as LegacySpawnerState } from './legacy/legacy-spawner-state';
import { utf8Length } from '../go';

export interface SpawnerState {
  version: 2;
  book: TaskBook;
  /** Items seen in the last discovery (poll cycle, cron ticks, or webhook batch). */
  totalDiscovered: number;
  lastDiscoveryTime?: string;
  /** Cron: ticks up to this time have been taken in. */
  cronWatermark?: string;
  /** Problems of recent discoveries (render errors, failed starts), shown in status: at most MAX_ERRORS. */
  discoveryErrors: string[];
  /** Polling sources: the cursor of the last poll (see src/sources/polling/poll.ts). */
  pollCursor?: string;
  /** The queue of the worker holding this spawner's polling state (src/sources/polling/poll.ts), from the last answer. */
  pollQueue?: string;
  /** Polled item IDs to send again (their Tasks are gone, or their templates failed): at most MAX_RESEND. */
  pollResend?: string[];
  /** Why the last poll failed (cleared by the next good one). */
  sourceError?: string;
  /** Accounting of the last successful poll. */
  lastPoll?: { time: string; requests: number; notModified: number; points: number; full: boolean; queue?: string };
}

export interface SpawnerOptions {
  /** Continue-as-new after this many history events (default 2,000; tests set fewer). */
  continueAsNewAfterEvents?: number;
  /** How often running Tasks are checked against Temporal (missed signals, terminations). */
  reconcileIntervalMs?: number;
  /** Waiting Tasks named in the state (default WAITING_WINDOW); tests shrink it. */
  waitingWindow?: number;
  /** How long a poll waits for the worker holding the polling state before another worker takes it (default 1 minute). */
  ownWorkerPickupMs?: number;
}

/** Input: a TaskSpawner manifest as JSON (what `temporal workflow start --input-file` passes), or carried state. */
export type SpawnerInput = Record<string, unknown> | ContinuedSpawnerInput;

export interface ContinuedSpawnerInput {
  manifest: Record<string, unknown>;
  /** This implementation's state, or a run of the first one's (converted when the run starts). */
  state?: SpawnerState | LegacySpawnerState;
  options?: SpawnerOptions;
  /** Deliveries that arrived while the last run wound down (src/spawner/delivery-carry.ts), handled first. */
  deliveries?: WebhookDelivery[];
}

export const MAX_ERRORS = 10;
export const MAX_ERROR_CHARS = 500;
export const MAX_RESEND = 1_000;

export function emptySpawnerState(): SpawnerState {
  return { version: 2, book: emptyTaskBook(), totalDiscovered: 0, discoveryErrors: [] };
}

export function isContinued(input: SpawnerInput): input is ContinuedSpawnerInput {
  return typeof input === 'object' && input !== null && 'manifest' in input && !('kind' in input);
}

export function isLegacyState(state: SpawnerState | LegacySpawnerState): state is LegacySpawnerState {
  return !('version' in state) && 'queue' in state && 'ledger' in state;
}

/** Adds an error for the status; the list and each message stay within their caps. */
export function addError(state: SpawnerState, message: string): void {
  const text = message.length > MAX_ERROR_CHARS ? `${message.slice(0, MAX_ERROR_CHARS - 1)}…` : message;
  state.discoveryErrors = [...state.discoveryErrors, text].slice(-MAX_ERRORS);
}

/** Item IDs for the next poll to send again, deduplicated, the newest MAX_RESEND kept. */
export function addResend(state: SpawnerState, itemIds: string[]): void {
  if (!itemIds.length) return;
  state.pollResend = [...new Set([...(state.pollResend ?? []), ...itemIds])].slice(-MAX_RESEND);
}

/**
 * Holds the state to its byte budget before it is carried into the next run: what is cheapest to lose goes first —
 * finished Tasks the book remembers (Temporal's workflow IDs still refuse their names), then waiting Tasks' names
 * (they stay in Temporal and are listed again), then the oldest delivery keys. Running Tasks are never dropped
 * (at most MAX_RUNNING). Returns the bytes it now takes.
 */
export function fitToBudget(state: SpawnerState, budgetBytes: number = STATE_BUDGET_BYTES): number {
  const size = () => utf8Length(JSON.stringify(state));
  let bytes = size();
  const shrinkers = [
    () => dropOldestFinished(state.book, Math.floor((count(state.book, 'succeeded') + count(state.book, 'failed')) / 2)),
    () => dropWorstWaiting(state.book, Math.floor(count(state.book, 'waiting') / 2)),
    () => state.book.deliveries.splice(0, Math.ceil(state.book.deliveries.length / 2)),
    () => void (state.pollResend = state.pollResend?.slice(-Math.floor(state.pollResend.length / 2))),
  ];
  for (const shrink of shrinkers) {
    for (let round = 0; bytes > budgetBytes && round < 12; round += 1) {
      const before = bytes;
      shrink();
      bytes = size();
      if (bytes === before) break;
    }
  }
  return bytes;
}

/**
 * Fixed-size keys for delivery dedup: a hash of the delivery ID and, when the bridge sent one, of the signed body,
 * so a replayed body under a new (unsigned) delivery header is caught too. 80 bits each: collisions are not a concern.
 */
export function deliveryKeys(deliveryId: string, bodySha256?: string): string[] {
  return [`d${bytesToHex(sha256(deliveryId)).slice(0, 20)}`, ...(bodySha256 ? [`b${bodySha256.slice(0, 20)}`] : [])];
}

/**
 * The first implementation's state, as this one keeps it: its Tasks (running or finished) in the book, its seen
 * delivery IDs as keys; its queued items must already have become waiting Tasks (`waiting`), whose names join the
 * book in their order.
 */
export function currentStateFromLegacy(legacy: LegacySpawnerState, waiting: { name: string; priority: number; itemId?: string }[], now: string): SpawnerState {
  const book = emptyTaskBook();
  for (const [name, entry] of Object.entries(legacy.ledger)) {
    markRunning(book, name, entry.startedAt, entry.itemId);
    if (entry.state !== 'active') markFinished(book, name, entry.state === 'succeeded' ? 'Succeeded' : 'Failed', entry.completionTime ?? entry.startedAt);
  }
  book.granted = legacy.totalTasksCreated;
  for (const task of waiting) {
    book.seq += 1;
    book.tasks[task.name] = { state: 'waiting', since: now, priority: task.priority, seq: book.seq, ...(task.itemId !== undefined ? { itemId: task.itemId } : {}) };
  }
  book.deliveries = legacy.seenDeliveries.slice(-2_000).flatMap((id) => deliveryKeys(id)).slice(-4_096);
  const state: SpawnerState = {
    version: 2,
    book,
    totalDiscovered: legacy.totalDiscovered,
    discoveryErrors: [],
    ...(legacy.lastDiscoveryTime ? { lastDiscoveryTime: legacy.lastDiscoveryTime } : {}),
    ...(legacy.cronWatermark ? { cronWatermark: legacy.cronWatermark } : {}),
    ...(legacy.pollCursor ? { pollCursor: legacy.pollCursor } : {}),
    ...(legacy.sourceError ? { sourceError: legacy.sourceError.slice(0, MAX_ERROR_CHARS) } : {}),
    ...(legacy.lastPoll ? { lastPoll: legacy.lastPoll } : {}),
  };
  for (const error of legacy.discoveryErrors) addError(state, error);
  addResend(state, legacy.pollResend ?? []);
  return state;
}
