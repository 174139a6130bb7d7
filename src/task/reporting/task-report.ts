/**
 * Reporting a Task back to GitHub (kelos-behaviour §6): which issue or pull request, how (status comment per Task
 * or one sticky comment per spawner and item, a Check Run on the head commit), and the exact texts. Pure: the
 * spawner builds the target when it starts a Task; the Task workflow decides when to report; the reporting
 * activity talks to GitHub.
 */
import type { CommentMode, GitHubReporting, TaskSpawnerResource } from '../../model/types';
import type { WorkItem } from '../../sources/work-item';

export interface TaskReport {
  kind: 'issue' | 'pull-request';
  owner: string;
  repo: string;
  number: number;
  /** Status comments, edited in place as the Task moves on. */
  comments?: { mode: CommentMode };
  /** A Check Run on `headSHA` (pull requests only). */
  checks?: { name: string; headSHA: string };
  /** Where the credentials come from: the Workspace's secret, else the worker's GITHUB_TOKEN. */
  workspaceRef?: string;
  /** The polling source's `repo` (owner/repo or a URL): picks GitHub Enterprise when it names another host. */
  repoOverride?: string;
  /** The spawner's name (sticky comments are one per spawner and item). */
  spawner: string;
}

/** What a reporter says: Kelos maps Pending/Running/Waiting to accepted. */
export type ReportPhase = 'accepted' | 'succeeded' | 'failed';

/** Where the reporting of one Task stands; kept by the Task workflow between reports. */
export interface ReportState {
  commentId?: number;
  commentUrl?: string;
  commentPhase?: ReportPhase;
  checkRunId?: number;
  checkRunUrl?: string;
  checkPhase?: ReportPhase;
}

/** The reporting configuration of the spawner's source, if any is on. */
export function reportingOf(spawner: TaskSpawnerResource): GitHubReporting | undefined {
  const when = spawner.spec.when;
  return when.githubIssues?.reporting ?? when.githubPullRequests?.reporting ?? when.githubWebhook?.reporting;
}

/** The target for an item's Task, or undefined when nothing is to be reported (no reporting, no issue/PR). */
export function taskReportFor(spawner: TaskSpawnerResource, item: WorkItem): TaskReport | undefined {
  const reporting = reportingOf(spawner);
  const facts = item.report;
  if (!reporting || !facts?.owner || !facts.repo || !(facts.number > 0)) return undefined;
  const checks = reporting.checks && facts.kind === 'pull-request' && facts.headSHA ? { name: checkRunName(reporting, spawner.metadata.name), headSHA: facts.headSHA } : undefined;
  if (!reporting.comments && !checks) return undefined;
  const workspaceRef = spawner.spec.taskTemplate.worker?.workspaceRef?.name;
  const repoOverride = spawner.spec.when.githubIssues?.repo ?? spawner.spec.when.githubPullRequests?.repo;
  return {
    kind: facts.kind,
    owner: facts.owner,
    repo: facts.repo,
    number: facts.number,
    ...(reporting.comments ? { comments: { mode: reporting.comments.mode } } : {}),
    ...(checks ? { checks } : {}),
    ...(workspaceRef ? { workspaceRef } : {}),
    ...(repoOverride ? { repoOverride } : {}),
    spawner: spawner.metadata.name,
  };
}

export function checkRunName(reporting: GitHubReporting, spawnerName: string): string {
  return reporting.checks?.name || `Kelos: ${spawnerName}`;
}

/**
 * The annotations Kelos stamps on a spawned Task (kelos-behaviour §1.8): where it came from and how it reports.
 * They win over template annotations.
 */
export function sourceAnnotations(spawner: TaskSpawnerResource, item: WorkItem): Record<string, string> {
  const facts = item.report;
  const polled = spawner.spec.when.githubIssues ?? spawner.spec.when.githubPullRequests;
  const report = taskReportFor(spawner, item);
  if (!facts || !(facts.number > 0) || (!polled && !report)) return {};
  return {
    'kelos.dev/source-kind': facts.kind,
    'kelos.dev/source-number': String(facts.number),
    ...(spawner.spec.when.githubWebhook && report ? { 'kelos.dev/source-owner': report.owner, 'kelos.dev/source-repo': report.repo } : {}),
    ...(report?.comments ? { 'kelos.dev/github-reporting': 'enabled', 'kelos.dev/github-comment-mode': report.comments.mode } : {}),
    ...(report?.checks ? { 'kelos.dev/github-checks': 'enabled', 'kelos.dev/github-check-name': report.checks.name, 'kelos.dev/source-sha': report.checks.headSHA } : {}),
  };
}

export const STATUS_COMMENT_HEADER = '🤖 **Kelos Task Status**';

/** Kelos's comment texts, exactly (§6.2), followed by our hidden marker. */
export function statusCommentBody(phase: ReportPhase, taskName: string, marker: string): string {
  const text =
    phase === 'accepted'
      ? `Task \`${taskName}\` has been **accepted** and is being processed.`
      : phase === 'succeeded'
        ? `Task \`${taskName}\` has **succeeded**. ✅`
        : `Task \`${taskName}\` has **failed**. ❌`;
  return `${STATUS_COMMENT_HEADER}\n\n${text}\n\n${marker}`;
}

/** Sticky mode: one comment per spawner and issue, found again by this marker (Kelos's exact text). */
export function stickyMarker(namespace: string, spawner: string): string {
  return `<!-- kelos.dev/github-status-comment:${namespace}/${spawner} -->`;
}

/** PerTask mode: the Task run's own comment, so a retried post finds the comment a lost answer created. */
export function taskCommentMarker(namespace: string, taskName: string, runKey: string): string {
  return `<!-- kelos.dev/task-status:${namespace}/${taskName}/${runKey} -->`;
}

/** Check Run texts (§6.3). */
export function checkRunOutput(phase: ReportPhase, checkName: string, taskName: string): { title: string; summary: string } {
  const state = phase === 'accepted' ? 'In Progress' : phase === 'succeeded' ? 'Succeeded' : 'Failed';
  const summary = phase === 'accepted' ? `Agent task \`${taskName}\` is in progress` : `Agent task \`${taskName}\` has ${phase}`;
  return { title: `${checkName} — ${state}`, summary };
}
