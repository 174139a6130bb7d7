/**
 * `awaitDependencies`: waits, inside one heartbeating activity, until a Task's `dependsOn` Tasks have all Succeeded
 * or one has Failed. It answers early when what the Task should show changes ("Waiting for dependency "x" to be
 * created" → "Waiting for dependency "x""), so the workflow's status stays true at a few history events per Task.
 * A dependency that runs is followed by long-polling its workflow's result (no polling history); one not created
 * yet is looked for every few seconds. A cycle (`a` waits for `b` which waits for `a`) is found once a dependency
 * exists, by walking the dependsOn graph through the Tasks' memos.
 *
 * `requestBranchLock` and `isWorkflowOpen` serve the branch lock (src/task/branch-lock/branch-lock-workflow.ts): a
 * workflow cannot signal-with-start another, so the Task asks through this activity; the lock checks a silent holder.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { branchLockWorkflowId, type BranchLockKey, type BranchLockRequest } from './branch-lock/branch-lock';
import { acquireBranchSignal } from './branch-lock/messages';
import { dependencyCycle, waitingForDependency, type DependencyResult, type DependencyWait } from './dependencies';
import { taskWorkflowId } from './task-run';
import { readTaskState } from './task-state';

export interface AwaitDependenciesInput {
  namespace: string;
  name: string;
  dependsOn: string[];
  /** The message the Task shows now; the activity returns when it should show another. */
  shown?: string;
}

export function createDependencyActivities(deps: { client: Client; pollMs?: number }) {
  const pollMs = deps.pollMs ?? 5_000;

  async function awaitDependencies(input: AwaitDependenciesInput): Promise<DependencyWait> {
    const context = Context.current();
    for (;;) {
      const done: Record<string, DependencyResult> = {};
      let waitingOn: { name: string; created: boolean } | undefined;
      for (const name of input.dependsOn) {
        const state = await readTaskState(deps.client, input.namespace, name);
        if (!state) {
          waitingOn = { name, created: false };
          break;
        }
        if (state.phase === 'Failed') return { outcome: 'failed', name };
        if (state.phase === 'Succeeded') {
          done[name] = { outputs: state.outputs, results: state.results };
          continue;
        }
        waitingOn = { name, created: true };
        break;
      }
      if (!waitingOn) return { outcome: 'succeeded', deps: done };
      const message = waitingForDependency(waitingOn.name, waitingOn.created);
      if (message !== input.shown) {
        if (waitingOn.created) {
          const cycle = await findCycle(input);
          if (cycle) return { outcome: 'cycle', path: cycle };
        }
        return { outcome: 'waiting', message };
      }
      context.heartbeat(message);
      await waitForChange(waitingOn, input.namespace, context);
    }
  }

  async function findCycle(input: AwaitDependenciesInput): Promise<string[] | undefined> {
    const graph = new Map<string, string[]>([[input.name, input.dependsOn]]);
    const pending = [...input.dependsOn];
    while (pending.length) {
      const name = pending.pop()!;
      if (graph.has(name)) continue;
      const dependsOn = (await readTaskState(deps.client, input.namespace, name))?.dependsOn ?? [];
      graph.set(name, dependsOn);
      pending.push(...dependsOn);
    }
    return dependencyCycle(input.name, (name) => graph.get(name));
  }

  /** Until the dependency may have moved on: its workflow closes (one long poll), or, before it exists, a poll interval. */
  async function waitForChange(dependency: { name: string; created: boolean }, namespace: string, context: Context): Promise<void> {
    const change = dependency.created
      ? deps.client.workflow.getHandle(taskWorkflowId(namespace, dependency.name)).result().catch(() => undefined)
      : new Promise((resolve) => setTimeout(resolve, pollMs));
    const ticker = setInterval(() => context.heartbeat(), 10_000);
    try {
      await Promise.race([change, context.cancelled]);
    } finally {
      clearInterval(ticker);
    }
  }

  /** Queues the Task at its branch's lock, starting the lock's workflow if it is not running. */
  async function requestBranchLock(input: { key: BranchLockKey; request: BranchLockRequest }): Promise<void> {
    await deps.client.workflow.signalWithStart('branchLockWorkflow', {
      taskQueue: Context.current().info.taskQueue,
      workflowId: branchLockWorkflowId(input.key),
      args: [{}],
      signal: acquireBranchSignal,
      signalArgs: [input.request],
      staticSummary: `Branch lock ${input.key.workspace}:${input.key.branch} (${input.key.namespace})`,
    });
  }

  async function isWorkflowOpen(input: { workflowId: string }): Promise<boolean> {
    try {
      return (await deps.client.workflow.getHandle(input.workflowId).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  return { awaitDependencies, requestBranchLock, isWorkflowOpen };
}
