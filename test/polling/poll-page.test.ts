/**
 * Poll answers paged by bytes: a delta bigger than an answer may be arrives over several answers, each within
 * the budget, every item exactly once, the cursor moving only with what was answered; retries get the same page;
 * an item alone over the budget arrives cut, with the mark.
 */
import type { WorkItem } from '../../src/sources/work-item';
import { TRUNCATION_MARK_TEXT } from '../../src/common/text-truncation';
import { deltaSince, ledgerCursor, newPollLedger, recordPoll, type PollLedger } from '../../src/sources/polling/poll-ledger';
import { pageOfDelta, type PollPage } from '../../src/sources/polling/poll-page';
import { fingerprint } from '../../src/sources/polling/poll-state-store';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function item(id: string, body: string, extra: Record<string, unknown> = {}): WorkItem {
  return { id, vars: { ID: id, Title: `Item ${id}`, Body: body, Comments: '', ...extra }, labels: [] };
}

/** Many items of ~`size` bytes each, in the source's order. */
function items(count: number, size: number, prefix = ''): WorkItem[] {
  return Array.from({ length: count }, (_, i) => item(`${prefix}${i + 1}`, `${i}`.padEnd(size, 'x')));
}

/** What pollSource does: record this poll's items, page the delta for `cursor`, store the page's ledger. */
function poll(ledger: PollLedger, current: readonly WorkItem[], cursor: string | undefined, budget: number, resend: string[] = []): PollPage {
  const recorded = recordPoll(ledger, new Map(current.map((i) => [i.id, fingerprint(i)])));
  return pageOfDelta(recorded, cursor, deltaSince(recorded, cursor, resend), current, budget);
}

/** Polls until an answer says no more; returns every answer. */
function drain(start: PollLedger, current: readonly WorkItem[], cursor: string | undefined, budget: number, resend: string[] = []) {
  const pages: PollPage[] = [];
  let ledger = start;
  for (let n = 0; n < 1000; n += 1) {
    const page = poll(ledger, current, cursor, budget, n === 0 ? resend : []);
    pages.push(page);
    ledger = page.ledger;
    cursor = page.cursor;
    if (!page.more) return { pages, ledger, cursor };
  }
  throw new Error('paging did not end');
}

