/**
 * A local GitHub REST API for tests and benchmarks: the endpoints Kelos's sources call, with GitHub's shapes,
 * `Link` pagination, ETags with free `304`s, rate-limit headers and exhaustion, 401/404 bodies, and GitHub App
 * installation tokens, the authenticated user (`GET /user`), and what reporting writes (issue comments authored by
 * the token's identity, Check Runs). Item objects start from real recorded payloads (`@octokit/webhooks-examples`),
 * edited per item. Every request is recorded so tests and benchmarks can count requests, 304s and rate-limit points.
 */
import { createHash, createPublicKey, createVerify, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeRepo, type Actor, type RepoStore } from './fake-repo';
import { paginate } from './pagination';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** The request carried If-None-Match. */
  conditional: boolean;
  /** Rate-limit points it cost (GitHub does not charge for 304s). */
  cost: 0 | 1;
}

export interface FakeGitHubOptions {
  /** Accepted personal access tokens (`Authorization: token X` or `Bearer X`). */
  tokens?: string[];
  /** The login a token acts as (GET /user, comment authors); default `kelos-bot`. */
  logins?: Record<string, string>;
  /** Points per window (default 5000). */
  rateLimit?: number;
  now?: () => Date;
  /** A GitHub App whose JWTs (RS256, iss = appId) may mint installation tokens. */
  app?: { appId: number; publicKeyPem: string };
  /** Lifetime of minted installation tokens (GitHub: one hour). */
  tokenLifetimeSeconds?: number;
}

interface Fault {
  method?: string;
  pathPattern?: RegExp;
  response: { status: number; headers?: Record<string, string>; body?: unknown };
  times: number;
}

const DOCS = 'https://docs.github.com/rest';

export class FakeGitHub implements RepoStore {
  readonly requests: RecordedRequest[] = [];
  /** Installation tokens minted so far, oldest first. */
  readonly mintedTokens: string[] = [];
  readonly rateLimit: { limit: number; remaining: number; reset: number };
  private readonly repos = new Map<string, FakeRepo>();
  private readonly teams = new Map<string, Map<string, 'active' | 'pending'>>();
  private readonly tokens: Set<string>;
  private readonly installationTokens = new Set<string>();
  private readonly faults: Fault[] = [];
  private nextCommentId = 1000;
  url = '';

