/**
 * Turns an agent's log (its CLI's JSON event stream, with the entrypoint's own lines and the output block mixed in)
 * into readable text for `kelos logs`, per agent type, as Kelos's CLI does: what the agent says goes to the `text`
 * channel (stdout), what it does (model, tool calls with a one-line summary, errors, the final verdict with turns,
 * cost and tokens) to the `note` channel (stderr). Lines that are not JSON objects pass through unchanged; events a
 * format does not know are shown as one compact line rather than dropped. The event shapes are the ones the
 * entrypoint's parser reads (src/agent-entrypoint/agent-stream.ts), whose JSON reader this shares.
 */
import { claudeFailure } from '../../agent-entrypoint/agent-stream';
import { JsonNumber, JsonObject, JsonValue, isObject, parseJsonObjectLine } from '../../agent-entrypoint/json-line';

export interface LogPiece {
  channel: 'text' | 'note';
  /** Ends with a newline, except a pass-through last line that had none. */
  text: string;
}

/** Longest tool summary or compact event shown, in characters. */
const SUMMARY_LIMIT = 120;
const COMPACT_LIMIT = 160;

type Emit = (channel: LogPiece['channel'], line: string) => void;
type EventFormatter = (event: JsonObject, emit: Emit) => void;

/**
 * Feeds bytes as they arrive (a followed log) and returns what to print for each complete line; `end()` formats a
 * last line without a newline once nothing more will come.
 */
export class AgentLogFormatter {
  private pending: Buffer[] = [];
  private readonly format: AgentFormat | undefined;

  constructor(agentType: string) {
    this.format = newFormat(agentType);
  }

  push(chunk: Uint8Array | string): LogPiece[] {
    const out: LogPiece[] = [];
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    let nl = buf.indexOf(0x0a);
    while (nl !== -1) {
      this.pending.push(buf.subarray(0, nl));
      this.formatLine(Buffer.concat(this.pending).toString('utf8'), true, out);
      this.pending = [];
      buf = buf.subarray(nl + 1);
      nl = buf.indexOf(0x0a);
    }
    if (buf.length) this.pending.push(buf);
    return out;
  }

  end(): LogPiece[] {
    const out: LogPiece[] = [];
    if (this.pending.length) this.formatLine(Buffer.concat(this.pending).toString('utf8'), false, out);
    this.pending = [];
    this.format?.finish((channel, line) => out.push({ channel, text: `${line}\n` }));
    return out;
  }

  private formatLine(line: string, newline: boolean, out: LogPiece[]): void {
    const emit: Emit = (channel, text) => out.push({ channel, text: `${text}\n` });
    const event = this.format && line.trimStart().startsWith('{') ? parseJsonObjectLine(line) : undefined;
    if (!this.format || !event) {
      this.format?.finish(emit);
      out.push({ channel: 'text', text: newline ? `${line}\n` : line });
      return;
    }
    this.format.event(event, emit);
  }
}

/** The whole log at once. */
export function formatAgentLog(agentType: string, log: string): LogPiece[] {
  const formatter = new AgentLogFormatter(agentType);
  return [...formatter.push(log), ...formatter.end()];
}

/** One agent type's rendering; `finish` flushes text it holds back (gemini's streamed chunks) before other output. */
class AgentFormat {
  private held = '';

  constructor(private readonly formatter: EventFormatter) {}

  event(event: JsonObject, emit: Emit): void {
    this.formatter(event, (channel, line) => {
      this.finish(emit);
      emit(channel, line);
    });
  }

  /** Streamed text is collected until the stream moves on, then shown as one block. */
  hold(text: string): void {
    this.held += text;
  }

  finish(emit: Emit): void {
    if (this.held === '') return;
    const held = this.held;
    this.held = '';
    emit('text', held.replace(/\n$/, ''));
  }
}

function newFormat(agentType: string): AgentFormat | undefined {
  switch (agentType) {
    case 'claude-code':
      return new AgentFormat(claudeEvent);
    case 'cursor':
      return new AgentFormat(cursorEvent);
    case 'codex':
      return new AgentFormat(codexEvent);
    case 'gemini': {
      const format: AgentFormat = new AgentFormat((event, emit) => geminiEvent(event, emit, (text) => format.hold(text)));
      return format;
    }
    case 'opencode':
      return new AgentFormat(opencodeEvent());
    default:
      return undefined;
  }
}

