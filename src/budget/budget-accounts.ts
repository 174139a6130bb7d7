/**
 * What a TaskBudget's workflow keeps and answers (src/budget/budget-workflow.ts): the current period's observed spend
 * in whole micro-dollars and tokens (exact sums, no float drift), and which Task runs it has counted.
 */
import type { TaskUsage } from '../task/task-status';
import type { FinishedTaskFacts } from './task-record';

export interface BudgetAccounts {
  periodStartMs: number;
  periodEndMs: number;
  usedMicroUSD: number;
  usedInputTokens: number;
  usedOutputTokens: number;
  /** Keys of the Task runs counted this period, newest last, at most MAX_COUNTED_KEYS (retries come within minutes). */
  counted: string[];
}

export const MAX_COUNTED_KEYS = 5_000;

/** One finished Task's usage, sent by the Task when it ends. `key` identifies the Task run (a retry sends the same). */
export interface UsageRecord {
  key: string;
  completionTime: string;
  labels: Record<string, string>;
  usage: TaskUsage;
  /** The Task itself, for its TaskRecord (absent from Tasks that ended before records were kept). */
  task?: FinishedTaskFacts;
}

/** A period's spend already recorded in TaskRecords, summed when a budget starts (Kelos sums them at every check). */
export interface RecordedSpend {
  usedMicroUSD: number;
  usedInputTokens: number;
  usedOutputTokens: number;
  /** Keys of the recently finished Tasks among them, so their own report to the new budget counts once. */
  recentKeys: string[];
}

export interface BudgetVerdict {
  budget: string;
  /** False when the budget's selector does not match the Task's labels. */
  selected: boolean;
  /** Set when a limit is reached: which, and by how much. */
  exceeded?: string;
  periodEnd: string;
}

export interface BudgetLimits {
  maxCostUSD?: string;
  maxInputTokens?: number;
  maxOutputTokens?: number;
}

export function toMicroUSD(amount: string | number | undefined): number {
  const value = Number(amount);
  return Number.isFinite(value) && value > 0 ? Math.round(value * 1_000_000) : 0;
}

export function formatUSD(micro: number): string {
  return (micro / 1_000_000).toFixed(6).replace(/\.?0+$/, '');
}

/** The first limit the period's spend has reached (Kelos: at or over it blocks), or undefined. */
export function reachedLimit(limits: BudgetLimits, accounts: BudgetAccounts): string | undefined {
  if (limits.maxCostUSD !== undefined && accounts.usedMicroUSD >= toMicroUSD(limits.maxCostUSD)) {
    return `maxCostUSD ${limits.maxCostUSD} reached (used ${formatUSD(accounts.usedMicroUSD)})`;
  }
  if (limits.maxInputTokens !== undefined && accounts.usedInputTokens >= limits.maxInputTokens) {
    return `maxInputTokens ${limits.maxInputTokens} reached (used ${accounts.usedInputTokens})`;
  }
  if (limits.maxOutputTokens !== undefined && accounts.usedOutputTokens >= limits.maxOutputTokens) {
    return `maxOutputTokens ${limits.maxOutputTokens} reached (used ${accounts.usedOutputTokens})`;
  }
  return undefined;
}
