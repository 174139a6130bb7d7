/** Prometheus metrics of one bridge (its own registry, so tests and several bridges in one process do not mix). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const OUTCOMES = ['accepted', 'no_spawner', 'ping', 'bad_signature', 'bad_request', 'too_large', 'not_configured', 'unavailable', 'overloaded'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export function createBridgeMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const deliveries = new Counter({ name: 'kelos_webhook_deliveries_total', help: 'Webhook deliveries by source and outcome', labelNames: ['source', 'outcome'], registers: [registry] });
  const signalSeconds = new Histogram({
    name: 'kelos_webhook_signal_seconds',
    help: 'Seconds from receiving a delivery to Temporal accepting its signals',
    labelNames: ['source'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const spawnersSignalled = new Counter({ name: 'kelos_webhook_spawners_signalled_total', help: 'Spawner workflows signalled', labelNames: ['source'], registers: [registry] });
  const requestsInFlight = new Gauge({ name: 'kelos_webhook_requests_in_flight', help: 'Webhook requests being worked on (bounded; beyond it: 503, outcome "overloaded")', registers: [registry] });
  const bytesInFlight = new Gauge({ name: 'kelos_webhook_body_bytes_in_flight', help: 'Body bytes reserved by webhook requests being worked on (bounded)', registers: [registry] });
  return { registry, deliveries, signalSeconds, spawnersSignalled, requestsInFlight, bytesInFlight };
}

export type BridgeMetrics = ReturnType<typeof createBridgeMetrics>;
