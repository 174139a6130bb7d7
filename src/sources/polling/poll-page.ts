/**
 * Poll answers paged by bytes. Temporal refuses an activity result over 2 MiB, and the poll ledger is saved
 * before the answer goes back: an answer over the limit would fail, and every later poll would be a full
 * listing failing again. So an answer carries at most `budgetBytes` of `removed` ids and items (their JSON),
 * in that order: removed ids oldest first, then items in the source's order, up to the first that does not fit.
 * The rest waits for the next poll: the ledger commits only what was sent (poll-ledger.ts,
 * `commitPartialAnswer`) and the answer says `more`. An answer always carries at least one entry, so paging
 * always progresses: an item bigger than the whole budget travels alone, its text cut to fit (fit-work-item.ts).
 */
import type { WorkItem } from '../work-item';
import { jsonBytes } from '../../host/json-bytes';
import { fitWorkItem } from './fit-work-item';
import { commitPartialAnswer, ledgerCursor, type PollDelta, type PollLedger } from './poll-ledger';

/**
 * A quarter of Temporal's 2 MiB payload limit: room for the answer's other fields and an encryption codec's
 * overhead, and the spawner's history grows by at most this much per poll while it catches up.
 */
export const DEFAULT_POLL_ANSWER_BUDGET_BYTES = 512 * 1024;

export interface PollPage {
  /** The ledger to store: unsent entries may have moved to a newer cycle. */
  ledger: PollLedger;
  cursor: string;
  items: WorkItem[];
  removed: string[];
  /** Entries of the delta were left for the next poll. */
  more: boolean;
  /** Ids of items whose text was cut to fit. */
  truncated: string[];
}

/** The page of `delta` (for `cursor`) that fits `budgetBytes`; `sourceItems` are every matching item, in order. */
export function pageOfDelta(
  ledger: PollLedger,
  cursor: string | undefined,
  delta: PollDelta,
  sourceItems: readonly WorkItem[],
  budgetBytes: number,
): PollPage {
  const changed = sourceItems.filter((item) => delta.changedIds.has(item.id));
  let used = 4; // the brackets of both lists
  let count = 0;
  const fits = (bytes: number) => used + bytes <= budgetBytes;

  const removed: string[] = [];
  for (const id of delta.removedIds) {
    const bytes = jsonBytes(id) + 1; // its comma
    if (!fits(bytes) && count > 0) break;
    removed.push(id);
    used += bytes;
    count += 1;
  }
  const items: WorkItem[] = [];
  const truncated: string[] = [];
  if (removed.length === delta.removedIds.length) {
    for (const item of changed) {
      const bytes = jsonBytes(item) + 1;
      if (fits(bytes)) {
        items.push(item);
        used += bytes;
        count += 1;
        continue;
      }
      if (count > 0) break;
      // Alone and still too big: cut its text so that it fits, and send it alone.
      const fitted = fitWorkItem(item, budgetBytes - used - 1);
      items.push(fitted.item);
      if (fitted.truncated) truncated.push(item.id);
      count += 1;
      break;
    }
  }

  if (removed.length === delta.removedIds.length && items.length === changed.length) {
    return { ledger, cursor: ledgerCursor(ledger), items, removed, more: false, truncated };
  }
  const committed = commitPartialAnswer(ledger, cursor, delta, new Set(items.map((item) => item.id)), new Set(removed));
  return { ledger: committed.ledger, cursor: committed.cursor, items, removed, more: true, truncated };
}
