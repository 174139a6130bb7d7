/**
 * Does a GitHub delivery match a `githubWebhook` spawner? Kelos's rules (kelos-behaviour §3.2 "Matching"):
 * repository exact; event in `events`; top-level `excludeAuthors` first (it beats a filter's `author`); no
 * filters → match; else OR over the filters whose `event` equals the event, AND within one filter. An invalid
 * glob or regex rejects that filter (Kelos logs and rejects the event).
 *
 * `filePatterns` on PR-related events need the PR's files, which cost an API call: when a filter matches
 * apart from its filePatterns and the files are not known, the result says `needsChangedFiles` and the caller
 * fetches `GET /repos/{o}/{r}/pulls/{n}/files` and calls again with them (Kelos does the same, lazily).
 */
import type { GitHubWebhookFilter, GitHubWebhookSource } from '../../model/types';
import { hasFilePatterns, matchesFilePatterns } from '../file-patterns';
import { PULL_REQUEST_KINDS, type GitHubEventFacts } from './github-event';
import { goGlobMatch, goRegexpMatch } from '../../go';

export interface GitHubMatch {
  matched: boolean;
  /** Some filter would match once the PR's changed files are known: fetch them and call again. */
  needsChangedFiles?: boolean;
  /** Why it did not match (for logs and tests). */
  reason?: string;
}

/** Filter evaluation that cannot decide (bad glob/regex) counts as "no". */
function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

function globOk(pattern: string | undefined, value: string, requireValue: boolean): boolean {
  if (!pattern) return true;
  if (requireValue && value === '') return false;
  return safely(() => goGlobMatch(pattern, value));
}

/**
 * The facts a filter reads that were cut to fit the delivery's signal (delivery-budget.ts): such a filter is never
 * matched on a part of what it would read.
 */
export function cutFactsReadBy(filter: GitHubWebhookFilter, facts: GitHubEventFacts & { truncated?: string[] }): string[] {
  const cut = new Set(facts.truncated ?? []);
  const reads: [string, boolean][] = [
    ['filterBody', Boolean(filter.bodyContains || filter.bodyPattern || filter.excludeBodyPatterns?.length)],
    ['labels', Boolean(filter.labels?.length || filter.excludeLabels?.length)],
    ['changedFiles', facts.kind === 'push' && hasFilePatterns(filter.filePatterns)],
  ];
  return reads.filter(([fact, read]) => read && cut.has(fact)).map(([fact]) => fact);
}

/** Every rule of one filter except filePatterns. */
export function githubFilterMatchesWithoutFiles(filter: GitHubWebhookFilter, facts: GitHubEventFacts): boolean {
  if (cutFactsReadBy(filter, facts).length) return false;
  if (filter.action && filter.action !== facts.action) return false;
  // `author` / `excludeAuthors` compare the delivery's sender, as in Kelos.
  if (filter.author && filter.author !== facts.sender) return false;
  if (facts.sender && (filter.excludeAuthors ?? []).includes(facts.sender)) return false;
  if (!globOk(filter.branch, facts.branch, true)) return false;
  if (!globOk(filter.tag, facts.tag, true)) return false;

  const kind = facts.kind;
  if (kind === 'issues' || kind === 'issue_comment' || PULL_REQUEST_KINDS.has(kind)) {
    // commentOn scopes only issue_comment (GitHub sends it for issues and PRs alike).
    if (filter.commentOn && kind === 'issue_comment' && facts.hasSubject) {
      if ((filter.commentOn === 'PullRequest') !== facts.onPullRequest) return false;
    }
    if (facts.hasSubject) {
      if (filter.state && filter.state !== facts.state) return false;
      if (filter.draft !== undefined && PULL_REQUEST_KINDS.has(kind) && filter.draft !== facts.draft) return false;
      const labels = new Set(facts.labels);
      if (!(filter.labels ?? []).every((name) => labels.has(name))) return false;
      if ((filter.excludeLabels ?? []).some((name) => labels.has(name))) return false;
    }
    // PR events read bodies only when the PR object exists; issue events always (empty without subject).
    if (facts.hasSubject || !PULL_REQUEST_KINDS.has(kind)) {
      if (filter.bodyContains && !facts.filterBody.includes(filter.bodyContains)) return false;
      if (filter.bodyPattern && !safely(() => goRegexpMatch(filter.bodyPattern!, facts.filterBody))) return false;
      for (const pattern of filter.excludeBodyPatterns ?? []) {
        // An invalid exclude pattern rejects, as in Kelos.
        let excluded = true;
        try {
          excluded = goRegexpMatch(pattern, facts.filterBody);
        } catch {
          excluded = true;
        }
        if (excluded) return false;
      }
    }
  } else if (kind === 'check_run' && facts.id !== '') {
    if (filter.conclusion && filter.conclusion !== facts.conclusion) return false;
    if (filter.checkName && !safely(() => goGlobMatch(filter.checkName!, facts.checkName))) return false;
  }
  return true;
}

