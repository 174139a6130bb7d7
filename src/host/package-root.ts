import * as fs from 'node:fs';
import * as path from 'node:path';

/** The directory of kelos-temporal's package.json, whether running from TypeScript sources or from dist/. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}
