/**
 * Kelos CLI commands and flags through the real `kelos` binary: `version`, `completion`, and (against the test dev
 * server) `get -A/-d`, `delete task --all`, `run --depends-on/-y` and the global `--kubeconfig`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KELOS_ROOT, runKelos, runKelosAsync } from '../harness/kelos-cli';
import { eventually, startKelosTestStack, type KelosTestStack } from '../harness/kelos-stack';
import { testServerAddress, uniqueTaskQueue } from '../harness/temporal';
import YAML from 'yaml';
import { LocalSecretStore } from '../../src/host/secret-store';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-parity-'));
const offline = (args: string[]) => runKelos({ address: '127.0.0.1:1', home }, args);

describe('kelos version', () => {
  it("prints the package's version on one line", () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(KELOS_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(offline(['version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(offline(['version', 'extra']).code).toBe(1);
  });
});

describe('kelos completion', () => {
  /** What bash offers after the typed words, with the generated script sourced into a real bash. */
  function bashComplete(script: string, words: string[]): string[] {
    const file = path.join(home, 'kelos.bash');
    fs.writeFileSync(file, script);
    const line = words.map((w) => `'${w}'`).join(' ');
    const out = spawnSync('bash', ['-c', `source ${file}; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _kelos_completions; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    return out.stdout.split('\n').filter(Boolean);
  }

  it('bash: completes commands, their flags, global flags after a value flag, and flag choices', () => {
    const out = offline(['completion', 'bash']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/complete -o default -F _kelos_completions kelos\n$/);
    expect(bashComplete(out.stdout, ['kelos', 've'])).toEqual(['version']);
    expect(bashComplete(out.stdout, ['kelos', 'co'])).toEqual(['controller', 'codec-server', 'completion']);
    // `-n team-a` is a global flag with its value: the subcommand after it still counts.
    expect(bashComplete(out.stdout, ['kelos', '-n', 'team-a', 'get', 'tasks', '--ph'])).toEqual(['--phase']);
    expect(bashComplete(out.stdout, ['kelos', 'run', '--credential-type', ''])).toEqual(['api-key', 'oauth', 'none']);
    expect(bashComplete(out.stdout, ['kelos', 'completion', ''])).toEqual(expect.arrayContaining(['bash', 'zsh', 'fish']));
    expect(bashComplete(out.stdout, ['kelos', 'get', '--namesp'])).toEqual(['--namespace']);
  });

  it('zsh loads the same function through bashcompinit; fish gets one complete line per command and flag', () => {
    const zsh = offline(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef kelos\n/);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain('complete -o default -F _kelos_completions kelos');
    const fish = offline(['completion', 'fish']).stdout;
    expect(fish).toContain("complete -c kelos -n '__fish_use_subcommand' -a 'version' -d 'print the kelos version'");
    expect(fish).toContain("complete -c kelos -n '__fish_seen_subcommand_from get' -s o -l output -r");
    expect(fish).toContain("complete -c kelos -n '__fish_seen_subcommand_from run' -l credential-type -x -a 'api-key oauth none'");
  });

  it('refuses an unknown shell naming the choices', () => {
    const out = offline(['completion', 'tcsh']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('Allowed choices are bash, zsh, fish');
  });
});

describe('kelos get -A and -d', () => {
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const [teamA, teamB] = [`parity-a-${suffix}`, `parity-b-${suffix}`];
  // No worker polls this queue: the Tasks stay Pending, which is all a listing needs.
  const queue = uniqueTaskQueue('parity-get');
  const kelos = (args: string[], input?: string) => runKelos({ address: testServerAddress(), home }, ['--task-queue', queue, ...args], input);
  const manifests = (namespace: string, task: string) =>
    [
      `{apiVersion: kelos.dev/v1alpha2, kind: Workspace, metadata: {name: ws, namespace: ${namespace}}, spec: {repo: 'https://github.com/acme/${namespace}.git', ref: main}}`,
      `{apiVersion: kelos.dev/v1alpha2, kind: Task, metadata: {name: ${task}, namespace: ${namespace}}, spec: {type: codex, prompt: 'Fix the build', credentials: {type: none}, branch: fix-${task}, workspaceRef: {name: ws}, dependsOn: [setup, lint]}}`,
    ].join('\n---\n');

  /** Visibility may lag the start by a moment: the rows of our two namespaces once both are there. */
  async function rowsOf(args: string[], count: number): Promise<string[]> {
    let rows: string[] = [];
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const out = kelos(args);
      expect(out.stderr).toBe('');
      rows = out.stdout.split('\n').filter((line) => line.startsWith('NAMESPACE') || line.includes(suffix));
      if (rows.length === count + 1) return rows;
      await new Promise((r) => setTimeout(r, 500));
    }
    return rows;
  }

  beforeAll(() => {
    for (const [namespace, task] of [[teamA, 'fix-a'], [teamB, 'fix-b']]) {
      const out = kelos(['apply', '-f', '-'], manifests(namespace, task));
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
    }
  });

  it('lists Tasks and Workspaces of every namespace with a NAMESPACE column, sorted by namespace', async () => {
    const tasks = await rowsOf(['get', 'tasks', '-A'], 2);
    expect(tasks[0].split(/\s{2,}/)).toEqual(['NAMESPACE', 'NAME', 'TYPE', 'PHASE', 'BRANCH', 'AGE']);
    expect(tasks.slice(1).map((row) => row.split(/\s+/).slice(0, 5))).toEqual([
      [teamA, 'fix-a', 'codex', 'Pending', 'fix-fix-a'],
      [teamB, 'fix-b', 'codex', 'Pending', 'fix-fix-b'],
    ]);
    const workspaces = await rowsOf(['get', 'workspaces', '--all-namespaces'], 2);
    expect(workspaces.slice(1).map((row) => row.split(/\s+/).slice(0, 3))).toEqual([
      [teamA, 'ws', `https://github.com/acme/${teamA}.git`],
      [teamB, 'ws', `https://github.com/acme/${teamB}.git`],
    ]);
    // -o json across namespaces: the objects keep their own namespace.
    const json = JSON.parse(kelos(['get', 'tasks', '-A', '-o', 'json']).stdout) as { items: { metadata: { name: string; namespace: string } }[] };
    expect(json.items.filter((t) => t.metadata.namespace.includes(suffix)).map((t) => `${t.metadata.namespace}/${t.metadata.name}`)).toEqual([`${teamA}/fix-a`, `${teamB}/fix-b`]);
    // Without -A only the given namespace, without the column.
    const one = kelos(['-n', teamB, 'get', 'tasks']).stdout.split('\n');
    expect(one[0]).toMatch(/^NAME\s+TYPE/);
    expect(one.filter((line) => line.startsWith('fix-'))).toHaveLength(1);
  });

  it('refuses a NAME with -A, and -d without a NAME', () => {
    expect(kelos(['get', 'task', 'fix-a', '-A']).stderr).toBe('error: a resource cannot be retrieved by name across all namespaces (-A goes without NAME)\n');
    expect(kelos(['get', 'tasks', '-d']).stderr).toBe('error: -d/--detail shows one object: give its NAME\n');
  });

  it('-d shows one Task and one Workspace as labelled lines', () => {
    const task = kelos(['-n', teamA, 'get', 'task', 'fix-a', '-d']);
    expect(task.code).toBe(0);
    expect(task.stdout).toBe(
      [
        `Name:               fix-a`,
        `Namespace:          ${teamA}`,
        'Type:               codex',
        'Phase:              Pending',
        'Prompt:             Fix the build',
        'Credential Type:    none',
        'Branch:             fix-fix-a',
        'Depends On:         setup, lint',
        'Workspace:          ws',
        '',
      ].join('\n'),
    );
    const workspace = kelos(['-n', teamB, 'get', 'workspace', 'ws', '--detail']);
    expect(workspace.stdout).toBe(`Name:               ws\nNamespace:          ${teamB}\nRepo:               https://github.com/acme/${teamB}.git\nRef:                main\n`);
  });
});

