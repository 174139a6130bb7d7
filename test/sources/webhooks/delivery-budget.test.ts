/**
 * A webhook delivery's signal within its budget: a GitHub delivery's facts (taken from the full body) are capped —
 * a 900 KB body, a push of 50,000 paths — with a mark and a list of what was cut; the filter body travels once; and
 * a filter that reads a cut fact is never matched on its visible part.
 */
import { extractGitHubEvent } from '../../../src/sources/webhooks/github-event';
import { capGitHubFacts, FACT_LIST_ENTRIES, FACT_TEXT_BYTES, uncapGitHubFacts } from '../../../src/sources/webhooks/delivery-budget';
import { matchGitHubWebhook } from '../../../src/sources/webhooks/github-match';
import { octokitExample } from './fixtures';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('GitHub delivery facts in a signal', () => {
  it('caps a 900 KB issue body with a visible mark, sends it once, and keeps the facts under 200 KB', () => {
    const payload = octokitExample('issues', 'opened');
    payload.issue.body = `urgent: ${'word '.repeat(180_000)}`;
    const full = extractGitHubEvent('issues', payload, 'd1');
    expect(bytes(full)).toBeGreaterThan(1_800_000); // body and filter body: two copies today
    const capped = capGitHubFacts(full);
    expect(bytes(capped)).toBeLessThan(200 * 1024);
    expect(capped.body).toMatch(/\[… truncated by kelos: \d+ more bytes\]$/);
    expect(Buffer.byteLength(capped.body)).toBeLessThanOrEqual(FACT_TEXT_BYTES);
    expect(capped.filterBodyFrom).toBe('body');
    expect(capped.filterBody).toBe('');
    expect(capped.truncated).toEqual(expect.arrayContaining(['body', 'filterBody']));
    expect(uncapGitHubFacts(capped).filterBody).toBe(capped.body);
  });

  it('caps a push listing 50,000 paths', () => {
    const payload = octokitExample('push', undefined);
    payload.commits = [{ ...payload.commits?.[0], added: Array.from({ length: 50_000 }, (_, i) => `src/generated/module-${i}/index.ts`), removed: [], modified: [] }];
    const full = extractGitHubEvent('push', payload, 'd2');
    expect(full.changedFiles.length).toBe(50_000);
    const capped = capGitHubFacts(full);
    expect(capped.changedFiles).toHaveLength(FACT_LIST_ENTRIES);
    expect(capped.truncated).toContain('changedFiles');
    expect(bytes(capped)).toBeLessThan(200 * 1024);
  });

  it('leaves a delivery that fits as it is', () => {
    const full = extractGitHubEvent('issues', octokitExample('issues', 'opened'), 'd3');
    const capped = capGitHubFacts(full);
    expect(capped.truncated).toBeUndefined();
    expect(uncapGitHubFacts(capped)).toEqual({ ...full, filterBodyFrom: capped.filterBodyFrom });
  });

  it('never matches a filter on the visible part of a cut fact, and says why', () => {
    const payload = octokitExample('issues', 'opened');
    payload.issue.body = `${'filler '.repeat(20_000)} role: guest`;
    const capped = uncapGitHubFacts(capGitHubFacts(extractGitHubEvent('issues', payload, 'd4')));
    // The excluded text is past the cut: matching on the visible part would let the delivery through.
    const exclude = { events: ['issues'], filters: [{ event: 'issues', excludeBodyPatterns: ['role: guest'] }] };
    const result = matchGitHubWebhook(exclude, capped);
    expect(result.matched).toBe(false);
    expect(result.reason).toMatch(/filterBody were cut to fit its signal/);
    // A filter that reads no cut fact decides as before.
    expect(matchGitHubWebhook({ events: ['issues'], filters: [{ event: 'issues', action: 'opened' }] }, capped).matched).toBe(true);
  });
});
