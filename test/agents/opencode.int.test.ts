/**
 * The real `opencode` CLI (opencode-ai, pinned in scripts/agents/install-agent-clis.sh, or
 * KELOS_TEST_OPENCODE_VERSION) run by a Task without `image` through the built-in entrypoint, in the agent sandbox,
 * against a local stand-in of the OpenAI Responses API (opencode's `openai/` provider speaks it; its base URL comes
 * from OPENCODE_CONFIG_CONTENT, which opencode merges over the entrypoint's opencode.json): the CLI accepts our
 * `run` arguments, takes the key the entrypoint maps to OPENAI_API_KEY, writes a file with its own `apply_patch`
 * tool, commits and pushes with its `bash` tool, and our parser sums its tokens; the model, the effort (the
 * entrypoint's `reasoningEffort`) and AGENTS.md reach the model API. The entrypoint configures no MCP servers for
 * opencode (as Kelos's image), so none is asserted.
 */
import { promptText, startOpenAIResponsesStandIn } from '../harness/model-apis/openai-responses';
import type { ModelStandIn } from '../harness/model-apis/scripted-model';
import { USAGE_PER_ANSWER } from '../harness/model-apis/scripted-model';
import {
  AGENTS_MD, AgentTestBed, COMMIT_COMMAND, FINAL_TEXT, installAgentCli, nextTask, runRealAgentTask, startAgentTestBed, WRITTEN_CONTENT, WRITTEN_FILE, expectPrettyLogs, expectWorkPushed,
} from './real-agent-task';

const API_KEY = 'sk-proj-standin-oc-77d1';
let bed: AgentTestBed;
let model: ModelStandIn | undefined;

beforeAll(async () => {
  bed = await startAgentTestBed('real-opencode', installAgentCli('opencode'));
}, 300_000);
afterAll(async () => {
  await model?.close();
  await bed?.teardown();
});

it('runs a Task end to end: file committed on its branch, results and tokens, model/effort/AGENTS.md at the API, the stream in kelos logs', async () => {
  const task = nextTask(bed, 'opencode');
  model = await startOpenAIResponsesStandIn([
    { tool: { name: 'apply_patch', input: { patchText: `*** Begin Patch\n*** Add File: ${WRITTEN_FILE}\n+${WRITTEN_CONTENT.trim()}\n*** End Patch` } } },
    { tool: { name: 'bash', input: { command: COMMIT_COMMAND, description: 'Commit and push the greeting' } } },
    { text: FINAL_TEXT },
  ]);
  const { status, logs, pretty, run } = await runRealAgentTask(bed, task, {
    agentType: 'opencode',
    model: 'openai/gpt-5',
    effort: 'low',
    secret: { OPENCODE_API_KEY: API_KEY },
    env: {
      OPENCODE_CONFIG_CONTENT: JSON.stringify({ provider: { openai: { options: { baseURL: `${model.url}/v1` } } } }),
      // Offline: the model list bundled with the CLI instead of models.dev.
      OPENCODE_DISABLE_MODELS_FETCH: '1',
    },
  });

  expectWorkPushed(bed, { status, run });
  // opencode reports tokens per step (summed over its three answers).
  expect(status.usage).toEqual({ inputTokens: 3 * USAGE_PER_ANSWER.input, outputTokens: 3 * USAGE_PER_ANSWER.output });

  const turns = model.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/responses') && r.body?.tools?.length);
  expect(turns).toHaveLength(3);
  for (const turn of turns) {
    expect(turn.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(turn.body.model).toBe('gpt-5');
    expect(turn.body.stream).toBe(true);
    expect(turn.body.reasoning).toMatchObject({ effort: 'low' });
    expect(promptText(turn)).toContain(AGENTS_MD);
  }

  // kelos logs: opencode's own JSON events, then the output block.
  const lines = logs.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; part?: { tool?: string; text?: string; state?: { status?: string } } });
  expect(lines.filter((l) => l.type === 'tool_use').map((l) => [l.part?.tool, l.part?.state?.status])).toEqual([['apply_patch', 'completed'], ['bash', 'completed']]);
  expect(lines.filter((l) => l.type === 'text').at(-1)?.part?.text).toBe(FINAL_TEXT);
  expect(lines.at(-1)?.type).toBe('step_finish');
  expect(logs).toContain('---KELOS_OUTPUTS_START---');
  expectPrettyLogs(pretty, [`→ apply_patch: add ${WRITTEN_FILE}`, '→ bash: ' + COMMIT_COMMAND]);
}, 120_000);
