import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommandRunner, collectGitFacts, formatOutputBlock, outputLines } from '../../src/agent-entrypoint/output-block';
import { parseTaskOutputs } from '../../src/task/outputs';
import { git, makeUpstream, tempDir } from './git-fixture';

describe('output block text', () => {
  test('lines come in Kelos order and the response is base64', () => {
    const text = formatOutputBlock({
      response: 'All done ✓',
      outputTokens: '5',
      inputTokens: '4',
      costUSD: '0.01',
      baseBranch: 'main',
      commit: 'abc',
      prs: ['https://github.com/o/r/pull/1', 'https://github.com/up/r/pull/2'],
      branch: 'feature',
    });
    expect(text).toBe(
      [
        '---KELOS_OUTPUTS_START---',
        'branch: feature',
        'pr: https://github.com/o/r/pull/1',
        'pr: https://github.com/up/r/pull/2',
        'commit: abc',
        'base-branch: main',
        'cost-usd: 0.01',
        'input-tokens: 4',
        'output-tokens: 5',
        `response: ${Buffer.from('All done ✓').toString('base64')}`,
        '---KELOS_OUTPUTS_END---',
        '',
      ].join('\n'),
    );
    expect(parseTaskOutputs(text).usage).toEqual({ costUSD: '0.01', inputTokens: 4, outputTokens: 5 });
  });

  test('nothing to report prints nothing (like kelos-capture)', () => {
    expect(formatOutputBlock({})).toBe('');
  });

  test('a newline inside a value cannot forge another result line', () => {
    expect(outputLines({ branch: 'x\ncommit: forged' })).toEqual(['branch: x commit: forged']);
  });

  test('a multi-line response stays one base64 line', () => {
    const [line] = outputLines({ response: 'line 1\nline 2\n---KELOS_OUTPUTS_END---' });
    expect(line).toMatch(/^response: [A-Za-z0-9+/=]+$/);
  });
});

describe('collectGitFacts', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('facts');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('in a clone: branch, commit and the base branch from origin/HEAD', async () => {
    const upstream = makeUpstream(root);
    const clone = path.join(root, 'clone');
    git(root, 'clone', '--quiet', upstream.url, clone);
    git(clone, 'checkout', '--quiet', '-b', 'kelos-task-1');
    const facts = await collectGitFacts(clone, { PATH: process.env.PATH });
    expect(facts).toEqual({ branch: 'kelos-task-1', commit: upstream.commits.main2, baseBranch: 'main' });
  });

  test('$KELOS_BASE_BRANCH wins over origin/HEAD', async () => {
    const clone = path.join(root, 'clone');
    const facts = await collectGitFacts(clone, { PATH: process.env.PATH, KELOS_BASE_BRANCH: 'release-1' });
    expect(facts.baseBranch).toBe('release-1');
  });

  test('outside a git repository only $KELOS_BASE_BRANCH is reported', async () => {
    const plain = tempDir('plain');
    try {
      expect(await collectGitFacts(plain, { PATH: process.env.PATH })).toEqual({});
      expect(await collectGitFacts(plain, { PATH: process.env.PATH, KELOS_BASE_BRANCH: 'main' })).toEqual({ baseBranch: 'main' });
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });

  test('PRs come from gh for origin, then for $KELOS_UPSTREAM_REPO, only when gh is on PATH', async () => {
    const bin = tempDir('ghbin');
    fs.writeFileSync(path.join(bin, 'gh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const calls: string[][] = [];
    const runner: CommandRunner = async (command, args) => {
      calls.push([command, ...args]);
      if (command === 'gh') return args.includes('--repo') ? '[{"url":"https://github.com/up/r/pull/9"}]' : '[{"url":"https://github.com/me/r/pull/3"},{"url":""}]';
      if (args[0] === 'branch') return 'feature';
      if (args[0] === 'rev-parse' && args[1] === 'HEAD') return 'c0ffee';
      if (args[0] === 'symbolic-ref') return 'refs/remotes/origin/main';
      return 'true';
    };
    try {
      const facts = await collectGitFacts('/somewhere', { PATH: bin, KELOS_UPSTREAM_REPO: 'up/r' }, runner);
      expect(facts).toEqual({ branch: 'feature', prs: ['https://github.com/me/r/pull/3', 'https://github.com/up/r/pull/9'], commit: 'c0ffee', baseBranch: 'main' });
      expect(calls.filter((c) => c[0] === 'gh')).toEqual([
        ['gh', 'pr', 'list', '--head', 'feature', '--json', 'url'],
        ['gh', 'pr', 'list', '--head', 'feature', '--json', 'url', '--repo', 'up/r'],
      ]);
      calls.length = 0;
      await collectGitFacts('/somewhere', { PATH: '/nonexistent' }, runner);
      expect(calls.some((c) => c[0] === 'gh')).toBe(false);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('a failing command just leaves its line out', async () => {
    const runner: CommandRunner = async (_command, args) => (args[0] === 'rev-parse' && args[1] === '--is-inside-work-tree' ? 'true' : args[0] === 'rev-parse' ? 'abc' : undefined);
    expect(await collectGitFacts('/x', { PATH: '' }, runner)).toEqual({ commit: 'abc' });
  });
});
