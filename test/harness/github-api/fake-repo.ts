/**
 * One repository of the fake GitHub: issues and pull requests (one number sequence; a PR also appears in the
 * issues list with a `pull_request` key), comments, reviews, review comments, changed files, collaborators.
 * Objects are copies of real recorded webhook payload objects with the per-item fields set, so their shapes
 * are GitHub's. Adding a comment, review or file bumps the item's `updated_at`, as on GitHub.
 */
type Json = Record<string, any>;

const examples = require('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Json[] }[];
function example(event: string, action: string): Json {
  const found = examples.find((d) => d.name === event)?.examples.find((e) => e.action === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}.${action}`);
  return found;
}
const TEMPLATES = {
  issue: example('issues', 'opened').issue as Json,
  pull: example('pull_request', 'opened').pull_request as Json,
  comment: example('issue_comment', 'created').comment as Json,
  review: example('pull_request_review', 'submitted').review as Json,
  reviewComment: example('pull_request_review_comment', 'created').comment as Json,
  user: example('issues', 'opened').issue.user as Json,
};

/** Who a request acts as (reporting writes comments and Check Runs as this identity). */
export interface Actor {
  login: string;
  /** Set for a GitHub App installation token. */
  appId?: number;
}

export interface RepoStore {
  url: string;
  now(): Date;
  timestamp(date?: Date): string;
  newCommentId(): number;
}

export interface NewIssue {
  title: string;
  body?: string;
  labels?: string[];
  user?: string;
  assignees?: string[];
  state?: 'open' | 'closed';
  createdAt?: string;
}

export interface NewPull extends NewIssue {
  draft?: boolean;
  head: { ref: string; sha: string };
  base?: string;
}

interface Item {
  number: number;
  issue: Json;
  pull?: Json;
  comments: Json[];
  reviews: Json[];
  reviewComments: Json[];
  files: string[];
}

type Answer = { status: number; body: unknown } | undefined;

export class FakeRepo {
  private readonly items = new Map<number, Item>();
  private readonly collaborators = new Map<string, string>();
  /** Comments created through the API (reporting), by id. */
  readonly createdComments = new Map<number, Json>();
  /** Check Runs created through the API, by id. */
  readonly checkRuns = new Map<number, Json>();
  private nextNumber = 1;

  constructor(
    private readonly store: RepoStore,
    readonly owner: string,
    readonly name: string,
    readonly isPrivate: boolean,
  ) {}

  private get apiBase(): string {
    return `${this.store.url}/repos/${this.owner}/${this.name}`;
  }

  private get htmlBase(): string {
    return `https://github.com/${this.owner}/${this.name}`;
  }

  addIssue(p: NewIssue): Json {
    const number = this.nextNumber++;
    const issue = this.issueObject(number, p);
    this.items.set(number, { number, issue, comments: [], reviews: [], reviewComments: [], files: [] });
    return issue;
  }

  addPull(p: NewPull): Json {
    const number = this.nextNumber++;
    const issue = this.issueObject(number, p);
    issue.pull_request = { url: `${this.apiBase}/pulls/${number}`, html_url: `${this.htmlBase}/pull/${number}`, diff_url: `${this.htmlBase}/pull/${number}.diff`, patch_url: `${this.htmlBase}/pull/${number}.patch`, merged_at: null };
    issue.html_url = `${this.htmlBase}/pull/${number}`;
    const pull: Json = {
      ...structuredClone(TEMPLATES.pull),
      url: `${this.apiBase}/pulls/${number}`,
      id: 10_000 + number,
      html_url: `${this.htmlBase}/pull/${number}`,
      issue_url: `${this.apiBase}/issues/${number}`,
      number,
      state: issue.state,
      title: issue.title,
      user: issue.user,
      body: issue.body,
      labels: issue.labels,
      assignees: issue.assignees,
      assignee: issue.assignee,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: null,
      draft: Boolean(p.draft),
      head: { ...structuredClone(TEMPLATES.pull.head), ref: p.head.ref, sha: p.head.sha, label: `${this.owner}:${p.head.ref}` },
      base: { ...structuredClone(TEMPLATES.pull.base), ref: p.base ?? 'main' },
    };
    this.items.set(number, { number, issue, pull, comments: [], reviews: [], reviewComments: [], files: [] });
    return pull;
  }

  /** Changes an issue or PR (labels, state, title, body, assignees, draft) and bumps `updated_at`. */
  updateIssue(number: number, patch: Partial<Omit<NewPull, 'head'>>): void {
    const item = this.item(number);
    if (patch.title !== undefined) item.issue.title = patch.title;
    if (patch.body !== undefined) item.issue.body = patch.body;
    if (patch.labels !== undefined) item.issue.labels = patch.labels.map((name) => this.label(name));
    if (patch.assignees !== undefined) {
      item.issue.assignees = patch.assignees.map((login) => user(login));
      item.issue.assignee = item.issue.assignees[0] ?? null;
    }
    if (patch.state !== undefined) {
      item.issue.state = patch.state;
      item.issue.closed_at = patch.state === 'closed' ? this.store.timestamp() : null;
    }
    if (item.pull) {
      Object.assign(item.pull, { title: item.issue.title, body: item.issue.body, labels: item.issue.labels, assignees: item.issue.assignees, state: item.issue.state });
      if (patch.draft !== undefined) item.pull.draft = patch.draft;
    }
    this.touch(item);
  }

  addComment(number: number, c: { user: string; body: string; createdAt?: string }): Json {
    const item = this.item(number);
    const id = this.store.newCommentId();
    const at = c.createdAt ?? this.store.timestamp();
    const comment = {
      ...structuredClone(TEMPLATES.comment),
      url: `${this.apiBase}/issues/comments/${id}`,
      html_url: `${item.issue.html_url}#issuecomment-${id}`,
      issue_url: `${this.apiBase}/issues/${number}`,
      id,
      user: user(c.user),
      created_at: at,
      updated_at: at,
      author_association: this.collaborators.has(c.user.toLowerCase()) ? 'COLLABORATOR' : 'NONE',
      body: c.body,
    };
    item.comments.push(comment);
    item.issue.comments = item.comments.length;
    this.touch(item);
    return comment;
  }

  addReview(number: number, r: { user: string; state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED'; body?: string; commitId?: string; submittedAt?: string }): Json {
    const item = this.pullItem(number);
    const id = this.store.newCommentId();
    const review = {
      ...structuredClone(TEMPLATES.review),
      id,
      user: user(r.user),
      body: r.body ?? '',
      commit_id: r.commitId ?? item.pull!.head.sha,
      submitted_at: r.submittedAt ?? this.store.timestamp(),
      state: r.state,
      html_url: `${item.pull!.html_url}#pullrequestreview-${id}`,
      pull_request_url: item.pull!.url,
    };
    item.reviews.push(review);
    this.touch(item);
    return review;
  }

  addReviewComment(number: number, c: { user: string; body: string; path: string; line?: number; commitId?: string; createdAt?: string }): Json {
    const item = this.pullItem(number);
    const id = this.store.newCommentId();
    const at = c.createdAt ?? this.store.timestamp();
    const comment = {
      ...structuredClone(TEMPLATES.reviewComment),
      url: `${this.apiBase}/pulls/comments/${id}`,
      id,
      path: c.path,
      line: c.line ?? null,
      commit_id: c.commitId ?? item.pull!.head.sha,
      original_commit_id: c.commitId ?? item.pull!.head.sha,
      user: user(c.user),
      body: c.body,
      created_at: at,
      updated_at: at,
      html_url: `${item.pull!.html_url}#discussion_r${id}`,
      pull_request_url: item.pull!.url,
    };
    item.reviewComments.push(comment);
    this.touch(item);
    return comment;
  }

  setFiles(number: number, filenames: string[]): void {
    const item = this.pullItem(number);
    item.files = [...filenames];
    this.touch(item);
  }

  setCollaborator(login: string, roleName: 'read' | 'triage' | 'write' | 'maintain' | 'admin'): void {
    this.collaborators.set(login.toLowerCase(), roleName);
  }

  // --- REST ---------------------------------------------------------------------------------------------

  route(method: string, path: string, query: URLSearchParams, body: unknown, actor?: Actor): Answer {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/issues') return ok(this.listIssues(query));
    if (method === 'GET' && path === '/pulls') return ok(this.listPulls(query));
    if (method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(path))) return this.withPull(m[1], (item) => item.pull);
    if (method === 'GET' && (m = /^\/issues\/(\d+)$/.exec(path))) return this.withItem(m[1], (item) => item.issue);
    if (method === 'GET' && (m = /^\/issues\/(\d+)\/comments$/.exec(path))) {
      const since = query.get('since');
      return this.withItem(m[1], (item) => item.comments.filter((c) => !since || Date.parse(c.updated_at) >= Date.parse(since)));
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/reviews$/.exec(path))) return this.withPull(m[1], (item) => item.reviews);
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/comments$/.exec(path))) return this.withPull(m[1], (item) => item.reviewComments);
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/files$/.exec(path))) {
      // GitHub lists at most 3000 files of a pull request.
      return this.withPull(m[1], (item) => item.files.slice(0, 3000).map((filename, i) => fileObject(filename, i)));
    }
    if (method === 'GET' && (m = /^\/collaborators\/([^/]+)\/permission$/.exec(path))) {
      const role = this.collaborators.get(decodeURIComponent(m[1]).toLowerCase());
      if (!role) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user', status: '404' } };
      const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
      return ok({ permission, role_name: role, user: user(decodeURIComponent(m[1])) });
    }
    if (method === 'POST' && (m = /^\/issues\/(\d+)\/comments$/.exec(path))) {
      const number = m[1];
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text !== 'string') return { status: 422, body: { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: 'https://docs.github.com/rest' } };
      return this.withItem(number, (item) => {
        const comment = this.addComment(item.number, { user: actor?.login ?? 'kelos-bot', body: text });
        comment.performed_via_github_app = actor?.appId !== undefined ? { id: actor.appId, slug: 'kelos-app', name: 'Kelos' } : null;
        this.createdComments.set(comment.id, comment);
        return comment;
      }, 201);
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(path))) {
      const comment = this.findComment(Number(m[1]));
      if (!comment) return undefined;
      if (method === 'GET') return ok(comment);
      if (method === 'PATCH') {
        comment.body = String((body as { body?: unknown } | undefined)?.body ?? comment.body);
        comment.updated_at = this.store.timestamp();
        return ok(comment);
      }
    }
    const checkRunWrite = (path === '/check-runs' && method === 'POST') || (/^\/check-runs\/\d+$/.test(path) && method === 'PATCH');
    // As on GitHub: only GitHub Apps write Check Runs.
    if (checkRunWrite && actor?.appId === undefined) return { status: 403, body: { message: 'You must authenticate via a GitHub App.', documentation_url: 'https://docs.github.com/rest/checks/runs#create-a-check-run' } };
    if (path === '/check-runs' && method === 'POST') return this.createCheckRun(body as Json | undefined);
    if ((m = /^\/check-runs\/(\d+)$/.exec(path))) {
      const run = this.checkRuns.get(Number(m[1]));
      if (!run) return undefined;
      if (method === 'GET') return ok(run);
      if (method === 'PATCH') return this.updateCheckRun(run, (body ?? {}) as Json);
    }
    if (method === 'GET' && (m = /^\/commits\/([^/]+)\/check-runs$/.exec(path))) {
      const name = query.get('check_name');
      const runs = [...this.checkRuns.values()].filter((run) => run.head_sha === m![1] && (!name || run.name === name)).reverse();
      return ok({ total_count: runs.length, check_runs: runs });
    }
    return undefined;
  }

  /** Check Runs as GitHub validates them: name and head_sha required, a completed run needs a conclusion. */
  private createCheckRun(body: Json | undefined): Answer {
    if (!body?.name || !body?.head_sha) return unprocessable('name and head_sha are required');
    const id = this.store.newCommentId();
    const run: Json = { id, head_sha: body.head_sha, external_id: body.external_id ?? '', html_url: `${this.htmlBase}/runs/${id}`, url: `${this.apiBase}/check-runs/${id}`, name: body.name, status: 'queued', conclusion: null, started_at: this.store.timestamp(), completed_at: null, output: { title: null, summary: null } };
    this.checkRuns.set(id, run);
    const updated = this.updateCheckRun(run, body);
    return updated && updated.status === 200 ? { status: 201, body: updated.body } : updated;
  }

  private updateCheckRun(run: Json, body: Json): Answer {
    const status = body.status ?? (body.conclusion ? 'completed' : run.status);
    if (!['queued', 'in_progress', 'completed'].includes(status)) return unprocessable(`status ${status} is not valid`);
    if (status === 'completed' && !body.conclusion && !run.conclusion) return unprocessable('conclusion is required when status is completed');
    Object.assign(run, {
      status,
      ...(body.conclusion ? { conclusion: body.conclusion } : {}),
      ...(body.started_at ? { started_at: body.started_at } : {}),
      ...(body.completed_at ? { completed_at: body.completed_at } : status === 'completed' && !run.completed_at ? { completed_at: this.store.timestamp() } : {}),
      ...(body.output ? { output: { ...run.output, ...body.output } } : {}),
      ...(body.external_id !== undefined ? { external_id: body.external_id } : {}),
    });
    return ok(run);
  }

  private listIssues(query: URLSearchParams): Json[] {
    const state = query.get('state') ?? 'open';
    const labels = (query.get('labels') ?? '').split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
    const assignee = query.get('assignee');
    const creator = query.get('creator')?.toLowerCase();
    const since = query.get('since');
    const selected = [...this.items.values()]
      .map((item) => item.issue)
      .filter((issue) => state === 'all' || issue.state === state)
      .filter((issue) => labels.every((name) => issue.labels.some((l: Json) => l.name.toLowerCase() === name)))
      .filter((issue) => {
        const logins = issue.assignees.map((a: Json) => a.login.toLowerCase());
        if (!assignee) return true;
        if (assignee === '*') return logins.length > 0;
        if (assignee === 'none') return logins.length === 0;
        return logins.includes(assignee.toLowerCase());
      })
      .filter((issue) => !creator || issue.user.login.toLowerCase() === creator)
      .filter((issue) => !since || Date.parse(issue.updated_at) >= Date.parse(since));
    return sorted(selected, query.get('sort') ?? 'created', query.get('direction') ?? 'desc');
  }

  private listPulls(query: URLSearchParams): Json[] {
    const state = query.get('state') ?? 'open';
    const pulls = [...this.items.values()].flatMap((item) => (item.pull ? [item.pull] : [])).filter((pull) => state === 'all' || pull.state === state);
    return sorted(pulls, query.get('sort') ?? 'created', query.get('direction') ?? 'desc');
  }

  private withItem(number: string, pick: (item: Item) => unknown, status = 200): Answer {
    const item = this.items.get(Number(number));
    return item ? { status, body: pick(item) } : undefined;
  }

  private withPull(number: string, pick: (item: Item) => unknown): Answer {
    const item = this.items.get(Number(number));
    return item?.pull ? ok(pick(item)) : undefined;
  }

  private findComment(id: number): Json | undefined {
    for (const item of this.items.values()) {
      const found = item.comments.find((c) => c.id === id);
      if (found) return found;
    }
    return undefined;
  }

  private item(number: number): Item {
    const item = this.items.get(number);
    if (!item) throw new Error(`${this.owner}/${this.name} has no #${number}`);
    return item;
  }

  private pullItem(number: number): Item {
    const item = this.item(number);
    if (!item.pull) throw new Error(`${this.owner}/${this.name}#${number} is not a pull request`);
    return item;
  }

  /** GitHub moves `updated_at` on every change; keep it strictly increasing even within one second. */
  private touch(item: Item): void {
    const now = Date.parse(this.store.timestamp());
    const before = Date.parse(item.issue.updated_at);
    const at = this.store.timestamp(new Date(Math.max(now, before + 1000)));
    item.issue.updated_at = at;
    if (item.pull) item.pull.updated_at = at;
  }

  private label(name: string): Json {
    const id = [...name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7);
    return { id, node_id: `LA_${id}`, url: `${this.apiBase}/labels/${encodeURIComponent(name)}`, name, color: 'ededed', default: false, description: null };
  }

  private issueObject(number: number, p: NewIssue): Json {
    const at = p.createdAt ?? this.store.timestamp();
    const assignees = (p.assignees ?? []).map((login) => user(login));
    return {
      ...structuredClone(TEMPLATES.issue),
      url: `${this.apiBase}/issues/${number}`,
      repository_url: this.apiBase,
      labels_url: `${this.apiBase}/issues/${number}/labels{/name}`,
      comments_url: `${this.apiBase}/issues/${number}/comments`,
      events_url: `${this.apiBase}/issues/${number}/events`,
      html_url: `${this.htmlBase}/issues/${number}`,
      id: 5_000_000 + number,
      node_id: `I_${number}`,
      number,
      title: p.title,
      user: user(p.user ?? 'octocat'),
      labels: (p.labels ?? []).map((name) => this.label(name)),
      state: p.state ?? 'open',
      assignee: assignees[0] ?? null,
      assignees,
      comments: 0,
      created_at: at,
      updated_at: at,
      closed_at: null,
      body: p.body ?? null,
      draft: undefined,
    };
  }
}

function ok(body: unknown): Answer {
  return { status: 200, body };
}

function unprocessable(message: string): Answer {
  return { status: 422, body: { message: `Validation Failed: ${message}`, documentation_url: 'https://docs.github.com/rest/checks/runs' } };
}

function user(login: string): Json {
  return { ...structuredClone(TEMPLATES.user), login, id: [...login].reduce((h, ch) => (h * 33 + ch.charCodeAt(0)) >>> 0, 5381), type: login.endsWith('[bot]') ? 'Bot' : 'User' };
}

function fileObject(filename: string, i: number): Json {
  return { sha: i.toString(16).padStart(40, '0'), filename, status: 'modified', additions: 1, deletions: 0, changes: 1, blob_url: '', raw_url: '', contents_url: '', patch: '@@ -1 +1 @@' };
}

function sorted(items: Json[], sort: string, direction: string): Json[] {
  const key = sort === 'updated' ? 'updated_at' : sort === 'comments' ? 'comments' : 'created_at';
  const sign = direction === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    const av = key === 'comments' ? a.comments : Date.parse(a[key]);
    const bv = key === 'comments' ? b.comments : Date.parse(b[key]);
    return (av - bv) * sign || (a.number - b.number) * sign;
  });
}
