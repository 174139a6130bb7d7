import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GIT_CREDENTIAL_HELPER, WorkspaceError, prepareWorkspace, sanitizeWorkspaceFilePath } from '../../src/runtimes/local/workspace';
import { Upstream, git, makeUpstream, tempDir } from './git-fixture';

let root: string;
let upstream: Upstream;
let counter = 0;
const nextDir = () => path.join(root, `checkout-${++counter}`);

beforeAll(() => {
  root = tempDir('workspace');
  upstream = makeUpstream(root);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('prepareWorkspace: clone and ref', () => {
  const cases: { behaviour: string; ref?: (u: Upstream) => string | undefined; head: (u: Upstream) => string; base: string | ((u: Upstream) => string); branch: string }[] = [
    { behaviour: 'no ref: the default branch, base = remote default', head: (u) => u.commits.main2, base: 'main', branch: 'main' },
    { behaviour: 'a branch ref', ref: () => 'existing', head: (u) => u.commits.feature, base: 'existing', branch: 'existing' },
    { behaviour: 'a tag ref (detached)', ref: () => 'v1', head: (u) => u.commits.tag, base: 'v1', branch: '' },
    { behaviour: 'a 40-hex commit ref is fetched on its own (detached)', ref: (u) => u.commits.main1, head: (u) => u.commits.main1, base: (u) => u.commits.main1, branch: '' },
  ];
  test.each(cases)('$behaviour', async ({ ref, head, base, branch }) => {
    const dir = nextDir();
    const result = await prepareWorkspace({ dir, repo: upstream.url, ref: ref?.(upstream) });
    expect(result).toEqual({ repoDir: dir, headCommit: head(upstream), baseBranch: typeof base === 'string' ? base : base(upstream) });
    expect(git(dir, 'branch', '--show-current')).toBe(branch);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('a file:// clone is shallow but knows every remote branch', async () => {
    const dir = nextDir();
    await prepareWorkspace({ dir, repo: upstream.url });
    expect(git(dir, 'rev-parse', '--is-shallow-repository')).toBe('true');
    expect(git(dir, 'branch', '-r')).toContain('origin/existing');
  });

  test('a plain local path is cloned in full', async () => {
    const dir = nextDir();
    const result = await prepareWorkspace({ dir, repo: upstream.bare });
    expect(result.headCommit).toBe(upstream.commits.main2);
    expect(git(dir, 'rev-parse', '--is-shallow-repository')).toBe('false');
  });

  test('an unknown ref fails with git\'s reason', async () => {
    await expect(prepareWorkspace({ dir: nextDir(), repo: upstream.url, ref: 'no-such-branch' })).rejects.toThrow(/git clone .*failed.*no-such-branch/s);
  });
});

describe('prepareWorkspace: branch setup', () => {
  test('a branch that exists on origin is checked out at the remote commit, tracking origin', async () => {
    const dir = nextDir();
    const result = await prepareWorkspace({ dir, repo: upstream.url, branch: 'existing' });
    expect(result.headCommit).toBe(upstream.commits.feature);
    expect(git(dir, 'branch', '--show-current')).toBe('existing');
    expect(git(dir, 'rev-parse', '--abbrev-ref', 'existing@{upstream}')).toBe('origin/existing');
    expect(result.baseBranch).toBe('main');
  });

  test('a branch missing on origin is created from the ref', async () => {
    const dir = nextDir();
    const result = await prepareWorkspace({ dir, repo: upstream.url, ref: 'v1', branch: 'kelos-task-42' });
    expect(git(dir, 'branch', '--show-current')).toBe('kelos-task-42');
    expect(result.headCommit).toBe(upstream.commits.tag);
    expect(result.baseBranch).toBe('v1');
  });

  test('with a commit ref, an existing remote branch is still found', async () => {
    const dir = nextDir();
    const result = await prepareWorkspace({ dir, repo: upstream.url, ref: upstream.commits.main1, branch: 'existing' });
    expect(git(dir, 'branch', '--show-current')).toBe('existing');
    expect(result.headCommit).toBe(upstream.commits.feature);
  });

  test('the branch equal to the cloned ref is simply checked out', async () => {
    const dir = nextDir();
    const result = await prepareWorkspace({ dir, repo: upstream.url, branch: 'main' });
    expect(git(dir, 'branch', '--show-current')).toBe('main');
    expect(result.headCommit).toBe(upstream.commits.main2);
  });
});

describe('prepareWorkspace: remotes', () => {
  test('extra remotes are added, an existing one gets its URL replaced', async () => {
    const dir = nextDir();
    await prepareWorkspace({
      dir,
      repo: upstream.url,
      remotes: [
        { name: 'upstream', url: 'https://github.com/upstream/repo.git' },
        { name: 'origin', url: upstream.url + '?' },
        { name: 'fork', url: 'git@github.com:me/repo.git' },
      ],
    });
    expect(git(dir, 'remote', 'get-url', 'upstream')).toBe('https://github.com/upstream/repo.git');
    expect(git(dir, 'remote', 'get-url', 'fork')).toBe('git@github.com:me/repo.git');
    expect(git(dir, 'remote', 'get-url', 'origin')).toBe(upstream.url + '?');
  });
});

describe('prepareWorkspace: files', () => {
  test('files are written (nested dirs created, existing files replaced)', async () => {
    const dir = nextDir();
    await prepareWorkspace({
      dir,
      repo: upstream.url,
      files: [
        { path: 'README.md', content: 'replaced\n' },
        { path: 'config/deep/settings.json', content: '{"a":1}' },
        { path: './notes//todo.txt', content: 'x' },
      ],
    });
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('replaced\n');
    expect(fs.readFileSync(path.join(dir, 'config/deep/settings.json'), 'utf8')).toBe('{"a":1}');
    expect(fs.readFileSync(path.join(dir, 'notes/todo.txt'), 'utf8')).toBe('x');
  });

  const rejected: [string, RegExp][] = [
    ['/etc/passwd', /absolute/],
    ['../outside.txt', /escapes/],
    ['a/../../outside.txt', /escapes/],
    ['..', /escapes/],
    ['.', /root/],
    ['a\\b', /forward slashes/],
    ['  ', /empty/],
  ];
  test.each(rejected)('path %j is rejected before anything is cloned', async (filePath, reason) => {
    const dir = nextDir();
    await expect(prepareWorkspace({ dir, repo: upstream.url, files: [{ path: filePath, content: 'x' }] })).rejects.toThrow(reason);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(path.join(root, 'outside.txt'))).toBe(false);
  });

  test('a symlink in the repository cannot redirect a file outside it', async () => {
    const seed = path.join(root, 'symlink-seed');
    fs.mkdirSync(seed);
    git(seed, 'init', '--quiet');
    fs.symlinkSync(root, path.join(seed, 'escape'));
    git(seed, 'add', '.');
    git(seed, 'commit', '--quiet', '-m', 'symlink');
    await expect(prepareWorkspace({ dir: nextDir(), repo: seed, files: [{ path: 'escape/pwned.txt', content: 'x' }] })).rejects.toThrow(WorkspaceError);
    expect(fs.existsSync(path.join(root, 'pwned.txt'))).toBe(false);
  });

  test('a file behind a symlink is refused before any directory is created, inside the checkout or out', async () => {
    const seed = path.join(root, 'symlink-dir-seed');
    const outside = path.join(root, 'outside-target');
    fs.mkdirSync(seed);
    fs.mkdirSync(outside);
    git(seed, 'init', '--quiet');
    fs.symlinkSync(outside, path.join(seed, 'escape'));
    git(seed, 'add', '.');
    git(seed, 'commit', '--quiet', '-m', 'symlink');
    const dir = nextDir();
    const files = [{ path: 'fine/new/ok.txt', content: 'x' }, { path: 'escape/sub/dir/pwned.txt', content: 'x' }];
    await expect(prepareWorkspace({ dir, repo: seed, files })).rejects.toThrow(/escape\/sub\/dir\/pwned.txt.*outside the repository/);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'fine'))).toBe(false);
  });

  test('sanitizeWorkspaceFilePath cleans relative paths', () => {
    expect(sanitizeWorkspaceFilePath('./a//b/../c.txt')).toBe('a/c.txt');
    expect(sanitizeWorkspaceFilePath('dir/')).toBe('dir');
  });
});

