/**
 * The webhook bridge over HTTP (fastify inject) against the real dev server and real spawner workflows:
 * signed real `@octokit/webhooks-examples` payloads create the Tasks the seed's examples describe; redeliveries,
 * bad signatures, replays, non-JSON, oversize bodies, unknown sources and an unreachable Temporal get the right
 * answers; a burst across a spawner's continue-as-new loses and duplicates nothing.
 */
import { createHash, createHmac } from 'node:crypto';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sign } from '@octokit/webhooks-methods';
import type { FastifyInstance } from 'fastify';
import { spawnerWorkflowId, type SpawnerStatus } from '../../src/spawner/spawner-status';
import { createBridge } from '../../src/clients/bridge/bridge-server';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { spawnerStatusQuery } from '../../src/spawner/messages';
import { spawnerWorkflow } from '../../src/spawner/spawner-workflow';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';
import { exampleSpawner, githubExample, linearIssueBody } from '../harness/webhook-deliveries';
import { makeUpstream } from '../local/git-fixture';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const WORKSPACE = 'bridge-repo';
const GITHUB_SECRET = 'github-test-secret';
const LINEAR_SECRET = 'linear-test-secret';
const ALERTS_SECRET = 'alerts-test-secret';
const hash12 = (deliveryId: string) => createHash('sha256').update(deliveryId).digest('hex').slice(0, 12);

let stack: KelosTestStack;
let bridge: FastifyInstance;
let seq = 0;

beforeAll(async () => {
  stack = await startKelosTestStack('bridge');
  await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: WORKSPACE, namespace: 'default' }, spec: { repo: makeUpstream(stack.home).url } });
  await stack.startWorker();
  bridge = createBridge({ client: stack.env.client, secrets: { github: GITHUB_SECRET, linear: LINEAR_SECRET, generic: { alerts: ALERTS_SECRET } }, spawnerCacheMs: 0 });
});
afterAll(async () => {
  await bridge?.close();
  await stack?.teardown();
});

function uniqueName(prefix: string): string {
  seq += 1;
  return `${prefix}-${Date.now().toString(36)}-${seq}`;
}

async function applyAndWaitListed(manifest: Record<string, any>) {
  expect(await stack.api.applySpawner(manifest as never)).toBe('created');
  return listed(spawnerWorkflowId('default', manifest.metadata.name));
}

/** The bridge finds spawners through visibility, which lags a moment behind a new workflow. */
async function listed(workflowId: string) {
  await eventually(async () => {
    for await (const execution of stack.env.client.workflow.list({ query: `WorkflowId = "${workflowId}" AND KelosWebhookKeys IS NOT NULL AND ExecutionStatus = "Running"` })) return execution;
    return undefined;
  }, 30_000, `${workflowId} in visibility`);
  return stack.env.client.workflow.getHandle(workflowId);
}

async function statusWhen(workflowId: string, predicate: (s: SpawnerStatus) => boolean, what: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const status = await stack.env.client.workflow.getHandle(workflowId).query(spawnerStatusQuery);
    return predicate(status) ? status : undefined;
  }, timeoutMs, what);
}

async function postGitHub(event: string, payload: object, deliveryId: string, secret = GITHUB_SECRET) {
  const body = JSON.stringify(payload);
  return bridge.inject({
    method: 'POST',
    url: '/webhook/github',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': deliveryId, 'x-hub-signature-256': await sign(secret, body) },
    payload: body,
  });
}

function postLinear(body: Record<string, unknown>, deliveryId: string, secret = LINEAR_SECRET) {
  const raw = JSON.stringify(body);
  return bridge.inject({
    method: 'POST',
    url: '/webhook/linear',
    headers: { 'content-type': 'application/json', 'linear-delivery': deliveryId, 'linear-signature': createHmac('sha256', secret).update(raw).digest('hex') },
    payload: raw,
  });
}