// claude-code: `--output-format stream-json --verbose`.
function claudeEvent(event: JsonObject, emit: Emit): void {
  switch (event.type) {
    case 'system':
      if (event.subtype === 'init') return emit('note', sessionLine(event));
      return emit('note', compact(event));
    case 'assistant':
      return assistantMessage(event, emit);
    case 'user':
      return toolErrors(event, emit);
    case 'result': {
      const failure = claudeFailure(event);
      const usage = isObject(event.usage) ? event.usage : {};
      const facts = [count(event.num_turns, 'turn'), cost(event.total_cost_usd), tokens(usage.input_tokens, usage.output_tokens)];
      emit('note', verdict(failure, facts));
      if (failure && text(event.result)) emit('text', text(event.result));
      return;
    }
    default:
      return emit('note', compact(event));
  }
}

/** The content blocks of an assistant message (claude-code's and cursor's shape). */
function assistantMessage(event: JsonObject, emit: Emit): void {
  const message = isObject(event.message) ? event.message : {};
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isObject(block)) continue;
    if (block.type === 'text') {
      if (text(block.text)) emit('text', text(block.text));
    } else if (block.type === 'tool_use') {
      emit('note', toolLine(text(block.name), block.input));
    } else if (block.type === 'thinking') {
      if (text(block.thinking)) emit('note', `… ${oneLine(text(block.thinking), SUMMARY_LIMIT)}`);
    } else {
      emit('note', compact(block));
    }
  }
}

/** Tool results come back in `user` messages; only the failed ones are worth a line. */
function toolErrors(event: JsonObject, emit: Emit): void {
  const message = isObject(event.message) ? event.message : {};
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (isObject(block) && block.type === 'tool_result' && block.is_error === true) {
      emit('note', `✗ tool failed: ${oneLine(resultText(block.content), SUMMARY_LIMIT)}`);
    }
  }
}

// cursor: `cursor-agent --output-format stream-json`: claude-code's messages plus `tool_call` and `thinking` events.
function cursorEvent(event: JsonObject, emit: Emit): void {
  switch (event.type) {
    case 'system':
      if (event.subtype === 'init') return emit('note', sessionLine(event));
      return emit('note', compact(event));
    case 'user':
    case 'thinking':
      return;
    case 'assistant':
      return assistantMessage(event, emit);
    case 'tool_call': {
      const call = isObject(event.tool_call) ? event.tool_call : {};
      const [kind] = Object.keys(call);
      const body = kind && isObject(call[kind]) ? (call[kind] as JsonObject) : {};
      const name = (kind ?? 'tool').replace(/ToolCall$/, '');
      if (event.subtype === 'started') return emit('note', toolLine(name, body.args));
      const result = isObject(body.result) ? body.result : {};
      if (result.success === undefined && Object.keys(result).length) emit('note', `✗ ${name} failed: ${oneLine(JSON.stringify(plain(result)), SUMMARY_LIMIT)}`);
      return;
    }
    case 'result': {
      const failed = event.is_error === true || (event.subtype !== undefined && event.subtype !== 'success');
      const usage = isObject(event.usage) ? event.usage : {};
      emit('note', verdict(failed ? 'cursor reported an error' : undefined, [tokens(usage.inputTokens, usage.outputTokens)]));
      if (failed && text(event.result)) emit('text', text(event.result));
      return;
    }
    default:
      return emit('note', compact(event));
  }
}

// codex: `codex exec --json`.
function codexEvent(event: JsonObject, emit: Emit): void {
  const item = isObject(event.item) ? event.item : undefined;
  switch (event.type) {
    case 'thread.started':
    case 'turn.started':
      return;
    case 'turn.completed': {
      const usage = isObject(event.usage) ? event.usage : {};
      return emit('note', verdict(undefined, [tokens(usage.input_tokens, usage.output_tokens)]));
    }
    case 'turn.failed': {
      const error = isObject(event.error) ? event.error : {};
      return emit('note', verdict(oneLine(text(error.message) || 'turn failed', SUMMARY_LIMIT), []));
    }
    case 'error':
      return emit('note', `! ${oneLine(text(event.message), SUMMARY_LIMIT)}`);
    case 'item.started':
      if (item?.type === 'command_execution') return emit('note', toolLine('shell', { command: unwrapShell(text(item.command)) }));
      return;
    case 'item.updated':
      return;
    case 'item.completed':
      return item ? codexItem(item, emit) : emit('note', compact(event));
    default:
      return emit('note', compact(event));
  }
}

