/**
 * The spawner's book of Tasks: the one limit check, priority and FIFO order of waiting Tasks, the windows that keep
 * it bounded, retrigger decisions, delivery dedup — and the bytes it can take in a continue-as-new input at its
 * bounds, after 50,000 finished Tasks, and at the worst case of every window full of the longest names.
 */
import {
  DELIVERY_WINDOW,
  FINISHED_WINDOW,
  MAX_RUNNING,
  STATE_BUDGET_BYTES,
  WAITING_WINDOW,
  addWaiting,
  alreadySeen,
  count,
  emptyTaskBook,
  forget,
  hasFreeSlot,
  isRetrigger,
  markFinished,
  markRunning,
  nextWaiting,
  releaseSlot,
  runningLimit,
  seenDelivery,
  takeBackOverflow,
  waitingCount,
} from '../../src/spawner/task-book';
import { addError, addResend, currentStateFromLegacy, deliveryKeys, emptySpawnerState, fitToBudget, MAX_ERRORS, MAX_RESEND } from '../../src/spawner/spawner-state';
import { emptySpawnerState as emptyLegacyState } from '../../src/spawner/legacy/legacy-spawner-state';

const T = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('the task book', () => {
  it('checks the limits in one place: maxConcurrency (at most MAX_RUNNING) and maxTotalTasks', () => {
    const book = emptyTaskBook();
    expect(runningLimit({})).toBe(MAX_RUNNING);
    expect(runningLimit({ maxConcurrency: 5_000 })).toBe(MAX_RUNNING);
    markRunning(book, 'a', T(0));
    expect(hasFreeSlot(book, { maxConcurrency: 2 })).toBe(true);
    markRunning(book, 'b', T(0));
    expect(hasFreeSlot(book, { maxConcurrency: 2 })).toBe(false);
    markFinished(book, 'a', 'Succeeded', T(1));
    expect(hasFreeSlot(book, { maxConcurrency: 2 })).toBe(true);
    expect(hasFreeSlot(book, { maxConcurrency: 2, maxTotalTasks: 2 })).toBe(false);
    releaseSlot(book, 'b');
    expect(book.granted).toBe(1);
    expect(hasFreeSlot(book, { maxConcurrency: 2, maxTotalTasks: 2 })).toBe(true);
  });

  it('grants waiting Tasks by priority label, then in arrival order', () => {
    const book = emptyTaskBook();
    addWaiting(book, 'low-1', T(0), 2, '1');
    addWaiting(book, 'high-1', T(0), 0, '2');
    addWaiting(book, 'low-2', T(0), 2, '3');
    addWaiting(book, 'high-2', T(0), 0, '4');
    const order: string[] = [];
    for (let next = nextWaiting(book); next; next = nextWaiting(book)) {
      order.push(next);
      markRunning(book, next, T(1));
    }
    expect(order).toEqual(['high-1', 'high-2', 'low-1', 'low-2']);
    expect(book.tasks['low-2'].itemId).toBe('3');
  });

  it('keeps at most the waiting window by name; the worst-placed become overflow and come back in their order', () => {
    const book = emptyTaskBook();
    for (let i = 0; i < 5; i += 1) addWaiting(book, `t${i}`, T(0), i === 4 ? 0 : 1, String(i), { waitingWindow: 3 });
    expect(count(book, 'waiting')).toBe(3);
    expect(book.overflow).toBe(2);
    expect(waitingCount(book)).toBe(5);
    // The late but high-priority t4 kept its place; t2 and t3 (last, low) were dropped to overflow.
    expect(Object.keys(book.tasks).sort()).toEqual(['t0', 't1', 't4']);
    takeBackOverflow(book, [{ name: 't2', priority: 1, seq: 3, since: T(0) }], false);
    expect(book.overflow).toBe(1);
    takeBackOverflow(book, [], true);
    expect(book.overflow).toBe(0);
  });

  it('re-runs a finished Task only for a trigger strictly newer than its completion', () => {
    const book = emptyTaskBook();
    markRunning(book, 'x', T(0));
    expect(isRetrigger(book.tasks.x, T(9))).toBe(false);
    markFinished(book, 'x', 'Failed', T(5));
    expect(isRetrigger(book.tasks.x, T(5))).toBe(false);
    expect(isRetrigger(book.tasks.x, T(6))).toBe(true);
    expect(isRetrigger(book.tasks.x, undefined)).toBe(false);
  });

  it('remembers delivery keys in a bounded window', () => {
    const book = emptyTaskBook();
    const first = deliveryKeys('delivery-1', 'ab'.repeat(32));
    expect(first).toHaveLength(2);
    expect(first.every((key) => key.length === 21)).toBe(true);
    expect(seenDelivery(book, first)).toBe(false);
    expect(seenDelivery(book, [deliveryKeys('another-id')[0], first[1]])).toBe(true); // the same body under a new ID
    for (let i = 0; i < DELIVERY_WINDOW; i += 1) seenDelivery(book, deliveryKeys(`d-${i}`));
    expect(book.deliveries).toHaveLength(DELIVERY_WINDOW);
    expect(alreadySeen(book, first)).toBe(false);
    // A 60 KB delivery ID costs what any other does.
    expect(deliveryKeys('x'.repeat(60_000))[0]).toHaveLength(21);
  });

  it('stays small after 50,000 finished Tasks: the oldest finished are forgotten', () => {
    const state = emptySpawnerState();
    for (let i = 0; i < 50_000; i += 1) {
      const name = `spawner-with-a-long-name-webhook-${String(i).padStart(12, '0')}`;
      markRunning(state.book, name, T(0), String(i));
      markFinished(state.book, name, 'Succeeded', new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString());
    }
    expect(count(state.book, 'succeeded')).toBeGreaterThanOrEqual(FINISHED_WINDOW);
    expect(count(state.book, 'succeeded')).toBeLessThanOrEqual(FINISHED_WINDOW + 100);
    expect(state.book.granted).toBe(50_000);
    expect(state.book.tasks[`spawner-with-a-long-name-webhook-${String(49_999).padStart(12, '0')}`]).toBeDefined();
    expect(bytes(state)).toBeLessThan(256 * 1024);
  });

  it('is held to its byte budget before continue-as-new, even with every window full of 253-character names', () => {
    const state = emptySpawnerState();
    const long = (kind: string, i: number) => `${kind}-${String(i).padStart(8, '0')}-`.padEnd(253, 'x');
    const id = (i: number) => String(i).padStart(64, '0');
    for (let i = 0; i < MAX_RUNNING; i += 1) markRunning(state.book, long('run', i), T(0), id(i));
    for (let i = 0; i < FINISHED_WINDOW + 100; i += 1) {
      markRunning(state.book, long('fin', i), T(0), id(i));
      markFinished(state.book, long('fin', i), 'Failed', T(i % 59));
    }
    for (let i = 0; i < WAITING_WINDOW + 500; i += 1) addWaiting(state.book, long('wait', i), T(0), 3, id(i));
    expect(state.book.overflow).toBe(500);
    for (let i = 0; i < DELIVERY_WINDOW; i += 1) seenDelivery(state.book, deliveryKeys(`d-${i}`));
    for (let i = 0; i < MAX_ERRORS + 5; i += 1) addError(state, `item ${i}: ${'e'.repeat(2_000)}`);
    addResend(state, Array.from({ length: MAX_RESEND + 50 }, (_, i) => id(i)));
    state.sourceError = 's'.repeat(500);
    expect(state.discoveryErrors).toHaveLength(MAX_ERRORS);
    expect(state.pollResend).toHaveLength(MAX_RESEND);
    const running = count(state.book, 'running');
    expect(bytes(state)).toBeGreaterThan(STATE_BUDGET_BYTES); // names this long overflow the budget by count alone
    const size = fitToBudget(state);
    expect(size).toBe(bytes(state));
    expect(size).toBeLessThanOrEqual(STATE_BUDGET_BYTES);
    // Running Tasks are never dropped, and no waiting Task is lost (names dropped from the window count as overflow).
    expect(count(state.book, 'running')).toBe(running);
    expect(waitingCount(state.book)).toBe(WAITING_WINDOW + 500);
    expect(count(state.book, 'succeeded') + count(state.book, 'failed')).toBeLessThan(FINISHED_WINDOW);
  });

  it('forgets a Task that is gone and tells which item it was', () => {
    const book = emptyTaskBook();
    markRunning(book, 'a', T(0), 'issue-7');
    expect(forget(book, 'a')?.itemId).toBe('issue-7');
    expect(forget(book, 'a')).toBeUndefined();
  });
});

