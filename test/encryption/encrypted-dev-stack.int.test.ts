/**
 * `kelos dev` with KELOS_ENCRYPTION_KEY, end to end through the real binary: Task inputs, results, memo, summary,
 * failures and webhook signals reach Temporal only encrypted (checked on the raw history bytes); the CLI with the
 * key reads everything, without it gets a clear error; the Web UI is told of the codec server, which decrypts;
 * after a key rotation old histories stay readable with the old key kept for decryption.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { encryptionKeyId, generateEncryptionKey } from '../../src/host/payload-encryption/encryption-keys';
import { eventually } from '../harness/kelos-stack';
import { RunningKelosDev, runKelos, startKelosDev, stopKelosDev } from '../harness/kelos-cli';

const K1 = generateEncryptionKey();
const K2 = generateEncryptionKey();
const idOf = (key: string) => encryptionKeyId(Buffer.from(key, 'base64'));
let home: string;
let ports: { grpc: number; ui: number; bridge: number; codec: number };
let dev: RunningKelosDev | undefined;
let connection: Connection;
let plainClient: Client; // no codec: sees what the server stores

const address = () => `127.0.0.1:${ports.grpc}`;
const kelos = (env: Record<string, string | undefined>, args: string[]) => runKelos({ address: address(), home, env: { KELOS_ENCRYPTION_KEY: undefined, KELOS_ENCRYPTION_OLD_KEYS: undefined, ...env } }, args);
const startDev = (env: Record<string, string>) =>
  startKelosDev({ home, env }, ['--port', String(ports.grpc), '--ui-port', String(ports.ui), '--bridge-port', String(ports.bridge), '--codec-port', String(ports.codec)]);

async function rawHistory(workflowId: string) {
  const history = await plainClient.workflow.getHandle(workflowId).fetchHistory();
  return { history, bytes: Buffer.from(temporal.api.history.v1.History.encode(history).finish()) };
}

/**
 * Every payload in a history with where it sits. Search attributes and the SDK's patch markers (a version name
 * such as "spawner-bounded-runs", written by the SDK's core) are plaintext by Temporal's design.
 */
function payloadsOf(node: unknown, at = ''): { at: string; encoding: string; keyId: string }[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return [];
  const record = node as Record<string, unknown>;
  if (record.markerName === 'core_patch') return [];
  if (record.metadata && 'data' in record) {
    const metadata = record.metadata as Record<string, Uint8Array>;
    return [{ at, encoding: Buffer.from(metadata.encoding ?? []).toString(), keyId: Buffer.from(metadata['encryption-key-id'] ?? []).toString() }];
  }
  return Object.entries(record).flatMap(([key, value]) => (key === 'searchAttributes' ? [] : payloadsOf(value, `${at}.${key}`)));
}

function request(url: string, options: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method, headers: options.headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-encrypted-'));
  ports = { grpc: await freePort(), ui: await freePort(), bridge: await freePort(), codec: await freePort() };
});
afterAll(async () => {
  await connection?.close();
  if (dev) await stopKelosDev(dev.process);
});

