/**
 * A kelos worker (workflows + local-runtime activities) on the shared test dev server, with its own task
 * queue and data directory, for tests that run real Tasks.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { KelosApi } from '../../src/clients/kelos-api';
import { createKelosWorker, workflowsPath, type KelosWorker, type KelosWorkerOptions } from '../../src/workers/kelos-worker';
import { LocalSecretStore } from '../../src/host/secret-store';
import { packageRoot } from '../../src/host/package-root';
import { tracingWorkflowModules, type Tracing } from '../../src/host/tracing/tracing';
import { bundleWorkflows, connectTestEnv, testServerAddress, uniqueTaskQueue } from './temporal';

export interface KelosTestStack {
  env: TestWorkflowEnvironment;
  api: KelosApi;
  home: string;
  /** Outside the data directory and writable by sandboxed agents: where test agents leave what tests read. */
  shared: string;
  taskQueue: string;
  secrets: LocalSecretStore;
  workflowBundle: { code: string };
  /** The bundle with the tracing workflow interceptors (src/host/tracing/tracing.ts), built on first use. */
  tracedWorkflowBundle(): Promise<{ code: string }>;
  /** Starts a worker in this process (stopped by teardown or by calling the returned stop). */
  startWorker(options?: WorkerStartOptions): Promise<{ worker: KelosWorker; stop: () => Promise<void> }>;
  /** Starts `kelos worker` as a separate process, so a test can SIGKILL it; teardown kills what is left. */
  startWorkerProcess(extraArgs?: string[], extraEnv?: Record<string, string>): ChildProcess;
  teardown(): Promise<void>;
}

export interface WorkerStartOptions {
  env?: Record<string, string | undefined>;
  runtime?: KelosWorkerOptions['runtime'];
  /** Another data directory than the stack's (a second worker "on another host"), on a connection of its own. */
  home?: string;
  tuning?: KelosWorkerOptions['tuning'];
  /** Agents run in the sandbox unless a test turns it off. */
  agentSandbox?: boolean;
  /**
   * Tracing on, as `kelos worker` sets it up (src/clients/cli/commands/worker.ts): the worker's client carries the
   * client interceptors, the worker the others, its bundle the workflow interceptors (built on first use).
   */
  tracing?: Tracing;
}

export async function startKelosTestStack(name: string): Promise<KelosTestStack> {
  const env = await connectTestEnv();
  const workflowBundle = await bundleWorkflows(workflowsPath());
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `kelos-${name}-`));
  const shared = fs.mkdtempSync(path.join(os.tmpdir(), `kelos-${name}-shared-`));
  const taskQueue = uniqueTaskQueue(name);
  const api = new KelosApi(env.client, taskQueue);
  const running: (() => Promise<void>)[] = [];
  let tracedBundle: Promise<{ code: string }> | undefined;
  const tracedWorkflowBundle = () => (tracedBundle ??= bundleWorkflows(workflowsPath(), tracingWorkflowModules()));

  const startWorker = async (options: WorkerStartOptions = {}) => {
    // The SDK allows one worker per task queue on a connection: another host's worker connects for itself.
    const connection = options.home ? await NativeConnection.connect({ address: testServerAddress() }) : env.nativeConnection;
    const tracing = options.tracing;
    const worker = await createKelosWorker({
      connection,
      client: tracing ? new Client({ connection: env.connection, interceptors: tracing.clientInterceptors }) : env.client,
      taskQueue,
      home: options.home ?? home,
      workflowBundle: tracing ? await tracedWorkflowBundle() : workflowBundle,
      ...(tracing ? { tracing } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.runtime ? { runtime: options.runtime } : {}),
      ...(options.tuning ? { tuning: options.tuning } : {}),
      agentSandbox: options.agentSandbox === false ? false : { share: [shared] },
    });
    const done = worker.run();
    const stop = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
      if (connection !== env.nativeConnection) await connection.close();
    };
    running.push(stop);
    return { worker, stop };
  };

  const processes: ChildProcess[] = [];
  const startWorkerProcess = (extraArgs: string[] = [], extraEnv: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [path.join(packageRoot(), 'bin', 'kelos.js'), '--address', testServerAddress(), '--task-queue', taskQueue, 'worker', ...extraArgs], {
      env: { ...process.env, KELOS_HOME: home, KELOS_AGENT_SANDBOX_SHARE: shared, ...extraEnv },
      stdio: 'ignore',
    });
    processes.push(child);
    return child;
  };

  return {
    env,
    api,
    home,
    shared,
    taskQueue,
    secrets: new LocalSecretStore(home),
    workflowBundle,
    tracedWorkflowBundle,
    startWorker,
    startWorkerProcess,
    teardown: async () => {
      for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL');
      for (const stop of running) await stop();
      await env.teardown();
    },
  };
}

let uniqueSeq = 0;

/** A name no other test of the run uses (spawners, Tasks, repositories share one dev server). */
export function uniqueName(prefix: string): string {
  uniqueSeq += 1;
  return `${prefix}-${Date.now().toString(36)}-${uniqueSeq}`;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
