/**
 * kelos as a production deployment runs it, through the real `kelos` binary on the production bed: two `kelos worker`
 * processes, each with its own $KELOS_HOME as on two hosts (secrets put in both, the workflow cache off so a workflow's
 * tasks land on either), a `kelos bridge` and the CLI, every one connected only by TEMPORAL_* variables (TLS with a
 * client certificate). In order: a Task end to end; a GitHub polling spawner whose idle polls stay one 304 on one
 * worker; a signed webhook burst; the Temporal server SIGKILLed and restarted in the middle of a burst; one worker's
 * host lost in the middle of a Task.
 */
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { taskWorkflowId } from '../../src/task/task-run';
import { spawnerWorkflowId } from '../../src/spawner/spawner-status';
import { taskFiles } from '../../src/host/data-dir';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';
import { eventually, uniqueName } from '../harness/kelos-stack';
import { installTestRuntime, uniqueTaskQueue } from '../harness/temporal';
import { makeUpstream } from '../local/git-fixture';
import { isAlive, prodTemporal } from '../harness/prod/prod-temporal';
import { ensureKelosSetup, kelos, kelosAsync, newKelosHome, startKelosBridge, startKelosWorker, type KelosProcess, type KelosWorkerProcess } from '../harness/prod/kelos-processes';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const TOKEN = 'ghp_prod_bed_token_0123456789abcdef';
const BURST_SOURCE = 'prod-burst';
const OUTAGE_SOURCE = 'prod-outage';
const HOOK_SECRET = 'prod-bed-hmac-secret';

const bed = prodTemporal();
const taskQueue = uniqueTaskQueue('prod-kelos');
const homes = { a: newKelosHome('host-a'), b: newKelosHome('host-b'), bridge: newKelosHome('bridge'), cli: newKelosHome('cli') };
/** Where test agents leave what the tests read: agents are sandboxed, and write only their own places and this. */
const shared = newKelosHome('shared');
const workers: Record<'a' | 'b', KelosWorkerProcess> = {} as never;
let bridge: KelosProcess & { url: string };
let github: FakeGitHub;

const cli = (args: string[], input?: string) => kelos(bed, { home: homes.cli, env: { KELOS_TASK_QUEUE: taskQueue } }, args, input);

function applied(manifest: object): void {
  const result = cli(['apply', '-f', '-'], JSON.stringify(manifest));
  if (result.code !== 0) throw new Error(`kelos apply failed: ${result.stderr}`);
}

interface TaskItem {
  metadata: { name: string };
  status: { phase?: string; message?: string; results?: Record<string, string> };
}

function tasks(): TaskItem[] {
  const listed = cli(['get', 'tasks', '-o', 'json']);
  if (listed.code !== 0) throw new Error(`kelos get tasks failed: ${listed.stderr}`);
  return (JSON.parse(listed.stdout) as { items: TaskItem[] }).items;
}

beforeAll(async () => {
  installTestRuntime();
  ensureKelosSetup(bed);
  github = await startFakeGitHub({ tokens: [TOKEN] });
  // Secrets live on each host's disk: both workers' homes get the token.
  for (const home of [homes.a, homes.b]) {
    const put = kelos(bed, { home }, ['apply', '-f', '-'], `apiVersion: v1\nkind: Secret\nmetadata: {name: github-token}\nstringData: {GITHUB_TOKEN: ${TOKEN}}\n`);
    expect(put.stdout).toBe('secret/github-token configured\n');
  }
  applied({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: 'widgets' }, spec: { repo: makeUpstream(homes.cli).url, secretRef: { name: 'github-token' } } });
  const workerOptions = { taskQueue, args: ['--workflow-cache', '0'], env: { GITHUB_API_URL: github.url, KELOS_AGENT_SANDBOX_SHARE: shared } };
  [workers.a, workers.b] = await Promise.all([startKelosWorker(bed, { ...workerOptions, home: homes.a }), startKelosWorker(bed, { ...workerOptions, home: homes.b })]);
  bridge = await startKelosBridge(bed, {
    home: homes.bridge,
    taskQueue,
    env: { [`KELOS_WEBHOOK_SECRET_${BURST_SOURCE.toUpperCase().replace(/-/g, '_')}`]: HOOK_SECRET, [`KELOS_WEBHOOK_SECRET_${OUTAGE_SOURCE.toUpperCase().replace(/-/g, '_')}`]: HOOK_SECRET },
  });
}, 180_000);

