/**
 * A worker SIGKILLed right after a Task's agent ended, before (or while) the Task recorded its usage: the worker that
 * takes over finishes the recording, and the budget counts the Task exactly once, with one TaskRecord.
 */
import * as path from 'node:path';
import { TASK_STATUS_MEMO_KEY } from '../../src/task/task-start';
import { taskWorkflowId } from '../../src/task/task-run';
import type { TaskStatus } from '../../src/task/task-status';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh'); // reports 0.42 USD, 1200 in, 340 out
/** A namespace of its own: a budget fails closed, so it must not hold back other tests' Tasks. */
const NS = 'budget-kill';

let stack: KelosTestStack;
beforeAll(async () => {
  stack = await startKelosTestStack('budget-kill');
});
afterAll(async () => {
  for (const b of (await stack?.api.listStoredResources('TaskBudget', NS)) ?? []) await stack.api.deleteStoredResource('TaskBudget', NS, b.metadata.name);
  await stack?.teardown();
});

it('counts the usage of a Task whose worker was killed between its agent ending and the recording once', async () => {
  const team = uniqueName('team');
  const budget = uniqueName('kill');
  await stack.api.applyStoredResource({ apiVersion: 'kelos.dev/v1alpha2', kind: 'TaskBudget', metadata: { name: budget, namespace: NS }, spec: { taskSelector: { matchLabels: { team } }, period: { type: 'Daily', timezone: 'UTC' }, maxCostUSD: '100' } });
  const first = stack.startWorkerProcess();
  const name = uniqueName('killed');
  await stack.api.startTask({ namespace: NS, name, agentType: 'claude-code', prompt: 'spend', image: IMAGE, credentials: { type: 'none' }, agentConfigRefs: [], env: [{ name: 'AGENT_SLEEP', value: '2' }], labels: { team }, sourceKind: 'cli', spec: {}, apiVersion: 'kelos.dev/v1alpha2' });
  const handle = stack.env.client.workflow.getHandle(taskWorkflowId(NS, name));
  // The Task's phase is in its memo (no worker needed to read it): kill the worker the moment the agent has ended.
  await eventually(async () => {
    const memo = (await handle.describe()).memo?.[TASK_STATUS_MEMO_KEY] as TaskStatus | undefined;
    return memo?.phase === 'Succeeded' ? true : undefined;
  }, 90_000, 'the agent to end');
  first.kill('SIGKILL');

  stack.startWorkerProcess();
  expect((await handle.result()).phase).toBe('Succeeded');
  const spent = async () => (await stack.api.listStoredResources('TaskBudget', NS)).find((b) => b.metadata.name === budget)?.status as { used?: { costUSD?: string } } | undefined;
  await eventually(async () => ((await spent())?.used?.costUSD === '0.42' ? true : undefined), 120_000, 'the usage recorded');
  // Still once after the retried activities have settled.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  expect((await spent())?.used).toEqual({ costUSD: '0.42', inputTokens: 1200, outputTokens: 340 });
  const records = (await stack.api.listStoredResources('TaskRecord', NS)).filter((r) => (r.spec as { taskRef: { name: string } }).taskRef.name === name);
  expect(records).toHaveLength(1);
}, 240_000);
