/**
 * An Octokit for one repository's API, as polling activities use it: PAT or GitHub App installation token,
 * no retries or sleeps inside the activity (Temporal retries, timed to rate-limit resets), request accounting
 * (requests, 304s, rate-limit points), and GitHub errors mapped to failures a user can act on.
 */
import { Octokit } from '@octokit/rest';
import { createAppAuth } from '@octokit/auth-app';
import { rateLimited, notFound, retryDelayMs, unauthorized } from '../polling/source-errors';
import type { GitHubCredentials } from './github-credentials';
import { recordGitHubRequest } from './github-request-metrics';

export interface RequestStats {
  requests: number;
  /** Conditional requests answered 304: free under GitHub's rate limit. */
  notModified: number;
  /** Requests that cost a rate-limit point (everything but 304s). */
  points: number;
}

export interface GitHubClient {
  octokit: Octokit;
  stats: RequestStats;
}

export function createGitHubClient(options: { baseUrl: string; credentials: GitHubCredentials; signal?: AbortSignal }): GitHubClient {
  const { credentials } = options;
  const auth =
    credentials.kind === 'token'
      ? { auth: credentials.token }
      : credentials.kind === 'app'
        ? { authStrategy: createAppAuth, auth: { appId: credentials.appId, installationId: credentials.installationId, privateKey: credentials.privateKey } }
        : {};
  const octokit = new Octokit({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: 'kelos-temporal',
    ...auth,
    request: options.signal ? { signal: options.signal } : {},
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const stats: RequestStats = { requests: 0, notModified: 0, points: 0 };
  octokit.hook.wrap('request', async (request, requestOptions) => {
    stats.requests += 1;
    const started = Date.now();
    const method = String(requestOptions.method ?? 'GET');
    try {
      const response = await request(requestOptions);
      stats.points += 1;
      recordGitHubRequest(method, String(requestOptions.url), started, response);
      return response;
    } catch (err) {
      if (statusOf(err) === 304) stats.notModified += 1;
      else stats.points += 1;
      recordGitHubRequest(method, String(requestOptions.url), started, (err as { response?: { status?: number; headers?: Record<string, unknown> } }).response);
      throw err;
    }
  });
  return { octokit, stats };
}

export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

function headerOf(err: unknown, name: string): string | undefined {
  const headers = (err as { response?: { headers?: Record<string, unknown> } })?.response?.headers;
  const value = headers?.[name];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/**
 * A GitHub error as the failure the spawner should see. `what` says what was being read
 * (e.g. "listing issues of acme/widgets"). Errors that are not HTTP responses are returned unchanged.
 */
export function githubFailure(err: unknown, what: string, nowMs: number = Date.now()): unknown {
  const status = statusOf(err);
  if (status === undefined) return err;
  const message = (err as Error).message;
  if (status === 403 || status === 429) {
    const remaining = headerOf(err, 'x-ratelimit-remaining');
    const retryAfter = headerOf(err, 'retry-after');
    const secondary = /secondary rate limit/i.test(message);
    if (remaining === '0' || retryAfter || secondary || status === 429) {
      const delay = retryDelayMs({ retryAfter, resetEpochSeconds: remaining === '0' ? headerOf(err, 'x-ratelimit-reset') : undefined }, nowMs) ?? 60_000;
      const kind = remaining === '0' ? 'rate limit exhausted' : 'secondary rate limit';
      return rateLimited(`GitHub ${kind} while ${what}; retrying in ${Math.ceil(delay / 1000)}s`, delay);
    }
    return unauthorized(`GitHub refused ${what} (403 Forbidden: ${message}): check the token's permissions`);
  }
  if (status === 401) return unauthorized(`GitHub rejected the credentials while ${what} (401 ${message}): check the Workspace secret`);
  if (status === 404) return notFound(`GitHub answered 404 Not Found while ${what}: check the repository name and that the credentials can read it`);
  return new Error(`GitHub answered ${status} while ${what}: ${message}`);
}
