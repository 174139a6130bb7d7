/**
 * The codec endpoint the Temporal Web UI and `temporal --codec-endpoint` call to show encrypted payloads in
 * plaintext: POST /decode and /encode with `{ payloads: [...] }` in proto-JSON (base64 bytes). The browser calls it
 * directly, so it answers CORS for the UI's origin; it answers only requests that name an allowed host (DNS
 * rebinding) and, with a token (required beyond loopback), only requests that carry it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
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
  /** Host names (or addresses) requests may name in `Host:`, besides the loopback ones; see {@link LOOPBACK_HOSTS}. */
  allowedHosts?: string[];
}

/** Always accepted in `Host:`: a page on another site can reach these only through DNS rebinding, which names its own host. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export function createCodecServer(options: CodecServerOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: 8 * 1024 * 1024 });
  const allowedHosts = new Set([...LOOPBACK_HOSTS, ...(options.allowedHosts ?? [])].map(normalHostName));
  const expected = options.authToken === undefined ? undefined : digest(`Bearer ${options.authToken}`);
  // Registered before CORS: a rebinding page's preflight is refused too, and nothing is answered for a foreign Host.
  app.addHook('onRequest', async (request, reply) => {
    const host = hostName(request.headers.host);
    if (host === undefined || !allowedHosts.has(host)) {
      return reply.code(403).send({ message: `Host ${JSON.stringify(request.headers.host ?? '')} is not allowed (add it with --allowed-hosts)` });
    }
    if (!expected || request.method === 'OPTIONS') return;
    // Equal-length digests, compared in constant time: the answer's timing says nothing about the token.
    if (!timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) return reply.code(401).send({ message: 'missing or wrong bearer token' });
  });
  void app.register(cors, { origin: options.corsOrigins, methods: ['POST'], allowedHeaders: ['content-type', 'x-namespace', 'authorization'] });
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

/**
 * A codec server that listens beyond loopback decrypts for anyone who can reach it, unless it asks for a token:
 * refuses such a start with the reason.
 */
export function checkCodecExposure(listenHost: string, authToken: string | undefined, tokenVar: string): void {
  if (isLoopback(listenHost) || authToken) return;
  throw new Error(`the codec server would listen on ${listenHost}, beyond this machine, and decrypt payloads for anyone who reaches it: set ${tokenVar} (clients then send \`Authorization: Bearer <token>\`) or listen on 127.0.0.1`);
}

/** `localhost`, 127.0.0.0/8 and ::1 (also IPv4-mapped). */
export function isLoopback(host: string): boolean {
  const name = normalHostName(host);
  if (name === 'localhost' || name === '::1') return true;
  const v4 = name.startsWith('::ffff:') ? name.slice('::ffff:'.length) : name;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The name part of a `Host:` header (`name`, `name:port`, `[v6]:port`), lowercased; undefined when malformed. */
function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracketed) return normalHostName(bracketed[1]!);
  const plain = /^([^:[\]]+)(?::\d+)?$/.exec(header);
  return plain ? normalHostName(plain[1]!) : undefined;
}

function normalHostName(name: string): string {
  return name.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
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