  private constructor(
    private readonly server: http.Server,
    private readonly options: FakeGitHubOptions,
  ) {
    this.tokens = new Set(options.tokens ?? []);
    const limit = options.rateLimit ?? 5000;
    this.rateLimit = { limit, remaining: limit, reset: this.epoch() + 3600 };
  }

  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    let fake: FakeGitHub | undefined;
    const server = http.createServer((req, res) => void fake!.handle(req, res));
    fake = new FakeGitHub(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** GitHub timestamps have whole seconds. */
  timestamp(date: Date = this.now()): string {
    return date.toISOString().replace(/\.\d+Z$/, 'Z');
  }

  newCommentId(): number {
    this.nextCommentId += 1;
    return this.nextCommentId;
  }

  repo(owner: string, name: string, opts: { private?: boolean } = {}): FakeRepo {
    const key = `${owner}/${name}`.toLowerCase();
    let repo = this.repos.get(key);
    if (!repo) {
      repo = new FakeRepo(this, owner, name, Boolean(opts.private));
      this.repos.set(key, repo);
    }
    return repo;
  }

  org(name: string) {
    return {
      team: (slug: string) => ({
        setMember: (login: string, state: 'active' | 'pending') => {
          const key = `${name}/${slug}`.toLowerCase();
          if (!this.teams.has(key)) this.teams.set(key, new Map());
          this.teams.get(key)!.set(login.toLowerCase(), state);
        },
      }),
    };
  }

  /** The next `times` requests matching answer `response` instead (secondary limits, 5xx, ...). */
  failNext(match: { method?: string; pathPattern?: RegExp }, response: Fault['response'], times = 1): void {
    this.faults.push({ ...match, response, times });
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private epoch(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  // --- HTTP ---------------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const record = (status: number, cost: 0 | 1) =>
      this.requests.push({ method, path: url.pathname, query, status, conditional: req.headers['if-none-match'] !== undefined, cost });

    if (this.epoch() >= this.rateLimit.reset) {
      this.rateLimit.remaining = this.rateLimit.limit;
      this.rateLimit.reset = this.epoch() + 3600;
    }
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}, cost: 0 | 1 = 1) => {
      if (cost) this.rateLimit.remaining = Math.max(0, this.rateLimit.remaining - 1);
      record(status, cost);
      res.writeHead(status, { ...this.rateHeaders(), ...(payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };

    const fault = this.faults.find((f) => (!f.method || f.method === method) && (!f.pathPattern || f.pathPattern.test(url.pathname)));
    if (fault) {
      fault.times -= 1;
      if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      record(fault.response.status, 1);
      res.writeHead(fault.response.status, { 'content-type': 'application/json; charset=utf-8', ...this.rateHeaders(), ...(fault.response.headers ?? {}) });
      res.end(JSON.stringify(fault.response.body ?? { message: 'Injected failure', documentation_url: DOCS }));
      return;
    }

    const installation = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (installation && method === 'POST') return this.mintInstallationToken(req, send);

    const auth = this.authenticate(req.headers.authorization);
    if (auth === 'invalid') return send(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    const actor = this.actorOf(req.headers.authorization);
    if (this.rateLimit.remaining <= 0) {
      return send(403, { message: 'API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' }, {}, 0);
    }

    const answer = this.route(method, url, body, auth === 'anonymous', actor);
    if (answer.status === 200 && method === 'GET') {
      const text = JSON.stringify(answer.body);
      const etag = `W/"${createHash('sha256').update(text).digest('hex')}"`;
      const link: Record<string, string> = answer.link ? { link: answer.link } : {};
      if (req.headers['if-none-match'] === etag) return send(304, undefined, { etag, ...link }, 0);
      return send(200, answer.body, { etag, ...link });
    }
    send(answer.status, answer.body);
  }

  private rateHeaders(): Record<string, string> {
    const { limit, remaining, reset } = this.rateLimit;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(limit - remaining),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
    };
  }

  private authenticate(header: string | undefined): 'anonymous' | 'ok' | 'invalid' {
    if (!header) return 'anonymous';
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(header.trim())?.[1];
    return token && this.tokens.has(token) ? 'ok' : 'invalid';
  }

  /** Who a request acts as: the PAT's login, or the App's bot for an installation token. */
  private actorOf(header: string | undefined): Actor | undefined {
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(header?.trim() ?? '')?.[1];
    if (!token) return undefined;
    if (this.installationTokens.has(token) && this.options.app) return { login: 'kelos-app[bot]', appId: this.options.app.appId };
    return { login: this.options.logins?.[token] ?? 'kelos-bot' };
  }

  private mintInstallationToken(req: http.IncomingMessage, send: (status: number, body: unknown) => void): void {
    const jwt = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!this.options.app || !jwt || !verifyAppJwt(jwt, this.options.app, this.epoch())) {
      return send(401, { message: 'A JSON web token could not be decoded', documentation_url: DOCS });
    }
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    this.tokens.add(token);
    this.installationTokens.add(token);
    this.mintedTokens.push(token);
    send(201, { token, expires_at: this.timestamp(new Date(this.now().getTime() + (this.options.tokenLifetimeSeconds ?? 3600) * 1000)), permissions: { issues: 'read', pull_requests: 'read' }, repository_selection: 'all' });
  }

  private route(method: string, url: URL, body: unknown, anonymous: boolean, actor: Actor | undefined): { status: number; body: unknown; link?: string } {
    const notFound = { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    if (url.pathname === '/user' && method === 'GET') {
      if (!actor) return { status: 401, body: { message: 'Requires authentication', documentation_url: DOCS, status: '401' } };
      // Installation tokens cannot read /user on GitHub either.
      if (actor.appId !== undefined) return { status: 403, body: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' } };
      return { status: 200, body: { login: actor.login, id: 1, type: 'User' } };
    }
    const team = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(url.pathname);
    if (team && method === 'GET') {
      const state = this.teams.get(`${team[1]}/${team[2]}`.toLowerCase())?.get(team[3].toLowerCase());
      if (!state) return notFound;
      return { status: 200, body: { url: `${this.url}${url.pathname}`, role: 'member', state } };
    }
    const match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!match) return notFound;
    const repo = this.repos.get(`${match[1]}/${match[2]}`.toLowerCase());
    if (!repo || (repo.isPrivate && anonymous)) return notFound;
    const answer = repo.route(method, match[3] ?? '', url.searchParams, body, actor);
    if (!answer) return notFound;
    if (answer.status === 200 && Array.isArray(answer.body) && method === 'GET') {
      const page = paginate(answer.body, url);
      return { status: 200, body: page.items, ...(page.link ? { link: page.link } : {}) };
    }
    return answer;
  }
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (!chunks.length) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function verifyAppJwt(jwt: string, app: { appId: number; publicKeyPem: string }, nowEpoch: number): boolean {
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) return false;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${header}.${payload}`);
  if (!verifier.verify(createPublicKey(app.publicKeyPem), Buffer.from(signature, 'base64url'))) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; exp?: number };
  return String(claims.iss) === String(app.appId) && typeof claims.exp === 'number' && claims.exp > nowEpoch;
}
