/**
 * TaskBudget: the spend its matching Tasks report is summed per period; a matching Task whose budget is reached
 * waits (Waiting, BudgetBlocked) until the period resets, while others run; usage sent twice counts once; two
 * Tasks finishing at once are both counted; the manifest is validated like Kelos's. Each finished Task leaves a
 * TaskRecord that a budget applied later sums, and that expires on its TTL.
 */
import * as path from 'node:path';
import { TypedSearchAttributes } from '@temporalio/common';
import { KelosKind, KelosNamespace } from '../../src/store/search-attributes';
import { parseManifests } from '../../src/model/parse-manifests';
import { resourceWorkflowId, type StoredResource } from '../../src/store/stored-resource';
import { dailyPeriod } from '../../src/budget/budget-period';
import { selectorMatches } from '../../src/budget/label-selector';
import { taskWorkflowId } from '../../src/task/task-run';
import type { TaskStatus } from '../../src/task/task-status';
import { taskStatusQuery } from '../../src/task/task-workflow';
import { budgetWorkflow, recordBudgetUsageUpdate } from '../../src/budget/budget-workflow';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createBudgetActivities } from '../../src/budget/budget-activities';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { runKelosAsync } from '../harness/kelos-cli';
import { testServerAddress } from '../harness/temporal';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh'); // reports 0.42 USD, 1200 in, 340 out

/** A namespace of their own: a budget fails closed, so one left behind must not hold back other tests' Tasks. */
const NS = 'budget-tests';
/** TaskRecords of this file's Tasks expire after this long (Kelos keeps them 30 days, the default). */
const RECORD_TTL_SECONDS = 45;

let stack: KelosTestStack;
beforeAll(async () => {
  stack = await startKelosTestStack('budget');
  await stack.startWorker({ env: { KELOS_TASK_RECORD_TTL_SECONDS: String(RECORD_TTL_SECONDS) } });
});
afterAll(async () => {
  // Deleted while the worker still runs, so their workflows close.
  for (const b of (await stack?.api.listStoredResources('TaskBudget', NS)) ?? []) await stack.api.deleteStoredResource('TaskBudget', NS, b.metadata.name);
  await eventually(async () => ((await stack.api.listStoredResources('TaskBudget', NS)).length === 0 ? true : undefined), 30_000, 'the budgets closed');
  await stack?.teardown();
});

function budget(name: string, spec: Record<string, unknown>): StoredResource {
  return { apiVersion: 'kelos.dev/v1alpha2', kind: 'TaskBudget', metadata: { name, namespace: NS }, spec: { period: { type: 'Daily', timezone: 'UTC' }, ...spec } };
}

function task(name: string, labels: Record<string, string>) {
  return { namespace: NS, name, agentType: 'claude-code' as const, prompt: 'spend', image: IMAGE, credentials: { type: 'none' as const }, agentConfigRefs: [], env: [], labels, sourceKind: 'cli' as const, spec: {}, apiVersion: 'kelos.dev/v1alpha2' };
}

async function run(name: string, labels: Record<string, string>): Promise<TaskStatus> {
  await stack.api.startTask(task(name, labels));
  return stack.env.client.workflow.getHandle(taskWorkflowId(NS, name)).result();
}

async function statusOf(name: string): Promise<TaskStatus> {
  return stack.env.client.workflow.getHandle(taskWorkflowId(NS, name)).query(taskStatusQuery);
}

async function budgetStatus(name: string): Promise<Record<string, any>> {
  const [found] = (await stack.api.listStoredResources('TaskBudget', NS)).filter((b) => b.metadata.name === name);
  return found?.status ?? {};
}

