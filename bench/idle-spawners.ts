/**
 * Idle spawners on one worker: N spawners — a third cron (weekly), a third polling a repository on the local GitHub
 * API every minute, a third generic webhook — started on one kelos worker and then left alone. Reported per N and
 * worker workflow cache size: worker and server RSS, CPU of both over an idle minute, the history events an idle poll
 * cycle adds, and the cost of waking a spawner that was evicted from the cache (a query replays it). The worker is a
 * `kelos worker` process of its own, measured alone. The baseline is the SDK's default cache with Node's default heap
 * limit for the workflow thread (what the worker used before it had bounds of its own).
 *
 *   npm run bench:idle-spawners -- [--n 100,1000] [--cache sdk-default,250] [--workflow-heap MiB] [--idle-seconds 60]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Client, Connection } from '@temporalio/client';
import { spawnerWorkflowId } from '../src/spawner/spawner-status';
import { KelosApi, type SpawnerManifest } from '../src/clients/kelos-api';
import { startDevServer } from '../src/clients/dev/temporal-dev-server';
import { LocalSecretStore } from '../src/host/secret-store';
import { spawnerStatusQuery } from '../src/spawner/messages';
import { DEFAULT_WORKFLOW_CACHE } from '../src/workers/kelos-worker';
import { packageRoot } from '../src/host/package-root';
import { startFakeGitHub } from '../test/harness/github-api';
import { inParallel } from './in-parallel';

const TOKEN = 'ghp_bench_idle_spawners_0123456789';

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

interface Figures {
  n: number;
  cache: string;
  startSeconds: number;
  workerRssMiB: number;
  /** Anonymous memory (heaps, native allocations) within the RSS; the rest is mapped files (code, the bundle). */
  workerRssAnonMiB: number;
  /** The worker's highest RSS (VmHWM), reached while the spawners started. */
  workerPeakRssMiB: number;
  serverRssMiB: number;
  idleCpuWorker: number;
  idleCpuServer: number;
  eventsPerIdlePoll: number;
  /** NaN (null once through JSON) when nothing was evicted. */
  wakeMs: number | null;
}

async function main(): Promise<void> {
  if (process.argv.includes('--one')) {
    const figures = await measure(Number(arg('n', '100')), arg('cache', 'sdk-default'), Number(arg('idle-seconds', '60')));
    process.stdout.write(`RESULT ${JSON.stringify(figures)}\n`);
    return;
  }
  // Each configuration in a fresh process, so one's memory does not count in the next.
  const results: Figures[] = [];
  for (const n of arg('n', '100,1000').split(',').map(Number)) {
    for (const cache of arg('cache', `sdk-default,${DEFAULT_WORKFLOW_CACHE}`).split(',')) {
      console.log(`N=${n}, workflow cache ${cache} ...`);
      results.push(await runOne(n, cache, arg('idle-seconds', '60')));
    }
  }
  console.log('\nspawners | worker cache | start s | worker RSS (peak) MiB | server RSS MiB | idle CPU worker/server (s per min) | events per idle poll | wake an evicted spawner');
  for (const r of results) {
    console.log(
      `${String(r.n).padStart(8)} | ${r.cache.padEnd(12)} | ${r.startSeconds.toFixed(0).padStart(7)} | ${`${r.workerRssMiB.toFixed(0)} (peak ${r.workerPeakRssMiB.toFixed(0)})`.padStart(20)} | ${r.serverRssMiB.toFixed(0).padStart(14)} | ${`${r.idleCpuWorker.toFixed(1)} / ${r.idleCpuServer.toFixed(1)}`.padStart(34)} | ${r.eventsPerIdlePoll.toFixed(1).padStart(20)} | ${r.wakeMs === null || Number.isNaN(r.wakeMs) ? 'not evicted' : `${r.wakeMs.toFixed(0)} ms`}`,
    );
  }
}