afterAll(async () => {
  await Promise.all([...Object.values(workers), bridge].filter(Boolean).map((p) => p.stop()));
  await github?.close();
  // Whatever happened here, the next test file finds a server.
  if (!isAlive(bed.serverPid)) await bed.startServer();
  for (const home of Object.values(homes)) fs.rmSync(home, { recursive: true, force: true });
});

test('a Task runs end to end through TLS and kelos get tasks shows it', async () => {
  const name = uniqueName('prod-task');
  const run = await kelosAsync(bed, { home: homes.cli, env: { KELOS_TASK_QUEUE: taskQueue } }, ['run', '-p', 'hello from the production bed', '--image', IMAGE, '--name', name, '--credential-type', 'none', '--env', 'AGENT_SLEEP=0', '-w']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(new RegExp(`task/${name} Succeeded`));

  const table = cli(['get', 'tasks']);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(new RegExp(`^${name}\\s+claude-code\\s+Succeeded`, 'm'));
  const task = tasks().find((t) => t.metadata.name === name)!;
  expect(task.status.results?.pr).toBe('https://github.com/acme/app/pull/7');
  // Its agent ran where its checkout was prepared: no activity failed on either worker (a run on the other host
  // would not find the checkout's files).
  expect(workers.a.output() + workers.b.output()).not.toMatch(/Activity failed/);
}, 120_000);

interface SpawnerItem {
  status: { totalTasksCreated?: number; lastPoll?: { time: string; requests: number; notModified: number; full: boolean; queue?: string } };
}

test('a polling spawner’s idle polls stay one 304 each, all on the worker holding its ledger, while its workflow tasks run on both', async () => {
  const repoName = uniqueName('prod-poll');
  const repo = github.repo('acme', repoName);
  repo.addIssue({ title: 'First', labels: ['agent'], user: 'alice' });
  repo.addIssue({ title: 'Second', labels: ['agent'], user: 'alice' });
  const name = uniqueName('prod-poller');
  applied({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name },
    spec: {
      when: { githubIssues: { repo: `acme/${repoName}`, labels: ['agent'], pollInterval: '1s' } },
      taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, image: IMAGE, workspaceRef: { name: 'widgets' }, promptTemplate: 'Issue #{{.Number}}: {{.Title}}', podOverrides: { env: [{ name: 'AGENT_SLEEP', value: '0' }] } },
    },
  });
  const status = () => {
    const shown = cli(['get', 'taskspawner', name, '-o', 'json']);
    if (shown.code !== 0) throw new Error(shown.stderr);
    return (JSON.parse(shown.stdout) as SpawnerItem).status;
  };
  // Settled: both Tasks made and the incremental listing caught up.
  let current = await eventually(async () => {
    const s = status();
    return s.totalTasksCreated === 2 && s.lastPoll?.queue && s.lastPoll.notModified === 1 ? s : undefined;
  }, 90_000, 'both issues to become Tasks and an idle poll');
  const holder = current.lastPoll!.queue!;
  expect([workers.a.pollQueue, workers.b.pollQueue]).toContain(holder);

  // Six idle polls with both workers polling: each on the holder, one conditional request answered 304.
  const issueListings = () => github.requests.filter((r) => r.path === `/repos/acme/${repoName}/issues`);
  const listingsBefore = issueListings().length;
  const polls: NonNullable<SpawnerItem['status']['lastPoll']>[] = [];
  while (polls.length < 6) {
    const previous = current.lastPoll!.time;
    current = await eventually(async () => {
      const s = status();
      return s.lastPoll && s.lastPoll.time !== previous ? s : undefined;
    }, 30_000, 'the next poll');
    polls.push(current.lastPoll!);
  }
  for (const poll of polls) expect(poll).toMatchObject({ queue: holder, full: false, requests: 1, notModified: 1 });
  // The fake GitHub saw the same: since the first of those polls, only conditional listings answered 304.
  const idle = issueListings().slice(listingsBefore);
  expect(idle.length).toBeGreaterThanOrEqual(polls.length - 1);
  for (const request of idle) expect(request).toMatchObject({ conditional: true, status: 304 });
  expect(github.requests.filter((r) => r.path.startsWith(`/repos/acme/${repoName}`) && r.status !== 304).length).toBeLessThanOrEqual(3);
  expect(status().totalTasksCreated).toBe(2);

  // Both worker processes ran the spawner's workflow tasks (no cache), while its polls stayed on one.
  const connection = await bed.connect();
  try {
    const client = new Client({ connection, namespace: bed.namespace });
    const history = await client.workflow.getHandle(spawnerWorkflowId('default', name)).fetchHistory();
    const identities = new Set((history.events ?? []).flatMap((e: temporal.api.history.v1.IHistoryEvent) => e.workflowTaskCompletedEventAttributes?.identity ?? []));
    expect(identities.size).toBe(2);
  } finally {
    await connection.close();
  }
  expect(cli(['delete', 'taskspawner', name]).code).toBe(0);
}, 180_000);

