// podOverrides are Kubernetes objects passed through verbatim (the manifest schema checked their shape);
// the API server validates them in full.

/**
 * The Pod a Task runs in on the Kubernetes runtime (kelos-behaviour §5.2), built from the Task's run and its
 * resolved Workspace/AgentConfig facts. A Pod, not a Job: Temporal owns retries, so the agent never runs twice
 * behind our back (a Job's backoffLimit 1 would). Secrets enter only as references (`secretKeyRef`, a Secret
 * volume), never as values. Pure: the activity that creates the Pod and the tests share it.
 */
import type { V1Container, V1EnvVar, V1Pod, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { credentialEnvName } from '../task/credential-env';
import { GIT_CREDENTIAL_HELPER, GIT_CREDENTIAL_USERNAME } from '../task/git-credentials';
import type { AgentConfigBundle, WorkspaceSource } from '../task/task-activities-types';
import type { TaskRun } from '../task/task-run';

export const AGENT_CONTAINER = 'kelos-agent';
export const KELOS_UID = 61100;
export const GIT_IMAGE = 'alpine/git:v2.47.2';
export const TASK_LABEL = 'kelos.dev/task';
export const SPAWNER_LABEL = 'kelos.dev/taskspawner';
export const WORKFLOW_ANNOTATION = 'kelos.dev/workflow-id';
const BUILT_IN_INIT_NAMES = ['git-clone', 'remote-setup', 'branch-setup', 'workspace-files', 'plugin-setup', 'skills-install'];
const TOKEN_DIR = '/kelos/github-token';

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
}

export class PodSpecError extends Error {
  override name = 'PodSpecError';
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
  checkOverrides(overrides);
  const unsupported = [input.agentConfig?.plugins.length ? 'plugins' : '', input.agentConfig?.mcpServers.length ? 'mcpServers' : ''].filter(Boolean);
  if (unsupported.length) throw new PodSpecError(`AgentConfig ${unsupported.join(' and ')} are not supported on the kubernetes runtime yet (agentsMD is); use the local runtime for them`);
  const bundledImage = !run.image;
  const image = run.image ?? `ghcr.io/kelos-dev/${run.agentType}:${input.imageTag ?? 'latest'}`;

  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  if (workspace) {
    volumes.push({ name: 'workspace', emptyDir: {} });
    mounts.push({ name: 'workspace', mountPath: '/workspace' });
    if (workspace.secretName) {
      volumes.push({ name: 'kelos-github-token', secret: { secretName: workspace.secretName, items: [{ key: 'GITHUB_TOKEN', path: 'GITHUB_TOKEN' }], optional: true } });
      mounts.push({ name: 'kelos-github-token', mountPath: TOKEN_DIR, readOnly: true });
    }
  }
  volumes.push(...((overrides.volumes ?? []) as unknown as V1Volume[]));

  const agent: V1Container = {
    name: AGENT_CONTAINER,
    image,
    command: bundledImage ? ['/usr/bin/tini', '-g', '--', '/kelos_entrypoint.sh'] : ['/kelos_entrypoint.sh'],
    args: [run.prompt],
    ...(workspace ? { workingDir: '/workspace/repo' } : {}),
    env: agentEnv(input),
    volumeMounts: [...mounts, ...((overrides.volumeMounts ?? []) as unknown as V1VolumeMount[])],
    ...(overrides.resources ? { resources: overrides.resources } : {}),
    ...(overrides.containerSecurityContext ? { securityContext: overrides.containerSecurityContext } : {}),
  };

