/**
 * The real `kelos` binary for end-to-end tests: one-shot commands against a given Temporal address, and
 * `kelos dev` started and stopped the way a person does (wait for its banner, Ctrl-C).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { packageRoot } from '../../src/host/package-root';

export const KELOS_ROOT = packageRoot();
const KELOS = path.join(KELOS_ROOT, 'bin', 'kelos.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kelos --address <address> ...args` with KELOS_HOME=home and the given extra environment. */
export function runKelos(options: { address: string; home: string; env?: Record<string, string | undefined> }, args: string[], input?: string): CliResult {
  const result = spawnSync(process.execPath, [KELOS, '--address', options.address, ...args], {
    cwd: KELOS_ROOT,
    env: { ...process.env, KELOS_HOME: options.home, ...options.env },
    encoding: 'utf8',
    input,
    timeout: 120_000,
    // Node cuts output at 1 MiB by default: `get -A -o json` on the shared test server writes more.
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * As runKelos, without blocking this process: for commands that wait on a worker running in the test process
 * (spawnSync would stop that worker's event loop until the command gave up).
 */
export function runKelosAsync(options: { address: string; home: string; env?: Record<string, string | undefined> }, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KELOS, '--address', options.address, ...args], {
      cwd: KELOS_ROOT,
      env: { ...process.env, KELOS_HOME: options.home, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningKelosDev {
  process: ChildProcess;
  output(): string;
}

/** Starts `kelos dev ...args` and resolves once it printed that it is running. */
export async function startKelosDev(options: { home: string; env?: Record<string, string | undefined> }, args: string[]): Promise<RunningKelosDev> {
  let output = '';
  const child = spawn(process.execPath, [KELOS, 'dev', ...args], {
    cwd: KELOS_ROOT,
    env: { ...process.env, KELOS_HOME: options.home, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 120_000;
  while (!output.includes('kelos dev is running')) {
    if (child.exitCode !== null) throw new Error(`kelos dev exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`kelos dev did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { process: child, output: () => output };
}

/** Ctrl-C, not SIGKILL: kelos dev then stops its Temporal server too, instead of leaving it orphaned. */
export async function stopKelosDev(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}
