/**
 * Prepares a Task's checkout the way Kelos's init containers do (kelos-behaviour §5.2): `git-clone` (branch/tag
 * ref, or a 40-hex commit fetched on its own), `remote-setup`, `branch-setup` and `workspace-files`. The setup
 * command is the entrypoint's job, not this one's.
 *
 * Besides Kelos's URLs, `file://` URLs and plain local paths work (tests, offline use). Network and `file://`
 * URLs are cloned shallow like Kelos does; a plain path is cloned in full (git ignores --depth for those).
 *
 * The workspace token never touches disk or argv: git reads it from `$GITHUB_TOKEN` (or the file named by
 * `$KELOS_GITHUB_TOKEN_FILE`) through an inline credential helper that is also kept in the repo's config, so the
 * agent's own git commands authenticate with the token from its environment.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface WorkspaceSpec {
  repo: string;
  ref?: string;
  remotes?: { name: string; url: string }[];
  files?: { path: string; content: string }[];
}

export interface PrepareWorkspaceOptions extends WorkspaceSpec {
  /** Where the checkout goes; must not exist yet or be empty. */
  dir: string;
  /** The Task's `branch`: checked out from origin when it exists there, else created from the ref. */
  branch?: string;
  /** The workspace's GitHub token (passed to git through the environment only). */
  token?: string;
  /** Base environment for git (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Per git command (default 10 minutes). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface PreparedCheckout {
  repoDir: string;
  /** The workspace ref, else the remote's default branch (what `KELOS_BASE_BRANCH`/base-branch report). */
  baseBranch?: string;
  headCommit: string;
}

export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
}

export { GIT_CREDENTIAL_HELPER, GIT_CREDENTIAL_USERNAME } from '../git-credentials';
import { GIT_CREDENTIAL_HELPER, GIT_CREDENTIAL_USERNAME } from '../git-credentials';

const COMMIT_SHA = /^[0-9a-fA-F]{40}$/;

/** git in the checkout, with the token offered through the environment only. */
function gitFor(opts: PrepareWorkspaceOptions) {
  const repoDir = path.resolve(opts.dir);
  const repo = repoLocation(opts.repo);
  const withToken = opts.token !== undefined && opts.token !== '';
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), GIT_TERMINAL_PROMPT: '0' };
  if (withToken) env.GITHUB_TOKEN = opts.token;
  const credential = withToken ? ['-c', 'credential.helper=', '-c', `credential.helper=${GIT_CREDENTIAL_HELPER}`, '-c', `credential.username=${GIT_CREDENTIAL_USERNAME}`] : [];
  const git = (args: string[], cwd = repoDir) => runGit(args, { cwd, env, timeoutMs: opts.timeoutMs ?? 600_000, signal: opts.signal });
  return { repoDir, repo, shallow: repo.kind !== 'path', credential, git, ref: opts.ref || undefined };
}

export async function prepareWorkspace(opts: PrepareWorkspaceOptions): Promise<PreparedCheckout> {
  const files = (opts.files ?? []).map((file) => ({ relative: sanitizeWorkspaceFilePath(file.path), content: file.content }));
  const { repoDir, repo, shallow, credential, git, ref } = gitFor(opts);
  const withToken = credential.length > 0;

  fs.mkdirSync(path.dirname(repoDir), { recursive: true });
  if (ref && COMMIT_SHA.test(ref)) {
    await git(['init', '--quiet', repoDir], path.dirname(repoDir));
    await git(['remote', 'add', 'origin', repo.url]);
    await git([...credential, 'fetch', ...(shallow ? ['--depth', '1'] : []), 'origin', ref]);
    await git(['checkout', '--quiet', '--detach', 'FETCH_HEAD']);
  } else {
    const args = [...credential, 'clone', '--quiet', ...(ref ? ['--branch', ref] : []), '--no-single-branch', ...(shallow ? ['--depth', '1'] : [])];
    await git([...args, '--', repo.url, repoDir], path.dirname(repoDir));
  }
  if (withToken) {
    // An empty helper entry first drops helpers inherited from the user's global config (a keychain, say).
    await git(['config', '--unset-all', 'credential.helper']).catch(() => undefined);
    await git(['config', '--add', 'credential.helper', '']);
    await git(['config', '--add', 'credential.helper', GIT_CREDENTIAL_HELPER]);
    await git(['config', 'credential.username', GIT_CREDENTIAL_USERNAME]);
  }

  return finishCheckout(opts, files, git, credential, ref);
}

