/**
 * A stand-in for the Gemini API (`POST /v1beta/models/<model>:streamGenerateContent?alt=sse`, and the plain
 * `:generateContent` the CLI uses for side calls), for the real `gemini` CLI pointed at it with
 * GOOGLE_GEMINI_BASE_URL. The main conversation (the request that offers tools) follows the script; side calls
 * that want JSON get `{}`-shaped answers their schema accepts, others a short text.
 */
import { json, ModelStandIn, RecordedRequest, ScriptStep, serveStandIn, sse, stepAt, USAGE_PER_ANSWER } from './scripted-model';

export function startGeminiStandIn(script: ScriptStep[], sideAnswer: (request: RecordedRequest) => string = () => 'OK'): Promise<ModelStandIn> {
  return serveStandIn((request, res) => {
    const match = /^\/[^/]+\/models\/([^:/?]+):(streamGenerateContent|generateContent|countTokens)/.exec(request.path);
    if (request.method !== 'POST' || !match) return json(res, 404, { error: { code: 404, message: `no ${request.method} ${request.path} here`, status: 'NOT_FOUND' } });
    const [, modelName, method] = match;
    if (method === 'countTokens') return json(res, 200, { totalTokens: USAGE_PER_ANSWER.input });
    const body = request.body ?? {};
    const offersTools = Array.isArray(body.tools) && body.tools.some((t: { functionDeclarations?: unknown[] }) => t.functionDeclarations?.length);
    const step: ScriptStep = offersTools ? stepAt(script, functionResponses(request)) : { text: sideAnswer(request) };
    const part = 'tool' in step ? { functionCall: { name: step.tool.name, args: step.tool.input } } : { text: step.text };
    const answer = {
      candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: USAGE_PER_ANSWER.input, candidatesTokenCount: USAGE_PER_ANSWER.output, totalTokenCount: USAGE_PER_ANSWER.input + USAGE_PER_ANSWER.output },
      modelVersion: modelName,
      responseId: `standin-${request.path.length}-${Date.now()}`,
    };
    if (method === 'generateContent') return json(res, 200, answer);
    const events = sse(res);
    events.send(answer);
    events.end();
  });
}

function functionResponses(request: RecordedRequest): number {
  let count = 0;
  for (const content of request.body?.contents ?? []) {
    count += (content.parts ?? []).filter((part: { functionResponse?: unknown }) => part.functionResponse).length;
  }
  return count;
}

/** The system instruction and contents of a request as one string (where GEMINI.md text arrives). */
export function promptText(request: RecordedRequest): string {
  return JSON.stringify([request.body?.systemInstruction ?? '', request.body?.contents ?? []]);
}
