/**
 * WorkerPool warm checkouts: the same N Tasks on a repository whose clone and setup take real time, run (a) unpooled
 * on a normal `kelos worker` and (b) pooled on M `kelos worker --pool` members, with the same parallelism: in both runs
 * this client keeps M Tasks in flight (it submits the next Task when one finishes), so neither run waits for a slot
 * the other has. An unpooled Task clones the repository into a directory of its own and runs the Workspace's
 * setupCommand from scratch; a pooled Task finds its member's checkout (fetched and reset) and the setup's ignored
 * cache. Prints the wall time of each run, per Task its checkout and setup time, and the ratio pooled/unpooled.
 *
 *   npm run bench:worker-pool -- [--tasks 10] [--members 2] [--repo-mb 20] [--setup-seconds 5] [--keep]
 *
 * The repository is a local bare one (file://, cloned shallow as Kelos clones): --repo-mb MB of text in ~8 KB files,
 * plus some history. The setup command (bench/pool-bench-setup.sh) sleeps --setup-seconds unless its marker for the
 * repository's lockfile is in the ignored `.bench-cache/`, as an incremental dependency install would. The agent
 * (bench/pool-bench-agent.sh under the built-in entrypoint) is instant, so the difference is checkout and setup.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { parseManifests } from '../src/model';
import { applyResource, type AppliedResource } from '../src/clients/apply-resource';
import { KelosApi } from '../src/clients/kelos-api';
import { startDevServer } from '../src/clients/dev/temporal-dev-server';
import { taskWorkflowId } from '../src/task/task-run';
import { workerPoolQueue } from '../src/task/runtime-queues';
import type { TaskStatus } from '../src/task/task-status';
import { packageRoot } from '../src/host/package-root';
import { inParallel } from './in-parallel';

const AGENT = path.join(packageRoot(), 'bench', 'pool-bench-agent.sh');
const SETUP = path.join(packageRoot(), 'bench', 'pool-bench-setup.sh');
const TASK_QUEUE = 'bench';
const POOL = 'bench-pool';
const WORKSPACE = 'bench-repo';
const FILE_BYTES = 8 * 1024;

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number (got ${JSON.stringify(process.argv[index + 1])})`);
  return value;
}

interface TaskFigures {
  name: string;
  /** The worker directory the agent ran in: a Task's own checkout, or a member's. */
  dir: string;
  checkoutMs: number;
  setupMs: number;
  setupKind: string;
  totalMs: number;
}

