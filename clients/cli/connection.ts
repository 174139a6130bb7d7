/** Connects the CLI to Temporal with errors a user can act on (no stack traces). */
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE } from '../../workers/kelos-worker';
import { kelosDataConverter } from '../../host/payload-encryption/data-converter';
import { KelosApi, KelosError } from '../kelos-api';

export interface GlobalOptions {
  address?: string;
  temporalNamespace?: string;
  taskQueue?: string;
  namespace: string;
}

export function temporalAddress(options: Pick<GlobalOptions, 'address'>): string {
  return options.address || process.env.TEMPORAL_ADDRESS || 'localhost:7233';
}

export async function connectApi(options: GlobalOptions): Promise<{ api: KelosApi; close: () => Promise<void> }> {
  const address = temporalAddress(options);
  const dataConverter = kelosDataConverter(); // a bad key is reported before any connection is tried
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 5_000 });
    await connection.workflowService.getSystemInfo({});
  } catch {
    throw new KelosError(`cannot reach Temporal at ${address}: start it with \`kelos dev\`, or pass --address / set TEMPORAL_ADDRESS`);
  }
  const client = new Client({ connection, namespace: options.temporalNamespace || process.env.TEMPORAL_NAMESPACE || 'default', dataConverter });
  const api = new KelosApi(client, options.taskQueue || process.env.KELOS_TASK_QUEUE || DEFAULT_TASK_QUEUE);
  return { api, close: () => connection.close() };
}
