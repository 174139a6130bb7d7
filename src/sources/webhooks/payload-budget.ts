/**
 * Keeps webhook payloads small enough for workflow history. A delivery's `Payload` template variable travels in
 * a signal and stays in the spawner's history; GitHub payloads are usually 5-50 KB but a push with many commits
 * or a long body can reach megabytes. Within `budgetBytes` (UTF-8 of the JSON) the payload is kept whole.
 * Beyond it we shrink in steps until it fits, most useful data last:
 *  1. long strings are cut (to 4096, then 1024, 256, 64 characters, marked with a trailing `…`);
 *  2. then arrays keep only their first 100, 20, 5, 1 elements;
 *  3. then only the top-level scalars remain (e.g. `action`).
 * The facts that templates usually need (Title, Body, CommentBody, Branch, ChangedFiles, ...) are separate
 * variables taken from the full payload before trimming, so `{{.Body}}` stays whole even when
 * `{{.Payload.issue.body}}` was cut. Pure and deterministic: safe in workflow code.
 */
import { utf8Length } from '../../go';

export const DEFAULT_PAYLOAD_BUDGET_BYTES = 64 * 1024;

export interface TrimmedPayload<T> {
  value: T | Record<string, unknown>;
  /** UTF-8 bytes of the JSON before and after. */
  originalBytes: number;
  bytes: number;
  trimmed: boolean;
}

const STRING_LIMITS = [4096, 1024, 256, 64] as const;
const ARRAY_LIMITS = [100, 20, 5, 1] as const;
const ELLIPSIS = '…';

function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value) ?? '');
}

function shrink(value: unknown, maxString: number, maxItems: number): unknown {
  if (typeof value === 'string') {
    if (value.length <= maxString) return value;
    let cut = value.slice(0, maxString);
    if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1); // never split a surrogate pair
    return cut + ELLIPSIS;
  }
  if (Array.isArray(value)) return value.slice(0, maxItems).map((item) => shrink(item, maxString, maxItems));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = shrink(item, maxString, maxItems);
    return out;
  }
  return value;
}

function topLevelScalars(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [key, item] of Object.entries(value)) {
    if (item === null || typeof item !== 'object') out[key] = typeof item === 'string' ? shrink(item, 64, 0) : item;
  }
  return out;
}

/** The payload as is when it fits `budgetBytes`, else a shrunken copy (see module doc). */
export function trimPayload<T>(payload: T, budgetBytes: number = DEFAULT_PAYLOAD_BUDGET_BYTES): TrimmedPayload<T> {
  const originalBytes = jsonBytes(payload);
  if (originalBytes <= budgetBytes) return { value: payload, originalBytes, bytes: originalBytes, trimmed: false };
  const attempts: [number, number][] = [
    ...STRING_LIMITS.map((limit): [number, number] => [limit, Infinity]),
    ...ARRAY_LIMITS.map((limit): [number, number] => [64, limit]),
  ];
  for (const [maxString, maxItems] of attempts) {
    const value = shrink(payload, maxString, maxItems) as T;
    const bytes = jsonBytes(value);
    if (bytes <= budgetBytes) return { value, originalBytes, bytes, trimmed: true };
  }
  const value = topLevelScalars(payload);
  return { value, originalBytes, bytes: jsonBytes(value), trimmed: true };
}
