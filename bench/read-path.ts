/**
 * The read path at scale: `kelos get tasks` with 10,000 Tasks and `kelos get taskspawners` with 1,000 spawners on
 * the embedded default (a persistent dev server, SQLite synchronous=FULL). Objects are created with no worker
 * polling, so they stay as created (spec and status are in each execution's memo, which is all a listing reads).
 * Baseline in the same run: the same visibility query paged with raw `ListWorkflowExecutions` calls (no memo
 * decoding, no printing). Reported: seconds and the ratio to that baseline, and the bytes printed.
 *
 *   npm run bench:read-path -- [--tasks 10000] [--spawners 1000]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TaskRun } from '../src/task/task-run';
import { KelosApi, SpawnerManifest } from '../src/clients/kelos-api';
import { startDevServer } from '../src/clients/dev/temporal-dev-server';
import { packageRoot } from '../src/host/package-root';
import { inParallel } from './in-parallel';

const KELOS = path.join(packageRoot(), 'bin', 'kelos.js');

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

async function main(): Promise<void> {
  const taskCount = arg('tasks', 10_000);
  const spawnerCount = arg('spawners', 1_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-bench-read-'));
  const server = await startDevServer({ headless: true, dbFilename: path.join(dir, 'temporal.db'), logFile: path.join(dir, 'temporal.log') });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const api = new KelosApi(client, 'nobody-polls-this');
  try {
    const createStart = Date.now();
    await inParallel(taskCount, 50, (i) => api.startTask(taskRun(`task-${String(i).padStart(5, '0')}`)));
    await inParallel(spawnerCount, 50, (i) => api.applySpawner(spawner(`spawner-${String(i).padStart(4, '0')}`)));
    console.log(`created ${taskCount} Tasks and ${spawnerCount} spawners in ${((Date.now() - createStart) / 1000).toFixed(1)} s`);
    await visible(client, 'Task', taskCount);
    await visible(client, 'TaskSpawner', spawnerCount);

    const rows: [string, number, number, string][] = [];
    const rawTasks = await timed(() => rawList(connection, `KelosKind = "Task" AND KelosNamespace = "default"`));
    rows.push(['raw ListWorkflowExecutions, Tasks', rawTasks.seconds, rawTasks.seconds, `${rawTasks.value} executions`]);
    const apiTasks = await timed(() => api.listTasks('default'));
    rows.push(['KelosApi.listTasks', apiTasks.seconds, rawTasks.seconds, `${apiTasks.value.length} Tasks`]);
    for (const args of [['get', 'tasks'], ['get', 'tasks', '-o', 'json'], ['get', 'tasks', '--limit', '100']]) {
      const cli = await timed(async () => kelos(server.address, args));
      rows.push([`kelos ${args.join(' ')}`, cli.seconds, rawTasks.seconds, `${(cli.value / 1e6).toFixed(1)} MB printed`]);
    }
    const rawSpawners = await timed(() => rawList(connection, `KelosKind = "TaskSpawner" AND KelosNamespace = "default" AND ExecutionStatus = "Running"`));
    rows.push(['raw ListWorkflowExecutions, spawners', rawSpawners.seconds, rawSpawners.seconds, `${rawSpawners.value} executions`]);
    for (const args of [['get', 'taskspawners'], ['get', 'taskspawners', '-o', 'json']]) {
      const cli = await timed(async () => kelos(server.address, args));
      rows.push([`kelos ${args.join(' ')}`, cli.seconds, rawSpawners.seconds, `${(cli.value / 1e6).toFixed(1)} MB printed`]);
    }
    console.log('\nread                                   | seconds | ratio to raw | size');
    for (const [label, seconds, base, size] of rows) console.log(`${label.padEnd(38)} | ${seconds.toFixed(2).padStart(7)} | ${(seconds / base).toFixed(2).padStart(12)} | ${size}`);
    console.log('(the kelos rows include starting the CLI: node, module loading, connecting, about 0.5 s)');
  } finally {
    await connection.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes the CLI printed (stdout piped); throws on a non-zero exit. */
function kelos(address: string, args: string[]): number {
  const result = spawnSync(process.execPath, [KELOS, '--address', address, ...args], { maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`kelos ${args.join(' ')}: ${result.stderr.toString()}`);
  return result.stdout.length;
}

async function rawList(connection: Connection, query: string): Promise<number> {
  let count = 0;
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await connection.workflowService.listWorkflowExecutions({ namespace: 'default', query, pageSize: 1000, ...(nextPageToken ? { nextPageToken } : {}) });
    count += page.executions?.length ?? 0;
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return count;
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { seconds: (performance.now() - start) / 1000, value };
}

async function visible(client: Client, kind: string, count: number): Promise<void> {
  for (;;) {
    const { count: seen } = await client.workflow.count(`KelosKind = "${kind}"`);
    if (seen >= count) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function taskRun(name: string): TaskRun {
  const prompt = `Fix the flaky test in module ${name}; keep the change small and explain it in the PR description.`;
  return { namespace: 'default', name, agentType: 'claude-code', prompt, credentials: { type: 'none' }, agentConfigRefs: [], env: [], labels: {}, sourceKind: 'bench', spec: { type: 'claude-code', prompt, credentials: { type: 'none' } }, apiVersion: 'kelos.dev/v1alpha2' };
}

function spawner(name: string): SpawnerManifest {
  return {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      when: { cron: { schedule: '0 9 * * 1' } },
      taskTemplate: { worker: { type: 'claude-code', credentials: { type: 'none' } }, promptTemplate: 'Weekly dependency review' },
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
