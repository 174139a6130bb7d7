/**
 * What a polling source last told its spawner, so each poll returns only the difference: items that are new or
 * changed since the spawner's cursor, and ids that stopped matching. A repository with 500 matching issues then
 * costs the spawner's history a few bytes per idle poll instead of 500 items.
 *
 * The cursor is `<epoch>:<cycle>`: its holder has seen every item as of the cycle it last changed in, up to and
 * including `cycle`, and every removal up to it. A retried activity repeats the same cursor and gets the same
 * answer; a cursor the ledger cannot vouch for (other epoch: the ledger was lost or reset, or older than what was
 * pruned) gets the full list, which the spawner deduplicates anyway. Nothing is lost either way, only bytes are saved.
 *
 * An answer too big for one Temporal payload carries only part of the delta (src/sources/polling/poll-page.ts).
 * Its cursor then moves only as far as what was sent: `commitPartialAnswer` returns the highest cycle among the
 * sent entries, and first moves every unsent entry of that cycle or older to a new cycle, so the cursor's
 * promise ("everything up to here") holds and the next poll answers exactly the rest. Moving an entry to a newer
 * cycle can only make older cursors see it again, never hide it.
 */

export interface PollLedger {
  /** Random per ledger lifetime; a new ledger never honours an old cursor. */
  epoch: string;
  cycle: number;
  /** Matching items: content fingerprint and the cycle it last changed in. */
  items: Record<string, { fingerprint: string; changedAt: number }>;
  /** Ids that stopped matching, and when. */
  removed: Record<string, number>;
  /** Removals before this cycle were forgotten: older cursors get the full list. */
  prunedBefore: number;
}

/** Removals are remembered for this many cycles. */
const REMOVED_RETENTION_CYCLES = 1000;

export function newPollLedger(epoch: string): PollLedger {
  return { epoch, cycle: 0, items: {}, removed: {}, prunedBefore: 0 };
}

export function ledgerCursor(ledger: PollLedger): string {
  return `${ledger.epoch}:${ledger.cycle}`;
}

/** Records this poll's matching items (id → fingerprint); the cycle advances only when something changed. */
export function recordPoll(ledger: PollLedger, current: ReadonlyMap<string, string>): PollLedger {
  const next = ledger.cycle + 1;
  const items: PollLedger['items'] = {};
  const removed = { ...ledger.removed };
  let changed = false;
  for (const [id, fingerprint] of current) {
    const before = ledger.items[id];
    if (before && before.fingerprint === fingerprint) {
      items[id] = before;
    } else {
      items[id] = { fingerprint, changedAt: next };
      delete removed[id];
      changed = true;
    }
  }
  for (const id of Object.keys(ledger.items)) {
    if (!current.has(id)) {
      removed[id] = next;
      changed = true;
    }
  }
  if (!changed) return ledger;
  let prunedBefore = ledger.prunedBefore;
  for (const [id, at] of Object.entries(removed)) {
    if (at <= next - REMOVED_RETENTION_CYCLES) {
      delete removed[id];
      prunedBefore = Math.max(prunedBefore, at + 1);
    }
  }
  return { epoch: ledger.epoch, cycle: next, items, removed, prunedBefore };
}

export interface PollDelta {
  /** The cursor did not apply: `changedIds` lists every matching item. */
  full: boolean;
  /** Matching items to send, in no particular order (the caller keeps its source's order). */
  changedIds: Set<string>;
  removedIds: string[];
}

/** What the holder of `cursor` has not seen, plus the ids it asked to be sent again. */
export function deltaSince(ledger: PollLedger, cursor: string | undefined, resend: readonly string[] = []): PollDelta {
  const since = parseCursor(cursor, ledger);
  if (since === undefined) return { full: true, changedIds: new Set(Object.keys(ledger.items)), removedIds: [] };
  const changedIds = new Set<string>();
  for (const [id, entry] of Object.entries(ledger.items)) if (entry.changedAt > since) changedIds.add(id);
  for (const id of resend) if (ledger.items[id]) changedIds.add(id);
  // Oldest removal first, then by id: the same ledger always lists them in the same order (pages cut this list).
  const removedIds = Object.entries(ledger.removed)
    .filter(([, at]) => at > since)
    .sort(([a, atA], [b, atB]) => atA - atB || (a < b ? -1 : a > b ? 1 : 0))
    .map(([id]) => id);
  return { full: false, changedIds, removedIds };
}

/**
 * The ledger and cursor after an answer that sent only `sentIds` and `sentRemoved` out of `delta` (the delta for
 * `cursor`). The new cursor is the newest cycle among what was sent (never older than `cursor`'s); unsent entries
 * at or below it move to a new cycle, so the next poll with that cursor answers them. A retry with the old cursor
 * finds the same delta and, with the same page, needs no move: it gets the same cursor.
 */
export function commitPartialAnswer(
  ledger: PollLedger,
  cursor: string | undefined,
  delta: PollDelta,
  sentIds: ReadonlySet<string>,
  sentRemoved: ReadonlySet<string>,
): { ledger: PollLedger; cursor: string } {
  // A full answer's cursor must still be one the ledger honours (not below what was pruned).
  let cursorCycle = parseCursor(cursor, ledger) ?? Math.max(0, ledger.prunedBefore - 1);
  for (const id of sentIds) cursorCycle = Math.max(cursorCycle, ledger.items[id]?.changedAt ?? 0);
  for (const id of sentRemoved) cursorCycle = Math.max(cursorCycle, ledger.removed[id] ?? 0);
  const next = ledger.cycle + 1;
  let moved = false;
  const items = { ...ledger.items };
  for (const id of delta.changedIds) {
    const entry = items[id];
    if (!sentIds.has(id) && entry && entry.changedAt <= cursorCycle) {
      items[id] = { ...entry, changedAt: next };
      moved = true;
    }
  }
  const removed = { ...ledger.removed };
  for (const id of delta.removedIds) {
    if (!sentRemoved.has(id) && removed[id] !== undefined && removed[id] <= cursorCycle) {
      removed[id] = next;
      moved = true;
    }
  }
  const after = moved ? { ...ledger, cycle: next, items, removed } : ledger;
  return { ledger: after, cursor: `${ledger.epoch}:${cursorCycle}` };
}

function parseCursor(cursor: string | undefined, ledger: PollLedger): number | undefined {
  if (!cursor) return undefined;
  const colon = cursor.lastIndexOf(':');
  if (cursor.slice(0, colon) !== ledger.epoch) return undefined;
  const cycle = Number(cursor.slice(colon + 1));
  if (!Number.isInteger(cycle) || cycle > ledger.cycle || cycle < ledger.prunedBefore - 1) return undefined;
  return cycle;
}
