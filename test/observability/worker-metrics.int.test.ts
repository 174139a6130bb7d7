/**
 * The worker's Prometheus metrics, as Kelos names them: each value after a scripted run of Tasks (succeeded,
 * failed, with cost and tokens) and a GitHub poll cycle that fails once; a worker replaced mid-Task counts nothing
 * twice (the replay is not counted); `kelos worker --metrics-address` serves ours and the Temporal SDK's on one
 * endpoint, and refuses a bad address naming the flag.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { SpawnerQueues, createKelosMetrics, kelosMetrics } from '../../src/host/metrics/kelos-metrics';
import { githubResource, recordGitHubRequest } from '../../src/sources/github/github-request-metrics';
import { spawnerWorkflowId, type SpawnerStatus } from '../../src/spawner/spawner-status';
import { taskWorkflowId } from '../../src/task/task-run';
import { spawnerStatusQuery } from '../../src/spawner/messages';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { freePort } from '../../src/host/free-port';
import { packageRoot } from '../../src/host/package-root';
import { makeUpstream } from '../local/git-fixture';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const TOKEN = 'ghp_metrics_test_token_0123456789';

let stack: KelosTestStack;
let github: FakeGitHub;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  github = await startFakeGitHub({ tokens: [TOKEN] });
  stack = await startKelosTestStack('metrics');
  stack.secrets.put('default', 'github-token', { GITHUB_TOKEN: TOKEN });
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'Workspace',
    metadata: { name: 'widgets', namespace: 'default' },
    spec: { repo: makeUpstream(stack.home).url, secretRef: { name: 'github-token' } },
  });
  ({ stop: stopWorker } = await stack.startWorker({ env: { GITHUB_API_URL: github.url } }));
});
afterAll(async () => {
  await stack?.teardown();
  await github?.close();
});

/** The value of one series of this process's registry (0 when absent). */
async function value(name: string, labels: Record<string, string>, suffix = ''): Promise<number> {
  const metric = kelosMetrics().registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  // Histograms list their _bucket, _sum and _count series under metricName.
  const found = values.find((v) => ((v as { metricName?: string }).metricName ?? name) === name + suffix && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
  return found?.value ?? 0;
}

function task(name: string, env: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return {
    namespace: 'default',
    name,
    agentType: 'codex' as const,
    prompt: 'count me',
    image: IMAGE,
    credentials: { type: 'none' as const },
    agentConfigRefs: [],
    env: Object.entries(env).map(([n, v]) => ({ name: n, value: v })),
    labels: {},
    sourceKind: 'cli' as const,
    spec: {},
    apiVersion: 'kelos.dev/v1alpha2',
    ...extra,
  };
}

async function finished(name: string) {
  return stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result().catch((err) => err);
}

it('counts Tasks created, completed by phase, their duration, cost and tokens, once each', async () => {
  const ok = uniqueName('ok');
  const failed = uniqueName('failed');
  await stack.api.startTask(task(ok, {}, { model: 'gpt-5' }));
  await stack.api.startTask(task(failed, { AGENT_EXIT: '3' }, { model: 'gpt-5' }));
  await finished(ok);
  await finished(failed);

  expect(await value('kelos_task_created_total', { namespace: 'default', type: 'codex' })).toBe(2);
  expect(await value('kelos_task_completed_total', { namespace: 'default', type: 'codex', phase: 'Succeeded' })).toBe(1);
  expect(await value('kelos_task_completed_total', { namespace: 'default', type: 'codex', phase: 'Failed' })).toBe(1);
  expect(await value('kelos_task_duration_seconds', { namespace: 'default', type: 'codex', phase: 'Succeeded' }, '_count')).toBe(1);
  expect(await value('kelos_task_duration_seconds', { namespace: 'default', type: 'codex', phase: 'Succeeded', le: '30' }, '_bucket')).toBe(1);
  // The scripted agent reports 0.42 USD, 1200 input and 340 output tokens; a failed Task's report counts too (as in Kelos).
  const usage = { namespace: 'default', type: 'codex', spawner: '', model: 'gpt-5' };
  expect(await value('kelos_task_cost_usd_total', usage)).toBeCloseTo(0.84, 6);
  expect(await value('kelos_task_input_tokens_total', usage)).toBe(2400);
  expect(await value('kelos_task_output_tokens_total', usage)).toBe(680);
});

it('a worker replaced in the middle of a Task replays it without counting it again', async () => {
  const name = uniqueName('restart');
  const starts = path.join(stack.shared, `${name}-starts`);
  const before = { created: await value('kelos_task_created_total', { namespace: 'default', type: 'codex' }), done: await value('kelos_task_completed_total', { namespace: 'default', type: 'codex', phase: 'Succeeded' }) };
  await stack.api.startTask(task(name, { AGENT_SLEEP: '6', AGENT_STARTS_FILE: starts }));
  await eventually(async () => (fs.existsSync(starts) ? true : undefined), 60_000, 'the agent to start');
  expect(await value('kelos_task_created_total', { namespace: 'default', type: 'codex' })).toBe(before.created + 1);
  // A new worker (empty cache) takes over: every workflow it touches is replayed from history first.
  await stopWorker();
  ({ stop: stopWorker } = await stack.startWorker({ env: { GITHUB_API_URL: github.url } }));
  const status = await finished(name);
  expect(status.phase).toBe('Succeeded');
  expect(await value('kelos_task_created_total', { namespace: 'default', type: 'codex' })).toBe(before.created + 1);
  expect(await value('kelos_task_completed_total', { namespace: 'default', type: 'codex', phase: 'Succeeded' })).toBe(before.done + 1);
}, 120_000);

it('counts discovery cycles, their errors, items, Tasks created, GitHub requests and rate-limit headroom', async () => {
  const repoName = uniqueName('metrics');
  const repo = github.repo('acme', repoName);
  repo.addIssue({ title: 'One', user: 'alice' });
  repo.addIssue({ title: 'Two', user: 'alice' });
  github.failNext({ pathPattern: new RegExp(`/repos/acme/${repoName}/issues`) }, { status: 502, body: { message: 'Bad gateway' } });
  const name = uniqueName('poller');
  const labels = { namespace: 'default', spawner: name };
  await stack.api.applySpawner({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      when: { githubIssues: { repo: `acme/${repoName}`, pollInterval: '1s' } },
      maxConcurrency: 1,
      taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, image: IMAGE, workspaceRef: { name: 'widgets' }, promptTemplate: '{{.Title}}', podOverrides: { env: [{ name: 'AGENT_SLEEP', value: '30' }] } },
    },
  } as never);
  const handle = stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name));
  let last: SpawnerStatus | undefined;
  const status = await eventually(async () => {
    last = await handle.query(spawnerStatusQuery);
    return last.totalTasksCreated === 1 && last.queueLength === 1 && last.lastPoll ? last : undefined;
  }, 60_000, 'two Tasks, one waiting for the slot').catch((err) => {
    throw new Error(`${err.message}; last status ${JSON.stringify(last)}`);
  });
  expect(status.activeTasks).toBe(1);
  expect(status.conditions.find((c) => c.type === 'DiscoveryError')?.status).toBe('False'); // the failed cycle was retried

  expect(await value('kelos_spawner_discovery_errors_total', labels)).toBe(1);
  expect(await value('kelos_spawner_discovery_total', labels)).toBeGreaterThanOrEqual(1);
  // Each successful cycle saw both issues.
  expect(await value('kelos_spawner_items_discovered_total', labels)).toBe(2 * (await value('kelos_spawner_discovery_total', labels)));
  expect(await value('kelos_spawner_discovery_duration_seconds', labels, '_count')).toBe((await value('kelos_spawner_discovery_total', labels)) + 1);
  // Created as the status counts them: Tasks given a slot (the waiting one is counted when it gets its turn).
  expect(await value('kelos_spawner_tasks_created_total', labels)).toBe(1);
  // One Task waits for the slot: the queue gauges say so, and its age grows while the spawner sleeps.
  expect(await value('kelos_spawner_queue_depth', labels)).toBe(1);
  const age = await value('kelos_spawner_oldest_queued_seconds', labels);
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  expect(await value('kelos_spawner_oldest_queued_seconds', labels)).toBeGreaterThan(age);
  expect(await value('kelos_tasks', { phase: 'Waiting' })).toBeGreaterThanOrEqual(1);

  expect(await value('kelos_github_api_requests_total', { method: 'GET', status_code: '502', resource: 'issues' })).toBeGreaterThanOrEqual(1);
  expect(await value('kelos_github_api_requests_total', { method: 'GET', status_code: '200', resource: 'issues' })).toBeGreaterThanOrEqual(1);
  const remaining = await value('kelos_github_rate_limit_remaining', { resource: 'core' });
  expect(remaining).toBeGreaterThan(0);
  expect(remaining).toBeLessThan(5000);

  await stack.api.deleteSpawner('default', name);
  await eventually(async () => ((await value('kelos_spawner_queue_depth', labels)) === 0 ? true : undefined), 30_000, 'the deleted spawner to leave the gauges');
}, 120_000);

