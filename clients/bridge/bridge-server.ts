/**
 * The webhook bridge: verifies GitHub, Linear and generic deliveries on their raw bodies, finds the spawner
 * workflows they concern through Temporal visibility, and signals each one. It answers 2xx only after Temporal
 * accepted every signal (the delivery is then durable in the spawners' histories); when Temporal cannot be
 * reached it answers 503 so the sender redelivers, and the spawners deduplicate by delivery ID.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { DEFAULT_PAYLOAD_BUDGET_BYTES, deliveryRoutingKey, type WebhookDelivery, type WebhookDeliverySource } from '../../api/sources/webhooks';
import { webhookDeliverySignal } from '../../workflows/spawner/messages';
import { createBridgeMetrics, type BridgeMetrics, type Outcome } from './bridge-metrics';
import { GITHUB_SECRET_VAR, LINEAR_SECRET_VAR, genericSecret, genericSecretVar, type BridgeSecrets } from './bridge-secrets';
import { genericDelivery, githubDelivery, linearDelivery } from './delivery-builder';
import { verifyGeneric, verifyGitHub, verifyLinear } from './signatures';
import { SpawnerDirectory } from './spawner-directory';

export interface BridgeOptions {
  client: Client;
  secrets: BridgeSecrets;
  /** Larger bodies get 413 (Kelos: 10 MiB). */
  bodyLimitBytes?: number;
  /** How long a visibility lookup of spawners (also "none") is reused. */
  spawnerCacheMs?: number;
  /** Routing keys whose lookups are remembered at most (least recently used forgotten first). */
  spawnerCacheEntries?: number;
  /** Linear deliveries whose signed `webhookTimestamp` is further from now are refused (replay). */
  linearToleranceMs?: number;
  /** Payload bytes a signal carries at most; larger payloads are trimmed (facts come from the full body). */
  payloadBudgetBytes?: number;
  now?: () => number;
  /** Longest wait for Temporal per delivery before answering 503 (GitHub gives up after 10 s). */
  temporalTimeoutMs?: number;
  /** One line per delivery; default: none. */
  log?: (line: string) => void;
  metrics?: BridgeMetrics;
}

export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;
const GENERIC_SOURCE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const READY_CACHE_MS = 5_000;

interface Answer {
  status: number;
  outcome: Outcome;
  body: Record<string, unknown>;
}

