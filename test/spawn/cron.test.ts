import { cronTicks, cronWorkItem, nextCronTick, parseSchedule } from '../../src/sources/cron/cron';

const at = (iso: string) => new Date(iso);

describe('cron source', () => {
  it('enumerates every tick in (after, until], oldest first', () => {
    const ticks = cronTicks('0 9 * * 1', at('2026-02-01T00:00:00Z'), at('2026-02-16T09:00:00Z'));
    expect(ticks.map((t) => t.toISOString())).toEqual(['2026-02-02T09:00:00.000Z', '2026-02-09T09:00:00.000Z', '2026-02-16T09:00:00.000Z']);
  });

  it('caps a catch-up at 1000 ticks', () => {
    expect(cronTicks('* * * * *', at('2026-01-01T00:00:00Z'), at('2026-01-03T00:00:00Z'))).toHaveLength(1000);
  });

  it('accepts descriptors and a CRON_TZ prefix', () => {
    expect(nextCronTick('@daily', at('2026-03-01T05:00:00Z'))?.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(nextCronTick('CRON_TZ=America/New_York 0 9 * * *', at('2026-03-01T00:00:00Z'))?.toISOString()).toBe('2026-03-01T14:00:00.000Z');
    expect(parseSchedule('TZ=Europe/Berlin @hourly')).toEqual({ expression: '@hourly', timezone: 'Europe/Berlin' });
  });

  it('ORs day-of-month and day-of-week like Vixie cron and Kelos', () => {
    const ticks = cronTicks('0 0 1 * 1', at('2026-06-01T00:00:00Z'), at('2026-06-30T00:00:00Z'));
    expect(ticks.map((t) => t.toISOString().slice(0, 10))).toEqual(['2026-06-08', '2026-06-15', '2026-06-22', '2026-06-29']);
  });

  it('rejects bad schedules with a message naming the problem', () => {
    expect(() => parseSchedule('0 9 * *')).toThrow('must be a 5-field cron expression');
    expect(() => parseSchedule('@sometimes')).toThrow('unknown descriptor "@sometimes"');
    expect(() => parseSchedule('0 25 * * *')).toThrow('invalid schedule "0 25 * * *"');
  });

  it('turns a tick into the Kelos work item (ID YYYYMMDD-HHMM, Title = Time = RFC3339)', () => {
    expect(cronWorkItem('0 9 * * 1', at('2026-02-09T09:00:00Z'))).toEqual({
      id: '20260209-0900',
      vars: { ID: '20260209-0900', Number: 0, Title: '2026-02-09T09:00:00Z', Time: '2026-02-09T09:00:00Z', Schedule: '0 9 * * 1', Kind: 'Issue' },
      labels: [],
    });
  });
});
