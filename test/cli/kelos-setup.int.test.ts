/**
 * `kelos setup` and the start-time check, through the real `kelos` binary against a dev server started WITHOUT
 * kelos's search attributes (as any Temporal but `kelos dev`'s is): every process stops with one line naming
 * `kelos setup`; setup registers the attributes (and a second run finds them), creates a missing namespace with the
 * retention asked for, and reports an attribute registered with another type. A worker and the CLI then reach the new
 * namespace through TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE alone, and through a temporal.toml profile.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { startDevServer, type RunningDevServer } from '../../src/clients/dev/temporal-dev-server';
import { cloudSearchAttributeInstructions } from '../../src/clients/namespace-setup';
import { findByQueries, readinessProblem } from '../../src/clients/search-attribute-readiness';
import { KELOS_ROOT } from '../harness/kelos-cli';

const KELOS = path.join(KELOS_ROOT, 'bin', 'kelos.js');
const ALL = ['KelosKind', 'KelosNamespace', 'KelosSpawner', 'KelosSourceKind', 'KelosPhase', 'KelosAgentType'];
const LACKS_ALL = 'lacks search attributes KelosKind, KelosNamespace, KelosSpawner, KelosSourceKind, KelosPhase, KelosAgentType, KelosWebhookKeys: run kelos setup';

let server: RunningDevServer;
let connection: Connection;
let home: string;
const children: ChildProcess[] = [];

/** The environment of a person's shell, without any Temporal settings of this machine (env or temporal.toml). */
function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')));
  return { ...env, KELOS_HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), ...extra };
}

function kelos(args: string[], extra: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [KELOS, ...args], { cwd: KELOS_ROOT, env: baseEnv(extra), encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A long-running kelos process; resolves when it exits, with its output. */
function startKelos(args: string[], extra: Record<string, string> = {}): { child: ChildProcess; exited: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [KELOS, ...args], { cwd: KELOS_ROOT, env: baseEnv(extra), stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  return { child, exited };
}

const setupLines = (outcome: string): string[] => [...ALL.map((name) => `search attribute ${name} (Keyword): ${outcome}`), `search attribute KelosWebhookKeys (KeywordList): ${outcome}`];

/** A new namespace takes a moment to be known everywhere in the server. */
async function addWhenKnown(namespace: string, searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType>): Promise<void> {
  for (let tries = 0; ; tries += 1) {
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
      return;
    } catch (err) {
      if (tries > 60) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-setup-'));
  server = await startDevServer({ headless: true, searchAttributes: false, logFile: path.join(home, 'temporal.log') });
  connection = await Connection.connect({ address: server.address });
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await connection?.close();
  await server?.stop();
});

it('on a server without the search attributes, every kelos process stops with one line naming kelos setup', async () => {
  const expected = `error: Temporal namespace "default" ${LACKS_ALL}\n`;
  const address = ['--address', server.address];
  expect(kelos([...address, 'get', 'tasks'])).toMatchObject({ code: 1, stderr: expected });
  expect(kelos([...address, 'run', '-p', 'hi', '--image', './examples/agents/fake-agent.sh', '--credential-type', 'none'])).toMatchObject({ code: 1, stderr: expected });
  const worker = startKelos([...address, 'worker']);
  expect(await worker.exited).toEqual({ code: 1, stderr: expected });
  const bridge = startKelos([...address, 'bridge', '--host', '127.0.0.1', '--port', '0']);
  expect(await bridge.exited).toEqual({ code: 1, stderr: expected });
  const status = kelos([...address, 'status']);
  expect(status.code).toBe(1);
  expect(status.stdout).toContain(`Setup      NOT READY: Temporal namespace "default" ${LACKS_ALL}`);
}, 120_000);

it('kelos setup registers them with their types; a second run finds every one already present', async () => {
  const first = kelos(['--address', server.address, 'setup']);
  expect(first.stderr).toBe('');
  expect(first.stdout).toBe(['namespace default: already present (retention 1d)', ...setupLines('created'), ''].join('\n'));
  expect(first.code).toBe(0);
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
  const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_KEYWORD_LIST: KEYWORD_LIST } = temporal.api.enums.v1.IndexedValueType;
  expect(customAttributes).toEqual({ ...Object.fromEntries(ALL.map((name) => [name, KEYWORD])), KelosWebhookKeys: KEYWORD_LIST });

  const second = kelos(['--address', server.address, 'setup']);
  expect(second.stdout).toBe(['namespace default: already present (retention 1d)', ...setupLines('already present'), ''].join('\n'));
  expect(second.code).toBe(0);
  expect(kelos(['--address', server.address, 'get', 'tasks'])).toMatchObject({ code: 0, stderr: '' });
}, 120_000);

it('creates a missing namespace with the retention asked for; a worker and the CLI reach it through TEMPORAL_ADDRESS/TEMPORAL_NAMESPACE alone, and through a profile', async () => {
  const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'kelos-env' };
  expect(kelos(['get', 'tasks'], env)).toMatchObject({ code: 1, stderr: 'error: Temporal namespace "kelos-env" does not exist: run kelos setup\n' });
  const setup = kelos(['setup', '--retention', '3d'], env);
  expect(setup.stdout).toBe(['namespace kelos-env: created (retention 3d)', ...setupLines('created'), ''].join('\n'));
  expect(setup.code).toBe(0);
  const described = await connection.workflowService.describeNamespace({ namespace: 'kelos-env' });
  expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(3 * 86_400);

  startKelos(['worker'], env);
  const run = kelos(['run', '-p', 'Add a greeting', '--image', './examples/agents/fake-agent.sh', '--credential-type', 'none', '--name', 'through-env', '-w'], env);
  expect(run.stderr).toBe('');
  expect(run.stdout).toContain('task/through-env Succeeded');
  expect(run.code).toBe(0);

  // The same namespace through a temporal.toml profile (the file and the profile named by flags).
  const config = path.join(home, 'temporal.toml');
  fs.writeFileSync(config, `[profile.bare]\naddress = "${server.address}"\nnamespace = "kelos-env"\n`);
  const listed = kelos(['--config-file', config, '--profile', 'bare', 'get', 'tasks', '-o', 'json']);
  expect(listed.stderr).toBe('');
  expect((JSON.parse(listed.stdout) as { items: { metadata: { name: string }; status: { phase: string } }[] }).items.map((t) => [t.metadata.name, t.status.phase])).toEqual([['through-env', 'Succeeded']]);
  // Not in the default namespace: the environment's namespace was used, not a default.
  expect(JSON.parse(kelos(['--address', server.address, 'get', 'tasks', '-o', 'json']).stdout).items).toEqual([]);
}, 240_000);

it('reports a search attribute registered with another type, registers the rest, and exits 1', async () => {
  await connection.workflowService.registerNamespace({ namespace: 'wrong-type', workflowExecutionRetentionPeriod: msToTs('1 day') });
  await addWhenKnown('wrong-type', { KelosPhase: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT });
  const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'wrong-type' };
  const setup = kelos(['setup'], env);
  expect(setup.code).toBe(1);
  const lines = setup.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe('namespace wrong-type: already present (retention 1d)');
  expect(lines).toContain(
    'search attribute KelosPhase (Keyword): cannot (registered as Text; a search attribute\'s type cannot change: remove it if nothing else uses it (`temporal operator search-attribute remove --name KelosPhase --namespace wrong-type`; on Temporal Cloud ask support, or rename it with `tcld namespace search-attributes rename`) and run kelos setup again)',
  );
  expect(lines.filter((line) => line.endsWith(': created'))).toHaveLength(6);
  expect(kelos(['get', 'tasks'], env)).toMatchObject({ code: 1, stderr: 'error: Temporal namespace "wrong-type" has KelosPhase as Text where kelos needs Keyword: run kelos setup\n' });
}, 120_000);

