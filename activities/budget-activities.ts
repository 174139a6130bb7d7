/**
 * A Task and its namespace's TaskBudgets (workflows/budget-workflow.ts): before its agent runs the Task asks each
 * budget whether it may (`admitToBudgets`), and when it ends it tells them its usage (`recordBudgetUsage`). Each
 * budget decides itself whether its selector matches, so these only find the budgets (Temporal's visibility: a
 * budget applied a second ago may not be listed yet) and ask them. An error is thrown, never swallowed: the Task
 * retries, so a budget that cannot be asked blocks (fails closed) and usage is never lost.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { storedResourcesQuery } from '../api/stored-resource';
import type { BudgetVerdict, UsageRecord } from '../api/budget/budget-accounts';
import { budgetAdmissionUpdate, recordBudgetUsageUpdate } from '../workflows/budget-workflow';

export interface BudgetAdmission {
  /** The first budget that holds the Task back, with why and until when (the period's end). */
  blocked?: BudgetVerdict;
}

export function createBudgetActivities(deps: { client: Client }) {
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

  return {
    async admitToBudgets(input: { namespace: string; labels: Record<string, string> }): Promise<BudgetAdmission> {
      const verdicts = await askEach(input.namespace, (id) => deps.client.workflow.getHandle(id).executeUpdate(budgetAdmissionUpdate, { args: [{ labels: input.labels }] }));
      const blocked = verdicts.find((v) => v.selected && v.exceeded);
      return blocked ? { blocked } : {};
    },
    async recordBudgetUsage(input: { namespace: string; record: UsageRecord }): Promise<void> {
      await askEach(input.namespace, (id) => deps.client.workflow.getHandle(id).executeUpdate(recordBudgetUsageUpdate, { args: [input.record] }));
    },
  };
}
