/** Connects the CLI to Temporal with errors a user can act on (no stack traces). */
import { Client } from '@temporalio/client';
import type { KelosConfig } from './config-file';
import { DEFAULT_TASK_QUEUE } from '../../workers/kelos-worker';
import { kelosDataConverter } from '../../host/payload-encryption/data-converter';
import { KelosApi } from '../kelos-api';
import { requireKelosSearchAttributes } from '../search-attribute-readiness';
import { connectClient, resolveTemporalTarget, type TemporalFlags, type TemporalTarget } from '../temporal-connection';
import { startTracing, type KelosService } from '../../host/tracing/tracing';

export interface GlobalOptions extends TemporalFlags {
  taskQueue?: string;
  namespace: string;
  /** The config file's settings (src/clients/cli/config-file.ts); empty for commands that do not read it. */
  kelosConfig?: KelosConfig;
}

/** Where this command's Temporal is: flags over the environment over the temporal.toml profile (src/clients/temporal-connection.ts). */
export function temporalTarget(options: GlobalOptions): TemporalTarget {
  return resolveTemporalTarget(options);
}

export function taskQueueOf(options: Pick<GlobalOptions, 'taskQueue'>): string {
  return options.taskQueue || process.env.KELOS_TASK_QUEUE || DEFAULT_TASK_QUEUE;
}

/**
 * A Kelos API on a checked connection: the namespace must have kelos's search attributes, else the command stops with
 * the one line that names `kelos setup`. The check is one ListSearchAttributes in place of the reachability probe the
 * CLI made before (Connection.connect already asks GetSystemInfo), so it adds no round trip.
 */
export async function connectApi(options: GlobalOptions, service: KelosService = 'kelos-cli'): Promise<{ api: KelosApi; close: () => Promise<void> }> {
  const target = temporalTarget(options);
  const dataConverter = kelosDataConverter(); // a bad key is reported before any connection is tried
  const tracing = startTracing(service); // undefined unless OTEL_EXPORTER_OTLP_ENDPOINT is set; a bad one reported here
  const connection = await connectClient(target);
  try {
    await requireKelosSearchAttributes(connection, target.namespace);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const client = new Client({ connection, namespace: target.namespace, dataConverter, ...(tracing ? { interceptors: tracing.clientInterceptors } : {}) });
  const api = new KelosApi(client, taskQueueOf(options));
  return {
    api,
    close: async () => {
      await connection.close();
      await tracing?.shutdown(); // a short-lived command sends its spans before it exits
    },
  };
}
