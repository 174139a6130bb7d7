/**
 * Spawner throughput: N matching items arrive at once at a spawner with maxConcurrency C and trivial Tasks; we time
 * until all N Tasks finished, against a baseline in the same run that starts the same N Task workflows straight from
 * a Temporal client (no spawner, no throttling). Prints the ratio and the spawner's history events per created Task.
 *
 *   npm run bench:spawner -- [--items 1000] [--concurrency 50]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { spawnerWorkflowId } from '../src/spawner/spawner-status';
import type { WorkItem } from '../src/sources/work-item';
import type { TaskRun } from '../src/task/task-run';
import { KelosApi, SpawnerManifest } from '../src/clients/kelos-api';
import { startDevServer } from '../src/clients/dev/temporal-dev-server';
import { spawnerStatusQuery, workItemsSignal } from '../src/spawner/messages';
import { createKelosWorker, workflowsPath } from '../src/workers/kelos-worker';
import { packageRoot } from '../src/host/package-root';

const AGENT = path.join(packageRoot(), 'bench', 'trivial-agent.sh');

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

async function main(): Promise<void> {
  const items = arg('items', 1000);
  const concurrency = arg('concurrency', 50);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ headless: true, logFile: path.join(os.tmpdir(), 'kelos-bench-temporal.log') });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-bench-'));
  const native = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = 'bench';
  const worker = await createKelosWorker({ connection: native, client, taskQueue, home, tuning: { maxConcurrentActivityTaskExecutions: 200 } });
  const running = worker.run();
  const api = new KelosApi(client, taskQueue);
  try {
    console.log(`${items} trivial Tasks; spawner maxConcurrency ${concurrency}; 2-core figures vary by ±15% between runs`);

    const baselineStart = Date.now();
    const runs: TaskRun[] = Array.from({ length: items }, (_, i) => trivialRun(`base-${i}`));
    await Promise.all(runs.map((run) => api.startTask(run)));
    await Promise.all(runs.map((run) => client.workflow.getHandle(`task/default/${run.name}`).result()));
    const baselineMs = Date.now() - baselineStart;
    console.log(`baseline: ${items} Task workflows started from a client, all finished in ${(baselineMs / 1000).toFixed(1)} s`);

    const name = 'bench';
    await api.applySpawner(spawnerManifest(name, concurrency));
    const handle = client.workflow.getHandle(spawnerWorkflowId('default', name));
    const spawnerStart = Date.now();
    const batch: WorkItem[] = Array.from({ length: items }, (_, i) => ({ id: String(i), vars: { ID: String(i) }, labels: [], deliveryId: `d-${i}` }));
    await handle.signal(workItemsSignal, batch);
    for (;;) {
      const status = await handle.query(spawnerStatusQuery);
      if (status.totalTasksCreated === items && status.activeTasks === 0 && status.queueLength === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const spawnerMs = Date.now() - spawnerStart;
    console.log(`spawner:  ${items} items queued at once, all Tasks finished in ${(spawnerMs / 1000).toFixed(1)} s`);
    console.log(`ratio spawner/baseline: ${(spawnerMs / baselineMs).toFixed(2)}`);

    let events = 0;
    let runsCount = 0;
    const bundle = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: new DefaultLogger('WARN') });
    for await (const execution of client.workflow.list({ query: `WorkflowId = "${spawnerWorkflowId('default', name)}"` })) {
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      events += history.events?.length ?? 0;
      runsCount += 1;
      const saved = path.join(home, `spawner-run-${runsCount}.json`);
      fs.writeFileSync(saved, historyToJSON(history));
      console.log(`  run ${execution.runId.slice(0, 8)}: ${describeRun(history)}; ${await timedReplay(bundle, history)} (history in ${saved})`);
    }
    console.log(`spawner history: ${events} events over ${runsCount} run(s) = ${(events / items).toFixed(1)} events per created Task`);
  } finally {
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
    await server.stop();
  }
}

type History = temporal.api.history.v1.IHistory;
const seconds = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) + (t?.nanos ?? 0) / 1e9;

/** Size, and the slowest workflow task (started to completed, as the server saw it): where a spawner run spends. */
function describeRun(history: History): string {
  const events = history.events ?? [];
  const bytes = events.reduce((sum, e) => sum + JSON.stringify(e).length, 0);
  const started = new Map<string, number>();
  let slowest = { ms: 0, at: 0 };
  for (const event of events) {
    const id = String(event.eventId);
    if (event.workflowTaskStartedEventAttributes) started.set(id, seconds(event.eventTime));
    const completed = event.workflowTaskCompletedEventAttributes;
    if (completed) {
      const ms = (seconds(event.eventTime) - (started.get(String(completed.startedEventId)) ?? seconds(event.eventTime))) * 1000;
      if (ms > slowest.ms) slowest = { ms, at: Number(event.eventId) };
    }
  }
  return `${events.length} events, ~${(bytes / 1e6).toFixed(1)} MB, slowest workflow task ${Math.round(slowest.ms)} ms (event ${slowest.at})`;
}

/** What a worker pays to rebuild this run from history after a cache miss or a restart. */
async function timedReplay(bundle: { code: string }, history: History): Promise<string> {
  const start = Date.now();
  await Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'bench' }, history);
  return `full replay ${((Date.now() - start) / 1000).toFixed(1)} s`;
}

function trivialRun(name: string): TaskRun {
  return {
    namespace: 'default',
    name,
    agentType: 'claude-code',
    prompt: 'noop',
    image: AGENT,
    credentials: { type: 'none' },
    agentConfigRefs: [],
    env: [],
    labels: {},
    sourceKind: 'bench',
    spec: {},
    apiVersion: 'kelos.dev/v1alpha2',
  };
}

function spawnerManifest(name: string, maxConcurrency: number): SpawnerManifest {
  return {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      when: { webhook: { source: 'bench', fieldMapping: { id: '$.id' } } },
      maxConcurrency,
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
