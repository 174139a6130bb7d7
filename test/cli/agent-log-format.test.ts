/**
 * `kelos logs`' pretty printer on real logs. test/fixtures/agent-logs/{claude-code,codex,gemini,opencode}.txt are
 * agent.log files of Tasks run by test/agents/ (the real CLIs, claude-code 2.1.332, codex 0.171.0, gemini 0.61.0,
 * opencode 1.18.33, against local model stand-ins), kept whole: the CLI's own stderr lines, its JSON events and the
 * entrypoint's output block. cursor.txt is the fake cursor-agent's stream (its CLI is not on npm), in the shape
 * cursor documents.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentLogFormatter, LogPiece, formatAgentLog } from '../../src/clients/cli/agent-log-format';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'agent-logs');
const recorded = (agent: string) => fs.readFileSync(path.join(FIXTURES, `${agent}.txt`), 'utf8');
const channel = (pieces: LogPiece[], which: LogPiece['channel']) => pieces.filter((p) => p.channel === which).map((p) => p.text).join('');
const FINAL_TEXT = 'Added GREETING.md and pushed it.';
const COMMIT = 'git add GREETING.md && git commit -q -m "Add greeting" && git push -q origin HEAD';

/** The log's lines that are not JSON, in order: what must pass through untouched. */
function plainLines(log: string): string {
  return log.split(/(?<=\n)/).filter((l) => !l.startsWith('{')).join('');
}

