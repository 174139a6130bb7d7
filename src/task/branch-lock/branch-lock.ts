/**
 * The branch lock (kelos-behaviour §5.2): Tasks with the same Workspace and `branch` run one at a time, in the order
 * they asked, so two agents never push to one branch at once. One lock workflow per key holds the queue.
 */
export interface BranchLockKey {
  namespace: string;
  workspace: string;
  branch: string;
}

/** `<workspace>:<branch>` as Kelos writes the key (an empty workspace name is allowed). */
export function branchLockWorkflowId(key: BranchLockKey): string {
  return `branch-lock/${key.namespace}/${key.workspace}:${key.branch}`;
}

export interface BranchLockRequest {
  /** The asking Task's workflow ID (granted and told by signal). */
  workflowId: string;
  taskName: string;
}

/** Kelos's Waiting messages. */
export function waitingForBranch(branch: string, holder: string | undefined, ahead: string | undefined): string {
  if (ahead) return `Waiting for branch "${branch}" (queued behind ${ahead})`;
  if (holder) return `Waiting for branch "${branch}" (locked by ${holder})`;
  return `Waiting for branch "${branch}"`;
}
