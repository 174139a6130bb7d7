/** A Task that uses every podOverrides field at once, with a Workspace and credentials: for builder and API server tests. */
import { STRICT_ALLOW, type PodPolicyAllow } from '../../src/runtimes/kubernetes/pod-policy';
import type { AgentConfigBundle, WorkspaceSource } from '../../src/task/task-runtime';
import type { TaskRun } from '../../src/task/task-run';

export function fullyLoadedRun(patch: Partial<TaskRun> = {}): TaskRun {
  return {
    namespace: 'default',
    name: 'fix-issue-42',
    agentType: 'claude-code',
    prompt: 'Fix issue #42: the login page crashes.\nOpen a PR.',
    model: 'opus',
    effort: 'high',
    credentials: { type: 'oauth', secretName: 'claude-oauth' },
    workspaceRef: 'widgets',
    agentConfigRefs: ['style'],
    branch: 'kelos/fix-42',
    activeDeadlineSeconds: 3600,
    env: [
      { name: 'FEATURE_FLAG', value: 'on' },
      { name: 'KELOS_BRANCH', value: 'user-tries-to-override' },
      { name: 'KELOS_SETUP_COMMAND', value: 'rm -rf /' },
      { name: 'AWS_ACCESS_KEY_ID', secretKeyRef: { name: 'bedrock', key: 'AWS_ACCESS_KEY_ID' } },
    ],
    labels: { team: 'web' },
    spawner: 'fix-bugs',
    sourceKind: 'githubIssues',
    apiVersion: 'kelos.dev/v1alpha2',
    podOverrides: {
      labels: { team: 'web', 'kelos.dev/task': 'spoofed' },
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'agents', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'pool', operator: 'In', values: ['agents'] }] } }] } },
      imagePullSecrets: [{ name: 'ghcr-pull' }],
      serviceAccountName: 'kelos-agent',
      volumes: [{ name: 'cache', emptyDir: { sizeLimit: '1Gi' } }],
      volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      extraContainers: [{ name: 'proxy', image: 'ghcr.io/example/egress-proxy:1.2', args: ['--listen', ':3128'] }],
      extraInitContainers: [{ name: 'warm-cache', image: 'busybox:1.36', command: ['sh', '-c', 'mkdir -p /cache/npm'], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
    },
    ...patch,
  };
}

export function workspace(patch: Partial<WorkspaceSource> = {}): WorkspaceSource {
  return {
    name: 'widgets',
    repo: 'https://github.com/acme/widgets.git',
    ref: 'main',
    secretName: 'github-token',
    remotes: [{ name: 'upstream', url: 'https://github.com/upstream-org/widgets.git' }],
    files: [{ path: 'docs/NOTES.md', content: "Team notes: don't panic\n" }],
    setupCommand: ['npm', 'ci'],
    ...patch,
  };
}

export const agentConfig: AgentConfigBundle = { names: ['style'], agentsMD: 'Always write tests.', plugins: [], skills: [], mcpServers: [] };

/** The worker policy these fixtures need: the fully loaded Task names the service account kelos-agent. */
export const FIXTURE_ALLOW: PodPolicyAllow = { ...STRICT_ALLOW, serviceAccountNames: ['kelos-agent'] };
