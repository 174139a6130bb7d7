/**
 * The Temporal SDK runtime's Prometheus exporter, bound to a free loopback port: the SDK serves its metrics itself
 * (from its Rust core) on an address it must be given when the runtime is installed, and our /metrics
 * (metrics-endpoint.ts) folds them in, so Prometheus scrapes one address per process.
 */
import type { TelemetryOptions } from '@temporalio/worker';
import { freePort } from '../free-port';

/** Telemetry options for Runtime.install, and where the SDK's metrics can then be read. */
export async function sdkPrometheusTelemetry(): Promise<{ telemetryOptions: TelemetryOptions; url: string }> {
  const port = await freePort();
  return {
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } },
    url: `http://127.0.0.1:${port}/metrics`,
  };
}
