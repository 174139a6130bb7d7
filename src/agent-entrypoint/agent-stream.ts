/**
 * Reads an agent CLI's stdout (JSON lines) and keeps what kelos-capture keeps (kelos-behaviour §5.3): the token
 * usage, Claude Code's cost, the final response text, and Claude Code's success verdict. Memory stays bounded by
 * the longest line: each agent keeps only its last `result` line or running sums.
 *
 * Per agent, as kelos-capture:
 * - claude-code: last `{"type":"result"}` line: `total_cost_usd`, `usage.input_tokens/output_tokens`, `result`;
 *   the run failed when that line has `is_error`, `subtype` != success, `terminal_reason` not in {"", completed}
 *   or `stop_reason` not in {"", end_turn}.
 * - cursor: last `result` line: `usage.inputTokens/outputTokens`, `result`.
 * - gemini: last `result` line: `stats.inputTokens/outputTokens`; response = last non-delta assistant `message`.
 * - codex: sums `turn.completed.usage.input_tokens/output_tokens`; response = last `item.completed` agent_message.
 * - opencode: sums `step_finish.part.tokens.input/output`; response = last `text` event's `text`.
 * Numbers keep their JSON text. Lines that are not JSON objects are ignored.
 *
 * Where the current CLIs print fields under other names than kelos-capture reads, a fallback (used only when
 * Kelos's field is absent) keeps usage visible: gemini's `stats.input_tokens/output_tokens` and its streamed
 * (`delta`) assistant text, opencode's `part.text`.
 */
import { JsonNumber, JsonObject, JsonValue, isObject, parseJsonObjectLine } from './json-line';

export interface AgentStreamResult {
  costUSD?: string;
  inputTokens?: string;
  outputTokens?: string;
  /** The final assistant text (the output block carries it base64-encoded). */
  response?: string;
  /** Set when the stream says the run did not complete normally (claude-code only): capture's exit is then 1. */
  failure?: string;
}

interface Accumulator {
  addLine(line: JsonObject): void;
  result(): AgentStreamResult;
}

/** Splits the agent's stdout into lines as bytes arrive and feeds them to the agent type's accumulator. */
export class AgentStreamCapture {
  private readonly accumulator: Accumulator | undefined;
  private pending: Buffer[] = [];
  private lastByte: number | undefined;

  constructor(agentType: string | undefined) {
    this.accumulator = newAccumulator(agentType ?? '');
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.lastByte = chunk[chunk.length - 1];
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let nl = buf.indexOf(0x0a);
    while (nl !== -1) {
      this.pending.push(buf.subarray(0, nl));
      this.flushLine();
      buf = buf.subarray(nl + 1);
      nl = buf.indexOf(0x0a);
    }
    // Copy: the caller may reuse its buffer.
    if (buf.length) this.pending.push(Buffer.from(buf));
  }

  /** True when bytes were seen and the last one was not a newline (kelos-capture then adds one). */
  get needsFinalNewline(): boolean {
    return this.lastByte !== undefined && this.lastByte !== 0x0a;
  }

  end(): AgentStreamResult {
    if (this.pending.length) this.flushLine();
    return this.accumulator?.result() ?? {};
  }

  private flushLine(): void {
    const line = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    if (!this.accumulator || line === '') return;
    const object = parseJsonObjectLine(line);
    if (object) this.accumulator.addLine(object);
  }
}

/** The whole stream at once (tests, or a log read after the fact). */
export function summarizeAgentStream(agentType: string, text: string): AgentStreamResult {
  const capture = new AgentStreamCapture(agentType);
  capture.push(Buffer.from(text, 'utf8'));
  return capture.end();
}

function newAccumulator(agentType: string): Accumulator | undefined {
  switch (agentType) {
    case 'claude-code':
      return new LastResultAccumulator(extractClaude, undefined, claudeFailure);
    case 'cursor':
      return new LastResultAccumulator(extractCursor);
    case 'gemini':
      return new GeminiAccumulator();
    case 'codex':
      return new SumAccumulator('turn.completed', codexTokens, codexResponse);
    case 'opencode':
      return new SumAccumulator('step_finish', opencodeTokens, opencodeResponse);
    default:
      return undefined;
  }
}

class LastResultAccumulator implements Accumulator {
  protected last: JsonObject | undefined;
  protected response = '';

  constructor(
    private readonly extract: (line: JsonObject) => AgentStreamResult,
    private readonly extractResponse?: (line: JsonObject) => string,
    private readonly verdict?: (line: JsonObject) => string | undefined,
  ) {}

  addLine(line: JsonObject): void {
    if (line.type === 'result') this.last = line;
    const response = this.extractResponse?.(line) ?? '';
    if (response !== '') this.response = response;
  }

  result(): AgentStreamResult {
    const result: AgentStreamResult = this.last ? this.extract(this.last) : {};
    const response = this.finalResponse();
    if (result.response === undefined && response !== '') result.response = response;
    const failure = this.last && this.verdict?.(this.last);
    if (failure) result.failure = failure;
    return result;
  }

  protected finalResponse(): string {
    return this.response;
  }
}

/** Gemini streams assistant text as `delta` chunks; Kelos reads only whole messages, so deltas are a fallback. */
class GeminiAccumulator extends LastResultAccumulator {
  private deltaRun = '';
  private lastDeltaRun = '';

  constructor() {
    super(extractGemini, geminiMessage);
  }

  override addLine(line: JsonObject): void {
    super.addLine(line);
    if (line.type === 'message' && line.role === 'assistant' && line.delta === true) {
      if (typeof line.content === 'string') this.deltaRun += line.content;
      if (this.deltaRun !== '') this.lastDeltaRun = this.deltaRun;
    } else {
      this.deltaRun = '';
    }
  }