/**
 * A WorkerPool member's checkout made ready for its next Task (no new clone): origin fetched, the Task's base
 * checked out, tracked files reset and untracked ones removed — ignored files, such as build caches, are kept —
 * then remotes, branch and files as a fresh checkout gets them.
 */
export async function refreshWorkspace(opts: PrepareWorkspaceOptions): Promise<PreparedCheckout> {
  const files = (opts.files ?? []).map((file) => ({ relative: sanitizeWorkspaceFilePath(file.path), content: file.content }));
  const { repo, shallow, credential, git, ref } = gitFor(opts);
  await git(['remote', 'set-url', 'origin', repo.url]);
  await git(['rebase', '--abort']).catch(() => undefined);
  await git(['merge', '--abort']).catch(() => undefined);
  if (ref && COMMIT_SHA.test(ref)) {
    await git([...credential, 'fetch', '--quiet', ...(shallow ? ['--depth', '1'] : []), 'origin', ref]);
  } else {
    await git([...credential, 'fetch', '--quiet', '--prune', ...(shallow ? ['--depth', '1'] : []), 'origin', ...(ref ? [`+refs/heads/${ref}:refs/remotes/origin/${ref}`] : [])]);
    await git([...credential, 'remote', 'set-head', 'origin', '--auto']).catch(() => undefined);
  }
  const base = ref && COMMIT_SHA.test(ref) ? 'FETCH_HEAD' : `origin/${ref ?? (await defaultBranch(git)) ?? 'HEAD'}`;
  await git(['checkout', '--quiet', '--force', '--detach', base]);
  await git(['reset', '--quiet', '--hard']);
  await git(['clean', '--quiet', '-d', '--force']);
  // The previous Task's branch of the same name is not this one's start: setUpBranch takes it from origin or anew.
  if (opts.branch) await git(['branch', '--quiet', '-D', opts.branch]).catch(() => undefined);
  return finishCheckout(opts, files, git, credential, ref);
}

/** Kelos's remote-setup, branch-setup and workspace-files steps, on a fresh or a refreshed checkout. */
async function finishCheckout(opts: PrepareWorkspaceOptions, files: { relative: string; content: string }[], git: Git, credential: string[], ref: string | undefined): Promise<PreparedCheckout> {
  const repoDir = path.resolve(opts.dir);
  for (const remote of opts.remotes ?? []) {
    const exists = await git(['remote', 'get-url', remote.name]).then(() => true, () => false);
    await git(['remote', exists ? 'set-url' : 'add', remote.name, repoLocation(remote.url).url]);
  }

  if (opts.branch) await setUpBranch(opts.branch, git, credential);

  writeWorkspaceFiles(repoDir, files);

  const headCommit = (await git(['rev-parse', 'HEAD'])).trim();
  const baseBranch = ref ?? (await defaultBranch(git));
  return { repoDir, headCommit, ...(baseBranch ? { baseBranch } : {}) };
}

type Git = (args: string[]) => Promise<string>;

