/**
 * Polling spawners (GitHub issues and pull requests, Jira): the poll runs as an activity in the background while
 * signals, grants and cron go on; its answer is the difference since the spawner's cursor, so an idle poll adds
 * nothing. Items that stopped matching withdraw their waiting Tasks; a failed poll shows in the status and asks
 * again for what it was to resend.
 */
import { patched, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { createPollActivities } from '../sources/polling/poll-activities';
import { innermostMessage } from '../common/error-cause';
import { notPickedUp } from '../workflows/activity-pickup';
import { pollSourceOf, type PollSourceResult } from '../sources/polling/poll';
import { admitItems, withdrawItems, type SpawnerContext } from './admission';
import { addResend, MAX_ERROR_CHARS } from './spawner-state';
import * as book from './task-book';

type PollActivities = ReturnType<typeof createPollActivities>;

/** Rate limits retry when they reset (nextRetryDelay); bad credentials fail at once and show in the status. */
const POLL_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 6 },
};
const { pollSource } = proxyActivities<PollActivities>(POLL_OPTIONS);

/**
 * A poll sent to the worker that holds the spawner's polling state waits this long for it to pick the poll up;
 * then that worker counts as gone and the poll goes to the shared queue (one full listing on another worker).
 */
const OWN_WORKER_PICKUP_MS = 60_000;

/** Polls sent to one worker's own queue: without a worker there, they time out rather than wait. */
function pollSourceOn(taskQueue: string, pickupMs: number): PollActivities['pollSource'] {
  return proxyActivities<PollActivities>({ ...POLL_OPTIONS, taskQueue, scheduleToStartTimeout: pickupMs }).pollSource;
}

export interface PollIntake {
  /** Starts a poll when one is due and none runs. */
  startIfDue(): void;
  /** When the next poll is due, while one can be. */
  nextDue(): number | undefined;
  /** Poll at the next turn of the loop (a changed spec, a resume). */
  pollSoon(): void;
  inFlight(): boolean;
}

export function pollIntake(ctx: SpawnerContext, changed: () => void): PollIntake {
  let inFlight = false;
  let nextAt = Date.now();
  return {
    startIfDue() {
      const poll = pollSourceOf(ctx.spawner);
      if (!poll || inFlight || Date.now() < nextAt) return;
      inFlight = true;
      const resend = ctx.state.pollResend ?? [];
      ctx.state.pollResend = [];
      const { intervalMs, ...request } = poll;
      const cursor = ctx.state.pollCursor;
      // Workers keep a source's polling state on their own disk: keep asking the one that has it.
      const ownWorker = patched('spawner-polls-go-to-the-worker-with-their-state') ? ctx.state.pollQueue : undefined;
      let more = false;
      (ownWorker ? pollSourceOn(ownWorker, ctx.options.ownWorkerPickupMs ?? OWN_WORKER_PICKUP_MS) : pollSource)({ ...request, spawnerId: workflowInfo().workflowId, ...(cursor ? { cursor } : {}), ...(resend.length ? { resend } : {}) })
        .then(
          (result) => {
            more = result.more === true;
            return applyAnswer(ctx, result);
          },
          (err: unknown) => {
            addResend(ctx.state, resend);
            if (ownWorker && notPickedUp(err)) {
              // That worker is gone: ask any worker now (it starts the state afresh with a full listing).
              ctx.state.pollQueue = undefined;
              more = true;
              return;
            }
            ctx.state.sourceError = innermostMessage(err).slice(0, MAX_ERROR_CHARS);
          },
        )
        .finally(() => {
          inFlight = false;
          // An answer cut to its byte budget has the rest behind it: the next poll comes at once.
          nextAt = more ? Date.now() : Date.now() + intervalMs;
          changed();
        });
    },
    nextDue() {
      if (ctx.spawner.spec.suspend || inFlight || !pollSourceOf(ctx.spawner)) return undefined;
      return nextAt;
    },
    pollSoon() {
      nextAt = Date.now();
    },
    inFlight: () => inFlight,
  };
}

/** Temporal's own limit on a task queue name; a longer one could not be used anyway. */
const MAX_QUEUE_NAME_CHARS = 1000;

async function applyAnswer(ctx: SpawnerContext, result: PollSourceResult): Promise<void> {
  ctx.state.pollCursor = result.cursor;
  const queue = result.pollQueue?.slice(0, MAX_QUEUE_NAME_CHARS);
  ctx.state.pollQueue = queue;
  ctx.state.sourceError = undefined;
  ctx.state.lastPoll = { time: new Date().toISOString(), requests: result.requests.requests, notModified: result.requests.notModified, points: result.requests.points, full: result.full, ...(queue ? { queue } : {}) };
  const gone = new Set(result.removed);
  // A full listing that fits one answer tells what no longer matches by absence; one spread over pages cannot
  // (its later pages hold the rest), so only its `removed` ids count.
  if (result.full && !result.more) {
    const matching = new Set(result.items.map((item) => item.id));
    for (const name of book.waitingNames(ctx.state.book)) {
      const id = ctx.state.book.tasks[name].itemId;
      if (id !== undefined && !matching.has(id)) gone.add(id);
    }
  }
  if (gone.size) await withdrawItems(ctx, gone, 'the item no longer matches the spawner');
  await admitItems(ctx, result.items, result.matching, 'replace');
}
