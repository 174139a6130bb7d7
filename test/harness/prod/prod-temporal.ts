/**
 * The production test bed: PostgreSQL, a real Temporal server on it whose frontend requires TLS client
 * certificates, and the `default` namespace registered over that TLS connection.
 *
 * The global setup starts it once per jest run and writes its state (addresses, certificate paths, pids) to a JSON
 * file named by $KELOS_PROD_TEMPORAL_STATE; test files get the same bed with `prodTemporal()`, which reads that file,
 * so a test can stop and restart the server (its new pid goes back into the file and the teardown stops whatever
 * runs then). `env()` is the standard Temporal environment configuration a kelos process is given.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { NativeConnection } from '@temporalio/worker';
import { generateBedCertificates, type CertificatePair } from './certificates';
import { startPostgres, tail, type PostgresInfo } from './postgres';
import { freeServerPorts, launchServer, setupSchema, temporalServerDir, writeServerConfig } from './temporal-server';

export const STATE_ENV = 'KELOS_PROD_TEMPORAL_STATE';
/** Set by failure-logs-reporter.js when a test failed, so the teardown keeps the bed's files. */
export const FAILED_ENV = 'KELOS_PROD_TEMPORAL_FAILED';
/** The name the frontend's certificate is issued for (the tests dial 127.0.0.1). */
export const SERVER_NAME = 'localhost';
const SERVER_START_TIMEOUT_MS = 120_000;
const BED_PREFIX = 'kelos-prod-temporal-';

export interface ProdTemporalState {
  dir: string;
  /** The process that started the bed (jest's main process); once it is gone, a bed still running is abandoned. */
  runnerPid: number;
  /** host:port of the TLS frontend. */
  address: string;
  namespace: string;
  /** PEM file paths. */
  ca: string;
  client: CertificatePair;
  untrustedCa: string;
  untrustedClient: CertificatePair;
  serverDir: string;
  configFile: string;
  serverLog: string;
  serverPid: number;
  postgres: PostgresInfo;
}

export class ProdTemporal {
  constructor(
    readonly stateFile: string,
    private state: ProdTemporalState,
  ) {}

  get address(): string {
    return this.state.address;
  }
  get namespace(): string {
    return this.state.namespace;
  }
  get dir(): string {
    return this.state.dir;
  }
  /** Paths of the CA (server root), the client certificate and key; `untrustedCa` signed only `untrustedClient`. */
  get tlsFiles(): { ca: string; cert: string; key: string; serverName: string; untrustedCa: string; untrustedClient: CertificatePair } {
    const { ca, client, untrustedCa, untrustedClient } = this.state;
    return { ca, cert: client.cert, key: client.key, serverName: SERVER_NAME, untrustedCa, untrustedClient };
  }
  get serverPid(): number {
    return this.state.serverPid;
  }
  get postgres(): PostgresInfo {
    return this.state.postgres;
  }

  /** Temporal's standard environment configuration for a process that should use this bed (as the `temporal` CLI reads it). */
  env(): Record<string, string> {
    return {
      TEMPORAL_ADDRESS: this.address,
      TEMPORAL_NAMESPACE: this.namespace,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: this.state.ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: this.state.client.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: this.state.client.key,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    };
  }

  /** The SDK's TLS settings with the trusted client certificate (or `client: null` for none, or another pair). */
  tls(client: CertificatePair | null = this.state.client): TLSConfig {
    return {
      serverNameOverride: SERVER_NAME,
      serverRootCACertificate: fs.readFileSync(this.state.ca),
      ...(client ? { clientCertPair: { crt: fs.readFileSync(client.cert), key: fs.readFileSync(client.key) } } : {}),
    };
  }

  async connect(options: Partial<ConnectionOptions> = {}): Promise<Connection> {
    return Connection.connect({ address: this.address, tls: this.tls(), ...options });
  }

  async nativeConnect(): Promise<NativeConnection> {
    return NativeConnection.connect({ address: this.address, tls: this.tls() });
  }

  /** Stops the Temporal server (SIGTERM lets it shut down cleanly, SIGKILL is a crash); PostgreSQL keeps running. */
  async stopServer(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stopPid(this.state.serverPid, signal, 20_000);
  }

