/**
 * The box every local agent runs in: its command turned into a bubblewrap (`bwrap`) command line.
 *
 * Why bwrap: it needs neither a setuid helper nor a user created on the machine, and works the same for a developer
 * on a laptop (unprivileged user namespaces) and for root in a container or on a server. Inside, the agent is uid/gid
 * 61100 (as in Kelos's images): never root, so `claude --dangerously-skip-permissions` accepts to run, while the
 * user namespace maps that uid back to the worker's own, so what the agent writes in its checkout belongs to the
 * worker outside and the worker's git keeps working on it.
 *
 * What the agent sees: the machine's file system read-only; its own checkout and home writable; a private /tmp;
 * its own PID namespace (the worker's /proc, and with it its environment, is out of sight); the network. Hidden
 * behind empty file systems: the kelos data directory (secret store, the dev server's database, other Tasks'
 * files, poll state), the worker user's home (except the programs the agent needs from it) and /run (sockets).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const SANDBOX_UID = 61100;

/** `KELOS_AGENT_SANDBOX`: on (default) or off; `KELOS_AGENT_SANDBOX_SHARE`: extra writable paths (colon-separated). */
export const SANDBOX_ENV = 'KELOS_AGENT_SANDBOX';
export const SANDBOX_SHARE_ENV = 'KELOS_AGENT_SANDBOX_SHARE';

export interface AgentSandbox {
  /** Absolute path of bwrap. */
  bwrap: string;
  /** The kelos data directory, hidden from every agent. */
  kelosHome: string;
  /** The worker user's home, hidden except for `exposed` paths under it. */
  userHome: string;
  /** Read-only paths the agent needs even where they lie under a hidden directory (kelos itself, node, PATH). */
  exposed: string[];
  /** Paths every agent may write (KELOS_AGENT_SANDBOX_SHARE), e.g. a shared build cache. */
  shared: string[];
}

/** One agent run's own places. */
export interface SandboxedRun {
  command: string;
  args: string[];
  cwd: string;
  /** The worker's PATH (where agent CLIs are installed): its directories under the worker's home are shown read-only. */
  path?: string;
  /** The checkout (or work dir) and the agent's home. */
  writable: string[];
  /** Plugin files, a local image. */
  readOnly: string[];
}

export class AgentSandboxUnavailable extends Error {
  override name = 'AgentSandboxUnavailable';
}

/** Whether the box is on: `--no-agent-sandbox` (flag false) or KELOS_AGENT_SANDBOX=off turn it off. */
export function agentSandboxWanted(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  const value = (env[SANDBOX_ENV] ?? 'on').trim().toLowerCase();
  if (['on', '1', 'true', ''].includes(value)) return true;
  if (['off', '0', 'false'].includes(value)) return false;
  throw new AgentSandboxUnavailable(`invalid ${SANDBOX_ENV} "${env[SANDBOX_ENV]}": on or off`);
}

export const SANDBOX_OFF_WARNING =
  'WARNING: the agent sandbox is off (--no-agent-sandbox or KELOS_AGENT_SANDBOX=off): agents run as this user and can read whatever it can — the worker\'s environment, the secret store, the dev server\'s database, other Tasks\' files';

/**
 * Finds bwrap and proves it can build the box here (a user namespace is refused on some kernels and in some
 * containers); a worker calls this at start, so the problem shows before the first Task.
 */
export function detectAgentSandbox(options: { kelosHome: string; env?: NodeJS.ProcessEnv; packageRoot: string; share?: string[] }): AgentSandbox {
  const env = options.env ?? process.env;
  const fix = `install bubblewrap (apt-get install bubblewrap), or run agents unboxed with --no-agent-sandbox / ${SANDBOX_ENV}=off`;
  const bwrap = findOnPath('bwrap', env.PATH);
  if (!bwrap) throw new AgentSandboxUnavailable(`cannot sandbox agents: bwrap not found on PATH; ${fix}`);
  const sandbox: AgentSandbox = {
    bwrap,
    kelosHome: path.resolve(options.kelosHome),
    userHome: path.resolve(os.homedir()),
    exposed: [options.packageRoot, installPrefix(process.execPath)],
    shared: [...(env[SANDBOX_SHARE_ENV] ?? '').split(':').filter(Boolean), ...(options.share ?? [])].map((p) => path.resolve(p)),
  };
  for (const dir of sandbox.shared) {
    if (isInside(dir, sandbox.kelosHome) || isInside(sandbox.kelosHome, dir)) throw new AgentSandboxUnavailable(`${SANDBOX_SHARE_ENV}: ${dir} overlaps the kelos data directory ${sandbox.kelosHome}, which agents must not see`);
  }
  const probe = sandboxCommand(sandbox, { command: '/bin/sh', args: ['-c', 'id -u'], cwd: '/', writable: [], readOnly: [] });
  const result = spawnSync(probe.command, probe.args, { encoding: 'utf8', timeout: 10_000, cwd: '/' });
  if (result.status !== 0 || result.stdout.trim() !== String(SANDBOX_UID)) {
    const why = (result.stderr || result.error?.message || `exit ${result.status}`).trim().split('\n')[0];
    throw new AgentSandboxUnavailable(`cannot sandbox agents: bwrap failed (${why}; are user namespaces allowed?); ${fix}`);
  }
  return sandbox;
}

