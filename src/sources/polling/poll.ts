/**
 * The polling activity's contract (githubIssues, githubPullRequests, jira): the spawner sends its cursor and
 * gets back only what changed since (see src/sources/polling/poll-ledger.ts), so idle polls keep its history small.
 *
 * Answers are paged by bytes (src/sources/polling/poll-page.ts): one answer carries at most a budget of items and
 * removed ids (512 KiB of their JSON by default), far below Temporal's 2 MiB payload limit. When the delta does
 * not fit, the answer carries what fits and says `more: true`; its cursor covers only what it carried, so the
 * spawner should poll again at once with it, and the next answer carries the rest (plus anything changed
 * meanwhile). Every item arrives exactly once per change, whatever the number of pages; a retried poll with the
 * same cursor gets the same page. A full listing (`full: true`) may span pages too: only its first answer says
 * `full`, and the matching items it did not carry follow in the next answers, so a spawner that drops queued
 * items absent from a `full` answer gets those back with the following pages.
 */
import type { GitHubIssuesSource, GitHubPullRequestsSource, JiraSource, TaskSpawnerResource } from '../../model/types';
import type { TemplateVarUsage } from '../github/fetch-needs';
import type { WorkItem } from '../work-item';
import { templateVarUsage } from '../template-usage';

export type PollingSourceKind = 'githubIssues' | 'githubPullRequests' | 'jira';

export interface PollSourceInput {
  /** The spawner's workflow ID: the key of the durable polling state. */
  spawnerId: string;
  namespace: string;
  kind: PollingSourceKind;
  source: GitHubIssuesSource | GitHubPullRequestsSource | JiraSource;
  /** The Workspace whose repo and secret a GitHub source reads. */
  workspaceRef?: string;
  usage: TemplateVarUsage;
  /** From the previous result; absent on the first poll (everything is sent). */
  cursor?: string;
  /** Item IDs to send again although unchanged (their Tasks were deleted, so they may spawn again). */
  resend?: string[];
}

export interface PollSourceResult {
  cursor: string;
  /** The cursor was not honoured and `items` holds every matching item. */
  full: boolean;
  /** New or changed matching items (all of them when `full`, across its pages), in the source's order. */
  items: WorkItem[];
  /** IDs that stopped matching since the cursor (paged with the items, oldest removal first). */
  removed: string[];
  /**
   * This answer carries only part of what changed (it would not fit one payload): poll again at once with
   * `cursor` for the rest. Absent when the answer is complete.
   */
  more?: boolean;
  /**
   * Items alone bigger than an answer may be, sent with their longest text (Body, Comments, ...) cut and marked
   * `[… truncated by kelos: N more bytes]`. Absent when nothing was cut.
   */
  truncated?: string[];
  /** How many items match now (the status's totalDiscovered). */
  matching: number;
  /** HTTP accounting of this poll. */
  requests: { requests: number; notModified: number; points: number };
  /**
   * The task queue of the worker that holds this spawner's polling state (its ledger and the source's cache live
   * on that worker's disk): the spawner sends its next poll there, so an idle poll stays cheap with any number of
   * workers, and falls back to the shared queue when that worker is gone. Absent from workers before it.
   */
  pollQueue?: string;
}

/** The task queue only the worker with data directory `workerId` polls, for the polls whose state it holds. */
export function workerPollQueue(taskQueue: string, workerId: string): string {
  return `${taskQueue}@poll-${workerId}`;
}

/** The polling part of a spawner, or undefined for cron and webhook spawners. */
export function pollSourceOf(spawner: TaskSpawnerResource): Omit<PollSourceInput, 'spawnerId' | 'cursor' | 'resend'> & { intervalMs: number } | undefined {
  const when = spawner.spec.when;
  const template = spawner.spec.taskTemplate;
  const workspaceRef = template.worker?.workspaceRef?.name ?? template.discoveryWorkspaceRef?.name;
  const base = { namespace: spawner.metadata.namespace, ...(workspaceRef ? { workspaceRef } : {}), usage: templateVarUsage(spawner) };
  if (when.githubIssues) return { ...base, kind: 'githubIssues', source: when.githubIssues, intervalMs: when.githubIssues.pollIntervalMs };
  if (when.githubPullRequests) return { ...base, kind: 'githubPullRequests', source: when.githubPullRequests, intervalMs: when.githubPullRequests.pollIntervalMs };
  if (when.jira) return { ...base, kind: 'jira', source: when.jira, intervalMs: when.jira.pollIntervalMs };
  return undefined;
}
