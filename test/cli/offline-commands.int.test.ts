/**
 * The offline commands through the real `kelos` binary: `render` previews a spawner's Task (like Kelos's
 * `run --from ... --dry-run`), `apply --dry-run` prints normalised resources, `apply -f secret.yaml` keeps a
 * Secret in the local store (never printed back).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { KELOS_ROOT as ROOT, runKelos } from '../harness/kelos-cli';

const EXAMPLES = path.resolve(ROOT, '../shared/fixtures/kelos-examples');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-offline-'));

const kelos = (args: string[], input?: string) => runKelos({ address: '127.0.0.1:1', home }, args, input);

describe('kelos render', () => {
  it('renders the name, prompt and branch of a spawner for given values', () => {
    const out = kelos(['render', '-f', path.join(EXAMPLES, '03-taskspawner-github-issues/taskspawner.yaml'), '--values', '-', '-o', 'json'], 'ID: "42"\nNumber: 42\nTitle: Crash on start\nBody: It crashes.\n');
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({
      name: 'fix-bugs-42',
      prompt: 'Fix the following GitHub issue and open a PR with the fix.\n\nIssue #42: Crash on start\n\nIt crashes.\n',
      branch: '',
    });
  });

  it('keeps documented variables empty instead of failing, and names the template and position of an error', () => {
    const spawner = [
      'apiVersion: kelos.dev/v1alpha2',
      'kind: TaskSpawner',
      'metadata: {name: hooks}',
      'spec:',
      '  when: {githubWebhook: {events: [issues]}}',
      '  taskTemplate:',
      '    worker: {type: claude-code, credentials: {type: none}, workspaceRef: {name: w}}',
      '    nameTemplate: "hook-{{.Number}}"',
      '    promptTemplate: "{{.Event}} by {{.Sender}}: [{{.Body}}] {{.Missing}}"',
    ].join('\n');
    const file = path.join(home, 'hooks.yaml');
    fs.writeFileSync(file, spawner);
    const out = kelos(['render', '-f', file, '--values', '-'], 'Event: issues\nSender: octocat\nNumber: 7\n');
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('error: template: promptTemplate:1:41: executing "promptTemplate" at <.Missing>: map has no entry for key "Missing"\n');

    fs.writeFileSync(file, spawner.replace(' {{.Missing}}', ''));
    const ok = kelos(['render', '-f', file, '--values', '-'], 'Event: issues\nSender: octocat\nNumber: 7\n');
    expect(ok.stdout).toBe('name: hook-7\nbranch: \nprompt:\nissues by octocat: []\n');
  });
});

describe('kelos apply', () => {
  it('prints the normalised resources on --dry-run, v1alpha1 converted to v1alpha2', () => {
    const out = kelos(['apply', '--dry-run', '-f', path.join(EXAMPLES, '03-taskspawner-github-issues/taskspawner.yaml')]);
    expect(out.code).toBe(0);
    const spawner = YAML.parse(out.stdout);
    expect(spawner.apiVersion).toBe('kelos.dev/v1alpha2');
    expect(spawner.spec.when.githubIssues).toMatchObject({ state: 'open', types: ['issues'], labels: ['bug'], pollInterval: '5m' });
    expect(spawner.spec.taskTemplate.worker).toMatchObject({ type: 'claude-code', workspaceRef: { name: 'my-workspace' } });
  });

  it('reports unsupported kinds clearly and applies nothing', () => {
    const out = kelos(['apply', '--dry-run', '-f', path.join(EXAMPLES, '16-session', 'session.yaml')]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/session\.yaml#1 Session ".+": kind Session is not supported yet by kelos-temporal/);
  });

  it('warns about fields it accepts but does not use, naming them and why, and still applies', () => {
    const manifests = [
      'apiVersion: kelos.dev/v1alpha2\nkind: Task\nmetadata: {name: t}\nspec:\n  type: claude-code\n  prompt: hi\n  credentials: {type: none}\n  podFailurePolicy:\n    rules:\n      - action: FailJob\n        onExitCodes: {operator: In, values: [42]}\n',
      'apiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata: {name: ws}\nspec:\n  repo: https://github.com/a/b\n  ghproxy: {}\n',
      'apiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata: {name: plain}\nspec:\n  repo: https://github.com/a/b\n',
    ].join('---\n');
    const out = kelos(['apply', '--dry-run', '-f', '-'], manifests);
    expect(out.code).toBe(0);
    expect(out.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^warning: stdin#1 Task "t": spec\.podFailurePolicy is accepted but not used: the agent runs in a Pod, not a Job/),
      expect.stringMatching(/^warning: stdin#2 Workspace "ws": spec\.ghproxy is accepted but not used: kelos-temporal runs no GitHub proxy/),
    ]);
  });

  it('loads the TaskBudget of Kelos example 14', () => {
    const out = kelos(['apply', '--dry-run', '-f', path.join(EXAMPLES, '14-task-budget')]);
    expect(out.code).toBe(0);
    expect(YAML.parse(out.stdout)).toMatchObject({ kind: 'TaskBudget', metadata: { name: 'daily-cost-cap' }, spec: { taskSelector: { matchLabels: { team: 'platform' } }, period: { type: 'Daily', timezone: 'UTC' }, maxCostUSD: '50' } });
  });

  it('refuses a Workspace file path that leaves the checkout before anything is applied, naming the field', () => {
    const workspace = (filePath: string) => `apiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata: {name: ws}\nspec:\n  repo: "https://github.com/a/b"\n  files:\n    - {path: CLAUDE.md, content: hi}\n    - {path: "${filePath}", content: x}\n`;
    const refused = kelos(['apply', '-f', '-'], workspace('../x'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`error: stdin#1 spec.files[1].path: must not contain '..' segments (got "../x")\n`);
    const normalised = kelos(['apply', '--dry-run', '-o', 'json', '-f', '-'], workspace('./docs//notes.md'));
    expect(normalised.code).toBe(0);
    expect(JSON.parse(normalised.stdout).spec.files).toEqual([{ path: 'CLAUDE.md', content: 'hi' }, { path: 'docs/notes.md', content: 'x' }]);
  });

  it('keeps an applied Secret in the local store and shows only its key names', () => {
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: claude}\nstringData: {ANTHROPIC_API_KEY: sk-very-secret}\n';
    expect(kelos(['apply', '-f', '-'], secret).stdout).toBe('secret/claude configured\n');
    const dry = kelos(['apply', '--dry-run', '-f', '-'], secret);
    expect(dry.stdout).not.toContain('sk-very-secret');
    expect(kelos(['get', 'secrets']).stdout).toBe('NAME     KEYS\nclaude   ANTHROPIC_API_KEY\n');
    const file = path.join(home, 'secrets', 'default', 'claude.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(kelos(['delete', 'secret', 'claude']).stdout).toBe('secret/claude deleted\n');
  });
});

describe('kelos run --runtime', () => {
  it('asks for a runtime through the kelos.dev/runtime annotation; an unknown one is refused', () => {
    const out = kelos(['run', '-p', 'hi', '--credential-type', 'none', '--name', 'on-kube', '--runtime', 'kubernetes', '--dry-run']);
    expect(out.stderr).toBe('');
    expect(YAML.parse(out.stdout).metadata).toEqual({ name: 'on-kube', namespace: 'default', annotations: { 'kelos.dev/runtime': 'kubernetes' } });
    const bad = kelos(['run', '-p', 'hi', '--credential-type', 'none', '--runtime', 'docker', '--dry-run']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: invalid --runtime "docker": use local or kubernetes\n');
  });
});