it('keeps the rate-limit gauge to GitHub\'s own resources, whatever a server names', async () => {
  const m = createKelosMetrics();
  recordGitHubRequest('GET', '/user', Date.now(), { status: 200, headers: { 'x-ratelimit-remaining': '42', 'x-ratelimit-resource': 'graphql' } }, m);
  for (let i = 0; i < 50; i += 1) recordGitHubRequest('GET', '/user', Date.now(), { status: 200, headers: { 'x-ratelimit-remaining': String(i), 'x-ratelimit-resource': `made-up-${i}` } }, m);
  const { values } = await m.githubRateLimitRemaining.get();
  expect(values.map((v) => [v.labels.resource, v.value])).toEqual([['graphql', 42], ['other', 49]]);
});

it("classifies GitHub requests by Kelos's resources", () => {
  expect(githubResource('/repos/acme/app/issues')).toBe('issues');
  expect(githubResource('/repos/acme/app/issues/7/comments')).toBe('comments');
  expect(githubResource('/repos/acme/app/issues/7/events')).toBe('issues');
  expect(githubResource('/repos/acme/app/pulls/3/reviews?per_page=100')).toBe('reviews');
  expect(githubResource('/repos/acme/app/collaborators/bob/permission')).toBe('collaborators');
  expect(githubResource('/repos/{owner}/{repo}/pulls')).toBe('pulls');
  expect(githubResource('/user')).toBe('other');
});

