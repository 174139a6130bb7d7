/**
 * The codec endpoint the Temporal Web UI and `temporal --codec-endpoint` call to show encrypted payloads in
 * plaintext: POST /decode and /encode with `{ payloads: [...] }` in proto-JSON (base64 bytes). The browser calls it
 * directly, so it answers CORS for the UI's origin; keep it on localhost or set a token.
 */
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Origins allowed to call from a browser (the Web UI's address). */
  corsOrigins: string[];
  /** When set, requests need `Authorization: Bearer <token>` (the UI sends its own access token if configured). */
  authToken?: string;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export function createCodecServer(options: CodecServerOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: 8 * 1024 * 1024 });
  void app.register(cors, { origin: options.corsOrigins, methods: ['POST'], allowedHeaders: ['content-type', 'x-namespace', 'authorization'] });
  app.addHook('onRequest', async (request, reply) => {
    if (!options.authToken || request.method === 'OPTIONS') return;
    if (request.headers.authorization !== `Bearer ${options.authToken}`) await reply.code(401).send({ message: 'missing or wrong bearer token' });
  });
  for (const direction of ['encode', 'decode'] as const) {
    app.post(`/${direction}`, async (request, reply) => {
      let payloads: Payload[];
      try {
        payloads = payloadsFromJson(request.body);
      } catch (err) {
        return reply.code(400).send({ message: (err as Error).message });
      }
      try {
        const result = await options.codec[direction](payloads);
        return { payloads: result.map(payloadToJson) };
      } catch (err) {
        return reply.code(400).send({ message: `cannot ${direction}: ${(err as Error).message}` });
      }
    });
  }
  return app;
}

function payloadsFromJson(body: unknown): Payload[] {
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(list)) throw new Error('body: expected {"payloads": [...]} as JSON');
  return list.map((item, index) => {
    try {
      return temporal.api.common.v1.Payload.fromObject(item as JsonPayload);
    } catch (err) {
      throw new Error(`payloads[${index}]: ${(err as Error).message}`);
    }
  });
}

function payloadToJson(payload: Payload): JsonPayload {
  return temporal.api.common.v1.Payload.toObject(temporal.api.common.v1.Payload.create(payload), { bytes: String }) as JsonPayload;
}
