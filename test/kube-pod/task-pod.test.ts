/**
 * The Task's Pod (kelos-behaviour §5.2): agent container, init containers, credentials and tokens as references,
 * KELOS_* variables, every podOverrides field, reserved names, naming and ownership.
 */
import { AGENT_CONTAINER, KELOS_UID, PodSpecError, WORKFLOW_ANNOTATION, buildTaskPod, podBelongsToTask, taskPodName } from '../../api/kube/task-pod';
import { agentConfig, fullyLoadedRun, workspace } from './fixtures';

const build = (run = fullyLoadedRun(), ws = workspace()) => buildTaskPod({ run, workflowId: `task/${run.namespace}/${run.name}`, podName: taskPodName(run.namespace, run.name), workspace: ws, agentConfig });
const agentOf = (pod: ReturnType<typeof build>) => pod.spec!.containers.find((c) => c.name === AGENT_CONTAINER)!;
const envOf = (pod: ReturnType<typeof build>) => Object.fromEntries(agentOf(pod).env!.map((e) => [e.name, e.value ?? e.valueFrom]));

describe('agent container', () => {
  it('runs the Kelos image through tini with the prompt as the only argument, in the checkout', () => {
    const agent = agentOf(build());
    expect(agent.image).toBe('ghcr.io/kelos-dev/claude-code:latest');
    expect(agent.command).toEqual(['/usr/bin/tini', '-g', '--', '/kelos_entrypoint.sh']);
    expect(agent.args).toEqual(['Fix issue #42: the login page crashes.\nOpen a PR.']);
    expect(agent.workingDir).toBe('/workspace/repo');
  });

  it('a custom image runs /kelos_entrypoint.sh directly; the image tag is configurable', () => {
    expect(agentOf(build(fullyLoadedRun({ image: 'registry.example.com/my-agent:7' }))).command).toEqual(['/kelos_entrypoint.sh']);
    const run = fullyLoadedRun();
    const pod = buildTaskPod({ run, workflowId: 'w', podName: 'p', imageTag: 'v0.31.0' });
    expect(agentOf(pod).image).toBe('ghcr.io/kelos-dev/claude-code:v0.31.0');
    expect(agentOf(pod).workingDir).toBeUndefined();
  });

  it('credentials and the workspace token are secret references, never values', () => {
    const env = envOf(build());
    expect(env.CLAUDE_CODE_OAUTH_TOKEN).toEqual({ secretKeyRef: { name: 'claude-oauth', key: 'CLAUDE_CODE_OAUTH_TOKEN' } });
    expect(env.GITHUB_TOKEN).toEqual({ secretKeyRef: { name: 'github-token', key: 'GITHUB_TOKEN', optional: true } });
    expect(env.GH_TOKEN).toEqual(env.GITHUB_TOKEN);
    expect(env.AWS_ACCESS_KEY_ID).toEqual({ secretKeyRef: { name: 'bedrock', key: 'AWS_ACCESS_KEY_ID' } });
    expect(env.KELOS_GITHUB_TOKEN_FILE).toBe('/kelos/github-token/GITHUB_TOKEN');
    const tokenVolume = build().spec!.volumes!.find((v) => v.name === 'kelos-github-token');
    expect(tokenVolume!.secret).toMatchObject({ secretName: 'github-token', items: [{ key: 'GITHUB_TOKEN', path: 'GITHUB_TOKEN' }] });
  });

  it('sets the KELOS_* variables; built-ins win over podOverrides.env, KELOS_SETUP_COMMAND is never the user\'s', () => {
    const env = envOf(build());
    expect(env).toMatchObject({
      KELOS_MODEL: 'opus',
      KELOS_EFFORT: 'high',
      KELOS_BRANCH: 'kelos/fix-42',
      KELOS_AGENT_TYPE: 'claude-code',
      KELOS_TASKSPAWNER: 'fix-bugs',
      KELOS_BASE_BRANCH: 'main',
      KELOS_UPSTREAM_REPO: 'upstream-org/widgets',
      KELOS_SETUP_COMMAND: '["npm","ci"]',
      KELOS_AGENTS_MD: 'Always write tests.',
      GH_CONFIG_DIR: '/workspace/.gh-config',
      FEATURE_FLAG: 'on',
    });
    expect(agentOf(build()).env!.filter((e) => e.name === 'KELOS_BRANCH')).toHaveLength(1);
    expect(agentOf(build()).env!.filter((e) => e.name === 'KELOS_SETUP_COMMAND')).toHaveLength(1);
  });

  it('GitHub Enterprise: GH_HOST and GH_ENTERPRISE_TOKEN', () => {
    const run = fullyLoadedRun();
    const pod = buildTaskPod({ run, workflowId: 'w', podName: 'p', workspace: workspace(), githubHost: 'ghe.corp' });
    const env = envOf(pod);
    expect(env.GH_HOST).toBe('ghe.corp');
    expect(env.GH_ENTERPRISE_TOKEN).toBeDefined();
    expect(env.GH_TOKEN).toBeUndefined();
  });
});

