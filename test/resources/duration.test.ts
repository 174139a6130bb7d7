/** Go `time.ParseDuration` parity and Kelos's pollInterval reading (bare integers are seconds). */
import { DurationError, parseGoDuration, parsePollInterval } from '../../src/go/duration';

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['300ms', 300],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['2h45m30.5s', 9_930_500],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1000000ns', 1],
    ['-1m', -60_000],
    ['+10s', 10_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each([
    ['', 'invalid duration "": expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 30s, 5m or 1h30m'],
    ['30', 'missing unit in duration "30": expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 30s, 5m or 1h30m'],
    ['5min', 'unknown unit "min" in duration "5min": expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 30s, 5m or 1h30m'],
    ['5 m', 'unknown unit " m" in duration "5 m": expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 30s, 5m or 1h30m'],
    ['.s', 'invalid duration ".s": expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 30s, 5m or 1h30m'],
    ['h', 'invalid duration "h": expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 30s, 5m or 1h30m'],
    ['3000000h', 'invalid duration "3000000h": out of range (maximum is about 2562047h)'],
  ])('rejects %j', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(new DurationError(message));
  });
});

describe('parsePollInterval', () => {
  it.each([
    ['5m', 300_000],
    ['90', 90_000],
    ['0', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parsePollInterval(text)).toBe(ms);
  });

  it('names the integer form in its error', () => {
    expect(() => parsePollInterval('soon')).toThrow(
      'invalid duration "soon": expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 30s, 5m or 1h30m, or a whole number of seconds',
    );
  });
});