it('blocks the third matching Task once the reported cost reaches maxCostUSD; other Tasks run; the period reset frees it', async () => {
  const team = uniqueName('team');
  const name = uniqueName('daily');
  // Periods of 40 s instead of a day, so the reset is seen (the Daily boundaries are tested below).
  await stack.env.client.workflow.start(budgetWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: resourceWorkflowId('TaskBudget', NS, name),
    args: [budget(name, { taskSelector: { matchLabels: { team } }, maxCostUSD: '0.8' }), { options: { periodMs: 40_000 } }],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: KelosKind, value: 'TaskBudget' },
      { key: KelosNamespace, value: NS },
    ]),
  });
  await eventually(async () => ((await stack.api.listStoredResources('TaskBudget', NS)).some((b) => b.metadata.name === name) ? true : undefined), 30_000, 'the budget listed');
  // Start right after a period boundary, so two Tasks fit in it.
  await new Promise((resolve) => setTimeout(resolve, 40_000 - (Date.now() % 40_000) + 200));

  expect((await run(uniqueName('first'), { team })).phase).toBe('Succeeded');
  expect((await run(uniqueName('second'), { team })).phase).toBe('Succeeded');
  expect((await budgetStatus(name)).used).toEqual({ costUSD: '0.84', inputTokens: 2400, outputTokens: 680 });

  const third = uniqueName('third');
  await stack.api.startTask(task(third, { team }));
  const blocked = await eventually(async () => {
    const s = await statusOf(third);
    return s.phase === 'Waiting' && s.conditions?.some((c) => c.type === 'BudgetBlocked') ? s : undefined;
  }, 30_000, 'the third Task blocked');
  expect(blocked.message).toContain(`Waiting for TaskBudget "${name}": maxCostUSD 0.8 reached (used 0.84)`);
  // A Task the selector does not match runs meanwhile.
  expect((await run(uniqueName('other'), { team: 'someone-else' })).phase).toBe('Succeeded');

  // The period resets: the third Task runs, without its BudgetBlocked condition.
  const done: TaskStatus = await stack.env.client.workflow.getHandle(taskWorkflowId(NS, third)).result();
  expect(done.phase).toBe('Succeeded');
  expect(done.conditions?.some((c) => c.type === 'BudgetBlocked')).toBeFalsy();
  expect((await budgetStatus(name)).used.costUSD).toBe('0.42');
}, 180_000);

it('counts usage sent twice once, and two Tasks that finish at once both', async () => {
  const team = uniqueName('team');
  const name = uniqueName('tokens');
  await stack.api.applyStoredResource(budget(name, { taskSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: [team] }] }, maxInputTokens: 100_000 }));
  const handle = stack.env.client.workflow.getHandle(resourceWorkflowId('TaskBudget', NS, name));
  const record = { key: `task/${NS}/x/run-1`, completionTime: new Date().toISOString(), labels: { team }, usage: { inputTokens: 10, outputTokens: 1, costUSD: '0.1' } };
  // A Task whose worker died after the budget counted it sends the same record again: counted once.
  expect(await handle.executeUpdate(recordBudgetUsageUpdate, { args: [record] })).toBe('recorded');
  expect(await handle.executeUpdate(recordBudgetUsageUpdate, { args: [record] })).toBe('duplicate');
  expect(await handle.executeUpdate(recordBudgetUsageUpdate, { args: [{ ...record, key: 'other', labels: { team: 'no' } }] })).toBe('not-selected');
  // Two Tasks finishing at the same moment: both counted, nothing lost.
  await Promise.all([run(uniqueName('racer-a'), { team }), run(uniqueName('racer-b'), { team })]);
  await eventually(async () => ((await budgetStatus(name)).used?.inputTokens === 2410 ? true : undefined), 30_000, 'both racers and the record counted');
  expect((await budgetStatus(name)).used).toEqual({ costUSD: '0.94', inputTokens: 2410, outputTokens: 681 });
}, 120_000);

it('holds back both of two Tasks that start at once against a reached budget', async () => {
  const team = uniqueName('team');
  const name = uniqueName('spent');
  await stack.api.applyStoredResource(budget(name, { taskSelector: { matchLabels: { team } }, maxOutputTokens: 0 }));
  await eventually(async () => ((await stack.api.listStoredResources('TaskBudget', NS)).some((b) => b.metadata.name === name) ? true : undefined), 30_000, 'the budget listed');
  const [a, b] = [uniqueName('racer'), uniqueName('racer')];
  await Promise.all([stack.api.startTask(task(a, { team })), stack.api.startTask(task(b, { team }))]);
  for (const t of [a, b]) {
    await eventually(async () => ((await statusOf(t)).conditions?.some((c) => c.type === 'BudgetBlocked') ? true : undefined), 30_000, `${t} blocked`);
  }
  // Deleting the budget frees them (they ask again within minutes; here the test stops them instead).
  for (const t of [a, b]) await stack.api.deleteTask(NS, t);
});

/** A Task's UID: its workflow's first run ID. */
async function firstRunOf(taskName: string): Promise<string> {
  const { raw } = await stack.env.client.workflow.getHandle(taskWorkflowId(NS, taskName)).describe();
  return raw.workflowExecutionInfo!.firstRunId!;
}

