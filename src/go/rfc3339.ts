/**
 * RFC3339 timestamps as Kelos reads them (Go `time.Parse(time.RFC3339, …)`): strict shape, nanosecond
 * precision kept, so "newer than" matches Go's comparisons exactly. Deterministic (no clock), safe in workflows.
 */

/** A point in time: whole seconds since the Unix epoch plus nanoseconds. */
export interface Instant {
  seconds: number;
  nanos: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Undefined for anything Go would reject (wrong shape, out-of-range fields). */
export function parseRfc3339(text: string | null | undefined): Instant | undefined {
  const m = RFC3339.exec(text ?? '');
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetSeconds = 0;
  if (m[8] !== 'Z') {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetSeconds = (m[9] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const nanos = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0-99 to 1900-1999; Kelos timestamps never go there, but stay exact anyway.
  const fixed = year < 100 ? new Date(utc).setUTCFullYear(year) : utc;
  return { seconds: fixed / 1000 - offsetSeconds, nanos };
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareInstants(a: Instant, b: Instant): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos;
}

/** Canonical UTC form (`2026-01-02T12:00:00Z`, fraction only when non-zero), like Go's RFC3339Nano. */
export function formatInstant(instant: Instant): string {
  const base = new Date(instant.seconds * 1000).toISOString().slice(0, 19);
  const fraction = instant.nanos ? `.${String(instant.nanos).padStart(9, '0').replace(/0+$/, '')}` : '';
  return `${base}${fraction}Z`;
}

/** True iff both parse and `a` is strictly after `b`. */
export function isAfter(a: string | undefined, b: string | undefined): boolean {
  const left = parseRfc3339(a);
  const right = parseRfc3339(b);
  return Boolean(left && right && compareInstants(left, right) > 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
