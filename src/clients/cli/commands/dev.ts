import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { ensureKelosHome, kelosHome } from '../../../host/data-dir';
import { isServing, parseSqliteSync, startDevServer, SQLITE_SYNC_MODES, type DevServerOptions, type RunningDevServer } from '../../dev/temporal-dev-server';
import { DEFAULT_MAX_RESTARTS, supervise, type SupervisedProcess } from '../../dev/supervisor';
import { removeDevState, writeDevState, type DevState } from '../../dev/dev-state';
import { KelosError } from '../../kelos-api';
import { GlobalOptions } from '../connection';
import { embeddedTemporal } from '../../temporal-connection';
import { agentSandboxAtStart, installQuietRuntime, metricsAtStart, runWorker, untilSignal } from './worker';
import type { MetricsEndpoint } from '../../../host/metrics/metrics-endpoint';
import { bridgePort, startBridgeServer } from './bridge';
import { CODEC_TOKEN_VAR, DEFAULT_CODEC_PORT, codecPort, startCodecServer } from './codec-server';
import { isLoopback } from '../../codec-server/codec-server';
import { ENCRYPTION_KEY_VAR, keyRingFromEnv } from '../../../host/payload-encryption/encryption-keys';

interface DevFlags {
  port: string;
  uiPort: string;
  ip: string;
  bridgePort?: string;
  bridge: boolean;
  codecPort: string;
  sqliteSync: string;
  maxRestarts: string;
  agentSandbox: boolean;
  metricsAddress?: string;
}

/**
 * The embedded stack on one machine: a Temporal dev server with a persistent database under the kelos data
 * directory (search attributes registered), supervised (restarted when it dies, `kelos dev` exits non-zero when it
 * keeps dying), the worker with the local runtime, the webhook bridge and, with encryption, the codec server.
 * Ctrl-C stops everything; the next start finds the data again. `kelos status` reports on it.
 */
export function devCommand(globals: () => GlobalOptions): Command {
  return new Command('dev')
    .description('start the embedded stack: Temporal dev server (persistent, supervised) + kelos worker with the local runtime + webhook bridge')
    .option('--port <port>', 'Temporal gRPC port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--ip <ip>', 'address to listen on', '127.0.0.1')
    .option('--bridge-port <port>', 'webhook bridge port (env KELOS_BRIDGE_PORT, default 8080)')
    .option('--no-bridge', 'do not start the webhook bridge')
    .option('--codec-port <port>', `codec server port for the Web UI when ${ENCRYPTION_KEY_VAR} is set`, String(DEFAULT_CODEC_PORT))
    .option('--sqlite-sync <mode>', `SQLite durability: full (an acknowledged write survives an OS crash), normal or off (faster, see README) (${SQLITE_SYNC_MODES.join('|')})`, 'full')
    .option('--max-restarts <n>', 'restarts of a dying Temporal server within 10 minutes before kelos dev gives up', String(DEFAULT_MAX_RESTARTS))
    .option('--no-agent-sandbox', 'run agents unboxed, as this user (env KELOS_AGENT_SANDBOX=off; see README, Agent sandbox)')
    .option('--metrics-address <host:port>', "serve the worker's Prometheus metrics (kelos's and the Temporal SDK's) at http://<host:port>/metrics (env KELOS_METRICS_ADDRESS; default: off)")
    .action(async (opts: DevFlags) => runDev(globals(), opts));
}