it('keeps the queue gauges of at most its bound of spawners, dropping the least recently reported', () => {
  const queues = new SpawnerQueues(3);
  for (const name of ['a', 'b', 'c']) queues.report('ns', name, 1, undefined);
  queues.report('ns', 'a', 2, undefined); // a reported again: b is now the least recent
  queues.report('ns', 'd', 1, undefined);
  expect([...queues.all()].map((q) => `${q.spawner}:${q.depth}`)).toEqual(['c:1', 'a:2', 'd:1']);
});

describe('kelos worker --metrics-address', () => {
  it("serves kelos's and the Temporal SDK's metrics on one endpoint; a worker that takes over a running Task does not count its start", async () => {
    await stopWorker(); // the process below serves this queue alone
    const port = await freePort();
    const name = uniqueName('scraped');
    const starts = path.join(stack.shared, `${name}-starts`);
    const first = stack.startWorkerProcess();
    await stack.api.startTask(task(name, { AGENT_SLEEP: '8', AGENT_STARTS_FILE: starts }));
    await eventually(async () => (fs.existsSync(starts) ? true : undefined), 60_000, 'the agent to start');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const second = stack.startWorkerProcess(['--metrics-address', `127.0.0.1:${port}`]);
    try {
      expect((await finished(name)).phase).toBe('Succeeded');
      const text = await eventually(async () => {
        const body = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => undefined);
        return body?.includes('kelos_task_completed_total{namespace="default",type="codex",phase="Succeeded"} 1') ? body : undefined;
      }, 30_000, 'the completed Task in the scrape');
      // Started under the first worker: the second replayed that part and did not count it.
      expect(text).not.toContain('kelos_task_created_total{namespace="default",type="codex"}');
      // The SDK's own metrics ride along: workflow task latency, schedule-to-start, slots.
      expect(text).toMatch(/^temporal_workflow_task_schedule_to_start_latency_bucket\{/m);
      expect(text).toMatch(/^temporal_worker_task_slots_available\{/m);
      expect(text).toMatch(/^process_resident_memory_bytes /m);
    } finally {
      second.kill('SIGTERM');
      await new Promise((resolve) => second.once('exit', resolve));
    }
  }, 120_000);

  it('refuses a bad address at start, naming the flag', () => {
    const result = spawnSync(process.execPath, [path.join(packageRoot(), 'bin', 'kelos.js'), '--address', '127.0.0.1:1', 'worker', '--metrics-address', 'not-an-address'], { encoding: 'utf8', env: { ...process.env, KELOS_HOME: stack.home }, timeout: 30_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('invalid metrics address (--metrics-address or KELOS_METRICS_ADDRESS) "not-an-address"');
  });
});
