/**
 * Runs the agent as a detached process group that outlives the worker. Its output goes to a log file and a
 * tiny shell wrapper records its exit code in a file, so a worker that was killed mid-run can be replaced and
 * the next activity attempt adopts the same process instead of starting a second agent.
 *
 * The PID file holds the pid with the process's start time (field 22 of /proc/<pid>/stat): after a reboot, or
 * once the pid was reused, a live process with that pid but another start time is not ours, so it is neither
 * adopted nor signalled.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { writeFileAtomic } from '../../host/atomic-file';
import { readIfExists } from '../../host/files';

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
  | { kind: 'running'; pid: number; process: RecordedProcess }
  /** A pid was recorded but that process is gone without an exit code (e.g. the machine restarted). */
  | { kind: 'vanished'; pid: number }
  | { kind: 'not-started' };

// $1 = log file, $2 = exit-code file; the rest is the command. The exit code is written atomically.
const WRAPPER = 'log=$1; exit_file=$2; shift 2; "$@" >>"$log" 2>&1; code=$?; echo "$code" >"$exit_file.tmp"; mv "$exit_file.tmp" "$exit_file"';

export function inspectProcess(files: ProcessFiles): ProcessState {
  const exitText = readIfExists(files.exitCodeFile);
  if (exitText !== undefined && exitText.trim() !== '') return { kind: 'exited', exitCode: Number(exitText.trim()) };
  const pidText = readIfExists(files.pidFile);
  if (pidText === undefined) return { kind: 'not-started' };
  const recorded = parseRecordedProcess(pidText);
  return isAlive(recorded) ? { kind: 'running', pid: recorded.pid, process: recorded } : { kind: 'vanished', pid: recorded.pid };
}

/** A process as recorded at launch; `startTime` is undefined where /proc cannot tell it (not Linux). */
export interface RecordedProcess {
  pid: number;
  startTime?: string;
}

/** `<pid> <start time>`; on Linux a file with a pid alone (older kelos) cannot be checked, so it never matches. */
function parseRecordedProcess(text: string): RecordedProcess {
  const [pid, startTime] = text.trim().split(/\s+/);
  return { pid: Number(pid), ...(startTime ? { startTime } : {}) };
}

const HAS_PROC = fs.existsSync('/proc/self/stat');

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export function processStartTime(pid: number): string | undefined {
  const stat = readIfExists(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after the command name, which may hold spaces and parentheses: the last ')' ends it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[22 - 3];
}

export function launchDetached(spec: LaunchSpec, files: ProcessFiles): RecordedProcess {
  const child = spawn('/bin/sh', ['-c', WRAPPER, 'kelos-agent', files.logFile, files.exitCodeFile, spec.command, ...spec.args], {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: 'ignore',
  });
  // A spawn that fails (a missing cwd) reports it as an 'error' event too; unheard, it would kill the worker.
  child.once('error', () => undefined);
  if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
  const recorded: RecordedProcess = { pid: child.pid, startTime: processStartTime(child.pid) };
  writeFileAtomic(files.pidFile, recorded.startTime === undefined ? String(child.pid) : `${child.pid} ${recorded.startTime}`);
  child.unref();
  return recorded;
}

/** Stops the whole process group: SIGTERM, then SIGKILL after a grace period; never another process that got its pid. */
export async function stopProcessGroup(recorded: RecordedProcess, graceMs = 5_000): Promise<void> {
  signalGroup(recorded, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(recorded) && Date.now() < deadline) await delay(100);
  signalGroup(recorded, 'SIGKILL');
}

function signalGroup(recorded: RecordedProcess, signal: NodeJS.Signals): void {
  // The group leader (the wrapper) may have ended while the rest of its group runs: its pid stays reserved as the
  // group's id until the group is empty, so only a live leader with another start time means the pid was reused.
  if (isRunning(recorded.pid) && !sameStart(recorded)) return;
  try {
    process.kill(-recorded.pid, signal);
  } catch {
    // Already gone.
  }
}

function isAlive(recorded: RecordedProcess): boolean {
  return isRunning(recorded.pid) && sameStart(recorded);
}

function sameStart(recorded: RecordedProcess): boolean {
  const now = processStartTime(recorded.pid);
  if (now !== undefined) return now === recorded.startTime;
  // Without /proc (not Linux) there is nothing to compare: the pid alone decides.
  return !HAS_PROC;
}

function isRunning(pid: number): boolean {
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


export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
