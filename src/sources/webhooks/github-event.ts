/**
 * The facts of one GitHub delivery (kelos-behaviour §3.2 extraction table), read from the decoded JSON the way
 * go-github's typed getters read it (absent or mistyped fields are empty). One difference on purpose:
 * `pull_request_target` is read like `pull_request` (Kelos parses it into a type it never handles, so filters
 * and repository scoping silently ignore it).
 */

/** How the event's fields are read. `other` keeps only sender and action. */
export const GITHUB_EVENT_KINDS = [
  'issues',
  'pull_request',
  'issue_comment',
  'pull_request_review',
  'pull_request_review_comment',
  'push',
  'create',
  'release',
  'check_run',
  'other',
] as const;
export type GitHubEventKind = (typeof GITHUB_EVENT_KINDS)[number];

/** Events whose subject is a pull request (for state/draft/labels filters and reporting). */
export const PULL_REQUEST_KINDS: ReadonlySet<GitHubEventKind> = new Set(['pull_request', 'pull_request_review', 'pull_request_review_comment']);

export interface GitHubEventFacts {
  /** `X-GitHub-Event` as delivered (`events` and filter `event` compare against this). */
  event: string;
  kind: GitHubEventKind;
  deliveryId: string;
  action: string;
  sender: string;
  ref: string;
  repository: string;
  repositoryOwner: string;
  repositoryName: string;
  /** Issue/PR number, head commit id, ref name, release id or check run id; "" for other events. */
  id: string;
  title: string;
  number: number;
  body: string;
  url: string;
  branch: string;
  commentBody: string;
  commentURL: string;
  /** push: union of added/removed/modified over all commits, first-seen order; otherwise empty. */
  changedFiles: string[];
  tag: string;
  refType: string;
  /** PR head SHA (PR events, enriched issue_comment on a PR) or the check run's head SHA. */
  headSHA: string;
  checkName: string;
  conclusion: string;
  checkRunURL: string;
  checkApp: string;
  /** The issue or PR object exists (Kelos skips state/labels/draft filters without it). */
  hasSubject: boolean;
  /** Labels of the issue/PR, case as given. */
  labels: string[];
  /** Issue/PR state (`open`/`closed`). */
  state: string;
  draft: boolean;
  /** The text body filters read: issue body (issues), comment (issue_comment, review comment), review body, PR body. */
  filterBody: string;
  /** issue_comment: the issue is a pull request (`issue.pull_request` present). */
  onPullRequest: boolean;
  /** issue_comment on a PR: `issue.pull_request.url`, for fetching the head branch lazily. */
  pullRequestApiUrl: string;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}
function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
}
function login(value: unknown): string {
  return str(obj(value)?.login);
}
function labelNames(value: unknown): string[] {
  return Array.isArray(value) ? value.map((label) => str(obj(label)?.name)) : [];
}

export function githubEventKind(event: string): GitHubEventKind {
  if (event === 'pull_request_target') return 'pull_request';
  return (GITHUB_EVENT_KINDS as readonly string[]).includes(event) && event !== 'other' ? (event as GitHubEventKind) : 'other';
}

function emptyFacts(event: string, kind: GitHubEventKind, deliveryId: string): GitHubEventFacts {
  return {
    event,
    kind,
    deliveryId,
    action: '',
    sender: '',
    ref: '',
    repository: '',
    repositoryOwner: '',
    repositoryName: '',
    id: '',
    title: '',
    number: 0,
    body: '',
    url: '',
    branch: '',
    commentBody: '',
    commentURL: '',
    changedFiles: [],
    tag: '',
    refType: '',
    headSHA: '',
    checkName: '',
    conclusion: '',
    checkRunURL: '',
    checkApp: '',
    hasSubject: false,
    labels: [],
    state: '',
    draft: false,
    filterBody: '',
    onPullRequest: false,
    pullRequestApiUrl: '',
  };
}

/** Reads an issue or PR object into the shared fields. */
function readSubject(facts: GitHubEventFacts, subject: Json | undefined): void {
  if (!subject) return;
  facts.hasSubject = true;
  facts.number = int(subject.number);
  facts.id = String(facts.number);
  facts.title = str(subject.title);
  facts.body = str(subject.body);
  facts.url = str(subject.html_url);
  facts.labels = labelNames(subject.labels);
  facts.state = str(subject.state);
  facts.draft = subject.draft === true;
}

function readPullRequest(facts: GitHubEventFacts, pull: Json | undefined): void {
  readSubject(facts, pull);
  const head = obj(pull?.head);
  if (head) {
    facts.branch = str(head.ref);
    facts.headSHA = str(head.sha);
  }
}