async function runDev(g: GlobalOptions, opts: DevFlags): Promise<void> {
  const home = ensureKelosHome(kelosHome());
  const address = `${opts.ip}:${opts.port}`;
  const encrypted = keyRingFromEnv().byId.size > 0; // a bad key stops here, before anything starts
  const sqliteSync = parseSqliteSync(opts.sqliteSync);
  const maxRestarts = Number(opts.maxRestarts);
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw new KelosError(`invalid --max-restarts "${opts.maxRestarts}": a whole number`);
  const agentSandbox = agentSandboxAtStart({ runtime: 'local', agentSandbox: opts.agentSandbox }, 'kelos dev');
  const metrics = await metricsAtStart(opts.metricsAddress);
  if (await isServing(address, 'default')) {
    throw new KelosError(`a Temporal server already answers on ${address}: stop it, or use \`kelos worker --address ${address}\` to add a worker to it`);
  }
  const dbFilename = path.join(home, 'dev', 'temporal.db');
  const logFile = path.join(home, 'dev', 'temporal.log');
  // The Web UI shows encrypted payloads through the codec server, which must listen before the UI is told of it.
  const uiOrigins = [`http://${opts.ip}:${opts.uiPort}`, `http://localhost:${opts.uiPort}`];
  const codecToken = encrypted ? devCodecToken(opts.ip, home) : undefined;
  const codec = encrypted ? await startCodecServer({ host: opts.ip, port: codecPort(opts.codecPort), corsOrigins: uiOrigins, ...(codecToken ? { token: codecToken.token } : {}) }) : undefined;
  const serverOptions: DevServerOptions = { ip: opts.ip, port: Number(opts.port), uiPort: Number(opts.uiPort), dbFilename, logFile, sqliteSync, startTimeoutMs: 120_000, ...(codec ? { uiCodecEndpoint: codec.url } : {}) };
  console.log(`starting Temporal dev server (data: ${dbFilename}, SQLite synchronous=${sqliteSync.toUpperCase()})...`);
  let server: RunningDevServer;
  try {
    server = await startDevServer(serverOptions);
  } catch (err) {
    await codec?.stop();
    throw err;
  }
  const state: DevState = {
    kelosPid: process.pid,
    serverPid: server.process.pid,
    address: server.address,
    namespace: server.namespace,
    ...(server.uiAddress ? { uiAddress: server.uiAddress } : {}),
    ...(codec ? { codecUrl: codec.url } : {}),
    sqliteSync,
    dataDir: home,
    startedAt: new Date().toISOString(),
    restarts: 0,
  };
  const watched = (running: RunningDevServer): SupervisedProcess => {
    void running.exited.then(() => {
      if (state.serverPid === running.process.pid) save({ serverPid: undefined });
    });
    return running;
  };
  const save = (change: Partial<DevState>): void => {
    Object.assign(state, change);
    writeDevState(home, state);
  };
  const supervisor = supervise(watched(server), {
    name: 'Temporal server',
    start: async () => watched(await startDevServer({ ...serverOptions, startTimeoutMs: 60_000 })),
    log: (line) => console.error(`kelos dev: ${line}${line.includes('restarting') ? ` (server log: ${logFile})` : ''}`),
    maxRestarts,
    onRestarted: (running, restarts) => save({ serverPid: (running as RunningDevServer).process.pid, restarts, lastRestartAt: new Date().toISOString() }),
  });
  installQuietRuntime(metrics?.telemetryOptions);
  const stop = untilSignal();
  let bridge: { url: string; stop: () => Promise<void> } | undefined;
  let metricsEndpoint: MetricsEndpoint | undefined;
  const stopAll = async (): Promise<void> => {
    await metricsEndpoint?.close();
    await bridge?.stop();
    await supervisor.stop();
    await codec?.stop();
    removeDevState(home);
  };
  try {
    if (opts.bridge) bridge = await startBridgeServer({ target: embeddedTemporal(server.address, server.namespace), host: opts.ip, port: bridgePort(opts.bridgePort) });
    metricsEndpoint = await metrics?.serve();
  } catch (err) {
    await stopAll();
    throw err;
  }
  save(bridge ? { bridgeUrl: bridge.url } : {});
  console.log(
    [
      'kelos dev is running',
      `  Temporal:   ${server.address} (namespace ${server.namespace})`,
      `  Web UI:     ${server.uiAddress}`,
      ...(bridge ? [`  Webhooks:   ${bridge.url}/webhook/github | /webhook/linear | /webhook/<source>`] : []),
      ...(metricsEndpoint ? [`  Metrics:    ${metricsEndpoint.url}${bridge ? ` (bridge: ${bridge.url}/metrics)` : ''}`] : []),
      ...(codec ? [`  Payloads:   encrypted (${ENCRYPTION_KEY_VAR}); the Web UI decrypts through ${codec.url}`] : []),
      ...(codec && codecToken ? [`  Codec:      ${opts.ip} is beyond loopback, so the codec server needs a token: ${codecToken.file ? `generated into ${codecToken.file} (set ${CODEC_TOKEN_VAR} to choose one)` : `${CODEC_TOKEN_VAR}`}; the Web UI cannot send it, use \`temporal --codec-endpoint ${codec.url} --codec-auth "Bearer <token>"\``] : []),
      `  Data:       ${home} (SQLite synchronous=${sqliteSync.toUpperCase()})`,
      '',
      'From another terminal, for example:',
      '  npx kelos run -p "Add a greeting" --image ./examples/agents/fake-agent.sh --credential-type none -w',
      '  npx kelos status',
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
  let gaveUp: string | undefined;
  let stopping = false;
  const stopped = Promise.race([stop, supervisor.gaveUp.then((reason) => void (gaveUp = reason))]).then(() => void (stopping = true));
  try {
    await runWorkerThroughOutages(server.address, { ...g, address: server.address }, stopped, () => stopping, agentSandbox);
  } finally {
    console.log('stopping...');
    await stopAll();
  }
  if (gaveUp) throw new KelosError(`${gaveUp}; stopped everything (server log: ${logFile})`);
}

/**
 * `kelos dev --ip <beyond loopback>` exposes the codec server too, which then must ask for a token: the user's
 * KELOS_CODEC_TOKEN, or a random one kept in $KELOS_HOME/dev/codec-token (0600) and named on the banner.
 */
function devCodecToken(ip: string, home: string): { token: string; file?: string } | undefined {
  if (isLoopback(ip)) return undefined;
  const given = process.env[CODEC_TOKEN_VAR];
  if (given) return { token: given };
  const file = path.join(home, 'dev', 'codec-token');
  const token = randomBytes(32).toString('base64url');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return { token, file };
}

/**
 * The worker gives up when Temporal stays unreachable for a while (its client stops retrying); while the server is
 * being restarted that is expected, so the worker is started again once the server answers. A worker that fails
 * while Temporal answers is a real error and ends `kelos dev`.
 */
async function runWorkerThroughOutages(address: string, g: GlobalOptions, stopped: Promise<void>, isStopping: () => boolean, agentSandbox: boolean): Promise<void> {
  for (;;) {
    try {
      await runWorker(embeddedTemporal(address), g, stopped, { agentSandbox, poolMembers: true });
      return;
    } catch (err) {
      if (isStopping()) return;
      if (await isServing(address, 'default')) throw err;
      console.error(`kelos dev: the worker stopped while Temporal was unreachable (${(err as Error).message.split('\n')[0].slice(0, 200)}); it starts again once Temporal answers`);
    }
    while (!isStopping() && !(await isServing(address, 'default'))) await Promise.race([stopped, new Promise((r) => setTimeout(r, 1_000))]);
    if (isStopping()) return;
  }
}
