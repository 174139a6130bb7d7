import * as fs from 'node:fs';

/**
 * Asks on stderr and reads one line from stdin: true for y or yes (any case). No answer (end of input, or stdin not
 * readable) is a no, so scripts without `-y` never replace anything by accident.
 */
export function confirm(question: string): boolean {
  process.stderr.write(question);
  const byte = Buffer.alloc(1);
  let line = '';
  for (;;) {
    let read: number;
    try {
      read = fs.readSync(0, byte, 0, 1, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return false;
    }
    if (read === 0 || byte[0] === 0x0a) break;
    line += byte.toString('utf8');
  }
  return ['y', 'yes'].includes(line.trim().toLowerCase());
}