function pushFiles(commits: unknown): string[] {
  const seen = new Set<string>();
  for (const commit of Array.isArray(commits) ? commits : []) {
    const c = obj(commit);
    for (const list of [c?.added, c?.removed, c?.modified]) {
      for (const file of Array.isArray(list) ? list : []) if (typeof file === 'string') seen.add(file);
    }
  }
  return [...seen];
}

/** The delivery's facts. `payload` is the decoded JSON body; `event` the `X-GitHub-Event` header. */
export function extractGitHubEvent(event: string, payload: object, deliveryId: string): GitHubEventFacts {
  const kind = githubEventKind(event);
  const facts = emptyFacts(event, kind, deliveryId);
  const p = (obj(payload) ?? {}) as Json;
  facts.sender = login(p.sender);
  facts.action = str(p.action);
  if (kind === 'other') return facts;

  const repo = obj(p.repository);
  if (repo) {
    facts.repository = str(repo.full_name);
    facts.repositoryOwner = login(repo.owner);
    facts.repositoryName = str(repo.name);
  }

  switch (kind) {
    case 'issues': {
      readSubject(facts, obj(p.issue));
      facts.filterBody = facts.body;
      break;
    }
    case 'pull_request':
      readPullRequest(facts, obj(p.pull_request));
      facts.filterBody = facts.body;
      break;
    case 'issue_comment': {
      const comment = obj(p.comment);
      facts.commentBody = str(comment?.body);
      facts.commentURL = str(comment?.html_url);
      facts.filterBody = facts.commentBody;
      const issue = obj(p.issue);
      readSubject(facts, issue);
      // go-github's IsPullRequest: the `pull_request` links object is present.
      const links = obj(issue?.pull_request);
      facts.onPullRequest = links !== undefined;
      facts.pullRequestApiUrl = str(links?.url);
      break;
    }
    case 'pull_request_review': {
      const review = obj(p.review);
      facts.commentBody = str(review?.body);
      facts.commentURL = str(review?.html_url);
      readPullRequest(facts, obj(p.pull_request));
      facts.filterBody = facts.commentBody;
      break;
    }
    case 'pull_request_review_comment': {
      const comment = obj(p.comment);
      facts.commentBody = str(comment?.body);
      facts.commentURL = str(comment?.html_url);
      readPullRequest(facts, obj(p.pull_request));
      facts.filterBody = facts.commentBody;
      break;
    }
    case 'push':
      facts.action = ''; // go-github's PushEvent has no action
      facts.ref = str(p.ref);
      if (facts.ref.startsWith('refs/heads/')) facts.branch = facts.ref.slice('refs/heads/'.length);
      facts.id = str(obj(p.head_commit)?.id);
      facts.title = `Push to ${facts.branch}`;
      facts.changedFiles = pushFiles(p.commits);
      break;
    case 'create':
      facts.action = '';
      facts.ref = str(p.ref);
      facts.refType = str(p.ref_type);
      if (facts.refType === 'tag') {
        facts.tag = facts.ref;
        facts.title = `Tag created: ${facts.tag}`;
      } else if (facts.refType === 'branch') {
        facts.branch = facts.ref;
        facts.title = `Branch created: ${facts.branch}`;
      }
      facts.id = facts.ref;
      break;
    case 'release': {
      const release = obj(p.release);
      if (release) {
        facts.tag = str(release.tag_name);
        facts.title = str(release.name);
        facts.body = str(release.body);
        facts.url = str(release.html_url);
        facts.id = String(int(release.id));
      }
      break;
    }
    case 'check_run': {
      const run = obj(p.check_run);
      if (run) {
        facts.id = String(int(run.id));
        facts.title = facts.checkName = str(run.name);
        facts.url = facts.checkRunURL = str(run.html_url);
        facts.headSHA = str(run.head_sha);
        facts.conclusion = str(run.conclusion);
        facts.checkApp = str(obj(run.app)?.name);
        // The first linked PR that has a head gives Number and Branch.
        for (const pr of Array.isArray(run.pull_requests) ? run.pull_requests : []) {
          const head = obj(obj(pr)?.head);
          if (head) {
            facts.branch = str(head.ref);
            facts.number = int(obj(pr)?.number);
            break;
          }
        }
      }
      break;
    }
  }
  return facts;
}

/** issue_comment on a PR whose head branch is not known yet: the caller may fetch the PR once per delivery. */
export function needsBranchEnrichment(facts: GitHubEventFacts): boolean {
  return facts.branch === '' && facts.pullRequestApiUrl !== '';
}

/** Facts with the PR head (from `GET pulls/{n}`) filled in; fetch failures just leave them as they were. */
export function withPullRequestHead(facts: GitHubEventFacts, head: { ref?: string; sha?: string }): GitHubEventFacts {
  return { ...facts, branch: head.ref || facts.branch, headSHA: head.sha || facts.headSHA };
}
