/**
 * The kelos data directory on this machine: the dev server's database, the local secret store and the
 * per-Task working directories of the local runtime. `KELOS_HOME` overrides the default `~/.kelos`.
 * The CLI and the worker must agree on it, so both resolve it here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dnsLabel, dnsSubdomain, pathUnder } from './safe-path';

/** Everything kelos writes is for its user only: the CLI sets this umask before any command runs. */
export const PRIVATE_UMASK = 0o077;

export function kelosHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.KELOS_HOME || path.join(os.homedir(), '.kelos'));
}

/** Files of one Task run on the local runtime. */
export interface TaskFiles {
  dir: string;
  repoDir: string;
  homeDir: string;
  agentLog: string;
  exitCodeFile: string;
  pidFile: string;
  runIdFile: string;
}

export function taskFiles(home: string, namespace: string, name: string): TaskFiles {
  const dir = pathUnder(path.join(home, 'tasks'), dnsLabel('namespace', namespace), dnsSubdomain('Task name', name));
  return {
    dir,
    repoDir: path.join(dir, 'repo'),
    homeDir: path.join(dir, 'home'),
    agentLog: path.join(dir, 'agent.log'),
    exitCodeFile: path.join(dir, 'agent.exit'),
    pidFile: path.join(dir, 'agent.pid'),
    runIdFile: path.join(dir, 'run-id'),
  };
}

/** A WorkerPool member's own directory (its checkout and home, kept from one Task to the next). */
export function poolMemberDir(home: string, namespace: string, pool: string, member: string): string {
  return pathUnder(path.join(home, 'pools'), dnsLabel('namespace', namespace), dnsSubdomain('WorkerPool name', pool), dnsSubdomain('member name', member));
}

let warnedOpenHome = false;

/**
 * Creates the data directory (0700), or makes an existing one private: a `~/.kelos` made by an older kelos (or by
 * hand) could be world-readable, and it holds every prompt and output. Said once on stderr when it changes.
 */
export function ensureKelosHome(home: string = kelosHome()): string {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const stat = fs.statSync(home);
  const mode = stat.mode & 0o777;
  if (mode & 0o077) {
    // A shared directory (/tmp, or someone else's) is not ours to close: say so instead of changing it.
    if (stat.mode & 0o1000 || (process.getuid && stat.uid !== process.getuid()) || path.dirname(home) === home) {
      throw new Error(`KELOS_HOME ${home} is a shared directory (mode ${(stat.mode & 0o7777).toString(8)}, owner uid ${stat.uid}): point KELOS_HOME at a directory of your own`);
    }
    fs.chmodSync(home, 0o700);
    if (!warnedOpenHome) {
      warnedOpenHome = true;
      process.stderr.write(`kelos: ${home} was open to other users (mode ${mode.toString(8)}); made it private (700)\n`);
    }
  }
  return home;
}
