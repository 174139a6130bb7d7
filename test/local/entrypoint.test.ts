import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EntrypointIO, runLocalEntrypoint } from '../../src/agent-entrypoint/entrypoint';
import { parseTaskOutputs } from '../../src/task/outputs';
import { git, makeUpstream, tempDir } from './git-fixture';

const PROJECT = path.join(__dirname, '..', '..');
const FAKE_AGENTS = path.join(PROJECT, 'test', 'fixtures', 'agents');

let root: string;
let upstreamUrl: string;
let counter = 0;

beforeAll(() => {
  root = tempDir('entrypoint');
  upstreamUrl = makeUpstream(root).url;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  invocations: { agent: string; argv: string[]; prompt: string; cwd: string; env: Record<string, string>; credentials: string[] }[];
  home: string;
  cwd: string;
}

/** A fresh clone on a task branch, a private HOME, the fake agents first on PATH. */
function setUp(options: { gitRepo?: boolean } = {}): { cwd: string; home: string; log: string } {
  const n = ++counter;
  const cwd = path.join(root, `work-${n}`);
  if (options.gitRepo === false) fs.mkdirSync(cwd);
  else {
    git(root, 'clone', '--quiet', upstreamUrl, cwd);
    git(cwd, 'checkout', '--quiet', '-b', `task-${n}`);
  }
  const home = path.join(root, `home-${n}`);
  fs.mkdirSync(home);
  return { cwd, home, log: path.join(root, `agent-log-${n}.jsonl`) };
}

async function entrypoint(argv: string[], env: Record<string, string>, options: { gitRepo?: boolean; signal?: AbortSignal } = {}): Promise<Run> {
  const { cwd, home, log } = setUp(options);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: EntrypointIO = {
    cwd,
    signal: options.signal,
    stdout: { write: (chunk) => out.push(Buffer.from(chunk)) },
    stderr: { write: (chunk) => err.push(Buffer.from(chunk)) },
  };
  const code = await runLocalEntrypoint(argv, { PATH: `${FAKE_AGENTS}${path.delimiter}${process.env.PATH}`, HOME: home, FAKE_AGENT_LOG: log, ...env }, io);
  const invocations = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : [];
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), invocations, home, cwd };
}

describe('local entrypoint: a prompt is never read as an option', () => {
  test.each(['claude-code', 'codex', 'gemini', 'opencode', 'cursor'])('%s: the prompt "--help" reaches the agent as its prompt', async (agentType) => {
    const run = await entrypoint(['--help'], { KELOS_AGENT_TYPE: agentType, KELOS_MODEL: 'm' });
    expect(run.invocations).toHaveLength(1);
    expect(run.invocations[0].prompt).toBe('--help');
    expect(run.stdout).not.toContain('Usage:');
    expect(run.code).toBe(0);
    expect(Buffer.from(parseTaskOutputs(run.stdout).results.response ?? '', 'base64').toString()).toBe('Done: --help');
  });
});

