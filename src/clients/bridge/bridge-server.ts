/**
 * The webhook bridge: verifies GitHub, Linear and generic deliveries on their raw bodies, finds the spawner
 * workflows they concern through Temporal visibility, and signals each one. It answers 2xx only after Temporal
 * accepted every signal (the delivery is then durable in the spawners' histories); when Temporal cannot be
 * reached it answers 503 so the sender redelivers, and the spawners deduplicate by delivery ID.
 *
 * Cheap checks come first, so that a flood of bad requests costs little each: admission (requests in flight, before
 * the body is read; body bytes in flight, as they arrive), the per-source body limit (413, before the body is read past
 * it), for a generic source without a secret the spawner lookup (404 before the body is read), the delivery ID's
 * length, the signature over the raw bytes, the spawner lookup where the route is known without the body (GitHub's
 * event header, a signed generic source); only then is the body parsed.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { innermostMessage } from '../../common/error-cause';
import { DEFAULT_PAYLOAD_BUDGET_BYTES, deliveryRoutingKey, type WebhookDelivery, type WebhookDeliverySource } from '../../sources/webhooks';
import { webhookDeliverySignal } from '../../spawner/messages';
import { Admission, type Ticket } from './admission';
import { createBridgeMetrics, type BridgeMetrics, type Outcome } from './bridge-metrics';
import { GITHUB_SECRET_VAR, LINEAR_SECRET_VAR, genericSecret, genericSecretVar, type BridgeSecrets } from './bridge-secrets';
import { bodyLimitVar, largestBodyLimit, resolveBodyLimits, type BodyLimitOptions, type BridgeSourceFamily } from './body-limits';
import { parseGitHubBody, parseJsonBody } from './body-parsing';
import { BODY_BYTES_BUSY, meteredBody } from './metered-body';
import { MAX_DELIVERY_ID_LENGTH, deliveryIdOf, genericDelivery, githubDelivery, linearDelivery, sha256Hex } from './delivery-builder';
import { checkLinearTimestamp, verifyGeneric, verifyGitHub, verifyLinearSignature } from './signatures';
import { MAX_GENERIC_SOURCE_LENGTH, genericSourceProblem } from './source-names';
import { SpawnerDirectory } from './spawner-directory';
import { recordDeliveryOutcome, tracedWebhookHandler } from './request-span';
import type { Tracer } from '@opentelemetry/api';

export interface BridgeOptions {
  client: Client;
  secrets: BridgeSecrets;
  /** Body limits per source (defaults and why in body-limits.ts); larger bodies get 413 naming the limit. */
  bodyLimits?: BodyLimitOptions;
  /** Webhook requests worked on at once (admission.ts, default 256); beyond: 503 with Retry-After. */
  maxInFlight?: number;
  /** Body bytes held by webhook requests at once (admission.ts, default 64 MiB or the largest body limit). */
  maxBytesInFlight?: number;
  /** Longest time to receive a whole request; a sender trickling bytes cannot hold an in-flight slot for ever. */
  requestTimeoutMs?: number;
  /** How long one visibility listing of the webhook spawners answers every routing key (also with "none"). */
  spawnerCacheMs?: number;
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
  /** Tracing on (host/tracing): each webhook request is a span, parent of the signals it sends. */
  tracer?: Tracer;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const READY_CACHE_MS = 5_000;
/** Seconds a sender refused for load should wait: the bound frees up as soon as requests finish. */
const OVERLOADED_RETRY_AFTER_S = 1;
const UNAVAILABLE_RETRY_AFTER_S = 5;

interface Answer {
  status: number;
  outcome: Outcome;
  body: Record<string, unknown>;
  retryAfterSeconds?: number;
}

/** A webhook route: which source kind it serves and how its body limit is named in a 413. */
interface WebhookRoute {
  kind: BridgeSourceFamily;
  limitFor: string;
}

/** Spawners found, and the milliseconds the lookup took of the Temporal budget (the signals get the rest). */
type Lookup = { ok: true; spawners: string[]; spentMs: number } | { ok: false; answer: Answer };

