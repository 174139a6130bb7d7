/**
 * githubPullRequests selection (kelos-behaviour §2.4 steps 1-3). The list call only knows `state`; the rest
 * is client-side in Kelos's order: author (exact), excludeAuthors, draft, excludeLabels (any), labels (ALL),
 * then filePatterns on the PR's files. The review-state filter is in review-state.ts.
 */
import type { GitHubPullRequestsSource, IssueState } from '../../model/types';
import { hasFilePatterns, matchesFilePatterns } from '../file-patterns';
import { labelNames, loginOf, type RestPullRequest, type RestPullRequestFile } from './rest-types';

export interface PullListQuery {
  state: IssueState;
  sort: 'updated';
  direction: 'desc';
  per_page: 100;
}

type PullFilterFields = Pick<GitHubPullRequestsSource, 'state' | 'author' | 'excludeAuthors' | 'draft' | 'labels' | 'excludeLabels' | 'filePatterns'>;

/** Query parameters for `GET /repos/{o}/{r}/pulls`, most recently updated first. */
export function pullListQuery(source: Pick<PullFilterFields, 'state'>): PullListQuery {
  return { state: source.state || 'open', sort: 'updated', direction: 'desc', per_page: 100 };
}

export function pullRequestPassesFilters(source: PullFilterFields, pull: RestPullRequest): boolean {
  const author = loginOf(pull.user);
  if (source.author && author !== source.author) return false;
  if ((source.excludeAuthors ?? []).includes(author)) return false;
  if (source.draft !== undefined && Boolean(pull.draft) !== source.draft) return false;
  const labels = new Set(labelNames(pull.labels));
  if ((source.excludeLabels ?? []).some((name) => labels.has(name))) return false;
  return (source.labels ?? []).every((name) => labels.has(name));
}

export function filterPullRequests<T extends RestPullRequest>(source: PullFilterFields, pulls: readonly T[]): T[] {
  return pulls.filter((pull) => pullRequestPassesFilters(source, pull));
}

/** filePatterns over the PR's changed files (REST file objects or bare paths); no patterns passes. */
export function pullRequestPassesFilePatterns(source: Pick<PullFilterFields, 'filePatterns'>, files: readonly (RestPullRequestFile | string)[]): boolean {
  if (!hasFilePatterns(source.filePatterns)) return true;
  return matchesFilePatterns(source.filePatterns, files.map((file) => (typeof file === 'string' ? file : file.filename)));
}