/** Kelos's branch-setup: the remote branch when it exists (exit 0 of ls-remote), else a new one at HEAD (exit 2). */
async function setUpBranch(branch: string, git: Git, credential: string[]): Promise<void> {
  const ref = `refs/heads/${branch}`;
  let remoteStatus = 0;
  try {
    await git([...credential, 'ls-remote', '--exit-code', '--heads', 'origin', ref]);
  } catch (err) {
    remoteStatus = err instanceof GitError ? err.exitCode : 1;
    if (remoteStatus !== 2) throw err;
  }
  const localExists = await git(['show-ref', '--verify', '--quiet', ref]).then(() => true, () => false);
  if (remoteStatus === 0) {
    await git([...credential, 'fetch', '--quiet', 'origin', ref]);
    if (localExists) {
      await git(['checkout', '--quiet', branch]);
      await git(['merge', '--ff-only', '--quiet', 'FETCH_HEAD']);
    } else {
      await git(['checkout', '--quiet', '-b', branch, 'FETCH_HEAD']);
    }
    // Track origin so the agent's plain `git push`/`git pull` work; the fetch above updated origin/<branch>.
    await git(['branch', '--quiet', `--set-upstream-to=origin/${branch}`, branch]).catch(() => undefined);
  } else {
    await git(['checkout', '--quiet', ...(localExists ? [] : ['-b']), branch]);
  }
}

async function defaultBranch(git: Git): Promise<string | undefined> {
  try {
    const ref = (await git(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD'])).trim();
    return ref.replace(/^refs\/remotes\/origin\//, '') || undefined;
  } catch {
    return undefined;
  }
}

/** Kelos's rules for `files[].path`: relative, forward slashes, inside the checkout. Returns the cleaned path. */
export function sanitizeWorkspaceFilePath(filePath: string): string {
  const fail = (why: string) => {
    throw new WorkspaceError(`invalid workspace file path ${JSON.stringify(filePath)}: ${why}`);
  };
  if (filePath.trim() === '') fail('path is empty');
  if (filePath.includes('\\')) fail('path must use forward slashes');
  if (filePath.includes('\0')) fail('path contains a NUL byte');
  const clean = path.posix.normalize(filePath).replace(/\/+$/, '');
  if (clean === '.' || clean === '') fail('path resolves to the repository root');
  if (clean.startsWith('/')) fail('absolute paths are not allowed');
  if (clean === '..' || clean.startsWith('../')) fail('path escapes the repository root');
  return clean;
}

/**
 * Writes validated files. A symlink in the checkout (a committed one) may not redirect a write, nor a directory
 * created for it, outside the checkout: every file's path is resolved and checked before anything is created.
 */
function writeWorkspaceFiles(repoDir: string, files: { relative: string; content: string }[]): void {
  const root = fs.realpathSync(repoDir);
  const targets = files.map((file) => ({ target: resolveInside(root, file.relative), content: file.content }));
  for (const { target, content } of targets) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

/** Where a write to `relative` lands, following the symlinks that exist today; refused when that is outside `root`. */
function resolveInside(root: string, relative: string): string {
  const inside = (p: string) => p === root || p.startsWith(root + path.sep);
  let resolved = root;
  for (const part of relative.split('/')) {
    const next = path.join(resolved, part);
    resolved = fs.existsSync(next) || isSymlink(next) ? realpathOrSelf(next) : next;
    if (!inside(resolved)) throw new WorkspaceError(`invalid workspace file path ${JSON.stringify(relative)}: a symlink leads outside the repository`);
  }
  return resolved;
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A dangling symlink's target is where a write would land. */
function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    const link = fs.readlinkSync(p);
    return path.resolve(path.dirname(p), link);
  }
}

/** How git should be told about a repository: URLs as given; plain paths made absolute. */
function repoLocation(repo: string): { kind: 'network' | 'file' | 'path'; url: string } {
  if (/^file:\/\//i.test(repo)) return { kind: 'file', url: repo };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^/\s:]+:/.test(repo)) return { kind: 'network', url: repo };
  return { kind: 'path', url: path.resolve(repo) };
}

export class GitError extends WorkspaceError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function runGit(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, signal: options.signal, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const code = typeof error.code === 'number' ? error.code : 1;
        const shown = args.filter((arg, i) => args[i - 1] !== '-c' && arg !== '-c').join(' ');
        const detail = redact(stderr.trim() || error.message);
        reject(new GitError(`git ${redact(shown)} failed (exit ${code}): ${detail}`, code));
      },
    );
  });
}

/** Credentials a user put in a URL (`https://user:secret@host`) stay out of error messages. */
function redact(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}
