/**
 * The real library as a test oracle: json-path-oracle/main.go calls PaesslerAG/jsonpath v0.1.1 the way Kelos's
 * generic webhooks do (jsonpath.Get, then fmt.Sprintf("%v")). It is built once per source hash into
 * ~/.cache/kelos-jsonpath-oracle/<hash>/ (outside the repo, so reruns are instant and the tree stays clean)
 * from a copy of its sources, with GOFLAGS=-mod=mod so go.sum is the only pin needed. Needs Go on PATH.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type OracleResult =
  | { kind: 'parse-error' | 'missing' | 'panic'; error: string }
  /** `json` is encoding/json's form of the value, to compare lists whose order comes from Go map iteration. */
  | { kind: 'value'; text: string; json?: unknown };

export interface OracleRequest {
  paths: string[];
  /** The document as JSON text, as a webhook body arrives (so `-0` stays -0 on both sides). */
  body: string;
}

const SOURCE_DIR = path.join(__dirname, 'json-path-oracle');
const SOURCES = ['go.mod', 'go.sum', 'main.go'];
const BUILD_TIMEOUT_MS = 300_000;
const RUN_TIMEOUT_MS = 300_000;

/** The oracle binary's path, building it first when this source version has not been built yet. */
export function oracleBinary(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES) hash.update(`${file}\0`).update(fs.readFileSync(path.join(SOURCE_DIR, file))).update('\0');
  const cacheRoot = path.join(process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'kelos-jsonpath-oracle');
  const dir = path.join(cacheRoot, hash.digest('hex').slice(0, 16));
  const binary = path.join(dir, 'jsonpath-oracle');
  if (fs.existsSync(binary)) return binary;

  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(
      'the JSONPath differential test needs Go (1.21 or newer) on PATH to build its oracle, the real ' +
        `PaesslerAG/jsonpath, from ${SOURCE_DIR}: ${version.error?.message ?? version.stderr}`,
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(dir, 'build-'));
  for (const file of SOURCES) fs.copyFileSync(path.join(SOURCE_DIR, file), path.join(work, file));
  const output = path.join(work, 'jsonpath-oracle');
  const build = spawnSync('go', ['build', '-o', output, '.'], {
    cwd: work,
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  });
  if (build.error || build.status !== 0) {
    throw new Error(`building the JSONPath oracle (go build in ${work}) failed: ${build.error?.message ?? ''}${build.stderr}`);
  }
  fs.renameSync(output, binary); // atomic: a concurrent run sees either no binary or a whole one
  fs.rmSync(work, { recursive: true, force: true });
  return binary;
}

/** The library's result for every path of every request, in order. */
export function runOracle(binary: string, requests: readonly OracleRequest[]): OracleResult[][] {
  const input = requests.map(({ paths, body }) => `{"paths":${JSON.stringify(paths)},"document":${body}}\n`).join('');
  const run = spawnSync(binary, { input, encoding: 'utf8', maxBuffer: 2 ** 30, timeout: RUN_TIMEOUT_MS });
  if (run.error || run.status !== 0) throw new Error(`the JSONPath oracle failed: ${run.error?.message ?? ''}${run.stderr}`);
  const lines = run.stdout.split('\n').filter((line) => line !== '');
  if (lines.length !== requests.length) throw new Error(`the JSONPath oracle answered ${lines.length} of ${requests.length} requests`);
  return lines.map((line) => (JSON.parse(line) as { results: OracleResult[] }).results);
}
