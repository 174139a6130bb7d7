/**
 * One branch's lock: grants it to one Task at a time, first come first served, and tells each waiting Task whom it
 * waits for. A holder that ends without releasing (terminated) is found by a periodic check and its turn passes on.
 * The workflow ends when the branch is free and nobody waits (the next acquire starts it again), and continues as
 * new with its queue when its history grows long.
 */
import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createDependencyActivities } from '../dependency-activities';
import type { BranchLockRequest } from './branch-lock';
import { acquireBranchSignal, branchGrantedSignal, branchLockStateQuery, branchQueuedSignal, releaseBranchSignal, type BranchLockState } from './messages';

const { isWorkflowOpen } = proxyActivities<ReturnType<typeof createDependencyActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', maximumInterval: '30s' },
});

/** How often a holder is checked for being gone without a release. */
const HOLDER_CHECK_MS = 5 * 60_000;

export interface BranchLockInput {
  state?: BranchLockState;
  /** Default 5 minutes; tests set it shorter (a lock started before its first acquire keeps it). */
  holderCheckMs?: number;
}

export async function branchLockWorkflow(input: BranchLockInput = {}): Promise<void> {
  const state: BranchLockState = input.state ?? { queue: [] };
  const holderCheckMs = input.holderCheckMs ?? HOLDER_CHECK_MS;
  const told = new Map<string, string>();
  let changed = true;
  const same = (a: BranchLockRequest) => (b: BranchLockRequest) => a.workflowId === b.workflowId;

  setHandler(branchLockStateQuery, () => state);
  setHandler(acquireBranchSignal, (request) => {
    if (state.holder && same(state.holder)(request)) return;
    if (!state.queue.some(same(request))) state.queue.push(request);
    changed = true;
  });
  setHandler(releaseBranchSignal, ({ workflowId }) => {
    if (state.holder?.workflowId === workflowId) state.holder = undefined;
    state.queue = state.queue.filter((r) => r.workflowId !== workflowId);
    changed = true;
  });

  for (;;) {
    changed = false;
    while (!state.holder && state.queue.length) {
      const next = state.queue.shift()!;
      try {
        await getExternalWorkflowHandle(next.workflowId).signal(branchGrantedSignal);
        state.holder = next;
      } catch {
        // The Task is gone: the next one's turn.
      }
    }
    await tellWaiting();
    if (!state.holder && !state.queue.length) {
      // Free: end soon, unless someone asks meanwhile.
      if (!(await condition(() => changed, 10_000))) break;
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) break;
    if (!(await condition(() => changed, holderCheckMs)) && state.holder && !(await isWorkflowOpen({ workflowId: state.holder.workflowId }))) {
      state.holder = undefined;
    }
  }
  await condition(allHandlersFinished);
  if (state.holder || state.queue.length) await continueAsNew<typeof branchLockWorkflow>({ ...input, state });

  /** Each waiting Task learns whom it waits for, once per change. */
  async function tellWaiting(): Promise<void> {
    for (const [i, request] of state.queue.entries()) {
      const news = { holder: state.holder?.taskName, ahead: i > 0 ? state.queue[i - 1].taskName : undefined };
      const text = JSON.stringify(news);
      if (told.get(request.workflowId) === text) continue;
      told.set(request.workflowId, text);
      await getExternalWorkflowHandle(request.workflowId).signal(branchQueuedSignal, news).catch(() => undefined);
    }
  }
}
