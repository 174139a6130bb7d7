import { deltaSince, ledgerCursor, newPollLedger, recordPoll } from '../../src/sources/polling/poll-ledger';

const poll = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('poll ledger: the spawner gets only what changed since its cursor', () => {
  test('a first poll (no cursor) sends every matching item', () => {
    const ledger = recordPoll(newPollLedger('e1'), poll({ '1': 'a', '2': 'b' }));
    expect(deltaSince(ledger, undefined)).toEqual({ full: true, changedIds: new Set(['1', '2']), removedIds: [] });
  });

  test('an unchanged poll keeps the cycle, so the cursor stays valid and the delta is empty', () => {
    const first = recordPoll(newPollLedger('e1'), poll({ '1': 'a', '2': 'b' }));
    const cursor = ledgerCursor(first);
    const second = recordPoll(first, poll({ '1': 'a', '2': 'b' }));
    expect(second).toBe(first);
    expect(deltaSince(second, cursor)).toEqual({ full: false, changedIds: new Set(), removedIds: [] });
  });

  test('changed, new and removed items since the cursor', () => {
    const first = recordPoll(newPollLedger('e1'), poll({ '1': 'a', '2': 'b', '3': 'c' }));
    const cursor = ledgerCursor(first);
    const second = recordPoll(first, poll({ '1': 'a', '2': 'B', '4': 'd' }));
    const delta = deltaSince(second, cursor);
    expect(delta.full).toBe(false);
    expect([...delta.changedIds].sort()).toEqual(['2', '4']);
    expect(delta.removedIds).toEqual(['3']);
  });

  test('a retried poll with the same cursor gets the same changes even when it saw nothing new', () => {
    const first = recordPoll(newPollLedger('e1'), poll({ '1': 'a' }));
    const cursor = ledgerCursor(first);
    const second = recordPoll(first, poll({ '1': 'a', '2': 'b' }));
    const retried = recordPoll(second, poll({ '1': 'a', '2': 'b' }));
    expect([...deltaSince(retried, cursor).changedIds]).toEqual(['2']);
  });

  test('resend asks for unchanged items again (their Tasks were deleted); unknown ids are ignored', () => {
    const ledger = recordPoll(newPollLedger('e1'), poll({ '1': 'a', '2': 'b' }));
    expect([...deltaSince(ledger, ledgerCursor(ledger), ['2', '9']).changedIds]).toEqual(['2']);
  });

  test('a cursor from another ledger (lost state, new configuration) or from the future gets the full list', () => {
    const ledger = recordPoll(newPollLedger('e2'), poll({ '1': 'a' }));
    expect(deltaSince(ledger, 'e1:1').full).toBe(true);
    expect(deltaSince(ledger, 'e2:7').full).toBe(true);
    expect(deltaSince(ledger, 'garbage').full).toBe(true);
  });

  test('an item that comes back after removal counts as changed and is no longer listed as removed', () => {
    const first = recordPoll(newPollLedger('e1'), poll({ '1': 'a' }));
    const removed = recordPoll(first, poll({}));
    const cursor = ledgerCursor(removed);
    const back = recordPoll(removed, poll({ '1': 'a' }));
    expect(deltaSince(back, cursor)).toEqual({ full: false, changedIds: new Set(['1']), removedIds: [] });
  });

  test('removals older than the retention are forgotten and older cursors get the full list', () => {
    let ledger = recordPoll(newPollLedger('e1'), poll({ x: '0' }));
    const ancient = ledgerCursor(ledger);
    for (let i = 1; i <= 1002; i += 1) ledger = recordPoll(ledger, poll({ [`item-${i}`]: 'a' }));
    expect(deltaSince(ledger, ancient).full).toBe(true);
    expect(deltaSince(ledger, ledgerCursor(ledger)).full).toBe(false);
  });
});
