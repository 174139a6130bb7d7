/**
 * A worker's identity on its data directory: a random id kept in `$KELOS_HOME/worker-id`, created on first use.
 * State a worker keeps on its disk (the poll ledgers) belongs to this id, so a worker restarted on the same
 * directory keeps serving it, while workers on other hosts (other directories) have ids of their own.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ID_PATTERN = /^[0-9a-f]{16}$/;

export function workerHomeId(home: string): string {
  const file = path.join(home, 'worker-id');
  try {
    const stored = fs.readFileSync(file, 'utf8').trim();
    if (ID_PATTERN.test(stored)) return stored;
  } catch {
    // absent: made below
  }
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const id = randomBytes(8).toString('hex');
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${id}\n`, { mode: 0o600 });
  // Two workers starting at once on one directory: the first link wins and both read it back.
  try {
    fs.linkSync(temp, file);
  } catch {
    // already there
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return fs.readFileSync(file, 'utf8').trim();
}
