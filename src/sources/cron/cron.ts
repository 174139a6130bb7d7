/**
 * The cron source (kelos-behaviour §2.6): standard 5-field schedules, `@hourly`/`@daily`/`@weekly`/`@monthly`/
 * `@yearly` descriptors, and a `CRON_TZ=`/`TZ=` prefix. croner computes the ticks; it runs inside the workflow
 * sandbox and never owns a timer here (`paused`, explicit `from`), so results are deterministic.
 */
import { Cron } from 'croner';
import type { WorkItem } from '../work-item';

export const MAX_CATCH_UP_TICKS = 1000;

export interface ParsedSchedule {
  expression: string;
  timezone: string;
}

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Splits off the timezone prefix and checks the expression; throws an Error with a message a user can act on. */
export function parseSchedule(schedule: string): ParsedSchedule {
  let text = schedule.trim();
  let timezone = 'UTC';
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(text);
  if (prefix) {
    timezone = prefix[1];
    text = text.slice(prefix[0].length).trim();
  }
  if (text.startsWith('@') && !DESCRIPTORS.has(text)) {
    throw new Error(`unknown descriptor ${JSON.stringify(text)}: use @hourly, @daily, @weekly, @monthly or @yearly`);
  }
  if (!text.startsWith('@') && text.split(/\s+/).length !== 5) {
    throw new Error(`must be a 5-field cron expression (minute hour day-of-month month day-of-week) or a descriptor such as @daily (got ${JSON.stringify(schedule)})`);
  }
  try {
    makeCron({ expression: text, timezone });
  } catch (err) {
    throw new Error(`invalid schedule ${JSON.stringify(schedule)}: ${(err as Error).message}`);
  }
  return { expression: text, timezone };
}

function makeCron(schedule: ParsedSchedule): Cron {
  return new Cron(schedule.expression === '@midnight' ? '@daily' : schedule.expression, { paused: true, mode: '5-part', timezone: schedule.timezone });
}

/** Ticks in (afterExclusive, untilInclusive], oldest first, at most `max`. */
export function cronTicks(schedule: string, afterExclusive: Date, untilInclusive: Date, max = MAX_CATCH_UP_TICKS): Date[] {
  const cron = makeCron(parseSchedule(schedule));
  const ticks: Date[] = [];
  let cursor = afterExclusive;
  while (ticks.length < max) {
    const next = cron.nextRun(cursor);
    if (!next || next.getTime() > untilInclusive.getTime()) break;
    ticks.push(next);
    cursor = next;
  }
  return ticks;
}

/** The first tick after `after`, or undefined for schedules that never fire (e.g. 30 February). */
export function nextCronTick(schedule: string, after: Date): Date | undefined {
  return makeCron(parseSchedule(schedule)).nextRun(after) ?? undefined;
}

/** A tick as a work item: ID `YYYYMMDD-HHMM` (UTC), Title = Time = RFC3339, Schedule = the expression. */
export function cronWorkItem(schedule: string, tick: Date): WorkItem {
  const iso = tick.toISOString();
  const time = `${iso.slice(0, 19)}Z`;
  const id = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}`;
  return { id, vars: { ID: id, Number: 0, Title: time, Time: time, Schedule: schedule, Kind: 'Issue' }, labels: [] };
}