async function main(): Promise<void> {
  const tasks = arg('tasks', 10);
  const members = arg('members', 2);
  const repoMb = arg('repo-mb', 20);
  const setupSeconds = arg('setup-seconds', 5);
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error('--tasks must be a whole number of at least 1');
  if (!Number.isInteger(members) || members < 1) throw new Error('--members must be a whole number of at least 1');

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-bench-pool-'));
  const home = path.join(root, 'home');
  fs.mkdirSync(home);
  const events = path.join(root, 'events');
  console.log(`${tasks} Tasks, ${members} at a time; repository ${repoMb} MB; setup ${setupSeconds} s when cold; files under ${root}`);
  const made = Date.now();
  const repo = makeRepository(path.join(root, 'repo'), repoMb);
  console.log(`repository: ${repo.files} files, bare repo ${mb(dirBytes(repo.bare))} MB, made in ${seconds(Date.now() - made)} s`);

  const server = await startDevServer({ headless: true, logFile: path.join(root, 'temporal.log') });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const api = new KelosApi(client, TASK_QUEUE);
  const processes: ChildProcess[] = [];
  const kelosWorker = (name: string, extra: string[]) => {
    const log = fs.openSync(path.join(root, `${name}.log`), 'a');
    const child = spawn(process.execPath, [path.join(packageRoot(), 'bin', 'kelos.js'), '--address', server.address, '--task-queue', TASK_QUEUE, 'worker', '--no-agent-sandbox', ...extra], {
      env: { ...process.env, KELOS_HOME: home },
      stdio: ['ignore', log, log],
    });
    child.once('exit', (code) => {
      if (!stopping) console.error(`${name} exited (${code}); see ${path.join(root, `${name}.log`)}`);
    });
    processes.push(child);
  };
  let stopping = false;
  try {
    // Both runs' workers start before either is timed: the normal worker (Task workflows, unpooled checkouts and
    // agents) and the pool's members (they poll only the pool's queue, so they sit idle during the unpooled run).
    kelosWorker('worker', []);
    for (let i = 0; i < members; i += 1) kelosWorker(`member-${i}`, ['--pool', POOL, '--member', `member-${i}`]);
    await pollersOn(client, TASK_QUEUE, temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, 1);
    await pollersOn(client, workerPoolQueue(TASK_QUEUE, 'default', POOL), temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, members);

    const env = [
      { name: 'KELOS_AGENT_BIN', value: AGENT },
      { name: 'BENCH_EVENTS', value: events },
      { name: 'BENCH_SETUP_SECONDS', value: String(setupSeconds) },
    ];
    await apply({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: WORKSPACE, namespace: 'default' }, spec: { repo: repo.url, setupCommand: [SETUP] } });
    const worker = { type: 'claude-code', credentials: { type: 'none' }, workspaceRef: { name: WORKSPACE }, podOverrides: { env } };
    await apply({ apiVersion: 'kelos.dev/v1alpha2', kind: 'WorkerPool', metadata: { name: POOL, namespace: 'default' }, spec: { worker, replicas: members, volumeClaimTemplate: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });

    const unpooled = await timedRun(client, api, events, tasks, members, 'unpooled', { worker, prompt: 'bench' }, 'prepareTaskWorkspace');
    report('unpooled', `${members} at a time on one worker`, unpooled);
    const pooled = await timedRun(client, api, events, tasks, members, 'pooled', { workerPoolRef: { name: POOL }, prompt: 'bench' }, 'runPooledTask');
    report('pooled', `on ${members} members`, pooled);
    console.log(`\nwall time unpooled ${seconds(unpooled.wallMs)} s, pooled ${seconds(pooled.wallMs)} s; ratio pooled/unpooled: ${(pooled.wallMs / unpooled.wallMs).toFixed(2)}`);
  } finally {
    stopping = true;
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map((child) => (child.exitCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)))));
    await connection.close();
    await server.stop();
    if (!process.argv.includes('--keep')) fs.rmSync(root, { recursive: true, force: true });
  }

  async function apply(manifest: Record<string, unknown>): Promise<void> {
    const parsed = parseManifests(JSON.stringify(manifest), 'bench.json');
    if (parsed.errors.length || parsed.unsupported.length) throw new Error([...parsed.errors, ...parsed.unsupported].map(String).join('\n'));
    await applyResource(api, parsed.resources[0] as AppliedResource, 'bench');
  }
}

/**
 * Runs `count` Tasks of `spec`, `width` in flight (the next submitted when one finishes); per Task: the checkout (from
 * the start of `checkoutActivity`, the activity that clones or refreshes, to the setup command's start, so both runs
 * count the entrypoint's start alike), the setup, and the Task from submission to result.
 */
async function timedRun(client: Client, api: KelosApi, events: string, count: number, width: number, prefix: string, spec: Record<string, unknown>, checkoutActivity: string) {
  const figures: TaskFigures[] = [];
  const start = Date.now();
  await inParallel(count, width, async (i) => {
    const name = `${prefix}-${i}`;
    const submitted = Date.now();
    const parsed = parseManifests(JSON.stringify({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Task', metadata: { name, namespace: 'default' }, spec }), 'task.json');
    if (parsed.errors.length) throw new Error(parsed.errors.map(String).join('\n'));
    await applyResource(api, parsed.resources[0] as AppliedResource, 'bench');
    const handle = client.workflow.getHandle(taskWorkflowId('default', name));
    const status = (await handle.result().catch((err) => err.cause?.details?.[0] ?? Promise.reject(err))) as TaskStatus;
    const totalMs = Date.now() - submitted;
    if (status.phase !== 'Succeeded') throw new Error(`Task ${name} ended ${status.phase}: ${status.message}`);
    const setup = eventLine(events, 'setup', name);
    const agent = eventLine(events, 'agent', name);
    const activity = activityTimes(await handle.fetchHistory(), checkoutActivity);
    figures.push({ name, dir: agent[3], checkoutMs: Number(setup[1]) - activity.startedMs, setupMs: Number(setup[2]) - Number(setup[1]), setupKind: setup[3], totalMs });
  });
  return { wallMs: Date.now() - start, figures: figures.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })) };
}

