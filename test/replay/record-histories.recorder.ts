/**
 * Records the histories that replay.int.test.ts replays on every test run: `npm run record:histories`.
 *
 * Each scenario drives real workflows on the run's dev server (one of every workflow type, through the paths that
 * matter: success, agent failure, bad reference, cancel, deletion, dependsOn and the branch lock, a TaskBudget asked
 * and told by every Task and the TaskRecord each leaves, a pooled spawner's Task run on a WorkerPool member, a signal- and webhook-fed spawner through suspend, update and continue-as-new, a polling spawner that reports to GitHub) and
 * writes each execution's history to histories/. Re-record after a deliberate change of what workflows do: the
 * replay test failing is how such a change is noticed. A change that running workflows must survive goes behind
 * `patched()`; then move the affected histories of the earlier code to earlier/ (which this never rewrites) first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { parseManifests, type TaskResource } from '../../src/model';
import { taskRunOf } from '../../src/clients/apply-resource';
import { spawnerWorkflowId, type SpawnerStatus } from '../../src/spawner/spawner-status';
import { taskWorkflowId, type TaskRun } from '../../src/task/task-run';
import { spawnerStatusQuery, webhookDeliverySignal, workItemsSignal } from '../../src/spawner/messages';
import { spawnerWorkflow } from '../../src/spawner/spawner-workflow';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';
import { itemsFor, signalledSpawner } from '../harness/spawner-fixtures';
import { genericDelivery } from '../harness/webhook-deliveries';
import { makeUpstream } from '../local/git-fixture';
import { createPoolMember } from '../../src/workers/pool-member';

export const HISTORIES_DIR = path.join(__dirname, 'histories');
const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const TOKEN = 'ghp_replay_recorder_token_0123456789';

let stack: KelosTestStack;
let github: FakeGitHub;

beforeAll(async () => {
  github = await startFakeGitHub({ tokens: [TOKEN] });
  stack = await startKelosTestStack('record');
  stack.secrets.put('default', 'github-token', { GITHUB_TOKEN: TOKEN });
  await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: 'repo', namespace: 'default' }, spec: { repo: makeUpstream(stack.home).url, secretRef: { name: 'github-token' } } });
  await stack.startWorker({ env: { GITHUB_API_URL: github.url } });
});
afterAll(async () => {
  await stack?.teardown();
  await github?.close();
});

function task(name: string, spec: Record<string, unknown>, env: Record<string, string> = {}): TaskRun {
  const manifest = { apiVersion: 'kelos.dev/v1alpha2', kind: 'Task', metadata: { name, namespace: 'default' }, spec: { type: 'claude-code', prompt: `Work on ${name}`, credentials: { type: 'none' }, image: IMAGE, podOverrides: { env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }, ...spec } };
  const parsed = parseManifests(JSON.stringify(manifest), `${name}.yaml`);
  if (parsed.errors.length) throw new Error(parsed.errors.map(String).join('\n'));
  return taskRunOf(parsed.resources[0] as TaskResource, 'manifest');
}

const result = (name: string) => stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result().catch(() => undefined);

async function spawnerSettled(name: string, predicate: (s: SpawnerStatus) => boolean, what: string): Promise<SpawnerStatus> {
  const handle = stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name));
  return eventually(async () => {
    const status = await handle.query(spawnerStatusQuery);
    return predicate(status) ? status : undefined;
  }, 90_000, what);
}

/** `task-delete/default/ok/<run uuid>` -> `task-delete-ok`: file names stay the same when recorded again. */
function slugOf(workflowId: string): string {
  return workflowId
    .replace('/default/', '/')
    .replace(/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, '')
    .replace(/[^A-Za-z0-9]+/g, '-');
}

