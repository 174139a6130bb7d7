/**
 * A Task and its namespace's TaskBudgets (src/budget/budget-workflow.ts): before its agent runs the Task asks each
 * budget whether it may (`admitToBudgets`), and when it ends it leaves its TaskRecord and tells the budgets its usage
 * (`recordBudgetUsage`). Each budget decides itself whether its selector matches, so these only find the budgets
 * (Temporal's visibility: a budget applied a second ago may not be listed yet) and ask them. An error is thrown,
 * never swallowed: the Task retries, so a budget that cannot be asked blocks (fails closed) and usage is never lost.
 * A budget that starts sums the period's TaskRecords once (`sumTaskRecords`), as Kelos sums them.
 */
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { RESOURCE_MEMO_KEY, storedResourceStartOptions, storedResourcesQuery, type StoredResource } from '../store/stored-resource';
import { MAX_COUNTED_KEYS, toMicroUSD, type BudgetVerdict, type RecordedSpend, type UsageRecord } from './budget-accounts';
import { DEFAULT_TASK_RECORD_TTL_SECONDS, recordSpec, taskRecordResource, usageKeyOfRecord } from './task-record';
import { selectorMatches } from './label-selector';
import type { LabelSelector } from '../model/types';
import { budgetAdmissionUpdate, recordBudgetUsageUpdate } from './budget-workflow';
import { taskRecordWorkflow } from './task-record-workflow';

export interface BudgetAdmission {
  /** The first budget that holds the Task back, with why and until when (the period's end). */
  blocked?: BudgetVerdict;
}

/** A Task's report to a budget can be retried for a day (src/task/task-workflow.ts): older records cannot collide. */
const RECENT_RECORD_MS = 24 * 60 * 60 * 1000;

export function createBudgetActivities(deps: { client: Client; env?: Record<string, string | undefined> }) {
  const ttlSeconds = taskRecordTtlSeconds(deps.env ?? process.env);

  async function budgetWorkflowIds(namespace: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const info of deps.client.workflow.list({ query: storedResourcesQuery('TaskBudget', namespace) })) ids.push(info.workflowId);
    return ids.sort();
  }

  /** Asks `update` of every budget of the namespace; a budget deleted meanwhile is skipped. */
  async function askEach<T>(namespace: string, ask: (workflowId: string) => Promise<T>): Promise<T[]> {
    const answers: T[] = [];
    for (const id of await budgetWorkflowIds(namespace)) {
      try {
        answers.push(await ask(id));
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError) && !/workflow execution already completed/i.test(String((err as Error)?.message))) throw err;
      }
    }
    return answers;
  }

  /** Starts the record's workflow; one that exists (a retry, or one already expired) is left as it is. */
  async function keepTaskRecord(namespace: string, record: UsageRecord): Promise<void> {
    if (!record.task) return;
    const resource = taskRecordResource({ namespace, task: record.task, labels: record.labels, completionTime: record.completionTime, usage: record.usage, ttlSeconds, now: new Date() });
    try {
      await deps.client.workflow.start(taskRecordWorkflow, {
        taskQueue: Context.current().info.taskQueue,
        ...storedResourceStartOptions(resource, `TaskRecord of Task ${namespace}/${record.task.name}`),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [resource],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  return {
    async admitToBudgets(input: { namespace: string; labels: Record<string, string> }): Promise<BudgetAdmission> {
      const verdicts = await askEach(input.namespace, (id) => deps.client.workflow.getHandle(id).executeUpdate(budgetAdmissionUpdate, { args: [{ labels: input.labels }] }));
      const blocked = verdicts.find((v) => v.selected && v.exceeded);
      return blocked ? { blocked } : {};
    },
    async recordBudgetUsage(input: { namespace: string; record: UsageRecord }): Promise<void> {
      // The record first: a budget applied after this Task ended finds the spend there.
      await keepTaskRecord(input.namespace, input.record);
      await askEach(input.namespace, (id) => deps.client.workflow.getHandle(id).executeUpdate(recordBudgetUsageUpdate, { args: [input.record] }));
    },
    /** The spend of the namespace's TaskRecords that `selector` matches and that completed in [startMs, endMs). */
    async sumTaskRecords(input: { namespace: string; selector: LabelSelector; periodStartMs: number; periodEndMs: number }): Promise<RecordedSpend> {
      const spend: RecordedSpend = { usedMicroUSD: 0, usedInputTokens: 0, usedOutputTokens: 0, recentKeys: [] };
      const recent: Array<{ key: string; atMs: number }> = [];
      // A record is started after its Task completed, so the period's records started in it: the scan reads one
      // period's records, not the 30 days kept.
      const query = `${storedResourcesQuery('TaskRecord', input.namespace)} AND StartTime >= "${new Date(input.periodStartMs).toISOString()}"`;
      for await (const info of deps.client.workflow.list({ query })) {
        const record = info.memo?.[RESOURCE_MEMO_KEY] as StoredResource | undefined;
        if (!record || !selectorMatches(input.selector, record.metadata.labels ?? {})) continue;
        const { completionTime, usage } = recordSpec(record);
        const atMs = Date.parse(completionTime);
        if (!(atMs >= input.periodStartMs && atMs < input.periodEndMs)) continue;
        spend.usedMicroUSD += toMicroUSD(usage.costUSD);
        spend.usedInputTokens += Math.max(0, usage.inputTokens ?? 0);
        spend.usedOutputTokens += Math.max(0, usage.outputTokens ?? 0);
        if (atMs >= Date.now() - RECENT_RECORD_MS) recent.push({ key: usageKeyOfRecord(record), atMs });
      }
      spend.recentKeys = recent.sort((a, b) => a.atMs - b.atMs).slice(-MAX_COUNTED_KEYS).map((r) => r.key);
      return spend;
    },
  };
}

/** `KELOS_TASK_RECORD_TTL_SECONDS`: how long TaskRecords are kept (Kelos: 30 days). */
function taskRecordTtlSeconds(env: Record<string, string | undefined>): number {
  const raw = env.KELOS_TASK_RECORD_TTL_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_TASK_RECORD_TTL_SECONDS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`KELOS_TASK_RECORD_TTL_SECONDS must be a whole number of seconds, 0 or more (got ${JSON.stringify(raw)})`);
  return seconds;
}