describe('prepareWorkspace: token', () => {
  test('the token is never written into the checkout; the helper reads it from the environment', async () => {
    const token = 'ghp_secretTOKENvalue123';
    const dir = nextDir();
    await prepareWorkspace({ dir, repo: upstream.url, token, branch: 'existing' });
    const config = fs.readFileSync(path.join(dir, '.git', 'config'), 'utf8');
    expect(config).not.toContain(token);
    // An empty entry first resets helpers inherited from the user's global config.
    const helpers = execFileSync('git', ['config', '--local', '--get-all', 'credential.helper'], { cwd: dir, encoding: 'utf8' });
    expect(helpers).toBe(`\n${GIT_CREDENTIAL_HELPER}\n`);
    expect(git(dir, 'config', 'credential.username')).toBe('x-access-token');
    expect(grepTree(dir, token)).toEqual([]);
  });

  test('the persisted helper answers git with the token from $GITHUB_TOKEN, and nothing without it', async () => {
    const dir = nextDir();
    await prepareWorkspace({ dir, repo: upstream.url, token: 't0ken' });
    const fill = (env: NodeJS.ProcessEnv) =>
      execFileSync('git', ['credential', 'fill'], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, GIT_TERMINAL_PROMPT: '0', ...env }, input: 'protocol=https\nhost=github.com\n\n', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(fill({ GITHUB_TOKEN: 'from-env' })).toContain('password=from-env');
    expect(fill({ GITHUB_TOKEN: 'from-env' })).toContain('username=x-access-token');
    expect(() => fill({})).toThrow();
  });

  test('a failure message never shows credentials embedded in the repo URL', async () => {
    const error = await prepareWorkspace({ dir: nextDir(), repo: 'https://user:hunter2@127.0.0.1:1/nope.git', timeoutMs: 20_000 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(WorkspaceError);
    expect((error as Error).message).not.toContain('hunter2');
  });
});

function grepTree(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && fs.readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}
