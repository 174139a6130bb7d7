/**
 * One poll of a githubIssues / githubPullRequests source, spending as little of the rate limit as GitHub allows:
 * - a full listing (the spawner's query, every page, no page cap) on the first poll and every `fullResyncMs`;
 * - otherwise only what changed: issues via `since=<newest updated_at seen>`, pull requests via the list sorted
 *   by `updated` until items older than that; the first page is a conditional request (`If-None-Match`), so an
 *   idle poll is one `304`, which costs no rate-limit points;
 * - comments, reviews, review comments and files only for items whose `updated_at` moved (new comments and
 *   reviews move it), and only those the configuration needs (fetch-needs.ts);
 * - collaborator/team lookups once per login per poll, for the items being decided.
 * The snapshot it returns (slim copies of what was read, and the last decision per item) is kept on disk by the
 * caller. Decisions themselves are the pure functions beside it.
 */
import type { Octokit } from '@octokit/rest';
import type { CommentPolicy, GitHubIssuesSource, GitHubPullRequestsSource } from '../../model/types';
import { authorizationDecider, type LoginLookups, type Lookup } from './comment-authorization';
import { issuePolicyInput, pullRequestPolicyInput } from './comment-pool';
import { authorizationNeeds, commandActors } from './comment-policy';
import { issueFetchNeeds, pullRequestFetchNeeds, type TemplateVarUsage } from './fetch-needs';
import { issueListQuery, issueMatchesListQuery, issuePassesFilters } from './issue-filters';
import { decideIssue, decidePullRequest, type ItemDecision } from './item-decisions';
import { pullListQuery, pullRequestPassesFilePatterns, pullRequestPassesFilters } from './pull-filters';
import type { GitHubTarget } from './repo-target';
import type {
  RestCollaboratorPermission,
  RestIssue,
  RestIssueComment,
  RestPullRequest,
  RestReview,
  RestReviewComment,
  RestTeamMembership,
  RestUser,
} from './rest-types';
import type { WorkItem } from '../work-item';
import { githubFailure, statusOf, type GitHubClient } from './github-client';

export type GitHubPollingKind = 'githubIssues' | 'githubPullRequests';

export interface GitHubPollInput {
  kind: GitHubPollingKind;
  source: GitHubIssuesSource | GitHubPullRequestsSource;
  target: GitHubTarget;
  usage: TemplateVarUsage;
}

export interface CachedItem {
  updatedAt: string;
  issue?: RestIssue;
  pull?: RestPullRequest;
  comments?: RestIssueComment[];
  reviews?: RestReview[];
  reviewComments?: RestReviewComment[];
  files?: string[];
  /** `updatedAt` the files, and the other details, were read at. */
  filesFor?: string;
  detailsFor?: string;
  /** The last decision and the `updatedAt` it was made for. */
  item?: WorkItem;
  decidedFor?: string;
}

export interface GitHubSnapshot {
  /** Credentials identity the snapshot was read with (cache key part; never the token). */
  identity: string;
  fullSyncAt: string;
  /** Newest `updated_at` seen: the next incremental listing starts there. */
  watermark?: string;
  /** ETag of the incremental listing's first page, by URL. */
  etags: Record<string, string>;
  items: Record<string, CachedItem>;
}

export interface GitHubPollOptions {
  identity: string;
  now: () => Date;
  /** Full listing at least this often (items deleted from GitHub, authorization changes). */
  fullResyncMs: number;
  progress?: (message: string) => void;
}

export interface GitHubPollOutcome {
  snapshot: GitHubSnapshot;
  /** Every matching item, in the source's order (issues newest first, pull requests most recently updated first). */
  items: WorkItem[];
  fullSync: boolean;
}

export const DEFAULT_FULL_RESYNC_MS = 6 * 60 * 60 * 1000;

