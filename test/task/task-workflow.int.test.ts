/**
 * The Task workflow end to end on the local runtime against the real dev server: success with results,
 * agent failure, deadline, cancel, TTL, missing resources, and secrets kept out of history.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { KelosPhase } from '../../src/store/search-attributes';
import { TaskRun, taskCleanupWorkflowId, taskWorkflowId } from '../../src/task/task-run';
import { taskFiles } from '../../src/host/data-dir';
import { taskWorkflow } from '../../src/task/task-workflow';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const SECRET_VALUE = 'sk-ant-test-0123456789-super-secret';

let stack: KelosTestStack;
let counter = 0;

beforeAll(async () => {
  stack = await startKelosTestStack('task-wf');
  await stack.startWorker();
  stack.secrets.put('default', 'anthropic', { ANTHROPIC_API_KEY: SECRET_VALUE });
});
afterAll(async () => stack?.teardown());

function makeRun(overrides: Partial<TaskRun> = {}): TaskRun {
  counter += 1;
  const name = overrides.name ?? `t-${Date.now().toString(36)}-${counter}`;
  return {
    namespace: 'default',
    name,
    agentType: 'claude-code',
    prompt: 'Fix the flaky test',
    image: IMAGE,
    credentials: { type: 'api-key', secretName: 'anthropic' },
    agentConfigRefs: [],
    env: [],
    labels: {},
    sourceKind: 'cli',
    spec: { type: 'claude-code', prompt: 'Fix the flaky test' },
    apiVersion: 'kelos.dev/v1alpha2',
    ...overrides,
  };
}

async function startAndWait(run: TaskRun) {
  await stack.api.startTask(run);
  const handle = stack.env.client.workflow.getHandle(taskWorkflowId(run.namespace, run.name));
  const outcome = await handle.result().then(
    (status) => ({ status, error: undefined as unknown }),
    (error: unknown) => ({ status: undefined, error }),
  );
  const task = await stack.api.requireTask(run.namespace, run.name);
  return { handle, outcome, task };
}

/** The agent's whole process group (its pid as the worker recorded it: inside its sandbox the agent has other pids). */
async function expectAgentGone(run: TaskRun): Promise<void> {
  const pid = Number(fs.readFileSync(taskFiles(stack.home, run.namespace, run.name).pidFile, 'utf8').split(' ')[0]);
  await eventually(async () => {
    try {
      process.kill(-pid, 0);
      return undefined;
    } catch {
      return true;
    }
  }, 15_000, `process group ${pid} to stop`);
}