it('keeps every payload encrypted in Temporal and readable with the key, across a key rotation', async () => {
  dev = await startDev({ KELOS_ENCRYPTION_KEY: K1 });
  const codecUrl = `http://127.0.0.1:${ports.codec}`;
  expect(dev.output()).toContain(`Payloads:   encrypted (KELOS_ENCRYPTION_KEY); the Web UI decrypts through ${codecUrl}`);
  const settings = JSON.parse((await request(`http://127.0.0.1:${ports.ui}/api/v1/settings`, { method: 'GET' })).body);
  expect(settings.Codec.Endpoint).toBe(codecUrl);
  connection = await Connection.connect({ address: address() });
  plainClient = new Client({ connection });

  // A Task that succeeds and one that fails: the CLI with the key shows all of it.
  const run = kelos({ KELOS_ENCRYPTION_KEY: K1 }, ['run', '-p', 'Add a greeting PROMPT-MARK', '--image', './examples/agents/fake-agent.sh', '--credential-type', 'none', '--name', 'sealed', '-w']);
  expect(run.stderr).toBe('');
  expect(run.stdout).toContain('task/sealed Succeeded');
  const failed = kelos({ KELOS_ENCRYPTION_KEY: K1 }, ['run', '-p', 'x', '--workspace', 'missing-WS-MARK', '--credential-type', 'none', '--name', 'sealed-fail', '-w']);
  expect(failed.code).toBe(1);
  expect(failed.stderr).toContain('Workspace "missing-WS-MARK" not found in namespace "default"');
  const task = JSON.parse(kelos({ KELOS_ENCRYPTION_KEY: K1 }, ['get', 'task', 'sealed', '-o', 'json']).stdout);
  expect(task.spec.prompt).toBe('Add a greeting PROMPT-MARK');
  expect(task.status.results).toMatchObject({ 'cost-usd': '0.0123', 'input-tokens': '1500' });

  // What the server stores: no plaintext of the prompt, the results or the error; every payload sealed with K1.
  for (const id of ['task/default/sealed', 'task/default/sealed-fail']) {
    const { history, bytes } = await rawHistory(id);
    for (const text of ['PROMPT-MARK', 'Fake agent finished', '0.0123', 'WS-MARK']) expect(bytes.includes(text)).toBe(false);
    const payloads = payloadsOf(history);
    expect(payloads.length).toBeGreaterThan(3);
    expect(payloads.filter((p) => p.encoding !== 'binary/encrypted' || p.keyId !== idOf(K1))).toEqual([]);
  }
  const failures = (await rawHistory('task/default/sealed-fail')).history.events!.flatMap((event) => JSON.stringify(event).match(/"message":"[^"]*"/g) ?? []);
  expect(failures.length).toBeGreaterThan(0);
  expect(new Set(failures)).toEqual(new Set(['"message":"Encoded failure"']));
  const described = await connection.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: 'task/default/sealed' } });
  expect(payloadsOf(described.executionConfig?.userMetadata).map((p) => p.encoding)).toEqual(['binary/encrypted']);
  expect(Object.keys(described.workflowExecutionInfo?.memo?.fields ?? {}).length).toBeGreaterThan(0);
  expect(payloadsOf(described.workflowExecutionInfo?.memo).every((p) => p.encoding === 'binary/encrypted')).toBe(true);

  // Without the key: one clear line naming the key that is missing.
  const blind = kelos({}, ['get', 'task', 'sealed']);
  expect(blind.code).toBe(1);
  expect(blind.stderr).toBe(`error: a payload is encrypted with key ${idOf(K1)} and no key is given: set KELOS_ENCRYPTION_KEY (or add the old key to KELOS_ENCRYPTION_OLD_KEYS)\n`);

  // The codec server the Web UI calls decrypts the stored start input for the UI's origin.
  const started = (await rawHistory('task/default/sealed')).history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads!;
  const asJson = started.map((p) => temporal.api.common.v1.Payload.toObject(temporal.api.common.v1.Payload.create(p), { bytes: String }));
  const decoded = await request(`${codecUrl}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: `http://127.0.0.1:${ports.ui}` }, body: JSON.stringify({ payloads: asJson }) });
  expect(decoded.status).toBe(200);
  expect(decoded.headers['access-control-allow-origin']).toBe(`http://127.0.0.1:${ports.ui}`);
  expect(Buffer.from(JSON.parse(decoded.body).payloads[0].data, 'base64').toString()).toContain('Add a greeting PROMPT-MARK');

  // A webhook through the bridge: the signal is sealed in the spawner's history, and the spawner still acts on it.
  expect(kelos({ KELOS_ENCRYPTION_KEY: K1 }, ['apply', '-f', 'examples/local/webhook-spawner.yaml']).stdout).toBe('taskspawner/alerts created\n');
  const alert = JSON.stringify({ id: 'a-7', title: 'ALERT-MARK on db-2', severity: 'critical' });
  await eventually(async () => ((await request(`http://127.0.0.1:${ports.bridge}/webhook/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: alert })).status === 200 ? true : undefined), 30_000, 'the bridge to accept the alert');
  const alertTask = await eventually(async () => {
    const list = JSON.parse(kelos({ KELOS_ENCRYPTION_KEY: K1 }, ['get', 'tasks', '-o', 'json']).stdout) as { items: { metadata: { name: string }; spec: { prompt: string } }[] };
    return list.items.find((t) => t.spec.prompt.includes('ALERT-MARK'));
  }, 30_000, 'the alert Task');
  const spawnerHistory = await rawHistory('spawner/default/alerts');
  expect(spawnerHistory.bytes.includes('ALERT-MARK')).toBe(false);
  expect(spawnerHistory.history.events!.some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(true);
  expect(payloadsOf(spawnerHistory.history).every((p) => p.encoding === 'binary/encrypted')).toBe(true);

  // Rotation: K2 encrypts from now on; K1, kept for decryption, still opens the earlier histories.
  expect(await stopKelosDev(dev.process)).toBe(0);
  dev = await startDev({ KELOS_ENCRYPTION_KEY: K2, KELOS_ENCRYPTION_OLD_KEYS: K1 });
  const rotated = { KELOS_ENCRYPTION_KEY: K2, KELOS_ENCRYPTION_OLD_KEYS: K1 };
  expect(JSON.parse(kelos(rotated, ['get', 'task', 'sealed', '-o', 'json']).stdout).status.results).toEqual(task.status.results);
  expect(kelos(rotated, ['run', '-p', 'After rotation', '--image', './examples/agents/fake-agent.sh', '--credential-type', 'none', '--name', 'sealed-k2', '-w']).stdout).toContain('task/sealed-k2 Succeeded');
  const keysOfNew = new Set(payloadsOf((await rawHistory('task/default/sealed-k2')).history).map((p) => p.keyId));
  expect(keysOfNew).toEqual(new Set([idOf(K2)]));
  expect(kelos({ KELOS_ENCRYPTION_KEY: K2 }, ['get', 'task', alertTask.metadata.name]).stderr).toContain(`a payload is encrypted with key ${idOf(K1)} and the keys given have IDs ${idOf(K2)}`);
  expect(kelos({ KELOS_ENCRYPTION_KEY: 'c2hvcnQ=' }, ['get', 'tasks']).stderr).toBe('error: KELOS_ENCRYPTION_KEY: expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`), got 5 bytes\n');
}, 400_000);