function signedPost(url: string, body: string): Promise<number> {
  const signature = `sha256=${createHmac('sha256', HOOK_SECRET).update(body).digest('hex')}`;
  return new Promise((resolve) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-kelos-signature-256': signature } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    request.on('error', () => resolve(0));
    request.end(body);
  });
}

function webhookSpawner(name: string, source: string, prefix: string): object {
  return {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name },
    spec: {
      when: { webhook: { source, fieldMapping: { id: '$.id' } } },
      maxConcurrency: 20,
      taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, image: IMAGE, nameTemplate: `${prefix}-{{.ID}}`, promptTemplate: 'delivery {{.ID}}', podOverrides: { env: [{ name: 'AGENT_SLEEP', value: '0' }] } },
    },
  };
}

/** Until the bridge routes the source to its newly applied spawner (visibility lags a little). */
async function routable(source: string): Promise<void> {
  await eventually(async () => ((await signedPost(`${bridge.url}/webhook/${source}`, JSON.stringify({ id: 'warmup' }))) === 200 ? true : undefined), 30_000, `the ${source} spawner to be routable`);
}

/** Every id's Task exists exactly once (by its templated name), the warm-up's too. */
async function expectOneTaskEach(prefix: string, ids: string[]): Promise<void> {
  const names = await eventually(async () => {
    const listed = tasks().map((t) => t.metadata.name);
    return ids.every((id) => listed.includes(`${prefix}-${id}`)) ? listed : undefined;
  }, 120_000, `a Task for each of ${ids.length} deliveries`);
  for (const id of ids) expect(names.filter((n) => n === `${prefix}-${id}`)).toHaveLength(1);
  expect(names.filter((n) => n.startsWith(`${prefix}-`))).toHaveLength(ids.length + 1);
}

