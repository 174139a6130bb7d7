/**
 * Separate worker processes for the production bed's tests (test/prod/fixtures/tls-worker.js), each with its own
 * TLS connection, configured only by the bed's standard Temporal environment (`ProdTemporal.env()`).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import type { ProdTemporal } from './prod-temporal';

const WORKER_SCRIPT = path.join(__dirname, '..', '..', 'prod', 'fixtures', 'tls-worker.js');

export interface TestWorkerProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed (stdout and stderr). */
  output(): string;
  /** SIGTERM (a clean shutdown) and the exit code. */
  stop(): Promise<number | null>;
}

export async function startTestWorker(bed: ProdTemporal, options: { name: string; taskQueue: string }): Promise<TestWorkerProcess> {
  const child = spawn(process.execPath, [WORKER_SCRIPT], {
    env: { ...process.env, ...bed.env(), TEST_WORKER_NAME: options.name, TEST_TASK_QUEUE: options.taskQueue },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => output.includes('ready\n') && resolve());
    void exited.then((code) => reject(new Error(`worker ${options.name} exited with ${code} before polling:\n${output}`)));
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`worker ${options.name} was not ready within 90 s:\n${output}`)), 90_000).unref());
  try {
    await Promise.race([ready, timeout]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    name: options.name,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
