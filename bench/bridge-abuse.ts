/**
 * The webhook bridge under bad traffic: 10,000 forged (bad signature), malformed (not JSON), oversized and
 * unknown-source requests sent at the bridge over loopback (127.0.0.1 only), while real signed deliveries flow to a
 * generic webhook spawner. Reported: bridge crashes, Tasks created from bad requests, p50/p99 latency of the real
 * deliveries (request sent → 200, i.e. Temporal holds the signal) with and without the bad traffic, and the
 * bridge's RSS before, during (peak) and after.
 *
 * Three processes so that they do not share an event loop or a heap: this one (dev server launcher, worker, the
 * real deliveries), the bridge (`--role bridge`, its own Temporal connection, default limits) and the attacker
 * (`--role attacker`). The bad traffic is bounded: `--bad` requests at most, paced at `--bad-rate` per second,
 * stopped after `--bad-seconds`; the phase with it lasts until the attacker is done, the phase without it
 * `--seconds` (default: as long as the attack is planned to take, so both phases have as many samples).
 * All of it shares the machine's cores. The attacker runs at the lowest CPU priority (`--attacker-nice`, default 19)
 * so that it takes only the cores the defenders leave idle, as a sender on another machine would cost them nothing;
 * the bridge pays full price for every bad request. `--real-concurrency N` gives the real spawner a maxConcurrency
 * (default none: every real delivery's Task runs at once).
 *
 *   npm run bench:bridge-abuse -- [--bad 10000] [--bad-rate 100] [--concurrency 64] [--rate 10] [--seconds N]
 *                                 [--bad-seconds 120] [--attacker-nice 19] [--real-concurrency N]
 *                                 [--kinds forged-github,forged-linear,forged-generic,malformed,oversized-generic,
 *                                          oversized-github,random-source,unknown-flood]   (default: all, round robin)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import type { StoredResource } from '../src/store/stored-resource';
import { createBridge } from '../src/clients/bridge/bridge-server';
import { KelosApi, SpawnerManifest } from '../src/clients/kelos-api';
import { startDevServer } from '../src/clients/dev/temporal-dev-server';
import { packageRoot } from '../src/host/package-root';
import { createKelosWorker } from '../src/workers/kelos-worker';

const AGENT = path.join(packageRoot(), 'bench', 'trivial-agent.sh');
const HOST = '127.0.0.1';
const SECRETS = { github: 'bench-github-secret', linear: 'bench-linear-secret', real: 'bench-real-secret' };
const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

const hmacHex = (secret: string, body: string | Buffer) => createHmac('sha256', secret).update(body).digest('hex');

// ---------------------------------------------------------------------------------------------------------------
// The bridge process: default limits, its own connection; reports its URL, then its RSS on request.

async function runBridge(): Promise<void> {
  const connection = await Connection.connect({ address: process.env.BENCH_TEMPORAL_ADDRESS! });
  const bridge = createBridge({
    client: new Client({ connection }),
    secrets: { github: SECRETS.github, linear: SECRETS.linear, generic: { real: SECRETS.real } },
  });
  await bridge.listen({ host: HOST, port: 0 });
  let peak = process.memoryUsage().rss;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'rss') {
      const rss = process.memoryUsage().rss;
      const cpu = process.cpuUsage();
      const loop = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
      process.send!({ type: 'rss', rss, peak: Math.max(peak, rss), cpuMs: (cpu.user + cpu.system) / 1000, at: Date.now(), loop });
      peak = rss;
      loopDelay.reset();
    }
    if (message.type === 'stop') {
      clearInterval(sampler);
      void bridge.close().then(() => connection.close()).then(() => process.exit(0));
    }
  });
  const address = bridge.server.address();
  process.send!({ type: 'ready', url: `http://${HOST}:${typeof address === 'object' && address ? address.port : 0}` });
}

// ---------------------------------------------------------------------------------------------------------------
// The attacker process: bad requests of eight kinds, round robin, paced and bounded.

/** Names of the kinds of bad request below, in order, for `--kinds`. */
const BAD_KINDS = ['forged-github', 'forged-linear', 'forged-generic', 'malformed', 'oversized-generic', 'oversized-github', 'random-source', 'unknown-flood'];

