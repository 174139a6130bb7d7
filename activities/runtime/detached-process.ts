/**
 * Runs the agent as a detached process group that outlives the worker. Its output goes to a log file and a
 * tiny shell wrapper records its exit code in a file, so a worker that was killed mid-run can be replaced and
 * the next activity attempt adopts the same process instead of starting a second agent.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export interface ProcessFiles {
  logFile: string;
  exitCodeFile: string;
  pidFile: string;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export type ProcessState =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'running'; pid: number }
  /** A pid was recorded but the process is gone without an exit code (e.g. the machine restarted). */
  | { kind: 'vanished'; pid: number }
  | { kind: 'not-started' };

// $1 = log file, $2 = exit-code file; the rest is the command. The exit code is written atomically.
const WRAPPER = 'log=$1; exit_file=$2; shift 2; "$@" >>"$log" 2>&1; code=$?; echo "$code" >"$exit_file.tmp"; mv "$exit_file.tmp" "$exit_file"';

export function inspectProcess(files: ProcessFiles): ProcessState {
  const exitText = readIfExists(files.exitCodeFile);
  if (exitText !== undefined && exitText.trim() !== '') return { kind: 'exited', exitCode: Number(exitText.trim()) };
  const pidText = readIfExists(files.pidFile);
  if (pidText === undefined) return { kind: 'not-started' };
  const pid = Number(pidText.trim());
  return isAlive(pid) ? { kind: 'running', pid } : { kind: 'vanished', pid };
}

export function launchDetached(spec: LaunchSpec, files: ProcessFiles): number {
  const child = spawn('/bin/sh', ['-c', WRAPPER, 'kelos-agent', files.logFile, files.exitCodeFile, spec.command, ...spec.args], {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: 'ignore',
  });
  // A spawn that fails (a missing cwd) reports it as an 'error' event too; unheard, it would kill the worker.
  child.once('error', () => undefined);
  if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
  fs.writeFileSync(files.pidFile, String(child.pid));
  child.unref();
  return child.pid;
}

/** Stops the whole process group: SIGTERM, then SIGKILL after a grace period. */
export async function stopProcessGroup(pid: number, graceMs = 5_000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await delay(100);
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

/** A detached child of this very process lingers as a zombie until reaped; it is not running. */
function isZombie(pid: number): boolean {
  const stat = readIfExists(`/proc/${pid}/stat`);
  return stat !== undefined && / Z /.test(stat.slice(stat.lastIndexOf(')')));
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
