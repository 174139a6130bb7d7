/**
 * Webhook bridge throughput and latency: signed generic deliveries sent over HTTP at fixed rates to the bridge,
 * which routes them to 10 webhook spawners (one source each); each delivery becomes one trivial Task. Reported per
 * rate: deliveries accepted per second, p50/p99 from sending the request to the Task workflow's start, and the
 * count lost (no Task) or duplicated (more than one). Baseline in the same run: the same deliveries handed to the
 * same spawners with raw `client.workflow.signal` calls (no HTTP, no signature check, no visibility lookup).
 *
 *   npm run bench:webhooks -- [--rates 10,50,200] [--seconds 3]
 */
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { spawnerWorkflowId } from '../src/spawner/spawner-status';
import { createBridge } from '../src/clients/bridge/bridge-server';
import { genericDelivery } from '../src/clients/bridge/delivery-builder';
import { KelosApi, SpawnerManifest } from '../src/clients/kelos-api';
import { startDevServer } from '../src/clients/dev/temporal-dev-server';
import { packageRoot } from '../src/host/package-root';
import { webhookDeliverySignal } from '../src/spawner/messages';
import { createKelosWorker } from '../src/workers/kelos-worker';

const AGENT = path.join(packageRoot(), 'bench', 'trivial-agent.sh');
const SPAWNERS = 10;
const SECRET = 'bench-secret';

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

interface Sent {
  id: string;
  source: string;
  sentAt: number;
  ok: boolean;
}

interface Outcome {
  label: string;
  rate: number;
  sent: number;
  acceptedPerSecond: number;
  p50: number;
  p99: number;
  lost: number;
  duplicated: number;
}

async function main(): Promise<void> {
  const rates = arg('rates', '10,50,200').split(',').map(Number);
  const seconds = Number(arg('seconds', '3'));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ headless: true, logFile: path.join(os.tmpdir(), 'kelos-bench-webhooks-temporal.log') });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-bench-webhooks-'));
  const native = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = 'bench';
  const worker = await createKelosWorker({ connection: native, client, taskQueue, home, tuning: { maxConcurrentActivityTaskExecutions: 200 } });
  const running = worker.run();
  const api = new KelosApi(client, taskQueue);
  const bridge = createBridge({ client, secrets: { generic: Object.fromEntries(Array.from({ length: SPAWNERS }, (_, i) => [`bench-${i}`, SECRET])) } });
  await bridge.listen({ host: '127.0.0.1', port: 0 });
  const address = bridge.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    for (let i = 0; i < SPAWNERS; i += 1) await api.applySpawner(spawnerManifest(`bench-${i}`, `bench-${i}`));
    await waitForVisibility(client);
    console.log(`${SPAWNERS} webhook spawners; each delivery makes one trivial Task; ${seconds} s per rate; 2-core figures vary between runs`);
    const outcomes: Outcome[] = [];
    for (const rate of rates) {
      outcomes.push(await measure(client, `bridge ${rate}/s`, rate, seconds, `h${rate}`, (d) => postDelivery(url, d)));
      outcomes.push(
        await measure(client, `raw signal ${rate}/s`, rate, seconds, `s${rate}`, async (d) => {
          const body = { id: d.id };
          const delivery = genericDelivery({ rawBody: Buffer.from(JSON.stringify(body)), body, source: d.source });
          await client.workflow.getHandle(spawnerWorkflowId('default', d.source)).signal(webhookDeliverySignal, delivery);
          return true;
        }),
      );
    }
    console.log('run                  | sent | accepted/s | p50 ms | p99 ms | lost | duplicated');
    for (const o of outcomes) {
      console.log(
        `${o.label.padEnd(20)} | ${String(o.sent).padStart(4)} | ${o.acceptedPerSecond.toFixed(1).padStart(10)} | ${String(Math.round(o.p50)).padStart(6)} | ${String(Math.round(o.p99)).padStart(6)} | ${String(o.lost).padStart(4)} | ${String(o.duplicated).padStart(10)}`,
      );
    }
    for (const rate of rates) {
      const viaBridge = outcomes.find((o) => o.label === `bridge ${rate}/s`)!;
      const raw = outcomes.find((o) => o.label === `raw signal ${rate}/s`)!;
      console.log(`${rate}/s: p50 ratio bridge/raw ${(viaBridge.p50 / raw.p50).toFixed(2)}, p99 ratio ${(viaBridge.p99 / raw.p99).toFixed(2)}`);
    }
  } finally {
    await bridge.close();
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
    await server.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Sends rate × seconds deliveries, evenly spaced, round-robin over the spawners; then waits for their Tasks. */
async function measure(client: Client, label: string, rate: number, seconds: number, prefix: string, send: (d: { id: string; source: string }) => Promise<boolean>): Promise<Outcome> {
  const count = Math.max(1, Math.round(rate * seconds));
  const sent: Sent[] = [];
  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const delivery = { id: `${prefix}-${i}`, source: `bench-${i % SPAWNERS}` };
    const record: Sent = { ...delivery, sentAt: Date.now(), ok: false };
    sent.push(record);
    inFlight.push(send(delivery).then((ok) => void (record.ok = ok), () => undefined));
  }
  await Promise.all(inFlight);
  const acceptedPerSecond = sent.filter((s) => s.ok).length / ((Date.now() - started) / 1000);
  const startTimes = await taskStartTimes(client, prefix, count);
  const latencies: number[] = [];
  let lost = 0;
  let duplicated = 0;
  for (const s of sent) {
    const starts = startTimes.get(s.id) ?? [];
    if (!starts.length) lost += 1;
    if (starts.length > 1) duplicated += starts.length - 1;
    if (starts.length) latencies.push(starts[0] - s.sentAt);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN);
  return { label, rate, sent: count, acceptedPerSecond, p50: pct(0.5), p99: pct(0.99), lost, duplicated };
}

/** Start times of the Tasks whose item id has `prefix`, once all `count` are visible (or after a minute). */
async function taskStartTimes(client: Client, prefix: string, count: number): Promise<Map<string, number[]>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = new Map<string, number[]>();
    for await (const execution of client.workflow.list({ query: `KelosKind = "Task" AND WorkflowId STARTS_WITH "task/default/item-${prefix}-"` })) {
      const id = execution.workflowId.slice('task/default/item-'.length);
      found.set(id, [...(found.get(id) ?? []), execution.startTime.getTime()]);
    }
    if (found.size >= count || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function postDelivery(url: string, d: { id: string; source: string }): Promise<boolean> {
  const body = JSON.stringify({ id: d.id });
  const response = await fetch(`${url}/webhook/${d.source}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-kelos-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
    body,
  });
  await response.arrayBuffer();
  return response.status === 200;
}

async function waitForVisibility(client: Client): Promise<void> {
  for (;;) {
    let count = 0;
    for await (const _ of client.workflow.list({ query: 'KelosKind = "TaskSpawner" AND ExecutionStatus = "Running" AND KelosWebhookKeys IS NOT NULL' })) count += 1;
    if (count >= SPAWNERS) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function spawnerManifest(name: string, source: string): SpawnerManifest {
  return {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      when: { webhook: { source, fieldMapping: { id: '$.id' } } },
      taskTemplate: { worker: { type: 'claude-code', credentials: { type: 'none' }, image: AGENT }, promptTemplate: 'noop', nameTemplate: 'item-{{.ID}}' },
    },
  };
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
