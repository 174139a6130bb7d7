/**
 * The Task activities on the Kubernetes runtime: the same names and contracts as the local runtime's, so the Task
 * workflow does not know which one runs it. The agent runs in a Pod built by api/kube/task-pod.ts:
 * - create is idempotent: the Pod's name derives from the Task, a retried create that meets 409 adopts the
 *   existing Pod when its workflow annotation is ours (a worker killed mid-wait never causes a second Pod);
 * - the wait follows the Pod with a watch (re-read and re-watched after a dropped stream or 410) and heartbeats;
 *   a retried attempt simply reads and watches again; cancelling the Task deletes the Pod; the deadline is the
 *   Pod's own `activeDeadlineSeconds`;
 * - results come from the agent container's log, read through the API server (`pods/log`), parsed like the local
 *   runtime's; TTL expiry deletes the Pod with the Task.
 * Secrets stay in Kubernetes: the Pod references them; the worker only checks that they exist.
 */
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { buildTaskPod, podBelongsToTask, PodSpecError, AGENT_CONTAINER, taskPodName } from '../../api/kube/task-pod';
import { parseTaskOutputs } from '../../api/results/outputs';
import { githubTarget } from '../../api/sources/github/repo-target';
import { credentialEnvName } from '../../api/task/credential-env';
import type { AgentOutcome, ExpireTaskInput, PreparedWorkspace, ResolvedTaskResources, RunAgentInput } from '../../api/task/task-activities-types';
import { taskWorkflowId, type TaskRun } from '../../api/task/task-run';
import { createTaskActivities, resolveStoredTaskResources } from '../task-activities';
import { podProgress } from './pod-outcome';
import { PodDeletedError, waitForPod } from './pod-watcher';

export interface KubeRuntimeOptions {
  client: Client;
  /** The kelos data directory (stored-resource reads and TTL bookkeeping are shared with the local runtime). */
  home: string;
  kubeConfig: k8s.KubeConfig;
  /** Tag of ghcr.io/kelos-dev/<type> images (default latest). */
  imageTag?: string;
  /** Bind Pods to this Node instead of leaving them to the scheduler (tests). */
  nodeName?: string;
  /** How long an image may stay in ImagePullBackOff before the Task fails. Default 5 minutes. */
  imagePullGraceMs?: number;
  /** How often the wait heartbeats and re-checks time-based rules (status changes arrive through a watch). */
  tickMs?: number;
}

const LOG_TAIL_LINES = 50;