describe('--kubeconfig on every command', () => {
  const namespace = `parity-kube-${process.pid}-${Date.now().toString(36)}`;
  const queue = uniqueTaskQueue('parity-kube');
  const missing = path.join(home, 'no-such-kubeconfig');
  const kelos = (args: string[], input?: string) => runKelos({ address: testServerAddress(), home }, ['--task-queue', queue, '-n', namespace, ...args], input);

  it('reaches the commands that talk to Kubernetes whether it is given before or after the command', () => {
    const task = `{apiVersion: kelos.dev/v1alpha2, kind: Task, metadata: {name: on-pods, namespace: ${namespace}, annotations: {kelos.dev/runtime: kubernetes}}, spec: {type: codex, prompt: p, credentials: {type: none}}}`;
    expect(kelos(['apply', '-f', '-'], task).code).toBe(0);
    const expected = `error: cannot load the kubeconfig ${missing}: ENOENT: no such file or directory, open '${missing}'\n`;
    expect(kelos(['--kubeconfig', missing, 'logs', 'on-pods']).stderr).toBe(expected);
    expect(kelos(['logs', 'on-pods', '--kubeconfig', missing]).stderr).toBe(expected);
    expect(kelos(['--kubeconfig', missing, 'controller']).stderr).toBe(expected);
    expect(kelos(['controller', '--kubeconfig', missing]).stderr).toBe(expected);
  });

  it('is accepted by the commands that only talk to Temporal (Kelos scripts pass it everywhere)', () => {
    const out = kelos(['get', 'tasks', '--kubeconfig', missing]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(kelos(['--kubeconfig', missing, 'run', '-p', 'x', '--credential-type', 'none', '--name', 'plain', '--dry-run']).code).toBe(0);
  });
});

describe('kelos create workspace|agentconfig', () => {
  const namespace = `parity-create-${process.pid}-${Date.now().toString(36)}`;
  const queue = uniqueTaskQueue('parity-create');
  const kelos = (args: string[], input?: string) => runKelos({ address: testServerAddress(), home }, ['--task-queue', queue, '-n', namespace, ...args], input);

  it('--token asks before replacing a different Secret NAME-credentials; -y replaces it; the Workspace is stored', async () => {
    expect(kelos(['apply', '-f', '-'], `{apiVersion: v1, kind: Secret, metadata: {name: app-credentials}, stringData: {GITHUB_TOKEN: old}}`).code).toBe(0);
    const refused = kelos(['create', 'workspace', 'app', '--repo', 'https://github.com/acme/app.git', '--token', 'new'], 'n\n');
    expect(refused).toEqual({ code: 1, stdout: '', stderr: 'Resource secret/app-credentials already exists. Override? [y/N]: error: aborted\n' });
    expect(new LocalSecretStore(home).get(namespace, 'app-credentials')).toEqual({ GITHUB_TOKEN: 'old' });
    const created = kelos(['create', 'ws', 'app', '--repo', 'https://github.com/acme/app.git', '--ref', 'main', '--token', 'new', '-y']);
    expect(created).toEqual({ code: 0, stdout: 'workspace/app created\n', stderr: '' });
    expect(new LocalSecretStore(home).get(namespace, 'app-credentials')).toEqual({ GITHUB_TOKEN: 'new' });
    const stored = await eventually(async () => {
      const out = kelos(['get', 'workspace', 'app', '-o', 'json']);
      return out.code === 0 ? JSON.parse(out.stdout) : undefined;
    }, 15_000, 'the workspace listed');
    expect(stored.spec).toEqual({ repo: 'https://github.com/acme/app.git', ref: 'main', secretRef: { name: 'app-credentials' } });
    expect(kelos(['create', 'workspace', 'app', '--repo', 'https://github.com/acme/app.git']).stderr).toBe(`error: workspace "app" already exists in namespace "${namespace}"\n`);
    expect(kelos(['create', 'workspace', 'x', '--repo', 'r', '--secret', 's', '--token', 't']).stderr).toBe('error: cannot specify both --secret and --token\n');
  });

  it('agentconfig: instructions from a file, plugin skills and agents, MCP servers with an env map, skills.sh packages', async () => {
    const instructions = path.join(home, 'AGENTS.md');
    fs.writeFileSync(instructions, '# Rules\nRun the tests.\n');
    const out = kelos([
      'create', 'agentconfig', 'rules', '--agents-md', `@${instructions}`, '--skill', 'review=Review the diff', '--agent', `fixer=@${instructions}`,
      '--mcp', 'gh={"type":"http","url":"https://api.example.com/mcp","env":{"B":"2","A":"1"}}',
      '--skills-sh', 'https://git.example.com:8443/org/skills.git', '--skills-sh', 'acme/skills:deploy',
    ]);
    expect(out).toEqual({ code: 0, stdout: 'agentconfig/rules created\n', stderr: '' });
    const stored = await eventually(async () => {
      const got = kelos(['get', 'agentconfig', 'rules', '-o', 'json']);
      return got.code === 0 ? JSON.parse(got.stdout) : undefined;
    }, 15_000, 'the agentconfig listed');
    expect(stored.spec).toMatchObject({
      agentsMD: '# Rules\nRun the tests.',
      plugins: [{ name: 'kelos', skills: [{ name: 'review', content: 'Review the diff' }], agents: [{ name: 'fixer', content: '# Rules\nRun the tests.' }] }],
      mcpServers: [{ name: 'gh', type: 'http', url: 'https://api.example.com/mcp', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }],
      skills: [{ source: 'https://git.example.com:8443/org/skills.git' }, { source: 'acme/skills', skill: 'deploy' }],
    });
    // A bad server is refused with the field, as `kelos apply` names it.
    expect(kelos(['create', 'ac', 'bad', '--mcp', 'gh={"type":"ftp"}']).stderr).toBe('error: kelos create agentconfig#1 spec.mcpServers[0].type: must be one of stdio, http, sse (got "ftp")\n');
    expect(kelos(['create', 'ac', 'bad', '--skill', 'no-equals']).stderr).toBe('error: invalid --skill "no-equals": use NAME=CONTENT or NAME=@FILE\n');
  });
});

describe('kelos run --depends-on/-y and kelos delete task --all (with a worker)', () => {
  let stack: KelosTestStack;
  const namespace = `parity-del-${process.pid}-${Date.now().toString(36)}`;
  // Not spawnSync: the worker runs in this process and must go on while a command waits for it.
  const kelos = (args: string[]) => runKelosAsync({ address: testServerAddress(), home: stack.home }, ['--task-queue', stack.taskQueue, '-n', namespace, ...args]);

  beforeAll(async () => {
    stack = await startKelosTestStack('parity-delete');
    await stack.startWorker();
  });
  afterAll(() => stack?.teardown());

  it('--depends-on (repeatable) goes into spec.dependsOn and the Task waits; -y is accepted', async () => {
    const dry = await kelos(['run', '-p', 'after the others', '--credential-type', 'none', '--name', 'later', '--depends-on', 'first', '--depends-on', 'second', '-y', '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(YAML.parse(dry.stdout).spec.dependsOn).toEqual(['first', 'second']);
    for (const name of ['b-later', 'a-later']) {
      const out = await kelos(['run', '-p', 'after the others', '--credential-type', 'none', '--name', name, '--depends-on', 'never-created', '--yes']);
      expect(out).toEqual({ code: 0, stdout: `task/${name} created\n`, stderr: '' });
    }
    const task = await eventually(async () => {
      const found = await stack.api.getTask(namespace, 'a-later');
      return found?.status.phase === 'Waiting' ? found : undefined;
    }, 30_000, 'a-later Waiting');
    expect(task.spec.dependsOn).toEqual(['never-created']);
    expect((await kelos(['run', '--from', 'taskspawner/x', '--depends-on', 'a'])).stderr).toBe('error: --from cannot be combined with --depends-on\n');
  });

  it('--all deletes every Task of the namespace, one line each in name order; then says none are left', async () => {
    expect((await kelos(['delete', 'task', 'a-later', '--all'])).stderr).toBe('error: cannot specify task name with --all\n');
    expect((await kelos(['delete', 'task'])).stderr).toBe('error: task name is required (or use --all)\n');
    const out = await kelos(['delete', 'task', '--all']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('task/a-later deleted\ntask/b-later deleted\n');
    expect(await stack.api.listTasks(namespace)).toEqual([]);
    expect(await kelos(['delete', 'tasks', '--all'])).toEqual({ code: 0, stdout: 'No tasks found\n', stderr: '' });
    expect(await kelos(['delete', 'agentconfigs', '--all'])).toEqual({ code: 0, stdout: 'No agent configs found\n', stderr: '' });
  });
});