  const labels = { ...(overrides.labels ?? {}), [TASK_LABEL]: run.name, ...(run.spawner ? { [SPAWNER_LABEL]: run.spawner } : {}), 'app.kubernetes.io/managed-by': 'kelos-temporal' };
  const podSecurityContext = { ...(workspace ? { fsGroup: KELOS_UID } : {}), ...(overrides.podSecurityContext ?? {}) };
  if (workspace && (overrides.podSecurityContext as { fsGroup?: unknown } | undefined)?.fsGroup === undefined) podSecurityContext.fsGroup = KELOS_UID;

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: input.podName, namespace: run.namespace, labels, annotations: { [WORKFLOW_ANNOTATION]: input.workflowId } },
    spec: {
      restartPolicy: 'Never',
      ...(input.nodeName ? { nodeName: input.nodeName } : {}),
      ...(run.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: run.activeDeadlineSeconds } : {}),
      ...(overrides.serviceAccountName ? { serviceAccountName: overrides.serviceAccountName } : {}),
      ...(overrides.nodeSelector ? { nodeSelector: overrides.nodeSelector } : {}),
      ...(overrides.tolerations ? { tolerations: overrides.tolerations } : {}),
      ...(overrides.affinity ? { affinity: overrides.affinity } : {}),
      ...(overrides.imagePullSecrets ? { imagePullSecrets: overrides.imagePullSecrets } : {}),
      ...(Object.keys(podSecurityContext).length ? { securityContext: podSecurityContext } : {}),
      initContainers: [...(workspace ? workspaceInitContainers(run, workspace) : []), ...((overrides.extraInitContainers ?? []) as unknown as V1Container[])],
      containers: [agent, ...((overrides.extraContainers ?? []) as unknown as V1Container[])],
      volumes,
    },
  };
}

/** Kelos's reserved-name rules; a clear error names the field instead of a Pod the server half-accepts. */
function checkOverrides(overrides: NonNullable<TaskRun['podOverrides']>): void {
  for (const [i, volume] of (overrides.volumes ?? []).entries()) {
    const name = String(volume.name ?? '');
    if (name === 'workspace' || name.startsWith('kelos-')) throw new PodSpecError(`podOverrides.volumes[${i}].name: "${name}" is reserved (workspace and kelos-* are Kelos's own volumes)`);
  }
  const init = (overrides.extraInitContainers ?? []).map((c) => String(c.name ?? ''));
  const extra = (overrides.extraContainers ?? []).map((c) => String(c.name ?? ''));
  for (const [field, names] of [['extraInitContainers', init], ['extraContainers', extra]] as const) {
    for (const [i, name] of names.entries()) {
      if (!name) throw new PodSpecError(`podOverrides.${field}[${i}].name: required`);
      if (name.startsWith('kelos-') || BUILT_IN_INIT_NAMES.includes(name)) throw new PodSpecError(`podOverrides.${field}[${i}].name: "${name}" is reserved for Kelos's own containers`);
    }
  }
  const both = init.find((name) => extra.includes(name));
  if (both) throw new PodSpecError(`podOverrides: container "${both}" is in both extraInitContainers and extraContainers`);
}

function agentEnv(input: TaskPodInput): V1EnvVar[] {
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
  add('KELOS_UPSTREAM_REPO', run.upstreamRepo ?? upstreamFromRemotes(workspace));
  if (workspace?.secretName) {
    const token = { secretKeyRef: { name: workspace.secretName, key: 'GITHUB_TOKEN', optional: true } };
    env.push({ name: 'GITHUB_TOKEN', valueFrom: token }, { name: input.githubHost ? 'GH_ENTERPRISE_TOKEN' : 'GH_TOKEN', valueFrom: token });
  }
  if (workspace) {
    add('GH_CONFIG_DIR', '/workspace/.gh-config');
    if (workspace.secretName) add('KELOS_GITHUB_TOKEN_FILE', `${TOKEN_DIR}/GITHUB_TOKEN`);
    add('KELOS_SETUP_COMMAND', workspace.setupCommand ? JSON.stringify(workspace.setupCommand) : undefined);
  }
  add('KELOS_AGENTS_MD', input.agentConfig?.agentsMD);
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

function upstreamFromRemotes(workspace: WorkspaceSource | undefined): string | undefined {
  const url = workspace?.remotes.find((remote) => remote.name === 'upstream')?.url;
  const match = url ? /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url) : null;
  return match ? `${match[1]}/${match[2]}` : undefined;
}