describe('local entrypoint: each agent end to end', () => {
  const cases = [
    { agentType: 'claude-code', credential: 'ANTHROPIC_API_KEY', usage: { costUSD: '0.0421275', inputTokens: 1234, outputTokens: 567 } },
    { agentType: 'codex', credential: 'CODEX_API_KEY', usage: { inputTokens: 24763, outputTokens: 122 } },
    { agentType: 'gemini', credential: 'GEMINI_API_KEY', usage: { inputTokens: 8812, outputTokens: 345 } },
    { agentType: 'opencode', credential: 'OPENCODE_API_KEY', usage: { inputTokens: 21425, outputTokens: 313 } },
    { agentType: 'cursor', credential: 'CURSOR_API_KEY', usage: { inputTokens: 36067, outputTokens: 227 } },
  ];
  test.each(cases)('$agentType: runs the CLI with the prompt, copies its stream, reports branch/commit/usage', async ({ agentType, credential, usage }) => {
    const run = await entrypoint(['Fix issue #7: the "quoted" bug'], {
      KELOS_AGENT_TYPE: agentType,
      KELOS_MODEL: 'some-model',
      KELOS_BASE_BRANCH: 'main',
      KELOS_BRANCH: 'task-x',
      [credential]: 'secret-value',
      GITHUB_TOKEN: 'gh-secret',
      FAKE_AGENT_MODE: 'commit',
    });
    expect(run.code).toBe(0);
    expect(run.invocations).toHaveLength(1);
    const [call] = run.invocations;
    expect(call.prompt).toBe('Fix issue #7: the "quoted" bug');
    expect(call.argv).toContain('some-model');
    expect(call.cwd).toBe(fs.realpathSync(run.cwd));
    expect(call.env).toMatchObject({ KELOS_AGENT_TYPE: agentType, KELOS_MODEL: 'some-model', KELOS_BASE_BRANCH: 'main', HOME: run.home });
    expect(call.credentials).toEqual(expect.arrayContaining([credential, 'GITHUB_TOKEN']));

    const parsed = parseTaskOutputs(run.stdout);
    expect(parsed.results).toMatchObject({ branch: git(run.cwd, 'branch', '--show-current'), commit: git(run.cwd, 'rev-parse', 'HEAD'), 'base-branch': 'main' });
    expect(parsed.results.commit).not.toBe(git(run.cwd, 'rev-parse', 'origin/main'));
    expect(Buffer.from(parsed.results.response, 'base64').toString('utf8')).toBe('Done: Fix issue #7: the "quoted" bug');
    expect(parsed.usage).toEqual(usage);
    // The agent's own stream comes first, untouched, then the block ends the output.
    expect(run.stdout.indexOf('---KELOS_OUTPUTS_START---')).toBeGreaterThan(run.stdout.lastIndexOf('{"type"'));
    expect(run.stdout.endsWith('---KELOS_OUTPUTS_END---\n')).toBe(true);
    expect(run.stderr).toContain(`finished`);
  });

  test('the agent stdout is copied byte for byte, with a final newline added when missing', async () => {
    const env = { KELOS_AGENT_TYPE: 'claude-code', FAKE_AGENT_MODE: 'noisy,no-newline' };
    const run = await entrypoint(['hello'], env, { gitRepo: false });
    const direct = spawnSync(path.join(FAKE_AGENTS, 'claude'), ['--dangerously-skip-permissions', '--output-format', 'stream-json', '--verbose', '-p', 'hello'], {
      cwd: run.cwd,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    }).stdout;
    expect(direct.endsWith('\n')).toBe(false);
    expect(run.stdout.startsWith(direct + '\n---KELOS_OUTPUTS_START---\n')).toBe(true);
  });

  test('outside a git repository the block carries usage only', async () => {
    const run = await entrypoint(['hello'], { KELOS_AGENT_TYPE: 'codex' }, { gitRepo: false });
    expect(run.code).toBe(0);
    expect(Object.keys(parseTaskOutputs(run.stdout).results).sort()).toEqual(['input-tokens', 'output-tokens', 'response']);
  });

  test('KELOS_AGENT_BIN replaces the executable looked up on PATH', async () => {
    const bin = path.join(root, 'custom-bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.copyFileSync(path.join(FAKE_AGENTS, 'claude'), path.join(bin, 'my-claude'));
    fs.chmodSync(path.join(bin, 'my-claude'), 0o755);
    fs.writeFileSync(path.join(bin, 'fake-agent-lib.js'), `module.exports = require(${JSON.stringify(path.join(FAKE_AGENTS, 'fake-agent-lib.js'))});\n`);
    const run = await entrypoint(['hello'], { KELOS_AGENT_TYPE: 'claude-code', KELOS_AGENT_BIN: path.join(bin, 'my-claude'), PATH: process.env.PATH ?? '' });
    expect(run.code).toBe(0);
    expect(run.invocations).toHaveLength(1);
  });
});

describe('local entrypoint: exit code', () => {
  const cases: { behaviour: string; agentType: string; env: Record<string, string>; code: number; stderr?: RegExp }[] = [
    { behaviour: 'a failing agent exits with its own code', agentType: 'codex', env: { FAKE_AGENT_MODE: 'fail' }, code: 1 },
    { behaviour: "the agent's non-zero exit wins over a good claude result", agentType: 'claude-code', env: { FAKE_AGENT_EXIT: '3' }, code: 3 },
    { behaviour: 'claude-code exiting 0 with an unfinished result fails by the capture verdict', agentType: 'claude-code', env: { FAKE_AGENT_MODE: 'incomplete' }, code: 1, stderr: /stop_reason=tool_use/ },
    { behaviour: 'claude-code exiting 0 with an error result fails by the capture verdict', agentType: 'claude-code', env: { FAKE_AGENT_MODE: 'fail', FAKE_AGENT_EXIT: '0' }, code: 1, stderr: /is_error=true/ },
    { behaviour: 'other agents have no capture verdict: exit 0 stays 0', agentType: 'gemini', env: { FAKE_AGENT_MODE: 'fail', FAKE_AGENT_EXIT: '0' }, code: 0 },
  ];
  test.each(cases)('$behaviour', async ({ agentType, env, code, stderr }) => {
    const run = await entrypoint(['do it'], { KELOS_AGENT_TYPE: agentType, ...env });
    expect(run.code).toBe(code);
    if (stderr) expect(run.stderr).toMatch(stderr);
    // The block is printed whatever the outcome, so a failed Task still shows branch and usage.
    expect(parseTaskOutputs(run.stdout).results.branch).toMatch(/^task-/);
  });

  test('an agent CLI missing from PATH exits 127, still with an output block', async () => {
    const gitOnly = path.join(root, 'git-only-bin');
    fs.mkdirSync(gitOnly, { recursive: true });
    const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
    if (!fs.existsSync(path.join(gitOnly, 'git'))) fs.symlinkSync(realGit, path.join(gitOnly, 'git'));
    const run = await entrypoint(['do it'], { KELOS_AGENT_TYPE: 'claude-code', PATH: gitOnly });
    expect(run.code).toBe(127);
    expect(run.stderr).toMatch(/claude: command not found/);
    expect(run.stdout).toMatch(/---KELOS_OUTPUTS_START---\nbranch: task-/);
  });

  test('a KELOS_AGENT_BIN that does not exist exits 127', async () => {
    const run = await entrypoint(['do it'], { KELOS_AGENT_TYPE: 'claude-code', KELOS_AGENT_BIN: path.join(root, 'missing-agent') });
    expect(run.code).toBe(127);
    expect(run.stderr).toMatch(/ENOENT/);
  });

  test('no prompt is an error before anything runs', async () => {
    const run = await entrypoint([], { KELOS_AGENT_TYPE: 'claude-code' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Prompt argument is required/);
    expect(run.invocations).toEqual([]);
  });

  test('an unknown agent type is an error', async () => {
    const run = await entrypoint(['x'], { KELOS_AGENT_TYPE: 'aider' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/KELOS_AGENT_TYPE must be one of/);
  });

  test('aborting stops a running agent (exit 128+SIGTERM)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const started = Date.now();
    const run = await entrypoint(['slow'], { KELOS_AGENT_TYPE: 'claude-code', FAKE_AGENT_MODE: 'sleep', FAKE_AGENT_SLEEP_MS: '30000' }, { signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.code).toBe(143);
  });
});

describe('local entrypoint: setup command', () => {
  const START = '---KELOS_SETUP_COMMAND_START---';
  const DONE = '---KELOS_SETUP_COMMAND_DONE---';
  const FAILED = '---KELOS_SETUP_COMMAND_FAILED---';

  test('runs in the checkout before the agent, between the stderr banners', async () => {
    const setup = JSON.stringify(['sh', '-c', 'echo "setup in $(pwd)"; echo setup-err >&2; touch setup-marker']);
    const run = await entrypoint(['go'], { KELOS_AGENT_TYPE: 'claude-code', KELOS_SETUP_COMMAND: setup });
    expect(run.code).toBe(0);
    expect(run.stderr.indexOf(START)).toBeLessThan(run.stderr.indexOf('setup-err'));
    expect(run.stderr.indexOf('setup-err')).toBeLessThan(run.stderr.indexOf(DONE));
    expect(run.stderr.indexOf(DONE)).toBeLessThan(run.stderr.indexOf('fake claude-code: starting'));
    expect(run.stdout.startsWith(`setup in ${fs.realpathSync(run.cwd)}\n`)).toBe(true);
    expect(fs.existsSync(path.join(run.cwd, 'setup-marker'))).toBe(true);
  });

  test('is exec-form: arguments are not interpreted by a shell', async () => {
    const run = await entrypoint(['go'], { KELOS_AGENT_TYPE: 'claude-code', KELOS_SETUP_COMMAND: JSON.stringify(['echo', '$HOME', '*', 'a;b']) });
    expect(run.stdout.startsWith('$HOME * a;b\n')).toBe(true);
  });

  const failures: { behaviour: string; setup: string; code: number }[] = [
    { behaviour: 'a failing setup command fails with its exit code', setup: JSON.stringify(['sh', '-c', 'exit 7']), code: 7 },
    { behaviour: 'a missing setup executable fails with 127', setup: JSON.stringify(['definitely-not-a-command-xyz']), code: 127 },
    { behaviour: 'a setup command that is not a JSON array of strings fails with 2', setup: '["ok", 3]', code: 2 },
    { behaviour: 'invalid JSON fails with 2', setup: 'make setup', code: 2 },
  ];
  test.each(failures)('$behaviour, and the agent never starts', async ({ setup, code }) => {
    const run = await entrypoint(['go'], { KELOS_AGENT_TYPE: 'claude-code', KELOS_SETUP_COMMAND: setup });
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(START);
    expect(run.stderr).toContain(`${FAILED} exit=${code}`);
    expect(run.stderr).not.toContain(DONE);
    expect(run.invocations).toEqual([]);
    expect(run.stdout).not.toContain('---KELOS_OUTPUTS_START---');
  });
});

describe('local entrypoint: agent configuration under HOME', () => {
  const agentsMD = '# Team rules\nAlways run the tests.';
  const cases: { agentType: string; file: string; content: string }[] = [
    { agentType: 'claude-code', file: '.claude/CLAUDE.md', content: agentsMD },
    { agentType: 'codex', file: '.codex/AGENTS.md', content: agentsMD },
    { agentType: 'gemini', file: '.gemini/GEMINI.md', content: `${agentsMD}\n` },
    { agentType: 'opencode', file: '.config/opencode/AGENTS.md', content: agentsMD },
    { agentType: 'cursor', file: '.cursor/AGENTS.md', content: `${agentsMD}\n` },
  ];
  test.each(cases)('$agentType: KELOS_AGENTS_MD goes to ~/$file', async ({ agentType, file, content }) => {
    const run = await entrypoint(['x'], { KELOS_AGENT_TYPE: agentType, KELOS_AGENTS_MD: agentsMD });
    expect(run.code).toBe(0);
    expect(fs.readFileSync(path.join(run.home, file), 'utf8')).toBe(content);
  });

  test('claude-code: each plugin directory is passed with --plugin-dir and MCP servers land in ~/.claude.json', async () => {
    const plugins = path.join(root, 'plugins');
    fs.mkdirSync(path.join(plugins, 'alpha', 'skills', 'review'), { recursive: true });
    fs.writeFileSync(path.join(plugins, 'alpha', 'skills', 'review', 'SKILL.md'), '# review');
    fs.mkdirSync(path.join(plugins, 'beta'), { recursive: true });
    const mcp = JSON.stringify({ mcpServers: { github: { type: 'http', url: 'https://api.example/mcp', headers: { Authorization: 'Bearer x' } } } });
    const run = await entrypoint(['x'], { KELOS_AGENT_TYPE: 'claude-code', KELOS_PLUGIN_DIR: plugins, KELOS_MCP_SERVERS: mcp, KELOS_EFFORT: 'high' });
    const argv = run.invocations[0].argv;
    expect(argv.slice(argv.indexOf('--effort'))).toEqual(['--effort', 'high', '--plugin-dir', path.join(plugins, 'alpha') + path.sep, '--plugin-dir', path.join(plugins, 'beta') + path.sep, '--', 'x']);
    const config = JSON.parse(fs.readFileSync(path.join(run.home, '.claude.json'), 'utf8'));
    expect(config.mcpServers.github.url).toBe('https://api.example/mcp');
    expect(fs.statSync(path.join(run.home, '.claude.json')).mode & 0o077).toBe(0);
  });

  test('codex: plugin skills are installed under ~/.codex/skills and MCP servers as TOML', async () => {
    const plugins = path.join(root, 'plugins-codex');
    fs.mkdirSync(path.join(plugins, 'alpha', 'skills', 'review'), { recursive: true });
    fs.writeFileSync(path.join(plugins, 'alpha', 'skills', 'review', 'SKILL.md'), '# review');
    const mcp = JSON.stringify({ mcpServers: { local: { type: 'stdio', command: 'npx', args: ['-y', 'srv'], env: { A: '1' } } } });
    const run = await entrypoint(['x'], { KELOS_AGENT_TYPE: 'codex', KELOS_PLUGIN_DIR: plugins, KELOS_MCP_SERVERS: mcp, KELOS_EFFORT: 'medium' });
    expect(fs.readFileSync(path.join(run.home, '.codex', 'skills', 'alpha:review', 'SKILL.md'), 'utf8')).toBe('# review');
    expect(fs.readFileSync(path.join(run.home, '.codex', 'config.toml'), 'utf8')).toBe('[mcp_servers."local"]\ncommand = "npx"\nargs = ["-y","srv"]\nenv = { "A" = "1" }\n\n');
    expect(run.invocations[0].argv).toEqual(expect.arrayContaining(['--config', 'model_reasoning_effort="medium"']));
  });

  test('gemini: an effort it can map becomes a model config override in settings.json (every request, not only the first)', async () => {
    const run = await entrypoint(['x'], { KELOS_AGENT_TYPE: 'gemini', KELOS_MODEL: 'gemini-2.5-pro', KELOS_EFFORT: 'high' });
    const argv = run.invocations[0].argv;
    expect(argv.slice(argv.indexOf('--model'))).toEqual(['--model', 'gemini-2.5-pro', '--prompt=x']);
    const settings = JSON.parse(fs.readFileSync(path.join(run.home, '.gemini', 'settings.json'), 'utf8'));
    expect(settings.modelConfigs.customOverrides).toEqual([{ match: { model: 'gemini-2.5-pro' }, modelConfig: { generateContentConfig: { thinkingConfig: { thinkingBudget: 8192 } } } }]);
    expect(fs.existsSync(path.join(run.home, '.gemini', 'GEMINI.md'))).toBe(false);
  });

  test('gemini: the checkout is a trusted folder (else gemini drops --yolo) and the API key is the auth type', async () => {
    const run = await entrypoint(['x'], { KELOS_AGENT_TYPE: 'gemini', GEMINI_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:9' });
    expect(run.code).toBe(0);
    expect(run.invocations[0].env.GEMINI_CLI_TRUST_WORKSPACE).toBe('true');
    const settings = JSON.parse(fs.readFileSync(path.join(run.home, '.gemini', 'settings.json'), 'utf8'));
    expect(settings.security.auth.selectedType).toBe('gemini-api-key');
  });

  test('gemini: a user\'s own GEMINI_CLI_TRUST_WORKSPACE stays', async () => {
    const run = await entrypoint(['x'], { KELOS_AGENT_TYPE: 'gemini', GEMINI_API_KEY: 'k', GEMINI_CLI_TRUST_WORKSPACE: 'false' });
    expect(run.invocations[0].env.GEMINI_CLI_TRUST_WORKSPACE).toBe('false');
  });

  test('opencode: the single key is mapped to the provider of the model', async () => {
    const run = await entrypoint(['x'], { KELOS_AGENT_TYPE: 'opencode', KELOS_MODEL: 'openai/gpt-5', OPENCODE_API_KEY: 'k' });
    expect(run.invocations[0].credentials).toEqual(expect.arrayContaining(['OPENCODE_API_KEY', 'OPENAI_API_KEY']));
    expect(run.invocations[0].env.OPENCODE_CONFIG_DIR).toBe(path.join(run.home, '.config', 'opencode'));
  });

  test('codex: OAuth credentials become ~/.codex/auth.json readable only by the user', async () => {
    const run = await entrypoint(['x'], { KELOS_AGENT_TYPE: 'codex', CODEX_AUTH_JSON: '{"tokens":\n{"a":"b"}}' });
    const auth = path.join(run.home, '.codex', 'auth.json');
    expect(fs.readFileSync(auth, 'utf8')).toBe('{"tokens":{"a":"b"}}');
    expect(fs.statSync(auth).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(run.home, '.codex', 'config.toml'), 'utf8')).toContain('cli_auth_credentials_store = "file"');
  });
});

describe('bin/kelos-local-entrypoint.js (compiled)', () => {
  const built = fs.existsSync(path.join(PROJECT, 'dist', 'src', 'agent-entrypoint', 'entrypoint.js'));
  (built ? test : test.skip)('runs the built entrypoint as a process (needs `npm run build`)', async () => {
    const { cwd, home } = setUp();
    const child = spawn(process.execPath, [path.join(PROJECT, 'bin', 'kelos-local-entrypoint.js'), 'from the launcher'], {
      cwd,
      env: { PATH: `${FAKE_AGENTS}${path.delimiter}${process.env.PATH}`, HOME: home, KELOS_AGENT_TYPE: 'claude-code', FAKE_AGENT_MODE: 'commit' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(parseTaskOutputs(stdout).results.commit).toBe(git(cwd, 'rev-parse', 'HEAD'));
  });
});
