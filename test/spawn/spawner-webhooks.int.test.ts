/**
 * Webhook deliveries reaching spawner workflows (the bridge's signal, sent directly here): the shared Kelos
 * examples for GitHub, Linear and generic webhooks, fed with real `@octokit/webhooks-examples` payloads. Filters
 * decide in the spawner; a redelivery creates nothing; Linear Comment events get their issue's labels from the
 * Linear API; a 1 MB payload still makes its Task.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { spawnerWorkflowId, type SpawnerStatus } from '../../src/spawner/spawner-status';
import { spawnerStatusQuery, webhookDeliverySignal } from '../../src/spawner/messages';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { makeUpstream } from '../local/git-fixture';
import { exampleSpawner, genericDelivery, githubDelivery, githubExample, linearDelivery, linearIssueBody } from '../harness/webhook-deliveries';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const WORKSPACE = 'webhook-repo';
const example = (file: string, name: string) => exampleSpawner(file, name, IMAGE, WORKSPACE);
const hash12 = (deliveryId: string) => createHash('sha256').update(deliveryId).digest('hex').slice(0, 12);

let stack: KelosTestStack;
let linear: http.Server;
const linearRequests: { authorization?: string; id?: string }[] = [];

beforeAll(async () => {
  // Linear's GraphQL API, as far as label enrichment uses it.
  linear = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const id = (JSON.parse(body) as { variables?: { id?: string } }).variables?.id;
      linearRequests.push({ authorization: req.headers.authorization, id });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { issue: { labels: { nodes: [{ name: 'Agent-Task' }, { name: 'backend' }] } } } }));
    });
  });
  await new Promise<void>((resolve) => linear.listen(0, '127.0.0.1', resolve));
  stack = await startKelosTestStack('webhooks');
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'Workspace',
    metadata: { name: WORKSPACE, namespace: 'default' },
    spec: { repo: makeUpstream(stack.home).url },
  });
  await stack.startWorker({ env: { LINEAR_API_KEY: 'lin_api_test', LINEAR_API_URL: `http://127.0.0.1:${(linear.address() as AddressInfo).port}/graphql` } });
});
afterAll(async () => {
  await stack?.teardown();
  linear?.close();
});

async function startSpawner(manifest: Record<string, any>) {
  expect(await stack.api.applySpawner(manifest as never)).toBe('created');
  return stack.env.client.workflow.getHandle(spawnerWorkflowId('default', manifest.metadata.name));
}

/** The spawner's Tasks once `count` are visible (visibility lags a moment behind the workflows). */
async function tasksOf(spawner: string, count: number): Promise<string[]> {
  return eventually(async () => {
    const tasks = await stack.api.listTasks('default');
    const names = tasks.filter((t) => t.metadata.labels?.['kelos.dev/taskspawner'] === spawner).map((t) => t.metadata.name).sort();
    return names.length >= count ? names : undefined;
  }, 30_000, `${count} Tasks of ${spawner} in visibility`);
}

async function settled(handle: { query: (q: typeof spawnerStatusQuery) => Promise<SpawnerStatus> }, predicate: (s: SpawnerStatus) => boolean, what: string) {
  return eventually(async () => {
    const status = await handle.query(spawnerStatusQuery);
    return predicate(status) ? status : undefined;
  }, 30_000, what);
}

describe('GitHub webhook spawner (Kelos example 10)', () => {
  it('creates the Task the example describes from a real issues.opened delivery, once per delivery ID', async () => {
    const name = uniqueName('gh');
    const handle = await startSpawner(example('10-taskspawner-github-webhook/taskspawner.yaml', name));
    const payload = githubExample('issues', 'opened');
    const delivery = githubDelivery('issues', payload, '72d3162e-cc78-11e3-81ab-4c9367dc0958');
    await handle.signal(webhookDeliverySignal, delivery);
    await handle.signal(webhookDeliverySignal, delivery); // GitHub "Redeliver"

    const taskName = `${name}-issues-${hash12(delivery.deliveryId)}`;
    const task = await eventually(() => stack.api.getTask('default', taskName), 30_000, taskName);
    expect(task.spec.prompt).toContain('# GitHub issues Event: opened');
    expect(task.spec.prompt).toContain(`**Triggered by**: @${payload.sender.login}`);
    expect(task.spec.prompt).toContain(`**Title**: ${payload.issue.title}`);
    expect(task.spec.branch).toBe(`kelos-webhook-issues-${payload.issue.number}`);
    await settled(handle, (s) => s.totalTasksCreated === 1, 'one Task');
    expect(await tasksOf(name, 1)).toEqual([taskName]);
  });

  it('ignores deliveries its filters reject: other actions, excluded bots, unlisted events', async () => {
    const name = uniqueName('gh-filter');
    const handle = await startSpawner(example('10-taskspawner-github-webhook/taskspawner.yaml', name));
    const edited = githubExample('issues', 'edited');
    const fromBot = githubExample('issues', 'opened');
    fromBot.sender.login = 'dependabot[bot]';
    const push = githubExample('push');
    const comment = githubExample('issue_comment', 'created');
    comment.comment.body = 'Please take this one: /kelos';
    for (const [event, payload] of [['issues', edited], ['issues', fromBot], ['push', push], ['issue_comment', comment]] as const) {
      await handle.signal(webhookDeliverySignal, githubDelivery(event, payload));
    }
    await settled(handle, (s) => s.totalTasksCreated === 1, 'the /kelos comment Task');
    const [only] = await tasksOf(name, 1);
    expect(only).toMatch(new RegExp(`^${name}-issue-comment-[0-9a-f]{12}$`));
  });

  it('handles a 1 MB payload: the Task is created, the signal carried only the trimmed payload', async () => {
    const name = uniqueName('gh-big');
    const handle = await startSpawner(example('10-taskspawner-github-webhook/taskspawner.yaml', name));
    const payload = githubExample('issues', 'opened');
    payload.issue.labels = Array.from({ length: 4000 }, (_, i) => ({ id: i, name: `label-${i}`, color: 'ededed', description: 'x'.repeat(200) }));
    const delivery = githubDelivery('issues', payload);
    expect(delivery.bodyBytes).toBeGreaterThan(1_000_000);
    expect(delivery.payloadTrimmed).toBe(true);
    expect(JSON.stringify(delivery).length).toBeLessThan(200_000);
    await handle.signal(webhookDeliverySignal, delivery);
    await settled(handle, (s) => s.totalTasksCreated === 1, 'the Task for the big delivery');
  });
});

