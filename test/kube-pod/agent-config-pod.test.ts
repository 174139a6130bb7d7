/**
 * What AgentConfigs add to the Task's Pod (kelos-behaviour §1.4, §5.2): plugins through a per-Task ConfigMap and
 * the plugin-setup init container, skills.sh packages through skills-install, MCP servers from a per-Task Secret;
 * and the scripts those init containers run, executed here by sh on the layout the kubelet gives them.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PLUGIN_CONFIGMAP_BUDGET, agentConfigPodParts, pluginConfigMapFiles, pluginSetupScript, taskCompanionNames } from '../../src/runtimes/kubernetes/agent-config-pod';
import { AGENT_CONTAINER, PodSpecError, buildTaskPod } from '../../src/runtimes/kubernetes/task-pod';
import { SKILLS_CLI, skillsInstallScript } from '../../src/runtimes/skills-install-script';
import type { AgentConfigBundle } from '../../src/task/task-runtime';
import { agentConfig, fullyLoadedRun, workspace, FIXTURE_ALLOW } from './fixtures';

const bundle: AgentConfigBundle = {
  ...agentConfig,
  plugins: [{ name: 'team', skills: [{ name: 'review', content: '# Review\nBe kind.' }], agents: [{ name: 'critic', content: 'You are a critic.' }] }],
  skills: [{ source: 'acme/skills', skill: 'lint' }, { source: 'https://ghe.corp/org/private-skills', secretName: 'skills-token' }],
  mcpServers: [{ name: 'github', type: 'http', url: 'https://mcp.example' }],
};

function podWith(agent: AgentConfigBundle) {
  return buildTaskPod({ allow: FIXTURE_ALLOW, run: fullyLoadedRun(), workflowId: 'task/default/fix-issue-42', podName: 'fix-issue-42', workspace: workspace(), agentConfig: agent });
}

describe('the Pod', () => {
  const pod = podWith(bundle);
  const agent = pod.spec!.containers.find((c) => c.name === AGENT_CONTAINER)!;
  const env = Object.fromEntries(agent.env!.map((e) => [e.name, e.value ?? e.valueFrom]));

  it('runs plugin-setup and skills-install after the workspace containers, before the user\'s', () => {
    expect(pod.spec!.initContainers!.map((c) => c.name)).toEqual(['git-clone', 'remote-setup', 'branch-setup', 'workspace-files', 'plugin-setup', 'skills-install', 'warm-cache']);
  });

  it('projects each plugin file from the per-Task ConfigMap to its place in the tree', () => {
    const source = pod.spec!.volumes!.find((v) => v.name === 'kelos-plugin-src')!;
    expect(source.configMap).toEqual({
      name: taskCompanionNames('fix-issue-42').plugins,
      items: [
        { key: 'p0-s0', path: 'team/skills/review/SKILL.md' },
        { key: 'p0-a0', path: 'team/agents/critic.md' },
      ],
    });
    expect(agent.volumeMounts).toContainEqual({ name: 'kelos-plugin', mountPath: '/kelos/plugin' });
    expect(env.KELOS_PLUGIN_DIR).toBe('/kelos/plugin');
  });

  it('MCP servers come from the per-Task Secret, never as a literal value in the Pod', () => {
    expect(env.KELOS_MCP_SERVERS).toEqual({ secretKeyRef: { name: 'fix-issue-42-mcp', key: 'KELOS_MCP_SERVERS' } });
  });

  it('skills-install runs on a node image with git as 61100, HOME at the plugin dir, each secret\'s token mounted as a file', () => {
    const skills = pod.spec!.initContainers!.find((c) => c.name === 'skills-install')!;
    expect(skills.image).toBe('node:22.14.0-bookworm');
    expect(skills.securityContext).toEqual({ runAsUser: 61100, runAsGroup: 61100, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(skills.env).toEqual([{ name: 'HOME', value: '/kelos/plugin' }]);
    expect(skills.volumeMounts).toContainEqual({ name: 'kelos-skills-token-0', mountPath: '/kelos/skills-tokens/KELOS_SKILLS_GITHUB_TOKEN_0', readOnly: true });
    expect(skills.command![2]).toContain(`npx -y ${SKILLS_CLI} add 'acme/skills' -a universal -y -g -s 'lint'`);
    expect(skills.command![2]).toContain(`KELOS_SKILLS_GITHUB_TOKEN_0="$(cat '/kelos/skills-tokens/KELOS_SKILLS_GITHUB_TOKEN_0/GITHUB_TOKEN')"`);
    expect(skills.command![2]).toContain("GH_HOST='ghe.corp' GH_ENTERPRISE_TOKEN=\"$KELOS_SKILLS_GITHUB_TOKEN_0\"");
    expect(skills.command![2]).not.toContain('chown');
  });

  it('agentsMD alone adds no plugin volume', () => {
    const plain = podWith(agentConfig);
    expect(plain.spec!.volumes!.map((v) => v.name)).not.toContain('kelos-plugin');
    expect(agentConfigPodParts(agentConfig, 'p').agentEnv).toEqual([{ name: 'KELOS_AGENTS_MD', value: 'Always write tests.' }]);
  });
});

describe('refused with the field named', () => {
  test.each([
    [{ plugins: [{ name: '../escape', skills: [], agents: [] }] }, 'AgentConfig plugins[0].name: "../escape" must not contain a path separator'],
    [{ plugins: [{ name: 'team', skills: [{ name: '..', content: 'x' }], agents: [] }] }, 'AgentConfig plugins[0].skills[0].name: ".." is not a valid name'],
    [{ plugins: [{ name: 'skills-sh', skills: [{ name: 'a', content: 'x' }], agents: [] }], skills: [{ source: 'acme/skills' }] }, 'the name "skills-sh" is reserved'],
    [{ plugins: [{ name: 'big', skills: [{ name: 'a', content: 'x'.repeat(PLUGIN_CONFIGMAP_BUDGET + 1) }], agents: [] }] }, 'exceed the 921600 bytes a per-Task ConfigMap can carry'],
  ])('%#', (patch, message) => {
    const broken = { ...agentConfig, ...patch } as AgentConfigBundle;
    expect(() => podWith(broken)).toThrow(PodSpecError);
    expect(() => podWith(broken)).toThrow(message);
  });
});

describe('the init containers\' scripts, run by sh', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-plugin-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('plugin-setup copies the projected tree, following the kubelet\'s ..data symlinks and skipping its hidden entries', () => {
    // The kubelet's atomic writer: files under ..<timestamp>/, ..data -> it, top-level entries -> ..data/<entry>.
    const source = path.join(dir, 'src');
    const stamp = path.join(source, '..2026_12_01_21_00_00.000000001');
    for (const file of pluginConfigMapFiles(bundle)) {
      fs.mkdirSync(path.dirname(path.join(stamp, file.path)), { recursive: true });
      fs.writeFileSync(path.join(stamp, file.path), file.content);
    }
    fs.symlinkSync(path.basename(stamp), path.join(source, '..data'));
    fs.symlinkSync('..data/team', path.join(source, 'team'));
    const dest = path.join(dir, 'plugin');
    fs.mkdirSync(dest);
    execFileSync('sh', ['-c', pluginSetupScript(source, dest)]);
    expect(fs.readdirSync(dest)).toEqual(['team']);
    expect(fs.readFileSync(path.join(dest, 'team/skills/review/SKILL.md'), 'utf8')).toBe('# Review\nBe kind.');
    expect(fs.readFileSync(path.join(dest, 'team/agents/critic.md'), 'utf8')).toBe('You are a critic.');
    expect(fs.lstatSync(path.join(dest, 'team')).isSymbolicLink()).toBe(false);
  });

  it('skills-install moves what `npx skills add` installed into the skills-sh plugin; a private source gets its token', () => {
    // A stand-in for npx that records its arguments and the credential git would get, and installs one skill.
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'npx'),
      '#!/bin/sh\necho "$*" >> "$LOG"\nif [ -n "${GIT_CONFIG_VALUE_0:-}" ]; then sh -c "${GIT_CONFIG_VALUE_0#!} get" >> "$LOG"; fi\nname=$(basename "$4")\nmkdir -p "$HOME/.agents/skills/$name" "$HOME/.npm" && echo "# $name" > "$HOME/.agents/skills/$name/SKILL.md"\n',
      { mode: 0o755 },
    );
    const home = path.join(dir, 'plugin');
    fs.mkdirSync(home);
    const log = path.join(dir, 'npx.log');
    const script = skillsInstallScript(bundle.skills, { pluginDir: home });
    execFileSync('sh', ['-c', script], { env: { PATH: `${bin}:${process.env.PATH}`, HOME: home, LOG: log, KELOS_SKILLS_GITHUB_TOKEN_0: 'ghs_skills' } });
    expect(fs.readdirSync(path.join(home, 'skills-sh/skills')).sort()).toEqual(['private-skills', 'skills']);
    expect(fs.readFileSync(path.join(home, 'skills-sh/skills/skills/SKILL.md'), 'utf8')).toBe('# skills\n');
    expect(fs.readdirSync(home)).toEqual(['skills-sh']);
    expect(fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual([
      `-y ${SKILLS_CLI} add acme/skills -a universal -y -g -s lint`,
      `-y ${SKILLS_CLI} add https://ghe.corp/org/private-skills -a universal -y -g`,
      'username=x-access-token',
      'password=ghs_skills',
    ]);
  });

  it('skills-install with mounted token files: only the install that needs a token sees it, and not in its parent\'s environment', () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // Records, per call, which environment variables hold the token, and installs one skill.
    fs.writeFileSync(
      path.join(bin, 'npx'),
      '#!/bin/sh\necho "$4: $(env | grep -c ghs_file || true)" >> "$LOG"\nname=$(basename "$4")\nmkdir -p "$HOME/.agents/skills/$name" && echo "# $name" > "$HOME/.agents/skills/$name/SKILL.md"\n',
      { mode: 0o755 },
    );
    const tokens = path.join(dir, 'tokens');
    fs.mkdirSync(path.join(tokens, 'KELOS_SKILLS_GITHUB_TOKEN_0'), { recursive: true });
    fs.writeFileSync(path.join(tokens, 'KELOS_SKILLS_GITHUB_TOKEN_0', 'GITHUB_TOKEN'), 'ghs_file');
    const home = path.join(dir, 'plugin');
    fs.mkdirSync(home);
    const log = path.join(dir, 'npx.log');
    const skills = [{ source: 'https://github.com/org/private-skills', secretName: 'skills-token' }, { source: 'acme/public' }];
    execFileSync('sh', ['-c', skillsInstallScript(skills, { pluginDir: home, tokenDir: tokens })], { env: { PATH: `${bin}:${process.env.PATH}`, HOME: home, LOG: log } });
    // GITHUB_TOKEN, GH_TOKEN and KELOS_SKILLS_TOKEN for the private source; nothing for the public one.
    expect(fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual(['https://github.com/org/private-skills: 3', 'acme/public: 0']);
  });

  it('skills-install fails clearly when nothing was installed', () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'npx'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    let stderr = '';
    try {
      execFileSync('sh', ['-c', skillsInstallScript([{ source: 'acme/none' }], { pluginDir: dir })], { env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir }, stdio: 'pipe' });
    } catch (err) {
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain('skills-install: npx skills add installed nothing');
  });
});