test('a signed webhook burst through kelos bridge: every 2xx delivery is exactly one Task', async () => {
  const name = uniqueName('prod-hooks');
  applied(webhookSpawner(name, BURST_SOURCE, 'burst'));
  await routable(BURST_SOURCE);
  const ids = Array.from({ length: 40 }, (_, i) => `b${i}`);
  const statuses = await Promise.all(ids.map((id) => signedPost(`${bridge.url}/webhook/${BURST_SOURCE}`, JSON.stringify({ id }))));
  expect(statuses).toEqual(ids.map(() => 200));
  // A sender's retry of the same signed body is the same delivery: no second Task.
  expect(await Promise.all(ids.slice(0, 5).map((id) => signedPost(`${bridge.url}/webhook/${BURST_SOURCE}`, JSON.stringify({ id }))))).toEqual([200, 200, 200, 200, 200]);
  // A forged signature is refused.
  expect(await new Promise<number>((resolve) => {
    const request = http.request(`${bridge.url}/webhook/${BURST_SOURCE}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-kelos-signature-256': 'sha256=00' } }, (res) => resolve(res.statusCode ?? 0));
    request.end(JSON.stringify({ id: 'forged' }));
  })).toBe(401);
  await expectOneTaskEach('burst', ids);
  expect(cli(['delete', 'taskspawner', name]).code).toBe(0);
}, 180_000);

test('the Temporal server SIGKILLed and restarted in the middle of a burst: every 2xx is one Task, the 503s succeed when sent again', async () => {
  const name = uniqueName('prod-outage');
  applied(webhookSpawner(name, OUTAGE_SOURCE, 'outage'));
  await routable(OUTAGE_SOURCE);

  // One delivery every 150 ms; the server is SIGKILLed after the 6th, started again 3 s later, and ten more go
  // once it serves again.
  const answers = new Map<string, number>();
  const sends: Promise<void>[] = [];
  let restarted: Promise<void> | undefined;
  let back = false;
  let afterBack = 0;
  for (let i = 0; afterBack < 10 && i < 300; i += 1) {
    const id = `o${i}`;
    sends.push(signedPost(`${bridge.url}/webhook/${OUTAGE_SOURCE}`, JSON.stringify({ id })).then((status) => void answers.set(id, status)));
    if (i === 6) {
      await bed.stopServer('SIGKILL');
      restarted = new Promise((r) => setTimeout(r, 3_000)).then(() => bed.startServer()).then(() => void (back = true));
    }
    if (back) afterBack += 1;
    await new Promise((r) => setTimeout(r, 150));
  }
  await restarted;
  await Promise.all(sends);
  const first = [...answers.values()];
  expect(first.filter((s) => s === 503).length).toBeGreaterThan(0);
  expect(first.every((s) => s === 200 || s === 503)).toBe(true);

  // The sender retries what was not acknowledged, until each is (the bridge's connection may take a few seconds).
  const deadline = Date.now() + 90_000;
  for (;;) {
    const pending = [...answers].filter(([, status]) => status !== 200).map(([id]) => id);
    if (!pending.length) break;
    if (Date.now() > deadline) throw new Error(`deliveries still refused 90 s after the restart: ${pending.join(', ')}`);
    for (const id of pending) answers.set(id, await signedPost(`${bridge.url}/webhook/${OUTAGE_SOURCE}`, JSON.stringify({ id })));
    await new Promise((r) => setTimeout(r, 1_000));
  }
  await expectOneTaskEach('outage', [...answers.keys()]);
  expect(cli(['delete', 'taskspawner', name]).code).toBe(0);
}, 300_000);

test('a worker’s host lost in the middle of a Task: the Task runs again on the other worker and succeeds once', async () => {
  const name = uniqueName('prod-lost');
  const starts = path.join(shared, `${name}-starts`);
  const started = cli(['run', '-p', 'outlive a host', '--image', IMAGE, '--name', name, '--credential-type', 'none', '--env', 'AGENT_SLEEP=10', '--env', `AGENT_STARTS_FILE=${starts}`]);
  expect(started.code).toBe(0);
  await eventually(async () => (fs.existsSync(starts) ? true : undefined), 60_000, 'the agent to start');
  // The agent runs on the worker that prepared its checkout (both on that host's disk).
  const on = (['a', 'b'] as const).filter((host) => fs.existsSync(taskFiles(homes[host], 'default', name).pidFile));
  expect(on).toHaveLength(1);
  const lostHost = on[0];
  const lost = workers[lostHost];
  const survivor = workers[lostHost === 'a' ? 'b' : 'a'];

  // The host goes: its worker, its agent (the whole process group) and its disk.
  // The PID file holds "<pid> <start time>".
  const agentPid = Number(fs.readFileSync(taskFiles(homes[lostHost], 'default', name).pidFile, 'utf8').trim().split(' ')[0]);
  await lost.kill();
  process.kill(-agentPid, 'SIGKILL');
  fs.rmSync(homes[lostHost], { recursive: true, force: true });

  const connection = await bed.connect();
  try {
    const client = new Client({ connection, namespace: bed.namespace });
    const handle = client.workflow.getHandle(taskWorkflowId('default', name));
    const outcome = await Promise.race([
      handle.result(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the Task did not end within 150 s of its host's loss; the other worker's output:\n${survivor.output()}`)), 150_000)),
    ]);
    expect(outcome.phase).toBe('Succeeded');
    expect(tasks().find((t) => t.metadata.name === name)?.status.phase).toBe('Succeeded');
    expect(survivor.child.exitCode).toBeNull();
    // Two agent starts: the lost host's (gone with it) and the survivor's, which finished; its files are on its disk.
    expect(fs.readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(fs.readFileSync(taskFiles(survivor.home, 'default', name).exitCodeFile, 'utf8').trim()).toBe('0');

    const events = (await handle.fetchHistory()).events ?? [];
    // The retried run waited on the lost worker's own queue until it counted as lost, then ran on the survivor's.
    const timedOut = events.filter((e) => e.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType === temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
    expect(timedOut).toHaveLength(1);
    const agentQueues = events.flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name === 'runAgent' ? [e.activityTaskScheduledEventAttributes.taskQueue?.name] : []));
    expect(agentQueues).toEqual([lost.hostQueue, survivor.hostQueue]);
  } finally {
    await connection.close();
  }
}, 240_000);
