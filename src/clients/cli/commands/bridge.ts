import { Command } from 'commander';
import { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { createBridge } from '../../bridge/bridge-server';
import { admissionFromEnv } from '../../bridge/admission';
import { GITHUB_SECRET_VAR, LINEAR_SECRET_VAR, secretsFromEnv } from '../../bridge/bridge-secrets';
import { bodyLimitsFromEnv } from '../../bridge/body-limits';
import { KelosError } from '../../kelos-api';
import { kelosDataConverter } from '../../../host/payload-encryption/data-converter';
import { firstLine, isRefusal, requireKelosSearchAttributes } from '../../search-attribute-readiness';
import { lazyClientConnection, type TemporalTarget } from '../../temporal-connection';
import { startTracing, type Tracing } from '../../../host/tracing/tracing';
import { GlobalOptions, temporalTarget } from '../connection';
import { untilSignal } from './worker';

export const DEFAULT_BRIDGE_PORT = 8080;

export function bridgePort(flag: string | undefined): number {
  const text = flag ?? process.env.KELOS_BRIDGE_PORT ?? String(DEFAULT_BRIDGE_PORT);
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KelosError(`invalid bridge port "${text}" (--port or KELOS_BRIDGE_PORT)`);
  return port;
}

/**
 * Starts the bridge on `host:port` against `target`; resolves with a stop function once it listens.
 * `checkSearchAttributes`: when Temporal answers at start, refuse to start if the namespace lacks kelos's search
 * attributes (the line names `kelos setup`); when it does not answer, start anyway (deliveries get 503 meanwhile).
 * `tracing`: default from the environment (src/host/tracing/tracing.ts); a given one is the caller's to shut down.
 */
export async function startBridgeServer(options: { target: TemporalTarget; host: string; port: number; checkSearchAttributes?: boolean; tracing?: Tracing }): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataConverter = kelosDataConverter();
  const tracing = options.tracing ?? startTracing('kelos-bridge');
  const ownTracing = options.tracing ? undefined : tracing;
  // Lazy: the bridge starts even while Temporal is down and answers 503 until it is back.
  const connection = lazyClientConnection(options.target);
  const client = new Client({ connection, namespace: options.target.namespace, dataConverter, ...(tracing ? { interceptors: tracing.clientInterceptors } : {}) });
  if (options.checkSearchAttributes) {
    try {
      await checkWhenReachable(connection, options.target);
    } catch (err) {
      await connection.close();
      throw err;
    }
  }
  let app: FastifyInstance;
  try {
    const limits = { bodyLimits: bodyLimitsFromEnv(), ...admissionFromEnv() };
    const secrets = secretsFromEnv();
    app = createBridge({ client, secrets, ...limits, log: (line) => console.log(`webhook ${line}`), ...(tracing ? { tracer: tracing.tracer } : {}) });
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
      await ownTracing?.shutdown();
    },
  };
}

async function checkWhenReachable(connection: ReturnType<typeof lazyClientConnection>, target: TemporalTarget): Promise<void> {
  try {
    await connection.withDeadline(Date.now() + 5_000, () => requireKelosSearchAttributes(connection, target.namespace));
  } catch (err) {
    // Missing attributes, a wrong API key or certificate: waiting will not help. Anything else is Temporal being down.
    if (err instanceof KelosError || isRefusal(err)) throw err;
    console.warn(`webhook bridge: Temporal at ${target.address} does not answer yet (${firstLine(err)}); its search attributes are not checked`);
  }
}

export function bridgeCommand(globals: () => GlobalOptions): Command {
  return new Command('bridge')
    .description('run the webhook bridge: POST /webhook/github, /webhook/linear, /webhook/<source> signal the matching spawners')
    .option('--port <port>', `port to listen on (env KELOS_BRIDGE_PORT, default ${DEFAULT_BRIDGE_PORT})`)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .action(async (opts: { port?: string; host: string }) => {
      const g = globals();
      const target = temporalTarget(g);
      const bridge = await startBridgeServer({ target, host: opts.host, port: bridgePort(opts.port), checkSearchAttributes: true });
      console.log(`kelos webhook bridge on ${bridge.url} (Temporal ${target.describe}); Ctrl-C stops it`);
      await untilSignal();
      await bridge.stop();
    });
}
