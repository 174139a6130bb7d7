import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTaskOutputs } from '../../src/task/outputs';
import { git, makeUpstream, tempDir } from './git-fixture';

const FAKE = path.join(__dirname, '..', '..', 'examples', 'agents', 'fake-agent.sh');

describe('examples/agents/fake-agent.sh (the demo image)', () => {
  let root: string;
  let clone: string;
  beforeAll(() => {
    root = tempDir('example-agent');
    clone = path.join(root, 'clone');
    git(root, 'clone', '--quiet', makeUpstream(root).url, clone);
    git(clone, 'checkout', '--quiet', '-b', 'kelos-demo');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const run = (args: string[], env: Record<string, string> = {}, cwd = clone) =>
    spawnSync(FAKE, args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: root, KELOS_AGENT_TYPE: 'claude-code', ...env } });

  test('commits a file and prints an output block, with no API key', () => {
    const before = git(clone, 'rev-parse', 'HEAD');
    const result = run(['write a hello file']);
    expect(result.status).toBe(0);
    const { results, usage } = parseTaskOutputs(result.stdout);
    expect(results.branch).toBe('kelos-demo');
    expect(results.commit).toBe(git(clone, 'rev-parse', 'HEAD'));
    expect(results.commit).not.toBe(before);
    expect(results['base-branch']).toBe('main');
    expect(Buffer.from(results.response, 'base64').toString()).toBe('Fake agent finished: write a hello file');
    expect(usage).toEqual({ costUSD: '0.0123', inputTokens: 1500, outputTokens: 250 });
  });

  test('honours KELOS_BASE_BRANCH, the setup command banners and FAKE_AGENT_EXIT', () => {
    const result = run(['x'], { KELOS_BASE_BRANCH: 'release', KELOS_SETUP_COMMAND: '["sh","-c","echo prepared"]', FAKE_AGENT_EXIT: '4' });
    expect(result.status).toBe(4);
    expect(result.stdout.startsWith('prepared\n')).toBe(true);
    expect(result.stderr).toMatch(/---KELOS_SETUP_COMMAND_START---[\s\S]*---KELOS_SETUP_COMMAND_DONE---/);
    expect(parseTaskOutputs(result.stdout).results['base-branch']).toBe('release');
  });

  test('a failing setup command stops it before any work', () => {
    const result = run(['x'], { KELOS_SETUP_COMMAND: '["sh","-c","exit 5"]' });
    expect(result.status).toBe(5);
    expect(result.stderr).toContain('---KELOS_SETUP_COMMAND_FAILED--- exit=5');
    expect(result.stdout).not.toContain('---KELOS_OUTPUTS_START---');
  });

  test('outside a git repository it still reports usage', () => {
    const plain = path.join(root, 'plain');
    fs.mkdirSync(plain, { recursive: true });
    const result = run(['x'], {}, plain);
    expect(result.status).toBe(0);
    expect(parseTaskOutputs(result.stdout).results.commit).toBeUndefined();
    expect(parseTaskOutputs(result.stdout).usage?.inputTokens).toBe(1500);
  });

  test('no prompt is an error', () => {
    expect(run([]).status).not.toBe(0);
  });
});
