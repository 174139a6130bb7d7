/**
 * An agent run's outcome cut to a byte budget, for every runtime (local and Kubernetes). The outcome is the
 * `runAgent` activity's result and becomes the Task's status (its memo, query answers and result): Temporal
 * refuses a payload over 2 MiB, so an agent that printed a huge final response or output value would fail a
 * Task whose agent succeeded. Here every part is capped, each cut value saying so in itself
 * (`[… truncated by kelos: N more bytes]`, src/common/text-truncation.ts), and the whole stays within the budget.
 *
 * How, in order:
 *  - at most MAX_LINES output lines and results, Kelos's own keys (branch, pr, commit, ...) kept first, the rest
 *    in order; dropped output lines leave a mark line of their own (which never reads as a result);
 *  - every value capped at its kind's maximum: a result value (and the value part of an output line, so the two
 *    stay equal) 64 KiB, a log tail line 2 KiB, the failure reason 8 KiB, a result key 128 bytes;
 *  - then, if the whole is still over the budget, one common cap for all values, the largest that fits (short
 *    values stay whole); if even marks alone do not fit, fewer lines, halving.
 * `response` (the final answer, base64 as kelos-capture prints it) is cut as the text it encodes and encoded
 * again, so it still decodes, and the decoded text carries the mark.
 */
import type { AgentOutcome } from '../task/task-runtime';
import { droppedLinesMark, largestFittingCap, truncateMeasuredText } from '../common/text-truncation';
import { jsonBytes } from '../host/json-bytes';

/**
 * An eighth of Temporal's 2 MiB payload limit: the outcome's outputs and results are copied into the Task's
 * status, which the workflow upserts as its memo at each phase and returns, so one outcome appears several times.
 */
export const AGENT_OUTCOME_BUDGET_BYTES = 256 * 1024;

const MAX_LINES = 500;
const MAX_VALUE_BYTES = 64 * 1024;
const MAX_LOG_TAIL_LINE_BYTES = 2 * 1024;
const MAX_LOG_TAIL_LINES = 20;
const MAX_MESSAGE_BYTES = 8 * 1024;
const MAX_KEY_BYTES = 128;

/** What kelos-capture reports (kelos-behaviour §5.3): kept before any other line or result. */
const KELOS_KEYS = new Set(['branch', 'pr', 'commit', 'base-branch', 'cost-usd', 'input-tokens', 'output-tokens', 'response']);

/** A text measured once, however often it is cut. */
interface Measured {
  text: string;
  bytes: number;
}

/** A value to cap; a base64 `response` also carries the text it encodes. */
interface Value extends Measured {
  decoded?: Measured;
}

interface Line {
  key?: string;
  value: Value;
}

export function capAgentOutcome(outcome: AgentOutcome, budgetBytes: number = AGENT_OUTCOME_BUDGET_BYTES): AgentOutcome {
  const lines = outcome.outputs.map(splitLine);
  const results = Object.entries(outcome.results).map(([key, text]) => ({ key: capKey(key), value: valueOf(key, text) }));
  const logTail = outcome.logTail.slice(-MAX_LOG_TAIL_LINES).map(measured);
  const failureReason = outcome.failureReason === undefined ? undefined : measured(outcome.failureReason);

  const assemble = (maxLines: number, cap: number): AgentOutcome => {
    const valueCap = Math.min(cap, MAX_VALUE_BYTES);
    const kept = keepLines(lines, maxLines, (line) => line.key);
    const outputs = kept.items.map((line) => (line.key === undefined ? '' : `${line.key}: `) + capValue(line.value, valueCap));
    if (kept.dropped) outputs.push(droppedLinesMark(kept.dropped));
    const keptResults = keepLines(results, maxLines, (entry) => entry.key).items;
    const capped: AgentOutcome = {
      ...outcome,
      outputs,
      results: Object.fromEntries(keptResults.map((entry) => [entry.key, capValue(entry.value, valueCap)])),
      logTail: logTail.map((line) => cut(line, Math.min(cap, MAX_LOG_TAIL_LINE_BYTES))),
    };
    if (failureReason) capped.failureReason = cut(failureReason, Math.min(cap, MAX_MESSAGE_BYTES));
    return capped;
  };

  for (let maxLines = MAX_LINES; ; maxLines = Math.floor(maxLines / 2)) {
    const fits = (cap: number) => jsonBytes(assemble(maxLines, cap)) <= budgetBytes;
    const cap = largestFittingCap(MAX_VALUE_BYTES, fits);
    if (cap > 0 || fits(0) || maxLines === 0) return assemble(maxLines, cap);
  }
}

function measured(text: string): Measured {
  return { text, bytes: Buffer.byteLength(text, 'utf8') };
}

/** A result line (`key: value`, split as src/task/outputs.ts does) or a plain line. */
function splitLine(line: string): Line {
  const sep = line.indexOf(': ');
  if (sep <= 0) return { value: measured(line) };
  const key = line.slice(0, sep);
  return { key: capKey(key), value: valueOf(key, line.slice(sep + 2)) };
}

function capKey(key: string): string {
  return truncateMeasuredText(key, Buffer.byteLength(key, 'utf8'), MAX_KEY_BYTES, ' ');
}

function valueOf(key: string, text: string): Value {
  const value = measured(text);
  if (key !== 'response') return value;
  // Only a value that is exactly the base64 of UTF-8 text is cut as that text.
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  return Buffer.from(decoded, 'utf8').toString('base64') === text ? { ...value, decoded: measured(decoded) } : value;
}

function capValue(value: Value, cap: number): string {
  if (value.bytes <= cap) return value.text;
  if (!value.decoded) return cut(value, cap);
  // Base64 takes 4 bytes for every 3 of text.
  return Buffer.from(cut(value.decoded, Math.floor(cap / 4) * 3, '\n\n'), 'utf8').toString('base64');
}

function cut(text: Measured, cap: number, separator = ' '): string {
  return truncateMeasuredText(text.text, text.bytes, cap, separator);
}

/** At most `max` entries, Kelos's keys first and then the others in order, kept in their original order. */
function keepLines<T>(entries: readonly T[], max: number, keyOf: (entry: T) => string | undefined): { items: T[]; dropped: number } {
  if (entries.length <= max) return { items: [...entries], dropped: 0 };
  const chosen = new Set<number>();
  entries.forEach((entry, index) => {
    const key = keyOf(entry);
    if (chosen.size < max && key !== undefined && KELOS_KEYS.has(key)) chosen.add(index);
  });
  for (let index = 0; index < entries.length && chosen.size < max; index += 1) chosen.add(index);
  return { items: entries.filter((_, index) => chosen.has(index)), dropped: entries.length - chosen.size };
}
