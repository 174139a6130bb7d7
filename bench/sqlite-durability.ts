/**
 * What the embedded server's SQLite durability costs: the same load against a persistent dev server with
 * `synchronous=FULL` (kelos dev's default: an acknowledged write survives an OS crash), `NORMAL` and `OFF`, side by
 * side. Per setting, a fresh database, a kelos worker, the webhook bridge and webhook spawners:
 *  - webhook 2xx latency: deliveries at a steady rate, time from request to the bridge's 200 (the signal's commit);
 *  - webhook burst: that many deliveries at once, time until every Task finished;
 *  - spawner: N items to one spawner (maxConcurrency 50), time until every Task finished;
 *  - raw Temporal baseline: N Task workflows started straight from a client, time until all finished.
 * Ratios are against OFF in the same run.
 *
 *   npm run bench:durability -- [--items 300] [--rate 30] [--seconds 5] [--modes full,normal,off]
 */
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { spawnerWorkflowId } from '../src/spawner/spawner-status';
import type { TaskRun } from '../src/task/task-run';
import { createBridge } from '../src/clients/bridge/bridge-server';
import { KelosApi, SpawnerManifest } from '../src/clients/kelos-api';
import { parseSqliteSync, startDevServer, type SqliteSync } from '../src/clients/dev/temporal-dev-server';
import { packageRoot } from '../src/host/package-root';
import { spawnerStatusQuery } from '../src/spawner/messages';
import { createKelosWorker } from '../src/workers/kelos-worker';
import { inParallel } from './in-parallel';

const AGENT = path.join(packageRoot(), 'bench', 'trivial-agent.sh');
const SECRET = 'bench-secret';

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

interface Figures {
  mode: SqliteSync;
  ackP50: number;
  ackP99: number;
  burstSeconds: number;
  spawnerSeconds: number;
  rawSeconds: number;
}

async function main(): Promise<void> {
  const items = Number(arg('items', '300'));
  const rate = Number(arg('rate', '30'));
  const seconds = Number(arg('seconds', '5'));
  const modes = arg('modes', 'full,normal,off').split(',').map(parseSqliteSync);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  console.log(`per setting: ${rate}/s × ${seconds} s deliveries, a burst of ${items} deliveries, ${items} spawner items, ${items} raw starts; 2-core figures vary between runs`);
  const results: Figures[] = [];
  for (const mode of modes) {
    results.push(await measureMode(mode, { items, rate, seconds }));
    const r = results[results.length - 1];
    console.log(`  ${mode}: done (2xx p50 ${r.ackP50.toFixed(1)} ms)`);
  }
  const off = results.find((r) => r.mode === 'off');
  const ratio = (value: number, base: number | undefined) => (base ? ` (${(value / base).toFixed(2)}×)` : '');
  console.log('\nsynchronous | 2xx p50 ms     | 2xx p99 ms     | burst all done s | spawner all done s | raw starts all done s');
  for (const r of results) {
    console.log(
      [
        r.mode.toUpperCase().padEnd(11),
        `${r.ackP50.toFixed(1)}${ratio(r.ackP50, off?.ackP50)}`.padEnd(14),
        `${r.ackP99.toFixed(1)}${ratio(r.ackP99, off?.ackP99)}`.padEnd(14),
        `${r.burstSeconds.toFixed(1)}${ratio(r.burstSeconds, off?.burstSeconds)}`.padEnd(16),
        `${r.spawnerSeconds.toFixed(1)}${ratio(r.spawnerSeconds, off?.spawnerSeconds)}`.padEnd(18),
        `${r.rawSeconds.toFixed(1)}${ratio(r.rawSeconds, off?.rawSeconds)}`,
      ].join(' | '),
    );
  }
}

