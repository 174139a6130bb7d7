/**
 * One TaskBudget, as a workflow that lives as long as the budget: it stores the manifest (like resourceWorkflow, so
 * `kelos get`/`delete` treat it as any stored resource) and keeps the current period's accounts. Tasks ask it
 * before their agent runs (an update: answers are serialised, so two Tasks never read a stale total) and tell it
 * their usage when they end (an update keyed by the Task run: a retry is not counted twice). The period resets on a
 * durable timer. A budget counts the Tasks that finish while it exists (Kelos also sums earlier TaskRecords).
 */
import { allHandlersFinished, condition, continueAsNew, defineUpdate, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { RESOURCE_MEMO_KEY, type StoredResource } from '../api/stored-resource';
import { dailyPeriod } from '../api/budget/budget-period';
import { selectorMatches } from '../api/budget/label-selector';
import { MAX_COUNTED_KEYS, formatUSD, reachedLimit, toMicroUSD, type BudgetAccounts, type BudgetLimits, type BudgetVerdict, type UsageRecord } from '../api/budget/budget-accounts';
import type { LabelSelector } from '../api/resources/model';
import { applyResourceSignal, deleteResourceSignal, getResourceQuery } from './resource-workflow';

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
  setHandler(budgetAdmissionUpdate, ({ labels }) => {
    roll();
    const verdict: BudgetVerdict = { budget: resource.metadata.name, selected: selectorMatches(spec().taskSelector, labels), periodEnd: new Date(accounts.periodEndMs).toISOString() };
    const reached = verdict.selected ? reachedLimit(spec(), accounts) : undefined;
    return reached ? { ...verdict, exceeded: reached } : verdict;
  });
  setHandler(recordBudgetUsageUpdate, (record) => {
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
