/**
 * The agent's PID file on the local runtime: written whole, with the process's start time, and a pid is adopted
 * or signalled only while that start time matches (after a reboot the same pid may be an unrelated process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectProcess, launchDetached, processStartTime, stopProcessGroup, type ProcessFiles } from '../../src/runtimes/local/detached-process';
import { tempDir } from './git-fixture';

let root: string;
const unrelated: ChildProcess[] = [];

beforeAll(() => {
  root = tempDir('detached');
});
afterAll(() => {
  for (const child of unrelated) child.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

function filesIn(name: string): ProcessFiles {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  return { logFile: path.join(dir, 'agent.log'), exitCodeFile: path.join(dir, 'agent.exit'), pidFile: path.join(dir, 'agent.pid') };
}

/** A live process that is not an agent, leading its own process group (as a detached agent would). */
function startUnrelated(): number {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  unrelated.push(child);
  return child.pid!;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('an agent it launched is recorded with its start time and adopted while it runs', async () => {
  const files = filesIn('own');
  const started = launchDetached({ command: 'sleep', args: ['30'], cwd: root, env: { PATH: process.env.PATH ?? '' } }, files);
  expect(fs.readFileSync(files.pidFile, 'utf8')).toBe(`${started.pid} ${processStartTime(started.pid)}`);
  const state = inspectProcess(files);
  expect(state).toMatchObject({ kind: 'running', pid: started.pid });
  await stopProcessGroup(started, 2_000);
  expect(inspectProcess(files).kind).not.toBe('running');
  expect(fs.readdirSync(path.dirname(files.pidFile)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
});

test('a stale PID file naming a live unrelated process is not adopted, and that process is not signalled', async () => {
  const pid = startUnrelated();
  const files = filesIn('stale');
  // Recorded before a reboot: the same pid, another start time.
  fs.writeFileSync(files.pidFile, `${pid} 12345`);
  expect(inspectProcess(files)).toEqual({ kind: 'vanished', pid });
  await stopProcessGroup({ pid, startTime: '12345' }, 200);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(alive(pid)).toBe(true);
});

test('a PID file of older kelos (a pid alone) cannot be checked, so a live process under it is not adopted', () => {
  const pid = startUnrelated();
  const files = filesIn('legacy');
  fs.writeFileSync(files.pidFile, String(pid));
  expect(inspectProcess(files)).toEqual({ kind: 'vanished', pid });
  expect(alive(pid)).toBe(true);
});