describe('init containers', () => {
  it('clone, remotes, branch, files in Kelos\'s order as UID 61100, then the user\'s', () => {
    const pod = build();
    expect(pod.spec!.initContainers!.map((c) => c.name)).toEqual(['git-clone', 'remote-setup', 'branch-setup', 'workspace-files', 'warm-cache']);
    for (const c of pod.spec!.initContainers!.slice(0, 4)) expect(c.securityContext).toEqual({ runAsUser: KELOS_UID, runAsGroup: KELOS_UID });
    const clone = pod.spec!.initContainers![0];
    expect(clone.command![2]).toContain('clone --branch "$KELOS_REF" --no-single-branch --depth 1 -- "$KELOS_REPO" /workspace/repo');
    expect(clone.command![2]).toContain('credential.username=x-access-token');
    expect(clone.env).toContainEqual({ name: 'KELOS_REPO', value: 'https://github.com/acme/widgets.git' });
  });

  it('a commit SHA ref is fetched and checked out detached; no workspace means no init containers', () => {
    const sha = 'a'.repeat(40);
    const clone = build(fullyLoadedRun(), workspace({ ref: sha })).spec!.initContainers![0];
    expect(clone.command![2]).toContain('fetch --depth 1 origin "$KELOS_REF"');
    expect(clone.command![2]).toContain('checkout -q --detach FETCH_HEAD');
    const bare = buildTaskPod({ run: fullyLoadedRun({ podOverrides: undefined }), workflowId: 'w', podName: 'p' });
    expect(bare.spec!.initContainers).toEqual([]);
    expect(bare.spec!.securityContext).toBeUndefined();
  });
});

describe('podOverrides', () => {
  const pod = build();
  test.each([
    ['resources', () => agentOf(pod).resources, { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } }],
    ['nodeSelector', () => pod.spec!.nodeSelector, { 'kubernetes.io/os': 'linux' }],
    ['tolerations', () => pod.spec!.tolerations![0].key, 'agents'],
    ['affinity', () => Boolean(pod.spec!.affinity!.nodeAffinity), true],
    ['imagePullSecrets', () => pod.spec!.imagePullSecrets, [{ name: 'ghcr-pull' }]],
    ['serviceAccountName', () => pod.spec!.serviceAccountName, 'kelos-agent'],
    ['volumes', () => pod.spec!.volumes!.map((v) => v.name), ['workspace', 'kelos-github-token', 'cache']],
    ['volumeMounts', () => agentOf(pod).volumeMounts!.map((m) => m.name), ['workspace', 'kelos-github-token', 'cache']],
    ['podSecurityContext keeps fsGroup 61100 unless set', () => pod.spec!.securityContext, { fsGroup: KELOS_UID, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }],
    ['containerSecurityContext', () => agentOf(pod).securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }],
    ['extraContainers', () => pod.spec!.containers.map((c) => c.name), [AGENT_CONTAINER, 'proxy']],
    ['activeDeadlineSeconds', () => pod.spec!.activeDeadlineSeconds, 3600],
    ['labels: reserved kelos.dev/* keep ours', () => pod.metadata!.labels, { team: 'web', 'kelos.dev/task': 'fix-issue-42', 'kelos.dev/taskspawner': 'fix-bugs', 'app.kubernetes.io/managed-by': 'kelos-temporal' }],
  ])('%s', (_name, read, expected) => {
    expect(read()).toEqual(expected);
  });

  it('a user fsGroup wins', () => {
    const run = fullyLoadedRun();
    run.podOverrides = { ...run.podOverrides, podSecurityContext: { fsGroup: 2000 } };
    expect(build(run).spec!.securityContext).toEqual({ fsGroup: 2000 });
  });

  test.each([
    [{ volumes: [{ name: 'workspace', emptyDir: {} }] }, 'podOverrides.volumes[0].name: "workspace" is reserved'],
    [{ volumes: [{ name: 'kelos-cache', emptyDir: {} }] }, 'podOverrides.volumes[0].name: "kelos-cache" is reserved'],
    [{ extraInitContainers: [{ name: 'git-clone', image: 'x' }] }, 'podOverrides.extraInitContainers[0].name: "git-clone" is reserved'],
    [{ extraContainers: [{ name: 'kelos-sidecar', image: 'x' }] }, 'podOverrides.extraContainers[0].name: "kelos-sidecar" is reserved'],
    [{ extraContainers: [{ name: 'a', image: 'x' }], extraInitContainers: [{ name: 'a', image: 'x' }] }, 'container "a" is in both'],
  ])('reserved names are refused: %j', (overrides, message) => {
    const run = fullyLoadedRun({ podOverrides: overrides as never });
    expect(() => build(run)).toThrow(PodSpecError);
    expect(() => build(run)).toThrow(message);
  });
});

it('a GitHub App workspace: git and gh use the per-Task token Secret instead of the Workspace\'s', () => {
  const run = fullyLoadedRun();
  const pod = buildTaskPod({ run, workflowId: 'w', podName: 'p', workspace: workspace(), workspaceTokenSecret: 'p-github-token' });
  expect(envOf(pod).GITHUB_TOKEN).toEqual({ secretKeyRef: { name: 'p-github-token', key: 'GITHUB_TOKEN', optional: true } });
  expect(pod.spec!.volumes!.find((v) => v.name === 'kelos-github-token')!.secret!.secretName).toBe('p-github-token');
});

describe('naming and ownership', () => {
  it('Pod names are DNS-1123, at most 63 characters, deterministic, distinct when cut', () => {
    expect(taskPodName('default', 'fix-issue-42')).toBe('fix-issue-42');
    const long = `spawner-${'x'.repeat(80)}`;
    const a = taskPodName('default', `${long}-1`);
    const b = taskPodName('default', `${long}-2`);
    expect(a).toHaveLength(63);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(a).not.toBe(b);
    expect(taskPodName('default', `${long}-1`)).toBe(a);
  });

  it('the workflow ID on the Pod tells a retried create whether an existing Pod is its own', () => {
    const pod = build();
    expect(pod.metadata!.annotations![WORKFLOW_ANNOTATION]).toBe('task/default/fix-issue-42');
    expect(podBelongsToTask(pod, 'task/default/fix-issue-42')).toBe(true);
    expect(podBelongsToTask(pod, 'task/default/other')).toBe(false);
  });
});
