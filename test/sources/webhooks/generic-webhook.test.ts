/** Generic webhooks: example 13 (Sentry) and every filter rule. */
import type { GenericWebhookSource } from '../../../src/model';
import {
  extractGenericFields,
  genericDeliveryId,
  genericFilterMatches,
  matchGenericWebhook,
} from '../../../src/sources/webhooks/generic-webhook';
import { kelosSpawner } from './fixtures';

/** Shaped like a Sentry issue-alert webhook (the payload example 13 maps). */
function sentryEvent(event: Record<string, unknown> = {}): Record<string, any> {
  return {
    action: 'triggered',
    data: {
      url: 'https://sentry.io/organizations/acme/issues/4242/',
      event: {
        event_id: '9b3a6e1c2d4f4a0e8b7c6d5e4f3a2b1c',
        title: "TypeError: Cannot read properties of undefined (reading 'id')",
        level: 'error',
        platform: 'python',
        environment: 'production',
        timestamp: 1714000000.5,
        ...event,
      },
      triggered_rule: 'Page on errors',
    },
  };
}

const example13 = () => kelosSpawner('13-taskspawner-generic-webhook/taskspawner.yaml').spec.when.webhook!;

describe('example 13 (sentry-error-responder)', () => {
  it('loads with its fieldMapping and filters', () => {
    const source = example13();
    expect(source.source).toBe('sentry');
    expect(source.fieldMapping.id).toBe('$.data.event.event_id');
    expect(source.filters).toHaveLength(2);
    expect(source.excludeFilters).toHaveLength(2);
  });

  it.each([
    ['a production python error', {}, true],
    ['a go error', { platform: 'go' }, true],
    ['node-js (pattern is a prefix)', { platform: 'node-js' }, true],
    ['a warning (value filter fails)', { level: 'warning' }, false],
    ['a ruby error (pattern filter fails)', { platform: 'ruby' }, false],
    ['staging (excluded by value)', { environment: 'staging' }, false],
    ['a title starting with Test (excluded by ^(?i)test)', { title: 'Test error from CI' }, false],
    ['a TEST title', { title: 'TESTING' }, false],
    ['"test" later in the title is not excluded', { title: 'Error in test helper' }, true],
    ['no environment (missing field does not exclude)', { environment: undefined }, true],
    ['no level (missing field fails the filter)', { level: undefined }, false],
  ])('%s → %s', (_, event, expected) => {
    const body = JSON.parse(JSON.stringify(sentryEvent(event)));
    expect(matchGenericWebhook(example13(), body).matched).toBe(expected);
  });

  it('maps fields, including custom keys, as %v strings', () => {
    const result = matchGenericWebhook(example13(), sentryEvent());
    expect(result.fields).toEqual({
      id: '9b3a6e1c2d4f4a0e8b7c6d5e4f3a2b1c',
      title: "TypeError: Cannot read properties of undefined (reading 'id')",
      url: 'https://sentry.io/organizations/acme/issues/4242/',
      level: 'error',
      platform: 'python',
    });
  });
});

