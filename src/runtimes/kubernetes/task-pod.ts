// podOverrides are Kubernetes objects passed through after the worker's policy checked them (pod-policy.ts);
// the API server validates them in full.

/**
 * The Pod a Task runs in on the Kubernetes runtime (kelos-behaviour §5.2), built from the Task's run and its
 * resolved Workspace/AgentConfig facts. A Pod, not a Job: Temporal owns retries, so the agent never runs twice
 * behind our back (a Job's backoffLimit 1 would). Secrets enter only as references (`secretKeyRef`, a Secret
 * volume), never as values. Pure: the activity that creates the Pod and the tests share it.
 */
import type { V1Container, V1EnvVar, V1Pod, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { credentialEnvName } from '../credential-env';
import type { AgentConfigBundle, WorkspaceSource } from '../../task/task-runtime';
import type { TaskRun } from '../../task/task-run';
import { effectiveUpstreamRepo } from '../upstream-repo';
import { agentConfigPodParts } from './agent-config-pod';
import { checkOverrides } from './pod-overrides';
import { checkPodOverrides, STRICT_ALLOW, type PodPolicyAllow } from './pod-policy';
import { securePodContext, withSecureContext } from './pod-security';
import { TOKEN_DIR, TOKEN_FILE, TOKEN_VOLUME, workspaceInitContainers } from './workspace-init-containers';

export { PodSpecError } from './pod-overrides';
export { PodPolicyError } from './pod-policy';
export { GIT_IMAGE, KELOS_UID } from './workspace-init-containers';
export const AGENT_CONTAINER = 'kelos-agent';
export const TASK_LABEL = 'kelos.dev/task';
export const SPAWNER_LABEL = 'kelos.dev/taskspawner';
export const WORKFLOW_ANNOTATION = 'kelos.dev/workflow-id';

export interface TaskPodInput {
  run: TaskRun;
  /** The Task workflow's ID: written on the Pod so a retried create can tell its own Pod from a stranger's. */
  workflowId: string;
  podName: string;
  workspace?: WorkspaceSource;
  agentConfig?: AgentConfigBundle;
  /** Tag of the Kelos agent images (`ghcr.io/kelos-dev/<type>:<tag>`); a Task's `image` wins. */
  imageTag?: string;
  /** Bind to this Node directly (no scheduler), e.g. a test's fake Node. */
  nodeName?: string;
  /** GitHub Enterprise host of the workspace (sets GH_HOST and GH_ENTERPRISE_TOKEN). */
  githubHost?: string;
  /**
   * The Secret whose `GITHUB_TOKEN` the Pod uses: the Workspace's own (a PAT), or the per-Task Secret the runtime
   * mints from the Workspace's GitHub App. Default: the Workspace's secret.
   */
  workspaceTokenSecret?: string;
  /** What `podOverrides` may loosen (the worker's policy); default nothing. */
  allow?: PodPolicyAllow;
}

/** DNS-1123 and at most 63 characters; long names keep a hash suffix so two Tasks never share a Pod name. */
export function taskPodName(namespace: string, taskName: string): string {
  const base = `${taskName}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '') || 'task';
  if (base.length <= 63) return base;
  return `${base.slice(0, 54).replace(/-+$/, '')}-${fnv1a(`${namespace}/${taskName}`)}`;
}

/** The Pod belongs to the Task workflow that is asking (a retried create met a 409). */
export function podBelongsToTask(pod: V1Pod, workflowId: string): boolean {
  return pod.metadata?.annotations?.[WORKFLOW_ANNOTATION] === workflowId;
}

export function buildTaskPod(input: TaskPodInput): V1Pod {
  const { run, workspace } = input;
  const overrides = run.podOverrides ?? {};
  checkPodOverrides(overrides, input.allow ?? STRICT_ALLOW);
  checkOverrides(overrides);
  const tokenSecret = workspace ? (input.workspaceTokenSecret ?? workspace.secretName) : undefined;
  const agentConfig = agentConfigPodParts(input.agentConfig, input.podName);
  const bundledImage = !run.image;
  const image = run.image ?? `ghcr.io/kelos-dev/${run.agentType}:${input.imageTag ?? 'latest'}`;

  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  if (workspace) {
    volumes.push({ name: 'workspace', emptyDir: {} });
    mounts.push({ name: 'workspace', mountPath: '/workspace' });
    if (tokenSecret) {
      volumes.push({ name: TOKEN_VOLUME, secret: { secretName: tokenSecret, items: [{ key: 'GITHUB_TOKEN', path: 'GITHUB_TOKEN' }], optional: true } });
      mounts.push({ name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true });
    }
  }
  volumes.push(...agentConfig.volumes);
  mounts.push(...agentConfig.agentMounts);
  volumes.push(...((overrides.volumes ?? []) as unknown as V1Volume[]));

  const agent: V1Container = {
    name: AGENT_CONTAINER,
    image,
    command: bundledImage ? ['/usr/bin/tini', '-g', '--', '/kelos_entrypoint.sh'] : ['/kelos_entrypoint.sh'],
    args: [run.prompt],
    ...(workspace ? { workingDir: '/workspace/repo' } : {}),
    env: agentEnv(input, tokenSecret, agentConfig.agentEnv),
    volumeMounts: [...mounts, ...((overrides.volumeMounts ?? []) as unknown as V1VolumeMount[])],
    ...(overrides.resources ? { resources: overrides.resources } : {}),
    ...(overrides.containerSecurityContext ? { securityContext: overrides.containerSecurityContext } : {}),
  };

  const labels = { ...(overrides.labels ?? {}), [TASK_LABEL]: run.name, ...(run.spawner ? { [SPAWNER_LABEL]: run.spawner } : {}), 'app.kubernetes.io/managed-by': 'kelos-temporal' };

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: input.podName, namespace: run.namespace, labels, annotations: { [WORKFLOW_ANNOTATION]: input.workflowId } },
    spec: {
      restartPolicy: 'Never',
      ...(input.nodeName ? { nodeName: input.nodeName } : {}),
      ...(run.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: run.activeDeadlineSeconds } : {}),
      // The token is mounted only for an account the policy lets Tasks name; the default account's never.
      ...(overrides.serviceAccountName ? { serviceAccountName: overrides.serviceAccountName, automountServiceAccountToken: true } : { automountServiceAccountToken: false }),
      ...(overrides.nodeSelector ? { nodeSelector: overrides.nodeSelector } : {}),
      ...(overrides.tolerations ? { tolerations: overrides.tolerations } : {}),
      ...(overrides.affinity ? { affinity: overrides.affinity } : {}),
      ...(overrides.imagePullSecrets ? { imagePullSecrets: overrides.imagePullSecrets } : {}),
      securityContext: securePodContext(overrides.podSecurityContext),
      initContainers: [...(workspace ? workspaceInitContainers(run, workspace, tokenSecret) : []), ...agentConfig.initContainers, ...((overrides.extraInitContainers ?? []) as unknown as V1Container[])].map(withSecureContext),
      containers: [agent, ...((overrides.extraContainers ?? []) as unknown as V1Container[])].map(withSecureContext),
      volumes,
    },
  };
}

function agentEnv(input: TaskPodInput, tokenSecret: string | undefined, agentConfigEnv: V1EnvVar[]): V1EnvVar[] {
  const { run, workspace } = input;
  const env: V1EnvVar[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') env.push({ name, value });
  };
  add('KELOS_MODEL', run.model);
  add('KELOS_EFFORT', run.effort);
  add('KELOS_BRANCH', run.branch);
  add('KELOS_AGENT_TYPE', run.agentType);
  add('KELOS_TASKSPAWNER', run.spawner);
  if (run.credentials.type !== 'none' && run.credentials.secretName) {
    const key = credentialEnvName(run.agentType, run.credentials.type);
    env.push({ name: key, valueFrom: { secretKeyRef: { name: run.credentials.secretName, key } } });
  }
  add('GH_HOST', input.githubHost);
  add('KELOS_BASE_BRANCH', workspace?.ref);
  add('KELOS_UPSTREAM_REPO', effectiveUpstreamRepo(run.upstreamRepo, workspace?.remotes));
  if (tokenSecret) {
    const token = { secretKeyRef: { name: tokenSecret, key: 'GITHUB_TOKEN', optional: true } };
    env.push({ name: 'GITHUB_TOKEN', valueFrom: token }, { name: input.githubHost ? 'GH_ENTERPRISE_TOKEN' : 'GH_TOKEN', valueFrom: token });
  }
  if (workspace) {
    add('GH_CONFIG_DIR', '/workspace/.gh-config');
    if (tokenSecret) add('KELOS_GITHUB_TOKEN_FILE', TOKEN_FILE);
    add('KELOS_SETUP_COMMAND', workspace.setupCommand ? JSON.stringify(workspace.setupCommand) : undefined);
  }
  env.push(...agentConfigEnv);
  add('KELOS_TASK_NAME', run.name);
  add('KELOS_TASK_NAMESPACE', run.namespace);
  const builtIn = new Set(env.map((e) => e.name));
  for (const entry of run.env) {
    // Built-ins win; these two are never the user's to set (Kelos drops them too).
    if (builtIn.has(entry.name) || entry.name === 'KELOS_SETUP_COMMAND' || entry.name === 'KELOS_SESSION_SETUP_ONLY') continue;
    env.push(entry.secretKeyRef ? { name: entry.name, valueFrom: { secretKeyRef: entry.secretKeyRef } } : { name: entry.name, value: entry.value ?? '' });
  }
  return env;
}

/** 8 hex digits of FNV-1a: a short, stable suffix (no crypto in pure code). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
