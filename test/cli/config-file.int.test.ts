/**
 * `kelos init` and the config file through the real `kelos` binary, with HOME pointed at a temp directory (and
 * KELOS_HOME unset, so both live in ~/.kelos as with Kelos): the template written once, the file's defaults in the
 * stored Task, flags over the file, the Secret and Workspace it creates, a bad file named with its field.
 * No worker polls the queue: the Tasks stay Pending, which is all these checks need.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { runKelos, runKelosAsync } from '../harness/kelos-cli';
import { eventually, startKelosTestStack, type KelosTestStack } from '../harness/kelos-stack';
import { testServerAddress, uniqueTaskQueue } from '../harness/temporal';
import { CONFIG_TEMPLATE } from '../../src/clients/cli/config-template';
import { LocalSecretStore } from '../../src/host/secret-store';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-config-home-'));
const kelosDir = path.join(home, '.kelos');
const configFile = path.join(kelosDir, 'config.yaml');
const namespace = `config-${process.pid}-${Date.now().toString(36)}`;
const queue = uniqueTaskQueue('config-file');
const kelos = (args: string[], input?: string) =>
  runKelos({ address: testServerAddress(), home: kelosDir, env: { HOME: home, KELOS_HOME: undefined } }, ['--task-queue', queue, ...args], input);
const writeConfig = (text: string) => {
  fs.mkdirSync(kelosDir, { recursive: true, mode: 0o700 }); // as kelos makes it: else it says it closed it
  fs.writeFileSync(configFile, text);
};
const secrets = () => new LocalSecretStore(kelosDir);

/** The agent settings of the Task as stored (`spec.worker`, where the flat fields of `kelos run` land), once visible. */
async function storedWorker(name: string, ns = namespace): Promise<Record<string, unknown>> {
  const task = await eventually(async () => {
    const out = kelos(['-n', ns, 'get', 'task', name, '-o', 'json']);
    return out.code === 0 ? JSON.parse(out.stdout) : undefined;
  }, 15_000, `task ${name} listed`);
  return task.spec.worker;
}