it('says why per item when the server cannot take them (a SQL visibility store out of Keyword columns)', async () => {
  await connection.workflowService.registerNamespace({ namespace: 'crowded', workflowExecutionRetentionPeriod: msToTs('1 day') });
  const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD } = temporal.api.enums.v1.IndexedValueType;
  await addWhenKnown('crowded', Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`Other${i}`, KEYWORD])));
  const setup = kelos(['--address', server.address, '--temporal-namespace', 'crowded', 'setup']);
  expect(setup.code).toBe(1);
  const lines = setup.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(8);
  for (const line of lines.slice(1)) expect(line).toMatch(/^search attribute Kelos\w+ \(Keyword(List)?\): cannot \(adding it failed: 3 INVALID_ARGUMENT: .*cannot have more than 10 search attribute of type Keyword/);
}, 120_000);

describe('where the server refuses the operator API (Temporal Cloud)', () => {
  it('prints the tcld command and the Web UI step for what is missing', () => {
    const missing = [
      { name: 'KelosKind', needed: 'Keyword' },
      { name: 'KelosWebhookKeys', needed: 'KeywordList' },
    ];
    expect(cloudSearchAttributeInstructions('kelos.a1b2c', missing)).toEqual([
      'On Temporal Cloud, add them with tcld (logged in as an account or namespace admin):',
      '  tcld namespace search-attributes add --namespace kelos.a1b2c --search-attribute KelosKind=Keyword --search-attribute KelosWebhookKeys=KeywordList',
      'or in the Cloud Web UI: Namespaces > kelos.a1b2c > Edit > Custom Search Attributes > Add, one per missing line above (name and type as shown).',
      'Then run kelos setup again to check.',
    ]);
  });

  it('finds what is missing with visibility queries alone (what a namespace reader may do), and names it', async () => {
    await connection.workflowService.registerNamespace({ namespace: 'half-set-up', workflowExecutionRetentionPeriod: msToTs('1 day') });
    await addWhenKnown('half-set-up', { KelosKind: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD });
    const findings = await findByQueries(connection, 'half-set-up');
    expect(findings.filter((finding) => finding.registeredAs).map((finding) => finding.name)).toEqual(['KelosKind']);
    expect(readinessProblem('half-set-up', { kind: 'probed', findings, refusal: 'PERMISSION_DENIED' })).toBe(
      'Temporal namespace "half-set-up" lacks search attributes KelosNamespace, KelosSpawner, KelosSourceKind, KelosPhase, KelosAgentType, KelosWebhookKeys: run kelos setup',
    );
  });
});
