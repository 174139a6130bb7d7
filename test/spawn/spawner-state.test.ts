import { admitItems, activeCount, dropQueuedItems, emptySpawnerState, forgetTask, isRetrigger, markCreated, markFinished, markStarted, takeNext } from '../../api/spawn/spawner-state';
import type { WorkItem } from '../../api/sources/work-item';

const item = (id: string, extra: Partial<WorkItem> = {}): WorkItem => ({ id, vars: { ID: id }, labels: [], ...extra });
const renderById = (i: WorkItem) => ({ name: `s-${i.id}`, prompt: `p${i.id}` });

describe('spawner state', () => {
  it('queues new items once, whether they arrive again in the same or a later discovery', () => {
    const state = emptySpawnerState();
    expect(admitItems(state, [item('1'), item('2'), item('1')], renderById)).toEqual({ queued: 2, duplicates: 1, errors: [], failedIds: [] });
    expect(admitItems(state, [item('2'), item('3')], renderById)).toEqual({ queued: 1, duplicates: 1, errors: [], failedIds: [] });
    expect(state.queue.map((q) => q.name)).toEqual(['s-1', 's-2', 's-3']);
  });

  it('does not spawn an item again while its Task exists, and does after the Task is gone', () => {
    const state = emptySpawnerState();
    admitItems(state, [item('1')], renderById);
    const first = takeNext(state, {})!;
    markStarted(state, first.name, '2026-01-01T00:00:00Z');
    markFinished(state, first.name, 'Succeeded', '2026-01-01T01:00:00Z');
    expect(admitItems(state, [item('1')], renderById).queued).toBe(0);
    forgetTask(state, first.name);
    expect(admitItems(state, [item('1')], renderById).queued).toBe(1);
  });

  it('re-runs a finished item only for a trigger strictly newer than its completion', () => {
    const state = emptySpawnerState();
    markStarted(state, 's-1', '2026-01-01T00:00:00Z');
    expect(admitItems(state, [item('1', { triggerTime: '2026-01-01T02:00:00Z' })], renderById).queued).toBe(0); // still active
    markFinished(state, 's-1', 'Failed', '2026-01-01T01:00:00Z');
    expect(admitItems(state, [item('1', { triggerTime: '2026-01-01T01:00:00Z' })], renderById).queued).toBe(0);
    expect(admitItems(state, [item('1', { triggerTime: '2026-01-01T01:00:01Z' })], renderById).queued).toBe(1);
    expect(state.queue[0].retrigger).toBe(true);
    expect(isRetrigger({ state: 'succeeded', startedAt: 'x', completionTime: '2026-01-01T01:00:00Z' }, undefined)).toBe(false);
  });

  it('ignores a webhook delivery it has seen, even when its Task is long gone', () => {
    const state = emptySpawnerState();
    admitItems(state, [item('1', { deliveryId: 'd-1' })], renderById);
    takeNext(state, {});
    forgetTask(state, 's-1');
    expect(admitItems(state, [item('1', { deliveryId: 'd-1' })], renderById)).toEqual({ queued: 0, duplicates: 1, errors: [], failedIds: [] });
  });

  it('records render errors per item and keeps going', () => {
    const state = emptySpawnerState();
    const result = admitItems(state, [item('bad'), item('2')], (i) => {
      if (i.id === 'bad') throw new Error('template: promptTemplate:1:2: map has no entry for key "Nope"');
      return renderById(i);
    });
    expect(result.errors).toEqual(['item bad: template: promptTemplate:1:2: map has no entry for key "Nope"']);
    expect(state.queue.map((q) => q.name)).toEqual(['s-2']);
  });

  it('starts at most maxConcurrency Tasks and keeps the rest queued in order', () => {
    const state = emptySpawnerState();
    admitItems(state, ['1', '2', '3', '4'].map((id) => item(id)), renderById);
    const started: string[] = [];
    for (let next = takeNext(state, { maxConcurrency: 2 }); next; next = takeNext(state, { maxConcurrency: 2 })) {
      markStarted(state, next.name, 'now');
      started.push(next.name);
    }
    expect(started).toEqual(['s-1', 's-2']);
    expect(activeCount(state)).toBe(2);
    markFinished(state, 's-1', 'Succeeded', 'later');
    expect(takeNext(state, { maxConcurrency: 2 })?.name).toBe('s-3');
  });

  it('orders the queue by priorityLabels, FIFO within a priority', () => {
    const state = emptySpawnerState();
    admitItems(
      state,
      [item('1', { labels: ['p2'] }), item('2'), item('3', { labels: ['p1'] }), item('4', { labels: ['x', 'p2'] }), item('5', { labels: ['p2', 'p1'] })],
      renderById,
      ['p1', 'p2'],
    );
    const order: string[] = [];
    for (let next = takeNext(state, {}); next; next = takeNext(state, {})) order.push(next.name);
    expect(order).toEqual(['s-3', 's-5', 's-1', 's-4', 's-2']);
  });

  it('stops at maxTotalTasks and keeps the remaining items queued', () => {
    const state = emptySpawnerState();
    admitItems(state, ['1', '2', '3'].map((id) => item(id)), renderById);
    for (let next = takeNext(state, { maxTotalTasks: 2 }); next; next = takeNext(state, { maxTotalTasks: 2 })) {
      markStarted(state, next.name, 'now');
      markCreated(state);
    }
    expect(state.totalTasksCreated).toBe(2);
    expect(state.queue.map((q) => q.name)).toEqual(['s-3']);
  });

  it('refreshes a polled item that changed while it waited in the queue (its Task renders from the newest data)', () => {
    const state = emptySpawnerState();
    const render = (i: WorkItem) => ({ name: `s-${i.id}`, prompt: String(i.vars.Title) });
    admitItems(state, [item('1', { vars: { ID: '1', Title: 'old' } })], render);
    admitItems(state, [item('1', { vars: { ID: '1', Title: 'new' }, labels: ['urgent'] })], render, ['urgent']);
    expect(state.queue).toHaveLength(1);
    expect(state.queue[0].rendered.prompt).toBe('new');
    expect(state.queue[0].priority).toBe(0);
  });

  it('drops queued items that stopped matching, and reports the IDs whose templates failed', () => {
    const state = emptySpawnerState();
    const result = admitItems(state, [item('1'), item('2'), item('bad')], (i) => {
      if (i.id === 'bad') throw new Error('template: promptTemplate:1: map has no entry for key "Nope"');
      return renderById(i);
    });
    expect(result.failedIds).toEqual(['bad']);
    expect(dropQueuedItems(state, ['2', 'unknown'])).toBe(1);
    expect(state.queue.map((q) => q.item.id)).toEqual(['1']);
  });
});