async function measureMode(mode: SqliteSync, load: { items: number; rate: number; seconds: number }): Promise<Figures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kelos-bench-durability-${mode}-`));
  const server = await startDevServer({ headless: true, dbFilename: path.join(dir, 'temporal.db'), sqliteSync: mode, logFile: path.join(dir, 'temporal.log') });
  const native = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = 'bench';
  const worker = await createKelosWorker({ connection: native, client, taskQueue, home: dir, tuning: { maxConcurrentActivityTaskExecutions: 200 } });
  const running = worker.run();
  const api = new KelosApi(client, taskQueue);
  const sources = ['steady', 'burst', 'queue'];
  const bridge = createBridge({ client, secrets: { generic: Object.fromEntries(sources.map((s) => [s, SECRET])) } });
  await bridge.listen({ host: '127.0.0.1', port: 0 });
  const address = bridge.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    await api.applySpawner(spawner('steady', 'steady', 200));
    await api.applySpawner(spawner('burst', 'burst', 200));
    await api.applySpawner(spawner('queue', 'queue', 50));
    await waitUntilRoutable(url, sources);

    // 2xx latency at a steady rate.
    const latencies: number[] = [];
    const count = Math.round(load.rate * load.seconds);
    const started = Date.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < count; i += 1) {
      const wait = started + (i * 1000) / load.rate - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const sentAt = performance.now();
      sends.push(post(url, 'steady', `s-${i}`).then(() => void latencies.push(performance.now() - sentAt)));
    }
    await Promise.all(sends);
    await allDone(client, 'steady', count + 1);

    // A burst through the bridge, 50 requests in flight.
    const burstStart = Date.now();
    await inParallel(load.items, 50, (i) => post(url, 'burst', `b-${i}`));
    await allDone(client, 'burst', load.items + 1);
    const burstSeconds = (Date.now() - burstStart) / 1000;

    // One spawner, maxConcurrency 50.
    const queueStart = Date.now();
    await inParallel(load.items, 50, (i) => post(url, 'queue', `q-${i}`));
    await allDone(client, 'queue', load.items + 1);
    const spawnerSeconds = (Date.now() - queueStart) / 1000;

    // Raw Temporal: the same number of Task workflows from a client.
    const rawStart = Date.now();
    const runs = Array.from({ length: load.items }, (_, i) => trivialRun(`raw-${i}`));
    await inParallel(runs.length, 50, (i) => api.startTask(runs[i]));
    await Promise.all(runs.map((run) => client.workflow.getHandle(`task/default/${run.name}`).result()));
    const rawSeconds = (Date.now() - rawStart) / 1000;

    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    return { mode, ackP50: pct(0.5), ackP99: pct(0.99), burstSeconds, spawnerSeconds, rawSeconds };
  } finally {
    await bridge.close();
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function post(url: string, source: string, id: string): Promise<void> {
  const body = JSON.stringify({ id });
  for (;;) {
    const response = await fetch(`${url}/webhook/${source}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kelos-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
      body,
    });
    await response.arrayBuffer();
    if (response.status === 200) return;
    if (response.status !== 503 && response.status !== 404) throw new Error(`delivery ${id} to ${source}: HTTP ${response.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitUntilRoutable(url: string, sources: string[]): Promise<void> {
  for (const source of sources) await post(url, source, `warmup-${source}`);
}

/** Waits until the spawner created `created` Tasks and none is active or queued. */
async function allDone(client: Client, name: string, created: number): Promise<void> {
  const handle = client.workflow.getHandle(spawnerWorkflowId('default', name));
  for (;;) {
    // A query can time out while the 2-core machine is saturated: ask again.
    const status = await handle.query(spawnerStatusQuery).catch(() => undefined);
    if (status && status.totalTasksCreated >= created && status.activeTasks === 0 && status.queueLength === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function spawner(name: string, source: string, maxConcurrency: number): SpawnerManifest {
  return {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      when: { webhook: { source, fieldMapping: { id: '$.id' } } },
      maxConcurrency,
      taskTemplate: { worker: { type: 'claude-code', credentials: { type: 'none' }, image: AGENT }, promptTemplate: 'noop', nameTemplate: 'item-{{.ID}}' },
    },
  };
}

function trivialRun(name: string): TaskRun {
  return { namespace: 'default', name, agentType: 'claude-code', prompt: 'noop', image: AGENT, credentials: { type: 'none' }, agentConfigRefs: [], env: [], labels: {}, sourceKind: 'bench', spec: {}, apiVersion: 'kelos.dev/v1alpha2' };
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
