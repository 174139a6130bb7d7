import { compareInstants, formatInstant, parseRfc3339 } from '../../../src/go/rfc3339';
import { shouldRetrigger } from '../../../src/sources/github/retrigger';

describe('RFC3339 parsing as Go reads it', () => {
  it.each([
    ['2026-01-02T12:00:00Z', '2026-01-02T12:00:00Z'],
    ['2026-01-02T14:00:00+02:00', '2026-01-02T12:00:00Z'],
    ['2026-01-02T00:30:00-01:00', '2026-01-02T01:30:00Z'],
    ['2026-01-02T12:00:00.123456789Z', '2026-01-02T12:00:00.123456789Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'],
  ])('%s → %s', (text, canonical) => {
    expect(formatInstant(parseRfc3339(text)!)).toBe(canonical);
  });
  it.each(['', 'not-a-timestamp', '2026-01-02', '2026-01-02 12:00:00Z', '2026-01-02T12:00:00', '2026-13-01T00:00:00Z', '2025-02-29T00:00:00Z', '2026-01-02T24:00:00Z', '2026-01-02T12:00:60Z'])(
    'rejects %j',
    (text) => {
      expect(parseRfc3339(text)).toBeUndefined();
    },
  );
  it('orders by nanoseconds within a second', () => {
    expect(compareInstants(parseRfc3339('2026-01-02T12:00:00.000000002Z')!, parseRfc3339('2026-01-02T12:00:00.000000001Z')!)).toBeGreaterThan(0);
  });
});

describe('retrigger only for a trigger time strictly newer than the completion (§7.2)', () => {
  const cases: [string, string | undefined, string | undefined, boolean][] = [
    ['newer trigger comment after completion', '2026-01-05T12:00:00Z', '2026-01-04T12:00:00Z', true],
    ['older trigger', '2026-01-03T12:00:00Z', '2026-01-04T12:00:00Z', false],
    ['equal times do not retrigger', '2026-01-04T12:00:00Z', '2026-01-04T12:00:00Z', false],
    ['body-only trigger (zero time) never retriggers', undefined, '2026-01-04T12:00:00Z', false],
    ['no completion time', '2026-01-05T12:00:00Z', undefined, false],
    ['offsets compare as instants', '2026-01-04T13:00:01+01:00', '2026-01-04T12:00:00Z', true],
    ['sub-second precision', '2026-01-04T12:00:00.5Z', '2026-01-04T12:00:00Z', true],
    ['unparseable completion', '2026-01-05T12:00:00Z', 'soon', false],
  ];
  it.each(cases)('%s', (_name, trigger, completion, expected) => {
    expect(shouldRetrigger(trigger, completion)).toBe(expected);
  });
});
