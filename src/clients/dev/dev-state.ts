/**
 * What a running `kelos dev` tells other processes about itself (`kelos status` reads it): its pid, the Temporal
 * server's pid and address, the bridge's URL, the SQLite durability, and how often the server was restarted.
 * Kept in `$KELOS_HOME/dev/state.json` while `kelos dev` runs; removed when it stops.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SqliteSync } from './temporal-dev-server';

export interface DevState {
  kelosPid: number;
  serverPid?: number;
  address: string;
  namespace: string;
  uiAddress?: string;
  bridgeUrl?: string;
  codecUrl?: string;
  sqliteSync: SqliteSync;
  dataDir: string;
  startedAt: string;
  restarts: number;
  lastRestartAt?: string;
}

export function devStatePath(home: string): string {
  return path.join(home, 'dev', 'state.json');
}

export function writeDevState(home: string, state: DevState): void {
  const file = devStatePath(home);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

export function removeDevState(home: string): void {
  fs.rmSync(devStatePath(home), { force: true });
}

/** The state of a `kelos dev` that is still running, or undefined (none, or it died without cleaning up). */
export function readDevState(home: string): DevState | undefined {
  let state: DevState;
  try {
    state = JSON.parse(fs.readFileSync(devStatePath(home), 'utf8')) as DevState;
  } catch {
    return undefined;
  }
  return isAlive(state.kelosPid) ? state : undefined;
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
