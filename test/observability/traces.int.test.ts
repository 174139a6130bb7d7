/**
 * Traces from a webhook delivery to the agent: the bridge (started as `kelos bridge` starts it) and a kelos worker
 * (set up as `kelos worker` sets it up), in this process against the real dev server, export to an in-memory
 * exporter. One delivery makes one trace: the bridge's request and signal, the spawner's signal handling and child
 * start, the Task workflow and its activities. A poll's Task is in the trace of the spawner run that polled. With
 * tracing off nothing is installed: no trace header reaches any history. Histories made either way replay the other.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { spawnerWorkflowId } from '../../src/spawner/spawner-status';
import { taskWorkflowId } from '../../src/task/task-run';
import { startBridgeServer } from '../../src/clients/cli/commands/bridge';
import { embeddedTemporal } from '../../src/clients/temporal-connection';
import { startTracing, type Tracing } from '../../src/host/tracing/tracing';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { signalledSpawner } from '../harness/spawner-fixtures';
import { startFakeGitHub } from '../harness/github-api';
import { testServerAddress } from '../harness/temporal';
import { makeUpstream } from '../local/git-fixture';
import { createKelosMetrics } from '../../src/host/metrics/kelos-metrics';
import { kelosMetricSinks } from '../../src/host/metrics/metric-sinks';

/** The header the SDK's OpenTelemetry interceptors carry the span context in. */
const TRACE_HEADER = '_tracer-data';

let stack: KelosTestStack;

beforeAll(async () => {
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
  stack = await startKelosTestStack('traces');
});
afterAll(async () => {
  await stack?.teardown();
});

/** A spawner of its own webhook source (other test files' spawners listen to theirs), listed for the bridge. */
async function applyWebhookSpawner(name: string, source: string): Promise<void> {
  const manifest = signalledSpawner(name, { sleep: '0' });
  (manifest.spec as any).when.webhook.source = source;
  expect(await stack.api.applySpawner(manifest)).toBe('created');
  const workflowId = spawnerWorkflowId('default', name);
  await eventually(async () => {
    for await (const execution of stack.env.client.workflow.list({ query: `WorkflowId = "${workflowId}" AND KelosWebhookKeys IS NOT NULL AND ExecutionStatus = "Running"` })) return execution;
    return undefined;
  }, 30_000, `${workflowId} in visibility`);
}

async function deliver(bridgeUrl: string, source: string, id: string): Promise<void> {
  const response = await fetch(`${bridgeUrl}/webhook/${source}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
  expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 200, body: { spawners: 1 } });
}

async function succeeded(taskName: string): Promise<void> {
  await eventually(async () => ((await stack.api.getTask('default', taskName))?.status.phase === 'Succeeded' ? true : undefined), 60_000, `${taskName} Succeeded`);
}

/** The trace-context headers found in a workflow's history: on its start, its signals, its activities, its children. */
async function traceHeaders(workflowId: string): Promise<string[]> {
  const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
  const found: string[] = [];
  for (const event of history.events ?? []) {
    const headers: (temporal.api.common.v1.IHeader | null | undefined)[] = [
      event.workflowExecutionStartedEventAttributes?.header,
      event.workflowExecutionSignaledEventAttributes?.header,
      event.activityTaskScheduledEventAttributes?.header,
      event.startChildWorkflowExecutionInitiatedEventAttributes?.header,
    ];
    for (const header of headers) if (header?.fields?.[TRACE_HEADER]) found.push(temporal.api.enums.v1.EventType[event.eventType ?? 0]);
  }
  return found;
}

/** The workflow's history so far replays on `workflowBundle` (a determinism error otherwise). */
async function replays(workflowId: string, workflowBundle: { code: string }, sinks?: Tracing): Promise<void> {
  const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle, sinks: { ...(sinks ? sinks.workerOptions(true).sinks : {}), ...kelosMetricSinks(createKelosMetrics()) } }, history);
}

const service = (span: ReadableSpan) => span.resource.attributes['service.name'];

it('tracing off: no tracing object, no trace header in the spawner\'s or the Task\'s history; both replay with tracing on', async () => {
  expect(startTracing('kelos-worker')).toBeUndefined();
  expect(startTracing('kelos-bridge', { env: { OTEL_SERVICE_NAME: 'x' } })).toBeUndefined();
  const { stop } = await stack.startWorker({ agentSandbox: false });
  // The production start, reading this process's environment (no OTEL_* variable).
  const bridge = await startBridgeServer({ target: embeddedTemporal(testServerAddress()), host: '127.0.0.1', port: 0 });
  try {
    const name = uniqueName('untraced');
    const source = uniqueName('src-off');
    await applyWebhookSpawner(name, source);
    await deliver(bridge.url, source, '1');
    await succeeded(`${name}-1`);
    expect(await traceHeaders(spawnerWorkflowId('default', name))).toEqual([]);
    expect(await traceHeaders(taskWorkflowId('default', `${name}-1`))).toEqual([]);
    // A worker restarted with tracing on replays these workflows.
    const tracing = startTracing('kelos-worker', { exporter: new InMemorySpanExporter(), env: {} })!;
    await replays(spawnerWorkflowId('default', name), await stack.tracedWorkflowBundle(), tracing);
    await replays(taskWorkflowId('default', `${name}-1`), await stack.tracedWorkflowBundle(), tracing);
    await tracing.shutdown();
  } finally {
    await bridge.stop();
    await stop();
  }
});

it('tracing on: one delivery is one trace from the bridge\'s request through the spawner to the Task workflow and its activities; both replay with tracing off', async () => {
  const exporter = new InMemorySpanExporter();
  const workerTracing = startTracing('kelos-worker', { exporter, env: {} }) as Tracing;
  const bridgeTracing = startTracing('kelos-bridge', { exporter, env: {} }) as Tracing;
  const { stop } = await stack.startWorker({ agentSandbox: false, tracing: workerTracing });
  const bridge = await startBridgeServer({ target: embeddedTemporal(testServerAddress()), host: '127.0.0.1', port: 0, tracing: bridgeTracing });
  const name = uniqueName('traced');
  const source = uniqueName('src-on');
  const taskName = `${name}-7`;
  const taskId = taskWorkflowId('default', taskName);
  try {
    await applyWebhookSpawner(name, source);
    await deliver(bridge.url, source, '7');
    await succeeded(taskName);

    // The request span is the root; everything the delivery caused shares its trace.
    const spans = await eventually(async () => {
      await bridgeTracing.flush();
      await workerTracing.flush();
      const all = exporter.getFinishedSpans();
      const request = all.find((s) => s.name === 'POST /webhook/:source' && s.attributes['kelos.webhook.delivery_id'] !== undefined && all.some((t) => t.spanContext().traceId === s.spanContext().traceId && t.name === 'RunWorkflow:taskWorkflow'));
      return request ? all.filter((s) => s.spanContext().traceId === request.spanContext().traceId) : undefined;
    }, 30_000, 'the Task workflow\'s span in the delivery\'s trace');
    const names = spans.map((s) => `${service(s)} ${s.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'kelos-bridge POST /webhook/:source',
        'kelos-bridge SignalWorkflow:webhookDelivery',
        'kelos-worker HandleSignal:webhookDelivery',
        'kelos-worker StartChildWorkflow:taskWorkflow',
        'kelos-worker RunWorkflow:taskWorkflow',
        'kelos-worker StartActivity:runAgent',
        'kelos-worker RunActivity:runAgent',
      ]),
    );
    // Linked: one root (the request), and every other span's parent is in the same trace.
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    expect(spans.filter((s) => !s.parentSpanId).map((s) => s.name)).toEqual(['POST /webhook/:source']);
    expect(spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);
    const request = spans.find((s) => s.name === 'POST /webhook/:source')!;
    expect(request.attributes).toMatchObject({ 'kelos.webhook.source': 'generic', 'kelos.webhook.outcome': 'accepted', 'kelos.webhook.spawners': 1, 'http.response.status_code': 200 });
    // The Task's activities ran in this trace, for this Task.
    const activities = spans.filter((s) => s.name.startsWith('RunActivity:'));
    expect(activities.filter((s) => s.attributes.temporalWorkflowId === taskId).length).toBeGreaterThanOrEqual(2);
    // The interceptors' context really travelled through Temporal: in the Task's start and its activities.
    expect(await traceHeaders(taskId)).toEqual(expect.arrayContaining(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED']));
    // A worker restarted with tracing off replays what ran with it on.
    await replays(spawnerWorkflowId('default', name), stack.workflowBundle);
    await replays(taskId, stack.workflowBundle);
  } finally {
    await bridge.stop();
    await stop();
    await bridgeTracing.shutdown();
    await workerTracing.shutdown();
  }
});

