/**
 * A Task whose agent succeeds with outputs far over Temporal's 2 MiB payload limit (a 3 MB final response and a
 * 3 MB result value) on the local runtime: it still Succeeds, its status within the outcome budget, the long
 * values cut with the mark and the short ones whole.
 */
import * as path from 'node:path';
import type { TaskRun } from '../../src/task/task-run';
import { taskWorkflowId } from '../../src/task/task-run';
import type { TaskStatus } from '../../src/task/task-status';
import { AGENT_OUTCOME_BUDGET_BYTES } from '../../src/runtimes/agent-outcome-budget';
import { KelosTestStack, startKelosTestStack, uniqueName } from '../harness/kelos-stack';

const IMAGE = path.resolve(__dirname, '../fixtures/images/large-output-agent.sh');
const LARGE_BYTES = 3_000_000;
const MARK = /\[… truncated by kelos: (\d+) more bytes\]$/;

let stack: KelosTestStack;

beforeAll(async () => {
  stack = await startKelosTestStack('large-outcome');
  await stack.startWorker();
});
afterAll(async () => stack?.teardown());

function makeRun(): TaskRun {
  const name = uniqueName('large');
  return {
    namespace: 'default',
    name,
    agentType: 'claude-code',
    prompt: 'Write a very long answer',
    image: IMAGE,
    credentials: { type: 'none' },
    agentConfigRefs: [],
    env: [{ name: 'LARGE_BYTES', value: String(LARGE_BYTES) }],
    labels: {},
    sourceKind: 'cli',
    spec: { type: 'claude-code', prompt: 'Write a very long answer' },
    apiVersion: 'kelos.dev/v1alpha2',
  };
}

/** The workflow's result, or a clear failure when it does not end in time (an oversized result retries for minutes). */
async function resultWithin<T>(result: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the Task did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('agent outcome within its budget', () => {
  it('an agent printing a 3 MB response and a 3 MB result value: the Task Succeeds, long values cut and marked, short ones whole', async () => {
    const run = makeRun();
    await stack.api.startTask(run);
    const handle = stack.env.client.workflow.getHandle(taskWorkflowId(run.namespace, run.name));
    const status: TaskStatus = await resultWithin(handle.result(), 60_000);

    expect(status.phase).toBe('Succeeded');
    expect(status.message).toBe('Task completed successfully');
    expect(Buffer.byteLength(JSON.stringify(status))).toBeLessThanOrEqual(AGENT_OUTCOME_BUDGET_BYTES + 4096);
    const results = status.results!;
    expect(results).toMatchObject({ branch: 'main', pr: 'https://github.com/acme/app/pull/8', 'cost-usd': '0.42' });
    const notes = MARK.exec(results.notes);
    expect(notes).not.toBeNull();
    expect(results.notes.slice(0, notes!.index)).toMatch(/^n+ $/);
    expect(notes!.index - 1 + Number(notes![1])).toBe(LARGE_BYTES);
    const response = Buffer.from(results.response, 'base64').toString('utf8');
    expect(response).toMatch(/^r+\n\n\[… truncated by kelos: \d+ more bytes\]$/);
    expect(status.outputs).toContain(`notes: ${results.notes}`);
    expect(status.usage).toEqual({ costUSD: '0.42' });

    // What kelos get task reads: the stored status says the same.
    const task = await stack.api.requireTask(run.namespace, run.name);
    expect(task.status.phase).toBe('Succeeded');
    expect(task.status.results?.notes).toBe(results.notes);
  });
});
