/**
 * Kelos's GitHub API metrics for every request an Octokit of ours makes: count and duration by method, status and
 * resource (Kelos's classification, so its dashboards read ours), plus the rate-limit headroom GitHub reports.
 */
import { kelosMetrics, type KelosMetrics } from '../../host/metrics/kelos-metrics';

/** The resources Kelos tells apart; anything else is "other". */
const RESOURCES: Record<string, string> = { issues: 'issues', pulls: 'pulls', comments: 'comments', reviews: 'reviews', collaborators: 'collaborators', permission: 'collaborators' };

/**
 * The resource a request is about: the last path segment that names a known one, read from the end so that
 * `/repos/o/r/issues/7/comments` is about comments and `/repos/o/r/issues/7/events` about issues.
 */
export function githubResource(urlPath: string): string {
  const segments = urlPath.split('?')[0].split('/').filter(Boolean);
  for (let i = segments.length - 1; i >= 0; i -= 1) {
    const known = RESOURCES[segments[i]];
    if (known) return known;
  }
  return 'other';
}

interface ResponseLike {
  status?: number;
  headers?: Record<string, unknown>;
}

/** Records one finished request; `outcome` is the response, or the error Octokit threw (which carries one for HTTP errors, 304 included). */
export function recordGitHubRequest(method: string, url: string, startedMs: number, outcome: ResponseLike | undefined, m: KelosMetrics = kelosMetrics()): void {
  const resource = githubResource(pathOf(url));
  m.githubRequestDuration.observe({ method, resource }, (Date.now() - startedMs) / 1000);
  m.githubRequests.inc({ method, resource, status_code: typeof outcome?.status === 'number' ? String(outcome.status) : 'error' });
  const remaining = Number(outcome?.headers?.['x-ratelimit-remaining']);
  const limitResource = outcome?.headers?.['x-ratelimit-resource'];
  if (outcome?.headers?.['x-ratelimit-remaining'] !== undefined && Number.isFinite(remaining)) {
    m.githubRateLimitRemaining.set({ resource: typeof limitResource === 'string' ? limitResource : 'core' }, remaining);
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
