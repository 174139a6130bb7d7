/**
 * A Jira issue as a WorkItem (kelos-behaviour §2.5): `ID` = key, `Number` = the integer after the first `-`
 * (0 otherwise), `Title` = summary, `Body` = the description as plain text (Kelos leaves it empty), `URL` =
 * `<baseUrl>/browse/KEY`, `Labels` joined ", ", `Comments` = comment bodies joined `\n---\n`, keeping the oldest
 * within 64 KiB (Kelos's Jira rule, the opposite of GitHub's), `Kind` = the issue type or `Issue`.
 */
import { utf8Length } from '../../go';
import type { WorkItem } from '../work-item';
import { adfTextKelos, adfToPlainText } from './adf-text';

export const MAX_JIRA_COMMENT_BYTES = 64 * 1024;

/** The fields of a search result issue that a WorkItem reads (REST v2; v3 bodies are ADF). */
export interface JiraIssue {
  key: string;
  fields?: {
    summary?: string | null;
    description?: unknown;
    labels?: string[] | null;
    issuetype?: { name?: string | null } | null;
    comment?: { comments?: { body?: unknown }[] | null } | null;
  } | null;
}

export function jiraIssueNumber(key: string): number {
  const dash = key.indexOf('-');
  if (dash < 0) return 0;
  const rest = key.slice(dash + 1);
  return /^[+-]?\d+$/.test(rest) && Number.isSafeInteger(Number(rest)) ? Number(rest) : 0;
}

/** Kelos: skip empty bodies; stop at the first comment that would pass 64 KiB of bodies (separators not counted). */
export function jiraComments(comments: readonly { body?: unknown }[]): string {
  const parts: string[] = [];
  let total = 0;
  for (const comment of comments) {
    const body = adfTextKelos(comment.body);
    if (body === '') continue;
    total += utf8Length(body);
    if (total > MAX_JIRA_COMMENT_BYTES) break;
    parts.push(body);
  }
  return parts.join('\n---\n');
}

export function jiraWorkItem(issue: JiraIssue, baseUrl: string): WorkItem {
  const fields = issue.fields ?? {};
  const labels = (fields.labels ?? []).filter((label): label is string => typeof label === 'string');
  return {
    id: issue.key,
    vars: {
      ID: issue.key,
      Number: jiraIssueNumber(issue.key),
      Title: fields.summary ?? '',
      Body: adfToPlainText(fields.description ?? ''),
      URL: `${baseUrl.replace(/\/+$/, '')}/browse/${issue.key}`,
      Labels: labels.join(', '),
      Comments: jiraComments(fields.comment?.comments ?? []),
      Kind: fields.issuetype?.name || 'Issue',
    },
    labels,
  };
}
