/**
 * `/metrics` for Prometheus: this process's registries, plus the Temporal SDK's own metrics (workflow task latency,
 * schedule-to-start, sticky cache, slots) when the SDK runtime exports them on a loopback port (sdk-metrics.ts), so
 * one scrape target carries both.
 */
import Fastify from 'fastify';
import type { Registry } from 'prom-client';

export interface MetricsEndpointOptions {
  /** `host:port` or `:port` (all interfaces); port 0 picks a free one. */
  address: string;
  registries: Registry[];
  /** The SDK runtime's Prometheus exporter, e.g. http://127.0.0.1:41234/metrics. */
  sdkMetricsUrl?: string;
}

export interface MetricsEndpoint {
  url: string;
  close(): Promise<void>;
}

/** `host:port` of a metrics flag, or the error that names the flag. */
export function parseListenAddress(address: string, what: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`invalid ${what} "${address}": expected host:port or :port (e.g. 0.0.0.0:9464)`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

export async function serveMetrics(options: MetricsEndpointOptions): Promise<MetricsEndpoint> {
  const { host, port } = parseListenAddress(options.address, 'metrics address');
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => {
    const own = await Promise.all(options.registries.map((registry) => registry.metrics()));
    const sdk = options.sdkMetricsUrl ? await sdkMetricsText(options.sdkMetricsUrl) : '';
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return [...own, sdk].filter(Boolean).map((text) => (text.endsWith('\n') ? text : `${text}\n`)).join('');
  });
  app.get('/healthz', async () => 'ok\n');
  await app.listen({ host, port });
  const bound = app.server.address();
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${typeof bound === 'object' && bound ? bound.port : port}/metrics`, close: () => app.close() };
}

/** The SDK's metrics, or a comment saying why they are missing (the scrape still carries ours). */
async function sdkMetricsText(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return `# Temporal SDK metrics unavailable: HTTP ${response.status}\n`;
    return await response.text();
  } catch (err) {
    return `# Temporal SDK metrics unavailable: ${(err as Error).message}\n`;
  }
}
