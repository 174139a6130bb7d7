/**
 * docker-compose.yml, validated offline by Compose v2 and checked for what the stack needs: every kelos service runs
 * a command and flags the built CLI has, the ports and healthchecks, start order through depends_on conditions,
 * secrets only from .env, and workers that scale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMPOSE_FILE, ComposeModel, ROOT, composeConfig, envExampleNames, kelosArgs, kelosServices, parseModel, run, writeEnvFile } from './compose-helpers';

const KELOS = path.join(ROOT, 'bin', 'kelos.js');

/** Variables that hold secrets: none may have a value in docker-compose.yml. */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PWD|AUTH_JSON)/;

/** A distinct value per secret variable, to follow each one from the env file into the services. */
function sentinels(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of envExampleNames().filter((n) => SECRET_NAME.test(n))) values[name] = `sentinel-${name.toLowerCase().replace(/_/g, '-')}`;
  return values;
}

let model: ComposeModel;
let secretValues: Record<string, string>;

beforeAll(() => {
  secretValues = sentinels();
  model = parseModel(composeConfig(writeEnvFile(secretValues)));
});

test('Compose v2 accepts the file with .env.example as it is committed', () => {
  const result = composeConfig(path.join(ROOT, '.env.example'));
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
});

test('without the required PostgreSQL password it refuses to start, naming the variable and the fix', () => {
  const result = composeConfig(writeEnvFile({}));
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/POSTGRES_PASSWORD.*cp \.env\.example \.env/);
});