/** Events whose changed files can be fetched from the PR files API. */
function canFetchPullFiles(facts: GitHubEventFacts): boolean {
  if (facts.number <= 0 || facts.repository === '') return false;
  return PULL_REQUEST_KINDS.has(facts.kind) || facts.kind === 'check_run' || (facts.kind === 'issue_comment' && facts.onPullRequest);
}

/** Repository, events and top-level excludeAuthors: the gate before any filter. */
function gate(source: GitHubWebhookSource, facts: GitHubEventFacts): string | undefined {
  if (source.repository && source.repository !== facts.repository) return `repository ${JSON.stringify(facts.repository)} is not ${source.repository}`;
  if (!source.events.includes(facts.event)) return `event ${facts.event} is not listed`;
  if (facts.sender && (source.excludeAuthors ?? []).includes(facts.sender)) return `sender ${facts.sender} is excluded`;
  return undefined;
}

/**
 * The spawner's decision. `changedFiles`: the PR's files once fetched (ignored for push, whose files come from
 * the payload). Without it, a filter that matches except for its filePatterns yields `needsChangedFiles`.
 */
export function matchGitHubWebhook(source: GitHubWebhookSource, facts: GitHubEventFacts, changedFiles?: readonly string[]): GitHubMatch {
  const refused = gate(source, facts);
  if (refused) return { matched: false, reason: refused };
  const filters = source.filters ?? [];
  if (filters.length === 0) return { matched: true };
  const forEvent = filters.filter((filter) => filter.event === facts.event);
  if (forEvent.length === 0) return { matched: false, reason: `no filter for event ${facts.event}` };

  const files = facts.kind === 'push' ? facts.changedFiles : changedFiles;
  let needsChangedFiles = false;
  for (const filter of forEvent) {
    if (!githubFilterMatchesWithoutFiles(filter, facts)) continue;
    if (!hasFilePatterns(filter.filePatterns)) return { matched: true }; // `{}` passes without files, as in Kelos
    if (files === undefined && canFetchPullFiles(facts)) {
      needsChangedFiles = true; // keep looking: another filter may match without files
      continue;
    }
    if (matchesFilePatterns(filter.filePatterns, files ?? [])) return { matched: true };
  }
  if (needsChangedFiles) return { matched: false, needsChangedFiles: true, reason: 'changed files needed' };
  const cut = [...new Set(forEvent.flatMap((filter) => cutFactsReadBy(filter, facts)))];
  if (cut.length) return { matched: false, reason: `the delivery's ${cut.join(', ')} were cut to fit its signal, and a filter reads them: not matched on a part` };
  return { matched: false, reason: 'no filter matched' };
}

/**
 * What `{{.ChangedFiles}}` shows this spawner: push files always; PR files only when one of its filters for
 * the event declares filePatterns and matches otherwise (so a list fetched for one spawner never leaks into
 * another's prompt; Kelos #13 in Appendix B).
 */
export function githubChangedFilesForSpawner(source: GitHubWebhookSource, facts: GitHubEventFacts, fetched?: readonly string[]): string[] {
  if (facts.kind === 'push') return [...facts.changedFiles];
  if (!fetched || gate(source, facts)) return [];
  const uses = (source.filters ?? []).some(
    (filter) => filter.event === facts.event && filter.filePatterns !== undefined && githubFilterMatchesWithoutFiles(filter, facts),
  );
  return uses ? [...fetched] : [];
}
