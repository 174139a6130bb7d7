/**
 * The jira source: JQL composition (Kelos's ORDER BY lifting), ADF → text (Kelos's extraction for Comments, a
 * readable rendering for Body), work items, and fetching through jira.js from a local Jira speaking the Cloud and
 * Data Center shapes: both auth modes, the 404 fallback, pagination beyond Kelos's 10 pages, typed failures.
 */
import { adfTextKelos, adfToPlainText } from '../../../src/sources/jira/adf-text';
import { jiraSearchJql } from '../../../src/sources/jira/jql';
import { MAX_JIRA_COMMENT_BYTES, jiraComments, jiraIssueNumber, jiraWorkItem } from '../../../src/sources/jira/work-item';
import { fetchJiraItems } from '../../../src/sources/jira/fetch-jira-items';
import { jiraCredentialsFromSecret } from '../../../src/sources/jira/jira-credentials';
import { startFakeJira, type FakeJira } from '../../harness/jira-api/fake-jira';

const doc = (...content: unknown[]) => ({ type: 'doc', version: 1, content });
const p = (...content: unknown[]) => ({ type: 'paragraph', content });
const t = (text: string, marks?: unknown[]) => ({ type: 'text', text, ...(marks ? { marks } : {}) });

describe('JQL', () => {
  test.each([
    [undefined, 'project = ENG'],
    ['', 'project = ENG'],
    ['status = "To Do"', 'project = ENG AND (status = "To Do")'],
    ['labels = agent ORDER BY created DESC', 'project = ENG AND (labels = agent) ORDER BY created DESC'],
    ['labels = agent order by priority', 'project = ENG AND (labels = agent) order by priority'],
    ['ORDER BY rank', 'project = ENG ORDER BY rank'],
    ['summary ~ "ORDER BY" ORDER BY key', 'project = ENG AND (summary ~ "ORDER BY") ORDER BY key'],
  ])('%j → %s', (jql, expected) => {
    expect(jiraSearchJql('ENG', jql)).toBe(expected);
  });
});

describe('Atlassian Document Format', () => {
  const rich = doc(
    { type: 'heading', attrs: { level: 2 }, content: [t('Login fails')] },
    p(t('Hello '), { type: 'mention', attrs: { id: 'u1', text: '@Ada' } }, t(', see '), t('the docs', [{ type: 'link', attrs: { href: 'https://docs.example.com' } }]), { type: 'hardBreak' }, t('second line')),
    { type: 'bulletList', content: [{ type: 'listItem', content: [p(t('first'))] }, { type: 'listItem', content: [p(t('second')), { type: 'bulletList', content: [{ type: 'listItem', content: [p(t('nested'))] }] }] }] },
    { type: 'orderedList', attrs: { order: 3 }, content: [{ type: 'listItem', content: [p(t('three'))] }, { type: 'listItem', content: [p(t('four'))] }] },
    { type: 'codeBlock', attrs: { language: 'js' }, content: [t('throw new Error("x");\nreturn;')] },
    p({ type: 'inlineCard', attrs: { url: 'https://jira.example.com/browse/ENG-1' } }, t(' '), { type: 'emoji', attrs: { shortName: ':smile:', text: '😄' } }),
    { type: 'table', content: [{ type: 'tableRow', content: [{ type: 'tableHeader', content: [p(t('k'))] }, { type: 'tableHeader', content: [p(t('v'))] }] }, { type: 'tableRow', content: [{ type: 'tableCell', content: [p(t('a'))] }, { type: 'tableCell', content: [p(t('1'))] }] }] },
  );

  test('Body: a readable plain-text rendering', () => {
    expect(adfToPlainText(rich)).toBe(
      [
        'Login fails',
        'Hello @Ada, see the docs (https://docs.example.com)\nsecond line',
        '- first\n- second\n  - nested',
        '3. three\n4. four',
        'throw new Error("x");\nreturn;',
        'https://jira.example.com/browse/ENG-1 😄',
        'k | v\na | 1',
      ].join('\n\n'),
    );
  });

  test('Comments: Kelos\'s recursive text extraction, unchanged', () => {
    expect(adfTextKelos(doc(p(t('Hello '), t('world')), p(t('again'))))).toBe('Hello \nworld\nagain');
    expect(adfTextKelos('plain *wiki* text')).toBe('plain *wiki* text');
    expect(adfTextKelos(42)).toBe('');
  });
});

