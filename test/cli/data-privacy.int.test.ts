/**
 * Everything kelos keeps on this machine is for its user only. Through the real binary: a `~/.kelos` left
 * world-readable (as older versions made it) is closed at start, with one line on stderr; after `kelos dev` ran a
 * Task on a Workspace and kept a Secret, every directory under $KELOS_HOME is 0700 and every file 0600 — the dev
 * server's SQLite database and log, the secret, the Task's agent log and checkout included.
 */
import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { runKelos, startKelosDev, stopKelosDev } from '../harness/kelos-cli';
import { makeUpstream } from '../local/git-fixture';

let base: string;
let home: string;
let port: number;
let dev: ChildProcess | undefined;

const kelos = (args: string[], input?: string) => runKelos({ address: `127.0.0.1:${port}`, home }, args, input);
const mode = (file: string) => (fs.lstatSync(file).mode & 0o777).toString(8);

/** Every entry under `dir` with group or other permission bits, as `path mode` (symlinks have none of their own). */
function openEntries(dir: string): string[] {
  const open: string[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true }).map(String)) {
    const file = path.join(dir, entry);
    const stat = fs.lstatSync(file);
    if (!stat.isSymbolicLink() && stat.mode & 0o077) open.push(`${entry} ${(stat.mode & 0o777).toString(8)}`);
  }
  return open;
}

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-privacy-'));
  home = path.join(base, 'kelos-home');
  // What an older kelos left: a world-readable data directory, dev directory and server log.
  fs.mkdirSync(path.join(home, 'dev'), { recursive: true, mode: 0o755 });
  fs.chmodSync(home, 0o755);
  fs.chmodSync(path.join(home, 'dev'), 0o755);
  fs.writeFileSync(path.join(home, 'dev', 'temporal.log'), '', { mode: 0o644 });
  fs.chmodSync(path.join(home, 'dev', 'temporal.log'), 0o644);
  port = await freePort();
});
afterAll(async () => {
  if (dev) await stopKelosDev(dev);
  fs.rmSync(base, { recursive: true, force: true });
});

it('keeps $KELOS_HOME 0700 and everything in it private after kelos dev ran a Task', async () => {
  const upstream = makeUpstream(base);
  const started = await startKelosDev({ home }, ['--port', String(port), '--ui-port', String(await freePort()), '--no-bridge']);
  dev = started.process;
  const warnings = started.output().split('\n').filter((line) => line.includes('open to other users'));
  expect(warnings).toEqual([`kelos: ${home} was open to other users (mode 755); made it private (700)`]);

  const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: gh}\nstringData: {GITHUB_TOKEN: not-a-real-token}\n';
  expect(kelos(['apply', '-f', '-'], secret).stdout).toBe('secret/gh configured\n');
  const workspace = `apiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata: {name: repo}\nspec:\n  repo: ${upstream.url}\n  files:\n    - {path: docs/NOTES.md, content: notes}\n`;
  expect(kelos(['apply', '-f', '-'], workspace).code).toBe(0);
  const run = kelos(['run', '-p', 'Add a greeting', '--image', './examples/agents/fake-agent.sh', '--credential-type', 'none', '--workspace', 'repo', '--branch', 'greeting', '--name', 'private', '-w']);
  expect(run.stdout).toContain('task/private Succeeded');

  expect(mode(home)).toBe('700');
  expect(mode(path.join(home, 'dev'))).toBe('700');
  expect(mode(path.join(home, 'dev', 'temporal.db'))).toBe('600');
  expect(mode(path.join(home, 'dev', 'temporal.log'))).toBe('600');
  expect(mode(path.join(home, 'secrets', 'default', 'gh.json'))).toBe('600');
  expect(mode(path.join(home, 'tasks', 'default', 'private', 'agent.log'))).toBe('600');
  expect(mode(path.join(home, 'tasks', 'default', 'private', 'repo', 'docs', 'NOTES.md'))).toBe('600');
  expect(openEntries(home)).toEqual([]);

  expect(await stopKelosDev(dev)).toBe(0);
  dev = undefined;
  expect(openEntries(home)).toEqual([]);
}, 240_000);
