/**
 * Runs templates through Go's real text/template (the WASM build in
 * @evertdespiegeleer/go-template, a dev dependency) in a child node process — the package is
 * ESM-only and installs globals, so it stays out of the jest sandbox. One process handles a whole
 * batch. The oracle always uses missingkey=error and receives data as JSON (numbers are float64).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export type GoResult =
  | { ok: true; output: string }
  | { ok: false; kind: 'parse' | 'exec' | 'json'; message: string };

export interface OracleCase {
  template: string;
  data: unknown;
}

const WORKER = path.join(__dirname, 'oracle-worker.mjs');

export function renderWithGo(cases: readonly OracleCase[]): GoResult[] {
  const stdout = execFileSync(process.execPath, [WORKER], {
    input: JSON.stringify(cases),
    cwd: path.join(__dirname, '..', '..'),
    maxBuffer: 256 * 1024 * 1024,
  });
  const results = JSON.parse(stdout.toString('utf8')) as GoResult[];
  if (results.length !== cases.length) throw new Error(`oracle returned ${results.length} results for ${cases.length} cases`);
  return results;
}

/** The comparable form of a result: the output, or `ERROR: <Go's full message>`. */
export function goOutcome(r: GoResult): string {
  return r.ok ? r.output : `ERROR: ${r.message}`;
}
