/**
 * `reportTaskStatus`: tells GitHub where a Task stands (kelos-behaviour §6) — a status comment on its issue or pull
 * request (one per Task, or one sticky comment per spawner and item) and a Check Run on the pull request's head
 * commit. Each call moves both to one phase and returns where reporting stands, which the Task workflow keeps.
 * Exactly once, despite retries: comments carry a hidden marker and Check Runs an external_id, so an attempt that
 * follows a lost answer finds what the lost one created instead of creating it again. Credentials are the
 * Workspace's (a Check Run needs a GitHub App's), else the worker's GITHUB_TOKEN; failures are typed as in polling.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Octokit } from '@octokit/rest';
import {
  checkRunOutput,
  statusCommentBody,
  stickyMarker,
  taskCommentMarker,
  type ReportPhase,
  type ReportState,
  type TaskReport,
} from './task-report';
import { githubClientFor } from '../../sources/github/github-access';
import { githubFailure, statusOf } from '../../sources/github/github-client';
import type { GitHubCredentials } from '../../sources/github/github-credentials';
import type { SecretSource } from '../../host/secret-source';

export interface ReportTaskInput {
  namespace: string;
  taskName: string;
  /** The Task run (first run ID): a retriggered Task gets a comment and a Check Run of its own. */
  runKey: string;
  report: TaskReport;
  phase: ReportPhase;
  state: ReportState;
}

export interface ReportingActivityDeps {
  client: Client;
  secrets: SecretSource;
  env?: Record<string, string | undefined>;
}

export function createReportingActivities(deps: ReportingActivityDeps) {
  const env = deps.env ?? process.env;

  async function reportTaskStatus(input: ReportTaskInput): Promise<ReportState> {
    const { report } = input;
    const github = await githubClientFor(
      { client: deps.client, secrets: deps.secrets, env },
      { namespace: input.namespace, ...(report.workspaceRef ? { workspaceRef: report.workspaceRef } : {}), ...(report.repoOverride ? { repoOverride: report.repoOverride } : {}) },
    );
    // After a lost answer, look for what the lost attempt may have created before creating anything.
    const retried = Context.current().info.attempt > 1;
    let state = { ...input.state };
    if (report.comments && state.commentPhase !== input.phase) state = { ...state, ...(await reportComment(github.octokit, github.credentials, input, retried)) };
    if (report.checks && state.checkPhase !== input.phase) state = { ...state, ...(await reportCheckRun(github.octokit, input, retried)) };
    return state;
  }

  return { reportTaskStatus };
}

async function reportComment(octokit: Octokit, credentials: GitHubCredentials, input: ReportTaskInput, retried: boolean): Promise<ReportState> {
  const { report, phase } = input;
  const where = `${report.owner}/${report.repo}#${report.number}`;
  const sticky = report.comments!.mode === 'Sticky';
  const marker = sticky ? stickyMarker(input.namespace, report.spawner) : taskCommentMarker(input.namespace, input.taskName, input.runKey);
  const body = statusCommentBody(phase, input.taskName, marker);
  const repo = { owner: report.owner, repo: report.repo };
  try {
    let id = input.state.commentId;
    if (!id && (sticky || retried)) id = await findComment(octokit, report, marker, sticky ? await commentOwner(octokit, credentials) : undefined);
    if (id) {
      try {
        const { data } = await octokit.rest.issues.updateComment({ ...repo, comment_id: id, body });
        return { commentId: data.id, commentUrl: data.html_url, commentPhase: phase };
      } catch (err) {
        // Someone deleted the comment: post a new one.
        if (statusOf(err) !== 404) throw err;
      }
    }
    const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: report.number, body });
    return { commentId: data.id, commentUrl: data.html_url, commentPhase: phase };
  } catch (err) {
    throw githubFailure(err, `reporting Task ${input.taskName} as ${phase} on ${where}`);
  }
}

type CommentAuthor = { user?: { login?: string } | null; performed_via_github_app?: { id?: number } | null };

/** Who our comments are by: the token's login, or the App (kelos-behaviour §6.2, Sticky). */
async function commentOwner(octokit: Octokit, credentials: GitHubCredentials): Promise<(comment: CommentAuthor) => boolean> {
  if (credentials.kind === 'app') return (comment) => String(comment.performed_via_github_app?.id ?? '') === credentials.appId;
  const { data } = await octokit.rest.users.getAuthenticated();
  const login = data.login.toLowerCase();
  return (comment) => comment.user?.login?.toLowerCase() === login;
}

/** The newest comment with the marker (and by us, when `ours` is given). */
async function findComment(octokit: Octokit, report: TaskReport, marker: string, ours?: (comment: CommentAuthor) => boolean): Promise<number | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner: report.owner, repo: report.repo, issue_number: report.number, per_page: 100 });
  const found = comments.filter((comment) => comment.body?.includes(marker) && (!ours || ours(comment)));
  return found.at(-1)?.id;
}

async function reportCheckRun(octokit: Octokit, input: ReportTaskInput, retried: boolean): Promise<ReportState> {
  const { report, phase } = input;
  const { name, headSHA } = report.checks!;
  const repo = { owner: report.owner, repo: report.repo };
  const externalId = `${input.namespace}/${input.taskName}/${input.runKey}`;
  const now = new Date().toISOString();
  const output = checkRunOutput(phase, name, input.taskName);
  const fields =
    phase === 'accepted'
      ? { status: 'in_progress' as const, started_at: now, output }
      : { status: 'completed' as const, conclusion: phase === 'succeeded' ? ('success' as const) : ('failure' as const), completed_at: now, output };
  try {
    let id = input.state.checkRunId;
    if (!id && retried) {
      const { data } = await octokit.rest.checks.listForRef({ ...repo, ref: headSHA, check_name: name, filter: 'all', per_page: 100 });
      id = data.check_runs.find((run) => run.external_id === externalId)?.id;
    }
    const { data } = id ? await octokit.rest.checks.update({ ...repo, check_run_id: id, ...fields }) : await octokit.rest.checks.create({ ...repo, name, head_sha: headSHA, external_id: externalId, ...fields });
    return { checkRunId: data.id, checkRunUrl: data.html_url ?? undefined, checkPhase: phase };
  } catch (err) {
    throw githubFailure(err, `reporting Task ${input.taskName} as Check Run "${name}" on ${report.owner}/${report.repo}@${headSHA.slice(0, 12)}`);
  }
}