async function recordsOf(taskName: string): Promise<StoredResource[]> {
  return (await stack.api.listStoredResources('TaskRecord', NS)).filter((r) => (r.spec as { taskRef: { name: string } }).taskRef.name === taskName);
}

it("leaves a TaskRecord of each finished Task, in Kelos's shape, which expires on its TTL", async () => {
  const team = uniqueName('team');
  const name = uniqueName('recorded');
  const before = Date.now();
  const done = await run(name, { team, tier: 'gold' });
  const [record] = await eventually(async () => ((await recordsOf(name)).length ? recordsOf(name) : undefined), 30_000, 'the record listed');
  const firstRun = await firstRunOf(name);
  expect(record.metadata).toMatchObject({ name: firstRun, namespace: NS, labels: { team, tier: 'gold' } });
  expect(record.spec).toEqual({
    taskRef: { name, uid: firstRun },
    type: 'claude-code',
    phase: 'Succeeded',
    startTime: done.startTime,
    completionTime: done.completionTime,
    usage: { costUSD: '0.42', inputTokens: 1200, outputTokens: 340 },
    ttlSecondsAfterCompletion: RECORD_TTL_SECONDS,
  });
  // Deleting the Task leaves its record (it is the account); the record goes when its TTL runs out.
  await stack.api.deleteTask(NS, name).catch(() => undefined);
  expect(await recordsOf(name)).toHaveLength(1);
  await eventually(async () => ((await recordsOf(name)).length === 0 ? true : undefined), RECORD_TTL_SECONDS * 1000 + 30_000, 'the record expired');
  expect(Date.now() - before).toBeGreaterThanOrEqual(RECORD_TTL_SECONDS * 1000);
}, 150_000);

it("sums the period's earlier TaskRecords when a budget is applied after its Tasks ended, and counts their reports once", async () => {
  const team = uniqueName('team');
  const [a, b] = [uniqueName('earlier'), uniqueName('earlier')];
  await Promise.all([run(a, { team }), run(b, { team })]);
  await eventually(async () => ((await recordsOf(a)).length && (await recordsOf(b)).length ? true : undefined), 30_000, 'both records listed');
  const name = uniqueName('late');
  await stack.api.applyStoredResource(budget(name, { taskSelector: { matchLabels: { team } }, maxCostUSD: '0.84' }));
  await eventually(async () => ((await budgetStatus(name)).used?.costUSD === '0.84' ? true : undefined), 30_000, 'the earlier spend summed');
  expect((await budgetStatus(name)).used).toEqual({ costUSD: '0.84', inputTokens: 2400, outputTokens: 680 });
  // One of them reporting late (its worker died before the report) is not counted again.
  const handle = stack.env.client.workflow.getHandle(resourceWorkflowId('TaskBudget', NS, name));
  const runOfA = await firstRunOf(a);
  const late = { key: `${taskWorkflowId(NS, a)}/${runOfA}`, completionTime: new Date().toISOString(), labels: { team }, usage: { costUSD: '0.42' } };
  expect(await handle.executeUpdate(recordBudgetUsageUpdate, { args: [late] })).toBe('duplicate');
  // The budget is reached: the next matching Task waits.
  const third = uniqueName('third');
  await stack.api.startTask(task(third, { team }));
  await eventually(async () => ((await statusOf(third)).conditions?.some((c) => c.type === 'BudgetBlocked') ? true : undefined), 30_000, 'the third Task blocked');
  await stack.api.deleteTask(NS, third);
}, 150_000);

