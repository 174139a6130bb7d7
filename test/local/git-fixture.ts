/** Temp git repositories for the local-runtime tests (never touches the project's own repository). */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const GIT_ID = ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...GIT_ID, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kelos-${prefix}-`));
}

export interface Upstream {
  /** The bare repository's directory. */
  bare: string;
  /** Its file:// URL. */
  url: string;
  commits: { main1: string; main2: string; feature: string; tag: string };
}

/**
 * A bare repository with history: main (2 commits, tagged v1 at the first), and branch `existing` one commit
 * ahead of main's first commit.
 */
export function makeUpstream(root: string): Upstream {
  const work = path.join(root, 'seed');
  const bare = path.join(root, 'upstream.git');
  fs.mkdirSync(work);
  git(work, 'init', '--quiet');
  fs.writeFileSync(path.join(work, 'README.md'), 'v1\n');
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '-m', 'first');
  const main1 = git(work, 'rev-parse', 'HEAD');
  git(work, 'tag', 'v1');
  git(work, 'checkout', '--quiet', '-b', 'existing');
  fs.writeFileSync(path.join(work, 'feature.txt'), 'feature\n');
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '-m', 'feature work');
  const feature = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '--quiet', 'main');
  fs.writeFileSync(path.join(work, 'README.md'), 'v2\n');
  git(work, 'commit', '--quiet', '-am', 'second');
  const main2 = git(work, 'rev-parse', 'HEAD');
  git(root, 'clone', '--quiet', '--bare', work, bare);
  return { bare, url: `file://${bare}`, commits: { main1, main2, feature, tag: main1 } };
}
