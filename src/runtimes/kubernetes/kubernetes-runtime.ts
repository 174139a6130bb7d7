/**
 * The Kubernetes runtime (the TaskRuntime contract, src/task/task-runtime.ts): the agent runs in a Pod built by
 * task-pod.ts:
 * - create is idempotent: the Pod's name derives from the Task, a retried create that meets 409 adopts the
 *   existing Pod when its workflow annotation is ours (a worker killed mid-wait never causes a second Pod);
 * - what the Pod needs besides Secrets the user made (plugin files, resolved MCP servers, a GitHub App
 *   installation token) is written first as companion objects owned by the Pod (task-companions.ts); the App
 *   token is minted again before it expires while the Pod runs;
 * - the wait follows the Pod with a watch (re-read and re-watched after a dropped stream or 410) and heartbeats;
 *   a retried attempt simply reads and watches again; cancelling the Task deletes the Pod; the deadline is the
 *   Pod's own `activeDeadlineSeconds`;
 * - results come from the agent container's log, read through the API server (`pods/log`), parsed like the local
 *   runtime's; TTL expiry deletes the Pod with the Task.
 * Secret values stay in Kubernetes: the Pod references them; the worker reads them only to check them, to resolve
 * MCP servers into the per-Task Secret, and to mint App tokens.
 * The Task's input is not trusted (anyone who can start a workflow wrote it): every activity checks it against the
 * worker's policy (pod-policy.ts) before it reads or creates anything, and a refusal fails the Task with the field
 * named. Deletes touch only objects that carry this Task's workflow annotation.
 */
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { MCP_SECRET_KEY, pluginConfigMapFiles, taskCompanionNames } from './agent-config-pod';
import { buildTaskPod, podBelongsToTask, PodSpecError, AGENT_CONTAINER, taskPodName } from './task-pod';
import { checkNamespace, checkTaskPolicy, DEFAULT_POLICY, PodPolicyError, type PodPolicy } from './pod-policy';
import type { McpServer } from '../../model/types';
import { parseTaskOutputs } from '../../task/outputs';
import { githubApiBaseUrl, githubTarget } from '../../sources/github/repo-target';
import { credentialEnvName } from '../credential-env';
import type { AgentConfigBundle, AgentOutcome, ExpireTaskInput, PrepareWorkspaceInput, PreparedWorkspace, ResolvedTaskResources, RunAgentInput, TaskRuntime, WorkspaceSource } from '../../task/task-runtime';
import { taskWorkflowId, type TaskRun } from '../../task/task-run';
import { kelosMcpServersJson, mcpReferences } from '../mcp-servers';
import { mintInstallationToken, type InstallationToken } from '../../sources/github/github-app-token';
import { githubCredentialsFromSecret, type GitHubCredentials } from '../../sources/github/github-credentials';
import { SecretNotFoundError, type SecretSource } from '../../host/secret-source';
import { resolveStoredTaskResources } from '../task-resources';
import { expireTaskRun } from '../../task/task-expiry';
import { kubernetesSecretSource } from './kube-secrets';
import { podProgress } from './pod-outcome';
import { capAgentOutcome } from '../agent-outcome-budget';
import { PodDeletedError, waitForPod } from './pod-watcher';
import { TOKEN_EXPIRY_ANNOTATION, TaskCompanions, code, companionMetadata, type Companion } from './task-companions';

export { kubernetesSecretSource };

export interface KubeRuntimeOptions {
  client: Client;
  /** The kelos data directory (stored-resource reads and TTL bookkeeping are shared with the local runtime). */
  home: string;
  kubeConfig: k8s.KubeConfig;
  /** Where secret values are read; default the cluster's Secrets. */
  secrets?: SecretSource;
  /** The worker's environment: `GITHUB_API_URL` overrides where GitHub App tokens are minted. */
  env?: Record<string, string | undefined>;
  /** Tag of ghcr.io/kelos-dev/<type> images (default latest). */
  imageTag?: string;
  /** Bind Pods to this Node instead of leaving them to the scheduler (tests). */
  nodeName?: string;
  /** How long an image may stay in ImagePullBackOff before the Task fails. Default 5 minutes. */
  imagePullGraceMs?: number;
  /** How often the wait heartbeats and re-checks time-based rules (status changes arrive through a watch). */
  tickMs?: number;
  /** A GitHub App token is minted again this long before it expires. Default 5 minutes (as Kelos). */
  tokenRefreshMarginMs?: number;
  /** Namespaces served and what podOverrides may loosen. Default: namespace `default`, nothing loosened. */
  policy?: PodPolicy;
}