function workspaceInitContainers(run: TaskRun, workspace: WorkspaceSource): V1Container[] {
  const common = (name: string, script: string, env: V1EnvVar[] = []): V1Container => ({
    name,
    image: GIT_IMAGE,
    command: ['sh', '-c', script],
    env: [
      { name: 'HOME', value: '/workspace' },
      ...(workspace.secretName ? [{ name: 'KELOS_GITHUB_TOKEN_FILE', value: `${TOKEN_DIR}/GITHUB_TOKEN` }] : []),
      ...env,
    ],
    volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }, ...(workspace.secretName ? [{ name: 'kelos-github-token', mountPath: TOKEN_DIR, readOnly: true }] : [])],
    securityContext: { runAsUser: KELOS_UID, runAsGroup: KELOS_UID },
  });
  const auth = workspace.secretName
    ? `-c credential.helper= -c credential.helper=${shellQuote(GIT_CREDENTIAL_HELPER)} -c credential.username=${GIT_CREDENTIAL_USERNAME}`
    : '';
  const persistAuth = workspace.secretName
    ? `git -C /workspace/repo config --replace-all credential.helper '' && git -C /workspace/repo config --add credential.helper ${shellQuote(GIT_CREDENTIAL_HELPER)} && git -C /workspace/repo config credential.username ${GIT_CREDENTIAL_USERNAME}`
    : 'true';
  const ref = workspace.ref;
  const clone = ref && /^[0-9a-fA-F]{40}$/.test(ref)
    ? `git init -q /workspace/repo && git -C /workspace/repo remote add origin "$KELOS_REPO" && git ${auth} -C /workspace/repo fetch --depth 1 origin "$KELOS_REF" && git -C /workspace/repo checkout -q --detach FETCH_HEAD`
    : `git ${auth} clone ${ref ? '--branch "$KELOS_REF" ' : ''}--no-single-branch --depth 1 -- "$KELOS_REPO" /workspace/repo`;
  const containers = [common('git-clone', `set -e; ${clone}; ${persistAuth}`, [{ name: 'KELOS_REPO', value: workspace.repo }, ...(ref ? [{ name: 'KELOS_REF', value: ref }] : [])])];
  if (workspace.remotes.length) {
    const script = workspace.remotes.map((r) => `git -C /workspace/repo remote add ${shellQuote(r.name)} ${shellQuote(r.url)} 2>/dev/null || git -C /workspace/repo remote set-url ${shellQuote(r.name)} ${shellQuote(r.url)}`).join(' && ');
    containers.push(common('remote-setup', `set -e; ${script}`));
  }
  if (run.branch) {
    containers.push(
      common(
        'branch-setup',
        'set -e; cd /workspace/repo; set +e; git ls-remote --exit-code --heads origin "refs/heads/$KELOS_BRANCH" >/dev/null; found=$?; set -e; ' +
          'if [ $found -eq 0 ]; then git fetch -q origin "$KELOS_BRANCH"; if git show-ref -q --verify "refs/heads/$KELOS_BRANCH"; then git checkout -q "$KELOS_BRANCH" && git merge -q --ff-only FETCH_HEAD; else git checkout -q -b "$KELOS_BRANCH" FETCH_HEAD; fi; ' +
          'elif [ $found -eq 2 ]; then git checkout -q -b "$KELOS_BRANCH"; else exit $found; fi',
        [{ name: 'KELOS_BRANCH', value: run.branch }],
      ),
    );
  }
  if (workspace.files.length) {
    const script = workspace.files
      .map((file) => `mkdir -p "$(dirname ${shellQuote(`/workspace/repo/${file.path}`)})" && printf '%s' ${shellQuote(file.content)} > ${shellQuote(`/workspace/repo/${file.path}`)}`)
      .join(' && ');
    containers.push(common('workspace-files', `set -e; ${script}`));
  }
  return containers;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
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
