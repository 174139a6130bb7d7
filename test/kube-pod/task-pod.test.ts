/**
 * The Task's Pod (kelos-behaviour §5.2): agent container, init containers, credentials and tokens as references,
 * KELOS_* variables, every podOverrides field, reserved names, naming and ownership; the secure defaults and how
 * an allowed podOverrides field loosens them; branch names and Workspace file paths that would escape.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STRICT_ALLOW } from '../../src/runtimes/kubernetes/pod-policy';
import { PodPolicyError } from '../../src/runtimes/kubernetes/task-pod';
import { workspaceFilesScript, workspaceInitContainers } from '../../src/runtimes/kubernetes/workspace-init-containers';
import { AGENT_CONTAINER, KELOS_UID, PodSpecError, WORKFLOW_ANNOTATION, buildTaskPod, podBelongsToTask, taskPodName } from '../../src/runtimes/kubernetes/task-pod';
import { agentConfig, fullyLoadedRun, workspace, FIXTURE_ALLOW } from './fixtures';

const build = (run = fullyLoadedRun(), ws = workspace()) => buildTaskPod({ allow: FIXTURE_ALLOW, run, workflowId: `task/${run.namespace}/${run.name}`, podName: taskPodName(run.namespace, run.name), workspace: ws, agentConfig });
const SECURE_POD = { runAsNonRoot: true, runAsUser: KELOS_UID, runAsGroup: KELOS_UID, fsGroup: KELOS_UID, seccompProfile: { type: 'RuntimeDefault' } };
const SECURE_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
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
    const pod = buildTaskPod({ allow: FIXTURE_ALLOW, run, workflowId: 'w', podName: 'p', imageTag: 'v0.31.0' });
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
    const pod = buildTaskPod({ allow: FIXTURE_ALLOW, run, workflowId: 'w', podName: 'p', workspace: workspace(), githubHost: 'ghe.corp' });
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
    for (const c of pod.spec!.initContainers!.slice(0, 4)) expect(c.securityContext).toEqual({ runAsUser: KELOS_UID, runAsGroup: KELOS_UID, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
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
    const bare = buildTaskPod({ allow: FIXTURE_ALLOW, run: fullyLoadedRun({ podOverrides: undefined }), workflowId: 'w', podName: 'p' });
    expect(bare.spec!.initContainers).toEqual([]);
    expect(bare.spec!.securityContext).toEqual(SECURE_POD);
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
    ['podSecurityContext keeps fsGroup 61100 unless set', () => pod.spec!.securityContext, SECURE_POD],
    ['containerSecurityContext', () => agentOf(pod).securityContext, SECURE_CONTAINER],
    ['extraContainers', () => pod.spec!.containers.map((c) => c.name), [AGENT_CONTAINER, 'proxy']],
    ['activeDeadlineSeconds', () => pod.spec!.activeDeadlineSeconds, 3600],
    ['labels: reserved kelos.dev/* keep ours', () => pod.metadata!.labels, { team: 'web', 'kelos.dev/task': 'fix-issue-42', 'kelos.dev/taskspawner': 'fix-bugs', 'app.kubernetes.io/managed-by': 'kelos-temporal' }],
  ])('%s', (_name, read, expected) => {
    expect(read()).toEqual(expected);
  });

  it('a user fsGroup wins', () => {
    const run = fullyLoadedRun();
    run.podOverrides = { ...run.podOverrides, podSecurityContext: { fsGroup: 2000 } };
    expect(build(run).spec!.securityContext).toEqual({ ...SECURE_POD, fsGroup: 2000 });
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
  const pod = buildTaskPod({ allow: FIXTURE_ALLOW, run, workflowId: 'w', podName: 'p', workspace: workspace(), workspaceTokenSecret: 'p-github-token' });
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

describe('secure defaults', () => {
  const plain = (podOverrides?: Record<string, unknown>, allow = STRICT_ALLOW) =>
    buildTaskPod({ allow, run: fullyLoadedRun({ podOverrides: podOverrides as never }), workflowId: 'w', podName: 'p', workspace: workspace(), agentConfig: { ...agentConfig, skills: [{ source: 'acme/skills', secretName: 'skills-token' }] } });

  it('non-root 61100 with the runtime seccomp profile, no service-account token, every container without escalation or capabilities', () => {
    const pod = plain();
    expect(pod.spec!.securityContext).toEqual(SECURE_POD);
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
    expect(pod.spec!.serviceAccountName).toBeUndefined();
    const all = [...pod.spec!.initContainers!, ...pod.spec!.containers];
    expect(all.map((c) => c.name)).toEqual(['git-clone', 'remote-setup', 'branch-setup', 'workspace-files', 'skills-install', AGENT_CONTAINER]);
    for (const c of all) expect(c.securityContext).toMatchObject(SECURE_CONTAINER);
  });

  it('an allowed service account gets its token mounted', () => {
    const pod = plain({ serviceAccountName: 'kelos-agent' }, FIXTURE_ALLOW);
    expect(pod.spec).toMatchObject({ serviceAccountName: 'kelos-agent', automountServiceAccountToken: true });
  });

  it('an allowed loosening is applied and kept valid: privileged drops the escalation default, root drops runAsNonRoot, added capabilities keep drop ALL', () => {
    const allow = { ...STRICT_ALLOW, privileged: true, runAsRoot: true, capabilities: ['NET_ADMIN'] };
    const pod = plain(
      {
        podSecurityContext: { runAsUser: 0 },
        containerSecurityContext: { capabilities: { add: ['NET_ADMIN'] } },
        extraContainers: [{ name: 'vpn', image: 'vpn:1', securityContext: { privileged: true, runAsUser: 0 } }],
      },
      allow,
    );
    expect(pod.spec!.securityContext).toEqual({ runAsUser: 0, runAsGroup: KELOS_UID, fsGroup: KELOS_UID, seccompProfile: { type: 'RuntimeDefault' } });
    expect(agentOf(pod).securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } });
    expect(pod.spec!.containers[1].securityContext).toEqual({ privileged: true, runAsUser: 0, runAsNonRoot: false, capabilities: { drop: ['ALL'] } });
  });

  test.each([
    [{ containerSecurityContext: { privileged: true } }, 'podOverrides.containerSecurityContext.privileged'],
    [{ volumes: [{ name: 'root', hostPath: { path: '/' } }] }, 'podOverrides.volumes[0].hostPath'],
    [{ serviceAccountName: 'admin' }, 'podOverrides.serviceAccountName'],
  ])('the builder itself refuses what its policy does not allow: %j', (overrides, field) => {
    expect(() => plain(overrides)).toThrow(PodPolicyError);
    expect(() => plain(overrides)).toThrow(`${field} is not allowed by this worker's policy`);
  });

  it('skills-install runs as 61100 on a node image with git, the CLI pinned, each token a file read by its one install', () => {
    const pod = plain();
    const skills = pod.spec!.initContainers!.find((c) => c.name === 'skills-install')!;
    expect(skills.image).toBe('node:22.14.0-bookworm');
    expect(skills.securityContext).toMatchObject({ runAsUser: KELOS_UID, runAsGroup: KELOS_UID });
    expect(skills.env).toEqual([{ name: 'HOME', value: '/kelos/plugin' }]);
    expect(skills.command![2]).toMatch(/npx -y skills@\d+\.\d+\.\d+ add 'acme\/skills'/);
    expect(skills.command![2]).not.toContain('apk add');
    expect(skills.volumeMounts).toContainEqual({ name: 'kelos-skills-token-0', mountPath: '/kelos/skills-tokens/KELOS_SKILLS_GITHUB_TOKEN_0', readOnly: true });
    expect(pod.spec!.volumes).toContainEqual({ name: 'kelos-skills-token-0', secret: { secretName: 'skills-token', items: [{ key: 'GITHUB_TOKEN', path: 'GITHUB_TOKEN' }] } });
    expect(agentOf(pod).volumeMounts!.map((m) => m.name)).not.toContain('kelos-skills-token-0');
  });
});

describe('branch names and Workspace file paths that try to escape', () => {
  test.each(['--upload-pack=touch /tmp/pwned', '-b', 'a..b', 'x y', 'feature/.hidden', 'ends.lock', 'a@{1}', 'a\\b'])('branch %j is refused', (branch) => {
    const run = fullyLoadedRun({ branch });
    expect(() => build(run)).toThrow(PodSpecError);
    expect(() => build(run)).toThrow(`branch: ${JSON.stringify(branch)} is not a valid branch name`);
  });

  test.each(['../.gitconfig', '/etc/passwd', 'docs/../../escape', '..', 'a\\b', ' '])('file path %j is refused with the field named', (filePath) => {
    expect(() => build(fullyLoadedRun(), workspace({ files: [{ path: 'ok.md', content: '' }, { path: filePath, content: 'x' }] }))).toThrow(`Workspace "widgets" files[1].path: ${JSON.stringify(filePath)}`);
  });

  it('the branch is fetched as refs/heads/<branch> after --', () => {
    const branchSetup = workspaceInitContainers(fullyLoadedRun(), workspace(), undefined).find((c) => c.name === 'branch-setup')!;
    expect(branchSetup.command![2]).toContain('git fetch -q origin -- "refs/heads/$KELOS_BRANCH"');
  });

  describe('the workspace-files script, run by sh', () => {
    let dir: string;
    let repo: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-files-'));
      repo = path.join(dir, 'repo');
      fs.mkdirSync(repo);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const run = (files: { path: string; content: string }[]) => {
      try {
        execFileSync('sh', ['-c', workspaceFilesScript(files, repo)], { stdio: 'pipe' });
        return '';
      } catch (err) {
        return String((err as { stderr: Buffer }).stderr);
      }
    };

    it('writes nested files and content verbatim', () => {
      expect(run([{ path: 'docs/deep/NOTES.md', content: "don't panic\n$HOME %s" }, { path: 'top.txt', content: '' }])).toBe('');
      expect(fs.readFileSync(path.join(repo, 'docs/deep/NOTES.md'), 'utf8')).toBe("don't panic\n$HOME %s");
      expect(fs.existsSync(path.join(repo, 'top.txt'))).toBe(true);
    });

    it('refuses to write through a committed symlink, to a file or a directory', () => {
      const outside = path.join(dir, 'outside');
      fs.mkdirSync(outside);
      fs.symlinkSync(outside, path.join(repo, 'linked-dir'));
      fs.symlinkSync(path.join(outside, 'target'), path.join(repo, 'linked-file'));
      expect(run([{ path: 'linked-dir/x', content: 'x' }])).toContain('linked-dir is a symbolic link');
      expect(run([{ path: 'linked-file', content: 'x' }])).toContain('linked-file is a symbolic link');
      expect(fs.readdirSync(outside)).toEqual([]);
    });
  });

  it('the branch-setup script fetches an existing remote branch and checks it out', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-branch-'));
    try {
      const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'pipe' }).toString();
      const origin = path.join(dir, 'origin');
      fs.mkdirSync(origin);
      git(origin, 'init', '-q');
      git(origin, 'commit', '-q', '--allow-empty', '-m', 'base');
      git(origin, 'checkout', '-q', '-b', 'feature/x');
      git(origin, 'commit', '-q', '--allow-empty', '-m', 'on feature');
      git(origin, 'checkout', '-q', 'main');
      git(dir, 'clone', '-q', '--depth', '1', `file://${origin}`, 'repo');
      const script = workspaceInitContainers(fullyLoadedRun({ branch: 'feature/x' }), workspace(), undefined).find((c) => c.name === 'branch-setup')!.command![2];
      execFileSync('sh', ['-c', script.replace('/workspace/repo', path.join(dir, 'repo'))], { env: { ...process.env, KELOS_BRANCH: 'feature/x' }, stdio: 'pipe' });
      expect(git(path.join(dir, 'repo'), 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('feature/x');
      expect(git(path.join(dir, 'repo'), 'log', '-1', '--format=%s').trim()).toBe('on feature');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
