/**
 * The real `kelos` binary (bin/kelos.js, from dist/) against the production bed, configured ONLY by Temporal's standard
 * environment (`ProdTemporal.env()`: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_* — TLS with a client
 * certificate), each process with its own $KELOS_HOME as on its own host: one-shot CLI commands, and long-running
 * `kelos worker` / `kelos bridge` processes a test can stop or SIGKILL.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { workerPollQueue } from '../../../src/sources/polling/poll';
import { workerHostQueue } from '../../../src/task/runtime-queues';
import { workerHomeId } from '../../../src/host/worker-identity';
import { KELOS_ROOT, type CliResult } from '../kelos-cli';
import type { ProdTemporal } from './prod-temporal';

const KELOS = path.join(KELOS_ROOT, 'bin', 'kelos.js');

/** The environment of a kelos process on the bed: no --address flag, nothing but the standard variables. */
function kelosEnv(bed: ProdTemporal, home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_') && !name.startsWith('KELOS_')));
  return { ...inherited, ...bed.env(), KELOS_HOME: home, ...extra };
}

export function newKelosHome(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kelos-prod-${label}-`));
}

/** One CLI command; `env` adds to the bed's environment (e.g. KELOS_TASK_QUEUE). */
export function kelos(bed: ProdTemporal, options: { home: string; env?: Record<string, string | undefined> }, args: string[], input?: string): CliResult {
  const result = spawnSync(process.execPath, [KELOS, ...args], { cwd: KELOS_ROOT, env: kelosEnv(bed, options.home, options.env), encoding: 'utf8', input, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same as `kelos`, not blocking the test's event loop (for commands that wait, such as `run -w`). */
export function kelosAsync(bed: ProdTemporal, options: { home: string; env?: Record<string, string | undefined> }, args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [KELOS, ...args], { cwd: KELOS_ROOT, env: kelosEnv(bed, options.home, options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

let setupDone = false;

/**
 * `kelos setup` on the bed's namespace, once per test file (idempotent: every file calls it in beforeAll, and
 * test/prod/kelos-setup.test.ts, which the sequencer runs first, checks what the first run says).
 */
export function ensureKelosSetup(bed: ProdTemporal): void {
  if (setupDone) return;
  const home = newKelosHome('setup');
  const result = kelos(bed, { home }, ['setup']);
  fs.rmSync(home, { recursive: true, force: true });
  if (result.code !== 0) throw new Error(`kelos setup failed (${result.code}):\n${result.stdout}${result.stderr}`);
  setupDone = true;
}

export interface KelosProcess {
  child: ChildProcess;
  home: string;
  output(): string;
  /** SIGTERM (a clean stop) and the exit code; SIGKILL after 20 s. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash or a lost host. */
  kill(): Promise<void>;
}

function startKelosProcess(bed: ProdTemporal, home: string, args: string[], env: Record<string, string | undefined>): KelosProcess {
  const child = spawn(process.execPath, [KELOS, ...args], { cwd: KELOS_ROOT, env: kelosEnv(bed, home, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    home,
    output: () => output,
    stop: async () => {
      if (running()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => running() && child.kill('SIGKILL'), 20_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return child.exitCode;
    },
    kill: async () => {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * `kelos worker` on `home`; resolves once its own poll queue (`<queue>@poll-<worker id>`) has a poller, i.e. the worker
 * connected through TLS, passed the search-attribute check and polls.
 */
export interface KelosWorkerProcess extends KelosProcess {
  /** Its own queues: the polls whose ledger is on its disk, the agent runs of the Tasks it prepared. */
  pollQueue: string;
  hostQueue: string;
}

export async function startKelosWorker(bed: ProdTemporal, options: { home: string; taskQueue: string; args?: string[]; env?: Record<string, string | undefined> }): Promise<KelosWorkerProcess> {
  const pollQueue = workerPollQueue(options.taskQueue, workerHomeId(options.home));
  const hostQueue = workerHostQueue(options.taskQueue, workerHomeId(options.home));
  const worker = startKelosProcess(bed, options.home, ['worker', ...(options.args ?? [])], { KELOS_TASK_QUEUE: options.taskQueue, ...options.env });
  const connection = await bed.connect();
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (worker.child.exitCode !== null) throw new Error(`kelos worker exited with ${worker.child.exitCode}:\n${worker.output()}`);
      if (await hasPoller(connection, bed.namespace, pollQueue)) break;
      if (Date.now() > deadline) {
        await worker.kill();
        throw new Error(`kelos worker did not poll ${pollQueue} within 90 s:\n${worker.output()}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    await connection.close();
  }
  return { ...worker, pollQueue, hostQueue };
}

async function hasPoller(connection: Connection, namespace: string, taskQueue: string): Promise<boolean> {
  const answer = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (answer.pollers ?? []).length > 0;
}

/** `kelos bridge` on a free loopback port; resolves with its URL once it prints that it listens. */
export async function startKelosBridge(bed: ProdTemporal, options: { home: string; taskQueue: string; env?: Record<string, string | undefined> }): Promise<KelosProcess & { url: string }> {
  const bridge = startKelosProcess(bed, options.home, ['bridge', '--host', '127.0.0.1', '--port', '0'], { KELOS_TASK_QUEUE: options.taskQueue, ...options.env });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = /kelos webhook bridge on (http:\/\/\S+)/.exec(bridge.output())?.[1];
    if (url) return { ...bridge, url };
    if (bridge.child.exitCode !== null) throw new Error(`kelos bridge exited with ${bridge.child.exitCode}:\n${bridge.output()}`);
    if (Date.now() > deadline) {
      await bridge.kill();
      throw new Error(`kelos bridge did not listen within 60 s:\n${bridge.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
