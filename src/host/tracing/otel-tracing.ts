/**
 * The OpenTelemetry side of src/host/tracing/tracing.ts, loaded only when tracing is on: a tracer provider per service
 * (batching to the exporter), the Temporal SDK's interceptors on it, and the process-wide context propagation.
 */
import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource, envDetectorSync, type IResource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import { tracingWorkflowModules, type Tracing } from './tracing';

/**
 * Tracing as `serviceName`, to `exporter` or else over OTLP/HTTP (the exporter reads OTEL_EXPORTER_OTLP_* itself:
 * endpoint, headers, timeout; the provider reads OTEL_TRACES_SAMPLER).
 */
export function buildTracing(serviceName: string, exporter: SpanExporter = new OTLPTraceExporter()): Tracing {
  registerContextPropagation();
  const resource = serviceResource(serviceName);
  const processor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  const tracer = provider.getTracer('kelos');
  return {
    serviceName,
    exporter,
    tracer,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    workerOptions: (workflows) => ({
      interceptors: {
        activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
        ...(workflows ? { workflowModules: tracingWorkflowModules() } : {}),
      },
      // Workflow spans are made in the sandbox and handed out through this sink (not called on replay).
      ...(workflows ? { sinks: { exporter: makeWorkflowExporter(processor, resource as Resource) } } : {}),
    }),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

function serviceResource(serviceName: string): IResource {
  return Resource.default()
    .merge(envDetectorSync.detect()) // OTEL_RESOURCE_ATTRIBUTES
    .merge(new Resource({ 'service.name': serviceName }));
}

let registered = false;

/**
 * The active span follows async calls (AsyncLocalStorage) and crosses process boundaries as W3C trace context: both
 * process-wide, set once, and only when some tracing is on.
 */
function registerContextPropagation(): void {
  if (registered) return;
  otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  otel.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  registered = true;
}
