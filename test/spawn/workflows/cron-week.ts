/**
 * Test bundle for the week-of-cron test on the time-skipping server: the real spawner workflow, and a stand-in
 * Task workflow that finishes at once and tells its spawner, so a week of ticks runs in seconds.
 */
import { getExternalWorkflowHandle, workflowInfo } from '@temporalio/workflow';
import type { TaskRun } from '../../../api/task/task-run';
import { taskFinishedSignal } from '../../../workflows/spawner/messages';

export { spawnerWorkflow } from '../../../workflows/spawner-workflow';

export async function taskWorkflow(run: TaskRun): Promise<{ name: string; prompt: string }> {
  const parent = workflowInfo().parent;
  if (parent) await getExternalWorkflowHandle(parent.workflowId).signal(taskFinishedSignal, { name: run.name, phase: 'Succeeded', completionTime: new Date().toISOString() });
  return { name: run.name, prompt: run.prompt };
}
