/**
 * The real `claude` CLI (@anthropic-ai/claude-code, pinned in scripts/agents/install-agent-clis.sh, or
 * KELOS_TEST_CLAUDE_CODE_VERSION) run by a Task without `image` through the built-in entrypoint, in the agent
 * sandbox, against a local stand-in of the Anthropic Messages API (ANTHROPIC_BASE_URL): the CLI accepts our
 * arguments, writes a file with its own Write tool, commits and pushes with its Bash tool, and our parser reads
 * its cost and tokens; model, effort, AGENTS.md and the AgentConfig's MCP server reach the model API.
 */
import { startAnthropicStandIn } from '../harness/model-apis/anthropic';
import type { ModelStandIn } from '../harness/model-apis/scripted-model';
import { USAGE_PER_ANSWER } from '../harness/model-apis/scripted-model';
import {
  AGENTS_MD, AgentTestBed, COMMIT_COMMAND, FINAL_TEXT, installAgentCli, MCP_PROBE_SERVER, nextTask, runRealAgentTask, startAgentTestBed, WRITTEN_CONTENT, WRITTEN_FILE, expectPrettyLogs, expectWorkPushed,
} from './real-agent-task';

const API_KEY = 'sk-ant-standin-4b1d';
let bed: AgentTestBed;
let model: ModelStandIn | undefined;

beforeAll(async () => {
  bed = await startAgentTestBed('real-claude', installAgentCli('claude-code'));
}, 300_000);
afterAll(async () => {
  await model?.close();
  await bed?.teardown();
});

it('runs a Task end to end: file committed on its branch, results and usage, model/effort/AGENTS.md/MCP at the API, the stream in kelos logs', async () => {
  const task = nextTask(bed, 'claude-code');
  model = await startAnthropicStandIn([
    { tool: { name: 'Write', input: { file_path: `${task.repoDir}/${WRITTEN_FILE}`, content: WRITTEN_CONTENT } } },
    { tool: { name: 'Bash', input: { command: COMMIT_COMMAND, description: 'Commit and push the greeting' } } },
    { text: FINAL_TEXT },
  ]);
  const { status, logs, pretty, run } = await runRealAgentTask(bed, task, {
    agentType: 'claude-code',
    model: 'claude-sonnet-4-6',
    effort: 'low',
    secret: { ANTHROPIC_API_KEY: API_KEY },
    env: { ANTHROPIC_BASE_URL: model.url },
    mcpServers: [{ name: 'probe', type: 'stdio', command: process.execPath, args: [MCP_PROBE_SERVER] }],
  });

  expectWorkPushed(bed, { status, run });
  // Claude Code sums its three answers and prices them itself.
  expect(status.usage).toEqual({ costUSD: expect.stringMatching(/^0\.\d+$/), inputTokens: 3 * USAGE_PER_ANSWER.input, outputTokens: 3 * USAGE_PER_ANSWER.output });
  expect(Number(status.usage!.costUSD)).toBeGreaterThan(0);

  const turns = model.requests.filter((r) => r.path.startsWith('/v1/messages') && r.body?.tools?.length);
  expect(turns).toHaveLength(3);
  for (const turn of turns) {
    expect(turn.headers['x-api-key']).toBe(API_KEY);
    expect(turn.body.model).toBe('claude-sonnet-4-6');
    expect(turn.body.stream).toBe(true);
    expect(turn.body.output_config).toEqual({ effort: 'low' });
    // CLAUDE.md (AgentConfig agentsMD) arrives in the conversation, the MCP server's tool among what is offered.
    expect(JSON.stringify(turn.body.messages)).toContain(AGENTS_MD);
    expect(JSON.stringify(turn.body)).toContain('mcp__probe__kelos_probe');
  }
  expect(turns[2].body.messages.at(-1).content.some((b: { type: string; is_error?: boolean }) => b.type === 'tool_result' && !b.is_error)).toBe(true);

  // kelos logs: the CLI's own stream-json lines, then the output block.
  const lines = logs.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; subtype?: string; tools?: string[] });
  expect(lines[0]).toMatchObject({ type: 'system', subtype: 'init' });
  expect(lines[0].tools).toContain('mcp__probe__kelos_probe');
  expect(lines.at(-1)).toMatchObject({ type: 'result', subtype: 'success', result: FINAL_TEXT });
  expect(logs).toContain('---KELOS_OUTPUTS_START---');
  expectPrettyLogs(pretty, ['→ Bash: ' + COMMIT_COMMAND]);
}, 120_000);
