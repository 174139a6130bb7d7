/**
 * Every issue a jira source matches, through jira.js: the current search (`GET /rest/api/2/search/jql`, paged by
 * `nextPageToken`), falling back for the rest of the poll to the classic `GET /rest/api/2/search` (`startAt`) when
 * the server answers 404, as Data Center does (and Kelos after it). No page cap (Kelos stops at 10 pages), but a
 * server that repeats a page token or stops advancing is an error rather than an endless loop.
 * HTTP failures become the typed failures of src/sources/polling/source-errors.ts.
 */
import { Version2Client } from 'jira.js';
import type { JiraSource } from '../../model/types';
import { jiraSearchJql } from './jql';
import { jiraWorkItem, type JiraIssue } from './work-item';
import type { WorkItem } from '../work-item';
import { badResponse, notFound, rateLimited, retryDelayMs, unauthorized } from '../polling/source-errors';
import { describeAuth, type JiraCredentials } from './jira-credentials';

const PAGE_SIZE = 100;
const FIELDS = ['summary', 'description', 'status', 'labels', 'comment', 'issuetype'];

export interface JiraFetchResult {
  items: WorkItem[];
  requests: number;
  endpoint: 'search/jql' | 'search';
}

export async function fetchJiraItems(
  source: Pick<JiraSource, 'baseUrl' | 'project' | 'jql'>,
  credentials: JiraCredentials,
  options: { onPage?: (pages: number, issues: number) => void } = {},
): Promise<JiraFetchResult> {
  const baseUrl = source.baseUrl.replace(/\/+$/, '');
  // A Data Center PAT goes in a default header: jira.js types `oauth2` for Atlassian Cloud apps only.
  const client = new Version2Client(
    credentials.mode === 'basic'
      ? { host: baseUrl, authentication: { basic: { email: credentials.user, apiToken: credentials.token } } }
      : { host: baseUrl, baseRequestConfig: { headers: { Authorization: `Bearer ${credentials.token}` } } },
  );
  const jql = jiraSearchJql(source.project, source.jql);
  const issues: JiraIssue[] = [];
  let requests = 0;
  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    requests += 1;
    try {
      return await request();
    } catch (err) {
      throw jiraFailure(err, what, baseUrl, credentials);
    }
  };

  try {
    const seenTokens = new Set<string>();
    for (let token: string | undefined; ; ) {
      const page = await call(`searching ${baseUrl} with ${JSON.stringify(jql)}`, () =>
        client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql, maxResults: PAGE_SIZE, fields: FIELDS, ...(token ? { nextPageToken: token } : {}) }),
      );
      issues.push(...((page.issues ?? []) as JiraIssue[]));
      options.onPage?.(requests, issues.length);
      const next = page.nextPageToken;
      if (!next || (page as { isLast?: boolean }).isLast) break;
      if (seenTokens.has(next)) throw badResponse(`Jira at ${baseUrl} repeated the page token ${next}: refusing to loop`);
      seenTokens.add(next);
      token = next;
    }
    return { items: issues.map((issue) => jiraWorkItem(issue, baseUrl)), requests, endpoint: 'search/jql' };
  } catch (err) {
    if ((err as { type?: string }).type !== 'SourceNotFound' || issues.length) throw err;
  }

  // Data Center / Server without the new endpoint: classic offset paging.
  for (let startAt = 0; ; ) {
    const page = await call(`searching ${baseUrl} (classic /search) with ${JSON.stringify(jql)}`, () =>
      client.issueSearch.searchForIssuesUsingJql({ jql, startAt, maxResults: PAGE_SIZE, fields: FIELDS }),
    );
    const batch = (page.issues ?? []) as JiraIssue[];
    issues.push(...batch);
    options.onPage?.(requests, issues.length);
    startAt += batch.length;
    const total = page.total ?? 0;
    if (startAt >= total) break;
    if (!batch.length) throw badResponse(`Jira at ${baseUrl} reported ${total} issues but returned none from ${startAt}`);
  }
  return { items: issues.map((issue) => jiraWorkItem(issue, baseUrl)), requests, endpoint: 'search' };
}

/** jira.js throws an HttpException (status, the response body under `response.data`, the axios error as `cause`). */
export function jiraFailure(err: unknown, what: string, baseUrl: string, credentials: JiraCredentials): unknown {
  const status = (err as { status?: unknown }).status;
  if (typeof status !== 'number' || status >= 500 && status !== 503) return err instanceof Error ? new Error(`Jira: ${what}: ${err.message}`) : err;
  const data = ((err as { response?: { data?: unknown } }).response?.data ?? {}) as { errorMessages?: string[]; errors?: Record<string, string> };
  const details = [...(data.errorMessages ?? []), ...Object.values(data.errors ?? {})].join('; ');
  const headers = ((err as { cause?: { response?: { headers?: Record<string, unknown> } } }).cause?.response?.headers ?? {}) as Record<string, unknown>;
  if (status === 429 || status === 503) {
    const delay = retryDelayMs({ retryAfter: headers['retry-after'] as string | undefined }, Date.now()) ?? 60_000;
    return rateLimited(`Jira rate limit (${status}) while ${what}; retrying in ${Math.ceil(delay / 1000)}s`, delay);
  }
  if (status === 401 || status === 403) return unauthorized(`Jira refused ${describeAuth(credentials)} at ${baseUrl} (${status}${details ? `: ${details}` : ''})`);
  if (status === 404) return notFound(`Jira answered 404 while ${what}${details ? `: ${details}` : ''}`);
  return badResponse(`Jira answered ${status} while ${what}${details ? `: ${details}` : ''}`);
}