/** The bwrap command line that runs `run` in the box. Later mounts cover earlier ones, so the order matters. */
export function sandboxCommand(sandbox: AgentSandbox, run: SandboxedRun): { command: string; args: string[] } {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  const hidden = [sandbox.userHome, '/run', sandbox.kelosHome].filter((dir) => dir !== '/' && exists(dir));
  for (const dir of hidden) args.push('--tmpfs', dir);
  // /etc/resolv.conf often points into /run (systemd-resolved): keep name resolution working.
  const resolver = realpathOrUndefined('/etc/resolv.conf');
  const reexposed = [...sandbox.exposed, ...pathDirs(run.path, sandbox.userHome), ...(resolver ? [path.dirname(resolver)] : [])];
  for (const dir of unique(reexposed)) {
    // Never show the data directory again through a parent of it, nor a hidden root whole.
    if (!exists(dir) || hidden.includes(dir) || isInside(sandbox.kelosHome, dir) || isInside(dir, sandbox.kelosHome)) continue;
    if (hidden.some((root) => isInside(dir, root)) || dir.startsWith('/tmp/')) args.push('--ro-bind', dir, dir);
  }
  for (const dir of unique([...run.writable, ...sandbox.shared])) if (exists(dir)) args.push('--bind', dir, dir);
  for (const file of unique(run.readOnly)) if (exists(file)) args.push('--ro-bind', file, file);
  args.push(
    '--unshare-user', '--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_UID),
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    // The box ends with its launcher: no agent left behind when the Task's process group is stopped.
    '--die-with-parent',
    '--chdir', run.cwd,
    '--', run.command, ...run.args,
  );
  return { command: sandbox.bwrap, args };
}

/**
 * The Task's own local git remotes (a Workspace `repo` or `remotes` URL that is a `file://` URL or a path), which
 * the agent may push to as it may push to a network remote: only git repositories, and never one that contains the
 * kelos data directory or the worker's home, or lies inside the data directory.
 */
export function writableLocalRemotes(sandbox: AgentSandbox, urls: string[]): string[] {
  const found: string[] = [];
  for (const url of urls) {
    let dir: string | undefined;
    if (/^file:\/\//i.test(url)) dir = decodeURIComponent(url.replace(/^file:\/\//i, ''));
    else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/\s]+@[^/\s:]+:/.test(url)) dir = path.resolve(url);
    const real = dir && realpathOrUndefined(dir);
    if (!real || !isGitRepository(real)) continue;
    if (isInside(real, sandbox.kelosHome) || isInside(sandbox.kelosHome, real) || isInside(sandbox.userHome, real)) continue;
    found.push(real);
  }
  return found;
}

function isGitRepository(dir: string): boolean {
  return exists(path.join(dir, '.git')) || (exists(path.join(dir, 'HEAD')) && exists(path.join(dir, 'objects')));
}

/** A PATH's directories under the worker's home, each with its install prefix (…/bin → …) unless that is the home. */
function pathDirs(searchPath: string | undefined, userHome: string): string[] {
  const dirs: string[] = [];
  for (const entry of (searchPath ?? '').split(':')) {
    if (!path.isAbsolute(entry)) continue;
    for (const dir of [entry, realpathOrUndefined(entry)]) {
      if (!dir || !isInside(dir, userHome)) continue;
      const prefix = installPrefix(path.join(dir, 'x'));
      dirs.push(prefix !== userHome && isInside(prefix, userHome) ? prefix : dir);
    }
  }
  return dirs;
}

/** `/opt/node/bin/node` → `/opt/node` (a program's lib/ sits next to its bin/); otherwise the file's directory. */
function installPrefix(file: string): string {
  const dir = path.dirname(realpathOrUndefined(file) ?? file);
  return path.basename(dir) === 'bin' ? path.dirname(dir) : dir;
}

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : parent + '/');
}

function unique(paths: string[]): string[] {
  return [...new Set(paths.map((p) => path.resolve(p)))];
}

function exists(p: string): boolean {
  return fs.existsSync(p);
}

function realpathOrUndefined(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

function findOnPath(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(':').filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
}