export function createKubernetesTaskActivities(options: KubeRuntimeOptions) {
  const core = options.kubeConfig.makeApiClient(k8s.CoreV1Api);
  // Reconcile and execution deletion are runtime-independent.
  const shared = createTaskActivities({ client: options.client, home: options.home, builtinEntrypoint: { command: 'unused', args: [] } });

  /** Workspace and AgentConfigs from their stored records; the credential Secret must exist in the Task's namespace. */
  async function resolveTaskResources(run: TaskRun): Promise<ResolvedTaskResources> {
    const resolved = await resolveStoredTaskResources(options.client, run);
    if (run.credentials.type !== 'none') {
      const key = credentialEnvName(run.agentType, run.credentials.type);
      await requireSecretKey(run.namespace, run.credentials.secretName ?? '', key, `${run.agentType} with ${run.credentials.type} credentials`);
    }
    return resolved;
  }

  async function requireSecretKey(namespace: string, name: string, key: string, neededBy: string): Promise<void> {
    let secret: k8s.V1Secret;
    try {
      secret = await core.readNamespacedSecret({ name, namespace });
    } catch (err) {
      if ((err as { code?: number }).code === 404) throw ApplicationFailure.retryable(`Secret "${name}" not found in namespace "${namespace}" (needed by ${neededBy})`, 'SecretNotFound');
      throw err;
    }
    if (!(key in (secret.data ?? {})) && !(key in (secret.stringData ?? {}))) {
      throw ApplicationFailure.nonRetryable(`Secret "${name}" has no key ${key} (needed by ${neededBy})`, 'SecretKeyMissing');
    }
  }

  /** Nothing to prepare on this machine: the Pod's init containers clone the workspace. */
  async function prepareTaskWorkspace(input: { run: TaskRun; resources: ResolvedTaskResources }): Promise<PreparedWorkspace> {
    const ref = input.resources.workspace?.ref;
    return { workDir: '/workspace/repo', ...(ref ? { baseBranch: ref } : {}) };
  }

  async function runAgent(input: RunAgentInput): Promise<AgentOutcome> {
    const context = Context.current();
    const { run } = input;
    const workflowId = taskWorkflowId(run.namespace, run.name);
    const podName = taskPodName(run.namespace, run.name);
    const workspace = input.resources.workspace;
    const host = workspace ? githubTarget(undefined, workspace.repo) : undefined;
    const githubHost = host && !('error' in host) && host.host !== 'github.com' ? host.host : undefined;
    let pod: k8s.V1Pod;
    try {
      pod = buildTaskPod({ run, workflowId, podName, workspace, agentConfig: input.resources.agentConfig, ...(options.imageTag ? { imageTag: options.imageTag } : {}), ...(options.nodeName ? { nodeName: options.nodeName } : {}), ...(githubHost ? { githubHost } : {}) });
    } catch (err) {
      if (err instanceof PodSpecError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidPodSpec');
      throw err;
    }
    await createOrAdopt(pod, workflowId);

    let imageWaitSince: number | undefined;
    let imageFailure: string | undefined;
    let final: k8s.V1Pod;
    try {
      final = await waitForPod(options.kubeConfig, {
        namespace: run.namespace,
        name: podName,
        tickMs: options.tickMs ?? 2_000,
        settled: (pod) => {
          const progress = podProgress(pod);
          if (progress.state === 'done') return true;
          if (progress.state !== 'waiting-on-image') {
            imageWaitSince = undefined;
            return false;
          }
          imageWaitSince ??= Date.now();
          if (Date.now() - imageWaitSince <= (options.imagePullGraceMs ?? 5 * 60_000)) return false;
          imageFailure = `${progress.reason}: the image of the Pod could not be pulled${progress.message ? ` (${progress.message})` : ''}`;
          return true;
        },
        onTick: (pod) => {
          context.heartbeat({ pod: podName, phase: pod.status?.phase });
          if (context.cancellationSignal.aborted) throw new CancelledFailure('the Task was cancelled');
        },
      });
    } catch (err) {
      if (err instanceof CancelledFailure) {
        await deletePod(run.namespace, podName);
        throw new CancelledFailure('the Task was cancelled; its Pod was deleted');
      }
      if (err instanceof PodDeletedError) throw ApplicationFailure.nonRetryable(`${err.message} while the agent ran`, 'PodDeleted');
      throw err;
    }
    if (imageFailure) {
      await deletePod(run.namespace, podName);
      return { exitCode: null, timedOut: false, outputs: [], results: {}, logTail: [], failureReason: imageFailure };
    }
    return outcomeOf(run.namespace, podName, podProgress(final) as Extract<ReturnType<typeof podProgress>, { state: 'done' }>);
  }

  async function createOrAdopt(pod: k8s.V1Pod, workflowId: string): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    try {
      await core.createNamespacedPod({ namespace, body: pod });
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 422) throw ApplicationFailure.nonRetryable(`the API server rejected the Pod: ${serverMessage(err)}`, 'InvalidPodSpec');
      if (code !== 409) throw err;
      const existing = await core.readNamespacedPod({ name, namespace });
      if (!podBelongsToTask(existing, workflowId)) {
        throw ApplicationFailure.nonRetryable(`Pod ${namespace}/${name} exists and belongs to something else (annotation kelos.dev/workflow-id is not ${workflowId})`, 'PodConflict');
      }
    }
  }

  async function outcomeOf(namespace: string, podName: string, progress: Extract<ReturnType<typeof podProgress>, { state: 'done' }>): Promise<AgentOutcome> {
    let log = '';
    try {
      log = await core.readNamespacedPodLog({ name: podName, namespace, container: AGENT_CONTAINER, tailLines: LOG_TAIL_LINES });
    } catch {
      // No log (the agent never started): the failure reason says why.
    }
    const parsed = parseTaskOutputs(log);
    return {
      exitCode: progress.exitCode,
      timedOut: progress.timedOut,
      outputs: parsed.outputs,
      results: parsed.results,
      ...(parsed.usage ? { usage: parsed.usage } : {}),
      logTail: log.split('\n').slice(-10),
      ...(progress.failureReason ? { failureReason: progress.failureReason } : {}),
    };
  }

  async function deletePod(namespace: string, name: string): Promise<void> {
    try {
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 10 });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }

  /** TTL: the Pod goes with the Task. */
  async function expireTask(input: ExpireTaskInput): Promise<void> {
    await deletePod(input.namespace, taskPodName(input.namespace, input.name));
    await shared.expireTask(input);
  }

  return { resolveTaskResources, prepareTaskWorkspace, runAgent, expireTask, reconcileTasks: shared.reconcileTasks };
}

function serverMessage(err: unknown): string {
  try {
    return (JSON.parse(String((err as { body?: unknown }).body)) as { message?: string }).message ?? String(err);
  } catch {
    return String((err as Error).message);
  }
}
