/** Cron spawners: the ticks that fell due since the watermark become work items (durable timers wake the spawner). */
import { cronTicks, cronWorkItem, nextCronTick } from '../sources/cron/cron';
import type { WorkItem } from '../sources/work-item';
import type { SpawnerContext } from './admission';

/** Ticks after the watermark up to now (a catch-up is capped at 1,000, Kelos's policy); the watermark moves on. */
export function dueCronItems(ctx: SpawnerContext): WorkItem[] {
  const cron = ctx.spawner.spec.when.cron;
  if (!cron || !ctx.state.cronWatermark) return [];
  const ticks = cronTicks(cron.schedule, new Date(ctx.state.cronWatermark), new Date());
  if (!ticks.length) return [];
  ctx.state.cronWatermark = ticks[ticks.length - 1].toISOString();
  return ticks.map((tick) => cronWorkItem(cron.schedule, tick));
}

export function nextCronAt(ctx: SpawnerContext): number | undefined {
  const cron = ctx.spawner.spec.when.cron;
  if (!cron || ctx.spawner.spec.suspend || !ctx.state.cronWatermark) return undefined;
  return nextCronTick(cron.schedule, new Date(ctx.state.cronWatermark))?.getTime();
}

/** From now on (a new cron spawner, or one resumed: ticks that fell in a suspension are skipped, not replayed). */
export function startCronFromNow(ctx: SpawnerContext): void {
  if (ctx.spawner.spec.when.cron) ctx.state.cronWatermark = new Date().toISOString();
}
