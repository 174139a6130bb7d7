/**
 * What every model API stand-in shares: a scripted conversation (tool calls, then a final text), a loopback HTTP
 * server, and a record of the requests it received, so tests can assert what the real agent CLI sent.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One model turn: a call of one of the CLI's own tools, or the final text. */
/** A tool call's input is JSON arguments, or free text for a tool that takes raw text (codex's `apply_patch`). */
export type ScriptStep = { tool: { name: string; input: Record<string, unknown> | string } } | { text: string };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when there was none or it was not JSON). */
  body: any;
}

/** Token counts every answer reports, so a test can check the CLI's own sums. */
export const USAGE_PER_ANSWER = { input: 1000, output: 50 };

export interface ModelStandIn {
  /** e.g. http://127.0.0.1:34567 */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (request: RecordedRequest, res: http.ServerResponse) => void;

/** Serves `handle` on a free loopback port, recording every request first. */
export async function serveStandIn(handle: Handler): Promise<ModelStandIn> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      try {
        handle(recorded, res);
      } catch (err) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err) } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The step to answer with, given how many tool results the conversation already holds. */
export function stepAt(script: ScriptStep[], toolResults: number): ScriptStep {
  return script[Math.min(toolResults, script.length - 1)];
}

/** Starts a server-sent events answer; `send` writes one event (named when `event` is given). */
export function sse(res: http.ServerResponse): { send(data: unknown, event?: string): void; end(): void } {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return {
    send: (data, event) => res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`),
    end: () => res.end(),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
