/**
 * A Task's claim on its Workspace branch (the branch lock): queued at the branch's lock workflow through an activity,
 * granted by its signal; while it waits, the lock says whom for (`onWaiting`). Handlers are registered when the
 * claim is made, at the start of the Task, so no signal is missed.
 */
import { condition, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createDependencyActivities } from './dependency-activities';
import { branchLockWorkflowId, waitingForBranch, type BranchLockKey } from './branch-lock/branch-lock';
import type { TaskInput } from './task-run';
import { branchGrantedSignal, branchQueuedSignal, releaseBranchSignal } from './branch-lock/messages';

const { requestBranchLock } = proxyActivities<ReturnType<typeof createDependencyActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export interface BranchClaim {
  /** Resolves once the branch is this Task's. */
  acquire(): Promise<void>;
  /** Gives the branch back, or leaves the queue; nothing when never asked (or the lock already ended). */
  release(): Promise<void>;
}

export function branchClaim(run: TaskInput, onWaiting: (message: string) => void): BranchClaim | undefined {
  if (!run.branch) return undefined;
  const key: BranchLockKey = { namespace: run.namespace, workspace: run.workspaceRef ?? '', branch: run.branch };
  let granted = false;
  let requested = false;
  setHandler(branchGrantedSignal, () => {
    granted = true;
  });
  setHandler(branchQueuedSignal, ({ holder, ahead }) => {
    if (!granted) onWaiting(waitingForBranch(key.branch, holder, ahead));
  });
  return {
    async acquire() {
      requested = true;
      await requestBranchLock({ key, request: { workflowId: workflowInfo().workflowId, taskName: run.name } });
      await condition(() => granted);
    },
    async release() {
      if (!requested) return;
      await getExternalWorkflowHandle(branchLockWorkflowId(key)).signal(releaseBranchSignal, { workflowId: workflowInfo().workflowId }).catch(() => undefined);
    },
  };
}
