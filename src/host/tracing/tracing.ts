/**
 * OpenTelemetry traces of one kelos process, through the Temporal SDK's interceptors
 * (@temporalio/interceptors-opentelemetry): a client's starts and signals carry the active span in their headers, the
 * workflows' spans (made in the sandbox, deterministically) leave it through a sink, activities continue the trace of
 * the workflow that scheduled them. So one trace runs from a webhook delivery (or a poll) through the spawner to the
 * Task workflow and its activities.
 *
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: then nothing is installed
 * (no interceptor, no sink, no global) and the OpenTelemetry SDK is not even loaded (otel-tracing.ts), so a CLI
 * command starts as fast as before. On, spans go over OTLP/HTTP in batches.
 */
import type * as otel from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';

/** The processes' default service names; OTEL_SERVICE_NAME overrides them. */
export type KelosService = 'kelos-worker' | 'kelos-bridge' | 'kelos-controller' | 'kelos-cli';

export interface TracingOptions {
  /** Where the settings come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Spans go here instead of OTLP, whatever the environment says (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
}

/** Tracing switched on for one process (or one part of `kelos dev`, which runs a worker and a bridge). */
export interface Tracing {
  readonly serviceName: string;
  /** Where spans go: the OTLP exporter, or the one given. */
  readonly exporter: SpanExporter;
  /** For the process's own spans (the bridge's webhook requests). */
  readonly tracer: otel.Tracer;
  /** `new Client({ interceptors })`: starts, signals, updates and queries carry the active span. */
  readonly clientInterceptors: ClientInterceptors;
  /** Interceptors and sinks of a Temporal Worker; `workflows`: it runs workflows (its bundle needs tracingWorkflowModules). */
  workerOptions(workflows: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'>;
  /** Sends what is buffered (tests read the exporter after this). */
  flush(): Promise<void>;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Where traces are exported: the OTLP endpoint, unless the SDK is disabled (OTEL_SDK_DISABLED=true). One that is not
 * an http(s) URL stops the process with its name (the exporter would quietly send to localhost instead).
 */
export function otlpEndpointOf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const value = env[name]?.trim();
    if (!value) continue;
    if (!/^https?:$/.test(URL.canParse(value) ? new URL(value).protocol : '')) throw new Error(`invalid ${name} "${value}": an http:// or https:// URL of an OTLP/HTTP receiver, e.g. http://localhost:4318`);
    return value;
  }
  return undefined;
}

/**
 * The workflow interceptor modules a worker's bundle must contain when tracing is on (a prebuilt bundle is built
 * with them: `bundleWorkflowCode({ workflowInterceptorModules })`). They add spans, not commands.
 */
export function tracingWorkflowModules(): string[] {
  return [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];
}

/** Tracing for this process, or undefined when it is off (no endpoint, no exporter given). */
export function startTracing(service: KelosService, options: TracingOptions = {}): Tracing | undefined {
  const env = options.env ?? process.env;
  if (!options.exporter && !otlpEndpointOf(env)) return undefined;
  // Loaded only now: the OpenTelemetry SDK and exporter cost start time a process without tracing need not pay.
  const { buildTracing } = require('./otel-tracing') as typeof import('./otel-tracing');
  return buildTracing(env.OTEL_SERVICE_NAME?.trim() || service, options.exporter);
}
