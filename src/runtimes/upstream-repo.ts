/**
 * The upstream repository of a fork workflow, as `owner/repo`: what the agent gets as KELOS_UPSTREAM_REPO so its
 * PR (and the output block's PR lookup) targets the upstream rather than the fork it pushes to. Both runtimes
 * use these, so a Task sees the same value wherever it runs.
 */
import { githubTarget } from '../sources/github/repo-target';

export interface NamedRemote {
  name: string;
  url: string;
}

/**
 * `owner/repo` of a repository reference: `owner/repo`, a GitHub URL or `git@host:owner/repo`, else the last
 * two path segments of any other URL or path (a `file://` or local remote such as `/srv/git/acme/app.git`).
 */
export function repositoryName(ref: string): string | undefined {
  const text = ref.trim();
  if (!text) return undefined;
  const target = githubTarget(text, undefined);
  if (!('error' in target)) return `${target.owner}/${target.repo}`;
  const withoutHost = text.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const segments = withoutHost.replace(/\.git\/*$/, '').split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  return segments.length >= 2 ? segments.slice(-2).join('/') : undefined;
}

/** The Task's own `upstreamRepo`, else the repository of the Workspace remote named `upstream` (Kelos does the same). */
export function effectiveUpstreamRepo(upstreamRepo: string | undefined, remotes: readonly NamedRemote[] | undefined): string | undefined {
  if (upstreamRepo) return upstreamRepo;
  for (const remote of remotes ?? []) {
    if (remote.name !== 'upstream') continue;
    const name = repositoryName(remote.url);
    if (name) return name;
  }
  return undefined;
}