it('tracing on: a poll\'s Task is in the trace of the spawner run that polled, with the poll activity', async () => {
  const token = 'ghp_traces_test_token_0123456789';
  const github = await startFakeGitHub({ tokens: [token] });
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing('kelos-worker', { exporter, env: {} }) as Tracing;
  const { stop } = await stack.startWorker({ agentSandbox: false, tracing, env: { GITHUB_API_URL: github.url } });
  try {
    stack.secrets.put('default', 'github-token', { GITHUB_TOKEN: token });
    const workspace = uniqueName('traced-ws');
    await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: workspace, namespace: 'default' }, spec: { repo: makeUpstream(stack.home).url, secretRef: { name: 'github-token' } } });
    const repoName = uniqueName('traced-repo');
    const issue = github.repo('acme', repoName).addIssue({ title: 'Traced', labels: ['ready'], user: 'alice' });
    const name = uniqueName('polled');
    const manifest = signalledSpawner(name, { sleep: '0' });
    (manifest.spec as any).when = { githubIssues: { repo: `acme/${repoName}`, labels: ['ready'], pollInterval: '1s' } };
    (manifest.spec as any).taskTemplate.workspaceRef = { name: workspace };
    (manifest.spec as any).taskTemplate.nameTemplate = `${name}-{{.Number}}`;
    expect(await stack.api.applySpawner(manifest)).toBe('created');
    const taskId = taskWorkflowId('default', `${name}-${issue.number}`);
    await succeeded(`${name}-${issue.number}`);

    const spans = await eventually(async () => {
      await tracing.flush();
      const all = exporter.getFinishedSpans();
      const task = all.find((s) => s.name === 'RunWorkflow:taskWorkflow' && all.some((t) => t.attributes.temporalWorkflowId === taskId && t.spanContext().traceId === s.spanContext().traceId));
      return task ? all.filter((s) => s.spanContext().traceId === task.spanContext().traceId) : undefined;
    }, 30_000, 'the polled Task\'s spans');
    const spawnerId = spawnerWorkflowId('default', name);
    const polls = spans.filter((s) => s.name === 'RunActivity:pollSource' && s.attributes.temporalWorkflowId === spawnerId);
    expect(polls.length).toBeGreaterThanOrEqual(1);
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['StartActivity:pollSource', 'StartChildWorkflow:taskWorkflow', 'RunWorkflow:taskWorkflow', 'RunActivity:runAgent']));
  } finally {
    await stop();
    await tracing.shutdown();
    await github.close();
  }
});