it('records one history per execution of every scenario', async () => {
  // A TaskBudget every Task asks before it runs and tells its usage when it ends.
  await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'TaskBudget', metadata: { name: 'all', namespace: 'default' }, spec: { taskSelector: {}, period: { type: 'Daily', timezone: 'UTC' }, maxCostUSD: '100' } });
  await eventually(async () => ((await stack.api.listStoredResources('TaskBudget', 'default')).length ? true : undefined), 30_000, 'the budget listed');
  // Tasks: success (then deleted, which runs the cleanup workflow), agent failure, unknown Workspace, cancel.
  await stack.api.startTask(task('ok', { workspaceRef: { name: 'repo' }, branch: 'feature', ttlSecondsAfterFinished: 3600 }));
  await stack.api.startTask(task('agent-fails', { workspaceRef: { name: 'repo' } }, { AGENT_EXIT: '3' }));
  await stack.api.startTask(task('no-workspace', { workspaceRef: { name: 'missing' } }));
  await stack.api.startTask(task('cancelled', {}, { AGENT_SLEEP: '60' }));
  await Promise.all(['ok', 'agent-fails', 'no-workspace'].map(result));
  await eventually(async () => ((await stack.api.getTask('default', 'cancelled'))?.status.phase === 'Running' ? true : undefined), 60_000, 'the Task to run');
  await stack.env.client.workflow.getHandle(taskWorkflowId('default', 'cancelled')).cancel();
  await result('cancelled');
  const okHistory = await stack.env.client.workflow.getHandle(taskWorkflowId('default', 'ok')).fetchHistory();
  await stack.api.deleteTask('default', 'ok');

  // dependsOn and the branch lock: second waits for first, and both want branch "shared".
  await stack.api.startTask(task('second', { workspaceRef: { name: 'repo' }, branch: 'shared', dependsOn: ['first'] }));
  await stack.api.startTask(task('first', { workspaceRef: { name: 'repo' }, branch: 'shared' }, { AGENT_SLEEP: '2' }));
  await Promise.all(['first', 'second'].map(result));

  // A signal- and webhook-fed spawner through suspend/resume, an in-place update and continue-as-new.
  const fed = signalledSpawner('fed', { maxConcurrency: 1, sleep: '0' });
  const fedHandle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: spawnerWorkflowId('default', 'fed'),
    args: [{ manifest: fed as unknown as Record<string, unknown>, options: { continueAsNewAfterEvents: 60 } }],
  });
  await fedHandle.signal(workItemsSignal, itemsFor(['1', '2']));
  await fedHandle.signal(webhookDeliverySignal, genericDelivery('test', { id: '3' }));
  await spawnerSettled('fed', (s) => s.totalTasksCreated === 3 && s.activeTasks === 0, 'three Tasks of the fed spawner');
  await stack.api.setSpawnerSuspended('default', 'fed', true);
  await fedHandle.signal(workItemsSignal, itemsFor(['4']));
  await stack.api.setSpawnerSuspended('default', 'fed', false);
  await stack.api.applySpawner({ ...fed, spec: { ...fed.spec, maxConcurrency: 2 } });
  await spawnerSettled('fed', (s) => s.totalTasksCreated === 4 && s.activeTasks === 0, 'the fourth Task');

  // A WorkerPool: a pooled spawner's Task reads its pool, waits in the pool's queue and runs on a member.
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'WorkerPool',
    metadata: { name: 'pool', namespace: 'default' },
    spec: { worker: { type: 'codex', credentials: { type: 'none' }, image: IMAGE, workspaceRef: { name: 'repo' } }, replicas: 1, volumeClaimTemplate: {} },
  });
  const member = await createPoolMember({ connection: stack.env.nativeConnection, client: stack.env.client, taskQueue: stack.taskQueue, home: stack.home, poolNamespace: 'default', pool: 'pool', members: ['member-0'] });
  const memberRunning = member.run();
  const pooled = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: spawnerWorkflowId('default', 'pooled'),
    args: [{ manifest: { ...fed, metadata: { name: 'pooled', namespace: 'default' }, spec: { ...fed.spec, taskTemplate: { workerPoolRef: { name: 'pool' }, promptTemplate: 'Handle item {{.ID}}', nameTemplate: 'pooled-{{.ID}}' } } } as unknown as Record<string, unknown> }],
  });
  await pooled.signal(workItemsSignal, itemsFor(['1']));
  await spawnerSettled('pooled', (s) => s.totalTasksCreated === 1 && s.activeTasks === 0, 'the pooled Task');
  await stack.api.deleteSpawner('default', 'pooled');
  member.shutdown();
  await memberRunning;

  // A polling spawner whose Tasks report to the issue.
  const issues = github.repo('acme', 'widgets');
  issues.addIssue({ title: 'Crash on save', body: 'Trace attached', labels: ['bug'], user: 'alice' });
  await stack.api.applySpawner({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name: 'polled', namespace: 'default' },
    spec: {
      when: { githubIssues: { repo: 'acme/widgets', labels: ['bug'], pollInterval: '1s', reporting: { comments: {} } } },
      taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, image: IMAGE, workspaceRef: { name: 'repo' }, promptTemplate: 'Fix #{{.Number}}: {{.Title}}' },
    },
  } as never);
  await spawnerSettled('polled', (s) => s.totalTasksCreated === 1 && s.activeTasks === 0, 'the polled Task to finish');
  await stack.api.deleteSpawner('default', 'fed');

  fs.rmSync(HISTORIES_DIR, { recursive: true, force: true });
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  const write = (file: string, history: object) => fs.writeFileSync(path.join(HISTORIES_DIR, file), `${historyToJSON(history as never)}\n`);
  write(`taskWorkflow--${slugOf(taskWorkflowId('default', 'ok'))}--run1.json`, okHistory);
  const executions = [];
  for await (const execution of stack.env.client.workflow.list({ query: `TaskQueue = "${stack.taskQueue}"` })) {
    if (execution.workflowId !== taskWorkflowId('default', 'ok')) executions.push(execution); // deleted; recorded above
  }
  executions.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const runsSeen = new Map<string, number>();
  let recordWritten = false;
  for (const execution of executions) {
    // Every Task leaves a TaskRecord and they are all alike: one of them is enough.
    if (execution.type === 'taskRecordWorkflow' && recordWritten) continue;
    recordWritten ||= execution.type === 'taskRecordWorkflow';
    const runNumber = (runsSeen.get(execution.workflowId) ?? 0) + 1;
    runsSeen.set(execution.workflowId, runNumber);
    write(`${execution.type}--${slugOf(execution.workflowId)}--run${runNumber}.json`, await stack.env.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory());
  }
  const written = executions.length + 1;
  expect(written).toBeGreaterThan(10);
}, 600_000);