function startsOf(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

describe('Task workflow on the local runtime', () => {
  it('succeeds, collects outputs, results and usage, and keeps them readable after the workflow closed', async () => {
    const run = makeRun({ branch: 'fix-42' });
    const { handle, outcome, task } = await startAndWait(run);

    expect(outcome.error).toBeUndefined();
    expect(task.status.phase).toBe('Succeeded');
    expect(task.status.message).toBe('Task completed successfully');
    expect(task.status.results).toEqual({
      branch: 'fix-42',
      pr: 'https://github.com/acme/app/pull/7',
      'cost-usd': '0.42',
      'input-tokens': '1200',
      'output-tokens': '340',
    });
    expect(task.status.outputs).toContain('pr: https://github.com/acme/app/pull/7');
    expect(task.status.usage).toEqual({ costUSD: '0.42', inputTokens: 1200, outputTokens: 340 });
    expect(Date.parse(task.status.completionTime!)).toBeGreaterThanOrEqual(Date.parse(task.status.startTime!));
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(KelosPhase)).toBe('Succeeded');

    const log = fs.readFileSync(taskFiles(stack.home, 'default', run.name).agentLog, 'utf8');
    expect(log).toContain('prompt: Fix the flaky test');
    expect(log).toContain('agent type: claude-code, branch: fix-42');
    expect(log).toContain(`credential: ANTHROPIC_API_KEY is set (${SECRET_VALUE.length} chars)`);
  });

  it('fails when the agent exits non-zero, as a failed workflow with the status as details', async () => {
    const run = makeRun({ env: [{ name: 'AGENT_EXIT', value: '3' }] });
    const { outcome, task } = await startAndWait(run);

    expect(outcome.error).toBeInstanceOf(WorkflowFailedError);
    const cause = (outcome.error as WorkflowFailedError).cause as { type?: string; details?: unknown[] };
    expect(cause.type).toBe('TaskFailed');
    expect(task.status.phase).toBe('Failed');
    expect(task.status.message).toMatch(/^Task failed: the agent exited with code 3/);
    expect(task.status.results?.pr).toBe('https://github.com/acme/app/pull/7');
  });

  it('stops the agent and fails the Task at activeDeadlineSeconds', async () => {
    const starts = path.join(stack.shared, `starts-${counter + 1}`);
    const run = makeRun({ activeDeadlineSeconds: 2, env: [{ name: 'AGENT_SLEEP', value: '60' }, { name: 'AGENT_STARTS_FILE', value: starts }] });
    const began = Date.now();
    const { task } = await startAndWait(run);

    expect(Date.now() - began).toBeLessThan(30_000);
    expect(task.status.phase).toBe('Failed');
    expect(task.status.message).toContain('exceeded its deadline of 2s');
    expect(startsOf(starts)).toHaveLength(1);
    await expectAgentGone(run);
  });

  it('stops the agent when the Task workflow is cancelled', async () => {
    const starts = path.join(stack.shared, `starts-cancel-${counter + 1}`);
    const run = makeRun({ env: [{ name: 'AGENT_SLEEP', value: '60' }, { name: 'AGENT_STARTS_FILE', value: starts }] });
    await stack.api.startTask(run);
    const handle = stack.env.client.workflow.getHandle(taskWorkflowId(run.namespace, run.name));
    await eventually(async () => (startsOf(starts).length === 1 ? true : undefined), 30_000, 'the agent to start');
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();

    const task = await stack.api.requireTask(run.namespace, run.name);
    expect(task.status.phase).toBe('Failed');
    expect(task.status.message).toContain('cancelled');
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    await expectAgentGone(run);
  });

  it('removes the Task and its files ttlSecondsAfterFinished after it finished, freeing the name', async () => {
    const run = makeRun({ ttlSecondsAfterFinished: 1 });
    const { task } = await startAndWait(run);
    expect(task.status.phase).toBe('Succeeded');
    const files = taskFiles(stack.home, 'default', run.name);

    // The server deletes executions asynchronously; on a loaded 2-core machine that can take tens of seconds.
    await eventually(async () => ((await stack.api.getTask('default', run.name)) ? undefined : true), 90_000, 'the Task to expire');
    expect(fs.existsSync(files.dir)).toBe(false);
    // The name is free again: a new Task of the same name runs.
    const again = await startAndWait({ ...run, ttlSecondsAfterFinished: undefined });
    expect(again.task.status.phase).toBe('Succeeded');
  });

  it('fails with a clear message when the Workspace does not exist', async () => {
    const run = makeRun({ workspaceRef: 'nope' });
    const { task } = await startAndWait(run);
    expect(task.status.phase).toBe('Failed');
    expect(task.status.message).toBe('Task failed: Workspace "nope" not found in namespace "default"');
  });

  it('fails with a clear message when the credential secret lacks the agent key', async () => {
    stack.secrets.put('default', 'wrong-key', { OPENAI_API_KEY: 'x' });
    const run = makeRun({ credentials: { type: 'api-key', secretName: 'wrong-key' } });
    const { task } = await startAndWait(run);
    expect(task.status.message).toBe('Task failed: secret "wrong-key" has no key ANTHROPIC_API_KEY (needed by claude-code with api-key credentials)');
  });

  it('never writes a secret value into the workflow history', async () => {
    const run = makeRun({ env: [{ name: 'FROM_SECRET', secretKeyRef: { name: 'anthropic', key: 'ANTHROPIC_API_KEY' } }], ttlSecondsAfterFinished: 3600 });
    const { handle, task } = await startAndWait(run);
    expect(task.status.phase).toBe('Succeeded');
    const histories = [await handle.fetchHistory()];
    histories.push(await stack.env.client.workflow.getHandle(taskCleanupWorkflowId('default', run.name, (await handle.describe()).runId)).fetchHistory());
    // Payload data (base64 in the history's JSON form) decoded to text, so a value inside any input, result, memo
    // or failure is visible here.
    const text = JSON.stringify(histories, (key, value) => (key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value));
    expect(text).toContain('anthropic'); // the secret is referenced by name...
    expect(text).not.toContain(SECRET_VALUE); // ...and its value never appears
    expect(text).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
  });
});