export async function pollGitHub(client: GitHubClient, input: GitHubPollInput, previous: GitHubSnapshot | undefined, options: GitHubPollOptions): Promise<GitHubPollOutcome> {
  const reader = new GitHubReader(client.octokit, input.target, options.progress);
  const now = options.now();
  const fullSync =
    !previous || previous.identity !== options.identity || now.getTime() - Date.parse(previous.fullSyncAt) >= options.fullResyncMs || !previous.watermark;
  const snapshot: GitHubSnapshot = fullSync
    ? await fullListing(reader, input, previous, options.identity, now)
    : await incrementalListing(reader, input, previous!);

  const lookups = new LookupCache(reader);
  const ordered = orderedNumbers(input.kind, snapshot);
  const items: WorkItem[] = [];
  let decided = 0;
  for (const number of ordered) {
    const cached = snapshot.items[number];
    if (fullSync || cached.decidedFor !== cached.updatedAt) {
      const decision = await decide(reader, lookups, input, cached);
      if ('error' in decision) throw new Error(decision.error);
      cached.item = 'item' in decision ? decision.item : undefined;
      cached.decidedFor = cached.updatedAt;
      decided += 1;
      if (decided % 25 === 0) options.progress?.(`decided ${decided} changed items`);
    }
    if (cached.item) items.push(cached.item);
  }
  return { snapshot, items, fullSync };
}

// --- listing ---------------------------------------------------------------------------------------------

async function fullListing(reader: GitHubReader, input: GitHubPollInput, previous: GitHubSnapshot | undefined, identity: string, now: Date): Promise<GitHubSnapshot> {
  const listed = input.kind === 'githubIssues' ? await reader.listIssues(issueListQuery(input.source as GitHubIssuesSource)) : await reader.listPulls(pullListQuery(input.source));
  const items: Record<string, CachedItem> = {};
  let watermark: string | undefined;
  for (const entry of listed) {
    const number = String(entry.number);
    items[number] = carryOver(previous?.identity === identity ? previous.items[number] : undefined, entry);
    watermark = newest(watermark, entry.updated_at);
  }
  return { identity, fullSyncAt: now.toISOString(), watermark: watermark ?? now.toISOString(), etags: {}, items };
}

async function incrementalListing(reader: GitHubReader, input: GitHubPollInput, previous: GitHubSnapshot): Promise<GitHubSnapshot> {
  const snapshot: GitHubSnapshot = { ...previous, items: { ...previous.items }, etags: {} };
  const since = previous.watermark!;
  const changed =
    input.kind === 'githubIssues'
      ? await reader.listIssuesChangedSince(since, previous.etags, snapshot.etags)
      : await reader.listPullsChangedSince(since, previous.etags, snapshot.etags);
  const issueQuery = input.kind === 'githubIssues' ? issueListQuery(input.source as GitHubIssuesSource) : undefined;
  const pullState = input.source.state || 'open';
  for (const entry of changed) {
    const number = String(entry.number);
    const selected = issueQuery ? issueMatchesListQuery(issueQuery, entry as RestIssue) : pullState === 'all' || (entry.state ?? 'open') === pullState;
    if (selected) snapshot.items[number] = carryOver(previous.items[number], entry);
    else delete snapshot.items[number];
    snapshot.watermark = newest(snapshot.watermark, entry.updated_at);
  }
  return snapshot;
}

/** The listed object, keeping details and the decision when the item did not change. */
function carryOver(before: CachedItem | undefined, entry: RestIssue | RestPullRequest): CachedItem {
  const updatedAt = entry.updated_at ?? '';
  const base: CachedItem = 'head' in entry ? { updatedAt, pull: entry } : { updatedAt, issue: entry };
  if (!before || before.updatedAt !== updatedAt) return base;
  return { ...before, ...base };
}

function orderedNumbers(kind: GitHubPollingKind, snapshot: GitHubSnapshot): string[] {
  const numbers = Object.keys(snapshot.items);
  if (kind === 'githubIssues') return numbers.sort((a, b) => Number(b) - Number(a));
  return numbers.sort((a, b) => {
    const byTime = (snapshot.items[b].updatedAt ?? '').localeCompare(snapshot.items[a].updatedAt ?? '');
    return byTime || Number(b) - Number(a);
  });
}

