import { Command } from 'commander';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { kelosHome } from '../../../host/data-dir';
import { createKelosWorker, DEFAULT_TASK_QUEUE } from '../../../workers/kelos-worker';
import { KelosError } from '../../kelos-api';
import { GlobalOptions, temporalAddress } from '../connection';

/** Connects a kelos worker to `address` and runs it until `stopSignal` resolves. */
export async function runWorker(address: string, g: GlobalOptions, stopSignal: Promise<void>): Promise<void> {
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address });
  } catch {
    throw new KelosError(`cannot reach Temporal at ${address}: start it with \`kelos dev\`, or pass --address / set TEMPORAL_ADDRESS`);
  }
  const namespace = g.temporalNamespace || process.env.TEMPORAL_NAMESPACE || 'default';
  const client = new Client({ connection, namespace });
  const worker = await createKelosWorker({
    connection,
    client,
    namespace,
    taskQueue: g.taskQueue || process.env.KELOS_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    home: kelosHome(),
  });
  const running = worker.run();
  await Promise.race([stopSignal, running]);
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await connection.close();
}

export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export function installQuietRuntime(): void {
  Runtime.install({ logger: new DefaultLogger((process.env.KELOS_LOG_LEVEL as 'INFO') || 'WARN') });
}

export function workerCommand(globals: () => GlobalOptions): Command {
  return new Command('worker')
    .description('run a kelos worker (workflows + local runtime activities) against a Temporal server')
    .action(async () => {
      const g = globals();
      installQuietRuntime();
      const address = temporalAddress(g);
      console.log(`kelos worker connected to ${address}, task queue ${g.taskQueue || process.env.KELOS_TASK_QUEUE || DEFAULT_TASK_QUEUE}; Ctrl-C stops it`);
      await runWorker(address, g, untilSignal());
    });
}