const LOG_TAIL_LINES = 50;

type AppCredentials = Extract<GitHubCredentials, { kind: 'app' }>;

export function createKubernetesRuntime(options: KubeRuntimeOptions): TaskRuntime {
  const core = options.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const policy = options.policy ?? DEFAULT_POLICY;
  const secrets = options.secrets ?? kubernetesSecretSource(options.kubeConfig, policy.namespaces);
  const companions = new TaskCompanions(core);
  const env = options.env ?? process.env;

  /** The worker's policy, before anything is read or created for the Task; a refusal is final. */
  function enforcePolicy(run: TaskRun): void {
    try {
      checkTaskPolicy(run, policy);
    } catch (err) {
      if (err instanceof PodPolicyError) throw ApplicationFailure.nonRetryable(err.message, 'PodPolicy');
      throw err;
    }
  }

  /** Workspace and AgentConfigs from their stored records; the Secrets they and the credentials name must exist. */
  async function resolveTaskResources(run: TaskRun): Promise<ResolvedTaskResources> {
    enforcePolicy(run);
    const resolved = await resolveStoredTaskResources(options.client, run);
    if (run.credentials.type !== 'none') {
      const key = credentialEnvName(run.agentType, run.credentials.type);
      await requireSecretKey(run.namespace, run.credentials.secretName ?? '', key, `${run.agentType} with ${run.credentials.type} credentials`);
    }
    if (resolved.workspace?.secretName) await workspaceCredentials(run.namespace, resolved.workspace);
    for (const skill of resolved.agentConfig?.skills ?? []) {
      if (skill.secretName) await requireSecretKey(run.namespace, skill.secretName, 'GITHUB_TOKEN', `skills.sh package ${skill.source}`);
    }
    return resolved;
  }

  async function readSecret(namespace: string, name: string): Promise<Record<string, string>> {
    try {
      return await secrets.read(namespace, name);
    } catch (err) {
      // A Secret applied right after the Task is picked up by a retry.
      if (err instanceof SecretNotFoundError) throw ApplicationFailure.retryable(err.message, 'SecretNotFound');
      throw err;
    }
  }

  async function requireSecretKey(namespace: string, name: string, key: string, neededBy: string): Promise<void> {
    const data = await readSecret(namespace, name);
    if (!(key in data)) throw ApplicationFailure.nonRetryable(`Secret "${name}" has no key ${key} (needed by ${neededBy})`, 'SecretKeyMissing');
  }

  async function workspaceCredentials(namespace: string, workspace: WorkspaceSource): Promise<GitHubCredentials> {
    const data = await readSecret(namespace, workspace.secretName!);
    try {
      return githubCredentialsFromSecret(workspace.secretName!, data);
    } catch (err) {
      throw ApplicationFailure.nonRetryable(`Workspace "${workspace.name}": ${(err as Error).message}`, 'SecretInvalid');
    }
  }

  /** Nothing to prepare on this machine: the Pod's init containers clone the workspace. */
  async function prepareTaskWorkspace(input: PrepareWorkspaceInput): Promise<PreparedWorkspace> {
    const ref = input.resources.workspace?.ref;
    return { workDir: '/workspace/repo', ...(ref ? { baseBranch: ref } : {}), podName: taskPodName(input.run.namespace, input.run.name) };
  }

  async function runAgent(input: RunAgentInput): Promise<AgentOutcome> {
    const context = Context.current();
    const { run } = input;
    enforcePolicy(run);
    const workflowId = taskWorkflowId(run.namespace, run.name);
    const podName = taskPodName(run.namespace, run.name);
    const names = taskCompanionNames(podName);
    const workspace = input.resources.workspace;
    const target = workspace ? githubTarget(undefined, workspace.repo) : undefined;
    const githubHost = target && !('error' in target) && target.host !== 'github.com' ? target.host : undefined;
    const tokenApiUrl = githubApiBaseUrl(env.GITHUB_API_URL, target);
    const meta = (name: string, annotations?: Record<string, string>) => companionMetadata(name, run.namespace, run.name, workflowId, annotations);

    const app = workspace?.secretName ? await workspaceCredentials(run.namespace, workspace).then((c) => (c.kind === 'app' ? c : undefined)) : undefined;
    let pod: k8s.V1Pod;
    const objects: Companion[] = [];
    try {
      pod = buildTaskPod({
        run,
        workflowId,
        podName,
        workspace,
        agentConfig: input.resources.agentConfig,
        ...(app ? { workspaceTokenSecret: names.githubToken } : {}),
        ...(options.imageTag ? { imageTag: options.imageTag } : {}),
        ...(options.nodeName ? { nodeName: options.nodeName } : {}),
        ...(githubHost ? { githubHost } : {}),
        allow: policy.allow,
      });
      if (input.resources.agentConfig?.plugins.length) objects.push({ kind: 'ConfigMap', object: { metadata: meta(names.plugins), data: pluginData(input.resources.agentConfig) } });
    } catch (err) {
      if (err instanceof PodSpecError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidPodSpec');
      if (err instanceof PodPolicyError) throw ApplicationFailure.nonRetryable(err.message, 'PodPolicy');
      throw err;
    }
    if (input.resources.agentConfig?.mcpServers.length) {
      const json = await mcpServersJson(run.namespace, input.resources.agentConfig.mcpServers as unknown as McpServer[]);
      objects.push({ kind: 'Secret', object: { metadata: meta(names.mcp), type: 'Opaque', stringData: { [MCP_SECRET_KEY]: json } } });
    }
    let token: InstallationToken | undefined;
    const tokenSecret = (minted: InstallationToken): Companion => ({
      kind: 'Secret',
      object: { metadata: meta(names.githubToken, { [TOKEN_EXPIRY_ANNOTATION]: minted.expiresAt.toISOString() }), type: 'Opaque', stringData: { GITHUB_TOKEN: minted.token } },
    });
    if (app) {
      token = await mintOrFail(tokenApiUrl, app);
      objects.push(tokenSecret(token));
    }
    for (const object of objects) await companions.write(object);
    const created = await createOrAdopt(pod, workflowId);
    if (objects.length) await companions.ownBy(created, objects);

    // The App token is minted again before it expires; a failed refresh is retried on the next tick.
    let refreshing = false;
    const refreshMargin = options.tokenRefreshMarginMs ?? 5 * 60_000;
    const refreshTokenIfDue = () => {
      if (!app || !token || refreshing || Date.now() < token.expiresAt.getTime() - refreshMargin) return;
      refreshing = true;
      void mintInstallationToken(tokenApiUrl, app)
        .then(async (minted) => {
          await companions.write(tokenSecret(minted));
          token = minted;
        })
        .catch((err) => log.warn('GitHub App token refresh failed; retrying on the next tick', { pod: podName, error: (err as Error).message }))
        .finally(() => {
          refreshing = false;
        });
    };

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
          refreshTokenIfDue();
        },
      });
    } catch (err) {
      if (err instanceof CancelledFailure) {
        await deletePod(run.namespace, podName, workflowId);
        throw new CancelledFailure('the Task was cancelled; its Pod was deleted');
      }
      if (err instanceof PodDeletedError) throw ApplicationFailure.nonRetryable(`${err.message} while the agent ran`, 'PodDeleted');
      throw err;
    }
    if (imageFailure) {
      await deletePod(run.namespace, podName, workflowId);
      return capAgentOutcome({ exitCode: null, timedOut: false, outputs: [], results: {}, logTail: [], failureReason: imageFailure });
    }
    return outcomeOf(run.namespace, podName, podProgress(final) as Extract<ReturnType<typeof podProgress>, { state: 'done' }>);
  }

  async function mintOrFail(baseUrl: string, app: AppCredentials): Promise<InstallationToken> {
    try {
      return await mintInstallationToken(baseUrl, app);
    } catch (err) {
      // Bad App credentials do not heal by retrying quickly; GitHub being down does (the activity retries).
      const status = (err as { cause?: { status?: number } }).cause?.status;
      if (status === 401 || status === 404) throw ApplicationFailure.nonRetryable((err as Error).message, 'SecretInvalid');
      throw err;
    }
  }

  /** KELOS_MCP_SERVERS with every referenced Secret and ConfigMap of the Task's namespace read first. */
  async function mcpServersJson(namespace: string, servers: McpServer[]): Promise<string> {
    const refs = mcpReferences(servers);
    const secretData = new Map<string, Record<string, string>>();
    const configMapData = new Map<string, Record<string, string>>();
    for (const name of refs.secrets) {
      try {
        secretData.set(name, await secrets.read(namespace, name));
      } catch (err) {
        if (!(err instanceof SecretNotFoundError)) throw err;
      }
    }
    for (const name of refs.configMaps) {
      try {
        configMapData.set(name, (await core.readNamespacedConfigMap({ name, namespace })).data ?? {});
      } catch (err) {
        if (code(err) !== 404) throw err;
      }
    }
    const reader = (found: Map<string, Record<string, string>>, kind: string) => (name: string) => {
      const data = found.get(name);
      if (!data) throw ApplicationFailure.retryable(`AgentConfig mcpServers: ${kind} "${name}" not found in namespace "${namespace}"`, 'SecretNotFound');
      return data;
    };
    try {
      return kelosMcpServersJson(servers, reader(secretData, 'Secret'), reader(configMapData, 'ConfigMap'));
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      throw ApplicationFailure.nonRetryable(`AgentConfig mcpServers: ${(err as Error).message}`, 'InvalidAgentConfig');
    }
  }

  /** Creates the Pod, or adopts the one a previous attempt of this Task created. */
  async function createOrAdopt(pod: k8s.V1Pod, workflowId: string): Promise<k8s.V1Pod> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    try {
      return await core.createNamespacedPod({ namespace, body: pod });
    } catch (err) {
      if (code(err) === 422) throw ApplicationFailure.nonRetryable(`the API server rejected the Pod: ${serverMessage(err)}`, 'InvalidPodSpec');
      if (code(err) !== 409) throw err;
      const existing = await core.readNamespacedPod({ name, namespace });
      if (!podBelongsToTask(existing, workflowId)) {
        throw ApplicationFailure.nonRetryable(`Pod ${namespace}/${name} exists and belongs to something else (annotation kelos.dev/workflow-id is not ${workflowId})`, 'PodConflict');
      }
      return existing;
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
    // Within the outcome budget: a huge response must not fail a Task whose agent succeeded.
    return capAgentOutcome({
      exitCode: progress.exitCode,
      timedOut: progress.timedOut,
      outputs: parsed.outputs,
      results: parsed.results,
      ...(parsed.usage ? { usage: parsed.usage } : {}),
      logTail: log.split('\n').slice(-10),
      ...(progress.failureReason ? { failureReason: progress.failureReason } : {}),
    });
  }

  /** The Pod and its companions (the garbage collector would take those too, but not every cluster runs one promptly). */
  async function deletePod(namespace: string, name: string, workflowId: string): Promise<void> {
    try {
      // Only this Task's Pod (its annotation), and exactly the one read (uid precondition).
      const pod = await core.readNamespacedPod({ name, namespace });
      if (podBelongsToTask(pod, workflowId)) await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 10, body: { preconditions: { uid: pod.metadata!.uid! } } });
      else log.warn('not deleting a Pod that belongs to something else', { namespace, pod: name, workflowId });
    } catch (err) {
      if (code(err) !== 404 && code(err) !== 409) throw err;
    }
    await companions.deleteFor(namespace, name, workflowId);
  }

  /** TTL: the Pod goes with the Task (none was made in a namespace this worker does not serve). */
  async function expireTask(input: ExpireTaskInput): Promise<void> {
    let served = true;
    try {
      checkNamespace(input.namespace, policy);
    } catch {
      served = false;
    }
    if (served) await deletePod(input.namespace, taskPodName(input.namespace, input.name), taskWorkflowId(input.namespace, input.name));
    await expireTaskRun(options.client, options.home, input);
  }

  return { resolveTaskResources, prepareTaskWorkspace, runAgent, expireTask };
}

function pluginData(bundle: AgentConfigBundle): Record<string, string> {
  return Object.fromEntries(pluginConfigMapFiles(bundle).map((file) => [file.key, file.content]));
}

function serverMessage(err: unknown): string {
  try {
    return (JSON.parse(String((err as { body?: unknown }).body)) as { message?: string }).message ?? String(err);
  } catch {
    return String((err as Error).message);
  }
}
