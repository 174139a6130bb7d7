/**
 * The real `codex` CLI (@openai/codex, pinned in scripts/agents/install-agent-clis.sh, or KELOS_TEST_CODEX_VERSION)
 * run by a Task without `image` through the built-in entrypoint, in the agent sandbox, against a local stand-in of
 * the OpenAI Responses API: the CLI accepts our `exec` arguments, finds the AgentConfig's MCP server's tool with its
 * `tool_search`, writes a file with its own `apply_patch` tool,
 * commits and pushes with its `exec_command` shell tool, and our parser sums its tokens; model, effort
 * (`model_reasoning_effort`) and AGENTS.md reach the model API.
 *
 * codex reads its endpoint only from its config (`openai_base_url`; OPENAI_BASE_URL is not read by current
 * versions), so the Task points CODEX_HOME at a directory holding that one line; the entrypoint adds AGENTS.md and
 * the MCP servers next to it as it does in the agent's own home.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promptText, startOpenAIResponsesStandIn } from '../harness/model-apis/openai-responses';
import type { ModelStandIn } from '../harness/model-apis/scripted-model';
import { USAGE_PER_ANSWER } from '../harness/model-apis/scripted-model';
import {
  AGENTS_MD, AgentTestBed, COMMIT_COMMAND, FINAL_TEXT, installAgentCli, MCP_PROBE_SERVER, nextTask, runRealAgentTask, startAgentTestBed, WRITTEN_CONTENT, WRITTEN_FILE, expectPrettyLogs, expectWorkPushed,
} from './real-agent-task';

const API_KEY = 'sk-proj-standin-9c2e';
let bed: AgentTestBed;
let model: ModelStandIn | undefined;

beforeAll(async () => {
  bed = await startAgentTestBed('real-codex', installAgentCli('codex'));
}, 300_000);
afterAll(async () => {
  await model?.close();
  await bed?.teardown();
});

it('runs a Task end to end: file committed on its branch, results and tokens, model/effort/AGENTS.md/MCP at the API, the stream in kelos logs', async () => {
  const task = nextTask(bed, 'codex');
  model = await startOpenAIResponsesStandIn([
    // codex offers MCP tools on demand: the model searches for the AgentConfig's server's tool first.
    { tool: { name: 'tool_search', input: { query: 'kelos_probe', limit: 8 } } },
    { tool: { name: 'apply_patch', input: `*** Begin Patch\n*** Add File: ${WRITTEN_FILE}\n+${WRITTEN_CONTENT.trim()}\n*** End Patch\n` } },
    { tool: { name: 'exec_command', input: { cmd: COMMIT_COMMAND } } },
    { text: FINAL_TEXT },
  ]);
  const codexHome = path.join(bed.stack.shared, `codex-home-${task.name}`);
  fs.mkdirSync(codexHome);
  fs.writeFileSync(path.join(codexHome, 'config.toml'), `openai_base_url = "${model.url}/v1"\n`);
  const { status, logs, pretty, run } = await runRealAgentTask(bed, task, {
    agentType: 'codex',
    model: 'gpt-5.5',
    effort: 'low',
    secret: { CODEX_API_KEY: API_KEY },
    env: { CODEX_HOME: codexHome },
    mcpServers: [{ name: 'probe', type: 'stdio', command: process.execPath, args: [MCP_PROBE_SERVER] }],
  });

  expectWorkPushed(bed, { status, run });
  // codex reports tokens per turn (summed over its four answers) and no cost.
  expect(status.usage).toEqual({ inputTokens: 4 * USAGE_PER_ANSWER.input, outputTokens: 4 * USAGE_PER_ANSWER.output });

  const turns = model.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/responses'));
  expect(turns).toHaveLength(4);
  for (const turn of turns) {
    expect(turn.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(turn.body.model).toBe('gpt-5.5');
    expect(turn.body.stream).toBe(true);
    expect(turn.body.reasoning).toMatchObject({ effort: 'low' });
    expect(promptText(turn)).toContain(AGENTS_MD);
  }
  // The search found the MCP server's tool: codex started the server in the sandbox and listed its tools.
  const found = turns[1].body.input.find((item: { type: string }) => item.type === 'tool_search_output');
  expect(found.tools).toContainEqual(expect.objectContaining({ name: 'mcp__probe', tools: [expect.objectContaining({ name: 'kelos_probe' })] }));

  // kelos logs: codex's own JSON events, then the output block.
  const lines = logs.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; item?: { type: string; text?: string; exit_code?: number } });
  expect(lines[0].type).toBe('thread.started');
  expect(lines).toContainEqual(expect.objectContaining({ type: 'item.completed', item: expect.objectContaining({ type: 'file_change' }) }));
  expect(lines).toContainEqual(expect.objectContaining({ type: 'item.completed', item: expect.objectContaining({ type: 'command_execution', exit_code: 0 }) }));
  expect(lines).toContainEqual({ type: 'item.completed', item: expect.objectContaining({ type: 'agent_message', text: FINAL_TEXT }) });
  expect(lines.at(-1)?.type).toBe('turn.completed');
  expect(logs).toContain('---KELOS_OUTPUTS_START---');
  expectPrettyLogs(pretty, ['→ shell: ' + COMMIT_COMMAND]);
}, 120_000);
