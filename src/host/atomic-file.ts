/**
 * Writes a file whole or not at all (a temp file beside it, then a rename): a reader, or a worker that crashed
 * mid-write and is replaced, never sees half a marker or PID file.
 */
import * as fs from 'node:fs';

export function writeFileAtomic(file: string, data: string, mode?: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, data, mode === undefined ? {} : { mode });
  fs.renameSync(temp, file);
}
