/**
 * The parts of GitHub REST responses the polling decisions read. Structural subsets, so octokit's response
 * types (and recorded JSON) fit without casts; fields GitHub may send as null are typed that way.
 */

export interface RestUser {
  login: string;
}

/** The issues API documents labels as objects; octokit's types also allow bare names. */
export type RestLabel = string | { name?: string | null };

/** An item of `GET /repos/{o}/{r}/issues`; a `pull_request` key marks a pull request. */
export interface RestIssue {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  labels: readonly RestLabel[];
  user: RestUser | null;
  pull_request?: unknown;
  /** Read by incremental polling, which re-applies the list query's server-side filters itself. */
  state?: string;
  assignees?: readonly RestUser[] | null;
  updated_at?: string;
}

/** An item of `GET /repos/{o}/{r}/pulls`. */
export interface RestPullRequest {
  number: number;
  title: string;
  body: string | null;
  html_url: string;
  labels: readonly RestLabel[];
  user: RestUser | null;
  draft?: boolean;
  head: { ref: string; sha: string };
  state?: string;
  updated_at?: string;
}

/** An item of `GET /repos/{o}/{r}/issues/{n}/comments` (conversation comments). */
export interface RestIssueComment {
  body?: string | null;
  created_at: string;
  user: RestUser | null;
}

/** An item of `GET /repos/{o}/{r}/pulls/{n}/reviews`. */
export interface RestReview {
  body?: string | null;
  state: string;
  submitted_at?: string | null;
  commit_id: string | null;
  user: RestUser | null;
}

/** An item of `GET /repos/{o}/{r}/pulls/{n}/comments` (inline review comments). */
export interface RestReviewComment {
  body: string;
  path: string;
  /** Null on outdated comments. */
  line?: number | null;
  created_at: string;
  commit_id: string;
  user: RestUser | null;
}

/** An item of `GET /repos/{o}/{r}/pulls/{n}/files`. */
export interface RestPullRequestFile {
  filename: string;
}

/** `GET /repos/{o}/{r}/collaborators/{login}/permission`. */
export interface RestCollaboratorPermission {
  permission: string;
  role_name?: string | null;
}

/** `GET /orgs/{org}/teams/{slug}/memberships/{login}`. */
export interface RestTeamMembership {
  state: string;
}

export function loginOf(user: RestUser | null | undefined): string {
  return user?.login ?? '';
}

export function labelNames(labels: readonly RestLabel[]): string[] {
  return labels.map((label) => (typeof label === 'string' ? label : (label.name ?? '')));
}
