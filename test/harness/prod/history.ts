import type { WorkflowHandle } from '@temporalio/client';

/** Waits until the workflow's history holds `count` completed activities (polled: the bed has no test clock). */
export async function completedActivities(handle: WorkflowHandle, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const history = await handle.fetchHistory();
    const done = (history.events ?? []).filter((event) => event.activityTaskCompletedEventAttributes).length;
    if (done >= count) return;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} completed ${done} of ${count} activities within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
