/**
 * A Task's reports to GitHub, made one after another in phase order, each moving on from where the last one left
 * GitHub (the comment and Check Run it made). A report that fails for good is handed to `onOutcome` as a failed
 * condition; it never fails the Task.
 */
import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { createReportingActivities } from './github-reporting';
import { innermostMessage } from '../../common/error-cause';
import type { ReportPhase, ReportState } from './task-report';
import type { TaskInput } from '../task-run';
import type { TaskCondition } from '../task-status';

/** Reporting runs on the main queue (any worker); rate limits wait for their reset (nextRetryDelay). */
const { reportTaskStatus } = proxyActivities<ReturnType<typeof createReportingActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8 },
});

export type ReportCondition = Pick<TaskCondition, 'status' | 'reason' | 'message'>;

/** `report(phase)` queues a report and resolves when every report so far is done. Without a target it does nothing. */
export function githubReporter(run: TaskInput, runKey: string, onOutcome: (condition: ReportCondition) => void): (phase: ReportPhase) => Promise<void> {
  let state: ReportState = {};
  let reports: Promise<void> = Promise.resolve();
  return (phase) => {
    const target = run.report;
    if (!target) return reports;
    reports = reports.then(async () => {
      try {
        state = await reportTaskStatus({ namespace: run.namespace, taskName: run.name, runKey, report: target, phase, state });
        onOutcome({ status: 'True', reason: 'Reported', message: [state.commentUrl, state.checkRunUrl].filter(Boolean).join(' ') || `reported ${phase}` });
      } catch (err) {
        if (isCancellation(err)) return;
        onOutcome({ status: 'False', reason: 'ReportFailed', message: `reporting ${phase} to GitHub failed: ${innermostMessage(err)}` });
      }
    });
    return reports;
  };
}
