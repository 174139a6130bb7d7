/**
 * TaskBudget periods: `Daily` runs from midnight to midnight in the budget's IANA timezone (23 or 25 hours on the
 * days clocks change). Pure (Intl's timezone data, no clock of its own), so workflows compute it deterministically.
 */

/** [start, end) of the day that holds `nowMs`, in `timeZone`, as epoch milliseconds. */
export function dailyPeriod(nowMs: number, timeZone: string): { startMs: number; endMs: number } {
  const day = localDate(nowMs, timeZone);
  const startMs = localMidnight(day.year, day.month, day.day, timeZone);
  const next = new Date(Date.UTC(day.year, day.month - 1, day.day + 1));
  const endMs = localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
  return { startMs, endMs };
}

function localDate(ms: number, timeZone: string): { year: number; month: number; day: number } {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(ms).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

/** Milliseconds the zone's clock is ahead of UTC at instant `ms`. */
function offsetMs(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant the zone's clock shows 00:00 on that date (the offset is looked up twice: it may change that night). */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const guess = wall - offsetMs(wall, timeZone);
  return wall - offsetMs(guess, timeZone);
}