describe('Linear webhook spawner (Kelos example 11)', () => {
  it('creates Tasks for matching Issue events, case-insensitively, and skips excluded labels', async () => {
    const name = uniqueName('linear');
    const handle = await startSpawner(example('11-taskspawner-linear-webhook/taskspawner.yaml', name));
    const matching = linearDelivery(linearIssueBody({ data: { state: { name: 'todo' }, labels: [{ name: 'Agent-Task' }] } }));
    const excluded = linearDelivery(linearIssueBody({ data: { labels: [{ name: 'agent-task' }, { name: 'no-automation' }] } }));
    const otherState = linearDelivery(linearIssueBody({ data: { state: { name: 'Done' } } }));
    for (const d of [matching, excluded, otherState, matching]) await handle.signal(webhookDeliverySignal, d);
    await settled(handle, (s) => s.totalTasksCreated === 1, 'one Linear Task');
    const [taskName] = await tasksOf(name, 1);
    expect(taskName).toBe(`${name}-issue-${hash12(matching.deliveryId)}`);
    const task = await stack.api.getTask('default', taskName);
    expect(task!.spec.prompt).toContain('Linear Issue create: Fix the login page');
    expect(task!.spec.prompt).toContain('State: todo');
    expect(task!.spec.branch).toBe('linear-task-9cfb482a-81e3-4154-b5b9-2c805e70a02d');
  });

  it('reads a Comment event\'s issue labels from the Linear API before filtering on them', async () => {
    const name = uniqueName('linear-comment');
    const manifest = example('11-taskspawner-linear-webhook/taskspawner.yaml', name);
    manifest.spec.when.linearWebhook = { types: ['Comment'], filters: [{ action: 'create', labels: ['agent-task'] }] };
    manifest.spec.taskTemplate.promptTemplate = 'Comment on {{.IssueID}}';
    delete manifest.spec.taskTemplate.branch;
    const handle = await startSpawner(manifest);
    const body = linearIssueBody({ type: 'Comment', data: { id: 'c-1', body: 'please fix', issue: { id: 'issue-77', title: 'Broken' }, labels: undefined, state: undefined } });
    await handle.signal(webhookDeliverySignal, linearDelivery(body));
    await settled(handle, (s) => s.totalTasksCreated === 1, 'the Comment Task');
    expect(linearRequests).toContainEqual({ authorization: 'lin_api_test', id: 'issue-77' });
  });
});

describe('generic webhook spawner (Kelos example 13)', () => {
  const event = (id: string, patch: Record<string, unknown> = {}) => ({
    url: `https://sentry.io/issues/${id}`,
    data: { url: `https://sentry.io/issues/${id}`, event: { event_id: id, title: 'ZeroDivisionError', level: 'error', platform: 'python', environment: 'production', ...patch } },
  });

  it('maps fields, applies filters and excludeFilters, and deduplicates by the mapped id', async () => {
    const name = uniqueName('sentry');
    const handle = await startSpawner(example('13-taskspawner-generic-webhook/taskspawner.yaml', name));
    const deliveries = [
      genericDelivery('sentry', event('e1')),
      genericDelivery('sentry', event('e1', { title: 'ZeroDivisionError (again)' })), // same id, other body: a duplicate
      genericDelivery('sentry', event('e2', { environment: 'staging' })), // excluded
      genericDelivery('sentry', event('e3', { level: 'warning' })), // filtered
      genericDelivery('sentry', event('e4', { platform: 'ruby' })), // pattern does not match
      genericDelivery('other', event('e5')), // another source
    ];
    for (const d of deliveries) await handle.signal(webhookDeliverySignal, d);
    await settled(handle, (s) => s.totalTasksCreated === 1, 'one Sentry Task');
    const [taskName] = await tasksOf(name, 1);
    expect(taskName).toBe(`${name}-sentry-${hash12('generic-sentry-e1')}`);
    const task = await stack.api.getTask('default', taskName);
    expect(task!.spec.prompt).toContain('Title:    ZeroDivisionError\n');
    expect(task!.spec.prompt).toContain('Platform: python');
    expect(task!.spec.branch).toBe('sentry-e1');
  });
});
