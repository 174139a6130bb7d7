import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { AgentStreamCapture, summarizeAgentStream } from '../../src/agent-entrypoint/agent-stream';

const FAKE_AGENTS = path.join(__dirname, '..', 'fixtures', 'agents');
const lines = (...objects: unknown[]) => objects.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n') + '\n';

/** Runs a fake agent CLI and returns its stdout: the real stream shape of that CLI. */
function fakeStream(executable: string, env: Record<string, string> = {}, args: string[] = ['-p', 'fix the bug']): string {
  const result = spawnSync(path.join(FAKE_AGENTS, executable), args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return result.stdout;
}

describe('agent stream: the real stream formats (fake agents)', () => {
  const cases = [
    { agent: 'claude-code', executable: 'claude', want: { costUSD: '0.0421275', inputTokens: '1234', outputTokens: '567', response: 'Done: fix the bug' } },
    { agent: 'codex', executable: 'codex', args: ['exec', '--json', 'fix the bug'], want: { inputTokens: '24763', outputTokens: '122', response: 'Done: fix the bug' } },
    { agent: 'gemini', executable: 'gemini', want: { inputTokens: '8812', outputTokens: '345', response: 'Done: fix the bug' } },
    { agent: 'opencode', executable: 'opencode', args: ['run', '--format', 'json', 'fix the bug'], want: { inputTokens: '21425', outputTokens: '313', response: 'Done: fix the bug' } },
    { agent: 'cursor', executable: 'cursor-agent', args: ['-p', '--output-format', 'stream-json', 'fix the bug'], want: { inputTokens: '36067', outputTokens: '227', response: 'Done: fix the bug' } },
  ];
  test.each(cases)('$agent: usage and response from its stream', ({ agent, executable, args, want }) => {
    expect(summarizeAgentStream(agent, fakeStream(executable, {}, args))).toEqual(want);
  });

  test('claude-code: an error result fails the capture verdict', () => {
    const result = summarizeAgentStream('claude-code', fakeStream('claude', { FAKE_AGENT_MODE: 'fail' }));
    expect(result.failure).toMatch(/subtype=error_during_execution.*is_error=true/);
    expect(result.costUSD).toBe('0.0421275');
  });

  test('claude-code: a success result that stopped mid-tool-use fails the verdict', () => {
    const result = summarizeAgentStream('claude-code', fakeStream('claude', { FAKE_AGENT_MODE: 'incomplete' }));
    expect(result.failure).toMatch(/stop_reason=tool_use/);
  });

  test('non-JSON lines and an unterminated last line are tolerated', () => {
    const result = summarizeAgentStream('claude-code', fakeStream('claude', { FAKE_AGENT_MODE: 'noisy,no-newline' }));
    expect(result).toMatchObject({ inputTokens: '1234', outputTokens: '567' });
    expect(result.failure).toBeUndefined();
  });
});

describe('agent stream: kelos-capture rules', () => {
  const ok = { type: 'result', subtype: 'success', is_error: false };
  const cases: { behaviour: string; agent: string; stream: string; want: object }[] = [
    {
      behaviour: 'claude-code keeps numbers in their JSON text form',
      agent: 'claude-code',
      stream: '{"type":"result","subtype":"success","is_error":false,"total_cost_usd":1.50,"usage":{"input_tokens":1e3,"output_tokens":7}}\n',
      want: { costUSD: '1.50', inputTokens: '1e3', outputTokens: '7' },
    },
    {
      behaviour: 'claude-code uses the last result line only',
      agent: 'claude-code',
      stream: lines({ ...ok, total_cost_usd: 0.1, result: 'first' }, { ...ok, total_cost_usd: 0.2, usage: { input_tokens: 5 } }),
      want: { costUSD: '0.2', inputTokens: '5' },
    },
    {
      behaviour: 'claude-code without a result line reports nothing and no failure',
      agent: 'claude-code',
      stream: lines({ type: 'assistant', message: 'done' }),
      want: {},
    },
    {
      behaviour: 'claude-code terminal_reason other than completed fails the verdict',
      agent: 'claude-code',
      stream: lines({ ...ok, terminal_reason: 'max_turns', stop_reason: 'end_turn' }),
      want: { failure: expect.stringContaining('terminal_reason=max_turns') },
    },
    {
      behaviour: 'claude-code empty reasons are a normal completion (older CLIs)',
      agent: 'claude-code',
      stream: lines({ ...ok, terminal_reason: '', stop_reason: '', total_cost_usd: 0.3 }),
      want: { costUSD: '0.3' },
    },
    {
      behaviour: 'claude-code result line without subtype fails the verdict',
      agent: 'claude-code',
      stream: lines({ type: 'result' }),
      want: { failure: expect.any(String) },
    },
    {
      behaviour: 'cursor reads camelCase usage and the result text',
      agent: 'cursor',
      stream: lines({ type: 'thinking', subtype: 'delta', text: 'x' }, { ...ok, result: 'done', usage: { inputTokens: 36067, outputTokens: 227 } }),
      want: { inputTokens: '36067', outputTokens: '227', response: 'done' },
    },
    {
      behaviour: 'gemini reads Kelos camelCase stats and the last whole assistant message',
      agent: 'gemini',
      stream: lines(
        { type: 'message', role: 'assistant', delta: true, content: 'partial' },
        { type: 'message', role: 'assistant', content: 'Here are the files.' },
        { type: 'message', role: 'assistant', content: 'All tasks complete.' },
        { type: 'result', stats: { inputTokens: 500, outputTokens: 100 } },
      ),
      want: { inputTokens: '500', outputTokens: '100', response: 'All tasks complete.' },
    },
    {
      behaviour: 'gemini falls back to the last run of streamed chunks when no whole message came',
      agent: 'gemini',
      stream: lines(
        { type: 'message', role: 'assistant', delta: true, content: 'Looking' },
        { type: 'tool_use', tool_name: 'ls' },
        { type: 'message', role: 'assistant', delta: true, content: 'All ' },
        { type: 'message', role: 'assistant', delta: true, content: 'done.' },
        { type: 'result', status: 'success', stats: { input_tokens: 8, output_tokens: 2 } },
      ),
      want: { inputTokens: '8', outputTokens: '2', response: 'All done.' },
    },
    {
      behaviour: 'codex sums turn.completed usage and takes the last agent message',
      agent: 'codex',
      stream: lines(
        { type: 'turn.started' },
        { type: 'item.completed', item: { type: 'agent_message', text: 'first' } },
        { type: 'turn.completed', usage: { input_tokens: 5000, cached_input_tokens: 10, output_tokens: 2000 } },
        { type: 'item.completed', item: { type: 'reasoning', text: 'thinking' } },
        { type: 'item.completed', item: { type: 'agent_message', text: 'second' } },
        { type: 'turn.completed', usage: { input_tokens: 3000, output_tokens: 1200 } },
      ),
      want: { inputTokens: '8000', outputTokens: '3200', response: 'second' },
    },
    {
      behaviour: 'codex ignores non-integer token figures like Go json.Number.Int64',
      agent: 'codex',
      stream: lines({ type: 'turn.completed', usage: { input_tokens: 1.5, output_tokens: '7' } }, { type: 'turn.completed', usage: { input_tokens: 4, output_tokens: 1 } }),
      want: { inputTokens: '4', outputTokens: '1' },
    },
    {
      behaviour: 'opencode sums step_finish tokens and takes the last text (top-level or part.text)',
      agent: 'opencode',
      stream: lines(
        { type: 'text', text: 'Investigating' },
        { type: 'step_finish', part: { tokens: { input: 500, output: 200 } } },
        { type: 'text', part: { type: 'text', text: 'Fixed the bug.' } },
        { type: 'step_finish', part: { tokens: { input: 300, output: 100 } } },
      ),
      want: { inputTokens: '800', outputTokens: '300', response: 'Fixed the bug.' },
    },
    {
      behaviour: 'sums of zero report no tokens',
      agent: 'opencode',
      stream: lines({ type: 'step_finish', part: { tokens: { input: 0, output: 0 } } }),
      want: {},
    },
    {
      behaviour: 'an unknown agent type reports nothing',
      agent: 'aider',
      stream: lines({ ...ok, total_cost_usd: 1 }),
      want: {},
    },
    {
      behaviour: 'malformed JSON lines are skipped',
      agent: 'claude-code',
      stream: `not json\n{"type":"result"\n[1,2]\n${JSON.stringify({ ...ok, total_cost_usd: 0.1, usage: { input_tokens: 500, output_tokens: 200 } })}\n`,
      want: { costUSD: '0.1', inputTokens: '500', outputTokens: '200' },
    },
  ];
  test.each(cases)('$behaviour', ({ agent, stream, want }) => {
    expect(summarizeAgentStream(agent, stream)).toEqual(want);
  });
});

describe('agent stream: byte handling', () => {
  test('lines split across chunks (even inside a multi-byte character) are reassembled', () => {
    const text = JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'héllo ✓ wörld', total_cost_usd: 0.5 }) + '\n';
    const bytes = Buffer.from(text, 'utf8');
    const capture = new AgentStreamCapture('claude-code');
    for (let i = 0; i < bytes.length; i += 3) capture.push(bytes.subarray(i, i + 3));
    expect(capture.needsFinalNewline).toBe(false);
    expect(capture.end()).toEqual({ costUSD: '0.5', response: 'héllo ✓ wörld' });
  });

  test('a stream not ending in a newline asks for one', () => {
    const capture = new AgentStreamCapture('codex');
    capture.push(Buffer.from('{"type":"turn.completed","usage":{"input_tokens":3,"output_tokens":4}}'));
    expect(capture.needsFinalNewline).toBe(true);
    expect(capture.end()).toEqual({ inputTokens: '3', outputTokens: '4' });
  });

  test('an empty stream needs no newline and reports nothing', () => {
    const capture = new AgentStreamCapture('claude-code');
    expect(capture.needsFinalNewline).toBe(false);
    expect(capture.end()).toEqual({});
  });
});