interface BadRequest {
  kind: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

function badRequests(): ((i: number) => BadRequest)[] {
  const issue = Buffer.from(
    JSON.stringify({
      action: 'opened',
      issue: { number: 1, title: 'forged', body: 'x'.repeat(1500), html_url: 'https://github.com/bench/repo/issues/1', user: { login: 'mallory' }, labels: [] },
      repository: { full_name: 'bench/repo', name: 'repo', owner: { login: 'bench' } },
      sender: { login: 'mallory' },
    }),
  );
  const garbage = Buffer.from('<<not json>>'.repeat(64 * 1024 / 12));
  const oversizedGeneric = Buffer.alloc(2 * MiB, 'a');
  const oversizedGitHub = Buffer.alloc(26 * MiB, 'a');
  // The shape measured before the bridge was hardened, at just under the default generic limit.
  const objects = Buffer.from(`{"a":[${Array.from({ length: Math.floor((MiB - 64) / 3) }, () => '{}').join(',')}]}`);
  const json = { 'content-type': 'application/json' };
  return [
    (i) => ({ kind: 'forged github', path: '/webhook/github', headers: { ...json, 'x-github-event': 'issues', 'x-github-delivery': `bad-${i}`, 'x-hub-signature-256': `sha256=${hmacHex('guess', issue)}` }, body: issue }),
    (i) => {
      const body = Buffer.from(JSON.stringify({ action: 'create', type: 'Issue', webhookTimestamp: Date.now(), data: { id: `bad-${i}`, identifier: 'ENG-1', title: 'forged', state: { name: 'Todo' }, labels: [] } }));
      return { kind: 'forged linear', path: '/webhook/linear', headers: { ...json, 'linear-delivery': `bad-${i}`, 'linear-signature': hmacHex('guess', body) }, body };
    },
    (i) => {
      const body = Buffer.from(JSON.stringify({ id: `bad-${i}` }));
      return { kind: 'forged generic', path: '/webhook/real', headers: { ...json, 'x-kelos-signature-256': `sha256=${hmacHex('guess', body)}` }, body };
    },
    () => ({ kind: 'malformed (unsigned source)', path: '/webhook/open', headers: json, body: garbage }),
    () => ({ kind: 'oversized generic 2 MiB', path: '/webhook/real', headers: json, body: oversizedGeneric }),
    () => ({ kind: 'oversized github 26 MiB', path: '/webhook/github', headers: { ...json, 'x-github-event': 'issues' }, body: oversizedGitHub }),
    (i) => ({ kind: 'unknown source (random name)', path: `/webhook/random-${i}`, headers: json, body: Buffer.from(JSON.stringify({ id: `bad-${i}`, pad: 'x'.repeat(1000) })) }),
    () => ({ kind: 'unknown source 1 MiB of {}', path: '/webhook/nosuch-source', headers: json, body: objects }),
  ];
}

async function runAttacker(): Promise<void> {
  const url = new URL(process.env.BENCH_BRIDGE_URL!);
  if (url.hostname !== HOST) throw new Error(`the attacker sends to ${HOST} only, not ${url.hostname}`);
  const count = Number(process.env.BENCH_BAD);
  const rate = Number(process.env.BENCH_BAD_RATE);
  const concurrency = Number(process.env.BENCH_CONCURRENCY);
  const deadline = Date.now() + Number(process.env.BENCH_BAD_SECONDS) * 1000;
  const only = process.env.BENCH_KINDS ? process.env.BENCH_KINDS.split(',') : undefined;
  const kinds = only ? badRequests().filter((_, index) => only.includes(BAD_KINDS[index])) : badRequests();
  if (!kinds.length) throw new Error(`--kinds names none of ${BAD_KINDS.join(', ')}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const answers: Record<string, Record<string, number>> = {};
  const started = Date.now();
  let next = 0;
  let sent = 0;
  const loop = async () => {
    for (;;) {
      const i = next++;
      if (i >= count || Date.now() > deadline) return;
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const request = kinds[i % kinds.length](i);
      const answer = await send(agent, url, request);
      sent += 1;
      const byKind = (answers[request.kind] ??= {});
      byKind[answer] = (byKind[answer] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  agent.destroy();
  const cpu = process.cpuUsage();
  process.send!({ type: 'done', sent, seconds: (Date.now() - started) / 1000, answers, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
}

/**
 * The status code, or what happened to the connection. The body goes in 64 KiB chunks as fast as the bridge takes
 * them, and stops once the bridge has answered (a 413 or an early 404 comes before the body is read): the bridge
 * sees what a blasting sender would make it see, without this process spending the machine's cores pushing bytes
 * into sockets that are already closed.
 */
function send(agent: http.Agent, url: URL, request: BadRequest): Promise<string> {
  return new Promise((resolve) => {
    let answered = false;
    const req = http.request({ agent, host: url.hostname, port: url.port, method: 'POST', path: request.path, headers: { ...request.headers, 'content-length': String(request.body.length) } }, (res) => {
      answered = true;
      res.resume();
      const done = () => {
        resolve(String(res.statusCode));
        if (!req.writableFinished) req.destroy(); // the rest of the body is not wanted
      };
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', (err: NodeJS.ErrnoException) => (answered ? undefined : resolve(`closed (${err.code ?? err.message})`)));
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    void (async () => {
      for (let offset = 0; offset < request.body.length; offset += CHUNK) {
        if (answered || req.destroyed) return;
        if (!req.write(request.body.subarray(offset, offset + CHUNK))) {
          await new Promise<void>((resolveWrite) => {
            const go = () => {
              for (const event of ['drain', 'response', 'close']) req.off(event, go);
              resolveWrite();
            };
            for (const event of ['drain', 'response', 'close']) req.on(event, go);
          });
        }
      }
      if (!answered && !req.destroyed) req.end();
    })();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The conductor: dev server, worker, spawners, the two phases, the report.

interface Phase {
  label: string;
  latencies: number[];
  failed: Record<string, number>;
  sent: number;
}

async function main(): Promise<void> {
  const bad = Number(arg('bad', '10000'));
  const badRate = Number(arg('bad-rate', '100'));
  const badSeconds = Number(arg('bad-seconds', '120'));
  const concurrency = Number(arg('concurrency', '64'));
  const rate = Number(arg('rate', '10'));
  const seconds = Number(arg('seconds', String(Math.min(bad / badRate, badSeconds))));
  const attackerNice = Number(arg('attacker-nice', '19'));
  const realConcurrency = Number(arg('real-concurrency', '0'));
  const kinds = arg('kinds', '');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ headless: true, logFile: path.join(os.tmpdir(), 'kelos-bench-bridge-abuse-temporal.log') });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-bench-bridge-abuse-'));
  const native = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = 'bench';
  const worker = await createKelosWorker({ connection: native, client, taskQueue, home, tuning: { maxConcurrentActivityTaskExecutions: 200 } });
  const running = worker.run();
  const api = new KelosApi(client, taskQueue);
  let bridge: BridgeProcess | undefined;
  try {
    await applySpawners(api, realConcurrency);
    await waitForVisibility(client, 4);
    bridge = await startBridgeProcess(server.address);
    const rssStart = await bridgeRss(bridge.child);
    console.log(`bridge pid ${bridge.child.pid} on ${bridge.url}; real deliveries ${rate}/s for ${seconds} s per phase${realConcurrency ? `, at most ${realConcurrency} of their Tasks at once` : ''}; bad traffic: ${bad} requests at ≤ ${badRate.toFixed(0)}/s, ${concurrency} connections, ≤ ${badSeconds} s, attacker at nice ${attackerNice}`);

    const cpuAt = () => cpuSnapshot({ bridge: bridge!.child.pid!, devServer: server.process.pid! });
    const quietCpu = cpuAt();
    const quiet = await realDeliveries(bridge.url, 'quiet', rate, (elapsed) => elapsed >= seconds * 1000);
    const quietCpuEnd = cpuAt();
    const quietLoop = (await bridgeRss(bridge.child)).loop;
    await waitForTasks(client, 'real-quiet-', quiet.sent);
    const rssBefore = await bridgeRss(bridge.child);
    const loudCpu = cpuAt();

    const attacker = startAttacker(bridge.url, { bad, badRate, badSeconds, concurrency, kinds, nice: attackerNice });
    let attackDone = false;
    const attack = attacker.then((report) => ((attackDone = true), report));
    const loud = await realDeliveries(bridge.url, 'loud', rate, (elapsed) => attackDone && elapsed >= seconds * 1000);
    const attackReport = await attack;
    const loudCpuEnd = cpuAt();
    const rssAttack = await bridgeRss(bridge.child);
    await waitForTasks(client, 'real-loud-', loud.sent);
    await new Promise((r) => setTimeout(r, 3_000)); // room for any Task a bad request might have caused
    const rssSettled = await bridgeRss(bridge.child);
    const tasks = await taskIds(client);
    const fromBad = tasks.filter((id) => !id.startsWith('task/default/item-real-'));
    const healthy = await fetch(`${bridge.url}/healthz`).then((r) => r.status === 200, () => false);
    const outcomes = await bridgeOutcomes(bridge.url);

    report({
      quiet,
      loud,
      attackReport,
      crashes: bridge.crashes(),
      healthy,
      fromBad,
      realTasks: tasks.length - fromBad.length,
      rss: { rssStart, rssBefore, rssAttack, rssSettled },
      loop: { quiet: quietLoop, loud: rssAttack.loop },
      cpu: { quiet: coresUsed(quietCpu, quietCpuEnd), loud: { ...coresUsed(loudCpu, loudCpuEnd), attacker: attackReport.cpuSeconds / ((loudCpuEnd.at - loudCpu.at) / 1000) } },
      outcomes,
    });
  } finally {
    await bridge?.stop();
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
    await server.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

async function applySpawners(api: KelosApi, realConcurrency: number): Promise<void> {
  const workspace = { apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: 'bench-repo', namespace: 'default' }, spec: { repo: 'https://github.com/bench/repo.git' } };
  await api.applyStoredResource(workspace as unknown as StoredResource);
  const template = (extra: Record<string, unknown> = {}) => ({ worker: { type: 'claude-code', credentials: { type: 'none' }, image: AGENT }, promptTemplate: 'noop', ...extra });
  const spawner = (name: string, when: Record<string, unknown>, extra?: Record<string, unknown>, limits: Record<string, unknown> = {}): SpawnerManifest => ({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: { when, taskTemplate: template(extra), ...limits },
  });
  // `real` (signed) takes the real deliveries; `open` has no secret (its malformed bodies reach the parser); the GitHub
  // and Linear spawners have no filters, so a forged delivery that got through would surely make a Task.
  await api.applySpawner(spawner('real', { webhook: { source: 'real', fieldMapping: { id: '$.id' } } }, { nameTemplate: 'item-{{.ID}}' }, realConcurrency ? { maxConcurrency: realConcurrency } : {}));
  await api.applySpawner(spawner('open', { webhook: { source: 'open', fieldMapping: { id: '$.id' } } }, { nameTemplate: 'item-open-{{.ID}}' }));
  await api.applySpawner(spawner('github', { githubWebhook: { events: ['issues'] } }, { workspaceRef: { name: 'bench-repo' } }));
  await api.applySpawner(spawner('linear', { linearWebhook: { types: ['Issue'] } }, { workspaceRef: { name: 'bench-repo' } }));
}

interface BridgeProcess {
  child: ChildProcess;
  url: string;
  /** Exits not asked for by stop(). */
  crashes: () => number;
  stop: () => Promise<void>;
}

function startBridgeProcess(temporalAddress: string): Promise<BridgeProcess> {
  const child = fork(__filename, ['--role', 'bridge'], { env: { ...process.env, BENCH_TEMPORAL_ADDRESS: temporalAddress } });
  let crashes = 0;
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping) {
        crashes += 1;
        console.error(`the bridge exited: ${signal ?? `code ${code}`}`);
      }
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stopping = true;
    child.send({ type: 'stop' });
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.once('message', (message: { type: string; url: string }) => resolve({ child, url: message.url, crashes: () => crashes, stop }));
    void exited.then(() => reject(new Error('the bridge process exited before it listened')));
  });
}

function startAttacker(url: string, o: { bad: number; badRate: number; badSeconds: number; concurrency: number; kinds: string; nice: number }): Promise<AttackReport> {
  const env = { ...process.env, BENCH_KINDS: o.kinds, BENCH_BRIDGE_URL: url, BENCH_BAD: String(o.bad), BENCH_BAD_RATE: String(o.badRate), BENCH_BAD_SECONDS: String(o.badSeconds), BENCH_CONCURRENCY: String(o.concurrency) };
  const child = fork(__filename, ['--role', 'attacker'], { env });
  os.setPriority(child.pid!, o.nice);
  return new Promise((resolve, reject) => {
    child.once('message', (message: AttackReport) => resolve(message));
    child.once('exit', (code) => (code ? reject(new Error(`the attacker exited with code ${code}`)) : undefined));
  });
}

interface AttackReport {
  cpuSeconds: number;
  sent: number;
  seconds: number;
  answers: Record<string, Record<string, number>>;
}

/** The bridge process's RSS now and its peak since the last sample, and its CPU time so far. */
interface BridgeSample {
  rss: number;
  peak: number;
  /** The bridge's event-loop delay since the last sample, ms: how long a request could wait for the loop. */
  loop: { p99: number; max: number };
  cpuMs: number;
  at: number;
}

function bridgeRss(child: ChildProcess): Promise<BridgeSample> {
  return new Promise((resolve) => {
    const onMessage = (message: BridgeSample & { type: string }) => {
      if (message.type !== 'rss') return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send({ type: 'rss' });
  });
}

/** Signed deliveries to `real` at `rate`/s until `enough(ms since the first)`; latency from sending to the 200. */
async function realDeliveries(url: string, label: string, rate: number, enough: (elapsedMs: number) => boolean): Promise<Phase> {
  const phase: Phase = { label, latencies: [], failed: {}, sent: 0 };
  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; !enough(Date.now() - started); i += 1) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const body = JSON.stringify({ id: `real-${label}-${i}` });
    const sentAt = performance.now();
    phase.sent += 1;
    inFlight.push(
      fetch(`${url}/webhook/real`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-kelos-signature-256': `sha256=${hmacHex(SECRETS.real, body)}` }, body }).then(
        async (response) => {
          const text = await response.text();
          if (response.status === 200) phase.latencies.push(performance.now() - sentAt);
          else {
            const why = `${response.status} ${(JSON.parse(text) as { error?: string }).error ?? ''}`.slice(0, 160);
            phase.failed[why] = (phase.failed[why] ?? 0) + 1;
          }
        },
        (err: Error) => void (phase.failed[err.message] = (phase.failed[err.message] ?? 0) + 1),
      ),
    );
  }
  await Promise.all(inFlight);
  phase.latencies.sort((a, b) => a - b);
  return phase;
}

async function waitForTasks(client: Client, prefix: string, count: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const ids = await taskIds(client);
    if (ids.filter((id) => id.startsWith(`task/default/item-${prefix}`)).length >= count) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  console.warn(`not every ${prefix} Task appeared within 2 minutes`);
}

async function taskIds(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query: 'KelosKind = "Task"' })) ids.push(execution.workflowId);
  return [...new Set(ids)];
}

async function waitForVisibility(client: Client, spawners: number): Promise<void> {
  for (;;) {
    let count = 0;
    for await (const _ of client.workflow.list({ query: 'KelosKind = "TaskSpawner" AND ExecutionStatus = "Running" AND KelosWebhookKeys IS NOT NULL' })) count += 1;
    if (count >= spawners) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The bridge's own count of answers by outcome (kelos_webhook_deliveries_total). */
async function bridgeOutcomes(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const outcomes: Record<string, number> = {};
  for (const match of text.matchAll(/^kelos_webhook_deliveries_total\{source="(\w+)",outcome="(\w+)"\} (\d+)/gm)) outcomes[`${match[1]} ${match[2]}`] = Number(match[3]);
  return outcomes;
}

/** CPU seconds so far of the bridge, the dev server and this process, and the machine's busy and total seconds. */
interface CpuSnapshot {
  at: number;
  bridge: number;
  devServer: number;
  conductor: number;
  machineBusy: number;
}

type Cores = { bridge: number; devServer: number; conductor: number; machine: number };

function cpuSnapshot(pids: { bridge: number; devServer: number }): CpuSnapshot {
  const own = process.cpuUsage();
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + fields[4];
  const total = fields.reduce((a, b) => a + b, 0);
  return { at: Date.now(), bridge: processCpuSeconds(pids.bridge), devServer: processCpuSeconds(pids.devServer), conductor: (own.user + own.system) / 1e6, machineBusy: (total - idle) / TICKS };
}

const TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process from /proc (0 when gone). */
function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** Cores used on average between two snapshots. */
function coresUsed(from: CpuSnapshot, to: CpuSnapshot): Cores {
  const seconds = (to.at - from.at) / 1000;
  return { bridge: (to.bridge - from.bridge) / seconds, devServer: (to.devServer - from.devServer) / seconds, conductor: (to.conductor - from.conductor) / seconds, machine: (to.machineBusy - from.machineBusy) / seconds };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
}

function report(r: {
  quiet: Phase;
  loud: Phase;
  attackReport: AttackReport;
  crashes: number;
  healthy: boolean;
  fromBad: string[];
  realTasks: number;
  rss: Record<'rssStart' | 'rssBefore' | 'rssAttack' | 'rssSettled', BridgeSample>;
  cpu: { quiet: Cores; loud: Cores & { attacker: number } };
  loop: { quiet: BridgeSample['loop']; loud: BridgeSample['loop'] };
  outcomes: Record<string, number>;
}): void {
  const mb = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log('\nbad traffic, by kind and answer:');
  for (const [kind, answers] of Object.entries(r.attackReport.answers)) console.log(`  ${kind.padEnd(30)} ${Object.entries(answers).map(([a, n]) => `${a}: ${n}`).join(', ')}`);
  console.log(`  ${r.attackReport.sent} sent in ${r.attackReport.seconds.toFixed(1)} s (${(r.attackReport.sent / r.attackReport.seconds).toFixed(0)}/s)`);
  console.log('\nthe bridge\'s answers by source and outcome (all phases):');
  for (const [key, n] of Object.entries(r.outcomes)) console.log(`  ${key.padEnd(30)} ${n}`);
  console.log('\nreal deliveries          | sent | 200s | failed | p50      | p99');
  for (const phase of [r.quiet, r.loud]) {
    const failed = Object.values(phase.failed).reduce((a, b) => a + b, 0);
    console.log(`  ${(phase.label === 'quiet' ? 'without bad traffic' : 'with bad traffic').padEnd(22)} | ${String(phase.sent).padStart(4)} | ${String(phase.latencies.length).padStart(4)} | ${String(failed).padStart(6)} | ${ms(percentile(phase.latencies, 0.5)).padStart(8)} | ${ms(percentile(phase.latencies, 0.99)).padStart(8)}`);
  }
  for (const phase of [r.quiet, r.loud]) if (Object.keys(phase.failed).length) console.log(`  ${phase.label} failures: ${Object.entries(phase.failed).map(([why, n]) => `${why}: ${n}`).join(', ')}`);
  const p50Ratio = percentile(r.loud.latencies, 0.5) / percentile(r.quiet.latencies, 0.5);
  const p99Ratio = percentile(r.loud.latencies, 0.99) / percentile(r.quiet.latencies, 0.99);
  console.log(`  ratio with/without: p50 ${p50Ratio.toFixed(2)}, p99 ${p99Ratio.toFixed(2)} (target ≤ 1.2)`);
  console.log(`\nbridge crashes: ${r.crashes}; /healthz after: ${r.healthy ? 200 : 'no answer'}`);
  console.log(`Tasks from bad requests: ${r.fromBad.length}${r.fromBad.length ? ` (${r.fromBad.slice(0, 5).join(', ')})` : ''}; Tasks from real deliveries: ${r.realTasks} of ${r.quiet.sent + r.loud.sent}`);
  console.log(`bridge RSS: at start ${mb(r.rss.rssStart.rss)}, before the bad traffic ${mb(r.rss.rssBefore.rss)}, peak during it ${mb(r.rss.rssAttack.peak)}, right after it ${mb(r.rss.rssAttack.rss)}, ${((r.rss.rssSettled.at - r.rss.rssAttack.at) / 1000).toFixed(0)} s later ${mb(r.rss.rssSettled.rss)}`);
  const cores = (c: Cores & { attacker?: number }) =>
    `bridge ${c.bridge.toFixed(2)}, Temporal dev server ${c.devServer.toFixed(2)}, worker + real sender ${c.conductor.toFixed(2)}${c.attacker === undefined ? '' : `, attacker ${c.attacker.toFixed(2)}`}, whole machine ${c.machine.toFixed(2)} of ${os.cpus().length}`;
  console.log(`bridge event-loop delay: p99 ${r.loop.quiet.p99.toFixed(1)} ms, max ${r.loop.quiet.max.toFixed(1)} ms without bad traffic; p99 ${r.loop.loud.p99.toFixed(1)} ms, max ${r.loop.loud.max.toFixed(1)} ms with it`);
  console.log(`cores used without bad traffic: ${cores(r.cpu.quiet)}`);
  console.log(`cores used with bad traffic:    ${cores(r.cpu.loud)}`);
}

const role = arg('role', 'conductor');
const run = role === 'bridge' ? runBridge : role === 'attacker' ? runAttacker : main;
run().then(
  () => (role === 'bridge' ? undefined : process.exit(0)),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
