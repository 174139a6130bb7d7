/** Signals between Task workflows and their branch's lock workflow. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BranchLockRequest } from './branch-lock';

/** Task → lock: queue me (idempotent). */
export const acquireBranchSignal = defineSignal<[BranchLockRequest]>('acquireBranch');
/** Task → lock: I am done, or no longer waiting. */
export const releaseBranchSignal = defineSignal<[{ workflowId: string }]>('releaseBranch');
/** Lock → Task: the branch is yours. */
export const branchGrantedSignal = defineSignal('branchGranted');
/** Lock → Task: whom you wait for (for the Waiting message). */
export const branchQueuedSignal = defineSignal<[{ holder?: string; ahead?: string }]>('branchQueued');

export interface BranchLockState {
  holder?: BranchLockRequest;
  queue: BranchLockRequest[];
}

export const branchLockStateQuery = defineQuery<BranchLockState>('branchLockState');
