/**
 * What a Pod's status says about the agent run: still going, finished (with the agent's exit code), or failed for a
 * reason the exit code does not tell (an init container, OOMKilled, the deadline, an image that cannot be pulled).
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { AGENT_CONTAINER } from './task-pod';

export type PodProgress =
  | { state: 'pending' | 'running' }
  | { state: 'waiting-on-image'; reason: string; message?: string }
  | { state: 'done'; exitCode: number | null; timedOut: boolean; failureReason?: string };

/** Waiting reasons that never resolve by themselves. */
const FATAL_WAITING = new Set(['InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'ErrImageNeverPull']);
/** Waiting reasons that may resolve (registry hiccup) and fail the Task only when they persist. */
const IMAGE_WAITING = new Set(['ImagePullBackOff', 'ErrImagePull']);

export function podProgress(pod: V1Pod): PodProgress {
  const status = pod.status ?? {};
  const agent = status.containerStatuses?.find((c) => c.name === AGENT_CONTAINER);
  const failedInit = status.initContainerStatuses?.find((c) => (c.state?.terminated?.exitCode ?? 0) !== 0);
  if (status.phase === 'Succeeded' || status.phase === 'Failed') {
    if (status.reason === 'DeadlineExceeded') return { state: 'done', exitCode: exitCodeOf(agent), timedOut: true };
    if (failedInit) {
      const t = failedInit.state!.terminated!;
      return { state: 'done', exitCode: null, timedOut: false, failureReason: `init container ${failedInit.name} failed (exit ${t.exitCode}${t.reason ? `, ${t.reason}` : ''})${t.message ? `: ${t.message}` : ''}` };
    }
    const terminated = agent?.state?.terminated;
    if (terminated?.reason === 'OOMKilled') return { state: 'done', exitCode: terminated.exitCode, timedOut: false, failureReason: `the agent container was OOMKilled (exit ${terminated.exitCode}): raise podOverrides.resources.limits.memory` };
    if (status.phase === 'Failed' && !terminated) return { state: 'done', exitCode: null, timedOut: false, failureReason: `the Pod failed${status.reason ? ` (${status.reason})` : ''}${status.message ? `: ${status.message}` : ''}` };
    return { state: 'done', exitCode: exitCodeOf(agent), timedOut: false };
  }
  const waiting = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])].map((c) => c.state?.waiting).find((w) => w?.reason && (FATAL_WAITING.has(w.reason) || IMAGE_WAITING.has(w.reason)));
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    return { state: 'done', exitCode: null, timedOut: false, failureReason: `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` };
  }
  if (waiting?.reason) return { state: 'waiting-on-image', reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) };
  return { state: status.phase === 'Running' ? 'running' : 'pending' };
}

function exitCodeOf(status: V1ContainerStatus | undefined): number | null {
  return status?.state?.terminated?.exitCode ?? null;
}
