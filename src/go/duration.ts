/**
 * Go `time.ParseDuration` for TypeScript, pure (importable from workflows).
 *
 * Kelos writes intervals as Go durations (`30s`, `5m`, `1h30m`, `1.5h`, `300ms`); the spawner also accepts a bare
 * integer as seconds. Kelos silently falls back to 5m when a value does not parse; we reject it with a message the
 * user can act on instead.
 */

/** Thrown for input that Go's `time.ParseDuration` would reject. */
export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const NANOS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  '\u00b5s': 1e3, // micro sign, accepted by Go
  '\u03bcs': 1e3, // Greek mu, accepted by Go
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go durations are int64 nanoseconds. */
const MAX_NANOS = 9223372036854775807;

const UNIT_HINT = 'expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 30s, 5m or 1h30m';

/**
 * Parses a Go duration string and returns milliseconds (fractional for sub-millisecond values).
 * Accepts exactly what Go accepts: an optional sign, then one or more `<number><unit>` pairs; `0` needs no unit.
 */
export function parseGoDuration(text: string): number {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new DurationError(`invalid duration ${JSON.stringify(text)}: ${UNIT_HINT}`);

  let totalNanos = 0;
  while (rest !== '') {
    const numberMatch = /^(\d*)(\.(\d*))?/.exec(rest);
    const whole = numberMatch?.[1] ?? '';
    const fraction = numberMatch?.[3] ?? '';
    if (whole === '' && fraction === '') {
      throw new DurationError(`invalid duration ${JSON.stringify(text)}: ${UNIT_HINT}`);
    }
    rest = rest.slice(numberMatch![0].length);
    const unitMatch = /^[^\d.]+/.exec(rest);
    if (!unitMatch) {
      throw new DurationError(`missing unit in duration ${JSON.stringify(text)}: ${UNIT_HINT}`);
    }
    const unit = unitMatch[0];
    const nanosPerUnit = NANOS_PER_UNIT[unit];
    if (nanosPerUnit === undefined) {
      throw new DurationError(`unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}: ${UNIT_HINT}`);
    }
    rest = rest.slice(unit.length);
    totalNanos += Number(`${whole || '0'}.${fraction || '0'}`) * nanosPerUnit;
    if (totalNanos > MAX_NANOS) {
      throw new DurationError(`invalid duration ${JSON.stringify(text)}: out of range (maximum is about 2562047h)`);
    }
  }
  return (sign * totalNanos) / 1e6;
}

/**
 * Parses a Kelos `pollInterval`: a Go duration, or a bare integer meaning seconds (Kelos's `strconv.Atoi` fallback).
 * Returns milliseconds; throws {@link DurationError} on anything else.
 */
export function parsePollInterval(text: string): number {
  try {
    return parseGoDuration(text);
  } catch (err) {
    if (/^[+-]?\d+$/.test(text)) return Number(text) * 1000;
    if (err instanceof DurationError) {
      throw new DurationError(`${err.message}, or a whole number of seconds`);
    }
    throw err;
  }
}