function newest(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

// --- deciding --------------------------------------------------------------------------------------------

async function decide(reader: GitHubReader, lookups: LookupCache, input: GitHubPollInput, cached: CachedItem): Promise<ItemDecision> {
  const repo = { owner: input.target.owner, repo: input.target.repo };
  if (input.kind === 'githubIssues') {
    const source = input.source as GitHubIssuesSource;
    const issue = cached.issue!;
    if (!issuePassesFilters(source, issue)) return { skipped: 'filters' };
    if (cached.detailsFor !== cached.updatedAt) {
      cached.comments = issueFetchNeeds(source, input.usage).comments ? await reader.issueComments(issue.number) : [];
      cached.detailsFor = cached.updatedAt;
    }
    const policyInput = issuePolicyInput(issue, cached.comments ?? []);
    const decider = await lookups.deciderFor(source.commentPolicy, commandActors(source.commentPolicy, policyInput));
    return decideIssue(source, { issue, comments: cached.comments }, decider, repo);
  }
  const source = input.source as GitHubPullRequestsSource;
  const pull = cached.pull!;
  if (!pullRequestPassesFilters(source, pull)) return { skipped: 'filters' };
  const needs = pullRequestFetchNeeds(source, input.usage);
  if (cached.filesFor !== cached.updatedAt) {
    cached.files = needs.files ? await reader.pullFiles(pull.number) : [];
    cached.filesFor = cached.updatedAt;
  }
  // No point reading the rest for a PR its files rule out.
  if (!pullRequestPassesFilePatterns(source, cached.files ?? [])) return { skipped: 'file-patterns' };
  if (cached.detailsFor !== cached.updatedAt) {
    cached.reviews = needs.reviews ? await reader.pullReviews(pull.number) : [];
    cached.comments = needs.comments ? await reader.issueComments(pull.number) : [];
    cached.reviewComments = needs.reviewComments ? await reader.pullReviewComments(pull.number) : [];
    cached.detailsFor = cached.updatedAt;
  }
  const policyInput = pullRequestPolicyInput(pull, cached.comments ?? [], cached.reviewComments ?? [], cached.reviews ?? []);
  const decider = await lookups.deciderFor(source.commentPolicy, commandActors(source.commentPolicy, policyInput));
  return decidePullRequest(source, { pull, files: cached.files, reviews: cached.reviews, comments: cached.comments, reviewComments: cached.reviewComments }, decider, repo);
}

/** Collaborator permission and team membership, looked up once per login per poll; failures are not cached. */
class LookupCache {
  private readonly permissions = new Map<string, Lookup<RestCollaboratorPermission>>();
  private readonly memberships = new Map<string, Lookup<RestTeamMembership>>();

  constructor(private readonly reader: GitHubReader) {}

  async deciderFor(policy: CommentPolicy | undefined, actors: string[]) {
    if (!policy) return undefined;
    const needs = authorizationNeeds(policy, actors);
    const byLogin: Record<string, LoginLookups> = {};
    for (const login of needs.logins) {
      const lookups: { permission?: Lookup<RestCollaboratorPermission>; teams: Record<string, Lookup<RestTeamMembership>> } = { teams: {} };
      if (needs.minimumPermission) lookups.permission = await this.cached(this.permissions, login, () => this.reader.collaboratorPermission(login));
      for (const team of needs.teams) {
        lookups.teams[team.key] = await this.cached(this.memberships, `${team.key}\n${login}`, () => this.reader.teamMembership(team.org, team.slug, login));
      }
      byLogin[login] = lookups;
    }
    return authorizationDecider(policy, byLogin);
  }

  private async cached<T>(cache: Map<string, Lookup<T>>, key: string, load: () => Promise<Lookup<T>>): Promise<Lookup<T>> {
    const hit = cache.get(key);
    if (hit) return hit;
    const result = await load();
    if (!('error' in result)) cache.set(key, result);
    return result;
  }
}

// --- reading GitHub ----------------------------------------------------------------------------------------

/** The REST calls a poll makes, returning slim copies (only fields the decisions read) to keep the snapshot small. */
class GitHubReader {
  constructor(
    private readonly octokit: Octokit,
    private readonly target: GitHubTarget,
    private readonly progress?: (message: string) => void,
  ) {}

  private get repoParams() {
    return { owner: this.target.owner, repo: this.target.repo };
  }

  private get repoName(): string {
    return `${this.target.owner}/${this.target.repo}`;
  }

  private async all<T>(what: string, fetchPages: () => AsyncIterable<{ data: T[] }>): Promise<T[]> {
    const out: T[] = [];
    let pages = 0;
    try {
      for await (const page of fetchPages()) {
        out.push(...page.data);
        pages += 1;
        if (pages % 5 === 0) this.progress?.(`${what}: ${pages} pages, ${out.length} items`);
      }
    } catch (err) {
      throw githubFailure(err, what);
    }
    return out;
  }

  async listIssues(query: ReturnType<typeof issueListQuery>): Promise<RestIssue[]> {
    const raw = await this.all(`listing issues of ${this.repoName}`, () => this.octokit.paginate.iterator(this.octokit.rest.issues.listForRepo, { ...this.repoParams, ...query }));
    return raw.map(slimIssue);
  }

  async listPulls(query: ReturnType<typeof pullListQuery>): Promise<RestPullRequest[]> {
    const raw = await this.all(`listing pull requests of ${this.repoName}`, () => this.octokit.paginate.iterator(this.octokit.rest.pulls.list, { ...this.repoParams, ...query }));
    return raw.map(slimPull);
  }

  /** Every issue and PR updated at or after `since`, whatever its state and labels. */
  async listIssuesChangedSince(since: string, etags: Record<string, string>, newEtags: Record<string, string>): Promise<RestIssue[]> {
    const route = 'GET /repos/{owner}/{repo}/issues' as const;
    // Newest first: any change lands on the first page, so a 304 there means nothing changed at all.
    const params = { ...this.repoParams, state: 'all' as const, since, sort: 'updated' as const, direction: 'desc' as const, per_page: 100 };
    const first = await this.conditional(`listing issues of ${this.repoName} changed since ${since}`, route, params, etags, newEtags);
    if (!first) return [];
    const rest = first.next ? await this.all(`listing issues of ${this.repoName}`, () => this.pagesFrom(first.next!)) : [];
    return [...(first.data as unknown[]), ...rest].map((issue) => slimIssue(issue as RawIssue));
  }

  /** Pull requests in any state updated at or after `since` (the list is sorted by update, newest first). */
  async listPullsChangedSince(since: string, etags: Record<string, string>, newEtags: Record<string, string>): Promise<RestPullRequest[]> {
    const route = 'GET /repos/{owner}/{repo}/pulls' as const;
    const params = { ...this.repoParams, state: 'all' as const, sort: 'updated' as const, direction: 'desc' as const, per_page: 100 };
    const first = await this.conditional(`listing pull requests of ${this.repoName}`, route, params, etags, newEtags);
    if (!first) return [];
    const sinceMs = Date.parse(since);
    const out: RestPullRequest[] = [];
    const keep = (data: unknown[]): boolean => {
      for (const raw of data) {
        const pull = slimPull(raw as RawPull);
        if (Date.parse(pull.updated_at ?? '') < sinceMs) return false;
        out.push(pull);
      }
      return true;
    };
    if (!keep(first.data as unknown[]) || !first.next) return out;
    try {
      for await (const page of this.pagesFrom(first.next)) if (!keep(page.data)) break;
    } catch (err) {
      throw githubFailure(err, `listing pull requests of ${this.repoName}`);
    }
    return out;
  }

  /** A first page, conditional on the ETag it had last time; undefined when unchanged (304). */
  private async conditional(what: string, route: string, params: Record<string, unknown>, etags: Record<string, string>, newEtags: Record<string, string>) {
    const url = this.octokit.request.endpoint(route, params).url;
    const etag = etags[url];
    try {
      const response = await this.octokit.request(route, { ...params, headers: etag ? { 'if-none-match': etag } : {} });
      if (response.headers.etag) newEtags[url] = response.headers.etag;
      return { data: response.data as unknown[], next: nextLink(response.headers.link) };
    } catch (err) {
      if (statusOf(err) === 304 && etag) {
        newEtags[url] = etag;
        return undefined;
      }
      throw githubFailure(err, what);
    }
  }

  private async *pagesFrom(url: string): AsyncIterable<{ data: unknown[] }> {
    for (let next: string | undefined = url; next; ) {
      const response = await this.octokit.request({ method: 'GET', url: next });
      yield { data: response.data as unknown[] };
      next = nextLink(response.headers.link);
    }
  }

  async issueComments(number: number): Promise<RestIssueComment[]> {
    const raw = await this.all(`reading comments of #${number} in ${this.repoName}`, () =>
      this.octokit.paginate.iterator(this.octokit.rest.issues.listComments, { ...this.repoParams, issue_number: number, per_page: 100 }),
    );
    return raw.map((c) => ({ body: c.body ?? '', created_at: c.created_at, user: slimUser(c.user) }));
  }

  async pullReviews(number: number): Promise<RestReview[]> {
    const raw = await this.all(`reading reviews of #${number} in ${this.repoName}`, () =>
      this.octokit.paginate.iterator(this.octokit.rest.pulls.listReviews, { ...this.repoParams, pull_number: number, per_page: 100 }),
    );
    return raw.map((r) => ({ body: r.body ?? '', state: r.state, submitted_at: r.submitted_at ?? null, commit_id: r.commit_id ?? null, user: slimUser(r.user) }));
  }

  async pullReviewComments(number: number): Promise<RestReviewComment[]> {
    const raw = await this.all(`reading review comments of #${number} in ${this.repoName}`, () =>
      this.octokit.paginate.iterator(this.octokit.rest.pulls.listReviewComments, { ...this.repoParams, pull_number: number, per_page: 100 }),
    );
    return raw.map((c) => ({ body: c.body, path: c.path, line: c.line ?? null, created_at: c.created_at, commit_id: c.commit_id, user: slimUser(c.user) }));
  }

  async pullFiles(number: number): Promise<string[]> {
    const raw = await this.all(`reading changed files of #${number} in ${this.repoName}`, () =>
      this.octokit.paginate.iterator(this.octokit.rest.pulls.listFiles, { ...this.repoParams, pull_number: number, per_page: 100 }),
    );
    return raw.map((file) => file.filename);
  }

  async collaboratorPermission(login: string): Promise<Lookup<RestCollaboratorPermission>> {
    return this.lookup(`checking the repository permission of "${login}"`, async () => {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({ ...this.repoParams, username: login });
      return { permission: data.permission, role_name: data.role_name };
    });
  }

  async teamMembership(org: string, slug: string, login: string): Promise<Lookup<RestTeamMembership>> {
    return this.lookup(`checking the membership of "${login}" in ${org}/${slug}`, async () => {
      const { data } = await this.octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login });
      return { state: data.state };
    });
  }

  /** 404 means "no"; rate limits fail the poll (retried when the limit resets); other failures are recorded. */
  private async lookup<T>(what: string, load: () => Promise<T>): Promise<Lookup<T>> {
    try {
      return { found: await load() };
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) return { notFound: true };
      const failure = githubFailure(err, what);
      if ((failure as { type?: string }).type === 'SourceRateLimited') throw failure;
      return { error: (failure as Error).message };
    }
  }
}