  protected override finalResponse(): string {
    return this.response !== '' ? this.response : this.lastDeltaRun;
  }
}

class SumAccumulator implements Accumulator {
  private input = 0n;
  private output = 0n;
  private response = '';

  constructor(
    private readonly event: string,
    private readonly tokens: (line: JsonObject) => [bigint, bigint],
    private readonly extractResponse: (line: JsonObject) => string,
  ) {}

  addLine(line: JsonObject): void {
    if (line.type === this.event) {
      const [input, output] = this.tokens(line);
      this.input += input;
      this.output += output;
    }
    const response = this.extractResponse(line);
    if (response !== '') this.response = response;
  }

  result(): AgentStreamResult {
    const result: AgentStreamResult = {};
    if (this.input !== 0n) result.inputTokens = this.input.toString();
    if (this.output !== 0n) result.outputTokens = this.output.toString();
    if (this.response !== '') result.response = this.response;
    return result;
  }
}

function extractClaude(line: JsonObject): AgentStreamResult {
  const result: AgentStreamResult = {};
  if ('total_cost_usd' in line) setText(result, 'costUSD', line.total_cost_usd);
  const usage = line.usage;
  if (isObject(usage)) {
    if ('input_tokens' in usage) setText(result, 'inputTokens', usage.input_tokens);
    if ('output_tokens' in usage) setText(result, 'outputTokens', usage.output_tokens);
  }
  if (typeof line.result === 'string' && line.result !== '') result.response = line.result;
  return result;
}

/** Why a claude-code `result` line means the run did not succeed, or undefined when it did (`kelos logs` shows it too). */
export function claudeFailure(line: JsonObject): string | undefined {
  const subtype = typeof line.subtype === 'string' ? line.subtype : '';
  const isError = line.is_error === true;
  if (isError || subtype !== 'success') {
    const details = [subtype && `subtype=${subtype}`, isError && 'is_error=true'].filter(Boolean).join(', ');
    return `claude-code reported an unsuccessful result${details ? ` (${details})` : ''}`;
  }
  const terminal = typeof line.terminal_reason === 'string' ? line.terminal_reason : '';
  const stop = typeof line.stop_reason === 'string' ? line.stop_reason : '';
  const details: string[] = [];
  if (terminal !== '' && terminal !== 'completed') details.push(`terminal_reason=${terminal}`);
  if (stop !== '' && stop !== 'end_turn') details.push(`stop_reason=${stop}`);
  return details.length ? `claude-code run did not complete (${details.join(', ')})` : undefined;
}

function extractCursor(line: JsonObject): AgentStreamResult {
  const result: AgentStreamResult = {};
  const usage = line.usage;
  if (isObject(usage)) {
    if ('inputTokens' in usage) setText(result, 'inputTokens', usage.inputTokens);
    if ('outputTokens' in usage) setText(result, 'outputTokens', usage.outputTokens);
  }
  if (typeof line.result === 'string' && line.result !== '') result.response = line.result;
  return result;
}

function extractGemini(line: JsonObject): AgentStreamResult {
  const result: AgentStreamResult = {};
  const stats = line.stats;
  if (!isObject(stats)) return result;
  const input = 'inputTokens' in stats ? 'inputTokens' : 'input_tokens';
  const output = 'outputTokens' in stats ? 'outputTokens' : 'output_tokens';
  if (input in stats) setText(result, 'inputTokens', stats[input]);
  if (output in stats) setText(result, 'outputTokens', stats[output]);
  return result;
}

function geminiMessage(line: JsonObject): string {
  if (line.type !== 'message' || line.role !== 'assistant' || line.delta === true) return '';
  return typeof line.content === 'string' ? line.content : '';
}

function codexTokens(line: JsonObject): [bigint, bigint] {
  const usage = line.usage;
  return isObject(usage) ? [toInt64(usage.input_tokens), toInt64(usage.output_tokens)] : [0n, 0n];
}

function codexResponse(line: JsonObject): string {
  const item = line.item;
  if (line.type !== 'item.completed' || !isObject(item) || item.type !== 'agent_message') return '';
  return typeof item.text === 'string' ? item.text : '';
}

function opencodeTokens(line: JsonObject): [bigint, bigint] {
  const part = line.part;
  const tokens = isObject(part) ? part.tokens : undefined;
  return isObject(tokens) ? [toInt64(tokens.input), toInt64(tokens.output)] : [0n, 0n];
}

function opencodeResponse(line: JsonObject): string {
  if (line.type !== 'text') return '';
  if (typeof line.text === 'string') return line.text;
  const part = line.part;
  return isObject(part) && typeof part.text === 'string' ? part.text : '';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's json.Number.Int64: integer text within int64, anything else counts as 0. */
function toInt64(value: JsonValue | undefined): bigint {
  if (!(value instanceof JsonNumber) || !/^-?\d+$/.test(value.text)) return 0n;
  const n = BigInt(value.text);
  return n < INT64_MIN || n > INT64_MAX ? 0n : n;
}

/** Go's fmt.Sprint of a decoded JSON scalar; objects and arrays are left out. */
function setText(result: AgentStreamResult, key: 'costUSD' | 'inputTokens' | 'outputTokens', value: JsonValue): void {
  if (value instanceof JsonNumber) result[key] = value.text;
  else if (typeof value === 'string') result[key] = value;
  else if (typeof value === 'boolean') result[key] = String(value);
  else if (value === null) result[key] = '<nil>';
}