describe('a run of the first implementation taken over', () => {
  it('keeps its Tasks, counts and cursor; its queued items join as waiting Tasks; its delivery IDs become keys', () => {
    const legacy = emptyLegacyState();
    legacy.ledger = { a: { state: 'active', startedAt: T(0), itemId: '1' }, b: { state: 'succeeded', startedAt: T(0), completionTime: T(3), itemId: '2' } };
    legacy.totalTasksCreated = 7;
    legacy.totalDiscovered = 9;
    legacy.cronWatermark = T(4);
    legacy.pollCursor = 'cursor-1';
    legacy.seenDeliveries = ['x'.repeat(60_000), 'delivery-2'];
    legacy.pollResend = ['3'];
    const state = currentStateFromLegacy(legacy, [{ name: 'c', priority: 0, itemId: '4' }], T(5));
    expect(state.book.tasks.a).toMatchObject({ state: 'running', itemId: '1' });
    expect(state.book.tasks.b).toMatchObject({ state: 'succeeded', since: T(3) });
    expect(state.book.tasks.c).toMatchObject({ state: 'waiting', priority: 0, seq: 1, itemId: '4' });
    expect(state.book.granted).toBe(7);
    expect(state).toMatchObject({ totalDiscovered: 9, cronWatermark: T(4), pollCursor: 'cursor-1', pollResend: ['3'] });
    expect(alreadySeen(state.book, deliveryKeys('delivery-2'))).toBe(true);
    expect(bytes(state)).toBeLessThan(4_096);
  });
});
