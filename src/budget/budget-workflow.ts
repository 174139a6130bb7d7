/**
 * One TaskBudget, as a workflow that lives as long as the budget: it stores the manifest (like resourceWorkflow, so
 * `kelos get`/`delete` treat it as any stored resource) and keeps the current period's accounts. Tasks ask it
 * before their agent runs (an update: answers are serialised, so two Tasks never read a stale total) and tell it
 * their usage when they end (an update keyed by the Task run: a retry is not counted twice). The period resets on a
 * durable timer. A new budget first sums the period's earlier TaskRecords (as Kelos does); Tasks that ask or report
 * meanwhile wait for that sum.
 */
import { allHandlersFinished, condition, continueAsNew, defineUpdate, patched, proxyActivities, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { RESOURCE_MEMO_KEY, type StoredResource } from '../store/stored-resource';
import { dailyPeriod } from './budget-period';
import { selectorMatches } from './label-selector';
import { MAX_COUNTED_KEYS, formatUSD, reachedLimit, toMicroUSD, type BudgetAccounts, type BudgetLimits, type BudgetVerdict, type UsageRecord } from './budget-accounts';
import type { LabelSelector } from '../model/types';
import { applyResourceSignal, deleteResourceSignal, getResourceQuery } from '../store/resource-workflow';
import type { createBudgetActivities } from './budget-activities';

/** Retried until visibility answers: a budget that cannot sum its records admits no one (fails closed). */
const { sumTaskRecords } = proxyActivities<ReturnType<typeof createBudgetActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', maximumInterval: '1 minute' },
});

/** Budgets started before TaskRecords were kept replay without summing them. */
export const BUDGET_SUMS_RECORDS_PATCH = 'budget-sums-task-records';

export const budgetAdmissionUpdate = defineUpdate<BudgetVerdict, [{ labels: Record<string, string> }]>('budgetAdmission');
export const recordBudgetUsageUpdate = defineUpdate<'recorded' | 'duplicate' | 'not-selected' | 'earlier-period', [UsageRecord]>('recordBudgetUsage');

export const BUDGET_STATUS_MEMO_KEY = 'status';

export interface BudgetCarried {
  accounts?: BudgetAccounts;
  /** Tests: periods of this length instead of days. */
  options?: { periodMs?: number };
}

interface BudgetSpec extends BudgetLimits {
  taskSelector: LabelSelector;
  period: { type: 'Daily'; timezone?: string };
}

export async function budgetWorkflow(initial: StoredResource, carried: BudgetCarried = {}): Promise<void> {
  let resource = initial;
  let deleted = false;
  const options = carried.options ?? {};
  const spec = () => resource.spec as unknown as BudgetSpec;
  const periodOf = (nowMs: number) => (options.periodMs ? { startMs: nowMs - (nowMs % options.periodMs), endMs: nowMs - (nowMs % options.periodMs) + options.periodMs } : dailyPeriod(nowMs, spec().period.timezone || 'UTC'));
  const fresh = (nowMs: number): BudgetAccounts => {
    const { startMs, endMs } = periodOf(nowMs);
    return { periodStartMs: startMs, periodEndMs: endMs, usedMicroUSD: 0, usedInputTokens: 0, usedOutputTokens: 0, counted: [] };
  };
  let accounts = carried.accounts ?? fresh(Date.now());
  // A continued run carries its sums; a new budget has yet to add the period's earlier records.
  let summed = Boolean(carried.accounts);
  const roll = () => {
    if (Date.now() >= accounts.periodEndMs) accounts = fresh(Date.now());
  };
  const publish = () => upsertMemo({ [RESOURCE_MEMO_KEY]: resource, [BUDGET_STATUS_MEMO_KEY]: statusOf(accounts, spec()) });

  setHandler(applyResourceSignal, (next) => {
    resource = { ...next, metadata: { ...next.metadata, creationTimestamp: resource.metadata.creationTimestamp } };
    publish();
  });
  setHandler(deleteResourceSignal, () => void (deleted = true));
  setHandler(getResourceQuery, () => resource);
  setHandler(budgetAdmissionUpdate, async ({ labels }) => {
    await condition(() => summed);
    roll();
    const verdict: BudgetVerdict = { budget: resource.metadata.name, selected: selectorMatches(spec().taskSelector, labels), periodEnd: new Date(accounts.periodEndMs).toISOString() };
    const reached = verdict.selected ? reachedLimit(spec(), accounts) : undefined;
    return reached ? { ...verdict, exceeded: reached } : verdict;
  });
  setHandler(recordBudgetUsageUpdate, async (record) => {
    await condition(() => summed);
    roll();
    if (!selectorMatches(spec().taskSelector, record.labels)) return 'not-selected';
    if (Date.parse(record.completionTime) < accounts.periodStartMs) return 'earlier-period';
    if (accounts.counted.includes(record.key)) return 'duplicate';
    accounts.usedMicroUSD += toMicroUSD(record.usage.costUSD);
    accounts.usedInputTokens += Math.max(0, record.usage.inputTokens ?? 0);
    accounts.usedOutputTokens += Math.max(0, record.usage.outputTokens ?? 0);
    accounts.counted = [...accounts.counted, record.key].slice(-MAX_COUNTED_KEYS);
    publish();
    return 'recorded';
  });

  publish();
  if (!summed) {
    if (patched(BUDGET_SUMS_RECORDS_PATCH)) {
      const earlier = await sumTaskRecords({ namespace: resource.metadata.namespace, selector: spec().taskSelector, periodStartMs: accounts.periodStartMs, periodEndMs: accounts.periodEndMs });
      accounts = {
        ...accounts,
        usedMicroUSD: accounts.usedMicroUSD + earlier.usedMicroUSD,
        usedInputTokens: accounts.usedInputTokens + earlier.usedInputTokens,
        usedOutputTokens: accounts.usedOutputTokens + earlier.usedOutputTokens,
        counted: earlier.recentKeys.slice(-MAX_COUNTED_KEYS),
      };
      publish();
    }
    summed = true;
  }
  while (!deleted && !workflowInfo().continueAsNewSuggested && workflowInfo().historyLength < 2_000) {
    // Sleeps until the period ends (then resets), a deletion, or the history asks for a new run.
    const timedOut = !(await condition(() => deleted || workflowInfo().continueAsNewSuggested, Math.max(1, accounts.periodEndMs - Date.now())));
    if (timedOut) {
      roll();
      publish();
    }
  }
  if (deleted) return;
  await condition(allHandlersFinished);
  await continueAsNew<typeof budgetWorkflow>(resource, { accounts, options });
}

/** Kelos's TaskBudget status shape. */
function statusOf(accounts: BudgetAccounts, spec: BudgetSpec): Record<string, unknown> {
  const reached = reachedLimit(spec, accounts);
  return {
    currentPeriodStart: new Date(accounts.periodStartMs).toISOString(),
    currentPeriodEnd: new Date(accounts.periodEndMs).toISOString(),
    used: { costUSD: formatUSD(accounts.usedMicroUSD), inputTokens: accounts.usedInputTokens, outputTokens: accounts.usedOutputTokens },
    conditions: [
      reached
        ? { type: 'Exceeded', status: 'True', reason: 'LimitReached', message: `${reached}; matching Tasks wait until ${new Date(accounts.periodEndMs).toISOString()}` }
        : { type: 'Exceeded', status: 'False', reason: 'WithinLimits' },
    ],
  };
}
