/**
 * Which repository a GitHub polling source reads, and through which API: the source's `repo` override
 * (`owner/repo` or a URL) or else the Workspace's repo URL. github.com uses https://api.github.com; any other
 * host is GitHub Enterprise Server at `https://<host>/api/v3`. The worker's `GITHUB_API_URL` overrides the base
 * (githubApiBaseUrl, given the value by the code that reads the environment).
 */

export interface GitHubTarget {
  owner: string;
  repo: string;
  host: string;
  apiBaseUrl: string;
}

const GITHUB_HOSTS = new Set(['github.com', 'www.github.com']);
const GITHUB_API = 'https://api.github.com';

/** The API base to call: the worker's `GITHUB_API_URL` when set, else the target's (github.com's without one). */
export function githubApiBaseUrl(githubApiUrlEnv: string | undefined, target?: GitHubTarget | { error: string }): string {
  return githubApiUrlEnv?.trim() || (target && !('error' in target) ? target.apiBaseUrl : GITHUB_API);
}

/** The target, or an error message naming what could not be read. */
export function githubTarget(repoOverride: string | undefined, workspaceRepo: string | undefined): GitHubTarget | { error: string } {
  const text = (repoOverride || workspaceRepo || '').trim();
  if (!text) return { error: 'no repository: set the source\'s "repo" or a taskTemplate.workspaceRef whose Workspace has a repo' };
  const parsed = parseRepo(text);
  if (!parsed) return { error: `cannot read owner/repo from "${text}" (expected owner/repo or a GitHub URL)` };
  const host = parsed.host.toLowerCase();
  return { ...parsed, host, apiBaseUrl: GITHUB_HOSTS.has(host) ? GITHUB_API : `https://${host}/api/v3` };
}

function parseRepo(text: string): { host: string; owner: string; repo: string } | undefined {
  // owner/repo
  let match = /^([A-Za-z0-9][-A-Za-z0-9_.]*)\/([-A-Za-z0-9_.]+?)(?:\.git)?$/.exec(text);
  if (match) return { host: 'github.com', owner: match[1], repo: match[2] };
  // git@host:owner/repo(.git)
  match = /^[^@/\s]+@([^:/\s]+):\/?([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(text);
  if (match) return { host: match[1], owner: match[2], repo: match[3] };
  // scheme://[user@]host[:port]/owner/repo(.git)
  match = /^(?:https?|git|ssh):\/\/(?:[^@/\s]+@)?([^/:\s]+)(?::\d+)?\/([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(text);
  if (match) return { host: match[1], owner: match[2], repo: match[3] };
  return undefined;
}