function codexItem(item: JsonObject, emit: Emit): void {
  switch (item.type) {
    case 'agent_message':
      if (text(item.text)) emit('text', text(item.text));
      return;
    case 'reasoning':
      if (text(item.text)) emit('note', `… ${oneLine(text(item.text), SUMMARY_LIMIT)}`);
      return;
    case 'command_execution': {
      const exit = number(item.exit_code);
      if (exit !== undefined && exit !== 0) emit('note', `✗ command exited ${exit}: ${oneLine(text(item.aggregated_output), SUMMARY_LIMIT)}`);
      return;
    }
    case 'file_change': {
      const changes = Array.isArray(item.changes) ? item.changes.filter(isObject) : [];
      emit('note', `→ edit: ${oneLine(changes.map((c) => `${text(c.kind)} ${text(c.path)}`).join(', '), SUMMARY_LIMIT)}`);
      return;
    }
    case 'mcp_tool_call':
      emit('note', toolLine(`${text(item.server)}.${text(item.tool)}`, item.arguments));
      return;
    case 'web_search':
      emit('note', toolLine('web_search', { query: item.query ?? null }));
      return;
    case 'todo_list':
      emit('note', '• plan updated');
      return;
    case 'error':
      emit('note', `! ${oneLine(text(item.message), SUMMARY_LIMIT)}`);
      return;
    default:
      emit('note', compact(item));
  }
}

// gemini: `--output-format stream-json`; assistant text may arrive in `delta` chunks.
function geminiEvent(event: JsonObject, emit: Emit, hold: (text: string) => void): void {
  switch (event.type) {
    case 'init':
      return emit('note', sessionLine(event));
    case 'message':
      if (event.role !== 'assistant') return;
      if (event.delta === true) return hold(text(event.content));
      if (text(event.content)) emit('text', text(event.content));
      return;
    case 'tool_use':
      return emit('note', toolLine(text(event.tool_name), event.parameters));
    case 'tool_result': {
      if (event.status !== 'error') return;
      const error = isObject(event.error) ? event.error : {};
      return emit('note', `✗ tool failed: ${oneLine(text(error.message) || text(event.output), SUMMARY_LIMIT)}`);
    }
    case 'error':
      return emit('note', `! ${oneLine(text(event.message), SUMMARY_LIMIT)}`);
    case 'result': {
      const stats = isObject(event.stats) ? event.stats : {};
      const error = isObject(event.error) ? event.error : {};
      const failure = event.status === 'error' ? text(error.message) || 'gemini reported an error' : undefined;
      emit('note', verdict(failure, [count(stats.tool_calls, 'tool call'), tokens(stats.input_tokens ?? stats.inputTokens, stats.output_tokens ?? stats.outputTokens)]));
      return;
    }
    default:
      return emit('note', compact(event));
  }
}

// opencode: `opencode run --format json`; each step reports its tokens, the verdict sums them.
function opencodeEvent(): EventFormatter {
  let input = 0;
  let output = 0;
  let steps = 0;
  return (event, emit) => {
    const part = isObject(event.part) ? event.part : {};
    switch (event.type) {
      case 'step_start':
        return;
      case 'text': {
        const said = text(event.text) || text(part.text);
        if (said) emit('text', said);
        return;
      }
      case 'reasoning':
        if (text(part.text)) emit('note', `… ${oneLine(text(part.text), SUMMARY_LIMIT)}`);
        return;
      case 'tool_use': {
        const state = isObject(part.state) ? part.state : {};
        emit('note', toolLine(text(part.tool), state.input));
        if (state.status === 'error') emit('note', `✗ tool failed: ${oneLine(text(state.error), SUMMARY_LIMIT)}`);
        return;
      }
      case 'step_finish': {
        const used = isObject(part.tokens) ? part.tokens : {};
        input += number(used.input) ?? 0;
        output += number(used.output) ?? 0;
        steps++;
        // A step that ends to run tools is followed by another; only the last one closes the run.
        if (part.reason === 'tool-calls') return;
        emit('note', verdict(undefined, [count(steps, 'step'), tokens(input, output)]));
        return;
      }
      case 'error': {
        const error = isObject(event.error) ? event.error : {};
        const data = isObject(error.data) ? error.data : {};
        return emit('note', `! ${oneLine(text(data.message) || text(error.name) || JSON.stringify(plain(event.error ?? null)), SUMMARY_LIMIT)}`);
      }
      default:
        return emit('note', compact(event));
    }
  };
}