  /** Starts the server again on the same config, ports and database; resolves once it serves the namespace. */
  async startServer(): Promise<void> {
    if (isAlive(this.state.serverPid)) throw new Error(`the Temporal server (pid ${this.state.serverPid}) is still running`);
    this.state = { ...this.state, serverPid: launchServer(this.state.serverDir, this.state.configFile, this.state.serverLog) };
    fs.writeFileSync(this.stateFile, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    await waitUntilServing(this, this.namespace);
  }

  /** The last lines of the server's and PostgreSQL's logs, for a failure message. */
  logs(lines = 60): string {
    return `${tail(this.state.serverLog, lines)}\n${tail(this.state.postgres.logFile, lines)}`;
  }

  /** Stops the server and PostgreSQL; removes the bed's directory unless `keep`. */
  async stop(keep = false): Promise<void> {
    await stopPid(this.state.serverPid, 'SIGTERM', 20_000);
    // SIGINT is PostgreSQL's fast shutdown (open sessions are ended).
    await stopPid(this.state.postgres.pid, 'SIGINT', 20_000);
    if (!keep) fs.rmSync(this.state.dir, { recursive: true, force: true });
  }
}

/** Builds the whole bed in a new temp directory. Fails with the logs' tails when a part does not come up. */
export async function startProdTemporal(options: { namespace?: string } = {}): Promise<ProdTemporal> {
  const serverDir = temporalServerDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), BED_PREFIX));
  const stateFile = path.join(dir, 'state.json');
  const namespace = options.namespace ?? 'default';
  let pg: PostgresInfo | undefined;
  let bed: ProdTemporal | undefined;
  try {
    const certs = await generateBedCertificates(path.join(dir, 'certs'));
    const started = await startPostgres(path.join(dir, 'postgres'));
    const { process: _child, ...pgInfo } = started;
    pg = pgInfo;
    await setupSchema(serverDir, pgInfo);
    const ports = await freeServerPorts();
    const configFile = writeServerConfig(dir, { ports, pg: pgInfo, certs });
    const serverLog = path.join(dir, 'temporal-server.log');
    const state: ProdTemporalState = {
      dir,
      runnerPid: process.pid,
      address: `127.0.0.1:${ports.frontend}`,
      namespace,
      ca: certs.ca,
      client: certs.client,
      untrustedCa: certs.untrustedCa,
      untrustedClient: certs.untrustedClient,
      serverDir,
      configFile,
      serverLog,
      serverPid: launchServer(serverDir, configFile, serverLog),
      postgres: pgInfo,
    };
    // It holds the database password.
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
    bed = new ProdTemporal(stateFile, state);
    await waitUntilServing(bed);
    await registerNamespace(bed, namespace);
    return bed;
  } catch (err) {
    const logs = bed ? bed.logs() : pg ? tail(pg.logFile) : '';
    if (bed) await bed.stop(true);
    else if (pg) await stopPid(pg.pid, 'SIGINT', 20_000);
    throw new Error(`the production test bed did not start (its files are in ${dir}): ${(err as Error).message}\n${logs}`);
  }
}

/**
 * Stops the server and PostgreSQL of beds whose jest run died without its teardown (killed, interrupted) and
 * removes their directories, so they do not keep running on the machine. Only processes that are provably that
 * bed's (their command line names its config or data directory) are signalled; beds of live runs are left alone.
 */
export async function sweepAbandonedBeds(): Promise<string[]> {
  const swept: string[] = [];
  for (const name of fs.readdirSync(os.tmpdir()).filter((entry) => entry.startsWith(BED_PREFIX))) {
    const dir = path.join(os.tmpdir(), name);
    let state: ProdTemporalState;
    try {
      state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as ProdTemporalState;
    } catch {
      continue;
    }
    if (!state.runnerPid || isAlive(state.runnerPid)) continue;
    const server = commandLineNames(state.serverPid, state.configFile);
    const postgres = commandLineNames(state.postgres.pid, dir);
    // A bed whose processes are gone was torn down and kept on purpose (a failed test's logs).
    if (!server && !postgres) continue;
    if (server) await stopPid(state.serverPid, 'SIGKILL', 5_000);
    if (postgres) await stopPid(state.postgres.pid, 'SIGINT', 20_000);
    fs.rmSync(dir, { recursive: true, force: true });
    swept.push(dir);
  }
  return swept;
}

function commandLineNames(pid: number, text: string): boolean {
  try {
    return isAlive(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
  } catch {
    return false;
  }
}

/** The bed the global setup started, for a test file. */
export function prodTemporal(): ProdTemporal {
  const stateFile = process.env[STATE_ENV];
  if (!stateFile || !fs.existsSync(stateFile)) {
    throw new Error(`${STATE_ENV} is not set: run these tests through npm run test:prod (test/harness/prod/global-setup.ts)`);
  }
  return new ProdTemporal(stateFile, JSON.parse(fs.readFileSync(stateFile, 'utf8')) as ProdTemporalState);
}

async function registerNamespace(bed: ProdTemporal, namespace: string): Promise<void> {
  const connection = await bed.connect();
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  } finally {
    await connection.close();
  }
  await waitUntilServing(bed, namespace);
}

/** Until the frontend answers over TLS (and, with `namespace`, knows it); fails early if the server process died. */
async function waitUntilServing(bed: ProdTemporal, namespace?: string): Promise<void> {
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  let last: unknown;
  for (;;) {
    if (!isAlive(bed.serverPid)) throw new Error(`the Temporal server (pid ${bed.serverPid}) exited\n${bed.logs()}`);
    try {
      const connection = await bed.connect({ connectTimeout: 2_000 });
      try {
        await connection.withDeadline(Date.now() + 3_000, async () => {
          await connection.workflowService.getSystemInfo({});
          if (namespace) {
            await connection.workflowService.describeNamespace({ namespace });
            // Visibility on PostgreSQL answers too (the namespace is in every service's registry).
            await connection.workflowService.countWorkflowExecutions({ namespace });
          }
        });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`the Temporal server did not serve within ${SERVER_START_TIMEOUT_MS / 1000} s: ${(last as Error)?.message}\n${bed.logs()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** True while `pid` runs (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Sends `signal`, waits up to `graceMs` for the process to go, then SIGKILLs it. */
export async function stopPid(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 100));
}