export function createBridge(options: BridgeOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? createBridgeMetrics();
  const directory = new SpawnerDirectory(options.client, { ttlMs: options.spawnerCacheMs, now });
  const budget = options.payloadBudgetBytes ?? DEFAULT_PAYLOAD_BUDGET_BYTES;
  const temporalTimeoutMs = options.temporalTimeoutMs ?? 5_000;
  const limits = resolveBodyLimits(options.bodyLimits);
  const admission = new Admission({ maxInFlight: options.maxInFlight, maxBytesInFlight: options.maxBytesInFlight }, largestBodyLimit(limits));
  // The server-wide limit is the largest route's: each route narrows it with its own bodyLimit.
  const app = Fastify({
    bodyLimit: largestBodyLimit(limits),
    logger: false,
    requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    routerOptions: { maxParamLength: MAX_GENERIC_SOURCE_LENGTH },
  });
  const routes = new Map<string, WebhookRoute>();
  const tickets = new WeakMap<FastifyRequest, Ticket>();
  /** Lookups made before the body was read (generic sources without a secret), for their handlers. */
  const earlyLookups = new WeakMap<FastifyRequest, Lookup & { ok: true }>();

  // Every body stays raw: signatures are computed over the exact bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    const route = routeOf(request);
    if ((error as { code?: string }).code === BODY_BYTES_BUSY) {
      return finish(request, reply, route?.kind ?? 'other', { status: 503, outcome: 'overloaded', retryAfterSeconds: OVERLOADED_RETRY_AFTER_S, body: { error: error.message } });
    }
    const outcome: Outcome = status === 413 ? 'too_large' : status < 500 ? 'bad_request' : 'unavailable';
    const message = status === 413 ? `body larger than ${request.routeOptions.bodyLimit} bytes, the limit for ${route?.limitFor ?? 'this bridge'}` : error.message;
    return finish(request, reply, route?.kind ?? 'other', { status, outcome, body: { error: message } });
  });

  // Admission before anything is read: a refused request costs a header parse and this answer.
  app.addHook('onRequest', async (request, reply) => {
    const route = routeOf(request);
    if (!route) return;
    const admitted = admission.tryEnter();
    if (!admitted.ok) {
      // Its body is not wanted: closing spares reading it to keep the connection.
      reply.header('connection', 'close');
      return finish(request, reply, route.kind, { status: 503, outcome: 'overloaded', retryAfterSeconds: OVERLOADED_RETRY_AFTER_S, body: { error: `the bridge is busy: ${admitted.reason}` } });
    }
    tickets.set(request, admitted.ticket);
    showInFlight();
    reply.raw.once('close', () => {
      admitted.ticket.release();
      showInFlight();
    });
  });

  /** Every body byte counted as it arrives; the last preParsing hook, so a request answered before stays unread. */
  async function meterBody(request: FastifyRequest, _reply: FastifyReply, payload: NodeJS.ReadableStream) {
    const ticket = tickets.get(request);
    if (!ticket) return payload;
    const take = (bytes: number) => {
      const taken = ticket.take(bytes);
      showInFlight();
      return taken;
    };
    return meteredBody(payload, take, () => admission.bytesRefusal());
  }

  app.get('/healthz', async () => ({ ok: true }));
  let ready: { at: number; ok: boolean } | undefined;
  app.get('/readyz', async (_request, reply) => {
    if (!ready || now() - ready.at > READY_CACHE_MS) {
      const deadline = new Date(now() + temporalTimeoutMs);
      const ok = await options.client.withDeadline(deadline, () => options.client.workflowService.getSystemInfo({})).then(() => true, () => false);
      ready = { at: now(), ok };
    }
    return reply.code(ready.ok ? 200 : 503).send({ ok: ready.ok, temporal: ready.ok ? 'reachable' : 'unreachable' });
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  webhookRoute('/webhook/github', { kind: 'github', limitFor: `GitHub deliveries (${bodyLimitVar('github')})` }, limits.github, async (request, reply) => {
    const started = now();
    if (!options.secrets.github) return finish(request, reply, 'github', notConfigured(GITHUB_SECRET_VAR));
    const deliveryHeader = header(request, 'x-github-delivery');
    const tooLong = deliveryIdProblem('X-GitHub-Delivery', deliveryHeader);
    if (tooLong) return finish(request, reply, 'github', badRequest(tooLong));
    const raw = rawBody(request);
    const verdict = await verifyGitHub(options.secrets.github, raw.toString('utf8'), header(request, 'x-hub-signature-256'));
    if (!verdict.ok) return finish(request, reply, 'github', refused(verdict.reason));
    const event = header(request, 'x-github-event');
    if (!event) return finish(request, reply, 'github', badRequest('missing X-GitHub-Event'));
    if (event === 'ping') return finish(request, reply, 'github', { status: 200, outcome: 'ping', body: { ok: true, event: 'ping' } });
    const bodySha256 = sha256Hex(raw);
    // The event header is the routing key (`github:<event>`, as deliveryRoutingKey derives it): no parse without a
    // listener.
    const found = await lookup(`github:${event}`);
    if (!found.ok) return finish(request, reply, 'github', found.answer);
    if (!found.spawners.length) return finish(request, reply, 'github', noSpawner(deliveryIdOf('github', deliveryHeader, bodySha256)));
    const body = parseGitHubBody(raw, header(request, 'content-type'));
    if (body === undefined) return finish(request, reply, 'github', badRequest('body is not JSON (nor a form with a JSON "payload")'));
    const delivery = githubDelivery({ rawBody: raw, bodySha256, body, event, deliveryId: deliveryHeader, payloadBudgetBytes: budget, receivedAt: new Date(started) });
    return finish(request, reply, 'github', await signalAll(delivery, found, started));
  });

  webhookRoute('/webhook/linear', { kind: 'linear', limitFor: `Linear deliveries (${bodyLimitVar('linear')})` }, limits.linear, async (request, reply) => {
    const started = now();
    if (!options.secrets.linear) return finish(request, reply, 'linear', notConfigured(LINEAR_SECRET_VAR));
    const deliveryHeader = header(request, 'linear-delivery');
    const tooLong = deliveryIdProblem('Linear-Delivery', deliveryHeader);
    if (tooLong) return finish(request, reply, 'linear', badRequest(tooLong));
    const raw = rawBody(request);
    const signature = verifyLinearSignature(options.secrets.linear, raw, header(request, 'linear-signature'));
    if (!signature.ok) return finish(request, reply, 'linear', refused(signature.reason));
    // Linear routes by the body's `type`: the signature is all that can come before the parse.
    const body = parseJsonBody(raw);
    if (body === undefined) return finish(request, reply, 'linear', badRequest('body is not JSON'));
    const fresh = checkLinearTimestamp(body, now(), options.linearToleranceMs ?? 60_000);
    if (!fresh.ok) return finish(request, reply, 'linear', refused(fresh.reason));
    const delivery = linearDelivery({ rawBody: raw, body, deliveryId: deliveryHeader, payloadBudgetBytes: budget, receivedAt: new Date(started) });
    const found = await lookup(deliveryRoutingKey(delivery));
    if (!found.ok) return finish(request, reply, 'linear', found.answer);
    if (!found.spawners.length) return finish(request, reply, 'linear', noSpawner(delivery.deliveryId));
    return finish(request, reply, 'linear', await signalAll(delivery, found, started));
  });

  webhookRoute('/webhook/:source', { kind: 'generic', limitFor: `generic sources (${bodyLimitVar('generic')})` }, limits.generic, genericHandler(), genericBeforeBody());
  // A generic source with its own limit gets its own route (a static path wins over /webhook/:source).
  for (const [source, limit] of limits.sources) {
    webhookRoute(`/webhook/${source}`, { kind: 'generic', limitFor: `generic source "${source}" (${bodyLimitVar(source)})` }, limit, genericHandler(source), genericBeforeBody(source));
  }

  /**
   * Before the body is read: an invalid name gets its 400, and a source without a secret (nothing to verify on the
   * body) its spawner lookup, so that a source nobody listens to gets its 404 without its body being read at all.
   * The body is then unread, so the connection is closed rather than drained.
   */
  function genericBeforeBody(fixedSource?: string) {
    return async (request: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream) => {
      const source = fixedSource ?? (request.params as { source: string }).source;
      const problem = genericSourceProblem(source);
      if (problem) return finish(request, reply.header('connection', 'close'), 'generic', badRequest(problem));
      if (genericSecret(options.secrets, source)) return payload; // the signature comes first, on the body
      const found = await lookup(`generic:${source}`);
      if (!found.ok) return finish(request, reply.header('connection', 'close'), 'generic', found.answer);
      if (!found.spawners.length) return finish(request, reply.header('connection', 'close'), 'generic', noListener(source));
      earlyLookups.set(request, found);
      return payload;
    };
  }

  function genericHandler(fixedSource?: string) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const started = now();
      const source = fixedSource ?? (request.params as { source: string }).source;
      const raw = rawBody(request);
      const secret = genericSecret(options.secrets, source);
      if (secret) {
        const verdict = verifyGeneric(secret, raw, header(request, 'x-kelos-signature-256') ?? header(request, 'x-hub-signature-256'));
        if (!verdict.ok) return finish(request, reply, 'generic', refused(`${verdict.reason} (${genericSecretVar(source)} is set)`));
      }
      // The path is the routing key: a source nobody listens to gets its 404 before the body is parsed.
      const found = earlyLookups.get(request) ?? (await lookup(`generic:${source}`));
      if (!found.ok) return finish(request, reply, 'generic', found.answer);
      if (!found.spawners.length) return finish(request, reply, 'generic', noListener(source));
      const body = parseJsonBody(raw);
      if (body === undefined) return finish(request, reply, 'generic', badRequest('body is not JSON'));
      const delivery = genericDelivery({ rawBody: raw, body, source, payloadBudgetBytes: budget, receivedAt: new Date(started) });
      return finish(request, reply, 'generic', await signalAll(delivery, found, started));
    };
  }

  function webhookRoute(
    url: string,
    route: WebhookRoute,
    bodyLimit: number,
    handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>,
    beforeBody?: (request: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream) => Promise<unknown>,
  ) {
    routes.set(url, route);
    app.post(url, { bodyLimit, preParsing: beforeBody ? [beforeBody, meterBody] : [meterBody] }, options.tracer ? tracedWebhookHandler(options.tracer, url, handler) : handler);
  }

  function routeOf(request: FastifyRequest): WebhookRoute | undefined {
    return routes.get(request.routeOptions.url ?? '');
  }

  /** The running spawners listening to `routingKey`, within the Temporal budget. */
  async function lookup(routingKey: string): Promise<Lookup> {
    const began = now();
    const deadline = new Date(began + temporalTimeoutMs);
    try {
      const spawners = await options.client.withDeadline(deadline, () => directory.spawnersFor(routingKey));
      return { ok: true, spawners, spentMs: now() - began };
    } catch (err) {
      return { ok: false, answer: unavailable(err) };
    }
  }

  /**
   * Signals every spawner found; 2xx only once all signals were accepted. The lookup and the signals share one
   * Temporal budget (reading the body in between does not count against it).
   */
  async function signalAll(delivery: WebhookDelivery, found: { spawners: string[]; spentMs: number }, started: number): Promise<Answer> {
    const deadline = new Date(now() + Math.max(0, temporalTimeoutMs - found.spentMs));
    let signalled = 0;
    try {
      await Promise.all(
        found.spawners.map(async (workflowId) => {
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

  function showInFlight() {
    metrics.requestsInFlight.set(admission.inFlight.requests);
    metrics.bytesInFlight.set(admission.inFlight.bytes);
  }

  function finish(request: FastifyRequest, reply: FastifyReply, source: WebhookDeliverySource | 'other', answer: Answer): FastifyReply {
    metrics.deliveries.inc({ source, outcome: answer.outcome });
    recordDeliveryOutcome(source, answer.outcome, answer.body);
    if (options.log) {
      const id = shortened(header(request, 'x-github-delivery') ?? header(request, 'linear-delivery') ?? answer.body.deliveryId ?? '-');
      options.log(`${source} delivery ${id}: ${answer.status} ${answer.outcome}${answer.body.spawners !== undefined ? ` (${answer.body.spawners} spawners)` : ''}${answer.body.error ? `: ${answer.body.error}` : ''}`);
    }
    if (answer.status === 503) reply.header('retry-after', String(answer.retryAfterSeconds ?? UNAVAILABLE_RETRY_AFTER_S));
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

/** A delivery ID becomes a workflow's dedup key and part of log lines: refuse the absurdly long. */
function deliveryIdProblem(name: string, value: string | undefined): string | undefined {
  return value !== undefined && value.length > MAX_DELIVERY_ID_LENGTH ? `${name} is ${value.length} characters long; at most ${MAX_DELIVERY_ID_LENGTH} are taken` : undefined;
}

function shortened(id: unknown): string {
  const text = String(id);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function refused(reason: string): Answer {
  return { status: 401, outcome: 'bad_signature', body: { error: reason } };
}

function badRequest(reason: string): Answer {
  return { status: 400, outcome: 'bad_request', body: { error: reason } };
}

function noListener(source: string): Answer {
  return { status: 404, outcome: 'no_spawner', body: { error: `no TaskSpawner listens to source "${source}"` } };
}

function noSpawner(deliveryId: string): Answer {
  return { status: 200, outcome: 'no_spawner', body: { deliveryId, spawners: 0 } };
}

function notConfigured(variable: string): Answer {
  return { status: 500, outcome: 'not_configured', body: { error: `the bridge has no signing secret: set ${variable} (or ${variable}_FILE)` } };
}

function unavailable(err: unknown): Answer {
  // The client's own message is generic ("Failed to signal Workflow"); its cause says why (deadline, overload, …).
  return { status: 503, outcome: 'unavailable', body: { error: `Temporal did not take the delivery: ${innermostMessage(err)}` } };
}