/** `• model X` with the MCP servers a session reports, when any. */
function sessionLine(event: JsonObject): string {
  const servers = (Array.isArray(event.mcp_servers) ? event.mcp_servers : []).filter(isObject).map((s) => `${text(s.name)} (${text(s.status)})`);
  return `• model ${text(event.model) || 'default'}${servers.length ? `, MCP ${servers.join(', ')}` : ''}`;
}

/** `→ Tool: the one argument that says what it does` (a command, a path, a pattern, a URL…). */
function toolLine(name: string, input: JsonValue | undefined): string {
  const summary = toolSummary(input);
  return `→ ${name || 'tool'}${summary ? `: ${summary}` : ''}`;
}

const SALIENT_ARGUMENTS = ['command', 'file_path', 'filePath', 'path', 'absolute_path', 'pattern', 'url', 'query', 'description', 'prompt'];

function toolSummary(input: JsonValue | undefined): string {
  if (!isObject(input)) return '';
  if (typeof input.patchText === 'string' || typeof input.patch === 'string' || typeof input.input === 'string') {
    const files = patchFiles(text(input.patchText) || text(input.patch) || text(input.input));
    if (files) return oneLine(files, SUMMARY_LIMIT);
  }
  for (const key of SALIENT_ARGUMENTS) {
    const value = input[key];
    if (typeof value === 'string' && value !== '') return oneLine(value, SUMMARY_LIMIT);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return oneLine(unwrapShell(value.join(' ')), SUMMARY_LIMIT);
  }
  return '';
}

/** The files an apply_patch envelope touches: `add GREETING.md, update src/a.ts`. */
function patchFiles(patch: string): string {
  const files = [...patch.matchAll(/^\*\*\* (Add|Update|Delete) File: (.+)$/gm)].map((m) => `${m[1].toLowerCase()} ${m[2]}`);
  return files.join(', ');
}

/** codex runs commands as `/bin/bash -lc '<command>'`: the command is what the agent chose. */
function unwrapShell(command: string): string {
  const wrapped = /^\S*\b(?:ba|z)?sh -l?c '([\s\S]*)'$/.exec(command);
  return wrapped ? wrapped[1].replace(/'\\''/g, "'") : command;
}

/** `✓ done · 3 turns · $0.0112 · 3000 in / 150 out tokens`, or `✗ <why> · …`. */
function verdict(failure: string | undefined, facts: Array<string | undefined>): string {
  const known = facts.filter((f): f is string => Boolean(f));
  return [failure ? `✗ ${failure}` : '✓ done', ...known].join(' · ');
}

function count(value: JsonValue | number | undefined, noun: string): string | undefined {
  const n = typeof value === 'number' ? value : number(value);
  return n === undefined ? undefined : `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function cost(value: JsonValue | undefined): string | undefined {
  return value instanceof JsonNumber ? `$${value.text}` : undefined;
}

function tokens(input: JsonValue | number | undefined, output: JsonValue | number | undefined): string | undefined {
  const i = typeof input === 'number' ? input : number(input);
  const o = typeof output === 'number' ? output : number(output);
  if (i === undefined && o === undefined) return undefined;
  return `${i ?? 0} in / ${o ?? 0} out tokens`;
}

/** An event no rule above knows: its type and its JSON, cut to one short line. */
function compact(event: JsonObject): string {
  const kind = [text(event.type), text(event.subtype)].filter(Boolean).join('/');
  return `· ${kind ? `${kind} ` : ''}${oneLine(JSON.stringify(plain(event)), COMPACT_LIMIT)}`;
}

/** Tool result content: a string, or text blocks. */
function resultText(content: JsonValue | undefined): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.filter(isObject).map((b) => text(b.text)).join(' ');
  return '';
}

function text(value: JsonValue | undefined): string {
  if (typeof value === 'string') return value;
  if (value instanceof JsonNumber) return value.text;
  return '';
}

function number(value: JsonValue | undefined): number | undefined {
  if (!(value instanceof JsonNumber)) return undefined;
  const n = Number(value.text);
  return Number.isFinite(n) ? n : undefined;
}

/** Newlines shown as ⏎ and the text cut at `limit` characters. */
function oneLine(value: string, limit: number): string {
  const flat = value.trim().replace(/\r?\n/g, '⏎');
  const chars = [...flat];
  return chars.length > limit ? `${chars.slice(0, limit).join('')}…` : flat;
}

/** The parsed line back as plain JSON (numbers as numbers) for display. */
function plain(value: JsonValue): unknown {
  if (value instanceof JsonNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(plain);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
