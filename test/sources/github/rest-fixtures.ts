/**
 * REST-shaped test data based on the recorded objects in @octokit/webhooks-examples (the `issue`,
 * `pull_request`, `comment` and `review` objects of real deliveries share the REST API's shapes).
 * Each helper returns a deep copy with the given fields replaced.
 */
import type {
  RestIssue,
  RestIssueComment,
  RestPullRequest,
  RestReview,
  RestReviewComment,
} from '../../../src/sources/github/rest-types';

const examples: { name: string; examples: Record<string, any>[] }[] = require('@octokit/webhooks-examples/api.github.com/index.json');

function recorded(event: string, key: string): any {
  const found = examples.find((e) => e.name === event)?.examples.find((example) => example[key]);
  if (!found) throw new Error(`no ${event}.${key} example`);
  return JSON.parse(JSON.stringify(found[key]));
}

const ISSUE = recorded('issues', 'issue');
const PULL = recorded('pull_request', 'pull_request');
const ISSUE_COMMENT = recorded('issue_comment', 'comment');
const REVIEW = recorded('pull_request_review', 'review');
const REVIEW_COMMENT = recorded('pull_request_review_comment', 'comment');

export const HEAD_SHA: string = PULL.head.sha;

const user = (login: string | null) => (login === null ? null : { ...ISSUE.user, login });
const labels = (names: string[]) => names.map((name, i) => ({ ...ISSUE.labels[0], id: 1000 + i, name }));

export interface Overrides {
  number?: number;
  title?: string;
  body?: string | null;
  author?: string | null;
  labels?: string[];
}

export function restIssue(o: Overrides & { pull?: boolean } = {}): RestIssue & Record<string, unknown> {
  const issue = JSON.parse(JSON.stringify(ISSUE));
  if (o.number !== undefined) {
    issue.number = o.number;
    issue.html_url = `https://github.com/Codertocat/Hello-World/issues/${o.number}`;
  }
  if (o.title !== undefined) issue.title = o.title;
  if (o.body !== undefined) issue.body = o.body;
  if (o.author !== undefined) issue.user = user(o.author);
  if (o.labels) issue.labels = labels(o.labels);
  if (o.pull) issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1', html_url: issue.html_url };
  return issue;
}

export function restPull(o: Overrides & { draft?: boolean; headRef?: string; headSHA?: string } = {}): RestPullRequest & Record<string, unknown> {
  const pull = JSON.parse(JSON.stringify(PULL));
  if (o.number !== undefined) {
    pull.number = o.number;
    pull.html_url = `https://github.com/Codertocat/Hello-World/pull/${o.number}`;
  }
  if (o.title !== undefined) pull.title = o.title;
  if (o.body !== undefined) pull.body = o.body;
  if (o.author !== undefined) pull.user = user(o.author);
  if (o.labels) pull.labels = labels(o.labels);
  if (o.draft !== undefined) pull.draft = o.draft;
  if (o.headRef !== undefined) pull.head.ref = o.headRef;
  if (o.headSHA !== undefined) pull.head.sha = o.headSHA;
  return pull;
}

export function restComment(body: string | null, createdAt: string, author: string | null = 'alice'): RestIssueComment {
  return { ...JSON.parse(JSON.stringify(ISSUE_COMMENT)), body, created_at: createdAt, updated_at: createdAt, user: user(author) };
}

/** REST reviews use upper-case states (webhooks send lower case). */
export function restReview(state: string, submittedAt: string | null, author: string | null, o: { commitId?: string | null; body?: string | null } = {}): RestReview {
  return {
    ...JSON.parse(JSON.stringify(REVIEW)),
    state,
    submitted_at: submittedAt,
    user: user(author),
    commit_id: o.commitId === undefined ? HEAD_SHA : o.commitId,
    body: o.body === undefined ? null : o.body,
  };
}

export function restReviewComment(
  body: string,
  o: { path?: string; line?: number | null; createdAt?: string; author?: string | null; commitId?: string } = {},
): RestReviewComment {
  return {
    ...JSON.parse(JSON.stringify(REVIEW_COMMENT)),
    body,
    path: o.path ?? REVIEW_COMMENT.path,
    line: o.line === undefined ? 1 : o.line,
    created_at: o.createdAt ?? REVIEW_COMMENT.created_at,
    user: user(o.author === undefined ? 'alice' : o.author),
    commit_id: o.commitId ?? HEAD_SHA,
  };
}
