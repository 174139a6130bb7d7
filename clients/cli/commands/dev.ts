import * as path from 'node:path';
import { Command } from 'commander';
import { kelosHome } from '../../../host/data-dir';
import { isServing, startDevServer } from '../../dev/temporal-dev-server';
import { KelosError } from '../../kelos-api';
import { GlobalOptions } from '../connection';
import { installQuietRuntime, runWorker, untilSignal } from './worker';
import { bridgePort, startBridgeServer } from './bridge';
import { DEFAULT_CODEC_PORT, codecPort, startCodecServer } from './codec-server';
import { ENCRYPTION_KEY_VAR, keyRingFromEnv } from '../../../host/payload-encryption/encryption-keys';

/**
 * The embedded stack on one machine: a Temporal dev server with a persistent database under the kelos data
 * directory (search attributes registered), and the worker with the local runtime. Ctrl-C stops both;
 * the next start finds the data again.
 */
export function devCommand(globals: () => GlobalOptions): Command {
  return new Command('dev')
    .description('start the embedded stack: Temporal dev server (persistent) + kelos worker with the local runtime')
    .option('--port <port>', 'Temporal gRPC port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--ip <ip>', 'address to listen on', '127.0.0.1')
    .option('--bridge-port <port>', 'webhook bridge port (env KELOS_BRIDGE_PORT, default 8080)')
    .option('--no-bridge', 'do not start the webhook bridge')
    .option('--codec-port <port>', `codec server port for the Web UI when ${ENCRYPTION_KEY_VAR} is set`, String(DEFAULT_CODEC_PORT))
    .action(async (opts: { port: string; uiPort: string; ip: string; bridgePort?: string; bridge: boolean; codecPort: string }) => {
      const g = globals();
      const home = kelosHome();
      const address = `${opts.ip}:${opts.port}`;
      const encrypted = keyRingFromEnv().byId.size > 0; // a bad key stops here, before anything starts
      if (await isServing(address, 'default')) {
        throw new KelosError(`a Temporal server already answers on ${address}: stop it, or use \`kelos worker --address ${address}\` to add a worker to it`);
      }
      const dbFilename = path.join(home, 'dev', 'temporal.db');
      const logFile = path.join(home, 'dev', 'temporal.log');
      // The Web UI shows encrypted payloads through the codec server, which must listen before the UI is told of it.
      const uiOrigins = [`http://${opts.ip}:${opts.uiPort}`, `http://localhost:${opts.uiPort}`];
      const codec = encrypted ? await startCodecServer({ host: opts.ip, port: codecPort(opts.codecPort), corsOrigins: uiOrigins }) : undefined;
      console.log(`starting Temporal dev server (data: ${dbFilename})...`);
      let server: Awaited<ReturnType<typeof startDevServer>>;
      try {
        server = await startDevServer({ ip: opts.ip, port: Number(opts.port), uiPort: Number(opts.uiPort), dbFilename, logFile, startTimeoutMs: 120_000, ...(codec ? { uiCodecEndpoint: codec.url } : {}) });
      } catch (err) {
        await codec?.stop();
        throw err;
      }
      installQuietRuntime();
      const stop = untilSignal();
      let bridge: { url: string; stop: () => Promise<void> } | undefined;
      try {
        if (opts.bridge) bridge = await startBridgeServer({ address: server.address, namespace: server.namespace, host: opts.ip, port: bridgePort(opts.bridgePort) });
      } catch (err) {
        await server.stop();
        await codec?.stop();
        throw err;
      }
      console.log(
        [
          'kelos dev is running',
          `  Temporal:   ${server.address} (namespace ${server.namespace})`,
          `  Web UI:     ${server.uiAddress}`,
          ...(bridge ? [`  Webhooks:   ${bridge.url}/webhook/github | /webhook/linear | /webhook/<source>`] : []),
          ...(codec ? [`  Payloads:   encrypted (${ENCRYPTION_KEY_VAR}); the Web UI decrypts through ${codec.url}`] : []),
          `  Data:       ${home}`,
          '',
          'From another terminal, for example:',
          '  npx kelos run -p "Add a greeting" --image ./examples/agents/fake-agent.sh --credential-type none -w',
          '',
          'Ctrl-C stops everything.',
        ].join('\n'),
      );
      try {
        await runWorker(server.address, { ...g, address: server.address }, stop);
      } finally {
        console.log('stopping...');
        await bridge?.stop();
        await server.stop();
        await codec?.stop();
      }
    });
}