test('the stack: database, Temporal, Web UI, setup, worker, bridge, codec server (profile), CLI (profile)', () => {
  expect(Object.keys(model.services).sort()).toEqual(['bridge', 'cli', 'codec-server', 'postgresql', 'setup', 'temporal', 'temporal-ui', 'worker']);
  expect(model.services['codec-server'].profiles).toEqual(['codec']);
  expect(model.services.cli.profiles).toEqual(['tools']);
  expect(model.services.temporal.image).toMatch(/^temporalio\/auto-setup:/);
  expect(model.services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
  expect(model.services.worker.build?.target).toBe('agents');
  for (const name of ['setup', 'bridge', 'codec-server', 'cli']) expect(model.services[name].build?.target).toBe('runtime');
  // The database keeps its data in a named volume.
  expect(model.services.postgresql.volumes).toEqual([expect.objectContaining({ type: 'volume', source: 'postgresql-data', target: '/var/lib/postgresql/data' })]);
  expect(Object.keys(model.volumes ?? {})).toEqual(['postgresql-data']);
});

describe('every kelos service runs a command the built CLI has, with flags it knows', () => {
  const cases = (): [string, string[]][] => kelosServices(model).map(([name, service]) => [name, kelosArgs(service)]);

  test('the services and their commands', () => {
    expect(Object.fromEntries(cases().map(([name, args]) => [name, args[0]]))).toEqual({
      bridge: 'bridge', cli: '--help', 'codec-server': 'codec-server', setup: 'setup', worker: 'worker',
    });
  });

  test.each(['setup', 'worker', 'bridge', 'codec-server'])('%s', (name) => {
    const [command, ...rest] = kelosArgs(model.services[name]);
    const help = run(process.execPath, [KELOS, command, '--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    const flags = rest.filter((arg) => arg.startsWith('--'));
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(help.stdout).toContain(`${flag} `);
  });

  test('the wrappers around kelos pass the command on: setup retries `kelos "$@"`, the worker stores its credentials first', () => {
    expect(model.services.setup.entrypoint?.slice(0, 4)).toEqual(['/usr/bin/tini', '--', 'sh', '-c']);
    // `config` prints the file's `$$` escape as it is; the container gets `$@` (checked on created containers in
    // image-worker.test.ts).
    expect(model.services.setup.entrypoint?.[4]).toContain('kelos "$$@" && exit 0');
    expect(model.services.worker.entrypoint).toEqual(['/usr/bin/tini', '--', 'kelos-with-agent-credentials']);
    const script = fs.readFileSync(path.join(ROOT, 'deploy', 'docker', 'kelos-with-agent-credentials.sh'), 'utf8');
    expect(script).toMatch(/\nexec kelos "\$@"\n$/);
    for (const name of ['bridge', 'codec-server', 'cli']) expect(model.services[name].entrypoint ?? null).toBeNull(); // the image's: tini, kelos
  });
});

test('ports: the bridge on 8080 (all interfaces, for webhooks), Temporal, the Web UI and the codec server on loopback only', () => {
  const ports = (name: string) => (model.services[name].ports ?? []).map((p) => ({ host: p.host_ip ?? '', published: p.published, target: p.target }));
  expect(ports('bridge')).toEqual([{ host: '', published: '8080', target: 8080 }]);
  expect(kelosArgs(model.services.bridge)).toEqual(['bridge', '--host', '0.0.0.0', '--port', '8080']);
  expect(ports('temporal')).toEqual([{ host: '127.0.0.1', published: '7233', target: 7233 }]);
  expect(ports('temporal-ui')).toEqual([{ host: '127.0.0.1', published: '8233', target: 8080 }]);
  expect(ports('codec-server')).toEqual([{ host: '127.0.0.1', published: '8888', target: 8888 }]);
  for (const name of ['postgresql', 'setup', 'worker', 'cli']) expect(ports(name)).toEqual([]);
});

test('healthchecks, and depends_on conditions that bring `docker compose up -d` up in order', () => {
  for (const name of ['postgresql', 'temporal', 'worker', 'bridge', 'codec-server']) {
    expect(model.services[name].healthcheck?.test?.length).toBeGreaterThan(1);
    expect(model.services[name].healthcheck?.disable).toBeFalsy();
  }
  expect(model.services.temporal.healthcheck?.test?.join(' ')).toContain('temporal operator cluster health');
  expect(model.services.bridge.healthcheck?.test?.join(' ')).toContain('http://127.0.0.1:8080/readyz');
  const conditions = (name: string) => Object.fromEntries(Object.entries(model.services[name].depends_on ?? {}).map(([dep, d]) => [dep, d.condition]));
  expect(conditions('temporal')).toEqual({ postgresql: 'service_healthy' });
  expect(conditions('temporal-ui')).toEqual({ temporal: 'service_healthy' });
  expect(conditions('setup')).toEqual({ temporal: 'service_healthy' });
  for (const name of ['worker', 'bridge', 'cli']) expect(conditions(name)).toEqual({ setup: 'service_completed_successfully' });
});

test('no secret value in the file: each comes from .env into the services that need it, and .env.example holds none', () => {
  const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
  const secretLines = text.split('\n').filter((line) => /^\s+[A-Z0-9_]+:/.test(line) && SECRET_NAME.test(line.split(':')[0]));
  expect(secretLines.length).toBeGreaterThan(10);
  for (const line of secretLines) expect(line).toMatch(/^\s+([A-Z0-9_]+): \$\{[A-Z0-9_]+(:-|:\?[^}]*)?\}$/);
  for (const value of Object.values(secretValues)) expect(text).not.toContain(value);

  const env = (name: string) => model.services[name].environment ?? {};
  expect(env('postgresql').POSTGRES_PASSWORD).toBe(secretValues.POSTGRES_PASSWORD);
  expect(env('temporal').POSTGRES_PWD).toBe(secretValues.POSTGRES_PASSWORD);
  for (const name of ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'CODEX_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'OPENCODE_API_KEY', 'GITHUB_TOKEN']) {
    expect(env('worker')[name]).toBe(secretValues[name]);
    for (const other of ['bridge', 'setup', 'cli', 'codec-server', 'temporal-ui']) expect(env(other)[name]).toBeUndefined();
  }
  expect(env('bridge').KELOS_GITHUB_WEBHOOK_SECRET).toBe(secretValues.KELOS_GITHUB_WEBHOOK_SECRET);
  expect(env('codec-server').KELOS_CODEC_TOKEN).toBe(secretValues.KELOS_CODEC_TOKEN);
  for (const name of ['worker', 'bridge', 'setup', 'cli', 'codec-server']) expect(env(name).KELOS_ENCRYPTION_KEY).toBe(secretValues.KELOS_ENCRYPTION_KEY);

  // The example: every secret empty, but the database password, which the README says to change.
  const example = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  const assigned = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].filter(([, name]) => SECRET_NAME.test(name));
  expect(assigned.map(([, name, value]) => [name, value]).filter(([, value]) => value !== '')).toEqual([['POSTGRES_PASSWORD', 'change-me']]);
});

test('the worker scales: no container name, no host port, its data directory a volume per container', () => {
  const worker = model.services.worker;
  expect(worker.container_name).toBeUndefined();
  expect(worker.ports ?? []).toEqual([]);
  for (const service of Object.values(model.services)) expect(service.container_name).toBeUndefined();
  // No named volume on the worker: each replica gets the image's own anonymous volume at /var/lib/kelos.
  expect((worker.volumes ?? []).filter((v) => v.type === 'volume' && v.source)).toEqual([]);
});

test('the worker keeps the agent sandbox on, with no capability and no way to gain one', () => {
  const worker = model.services.worker;
  expect(worker.environment?.KELOS_AGENT_SANDBOX).toBeUndefined();
  expect(worker.cap_drop).toEqual(['ALL']);
  expect(worker.security_opt).toEqual(['no-new-privileges:true', 'seccomp=unconfined', 'systempaths=unconfined']);
});