export function createBridge(options: BridgeOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? createBridgeMetrics();
  const directory = new SpawnerDirectory(options.client, { ttlMs: options.spawnerCacheMs, maxEntries: options.spawnerCacheEntries, now });
  const budget = options.payloadBudgetBytes ?? DEFAULT_PAYLOAD_BUDGET_BYTES;
  const app = Fastify({ bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES, logger: false });

  // Every body stays raw: signatures are computed over the exact bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    const outcome: Outcome = status === 413 ? 'too_large' : status < 500 ? 'bad_request' : 'unavailable';
    finish(request, reply, sourceOf(request.url), { status, outcome, body: { error: status === 413 ? `body larger than ${options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES} bytes` : error.message } });
  });

  app.get('/healthz', async () => ({ ok: true }));
  let ready: { at: number; ok: boolean } | undefined;
  app.get('/readyz', async (_request, reply) => {
    if (!ready || now() - ready.at > READY_CACHE_MS) {
      const deadline = new Date(now() + (options.temporalTimeoutMs ?? 5_000));
      const ok = await options.client.withDeadline(deadline, () => options.client.workflowService.getSystemInfo({})).then(() => true, () => false);
      ready = { at: now(), ok };
    }
    return reply.code(ready.ok ? 200 : 503).send({ ok: ready.ok, temporal: ready.ok ? 'reachable' : 'unreachable' });
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  app.post('/webhook/github', async (request, reply) => {
    const started = now();
    if (!options.secrets.github) return finish(request, reply, 'github', notConfigured(GITHUB_SECRET_VAR));
    const raw = rawBody(request);
    const verdict = await verifyGitHub(options.secrets.github, raw.toString('utf8'), header(request, 'x-hub-signature-256'));
    if (!verdict.ok) return finish(request, reply, 'github', refused(verdict.reason));
    const body = parseGitHubBody(raw, header(request, 'content-type'));
    if (body === undefined) return finish(request, reply, 'github', badRequest('body is not JSON (nor a form with a JSON "payload")'));
    const event = header(request, 'x-github-event');
    if (!event) return finish(request, reply, 'github', badRequest('missing X-GitHub-Event'));
    if (event === 'ping') return finish(request, reply, 'github', { status: 200, outcome: 'ping', body: { ok: true, event: 'ping' } });
    const delivery = githubDelivery({ rawBody: raw, body, event, deliveryId: header(request, 'x-github-delivery'), payloadBudgetBytes: budget, receivedAt: new Date(started) });
    return finish(request, reply, 'github', await forward(delivery, started));
  });

  app.post('/webhook/linear', async (request, reply) => {
    const started = now();
    if (!options.secrets.linear) return finish(request, reply, 'linear', notConfigured(LINEAR_SECRET_VAR));
    const raw = rawBody(request);
    const body = parseJson(raw);
    const verdict = verifyLinear(options.secrets.linear, raw, header(request, 'linear-signature'), body, now(), options.linearToleranceMs ?? 60_000);
    if (!verdict.ok) return finish(request, reply, 'linear', refused(verdict.reason));
    if (body === undefined) return finish(request, reply, 'linear', badRequest('body is not JSON'));
    const delivery = linearDelivery({ rawBody: raw, body, deliveryId: header(request, 'linear-delivery'), payloadBudgetBytes: budget, receivedAt: new Date(started) });
    return finish(request, reply, 'linear', await forward(delivery, started));
  });

  app.post<{ Params: { source: string } }>('/webhook/:source', async (request, reply) => {
    const started = now();
    const source = request.params.source;
    if (!GENERIC_SOURCE.test(source)) return finish(request, reply, 'generic', badRequest(`invalid source "${source}" (lower-case letters, digits and -)`));
    const raw = rawBody(request);
    const secret = genericSecret(options.secrets, source);
    if (secret) {
      const verdict = verifyGeneric(secret, raw, header(request, 'x-kelos-signature-256') ?? header(request, 'x-hub-signature-256'));
      if (!verdict.ok) return finish(request, reply, 'generic', refused(`${verdict.reason} (${genericSecretVar(source)} is set)`));
    }
    const body = parseJson(raw);
    if (body === undefined) return finish(request, reply, 'generic', badRequest('body is not JSON'));
    const delivery = genericDelivery({ rawBody: raw, body, source, payloadBudgetBytes: budget, receivedAt: new Date(started) });
    return finish(request, reply, 'generic', await forward(delivery, started));
  });

  /** Signals every spawner the delivery is routed to; 2xx only once all signals were accepted. */
  async function forward(delivery: WebhookDelivery, started: number): Promise<Answer> {
    const deadline = new Date(now() + (options.temporalTimeoutMs ?? 5_000));
    let spawners: string[];
    try {
      spawners = await options.client.withDeadline(deadline, () => directory.spawnersFor(deliveryRoutingKey(delivery)));
    } catch (err) {
      return unavailable(err);
    }
    if (!spawners.length) {
      if (delivery.source === 'generic') return { status: 404, outcome: 'no_spawner', body: { error: `no TaskSpawner listens to source "${delivery.generic!.source}"` } };
      return { status: 200, outcome: 'no_spawner', body: { deliveryId: delivery.deliveryId, spawners: 0 } };
    }
    let signalled = 0;
    try {
      await Promise.all(
        spawners.map(async (workflowId) => {
          try {
            await options.client.withDeadline(deadline, () => options.client.workflow.getHandle(workflowId).signal(webhookDeliverySignal, delivery));
            signalled += 1;
          } catch (err) {
            // Closed between the lookup and the signal (deleted spawner): nothing to deliver to.
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
        }),
      );
    } catch (err) {
      return unavailable(err);
    }
    metrics.signalSeconds.observe({ source: delivery.source }, (now() - started) / 1000);
    metrics.spawnersSignalled.inc({ source: delivery.source }, signalled);
    return { status: 200, outcome: 'accepted', body: { deliveryId: delivery.deliveryId, spawners: signalled } };
  }

  function finish(request: FastifyRequest, reply: FastifyReply, source: WebhookDeliverySource | 'other', answer: Answer) {
    metrics.deliveries.inc({ source, outcome: answer.outcome });
    const id = header(request, 'x-github-delivery') ?? header(request, 'linear-delivery') ?? answer.body.deliveryId ?? '-';
    options.log?.(`${source} delivery ${id}: ${answer.status} ${answer.outcome}${answer.body.spawners !== undefined ? ` (${answer.body.spawners} spawners)` : ''}${answer.body.error ? `: ${answer.body.error}` : ''}`);
    if (answer.status === 503) reply.header('retry-after', '5');
    return reply.code(answer.status).send(answer.body);
  }

  return app;
}

function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(raw: Buffer): unknown {
  try {
    const value = JSON.parse(raw.toString('utf8')) as unknown;
    return value !== null && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** GitHub sends JSON, or a form whose `payload` field holds the JSON (the hook's "content type" setting). */
function parseGitHubBody(raw: Buffer, contentType: string | undefined): unknown {
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(raw.toString('utf8')).get('payload');
    return payload === null ? undefined : parseJson(Buffer.from(payload, 'utf8'));
  }
  return parseJson(raw);
}

function sourceOf(url: string): WebhookDeliverySource | 'other' {
  if (url.startsWith('/webhook/github')) return 'github';
  if (url.startsWith('/webhook/linear')) return 'linear';
  if (url.startsWith('/webhook/')) return 'generic';
  return 'other';
}

function refused(reason: string): Answer {
  return { status: 401, outcome: 'bad_signature', body: { error: reason } };
}

function badRequest(reason: string): Answer {
  return { status: 400, outcome: 'bad_request', body: { error: reason } };
}

function notConfigured(variable: string): Answer {
  return { status: 500, outcome: 'not_configured', body: { error: `the bridge has no signing secret: set ${variable} (or ${variable}_FILE)` } };
}

function unavailable(err: unknown): Answer {
  return { status: 503, outcome: 'unavailable', body: { error: `Temporal did not take the delivery: ${(err as Error).message}` } };
}
