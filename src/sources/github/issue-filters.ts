/**
 * githubIssues selection (kelos-behaviour §2.2). `labels` (AND), `state`, `assignee` and `author` are
 * server-side query parameters; the client then filters, in Kelos's order: type (a `pull_request` key means
 * a pull), excludeAuthors (exact login), excludeLabels (any).
 */
import type { GitHubIssuesSource, IssueState } from '../../model/types';
import { labelNames, loginOf, type RestIssue } from './rest-types';

export interface IssueListQuery {
  state: IssueState;
  /** Comma-joined; GitHub requires all of them. */
  labels?: string;
  /** Verbatim: a login, `*` (any assignee) or `none` (unassigned). */
  assignee?: string;
  creator?: string;
  per_page: 100;
}

type IssueFilterFields = Pick<GitHubIssuesSource, 'types' | 'labels' | 'state' | 'assignee' | 'author' | 'excludeAuthors' | 'excludeLabels'>;

/** Query parameters for `GET /repos/{o}/{r}/issues` (GitHub's default order: newest first). */
export function issueListQuery(source: IssueFilterFields): IssueListQuery {
  return {
    state: source.state || 'open',
    ...(source.labels?.length ? { labels: source.labels.join(',') } : {}),
    ...(source.assignee ? { assignee: source.assignee } : {}),
    ...(source.author ? { creator: source.author } : {}),
    per_page: 100,
  };
}

/** Go decodes `"pull_request": null` as absent, so only a non-null value marks a pull request. */
export function isPullRequestIssue(issue: Pick<RestIssue, 'pull_request'>): boolean {
  return issue.pull_request !== undefined && issue.pull_request !== null;
}

export function issuePassesFilters(source: IssueFilterFields, issue: RestIssue): boolean {
  const types = source.types?.length ? source.types : ['issues'];
  if (!types.includes(isPullRequestIssue(issue) ? 'pulls' : 'issues')) return false;
  if ((source.excludeAuthors ?? []).includes(loginOf(issue.user))) return false;
  const excluded = new Set(source.excludeLabels ?? []);
  return !labelNames(issue.labels).some((name) => excluded.has(name));
}

export function filterIssues<T extends RestIssue>(source: IssueFilterFields, issues: readonly T[]): T[] {
  return issues.filter((issue) => issuePassesFilters(source, issue));
}

/**
 * What the server-side query parameters select, evaluated on one item. Incremental polling lists everything
 * updated since the last poll (no filters, so items that stopped matching show up too) and applies the
 * spawner's query here: `state`; `labels` all present (GitHub compares names case-insensitively);
 * `assignee` (`*` any, `none` unassigned, else that login); `creator`.
 */
export function issueMatchesListQuery(query: IssueListQuery, issue: RestIssue): boolean {
  if (query.state !== 'all' && (issue.state ?? 'open') !== query.state) return false;
  if (query.labels) {
    const present = new Set(labelNames(issue.labels).map((name) => name.toLowerCase()));
    if (!query.labels.split(',').every((name) => present.has(name.trim().toLowerCase()))) return false;
  }
  const assignees = (issue.assignees ?? []).map((user) => user.login.toLowerCase());
  if (query.assignee === '*' && assignees.length === 0) return false;
  if (query.assignee === 'none' && assignees.length > 0) return false;
  if (query.assignee && query.assignee !== '*' && query.assignee !== 'none' && !assignees.includes(query.assignee.toLowerCase())) return false;
  if (query.creator && loginOf(issue.user).toLowerCase() !== query.creator.toLowerCase()) return false;
  return true;
}
