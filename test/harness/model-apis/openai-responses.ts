/**
 * A stand-in for the OpenAI Responses API (`POST …/responses`, streamed as server-sent events), for the real
 * `codex` CLI pointed at it with OPENAI_BASE_URL. A tool step with text input becomes a `custom_tool_call` (codex's
 * freeform tools such as `apply_patch`), `tool_search` a client-side `tool_search_call`, one with JSON input a
 * `function_call`; the conversation's tool outputs
 * say which step comes next.
 */
import { json, ModelStandIn, RecordedRequest, ScriptStep, serveStandIn, sse, stepAt, USAGE_PER_ANSWER } from './scripted-model';

export function startOpenAIResponsesStandIn(script: ScriptStep[]): Promise<ModelStandIn> {
  let ids = 0;
  return serveStandIn((request, res) => {
    const route = request.path.split('?')[0];
    if (route.endsWith('/models')) return json(res, 200, { object: 'list', data: [], models: [] });
    if (request.method !== 'POST' || !route.endsWith('/responses')) return json(res, 404, { error: { message: `no ${request.method} ${route} here`, type: 'invalid_request_error' } });
    const body = request.body ?? {};
    const step: ScriptStep = Array.isArray(body.tools) && body.tools.length ? stepAt(script, toolOutputs(request)) : { text: 'OK' };
    ids += 1;
    const responseId = `resp_standin_${ids}`;
    let item: Record<string, unknown>;
    if ('tool' in step) {
      const callId = `call_standin_${ids}`;
      // codex searches its deferred tools (MCP servers' among them) on the client: its own item type.
      item = step.tool.name === 'tool_search'
        ? { type: 'tool_search_call', id: `tsc_standin_${ids}`, call_id: callId, execution: 'client', arguments: step.tool.input, status: 'completed' }
        : typeof step.tool.input === 'string'
        ? { type: 'custom_tool_call', id: `ctc_standin_${ids}`, call_id: callId, name: step.tool.name, input: step.tool.input, status: 'completed' }
        : { type: 'function_call', id: `fc_standin_${ids}`, call_id: callId, name: step.tool.name, arguments: JSON.stringify(step.tool.input), status: 'completed' };
    } else {
      item = { type: 'message', id: `msg_standin_${ids}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: step.text, annotations: [] }] };
    }
    const usage = {
      input_tokens: USAGE_PER_ANSWER.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: USAGE_PER_ANSWER.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: USAGE_PER_ANSWER.input + USAGE_PER_ANSWER.output,
    };
    const response = { id: responseId, object: 'response', created_at: Math.floor(Date.now() / 1000), model: body.model, status: 'in_progress', output: [] as unknown[] };
    const events = sse(res);
    let seq = 0;
    const send = (data: Record<string, unknown>) => events.send({ ...data, sequence_number: seq++ }, data.type as string);
    send({ type: 'response.created', response });
    send({ type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress' } });
    if (item.type === 'message') {
      const text = (step as { text: string }).text;
      send({ type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: text });
      send({ type: 'response.output_text.done', item_id: item.id, output_index: 0, content_index: 0, text });
    }
    send({ type: 'response.output_item.done', output_index: 0, item });
    send({ type: 'response.completed', response: { ...response, status: 'completed', output: [item], usage } });
    events.end();
  });
}

function toolOutputs(request: RecordedRequest): number {
  const input = request.body?.input;
  if (!Array.isArray(input)) return 0;
  return input.filter((item: { type?: string }) => ['function_call_output', 'custom_tool_call_output', 'tool_search_output'].includes(item.type ?? '')).length;
}

/** The instructions and input of a Responses request as one string (where AGENTS.md text arrives). */
export function promptText(request: RecordedRequest): string {
  return JSON.stringify([request.body?.instructions ?? '', request.body?.input ?? []]);
}
