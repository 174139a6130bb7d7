import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../../../host/package-root';

/** The version of this kelos, as in its package.json (one line, as Kelos prints its build's version). */
export function kelosVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}

export function versionCommand(): Command {
  return new Command('version')
    .description('print the kelos version')
    .argument('[extra...]')
    .action((extra: string[]) => {
      if (extra.length) throw new Error(`version takes no arguments, got "${extra.join(' ')}"`);
      console.log(kelosVersion());
    });
}