function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  return /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
}

type RawUser = { login: string } | null | undefined;
type RawLabel = string | { name?: string | null };
type RawIssue = {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  labels: RawLabel[];
  user: RawUser;
  pull_request?: unknown;
  state?: string;
  assignees?: RawUser[] | null;
  updated_at?: string;
};
type RawPull = Omit<RawIssue, 'pull_request' | 'assignees'> & { draft?: boolean; head: { ref: string; sha: string } };

function slimUser(user: RawUser): RestUser | null {
  return user ? { login: user.login } : null;
}

function slimLabels(labels: RawLabel[]): { name: string }[] {
  return labels.map((label) => ({ name: typeof label === 'string' ? label : (label.name ?? '') }));
}

function slimIssue(issue: RawIssue): RestIssue {
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body ?? '',
    html_url: issue.html_url,
    labels: slimLabels(issue.labels),
    user: slimUser(issue.user),
    ...(issue.pull_request ? { pull_request: {} } : {}),
    state: issue.state,
    assignees: (issue.assignees ?? []).flatMap((user) => (user ? [{ login: user.login }] : [])),
    updated_at: issue.updated_at,
  };
}

function slimPull(pull: RawPull): RestPullRequest {
  return {
    number: pull.number,
    title: pull.title,
    body: pull.body ?? '',
    html_url: pull.html_url,
    labels: slimLabels(pull.labels),
    user: slimUser(pull.user),
    draft: Boolean(pull.draft),
    head: { ref: pull.head.ref, sha: pull.head.sha },
    state: pull.state,
    updated_at: pull.updated_at,
  };
}
