/**
 * A webhook request as the root of its trace (tracing on): the span is active while the handler runs, so the
 * signals it sends to spawners carry it to their workflows (src/host/tracing/tracing.ts).
 */
import { SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebhookDeliverySource } from '../../sources/webhooks';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

export function tracedWebhookHandler(tracer: Tracer, route: string, handler: Handler): Handler {
  return (request, reply) =>
    tracer.startActiveSpan(`POST ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': route } }, async (span) => {
      try {
        const answered = await handler(request, reply);
        span.setAttribute('http.response.status_code', reply.statusCode);
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return answered;
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
}

/** What became of the delivery, on the request's span (nothing when tracing is off: there is no active span). */
export function recordDeliveryOutcome(source: WebhookDeliverySource | 'other', outcome: string, body: Record<string, unknown>): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttributes({
    'kelos.webhook.source': source,
    'kelos.webhook.outcome': outcome,
    ...(typeof body.deliveryId === 'string' ? { 'kelos.webhook.delivery_id': body.deliveryId } : {}),
    ...(typeof body.spawners === 'number' ? { 'kelos.webhook.spawners': body.spawners } : {}),
  });
}
