/**
 * Kelos's GitHub API metrics for every request an Octokit of ours makes: count and duration by method, status and
 * resource (Kelos's classification, so its dashboards read ours), plus the rate-limit headroom GitHub reports.
 */
import { kelosMetrics, type KelosMetrics } from '../../host/metrics/kelos-metrics';

/**
 * GitHub's rate-limit resources (its REST docs); a header naming anything else counts as "other", so an API server
 * (GitHub Enterprise, a proxy) cannot grow the gauge's label set without bound.
 */
const RATE_LIMIT_RESOURCES = new Set(['core', 'search', 'code_search', 'graphql', 'integration_manifest', 'source_import', 'code_scanning_upload', 'code_scanning_autofix', 'actions_runner_registration', 'scim', 'dependency_snapshots', 'dependency_sbom', 'audit_log', 'audit_log_streaming']);

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
    const resource = typeof limitResource !== 'string' ? 'core' : RATE_LIMIT_RESOURCES.has(limitResource) ? limitResource : 'other';
    m.githubRateLimitRemaining.set({ resource }, remaining);
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