function runOne(n: number, cache: string, idleSeconds: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, '--one', '--n', String(n), '--cache', cache, '--idle-seconds', idleSeconds, ...(arg('workflow-heap', '') ? ['--workflow-heap', arg('workflow-heap', '')] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`N=${n} cache=${cache} failed (exit ${code}):\n${out}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as Figures);
    });
  });
}

async function measure(n: number, cache: string, idleSeconds: number): Promise<Figures> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-bench-idle-'));
  const github = await startFakeGitHub({ tokens: [TOKEN] });
  const server = await startDevServer({ headless: true, logFile: path.join(home, 'temporal.log') });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = 'bench';
  new LocalSecretStore(home).put('default', 'github-token', { GITHUB_TOKEN: TOKEN });
  const repo = github.repo('acme', 'idle');
  for (let i = 0; i < 20; i += 1) repo.addIssue({ title: `Issue ${i}`, labels: [], user: 'alice' });
  const api = new KelosApi(client, taskQueue);
  await api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: 'ws', namespace: 'default' }, spec: { repo: 'https://github.com/acme/idle', secretRef: { name: 'github-token' } } });
  // The SDK's own default, as its worker-options computes it from the heap limit.
  const sdkDefault = Math.max(Math.floor((Math.max(v8.getHeapStatistics().heap_size_limit / 1024 / 1024 - 200, 0) * 600) / 1024), 10);
  const heap = arg('workflow-heap', '');
  // The SDK-default baseline also keeps Node's default heap limit for its workflow thread, as before.
  const cacheFlag = cache === 'sdk-default' ? String(sdkDefault) : cache;
  const heapFlag = heap || (cache === 'sdk-default' ? String(Math.floor(v8.getHeapStatistics().heap_size_limit / 1024 / 1024)) : '');
  // The worker is a `kelos worker` process of its own, so its RSS and CPU are the worker's alone (not this client's
  // or the local GitHub's). Agents never run here: the sandbox is off only to skip its check.
  const worker = spawn(
    process.execPath,
    [path.join(packageRoot(), 'bin', 'kelos.js'), '--address', server.address, '--task-queue', taskQueue, 'worker', '--workflow-cache', cacheFlag, ...(heapFlag ? ['--workflow-heap', heapFlag] : []), '--no-agent-sandbox'],
    { env: { ...process.env, KELOS_HOME: home, GITHUB_API_URL: github.url }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let workerErrors = '';
  worker.stderr!.on('data', (chunk: Buffer) => (workerErrors = (workerErrors + chunk.toString()).slice(-4000)));
  const workerExited = new Promise<never>((_, reject) => worker.once('exit', (code) => reject(new Error(`kelos worker exited (${code}):\n${workerErrors}`))));
  try {
    const started = Date.now();
    await inParallel(n, 20, (i) => api.applySpawner(spawner(i)));
    // Settled: every spawner answered once (its first poll done for the polling ones).
    const settled = inParallel(n, 20, async (i) => {
      const handle = client.workflow.getHandle(spawnerWorkflowId('default', `idle-${i}`));
      for (;;) {
        const status = await handle.query(spawnerStatusQuery).catch(() => undefined);
        if (status && (i % 3 !== 1 || status.lastPoll)) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    });
    await Promise.race([settled, workerExited]);
    const startSeconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 10_000));

    const polled = client.workflow.getHandle(spawnerWorkflowId('default', 'idle-1'));
    const eventsBefore = (await polled.describe()).historyLength;
    const cpuBefore = { worker: processCpuSeconds(worker.pid!), server: processCpuSeconds(server.process.pid!) };
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const workerCpu = processCpuSeconds(worker.pid!) - cpuBefore.worker;
    const serverCpu = processCpuSeconds(server.process.pid!) - cpuBefore.server;
    const after = await polled.describe();
    const pollsInWindow = Math.max(1, Math.round(idleSeconds / 60));
    const figures: Figures = {
      n,
      cache,
      startSeconds,
      workerRssMiB: processRssMiB(worker.pid!),
      workerRssAnonMiB: statusKiB(worker.pid!, 'RssAnon') / 1024,
      workerPeakRssMiB: statusKiB(worker.pid!, 'VmHWM') / 1024,
      serverRssMiB: processRssMiB(server.process.pid!),
      idleCpuWorker: workerCpu * (60 / idleSeconds),
      idleCpuServer: serverCpu * (60 / idleSeconds),
      eventsPerIdlePoll: (after.historyLength - eventsBefore) / pollsInWindow,
      wakeMs: NaN,
    };
    // The first spawner started is the least recently used: evicted when the cache is smaller than N.
    if (cache !== 'sdk-default' && n > Number(cache)) {
      const evicted = client.workflow.getHandle(spawnerWorkflowId('default', 'idle-0'));
      const t = performance.now();
      await evicted.query(spawnerStatusQuery);
      figures.wakeMs = performance.now() - t;
    }
    return figures;
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => (worker.exitCode !== null ? resolve(undefined) : worker.once('exit', resolve)));
    await connection.close();
    await server.stop();
    await github.close();
  }
}

function spawner(i: number): SpawnerManifest {
  const name = `idle-${i}`;
  const template = { worker: { type: 'claude-code', credentials: { type: 'none' }, workspaceRef: { name: 'ws' } }, promptTemplate: 'Look at {{.Title}}' };
  const when = [{ cron: { schedule: '0 9 * * 1' } }, { githubIssues: { repo: 'acme/idle', labels: ['never-set'], pollInterval: '1m' } }, { webhook: { source: `src-${i}`, fieldMapping: { id: '$.id' } } }][i % 3];
  return { apiVersion: 'kelos.dev/v1alpha2', kind: 'TaskSpawner', metadata: { name, namespace: 'default' }, spec: { when, taskTemplate: template } };
}


function processRssMiB(pid: number): number {
  return statusKiB(pid, 'VmRSS') / 1024;
}

function statusKiB(pid: number, field: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
}

function processCpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