describe('work items', () => {
  test.each([
    ['ENG-42', 42],
    ['eng-7', 7],
    ['NOKEY', 0],
    ['A-B-3', 0],
    ['ENG-', 0],
  ])('%s has number %d', (key, number) => expect(jiraIssueNumber(key)).toBe(number));

  test('variables: key, number, summary, description as text, browse URL, labels, comments, issue type', () => {
    const item = jiraWorkItem(
      { key: 'ENG-42', fields: { summary: 'Fix login', description: doc(p(t('Steps to reproduce'))), labels: ['agent', 'backend'], issuetype: { name: 'Bug' }, comment: { comments: [{ body: 'plain' }, { body: doc(p(t('adf'))) }, { body: '' }] } } },
      'https://acme.atlassian.net/',
    );
    expect(item).toEqual({
      id: 'ENG-42',
      labels: ['agent', 'backend'],
      vars: { ID: 'ENG-42', Number: 42, Title: 'Fix login', Body: 'Steps to reproduce', URL: 'https://acme.atlassian.net/browse/ENG-42', Labels: 'agent, backend', Comments: 'plain\n---\nadf', Kind: 'Bug' },
    });
    expect(jiraWorkItem({ key: 'ENG-1', fields: { summary: 's' } }, 'https://x').vars.Kind).toBe('Issue');
  });

  test('comments keep the oldest within 64 KiB (Kelos\'s Jira rule)', () => {
    const big = 'x'.repeat(40 * 1024);
    expect(jiraComments([{ body: 'first' }, { body: big }, { body: big }, { body: 'last' }])).toBe(`first\n---\n${big}`);
    expect(jiraComments([{ body: 'y'.repeat(MAX_JIRA_COMMENT_BYTES + 1) }])).toBe('');
  });

  test('credentials: Basic with JIRA_USER, Bearer without, a clear error without JIRA_TOKEN', () => {
    expect(jiraCredentialsFromSecret('jira', { JIRA_TOKEN: 't', JIRA_USER: 'a@b.c' })).toEqual({ mode: 'basic', user: 'a@b.c', token: 't' });
    expect(jiraCredentialsFromSecret('jira', { JIRA_TOKEN: 't' })).toEqual({ mode: 'bearer', token: 't' });
    expect(() => jiraCredentialsFromSecret('jira', { JIRA_USER: 'a' })).toThrow('secret "jira" has no JIRA_TOKEN (keys present: JIRA_USER)');
  });
});

describe('fetching through jira.js', () => {
  let cloud: FakeJira;
  let datacenter: FakeJira;
  beforeAll(async () => {
    cloud = await startFakeJira({ mode: 'cloud', user: 'bot@acme.dev', token: 'cloud-token', pageSize: 100 });
    datacenter = await startFakeJira({ mode: 'datacenter', token: 'dc-pat', pageSize: 50 });
    for (let i = 1; i <= 1150; i += 1) cloud.addIssue({ key: `ENG-${i}`, summary: `Issue ${i}`, description: doc(p(t(`Description ${i}`))), labels: ['agent'] });
    for (let i = 1; i <= 120; i += 1) datacenter.addIssue({ key: `OPS-${i}`, summary: `Ops ${i}`, description: `h1. Wiki ${i}`, comments: ['looks good'] });
  });
  afterAll(async () => {
    await cloud?.close();
    await datacenter?.close();
  });

  test('Cloud: Basic auth, the /search/jql endpoint, 12 pages (beyond Kelos\'s 10-page cap)', async () => {
    const result = await fetchJiraItems({ baseUrl: cloud.url, project: 'ENG', jql: 'labels = agent ORDER BY created' }, { mode: 'basic', user: 'bot@acme.dev', token: 'cloud-token' });
    expect(result.endpoint).toBe('search/jql');
    expect(result.items).toHaveLength(1150);
    expect(result.requests).toBe(12);
    expect(result.items[0].vars).toMatchObject({ ID: 'ENG-1', Body: 'Description 1', URL: `${cloud.url}/browse/ENG-1` });
    const request = cloud.requests.find((r) => r.path === '/rest/api/2/search/jql')!;
    expect(request.auth).toBe('basic');
    expect(request.query.jql).toBe('project = ENG AND (labels = agent) ORDER BY created');
    expect(request.query.fields).toBe('summary,description,status,labels,comment,issuetype');
  });

  test('Data Center: Bearer PAT; /search/jql answers 404, the classic /search with startAt takes over', async () => {
    const result = await fetchJiraItems({ baseUrl: datacenter.url, project: 'OPS' }, { mode: 'bearer', token: 'dc-pat' });
    expect(result.endpoint).toBe('search');
    expect(result.items).toHaveLength(120);
    expect(result.items[119].vars).toMatchObject({ ID: 'OPS-120', Number: 120, Body: 'h1. Wiki 120', Comments: 'looks good', Kind: 'Task' });
    expect(datacenter.requests.map((r) => `${r.path} ${r.query.startAt ?? ''} ${r.status}`)).toEqual([
      '/rest/api/2/search/jql  404',
      '/rest/api/2/search 0 200',
      '/rest/api/2/search 50 200',
      '/rest/api/2/search 100 200',
    ]);
    expect(datacenter.requests.every((r) => r.auth === 'bearer')).toBe(true);
  });

  test('bad credentials fail without retry and say which auth mode was used; never the token', async () => {
    const error = await fetchJiraItems({ baseUrl: cloud.url, project: 'ENG' }, { mode: 'bearer', token: 'cloud-token' }).catch((e) => e);
    expect(error).toMatchObject({ type: 'SourceUnauthorized', nonRetryable: true });
    expect(error.message).toContain('Bearer personal access token');
    expect(error.message).not.toContain('cloud-token');
  });

  test('429 with Retry-After becomes a retry timed to it; bad JQL (400) names Jira\'s message', async () => {
    cloud.failNext(429, { 'retry-after': '7' }, { errorMessages: ['Rate limit exceeded'] });
    const limited = await fetchJiraItems({ baseUrl: cloud.url, project: 'ENG' }, { mode: 'basic', user: 'bot@acme.dev', token: 'cloud-token' }).catch((e) => e);
    expect(limited).toMatchObject({ type: 'SourceRateLimited', nextRetryDelay: 7000 });
    cloud.failNext(400, {}, { errorMessages: ["Error in the JQL Query: The character '%' is a reserved JQL character."], errors: {} });
    const bad = await fetchJiraItems({ baseUrl: cloud.url, project: 'ENG', jql: '%' }, { mode: 'basic', user: 'bot@acme.dev', token: 'cloud-token' }).catch((e) => e);
    expect(bad).toMatchObject({ type: 'SourceBadResponse', nonRetryable: true });
    expect(bad.message).toContain('reserved JQL character');
  });
});