it('a report retried after the worker died between the record and its answer: one TaskRecord, counted once', async () => {
  const team = uniqueName('team');
  const name = uniqueName('retried');
  await stack.api.applyStoredResource(budget(name, { taskSelector: { matchLabels: { team } }, maxInputTokens: 1_000_000 }));
  await eventually(async () => ((await stack.api.listStoredResources('TaskBudget', NS)).some((b) => b.metadata.name === name) ? true : undefined), 30_000, 'the budget listed');
  const taskName = uniqueName('crashed');
  const uid = `run-${taskName}`;
  const input = {
    namespace: NS,
    record: {
      key: `${taskWorkflowId(NS, taskName)}/${uid}`,
      completionTime: new Date().toISOString(),
      labels: { team },
      usage: { costUSD: '0.5', inputTokens: 700, outputTokens: 70 },
      task: { name: taskName, uid, type: 'codex', model: 'gpt-5', phase: 'Failed' as const },
    },
  };
  // The same activity run twice, as Temporal retries it when the first attempt's completion was lost with its worker.
  const activities = createBudgetActivities({ client: stack.env.client, env: {} });
  const environment = new MockActivityEnvironment({ taskQueue: stack.taskQueue });
  await environment.run(activities.recordBudgetUsage, input);
  await environment.run(activities.recordBudgetUsage, input);
  await eventually(async () => ((await recordsOf(taskName)).length ? true : undefined), 30_000, 'the record listed');
  expect(await recordsOf(taskName)).toHaveLength(1);
  expect((await recordsOf(taskName))[0].spec).toMatchObject({ type: 'codex', model: 'gpt-5', phase: 'Failed', ttlSecondsAfterCompletion: 30 * 24 * 3600 });
  expect((await budgetStatus(name)).used).toEqual({ costUSD: '0.5', inputTokens: 700, outputTokens: 70 });

  // The CLI lists it with Kelos's columns and deletes it.
  const kelos = (args: string[]) => runKelosAsync({ address: testServerAddress(), home: stack.home }, ['-n', NS, ...args]);
  const listed = await kelos(['get', 'taskrecords']);
  expect(listed.code).toBe(0);
  expect(listed.stdout.split('\n')[0].split(/\s+/).filter(Boolean)).toEqual(['NAME', 'TASK', 'TYPE', 'PHASE', 'COST', 'AGE']);
  expect(listed.stdout).toMatch(new RegExp(`^${uid}\\s+${taskName}\\s+codex\\s+Failed\\s+0\\.5\\s`, 'm'));
  expect((await kelos(['delete', 'tr', uid])).code).toBe(0);
  await eventually(async () => ((await recordsOf(taskName)).length === 0 ? true : undefined), 30_000, 'the record deleted');
}, 90_000);

describe('the manifest', () => {
  const doc = (spec: string) => `apiVersion: kelos.dev/v1alpha2\nkind: TaskBudget\nmetadata:\n  name: b\nspec:\n${spec}`;
  it('loads Kelos example 14 and defaults the timezone to UTC', () => {
    const parsed = parseManifests(doc('  taskSelector: {}\n  period:\n    type: Daily\n  maxCostUSD: "25.50"\n'), 'b.yaml');
    expect(parsed.errors).toEqual([]);
    expect(parsed.resources[0]).toMatchObject({ kind: 'TaskBudget', spec: { period: { type: 'Daily', timezone: 'UTC' }, maxCostUSD: '25.50' } });
  });
  it('refuses a budget without a limit, a bad amount and an unknown timezone, naming the fields', () => {
    const parsed = parseManifests(doc('  taskSelector: {}\n  period:\n    type: Daily\n    timezone: Mars/Olympus\n') + '\n---\n' + doc('  taskSelector: {}\n  period: {type: Daily}\n  maxCostUSD: "-3"\n'), 'b.yaml');
    expect(parsed.errors.map(String)).toEqual([
      'b.yaml#1 spec: at least one of maxCostUSD, maxInputTokens, or maxOutputTokens must be set',
      'b.yaml#1 spec.period.timezone: must be a valid IANA time zone (got "Mars/Olympus")',
      'b.yaml#2 spec.maxCostUSD: must be a non-negative decimal amount such as "25" or "12.50" (got "-3")',
    ]);
  });
});

describe('periods and selectors', () => {
  it('a Daily period runs from midnight to midnight in its timezone, 23 hours on the spring-forward day', () => {
    const at = Date.parse('2026-03-29T10:00:00Z'); // Europe/Berlin moves to summer time at 02:00 that night
    expect(dailyPeriod(at, 'UTC')).toEqual({ startMs: Date.parse('2026-03-29T00:00:00Z'), endMs: Date.parse('2026-03-30T00:00:00Z') });
    const berlin = dailyPeriod(at, 'Europe/Berlin');
    expect(new Date(berlin.startMs).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(berlin.endMs).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(new Date(dailyPeriod(Date.parse('2026-12-04T23:30:00Z'), 'America/New_York').startMs).toISOString()).toBe('2026-12-04T05:00:00.000Z');
  });
  it('matches labels as Kubernetes selectors do', () => {
    expect(selectorMatches({}, undefined)).toBe(true);
    expect(selectorMatches({ matchLabels: { team: 'a' } }, { team: 'a', x: 'y' })).toBe(true);
    expect(selectorMatches({ matchLabels: { team: 'a' } }, { team: 'b' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['free'] }] }, {})).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, {})).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, { tier: 'x' })).toBe(false);
  });
});
