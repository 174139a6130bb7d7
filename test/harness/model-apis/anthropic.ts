/**
 * A stand-in for the Anthropic Messages API (`POST /v1/messages`, streamed as server-sent events), for the real
 * `claude` CLI pointed at it with ANTHROPIC_BASE_URL. Requests that offer no tools (Claude Code's side calls:
 * titles, quota checks) get a short text; the main conversation follows the script.
 */
import { json, ModelStandIn, RecordedRequest, ScriptStep, serveStandIn, sse, stepAt, USAGE_PER_ANSWER } from './scripted-model';

export function startAnthropicStandIn(script: ScriptStep[]): Promise<ModelStandIn> {
  let ids = 0;
  return serveStandIn((request, res) => {
    const route = request.path.split('?')[0];
    if (request.method !== 'POST' || route !== '/v1/messages') {
      if (route === '/v1/messages/count_tokens') return json(res, 200, { input_tokens: USAGE_PER_ANSWER.input });
      return json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no ${request.method} ${route} here` } });
    }
    const body = request.body ?? {};
    const step: ScriptStep = Array.isArray(body.tools) && body.tools.length ? stepAt(script, toolResults(request)) : { text: 'OK' };
    ids += 1;
    const content = 'tool' in step ? { type: 'tool_use', id: `toolu_standin_${ids}`, name: step.tool.name, input: step.tool.input } : { type: 'text', text: step.text };
    const stopReason = 'tool' in step ? 'tool_use' : 'end_turn';
    const message = { id: `msg_standin_${ids}`, type: 'message', role: 'assistant', model: body.model, stop_sequence: null };
    const usage = { input_tokens: USAGE_PER_ANSWER.input, output_tokens: USAGE_PER_ANSWER.output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (!body.stream) return json(res, 200, { ...message, content: [content], stop_reason: stopReason, usage });

    const events = sse(res);
    events.send({ type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }, 'message_start');
    if (content.type === 'tool_use') {
      events.send({ type: 'content_block_start', index: 0, content_block: { ...content, input: {} } }, 'content_block_start');
      events.send({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(content.input) } }, 'content_block_delta');
    } else {
      events.send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
      events.send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: content.text } }, 'content_block_delta');
    }
    events.send({ type: 'content_block_stop', index: 0 }, 'content_block_stop');
    events.send({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: USAGE_PER_ANSWER.output } }, 'message_delta');
    events.send({ type: 'message_stop' }, 'message_stop');
    events.end();
  });
}

function toolResults(request: RecordedRequest): number {
  let count = 0;
  for (const message of request.body?.messages ?? []) {
    if (message.role !== 'user' || !Array.isArray(message.content)) continue;
    count += message.content.filter((block: { type?: string }) => block.type === 'tool_result').length;
  }
  return count;
}