describe('generic fieldMapping and filters', () => {
  const base: GenericWebhookSource = { source: 'alerts', fieldMapping: { id: '$.id' } };

  it('stringifies numbers as Go float64 and leaves missing paths empty', () => {
    const result = extractGenericFields(
      { id: '$.id', count: '$.count', small: '$.n', flag: '$.ok', obj: '$.meta', gone: '$.nope', nil: '$.none' },
      { id: 1234567, count: 500, n: 42, ok: true, meta: { b: 2, a: 'x' }, none: null },
    );
    expect(result).toEqual({
      ok: true,
      fields: { id: '1.234567e+06', count: '500', small: '42', flag: 'true', obj: 'map[a:x b:2]', gone: '', nil: '<nil>' },
    });
  });

  it('a malformed fieldMapping path skips the spawner with an error', () => {
    const result = matchGenericWebhook({ ...base, fieldMapping: { id: '$.id[' } }, { id: 1 });
    expect(result).toMatchObject({ matched: false });
    expect(result.error).toContain('invalid JSONPath');
  });

  it('value compares the %v string exactly (numbers as float64)', () => {
    expect(genericFilterMatches({ field: '$.code', value: '500' }, { code: 500 })).toBe(true);
    expect(genericFilterMatches({ field: '$.code', value: '1234567' }, { code: 1234567 })).toBe(false);
    expect(genericFilterMatches({ field: '$.code', value: '1.234567e+06' }, { code: 1234567 })).toBe(true);
    expect(genericFilterMatches({ field: '$.ok', value: 'true' }, { ok: true })).toBe(true);
    expect(genericFilterMatches({ field: '$.name', value: 'Error' }, { name: 'error' })).toBe(false);
  });

  it('filters are ANDed', () => {
    const source = { ...base, filters: [{ field: '$.a', value: '1' }, { field: '$.b', pattern: '^x' }] };
    expect(matchGenericWebhook(source, { id: 'i', a: 1, b: 'xy' }).matched).toBe(true);
    expect(matchGenericWebhook(source, { id: 'i', a: 1, b: 'yx' }).matched).toBe(false);
    expect(matchGenericWebhook(source, { id: 'i', a: 2, b: 'xy' }).matched).toBe(false);
  });

  it('excludeFilters are ORed and apply after filters', () => {
    const source = { ...base, excludeFilters: [{ field: '$.env', value: 'dev' }, { field: '$.user', pattern: 'bot$' }] };
    expect(matchGenericWebhook(source, { id: 'i', env: 'prod', user: 'ann' }).matched).toBe(true);
    expect(matchGenericWebhook(source, { id: 'i', env: 'dev', user: 'ann' }).matched).toBe(false);
    expect(matchGenericWebhook(source, { id: 'i', env: 'prod', user: 'ci-bot' }).matched).toBe(false);
    expect(matchGenericWebhook(source, { id: 'i' }).matched).toBe(true);
  });

  it('an invalid pattern is an error, so a broken exclude filter never lets a delivery through', () => {
    const result = matchGenericWebhook({ ...base, excludeFilters: [{ field: '$.id', pattern: '(' }] }, { id: 'i' });
    expect(result.matched).toBe(false);
    expect(result.error).toContain('invalid pattern');
  });

  it('filter expressions select lists, printed as Go prints them, which filters compare against', () => {
    const body = {
      id: 'i',
      issue: { labels: [{ name: 'bug', default: false }, { name: 'triage', default: true }] },
      commits: [{ id: 'c1', distinct: true }, { id: 'c2', distinct: false }],
    };
    const fields = extractGenericFields(
      {
        bugs: '$.issue.labels[?(@.name == "bug")].name',
        defaults: '$.issue.labels[?(@.default)].name',
        distinct: '$.commits[?(@.distinct == true)].id',
        none: '$.issue.labels[?(@.name == "docs")].name',
        last: '$.issue.labels[-1].name',
      },
      body,
    );
    expect(fields).toEqual({ ok: true, fields: { bugs: '[bug]', defaults: '[triage]', distinct: '[c1]', none: '[]', last: '' } });
    const source = { ...base, filters: [{ field: '$.issue.labels[?(@.name == "bug")].name', value: '[bug]' }] };
    expect(matchGenericWebhook(source, body).matched).toBe(true);
  });

  it('a filter Kelos cannot parse (< or && in an expression, a single-quoted name) is an error, not a mismatch', () => {
    for (const field of ['$.labels[?(@.n > 1)]', '$.labels[?(@.a == 1 && @.b == 2)]', "$['labels']"]) {
      const result = matchGenericWebhook({ ...base, excludeFilters: [{ field, value: 'x' }] }, { id: 'i', labels: [] });
      expect(result.matched).toBe(false);
      expect(result.error).toContain('invalid JSONPath');
    }
  });

  it('delivery ID comes from the id mapping, else the body hash', () => {
    expect(genericDeliveryId('sentry', { data: { id: 'e1' } }, '$.data.id', 'ff00')).toBe('generic-sentry-e1');
    expect(genericDeliveryId('sentry', { data: { id: 7 } }, '$.data.id', 'ff00')).toBe('generic-sentry-7');
    expect(genericDeliveryId('sentry', { data: {} }, '$.data.id', 'ff00')).toBe('generic-sentry-ff00');
    expect(genericDeliveryId('sentry', { data: { id: null } }, '$.data.id', 'ff00')).toBe('generic-sentry-ff00');
    expect(genericDeliveryId('sentry', { data: { id: 'e1' } }, undefined, 'ff00')).toBe('generic-sentry-ff00');
    expect(genericDeliveryId('sentry', { data: { id: 'e1' } }, '$.[', 'ff00')).toBe('generic-sentry-ff00');
  });
});
