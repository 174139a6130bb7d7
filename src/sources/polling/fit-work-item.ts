/**
 * One work item cut to a byte budget: the last resort of a paged poll answer (poll-page.ts), for an item that
 * alone is bigger than a whole answer may be. Without it such an item could never be answered and every later
 * poll would stop at it. Its long text variables (Body, Comments, ...) are capped at one common size, the
 * largest that fits, each cut one with a visible mark (src/common/text-truncation.ts), so the agent reading its prompt
 * sees where the text goes on; short variables stay whole.
 */
import type { WorkItem } from '../work-item';
import { largestFittingCap, truncateMeasuredText } from '../../common/text-truncation';
import { jsonBytes } from '../../host/json-bytes';

export interface FittedItem {
  item: WorkItem;
  truncated: boolean;
}

/**
 * `item` as is when its JSON fits `budgetBytes`; else a copy with its string variables capped. When even the
 * marks alone do not fit (a budget smaller than the item's other fields), the most cut copy is returned: it is
 * still sent, alone.
 */
export function fitWorkItem(item: WorkItem, budgetBytes: number): FittedItem {
  if (jsonBytes(item) <= budgetBytes) return { item, truncated: false };
  // Measured once: the search below cuts every text many times.
  const texts = Object.entries(item.vars).flatMap(([key, value]) => (typeof value === 'string' ? [{ key, value, bytes: Buffer.byteLength(value, 'utf8') }] : []));
  const longest = Math.max(0, ...texts.map((text) => text.bytes));
  const cappedAt = (cap: number): WorkItem => {
    const vars = { ...item.vars };
    for (const { key, value, bytes } of texts) vars[key] = truncateMeasuredText(value, bytes, cap);
    return { ...item, vars };
  };
  const cap = largestFittingCap(longest, (candidate) => jsonBytes(cappedAt(candidate)) <= budgetBytes);
  return { item: cappedAt(cap), truncated: true };
}
