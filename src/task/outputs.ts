/**
 * Reads a Task's results from its agent log: the `---KELOS_OUTPUTS_START---` ... `---KELOS_OUTPUTS_END---` block
 * that kelos-capture (or a custom image) prints (kelos-behaviour §5.3). Pure: the Task workflow may import it.
 *
 * Unlike Kelos's controller, which only looks at the last 50 log lines, the whole log is searched, so a long
 * response or a chatty tail cannot push the block out of sight.
 *
 * Which block counts:
 * - the last complete pair: the last END marker, and the last START marker before it (Kelos's rule);
 * - except when a START marker at the beginning of a line follows the last END (the log was cut while the block
 *   was being written, e.g. the process was killed): that newer block wins and `truncated` is set. Only its
 *   newline-terminated lines are kept, since a cut-off last line could carry a shortened value (a partial SHA).
 */
import type { TaskUsage } from './task-status';

export const OUTPUTS_START_MARKER = '---KELOS_OUTPUTS_START---';
export const OUTPUTS_END_MARKER = '---KELOS_OUTPUTS_END---';

export type { TaskUsage };

export interface TaskResults {
  /** The block's lines, trimmed, blanks dropped (Kelos `status.outputs`). */
  outputs: string[];
  /** `key: value` lines split on the first `": "`; a later duplicate key wins (Kelos `status.results`). */
  results: Record<string, string>;
  /** From `cost-usd`, `input-tokens`, `output-tokens`; absent when none is usable (Kelos `status.usage`). */
  usage?: TaskUsage;
  /** Set when the block had a START but the log ended before its END. */
  truncated?: boolean;
}

export function parseTaskOutputs(log: string): TaskResults {
  const { lines, truncated } = findOutputLines(log);
  const results = resultsFromOutputs(lines);
  const usage = usageFromResults(results);
  return { outputs: lines, results, ...(usage ? { usage } : {}), ...(truncated ? { truncated } : {}) };
}

export function findOutputLines(log: string): { lines: string[]; truncated: boolean } {
  const endIdx = log.lastIndexOf(OUTPUTS_END_MARKER);
  const openStart = lastLineStartMarker(log, endIdx === -1 ? 0 : endIdx + OUTPUTS_END_MARKER.length);
  if (openStart !== -1) {
    const body = log.slice(openStart + OUTPUTS_START_MARKER.length);
    const lastNewline = body.lastIndexOf('\n');
    return { lines: cleanLines(lastNewline === -1 ? '' : body.slice(0, lastNewline)), truncated: true };
  }
  if (endIdx === -1) return { lines: [], truncated: false };
  const startIdx = log.lastIndexOf(OUTPUTS_START_MARKER, endIdx - OUTPUTS_START_MARKER.length);
  if (startIdx === -1) return { lines: [], truncated: false };
  return { lines: cleanLines(log.slice(startIdx + OUTPUTS_START_MARKER.length, endIdx)), truncated: false };
}

export function resultsFromOutputs(outputs: readonly string[]): Record<string, string> {
  // A Map then fromEntries: keys such as "__proto__" become plain own properties.
  const map = new Map<string, string>();
  for (const line of outputs) {
    const sep = line.indexOf(': ');
    if (sep <= 0) continue;
    const key = line.slice(0, sep);
    map.delete(key); // keep insertion order of the winning (last) occurrence
    map.set(key, line.slice(sep + 2));
  }
  return Object.fromEntries(map);
}

/** Kelos's rules: cost must be a number > 0 (kept in its text form), token counts integers > 0. */
export function usageFromResults(results: Readonly<Record<string, string>>): TaskUsage | undefined {
  const usage: TaskUsage = {};
  const cost = own(results, 'cost-usd');
  if (cost !== undefined && DECIMAL.test(cost) && Number(cost) > 0 && Number.isFinite(Number(cost))) usage.costUSD = cost;
  const input = positiveInteger(own(results, 'input-tokens'));
  if (input !== undefined) usage.inputTokens = input;
  const output = positiveInteger(own(results, 'output-tokens'));
  if (output !== undefined) usage.outputTokens = output;
  return Object.keys(usage).length ? usage : undefined;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !INTEGER.test(text)) return undefined;
  const value = Number(text);
  // Beyond 2^53 a count is no longer exact in a JS number; such a figure is not a real token count anyway.
  return value > 0 && Number.isSafeInteger(value) ? value : undefined;
}

function own(record: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Index of the last START marker at the beginning of a line at or after `from`, or -1. */
function lastLineStartMarker(log: string, from: number): number {
  let idx = log.lastIndexOf(OUTPUTS_START_MARKER);
  while (idx !== -1 && idx >= from) {
    if (idx === 0 || log[idx - 1] === '\n') return idx;
    idx = idx === 0 ? -1 : log.lastIndexOf(OUTPUTS_START_MARKER, idx - 1);
  }
  return -1;
}

function cleanLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
