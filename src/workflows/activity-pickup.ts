/**
 * How an activity on one worker's own queue failed for want of that worker. An activity sent to one worker's own queue
 * (its poll queue, its host queue) that no worker took before its schedule-to-start timeout: that worker is taken as
 * gone.
 */
import { TimeoutType } from '@temporalio/common';
import { ActivityFailure, TimeoutFailure } from '@temporalio/workflow';

/** An activity whose worker stopped heartbeating: that worker (or its host) died while running it. */
export function heartbeatLost(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.HEARTBEAT;
}

export function notPickedUp(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;
}
