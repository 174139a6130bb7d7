import { AGENT_EXECUTABLES, agentCommand, credentialEnvNameFor } from '../../src/agent-entrypoint/agent-command';
import type { AgentType } from '../../src/model/types';

describe('agent CLI arguments (as Kelos images pass them)', () => {
  const cases: { agent: AgentType; model?: string; effort?: string; pluginDirs?: string[]; want: string[] }[] = [
    { agent: 'claude-code', want: ['--dangerously-skip-permissions', '--output-format', 'stream-json', '--verbose', '-p', '--', 'PROMPT'] },
    {
      agent: 'claude-code',
      model: 'opus',
      effort: 'high',
      pluginDirs: ['/p/a/', '/p/b/'],
      want: ['--dangerously-skip-permissions', '--output-format', 'stream-json', '--verbose', '-p', '--model', 'opus', '--effort', 'high', '--plugin-dir', '/p/a/', '--plugin-dir', '/p/b/', '--', 'PROMPT'],
    },
    { agent: 'codex', want: ['exec', '--dangerously-bypass-approvals-and-sandbox', '--json', '--', 'PROMPT'] },
    {
      agent: 'codex',
      model: 'gpt-5',
      effort: 'hi"gh\\\n',
      want: ['exec', '--dangerously-bypass-approvals-and-sandbox', '--json', '--model', 'gpt-5', '--config', 'model_reasoning_effort="high"', '--', 'PROMPT'],
    },
    { agent: 'gemini', model: 'gemini-2.5-pro', effort: 'high', want: ['--yolo', '--output-format', 'stream-json', '--model', 'gemini-2.5-pro', '--prompt=PROMPT'] },
    { agent: 'opencode', model: 'anthropic/claude', want: ['run', '--format', 'json', '--auto', '--model', 'anthropic/claude', '--', 'PROMPT'] },
    { agent: 'opencode', model: 'anthropic/claude', effort: 'high', want: ['run', '--format', 'json', '--auto', '--', 'PROMPT'] },
    { agent: 'cursor', want: ['-p', '--force', '--trust', '--sandbox', 'disabled', '--output-format', 'stream-json', '--', 'PROMPT'] },
    { agent: 'cursor', model: 'gpt-5', want: ['--model', 'gpt-5', '-p', '--force', '--trust', '--sandbox', 'disabled', '--output-format', 'stream-json', '--', 'PROMPT'] },
  ];
  test.each(cases)('$agent model=$model effort=$effort', ({ agent, model, effort, pluginDirs, want }) => {
    expect(agentCommand(agent, { prompt: 'PROMPT', model, effort, pluginDirs })).toEqual({ executable: AGENT_EXECUTABLES[agent], args: want });
  });

  // The prompt is data: one that looks like an option comes after the end of the options, or glued to its option.
  test.each(['claude-code', 'codex', 'gemini', 'opencode', 'cursor'] as AgentType[])('%s: a prompt like --help stays the prompt', (agent) => {
    const { args } = agentCommand(agent, { prompt: '--help', model: 'm', effort: 'high', pluginDirs: ['/p/'] });
    const end = args.indexOf('--');
    if (agent === 'gemini') {
      expect(args.at(-1)).toBe('--prompt=--help');
      expect(args).not.toContain('--help');
    } else {
      expect(end).toBe(args.length - 2);
      expect(args.at(-1)).toBe('--help');
      expect(args.indexOf('--help')).toBe(args.length - 1);
    }
  });

  test('executables are the real CLI names', () => {
    expect(AGENT_EXECUTABLES).toEqual({ 'claude-code': 'claude', codex: 'codex', gemini: 'gemini', opencode: 'opencode', cursor: 'cursor-agent' });
  });
});

describe('credential variable per agent and credential type', () => {
  const cases: [AgentType, 'api-key' | 'oauth' | 'none', string | undefined][] = [
    ['claude-code', 'api-key', 'ANTHROPIC_API_KEY'],
    ['claude-code', 'oauth', 'CLAUDE_CODE_OAUTH_TOKEN'],
    ['codex', 'api-key', 'CODEX_API_KEY'],
    ['codex', 'oauth', 'CODEX_AUTH_JSON'],
    ['gemini', 'api-key', 'GEMINI_API_KEY'],
    ['gemini', 'oauth', 'GEMINI_API_KEY'],
    ['opencode', 'api-key', 'OPENCODE_API_KEY'],
    ['opencode', 'oauth', 'OPENCODE_API_KEY'],
    ['cursor', 'api-key', 'CURSOR_API_KEY'],
    ['cursor', 'oauth', 'CURSOR_API_KEY'],
    ['claude-code', 'none', undefined],
  ];
  test.each(cases)('%s with %s → %s', (agent, type, name) => {
    expect(credentialEnvNameFor(agent, type)).toBe(name);
  });
});