describe('kelos init', () => {
  it('writes the commented template at ~/.kelos/config.yaml (0600), refuses to overwrite it without --force', () => {
    expect(kelos(['init'])).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^Config file created: ${configFile}\n`)), stderr: '' });
    expect(fs.readFileSync(configFile, 'utf8')).toBe(CONFIG_TEMPLATE);
    expect(fs.statSync(configFile).mode & 0o777).toBe(0o600);
    writeConfig('model: mine\n');
    expect(kelos(['init'])).toEqual({ code: 1, stdout: '', stderr: `error: config file already exists: ${configFile} (use --force to overwrite)\n` });
    expect(fs.readFileSync(configFile, 'utf8')).toBe('model: mine\n');
    expect(kelos(['init', '--force']).code).toBe(0);
    expect(fs.readFileSync(configFile, 'utf8')).toBe(CONFIG_TEMPLATE);
    // --config puts it elsewhere; KELOS_HOME moves the default with the rest of kelos's files.
    const other = path.join(home, 'elsewhere', 'kelos.yaml');
    expect(kelos(['--config', other, 'init']).stdout).toMatch(`Config file created: ${other}\n`);
    const kelosHome = path.join(home, 'kelos-home');
    const moved = runKelos({ address: testServerAddress(), home: kelosHome, env: { HOME: home } }, ['init']);
    expect(moved.stdout).toMatch(`Config file created: ${path.join(kelosHome, 'config.yaml')}\n`);
  });
});

describe('kelos run with a config file', () => {
  afterEach(() => fs.rmSync(configFile, { force: true }));

  it("uses the file's type, model, effort, secret, credentialType, agentConfig, env and namespace; flags win", async () => {
    writeConfig(
      [
        `namespace: ${namespace}`,
        'type: codex',
        'model: gpt-5-codex',
        'effort: high',
        'secret: team-secret',
        'credentialType: oauth',
        'agentConfig: rules',
        'env: [{name: A, value: "1"}, {name: B, valueFrom: {secretKeyRef: {name: s, key: k}}}]',
      ].join('\n'),
    );
    expect(kelos(['run', '-p', 'defaults', '--name', 'from-file'])).toEqual({ code: 0, stdout: 'task/from-file created\n', stderr: '' });
    expect(await storedWorker('from-file')).toMatchObject({
      type: 'codex',
      model: 'gpt-5-codex',
      effort: 'high',
      credentials: { type: 'oauth', secretRef: { name: 'team-secret' } },
      agentConfigRefs: [{ name: 'rules' }],
      podOverrides: { env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] },
    });
    const overridden = kelos([
      'run', '-p', 'flags', '--name', 'from-flags', '-t', 'gemini', '--model', 'gemini-2.5-pro', '--effort', 'low', '--secret', 'own', '--credential-type', 'api-key',
      '--agent-config', 'other', '--env', 'A=2', '--env', 'C=3',
    ]);
    expect(overridden.stderr).toBe('');
    const spec = await storedWorker('from-flags');
    expect(spec).toMatchObject({
      type: 'gemini',
      model: 'gemini-2.5-pro',
      effort: 'low',
      credentials: { type: 'api-key', secretRef: { name: 'own' } },
      agentConfigRefs: [{ name: 'other' }],
      // The file's env first, a flag of the same name replacing its value.
      podOverrides: { env: [{ name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }, { name: 'A', value: '2' }, { name: 'C', value: '3' }] },
    });
    // -n beats the file's namespace.
    const elsewhere = `${namespace}-n`;
    expect(kelos(['-n', elsewhere, 'run', '-p', 'x', '--name', 'in-n']).code).toBe(0);
    expect((await storedWorker('in-n', elsewhere)).type).toBe('codex');
  });

  it('apiKey / oauthToken become the Secret kelos-credentials under the key of the agent type; a different one is replaced only when confirmed', async () => {
    writeConfig(`namespace: ${namespace}\ntype: codex\napiKey: sk-file-key\n`);
    expect(kelos(['run', '-p', 'p', '--name', 'keyed']).stderr).toBe('');
    expect(secrets().get(namespace, 'kelos-credentials')).toEqual({ CODEX_API_KEY: 'sk-file-key' });
    expect((await storedWorker('keyed')).credentials).toEqual({ type: 'api-key', secretRef: { name: 'kelos-credentials' } });
    // The same content again: no question. An OAuth token read from a file for claude-code: asked, refused.
    expect(kelos(['run', '-p', 'p', '--name', 'keyed-again'])).toEqual({ code: 0, stdout: 'task/keyed-again created\n', stderr: '' });
    fs.writeFileSync(path.join(home, 'token.txt'), 'oauth-from-file\n');
    writeConfig(`namespace: ${namespace}\noauthToken: "@~/token.txt"\n`);
    const refused = kelos(['run', '-p', 'p', '--name', 'refused'], 'n\n');
    expect(refused).toEqual({ code: 1, stdout: '', stderr: 'Resource secret/kelos-credentials already exists. Override? [y/N]: error: aborted\n' });
    expect(secrets().get(namespace, 'kelos-credentials')).toEqual({ CODEX_API_KEY: 'sk-file-key' });
    expect(kelos(['-n', namespace, 'get', 'task', 'refused']).code).toBe(1);
    expect(kelos(['run', '-p', 'p', '--name', 'oauth', '-y'])).toEqual({ code: 0, stdout: 'task/oauth created\n', stderr: '' });
    expect(secrets().get(namespace, 'kelos-credentials')).toEqual({ CLAUDE_CODE_OAUTH_TOKEN: 'oauth-from-file' });
    expect((await storedWorker('oauth')).credentials).toEqual({ type: 'oauth', secretRef: { name: 'kelos-credentials' } });
    // --secret wins over the file's credential: nothing stored.
    writeConfig(`namespace: ${namespace}\napiKey: never-stored\n`);
    expect(kelos(['run', '-p', 'p', '--name', 'own-secret', '--secret', 'own']).code).toBe(0);
    expect(secrets().get(namespace, 'kelos-credentials')).toEqual({ CLAUDE_CODE_OAUTH_TOKEN: 'oauth-from-file' });
  });

  it('a bad file stops every command that reads it with the file and the field; an unknown field is a warning', () => {
    writeConfig(`namespace: ${namespace}\nworkspace:\n  repo: [a, b]\n`);
    const expected = `error: config file ${configFile}: workspace.repo: must be a string (got list)\n`;
    expect(kelos(['run', '-p', 'p', '--credential-type', 'none', '--dry-run'])).toEqual({ code: 1, stdout: '', stderr: expected });
    expect(kelos(['get', 'tasks']).stderr).toBe(expected);
    writeConfig(`namespace: ${namespace}\ntpe: codex\n`);
    const out = kelos(['run', '-p', 'p', '--credential-type', 'none', '--name', 'warned', '--dry-run']);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe(`warning: config file ${configFile}: unknown field "tpe" (did you mean "type"?), ignored\n`);
    expect(kelos(['--config', path.join(home, 'missing.yaml'), 'get', 'tasks']).stderr).toMatch(`error: cannot read config file ${path.join(home, 'missing.yaml')} (--config): ENOENT`);
  });
});

describe('kelos run with an inline workspace in the config file (with a worker: it stores the replaced Workspace)', () => {
  let stack: KelosTestStack;
  const ns = `${namespace}-ws`;
  // Not spawnSync: the worker runs in this process and must go on while a command waits for it.
  const kelosAsync = (args: string[]) =>
    runKelosAsync({ address: testServerAddress(), home: kelosDir, env: { HOME: home, KELOS_HOME: undefined } }, ['--task-queue', stack.taskQueue, ...args]);
  // The Tasks wait for one never created: nothing clones the made-up repositories.
  const run = (name: string, ...flags: string[]) => kelosAsync(['run', '-p', 'p', '--name', name, '--depends-on', 'never-created', ...flags]);

  beforeAll(async () => {
    stack = await startKelosTestStack('config-workspace');
    await stack.startWorker();
  });
  afterAll(() => stack?.teardown());
  afterEach(() => fs.rmSync(configFile, { force: true }));

  it('becomes the Workspace kelos-workspace and its Secret; a changed one is replaced only with -y', async () => {
    /** The stored Workspace's spec once it is `spec` (a replaced one shows after the worker stored it). */
    const workspaceSpec = async (spec: Record<string, unknown>) =>
      eventually(async () => {
        const out = await kelosAsync(['-n', ns, 'get', 'workspace', 'kelos-workspace', '-o', 'json']);
        const found = out.code === 0 ? JSON.parse(out.stdout).spec : undefined;
        return isDeepStrictEqual(found, spec) ? found : undefined;
      }, 15_000, `kelos-workspace ${JSON.stringify(spec)}`);
    const task = async (name: string) =>
      eventually(async () => {
        const found = await stack.api.getTask(ns, name);
        return found?.status.phase === 'Waiting' ? (found.spec.worker as Record<string, unknown>) : undefined;
      }, 30_000, `${name} Waiting`);
    writeConfig(`namespace: ${ns}\ncredentialType: none\nworkspace: {repo: 'https://github.com/acme/app.git', ref: main, token: ghp-file}\n`);
    expect(await run('in-ws')).toEqual({ code: 0, stdout: 'task/in-ws created\n', stderr: '' });
    expect(secrets().get(ns, 'kelos-workspace-credentials')).toEqual({ GITHUB_TOKEN: 'ghp-file' });
    await workspaceSpec({ repo: 'https://github.com/acme/app.git', ref: 'main', secretRef: { name: 'kelos-workspace-credentials' } });
    expect((await task('in-ws')).workspaceRef).toEqual({ name: 'kelos-workspace' });
    // Another repository in the file: no answer is a no; -y replaces the Workspace.
    writeConfig(`namespace: ${ns}\ncredentialType: none\nworkspace: {repo: 'https://github.com/acme/other.git'}\n`);
    expect(await run('refused-ws')).toEqual({ code: 1, stdout: '', stderr: 'Resource workspace/kelos-workspace already exists. Override? [y/N]: error: aborted\n' });
    expect(await run('other-ws', '--yes')).toEqual({ code: 0, stdout: 'task/other-ws created\n', stderr: '' });
    await workspaceSpec({ repo: 'https://github.com/acme/other.git' });
    expect(await stack.api.getTask(ns, 'refused-ws')).toBeUndefined();
    // A GitHub App instead of a token: its ids and the key file's content in the workspace Secret.
    fs.writeFileSync(path.join(home, 'app.pem'), '-----BEGIN RSA PRIVATE KEY-----\nkey\n-----END RSA PRIVATE KEY-----\n');
    writeConfig(`namespace: ${ns}\ncredentialType: none\nworkspace: {repo: 'https://github.com/acme/other.git', githubApp: {appID: 123, installationID: 456, privateKeyPath: ~/app.pem}}\n`);
    expect(await run('app-ws', '-y')).toEqual({ code: 0, stdout: 'task/app-ws created\n', stderr: '' });
    expect(secrets().get(ns, 'kelos-workspace-credentials')).toEqual({ appID: '123', installationID: '456', privateKey: fs.readFileSync(path.join(home, 'app.pem'), 'utf8') });
    await workspaceSpec({ repo: 'https://github.com/acme/other.git', secretRef: { name: 'kelos-workspace-credentials' } });
    // --workspace wins over the inline one.
    expect((await run('named-ws', '--workspace', 'mine')).code).toBe(0);
    expect((await task('named-ws')).workspaceRef).toEqual({ name: 'mine' });
  });
});