function postGeneric(source: string, body: unknown, secret?: string) {
  const raw = JSON.stringify(body);
  return bridge.inject({
    method: 'POST',
    url: `/webhook/${source}`,
    headers: { 'content-type': 'application/json', ...(secret ? { 'x-kelos-signature-256': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}` } : {}) },
    payload: raw,
  });
}

describe('GitHub', () => {
  it('a signed issues.opened delivery from the package creates the seed example\'s Task; the same delivery again creates nothing', async () => {
    const name = uniqueName('gh');
    await applyAndWaitListed(exampleSpawner('10-taskspawner-github-webhook/taskspawner.yaml', name, IMAGE, WORKSPACE));
    const payload = githubExample('issues', 'opened');
    const deliveryId = `d-${name}`;
    const first = await postGitHub('issues', payload, deliveryId);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ deliveryId, spawners: 1 });
    expect((await postGitHub('issues', payload, deliveryId)).statusCode).toBe(200); // redelivery

    const taskName = `${name}-issues-${hash12(deliveryId)}`;
    const task = await eventually(() => stack.api.getTask('default', taskName), 30_000, taskName);
    expect(task.spec.prompt).toContain('# GitHub issues Event: opened');
    expect(task.spec.prompt).toContain(`**Title**: ${payload.issue.title}`);
    const status = await statusWhen(spawnerWorkflowId('default', name), (s) => s.totalDiscovered >= 1, 'the delivery handled');
    await new Promise((r) => setTimeout(r, 500));
    expect((await stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name)).query(spawnerStatusQuery)).totalTasksCreated).toBe(status.totalTasksCreated);
    expect(status.totalTasksCreated).toBe(1);
  });

  it('the same signed body under three delivery headers (the header is not signed) makes one Task', async () => {
    const name = uniqueName('gh-replay');
    await applyAndWaitListed(exampleSpawner('10-taskspawner-github-webhook/taskspawner.yaml', name, IMAGE, WORKSPACE));
    const payload = githubExample('issues', 'opened');
    for (const deliveryId of [`r1-${name}`, `r2-${name}`, `r3-${name}`]) expect((await postGitHub('issues', payload, deliveryId)).statusCode).toBe(200);
    await statusWhen(spawnerWorkflowId('default', name), (s) => s.totalTasksCreated >= 1, 'the first Task');
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name)).query(spawnerStatusQuery)).totalTasksCreated).toBe(1);
  });

  it('refuses bad or missing signatures and missing event headers; answers ping', async () => {
    const payload = githubExample('issues', 'opened');
    expect((await postGitHub('issues', payload, 'd-bad', 'wrong-secret')).statusCode).toBe(401);
    const unsigned = await bridge.inject({ method: 'POST', url: '/webhook/github', headers: { 'content-type': 'application/json', 'x-github-event': 'issues' }, payload: '{}' });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().error).toMatch(/X-Hub-Signature-256/);
    const noEvent = await bridge.inject({ method: 'POST', url: '/webhook/github', headers: { 'content-type': 'application/json', 'x-hub-signature-256': await sign(GITHUB_SECRET, '{}') }, payload: '{}' });
    expect(noEvent.statusCode).toBe(400);
    const ping = await postGitHub('ping', githubExample('ping'), 'd-ping');
    expect(ping.statusCode).toBe(200);
    expect(ping.json()).toMatchObject({ event: 'ping' });
  });

  it('accepts GitHub\'s form-encoded deliveries (payload=...); refuses a signed non-JSON body for an event a spawner listens to', async () => {
    const name = uniqueName('gh-form');
    await applyAndWaitListed(exampleSpawner('10-taskspawner-github-webhook/taskspawner.yaml', name, IMAGE, WORKSPACE));
    const form = new URLSearchParams({ payload: JSON.stringify(githubExample('issues', 'opened')) }).toString();
    const response = await bridge.inject({
      method: 'POST',
      url: '/webhook/github',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'issues', 'x-github-delivery': `d-${name}`, 'x-hub-signature-256': await sign(GITHUB_SECRET, form) },
      payload: form,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().spawners).toBeGreaterThanOrEqual(1);
    const text = 'not json';
    const notJson = await bridge.inject({ method: 'POST', url: '/webhook/github', headers: { 'content-type': 'text/plain', 'x-github-event': 'issues', 'x-hub-signature-256': await sign(GITHUB_SECRET, text) }, payload: text });
    expect(notJson.statusCode).toBe(400);
  });

  it('rejects bodies over the limit with 413', async () => {
    const small = createBridge({ client: stack.env.client, secrets: { github: GITHUB_SECRET, generic: {} }, bodyLimits: { github: 1024 } });
    try {
      const big = JSON.stringify({ data: 'x'.repeat(4096) });
      const response = await small.inject({ method: 'POST', url: '/webhook/github', headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-hub-signature-256': await sign(GITHUB_SECRET, big) }, payload: big });
      expect(response.statusCode).toBe(413);
      expect(response.json().error).toMatch(/1024 bytes.*KELOS_BRIDGE_BODY_LIMIT_GITHUB/);
    } finally {
      await small.close();
    }
  });
});

describe('Linear', () => {
  it('a signed, fresh delivery creates a Task; a replayed (old) one and a bad signature are refused', async () => {
    const name = uniqueName('linear');
    await applyAndWaitListed(exampleSpawner('11-taskspawner-linear-webhook/taskspawner.yaml', name, IMAGE, WORKSPACE));
    const fresh = linearIssueBody();
    const accepted = await postLinear(fresh, `l-${name}`);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().spawners).toBe(1);
    await statusWhen(spawnerWorkflowId('default', name), (s) => s.totalTasksCreated === 1, 'the Linear Task');

    const replay = await postLinear({ ...fresh, webhookTimestamp: Date.now() - 10 * 60_000 }, `l-old-${name}`);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error).toMatch(/replay/);
    expect((await postLinear(fresh, `l-bad-${name}`, 'wrong')).statusCode).toBe(401);
  });
});

describe('generic', () => {
  it('unknown sources get 404; a source with a secret needs the signature', async () => {
    expect((await postGeneric('nobody-listens', { id: 1 })).statusCode).toBe(404);
    expect((await postGeneric('alerts', { id: 1 })).statusCode).toBe(401);
    expect((await bridge.inject({ method: 'POST', url: '/webhook/Bad_Name', payload: '{}' })).statusCode).toBe(400);
  });

  it('a signed delivery reaches every spawner of that source and none of the others', async () => {
    const alertsA = uniqueName('alerts-a');
    const alertsB = uniqueName('alerts-b');
    const other = uniqueName('other');
    const generic = (name: string, source: string) => ({
      apiVersion: 'kelos.dev/v1alpha2',
      kind: 'TaskSpawner',
      metadata: { name, namespace: 'default' },
      spec: {
        when: { webhook: { source, fieldMapping: { id: '$.id', title: '$.title' } } },
        taskTemplate: { worker: { type: 'claude-code', credentials: { type: 'none' }, image: IMAGE }, promptTemplate: '{{.Title}}' },
      },
    });
    await applyAndWaitListed(generic(alertsA, 'alerts'));
    await applyAndWaitListed(generic(alertsB, 'alerts'));
    await applyAndWaitListed(generic(other, 'other-source'));
    const response = await postGeneric('alerts', { id: `a-${alertsA}`, title: 'Disk full' }, ALERTS_SECRET);
    expect(response.statusCode).toBe(200);
    expect(response.json().spawners).toBeGreaterThanOrEqual(2);
    for (const name of [alertsA, alertsB]) await statusWhen(spawnerWorkflowId('default', name), (s) => s.totalTasksCreated === 1, `${name}'s Task`);
    expect((await stack.env.client.workflow.getHandle(spawnerWorkflowId('default', other)).query(spawnerStatusQuery)).totalDiscovered).toBe(0);
  });

  it('never matches excludeFilters on a body it could not read whole: a padded body is skipped, with the reason shown', async () => {
    const name = uniqueName('padded');
    const source = `padded-${seq}`;
    const workflowId = spawnerWorkflowId('default', name);
    await applyAndWaitListed({
      apiVersion: 'kelos.dev/v1alpha2',
      kind: 'TaskSpawner',
      metadata: { name, namespace: 'default' },
      spec: {
        when: { webhook: { source, fieldMapping: { id: '$.id' }, excludeFilters: [{ field: '$.user.role', value: 'guest' }] } },
        taskTemplate: { worker: { type: 'claude-code', credentials: { type: 'none' }, image: IMAGE }, promptTemplate: 'item {{.ID}}', nameTemplate: `${name}-{{.ID}}` },
      },
    });
    // The same guest, plain and padded past the signal's payload budget (the role is cut from the trimmed copy).
    expect((await postGeneric(source, { id: 'plain', user: { role: 'guest' } })).statusCode).toBe(200);
    expect((await postGeneric(source, { id: 'padded', padding: 'p'.repeat(272_000), user: { role: 'guest', note: 'n'.repeat(200_000) } })).statusCode).toBe(200);
    expect((await postGeneric(source, { id: 'member', user: { role: 'member' } })).statusCode).toBe(200);
    const status = await statusWhen(workflowId, (s) => s.totalTasksCreated === 1 && /trimmed/.test(s.message ?? ''), 'the member\'s Task and the padded delivery\'s skip');
    expect(status.message).toMatch(/body was trimmed to fit its signal/);
    // Counted once its slot is taken; its workflow exists a moment later.
    await eventually(() => stack.api.getTask('default', `${name}-member`), 30_000, 'the member\'s Task');
    expect(await stack.api.getTask('default', `${name}-padded`)).toBeUndefined();
    expect(await stack.api.getTask('default', `${name}-plain`)).toBeUndefined();
  });

  it('a burst across the spawner\'s continue-as-new: every delivery exactly once', async () => {
    const name = uniqueName('burst');
    const workflowId = spawnerWorkflowId('default', name);
    const source = `burst-${seq}`;
    const manifest = {
      apiVersion: 'kelos.dev/v1alpha2',
      kind: 'TaskSpawner',
      metadata: { name, namespace: 'default' },
      spec: {
        when: { webhook: { source, fieldMapping: { id: '$.id' } } },
        maxConcurrency: 3,
        taskTemplate: { worker: { type: 'claude-code', credentials: { type: 'none' }, image: IMAGE }, promptTemplate: 'item {{.ID}}', nameTemplate: `${name}-{{.ID}}` },
      },
    };
    const started = await stack.env.client.workflow.start(spawnerWorkflow, {
      workflowId,
      taskQueue: stack.taskQueue,
      args: [{ manifest, options: { continueAsNewAfterEvents: 80 } }],
    });
    await listed(workflowId);
    const ids = Array.from({ length: 30 }, (_, i) => `item-${i}`);
    const answers = await Promise.all([...ids, ...ids.slice(0, 10)].map((id) => postGeneric(source, { id })));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    const done = await statusWhen(workflowId, (s) => s.totalTasksCreated === 30 && s.activeTasks === 0 && s.queueLength === 0, 'all 30 Tasks', 120_000);
    expect(done.totalTasksCreated).toBe(30);
    const current = await stack.env.client.workflow.getHandle(workflowId).describe();
    expect(current.runId).not.toBe(started.firstExecutionRunId); // it continued as new during the burst
    const tasks = (await stack.api.listTasks('default')).filter((t) => t.metadata.name.startsWith(`${name}-`));
    expect(new Set(tasks.map((t) => t.metadata.name)).size).toBe(tasks.length);
  });
});

describe('availability and observability', () => {
  it('answers 503 with Retry-After when Temporal is unreachable, and never 2xx', async () => {
    const dead = await freePort();
    const connection = Connection.lazy({ address: `127.0.0.1:${dead}` });
    const offline = createBridge({ client: new Client({ connection }), secrets: { github: GITHUB_SECRET, generic: {} } });
    try {
      const body = JSON.stringify(githubExample('issues', 'opened'));
      const response = await offline.inject({
        method: 'POST',
        url: '/webhook/github',
        headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'd-offline', 'x-hub-signature-256': await sign(GITHUB_SECRET, body) },
        payload: body,
      });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      // The cause, not the client's generic wrapper message.
      expect(response.json().error).toMatch(/^Temporal did not take the delivery: \d+ [A-Z_]+: /);
      expect((await offline.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
      expect((await offline.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await offline.close();
      await connection.close().catch(() => undefined);
    }
  });

  it('exposes Prometheus metrics by source and outcome', async () => {
    expect((await bridge.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const metrics = (await bridge.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/kelos_webhook_deliveries_total\{source="github",outcome="accepted"\} [1-9]/);
    expect(metrics).toMatch(/kelos_webhook_deliveries_total\{source="github",outcome="bad_signature"\} [1-9]/);
    expect(metrics).toMatch(/kelos_webhook_deliveries_total\{source="generic",outcome="no_spawner"\} [1-9]/);
    expect(metrics).toMatch(/kelos_webhook_signal_seconds_count\{source="linear"\} [1-9]/);
    expect(metrics).toMatch(/kelos_webhook_spawners_signalled_total\{source="generic"\} [1-9]/);
  });
});
