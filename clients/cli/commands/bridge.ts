import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { createBridge } from '../../bridge/bridge-server';
import { admissionFromEnv } from '../../bridge/admission';
import { GITHUB_SECRET_VAR, LINEAR_SECRET_VAR, secretsFromEnv } from '../../bridge/bridge-secrets';
import { bodyLimitsFromEnv } from '../../bridge/body-limits';
import { KelosError } from '../../kelos-api';
import { kelosDataConverter } from '../../../host/payload-encryption/data-converter';
import { GlobalOptions, temporalAddress } from '../connection';
import { untilSignal } from './worker';

export const DEFAULT_BRIDGE_PORT = 8080;

export function bridgePort(flag: string | undefined): number {
  const text = flag ?? process.env.KELOS_BRIDGE_PORT ?? String(DEFAULT_BRIDGE_PORT);
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KelosError(`invalid bridge port "${text}" (--port or KELOS_BRIDGE_PORT)`);
  return port;
}

/** Starts the bridge on `host:port` against `address`; resolves with a stop function once it listens. */
export async function startBridgeServer(options: { address: string; namespace: string; host: string; port: number }): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataConverter = kelosDataConverter();
  // Lazy: the bridge starts even while Temporal is down and answers 503 until it is back.
  const connection = Connection.lazy({ address: options.address });
  const client = new Client({ connection, namespace: options.namespace, dataConverter });
  let app: FastifyInstance;
  try {
    const limits = { bodyLimits: bodyLimitsFromEnv(), ...admissionFromEnv() };
    const secrets = secretsFromEnv();
    app = createBridge({ client, secrets, ...limits, log: (line) => console.log(`webhook ${line}`) });
    if (!secrets.github) console.warn(`webhook bridge: ${GITHUB_SECRET_VAR} is not set: /webhook/github refuses deliveries`);
    if (!secrets.linear) console.warn(`webhook bridge: ${LINEAR_SECRET_VAR} is not set: /webhook/linear refuses deliveries`);
  } catch (err) {
    // A setting the bridge refuses (a secret file it cannot read, a limit that is not a number): name it and stop.
    await connection.close();
    throw new KelosError(`webhook bridge: ${(err as Error).message}`);
  }
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await connection.close();
    throw new KelosError(`webhook bridge cannot listen on ${options.host}:${options.port}: ${(err as Error).message} (choose another with --bridge-port / KELOS_BRIDGE_PORT)`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host}:${port}`,
    stop: async () => {
      await app.close();
      await connection.close();
    },
  };
}

export function bridgeCommand(globals: () => GlobalOptions): Command {
  return new Command('bridge')
    .description('run the webhook bridge: POST /webhook/github, /webhook/linear, /webhook/<source> signal the matching spawners')
    .option('--port <port>', `port to listen on (env KELOS_BRIDGE_PORT, default ${DEFAULT_BRIDGE_PORT})`)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .action(async (opts: { port?: string; host: string }) => {
      const g = globals();
      const address = temporalAddress(g);
      const namespace = g.temporalNamespace || process.env.TEMPORAL_NAMESPACE || 'default';
      const bridge = await startBridgeServer({ address, namespace, host: opts.host, port: bridgePort(opts.port) });
      console.log(`kelos webhook bridge on ${bridge.url} (Temporal ${address}); Ctrl-C stops it`);
      await untilSignal();
      await bridge.stop();
    });
}
