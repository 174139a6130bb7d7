/**
 * The real `gemini` CLI (@google/gemini-cli, pinned in scripts/agents/install-agent-clis.sh, or
 * KELOS_TEST_GEMINI_VERSION) run by a Task without `image` through the built-in entrypoint, in the agent sandbox,
 * against a local stand-in of the Gemini API (GOOGLE_GEMINI_BASE_URL): the CLI accepts our arguments, writes a file
 * with its own `write_file` tool in the (trusted) checkout, commits and pushes with `run_shell_command`, and our
 * parser reads its tokens; the model, the effort (the thinking budget of the entrypoint's model override),
 * GEMINI.md (AgentConfig agentsMD) and the AgentConfig's MCP server reach the model API.
 */
import { promptText, startGeminiStandIn } from '../harness/model-apis/gemini';
import type { ModelStandIn } from '../harness/model-apis/scripted-model';
import { USAGE_PER_ANSWER } from '../harness/model-apis/scripted-model';
import {
  AGENTS_MD, AgentTestBed, COMMIT_COMMAND, FINAL_TEXT, installAgentCli, MCP_PROBE_SERVER, nextTask, runRealAgentTask, startAgentTestBed, WRITTEN_CONTENT, WRITTEN_FILE, expectPrettyLogs, expectWorkPushed,
} from './real-agent-task';

const API_KEY = 'AIza-standin-51ab';
let bed: AgentTestBed;
let model: ModelStandIn | undefined;

beforeAll(async () => {
  bed = await startAgentTestBed('real-gemini', installAgentCli('gemini'));
}, 300_000);
afterAll(async () => {
  await model?.close();
  await bed?.teardown();
});

it('runs a Task end to end: file committed on its branch, results and tokens, model/effort/GEMINI.md/MCP at the API, the stream in kelos logs', async () => {
  const task = nextTask(bed, 'gemini');
  model = await startGeminiStandIn([
    { tool: { name: 'write_file', input: { file_path: `${task.repoDir}/${WRITTEN_FILE}`, content: WRITTEN_CONTENT } } },
    { tool: { name: 'run_shell_command', input: { command: COMMIT_COMMAND, description: 'Commit and push the greeting' } } },
    { text: FINAL_TEXT },
  ]);
  const { status, logs, pretty, run } = await runRealAgentTask(bed, task, {
    agentType: 'gemini',
    model: 'gemini-2.5-pro',
    effort: 'low',
    secret: { GEMINI_API_KEY: API_KEY },
    env: { GOOGLE_GEMINI_BASE_URL: model.url },
    mcpServers: [{ name: 'probe', type: 'stdio', command: process.execPath, args: [MCP_PROBE_SERVER] }],
  });

  expectWorkPushed(bed, { status, run });
  // gemini's result line sums the conversation's tokens (side calls included) and reports no cost.
  expect(status.usage).toEqual({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
  expect(status.usage!.inputTokens).toBeGreaterThanOrEqual(3 * USAGE_PER_ANSWER.input);

  const turns = model.requests.filter((r) => r.path.includes(':streamGenerateContent') && r.body?.tools?.length);
  expect(turns).toHaveLength(3);
  for (const turn of turns) {
    expect(turn.headers['x-goog-api-key']).toBe(API_KEY);
    expect(turn.path).toContain('/models/gemini-2.5-pro:streamGenerateContent');
    // effort low → the entrypoint's model config override: a 1024-token thinking budget on every request.
    expect(turn.body.generationConfig.thinkingConfig).toMatchObject({ thinkingBudget: 1024 });
    expect(promptText(turn)).toContain(AGENTS_MD);
    const offered = turn.body.tools.flatMap((t: { functionDeclarations?: { name: string }[] }) => (t.functionDeclarations ?? []).map((f) => f.name));
    expect(offered).toEqual(expect.arrayContaining(['write_file', 'run_shell_command']));
    expect(offered.some((name: string) => name.includes('kelos_probe'))).toBe(true);
  }

  // kelos logs: gemini's own stream-json events, then the output block.
  const lines = logs.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; tool_name?: string; status?: string });
  expect(lines[0]).toMatchObject({ type: 'init', model: 'gemini-2.5-pro' });
  expect(lines.filter((l) => l.type === 'tool_result').map((l) => l.status)).toEqual(['success', 'success']);
  expect(lines.filter((l) => l.type === 'tool_use').map((l) => l.tool_name)).toEqual(['write_file', 'run_shell_command']);
  expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'success' });
  expect(logs).toContain('---KELOS_OUTPUTS_START---');
  expectPrettyLogs(pretty, ['→ run_shell_command: ' + COMMIT_COMMAND]);
}, 120_000);
