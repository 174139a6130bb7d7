/**
 * A throw-away PostgreSQL cluster for the production test bed, from the distribution's packages
 * (/usr/lib/postgresql/<major>/bin, or $KELOS_PG_BIN): `initdb` into the bed's directory, `postgres` on a free
 * loopback port with password (SCRAM) authentication and no Unix socket. PostgreSQL refuses to run as root, so
 * under root both run as the `nobody` account (its data directory is handed to it); as any other user they run as
 * that user. fsync is off: the bed tests Temporal's persistence across Temporal restarts, not PostgreSQL's crash
 * safety, and syncing would only slow a shared 2-core machine.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../../../src/clients/dev/temporal-dev-server';

export interface PostgresInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  pid: number;
  logFile: string;
}

export function postgresBinDir(): string {
  if (process.env.KELOS_PG_BIN) return process.env.KELOS_PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = majors.map((major) => path.join(root, major, 'bin')).find((bin) => fs.existsSync(path.join(bin, 'postgres')));
  if (!found) throw new Error(`PostgreSQL is not installed (no ${root}/<major>/bin/postgres): apt-get install -y postgresql, or set KELOS_PG_BIN`);
  return found;
}

/** The account PostgreSQL runs as: ourselves, or `nobody` when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Creates the cluster under `dir` (which must not exist yet) and starts it; resolves once it accepts connections. */
export async function startPostgres(dir: string): Promise<PostgresInfo & { process: ChildProcess }> {
  const bin = postgresBinDir();
  const account = runAs();
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  fs.mkdirSync(dir, { mode: 0o700 });
  const password = randomBytes(12).toString('hex');
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (account) {
    // nobody must reach its directory through the bed's (root-owned) one.
    fs.chmodSync(path.dirname(dir), 0o711);
    fs.chownSync(dir, account.uid, account.gid);
    fs.chownSync(passwordFile, account.uid, account.gid);
  }
  const user = 'temporal';
  execFileSync(path.join(bin, 'initdb'), ['-D', data, '-U', user, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...account,
  });
  fs.rmSync(passwordFile);

  const port = await freePort();
  const out = fs.openSync(logFile, 'a');
  if (account) fs.fchownSync(out, account.uid, account.gid);
  const child = spawn(
    path.join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    { stdio: ['ignore', out, out], detached: true, ...account },
  );
  fs.closeSync(out);
  const info = { host: '127.0.0.1', port, user, password, pid: child.pid!, logFile, process: child };
  await waitForPostgres(bin, info, child);
  return info;
}

async function waitForPostgres(bin: string, info: PostgresInfo, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}\n${tail(info.logFile)}`);
    try {
      execFileSync(path.join(bin, 'pg_isready'), ['-q', '-h', info.host, '-p', String(info.port)], { stdio: 'ignore' });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s\n${tail(info.logFile)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export function tail(file: string, lines = 60): string {
  if (!fs.existsSync(file)) return `(${file} does not exist)`;
  return `--- ${file} (last ${lines} lines)\n${fs.readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n')}`;
}