function report(label: string, how: string, run: { wallMs: number; figures: TaskFigures[] }): void {
  console.log(`\n${label}: ${run.figures.length} Tasks ${how}, wall time ${seconds(run.wallMs)} s`);
  for (const f of run.figures) {
    console.log(`  ${f.name.padEnd(12)} checkout ${seconds(f.checkoutMs).padStart(6)} s  setup ${seconds(f.setupMs).padStart(6)} s (${f.setupKind})  submitted→done ${seconds(f.totalMs).padStart(6)} s  in ${f.dir}`);
  }
  // A cold Task is one whose setup found no cache: on a fresh clone (every unpooled Task, a member's first).
  for (const kind of ['cold', 'warm']) {
    const of = run.figures.filter((f) => f.setupKind === kind);
    if (!of.length) continue;
    const mean = (pick: (f: TaskFigures) => number) => seconds(of.reduce((sum, f) => sum + pick(f), 0) / of.length);
    console.log(`  ${of.length} ${kind}, mean: checkout ${mean((f) => f.checkoutMs)} s, setup ${mean((f) => f.setupMs)} s, submitted→done ${mean((f) => f.totalMs)} s`);
  }
}

/** The fields of the benchmark scripts' line `<kind> <task> …` in the events file. */
function eventLine(events: string, kind: string, task: string): string[] {
  const line = fs.readFileSync(events, 'utf8').split('\n').find((l) => l.startsWith(`${kind} ${task} `));
  if (!line) throw new Error(`no "${kind}" line for ${task} in ${events}`);
  return line.split(' ').slice(1);
}

type History = temporal.api.history.v1.IHistory;
const eventMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

/** When the (last) attempt of the named activity started, as the server recorded it. */
function activityTimes(history: History, activity: string): { startedMs: number } {
  const scheduled = new Set<string>();
  let startedMs = NaN;
  for (const event of history.events ?? []) {
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === activity) scheduled.add(String(event.eventId));
    if (scheduled.has(String(event.activityTaskStartedEventAttributes?.scheduledEventId))) startedMs = eventMs(event.eventTime);
  }
  if (Number.isNaN(startedMs)) throw new Error(`no started ${activity} activity in the Task's history`);
  return { startedMs };
}

/** Waits until `want` distinct workers poll the queue, so no run times a worker's start. */
async function pollersOn(client: Client, queue: string, type: temporal.api.enums.v1.TaskQueueType, want: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const described = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: queue }, taskQueueType: type });
    if (new Set((described.pollers ?? []).map((p) => p.identity)).size >= want) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${want} workers polling ${queue} after 2 minutes`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * A bare repository of about `sizeMb` MB in ~8 KB text files (random, so git cannot delta them away) in 64 directories,
 * a lockfile the setup keys its cache on, `.bench-cache/` ignored, and four more commits that each rewrite a tenth of
 * the files (history a shallow clone skips).
 */
function makeRepository(dir: string, sizeMb: number): { bare: string; url: string; files: number } {
  const work = path.join(dir, 'seed');
  const bare = path.join(dir, 'upstream.git');
  fs.mkdirSync(work, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const files = Math.max(1, Math.round((sizeMb * 1024 * 1024) / FILE_BYTES));
  const fileOf = (i: number) => path.join(work, 'src', `d${i % 64}`, `f${i}.txt`);
  const write = (i: number) => {
    fs.mkdirSync(path.dirname(fileOf(i)), { recursive: true });
    fs.writeFileSync(fileOf(i), (randomBytes((FILE_BYTES * 3) / 4).toString('base64').match(/.{1,76}/g) ?? []).join('\n'));
  };
  git('init', '--quiet');
  fs.writeFileSync(path.join(work, 'README.md'), 'WorkerPool benchmark repository\n');
  fs.writeFileSync(path.join(work, 'deps.lock'), 'bench-deps 1.0.0\n');
  fs.writeFileSync(path.join(work, '.gitignore'), '.bench-cache/\n');
  for (let i = 0; i < files; i += 1) write(i);
  git('add', '.');
  git('commit', '--quiet', '-m', 'initial');
  for (let c = 1; c <= 4; c += 1) {
    for (let i = c; i < files; i += 10) write(i);
    git('commit', '--quiet', '-am', `change ${c}`);
  }
  execFileSync('git', ['clone', '--quiet', '--bare', work, bare], { stdio: ['ignore', 'ignore', 'pipe'] });
  fs.rmSync(work, { recursive: true, force: true });
  return { bare, url: `file://${bare}`, files };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
