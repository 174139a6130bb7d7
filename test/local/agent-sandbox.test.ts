/**
 * The sandbox's command line and policy (src/runtimes/local/agent-sandbox.ts); the box itself is exercised end to
 * end in test/task/agent-sandbox.int.test.ts.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { agentSandboxWanted, sandboxCommand, writableLocalRemotes, type AgentSandbox } from '../../src/runtimes/local/agent-sandbox';
import { tempDir } from './git-fixture';

let root: string;
let sandbox: AgentSandbox;

beforeAll(() => {
  root = tempDir('sandbox-policy');
  for (const dir of ['user-home/.local/bin', 'user-home/bin', 'user-home/.ssh', 'kelos/tasks/default/t/repo', 'kelos/tasks/default/t/home', 'repos']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  sandbox = { bwrap: '/usr/bin/bwrap', kelosHome: path.join(root, 'kelos'), userHome: path.join(root, 'user-home'), exposed: [], shared: [] };
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Each mount as [option, path] in order. */
function mounts(args: string[]): string[][] {
  const found: string[][] = [];
  for (let i = 0; i < args.length && args[i] !== '--'; i += 1) {
    if (args[i] === '--tmpfs') found.push(['tmpfs', args[++i]]);
    else if (args[i] === '--bind' || args[i] === '--ro-bind') {
      found.push([args[i].slice(2), args[i + 1]]);
      i += 2;
    }
  }
  return found;
}

test('the data directory and the user home are hidden first; the Task own places are bound after; the prompt stays an argument', () => {
  const task = path.join(root, 'kelos/tasks/default/t');
  const { command, args } = sandboxCommand(sandbox, {
    command: '/bin/agent',
    args: ['--help'],
    cwd: `${task}/repo`,
    path: `${root}/user-home/.local/bin:${root}/user-home/bin:/usr/bin`,
    writable: [`${task}/repo`, `${task}/home`],
    readOnly: [],
  });
  expect(command).toBe('/usr/bin/bwrap');
  const order = mounts(args);
  const at = (kind: string, p: string) => order.findIndex(([k, q]) => k === kind && q === p);
  expect(at('tmpfs', sandbox.kelosHome)).toBeGreaterThan(-1);
  expect(at('tmpfs', sandbox.userHome)).toBeGreaterThan(-1);
  expect(at('bind', `${task}/repo`)).toBeGreaterThan(at('tmpfs', sandbox.kelosHome));
  expect(at('bind', `${task}/home`)).toBeGreaterThan(at('tmpfs', sandbox.kelosHome));
  // A PATH directory under the hidden home is shown read-only with its install prefix, but never the home whole.
  expect(at('ro-bind', `${root}/user-home/.local`)).toBeGreaterThan(at('tmpfs', sandbox.userHome));
  expect(at('ro-bind', `${root}/user-home/bin`)).toBeGreaterThan(-1);
  expect(at('ro-bind', sandbox.userHome)).toBe(-1);
  expect(args.slice(args.indexOf('--uid'), args.indexOf('--uid') + 4)).toEqual(['--uid', '61100', '--gid', '61100']);
  expect(args).toEqual(expect.arrayContaining(['--unshare-user', '--unshare-pid', '--die-with-parent']));
  expect(args.slice(-3)).toEqual(['--', '/bin/agent', '--help']);
});

test('only local git repositories become writable remotes, never one in the data directory or holding it or the user home', () => {
  const bare = path.join(root, 'repos/origin.git');
  execFileSync('git', ['init', '--quiet', '--bare', bare]);
  const inData = path.join(root, 'kelos/origin.git');
  execFileSync('git', ['init', '--quiet', '--bare', inData]);
  const plain = path.join(root, 'repos/not-git');
  fs.mkdirSync(plain);
  const found = writableLocalRemotes(sandbox, [`file://${bare}`, bare, inData, `file://${sandbox.kelosHome}`, sandbox.userHome, root, plain, 'https://github.com/a/b', 'git@github.com:a/b']);
  expect(found).toEqual([fs.realpathSync(bare), fs.realpathSync(bare)]);
});

test('KELOS_AGENT_SANDBOX: on by default, off when asked, anything else an error naming it', () => {
  expect(agentSandboxWanted(undefined, {})).toBe(true);
  expect(agentSandboxWanted(false, {})).toBe(false);
  expect(agentSandboxWanted(undefined, { KELOS_AGENT_SANDBOX: 'off' })).toBe(false);
  expect(() => agentSandboxWanted(undefined, { KELOS_AGENT_SANDBOX: 'maybe' })).toThrow('invalid KELOS_AGENT_SANDBOX "maybe": on or off');
});

// The same box for a user without privileges (a developer's laptop): checked by dropping to `nobody` when root.
const asNobody = process.getuid?.() === 0 && fs.existsSync('/usr/bin/setpriv') && fs.existsSync('/usr/bin/bwrap');
(asNobody ? test : test.skip)('an unprivileged user gets the same box (uid 61100 inside, the data directory empty)', () => {
  const home = tempDir('sandbox-nobody');
  fs.mkdirSync(path.join(home, 'secrets'));
  fs.writeFileSync(path.join(home, 'secrets', 'token.json'), '{}');
  fs.chmodSync(home, 0o755);
  fs.chmodSync(path.join(home, 'secrets'), 0o755);
  fs.chmodSync(path.join(home, 'secrets', 'token.json'), 0o644);
  const box = sandboxCommand({ bwrap: '/usr/bin/bwrap', kelosHome: home, userHome: '/nonexistent', exposed: [], shared: [] }, {
    command: '/bin/sh',
    args: ['-c', `id -u; ls -A ${home}; cat ${home}/secrets/token.json 2>/dev/null || echo hidden`],
    cwd: '/',
    writable: [],
    readOnly: [],
  });
  const out = execFileSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', box.command, ...box.args], { encoding: 'utf8', cwd: '/' });
  expect(out).toBe('61100\nhidden\n');
  fs.rmSync(home, { recursive: true, force: true });
});
