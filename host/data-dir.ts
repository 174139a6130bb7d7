/**
 * The kelos data directory on this machine: the dev server's database, the local secret store and the
 * per-Task working directories of the local runtime. `KELOS_HOME` overrides the default `~/.kelos`.
 * The CLI and the worker must agree on it, so both resolve it here.
 */
import * as os from 'node:os';
import * as path from 'node:path';

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
  const dir = path.join(home, 'tasks', namespace, name);
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