describe('the real CLIs\' streams', () => {
  const cases: Array<{ agent: string; notes: string[] }> = [
    {
      agent: 'claude-code',
      notes: [
        '• model claude-sonnet-4-6, MCP probe (connected)',
        expect.stringMatching(/^→ Write: \/tmp\/.*\/repo\/GREETING\.md$/),
        `→ Bash: ${COMMIT}`,
        expect.stringMatching(/^· system\/vcs_state_changed \{.*"kind":"push"/),
        '✓ done · 3 turns · $0.01125 · 3000 in / 150 out tokens',
      ],
    },
    {
      agent: 'codex',
      notes: [
        ...[2, 3, 4, 5].map((n) => expect.stringMatching(new RegExp(`^! Reconnecting\\.\\.\\. ${n}/5 \\(unexpected status 404`))),
        expect.stringMatching(/^! Falling back from WebSockets to HTTPS transport/),
        expect.stringMatching(/^→ edit: add \/tmp\/.*\/repo\/GREETING\.md$/),
        `→ shell: ${COMMIT}`,
        '✓ done · 4000 in / 200 out tokens',
      ],
    },
    {
      agent: 'gemini',
      notes: [
        '• model gemini-2.5-pro',
        expect.stringMatching(/^→ write_file: \/tmp\/.*\/repo\/GREETING\.md$/),
        `→ run_shell_command: ${COMMIT}`,
        '✓ done · 2 tool calls · 3000 in / 150 out tokens',
      ],
    },
    {
      agent: 'opencode',
      notes: ['→ apply_patch: add GREETING.md', `→ bash: ${COMMIT}`, '✓ done · 3 steps · 3000 in / 150 out tokens'],
    },
    {
      agent: 'cursor',
      notes: ['• model Claude 4.5 Sonnet', '→ shell: git status --short', '✓ done · 36067 in / 227 out tokens'],
    },
  ];

  test.each(cases)('$agent: its tool calls and verdict as notes, its text and every other line on stdout', ({ agent, notes }) => {
    const log = recorded(agent);
    const pieces = formatAgentLog(agent, log);
    expect(channel(pieces, 'note').trimEnd().split('\n')).toEqual(notes);
    // stdout: the CLI's plain lines and the output block byte for byte, with the agent's final text where its JSON was.
    const text = channel(pieces, 'text');
    expect(text.replace(`${FINAL_TEXT}\n`, '')).toBe(plainLines(log));
    expect(text).toContain(agent === 'cursor' ? `${FINAL_TEXT}\n` : `${FINAL_TEXT}\n---KELOS_OUTPUTS_START---\n`);
    expect(text).not.toMatch(/^\{/m);
  });

  test.each(cases.map((c) => c.agent))('%s: fed in small chunks (split inside lines and characters), the same output', (agent) => {
    const bytes = Buffer.from(recorded(agent), 'utf8');
    const formatter = new AgentLogFormatter(agent);
    const pieces: LogPiece[] = [];
    for (let i = 0; i < bytes.length; i += 7) pieces.push(...formatter.push(bytes.subarray(i, i + 7)));
    pieces.push(...formatter.end());
    expect(pieces).toEqual(formatAgentLog(agent, bytes.toString('utf8')));
  });
});

describe('lines as they arrive', () => {
  test('a partial last line waits for its newline, or for the end of the log', () => {
    const formatter = new AgentLogFormatter('codex');
    expect(formatter.push('{"type":"item.completed","item":{"type":"agent_message","te')).toEqual([]);
    expect(formatter.push('xt":"hi"}}\nno newline yet')).toEqual([{ channel: 'text', text: 'hi\n' }]);
    // A plain last line keeps its missing newline: stdout is the log's bytes there.
    expect(formatter.end()).toEqual([{ channel: 'text', text: 'no newline yet' }]);
  });

  test('gemini\'s streamed chunks are shown as one text, before whatever comes next', () => {
    const chunks = ['Hel', 'lo', ' there'].map((content) => JSON.stringify({ type: 'message', role: 'assistant', content, delta: true }));
    const log = [...chunks, JSON.stringify({ type: 'result', status: 'success', stats: { input_tokens: 5, output_tokens: 2 } }), ''].join('\n');
    expect(formatAgentLog('gemini', log)).toEqual([
      { channel: 'text', text: 'Hello there\n' },
      { channel: 'note', text: '✓ done · 5 in / 2 out tokens\n' },
    ]);
    expect(formatAgentLog('gemini', chunks.join('\n'))).toEqual([{ channel: 'text', text: 'Hello there\n' }]);
  });
});

describe('failures and the unknown', () => {
  test('claude-code: an unsuccessful result says why and shows its message', () => {
    const result = recorded('claude-code').split('\n').find((l) => l.includes('"type":"result"'))!;
    const failed = result.replace('"subtype":"success"', '"subtype":"error_max_turns"').replace('"is_error":false', '"is_error":true').replace(`"result":"${FINAL_TEXT}"`, '"result":"Reached the turn limit"');
    const pieces = formatAgentLog('claude-code', `${failed}\n`);
    expect(pieces).toEqual([
      { channel: 'note', text: '✗ claude-code reported an unsuccessful result (subtype=error_max_turns, is_error=true) · 3 turns · $0.01125 · 3000 in / 150 out tokens\n' },
      { channel: 'text', text: 'Reached the turn limit\n' },
    ]);
  });

  test('a failed tool call is a note; a command that exits non-zero says its code', () => {
    const claude = JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', is_error: true, content: 'Exit code 1\nfatal: not a git repository' }] } });
    expect(formatAgentLog('claude-code', claude)).toEqual([{ channel: 'note', text: '✗ tool failed: Exit code 1⏎fatal: not a git repository\n' }]);
    const codex = JSON.stringify({ type: 'item.completed', item: { id: 'i', type: 'command_execution', command: "/bin/bash -lc 'make test'", aggregated_output: 'FAIL\n', exit_code: 2, status: 'failed' } });
    expect(formatAgentLog('codex', codex)).toEqual([{ channel: 'note', text: '✗ command exited 2: FAIL\n' }]);
  });

  test('an event type no rule knows is one compact note, cut to a line', () => {
    const unknown = JSON.stringify({ type: 'rate_limit_event', subtype: 'warning', detail: 'x'.repeat(500) });
    const [piece, ...rest] = formatAgentLog('claude-code', unknown);
    expect(rest).toEqual([]);
    expect(piece.channel).toBe('note');
    expect(piece.text).toMatch(/^· rate_limit_event\/warning \{"type":"rate_limit_event".*xxx…\n$/);
    expect(piece.text.length).toBeLessThan(200);
    for (const agent of ['codex', 'gemini', 'opencode', 'cursor']) {
      expect(formatAgentLog(agent, '{"type":"brand_new","n":1}')).toEqual([{ channel: 'note', text: '· brand_new {"type":"brand_new","n":1}\n' }]);
    }
  });

  test('an agent type without a format, JSON that is not an object and broken JSON pass through unchanged', () => {
    const log = '{"type":"result"}\n[1,2]\n{"truncated json\n\n';
    expect(channel(formatAgentLog('custom-agent', log), 'text')).toBe(log);
    expect(formatAgentLog('claude-code', '[1,2]\n{"truncated json\n\n')).toEqual([
      { channel: 'text', text: '[1,2]\n' },
      { channel: 'text', text: '{"truncated json\n' },
      { channel: 'text', text: '\n' },
    ]);
  });
});