describe('poll answers paged by bytes', () => {
  const BUDGET = 10_000;

  test('a delta larger than the budget arrives over several answers, each within budget, every item exactly once, in the source order', () => {
    const current = items(40, 1_000);
    const { pages, ledger, cursor } = drain(newPollLedger('e1'), current, undefined, BUDGET);

    expect(pages.length).toBeGreaterThanOrEqual(4);
    for (const page of pages) expect(bytes(page.items) + bytes(page.removed)).toBeLessThanOrEqual(BUDGET);
    expect(pages.slice(0, -1).every((page) => page.more)).toBe(true);
    expect(pages[pages.length - 1].more).toBe(false);
    const sent = pages.flatMap((page) => page.items.map((i) => i.id));
    expect(sent).toEqual(current.map((i) => i.id)); // each once, in order
    expect(pages.flatMap((page) => page.items)).toEqual(current); // nothing cut
    // Then the next poll is empty.
    const idle = poll(ledger, current, cursor, BUDGET);
    expect(idle).toMatchObject({ items: [], removed: [], more: false, cursor });
  });

  test('the cursor moves only with what was answered: after each page the rest, and only the rest, is still owed', () => {
    const current = items(30, 1_000);
    let ledger = newPollLedger('e1');
    let cursor: string | undefined;
    const sent = new Set<string>();
    for (;;) {
      const page = poll(ledger, current, cursor, BUDGET);
      for (const i of page.items) sent.add(i.id);
      ledger = page.ledger;
      cursor = page.cursor;
      const owed = [...deltaSince(ledger, cursor).changedIds].sort();
      expect(owed).toEqual(current.map((i) => i.id).filter((id) => !sent.has(id)).sort());
      if (!page.more) break;
    }
    expect(sent.size).toBe(30);
  });

  test('a retry with the same cursor gets the same page and the same cursor, first page and later ones alike', () => {
    const current = items(30, 1_000);
    const first = poll(newPollLedger('e1'), current, undefined, BUDGET);
    // The answer was lost: the activity runs again with the stored ledger and the same (absent) cursor.
    const retried = poll(first.ledger, current, undefined, BUDGET);
    expect(retried).toEqual({ ...first, ledger: retried.ledger });
    expect(retried.ledger).toEqual(first.ledger);

    const second = poll(first.ledger, current, first.cursor, BUDGET);
    const secondAgain = poll(second.ledger, current, first.cursor, BUDGET);
    expect(secondAgain.items).toEqual(second.items);
    expect(secondAgain.cursor).toBe(second.cursor);
    expect(second.items[0].id).not.toBe(first.items[0].id);
  });

  test('a page only as big as what fits: an answer that fits is whole, with the ledger cursor as before', () => {
    const current = items(5, 100);
    const ledger = recordPoll(newPollLedger('e1'), new Map(current.map((i) => [i.id, fingerprint(i)])));
    const page = pageOfDelta(ledger, undefined, deltaSince(ledger, undefined), current, BUDGET);
    expect(page).toEqual({ ledger, cursor: ledgerCursor(ledger), items: current, removed: [], more: false, truncated: [] });
  });

  test('an item alone over the budget arrives alone, its long texts cut with the mark, and paging goes on past it', () => {
    const huge = item('big', 'B'.repeat(50_000), { Comments: 'C'.repeat(30_000) });
    const current = [item('a', 'small'), huge, item('c', 'small too')];
    const { pages } = drain(newPollLedger('e1'), current, undefined, BUDGET);

    expect(pages.map((page) => page.items.map((i) => i.id))).toEqual([['a'], ['big'], ['c']]);
    const [cut] = pages[1].items;
    expect(pages[1].truncated).toEqual(['big']);
    expect(bytes(pages[1].items)).toBeLessThanOrEqual(BUDGET);
    expect(cut.vars.Body).toMatch(/^B+\n\n\[… truncated by kelos: \d+ more bytes\]$/);
    const bodyCut = Number(/(\d+) more bytes/.exec(cut.vars.Body as string)![1]);
    expect((cut.vars.Body as string).split('\n\n')[0].length + bodyCut).toBe(50_000);
    // Body and comments are cut to the same size, so both keep their beginning.
    expect(cut.vars.Comments).toMatch(/^C{1000,}\n\n\[… truncated by kelos: \d+ more bytes\]$/);
    expect(Math.abs(bytes(cut.vars.Body) - bytes(cut.vars.Comments))).toBeLessThanOrEqual(2);
    // The other fields are whole.
    expect(cut.vars.Title).toBe('Item big');
    expect(cut.id).toBe('big');
    expect(pages[0].truncated).toEqual([]);
  });

  test('multi-byte text is cut between characters and the cut item survives JSON', () => {
    const emoji = item('e', '😀'.repeat(20_000));
    const { pages } = drain(newPollLedger('e1'), [emoji], undefined, BUDGET);
    const [cut] = pages[0].items;
    expect(cut.vars.Body).toContain(TRUNCATION_MARK_TEXT);
    expect(JSON.parse(JSON.stringify(cut))).toEqual(cut);
    expect((cut.vars.Body as string).split('\n\n')[0]).toMatch(/^(😀)+$/u);
    expect(bytes([cut])).toBeLessThanOrEqual(BUDGET);
  });

  test('removed ids are paged with the items (oldest first), each exactly once', () => {
    const many = items(3_000, 1, 'gone-');
    let ledger = recordPoll(newPollLedger('e1'), new Map(many.map((i) => [i.id, fingerprint(i)])));
    const cursor = ledgerCursor(ledger);
    const kept = items(20, 1_000);
    const { pages } = drain(ledger, kept, cursor, BUDGET);

    expect(pages.length).toBeGreaterThanOrEqual(5);
    for (const page of pages) expect(bytes(page.items) + bytes(page.removed)).toBeLessThanOrEqual(BUDGET);
    const removed = pages.flatMap((page) => page.removed);
    expect(removed.length).toBe(3_000);
    expect(new Set(removed)).toEqual(new Set(many.map((i) => i.id)));
    expect(pages.flatMap((page) => page.items.map((i) => i.id))).toEqual(kept.map((i) => i.id));
  });

  test('changes between pages: a sent item that changes comes again, an unsent one that stops matching comes as removed', () => {
    const current = items(30, 1_000);
    const first = poll(newPollLedger('e1'), current, undefined, BUDGET);
    const sentFirst = first.items.map((i) => i.id);
    const changedSent = { ...current[0], vars: { ...current[0].vars, Title: 'edited' } };
    const lastId = current[current.length - 1].id;
    const next = [changedSent, ...current.slice(1, -1)];
    const { pages } = drain(first.ledger, next, first.cursor, BUDGET);

    const later = pages.flatMap((page) => page.items.map((i) => i.id));
    expect(later.filter((id) => id === current[0].id)).toHaveLength(1);
    expect(pages.flatMap((page) => page.items).find((i) => i.id === current[0].id)!.vars.Title).toBe('edited');
    expect(new Set([...sentFirst, ...later])).toEqual(new Set(next.map((i) => i.id)));
    expect(later.filter((id) => sentFirst.includes(id) && id !== current[0].id)).toEqual([]);
    expect(pages.flatMap((page) => page.removed)).toEqual([lastId]);
  });

  test('resend of more unchanged items than fit is delivered over the pages too', () => {
    const current = items(30, 1_000);
    const whole = drain(newPollLedger('e1'), current, undefined, BUDGET);
    const ids = current.map((i) => i.id);
    const again = drain(whole.ledger, current, whole.cursor, BUDGET, ids);
    expect(again.pages.length).toBeGreaterThan(1);
    expect(again.pages.flatMap((page) => page.items.map((i) => i.id))).toEqual(ids);
  });

  test('a paged full listing: only its first answer is full, and its cursor is honoured even after removals were pruned', () => {
    // Items unchanged since cycle 1 while other items came and went for longer than removals are remembered.
    const current = items(30, 1_000);
    const withChurn = (n: number) => new Map([...current.map((i): [string, string] => [i.id, fingerprint(i)]), [`churn-${n}`, 'a']]);
    let ledger = recordPoll(newPollLedger('e1'), withChurn(0));
    for (let n = 1; n <= 1_002; n += 1) ledger = recordPoll(ledger, withChurn(n));
    expect(ledger.prunedBefore).toBeGreaterThan(2);

    const first = poll(ledger, current, 'another-epoch:3', BUDGET);
    expect(first.more).toBe(true);
    expect(deltaSince(first.ledger, first.cursor).full).toBe(false);
    const rest = drain(first.ledger, current, first.cursor, BUDGET);
    expect(rest.pages.every((page) => !deltaSince(page.ledger, page.cursor).full)).toBe(true);
    expect([...first.items, ...rest.pages.flatMap((page) => page.items)].map((i) => i.id)).toEqual(current.map((i) => i.id));
  });
});
