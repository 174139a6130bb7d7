/** Reading manifest files for the CLI: files, directories and stdin; errors printed one per line. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseManifests } from '../../model';
import type { ParsedManifests } from '../../model';
import { KelosError } from '../kelos-api';
import { ExitError } from './exit-error';

export interface ManifestSource {
  source: string;
  text: string;
}

/** `-f` values: a file, a directory (its .yaml/.yml/.json files, sorted), or `-` for stdin. */
export function readManifestSources(paths: string[]): ManifestSource[] {
  if (!paths.length) throw new KelosError('no manifest given: pass -f FILE (or -f - for stdin)');
  const sources: ManifestSource[] = [];
  for (const p of paths) {
    if (p === '-') {
      sources.push({ source: 'stdin', text: fs.readFileSync(0, 'utf8') });
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new KelosError(`cannot read ${p}: no such file or directory`);
    }
    if (stat.isDirectory()) {
      const files = fs.readdirSync(p).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
      for (const f of files) sources.push({ source: path.join(p, f), text: fs.readFileSync(path.join(p, f), 'utf8') });
    } else {
      sources.push({ source: p, text: fs.readFileSync(p, 'utf8') });
    }
  }
  return sources;
}

/** Parses and validates; prints every problem (one line each) and fails when there is any. */
export function parseManifestText(text: string, source: string): ParsedManifests {
  return parseAllOrExit([{ source, text }]);
}

export function parseAllOrExit(sources: ManifestSource[]): ParsedManifests {
  const merged: ParsedManifests = { resources: [], errors: [], unsupported: [] };
  for (const { source, text } of sources) {
    const parsed = parseManifests(text, source);
    merged.resources.push(...parsed.resources);
    merged.errors.push(...parsed.errors);
    merged.unsupported.push(...parsed.unsupported);
  }
  const problems = [...merged.errors.map(String), ...merged.unsupported.map(String)];
  if (problems.length) {
    for (const line of problems) process.stderr.write(`error: ${line}\n`);
    throw new ExitError(1);
  }
  return merged;
}
