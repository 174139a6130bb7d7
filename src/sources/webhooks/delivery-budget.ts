/**
 * A webhook delivery's signal within its budget. Besides the payload (trimmed by payload-budget.ts), a GitHub
 * delivery carries facts taken from the full body, and those can be as large as the body: a 900 KB issue body, or a
 * push listing 50,000 paths. Each fact is capped here (text with a visible mark, lists by count and entry length),
 * the filter body is not sent twice when it is the body or the comment, and the facts say which ones were cut, so
 * a filter that would read a cut fact is never matched on it (github-match.ts). Pure: shared by the bridge and tests.
 */
import { truncateText } from '../../common/text-truncation';
import type { GitHubEventFacts } from './github-event';

export const FACT_TEXT_BYTES = 64 * 1024;
export const FACT_SHORT_TEXT = 1_024;
export const FACT_LIST_ENTRIES = 1_000;
export const FACT_LIST_ENTRY_CHARS = 1_024;

/** Facts as a delivery signal carries them. */
export type CappedGitHubFacts = GitHubEventFacts & {
  /** Names of the facts that were cut to fit the signal. */
  truncated?: string[];
  /** The filter body is this other fact (so it is sent once). */
  filterBodyFrom?: 'body' | 'commentBody';
};

export function capGitHubFacts(facts: GitHubEventFacts): CappedGitHubFacts {
  const truncated: string[] = [];
  const text = (name: string, value: string, max: number): string => {
    const cut = truncateText(value, max);
    if (cut !== value) truncated.push(name);
    return cut;
  };
  const list = (name: string, values: string[]): string[] => {
    const kept = values.slice(0, FACT_LIST_ENTRIES).map((v) => (v.length > FACT_LIST_ENTRY_CHARS ? v.slice(0, FACT_LIST_ENTRY_CHARS) : v));
    if (kept.length !== values.length || kept.some((v, i) => v !== values[i])) truncated.push(name);
    return kept;
  };
  const filterBodyFrom = facts.filterBody === facts.body ? 'body' : facts.filterBody === facts.commentBody ? 'commentBody' : undefined;
  const capped: CappedGitHubFacts = {
    ...facts,
    title: text('title', facts.title, FACT_SHORT_TEXT),
    body: text('body', facts.body, FACT_TEXT_BYTES),
    commentBody: text('commentBody', facts.commentBody, FACT_TEXT_BYTES),
    filterBody: filterBodyFrom ? '' : text('filterBody', facts.filterBody, FACT_TEXT_BYTES),
    labels: list('labels', facts.labels),
    changedFiles: list('changedFiles', facts.changedFiles),
    ...(filterBodyFrom ? { filterBodyFrom } : {}),
  };
  // A filter body sent as a reference is as cut as what it refers to.
  if (filterBodyFrom && truncated.includes(filterBodyFrom)) truncated.push('filterBody');
  if (truncated.length) capped.truncated = truncated;
  return capped;
}

/** The facts as filters read them: the filter body back in place when it was sent by reference. */
export function uncapGitHubFacts(facts: CappedGitHubFacts): CappedGitHubFacts {
  if (!facts.filterBodyFrom) return facts;
  return { ...facts, filterBody: facts[facts.filterBodyFrom] };
}
