/**
 * A local Jira REST API for tests: Cloud (`/rest/api/2/search/jql` paged by `nextPageToken`, Basic auth with
 * email + API token) or Data Center (that endpoint answers 404; `/rest/api/2/search` paged by `startAt`/`total`,
 * Bearer personal access token). Issues carry Jira's shapes (`id`, `key`, `self`, `fields`, comments under
 * `fields.comment`), with string (v2/Data Center) or Atlassian Document Format bodies. It does not evaluate JQL:
 * it returns the issues it holds and records the JQL it was sent.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeJiraOptions {
  mode: 'cloud' | 'datacenter';
  /** Cloud: the account email of Basic auth. */
  user?: string;
  token: string;
  pageSize?: number;
}

export interface NewJiraIssue {
  key: string;
  summary: string;
  description?: unknown;
  labels?: string[];
  issueType?: string;
  status?: string;
  comments?: unknown[];
}

export interface RecordedJiraRequest {
  path: string;
  query: Record<string, string>;
  auth: 'basic' | 'bearer' | 'none' | 'other';
  status: number;
}

export class FakeJira {
  readonly requests: RecordedJiraRequest[] = [];
  private readonly issues: Record<string, unknown>[] = [];
  private readonly faults: { status: number; headers: Record<string, string>; body: unknown; times: number }[] = [];
  url = '';

  private constructor(
    private readonly server: http.Server,
    private readonly options: FakeJiraOptions,
  ) {}

  static async start(options: FakeJiraOptions): Promise<FakeJira> {
    let fake: FakeJira | undefined;
    const server = http.createServer((req, res) => fake!.handle(req, res));
    fake = new FakeJira(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  addIssue(p: NewJiraIssue): void {
    const id = String(10_000 + this.issues.length);
    this.issues.push({
      expand: 'operations,versionedRepresentations,editmeta,changelog,renderedFields',
      id,
      self: `${this.url}/rest/api/2/issue/${id}`,
      key: p.key,
      fields: {
        summary: p.summary,
        description: p.description ?? null,
        labels: p.labels ?? [],
        status: { self: `${this.url}/rest/api/2/status/3`, name: p.status ?? 'To Do', id: '3', statusCategory: { key: 'new', name: 'To Do' } },
        issuetype: { self: `${this.url}/rest/api/2/issuetype/10001`, id: '10001', name: p.issueType ?? 'Task', subtask: false },
        comment: {
          comments: (p.comments ?? []).map((body, i) => ({
            self: `${this.url}/rest/api/2/issue/${id}/comment/${i + 1}`,
            id: String(i + 1),
            author: { displayName: 'Ada Lovelace', active: true },
            body,
            created: '2026-01-05T10:00:00.000+0000',
            updated: '2026-01-05T10:00:00.000+0000',
          })),
          maxResults: (p.comments ?? []).length,
          total: (p.comments ?? []).length,
          startAt: 0,
        },
      },
    });
  }

  /** The next `times` search requests answer this instead (429 with Retry-After, 500, ...). */
  failNext(status: number, headers: Record<string, string> = {}, body: unknown = { errorMessages: ['injected failure'], errors: {} }, times = 1): void {
    this.faults.push({ status, headers, body, times });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    const auth = this.authScheme(req.headers.authorization);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ path: url.pathname, query, auth: auth.scheme, status });
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (!auth.valid) return send(401, { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'], errors: {} }, { 'www-authenticate': 'OAuth realm="https%3A%2F%2Fexample.atlassian.net"' });
    const fault = this.faults[0];
    if (fault && url.pathname.startsWith('/rest/api/2/search')) {
      fault.times -= 1;
      if (fault.times <= 0) this.faults.shift();
      return send(fault.status, fault.body, fault.headers);
    }
    const pageSize = Math.min(Number(query.maxResults ?? 50) || 50, this.options.pageSize ?? 100);
    if (url.pathname === '/rest/api/2/search/jql' && this.options.mode === 'cloud') {
      const start = query.nextPageToken ? Number(Buffer.from(query.nextPageToken, 'base64url').toString('utf8').replace('offset:', '')) : 0;
      const page = this.issues.slice(start, start + pageSize);
      const end = start + page.length;
      const isLast = end >= this.issues.length;
      return send(200, { issues: page, isLast, ...(isLast ? {} : { nextPageToken: Buffer.from(`offset:${end}`).toString('base64url') }) });
    }
    if (url.pathname === '/rest/api/2/search' && this.options.mode === 'datacenter') {
      const startAt = Number(query.startAt ?? 0) || 0;
      return send(200, { expand: 'schema,names', startAt, maxResults: pageSize, total: this.issues.length, issues: this.issues.slice(startAt, startAt + pageSize) });
    }
    send(404, { errorMessages: ['null for uri: ' + url.toString()], errors: {} });
  }

  private authScheme(header: string | undefined): { scheme: RecordedJiraRequest['auth']; valid: boolean } {
    if (!header) return { scheme: 'none', valid: false };
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme.toLowerCase() === 'basic') {
      const [user, token] = Buffer.from(value, 'base64').toString('utf8').split(':');
      return { scheme: 'basic', valid: this.options.mode === 'cloud' && user === this.options.user && token === this.options.token };
    }
    if (scheme.toLowerCase() === 'bearer') return { scheme: 'bearer', valid: this.options.mode === 'datacenter' && value === this.options.token };
    return { scheme: 'other', valid: false };
  }
}

export function startFakeJira(options: FakeJiraOptions): Promise<FakeJira> {
  return FakeJira.start(options);
}
