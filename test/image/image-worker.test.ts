/**
 * The image built from the Dockerfile (scripts/docker/prepare-image-tests.sh: kelos-temporal:test, the runtime
 * target, and kelos-temporal:test-agents): its user, entrypoint and tools, and `kelos worker` from it, run as the
 * compose file runs it, taking a Task from the test run's Temporal dev server on loopback (`--network host`) and
 * running its agent (the fake `claude` of test/fixtures/agents, first on the container's PATH) in the sandbox.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testServerAddress } from '../harness/temporal';
import { ComposeModel, ROOT, composeConfig, containerArgs, parseModel, run, writeEnvFile } from './compose-helpers';

const IMAGE = process.env.KELOS_TEST_IMAGE ?? 'kelos-temporal:test';
const AGENTS_IMAGE = process.env.KELOS_TEST_AGENTS_IMAGE ?? 'kelos-temporal:test-agents';
const IMAGE_PATH = '/opt/fake-agents:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function docker(args: string[], timeoutMs = 120_000) {
  const result = run('docker', args, { timeoutMs });
  return result;
}

function dockerOk(args: string[], timeoutMs?: number): string {
  const result = docker(args, timeoutMs);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

let compose: ComposeModel;

beforeAll(() => {
  compose = parseModel(composeConfig(writeEnvFile({ POSTGRES_PASSWORD: 'x' })));
});

describe('the image', () => {
  test.each([IMAGE, AGENTS_IMAGE])('%s: uid/gid 61100, tini then kelos, the data directory a volume', (image) => {
    const [config] = JSON.parse(dockerOk(['image', 'inspect', image])) as { Config: { User: string; Entrypoint: string[]; Env: string[]; Volumes: Record<string, unknown> } }[];
    expect(config.Config.User).toBe('61100:61100');
    expect(config.Config.Entrypoint).toEqual(['/usr/bin/tini', '--', 'kelos']);
    expect(config.Config.Env).toEqual(expect.arrayContaining(['KELOS_HOME=/var/lib/kelos']));
    expect(Object.keys(config.Config.Volumes)).toEqual(['/var/lib/kelos']);
    const help = dockerOk(['run', '--rm', '--network', 'none', image, '--help']);
    for (const command of ['worker', 'bridge', 'controller', 'codec-server', 'setup']) expect(help).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  test('the runtime target has git, ssh and bubblewrap, and no agent CLI', () => {
    const out = dockerOk(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', IMAGE, '-c', 'id -u; id -g; git --version; ssh -V 2>&1; bwrap --version; command -v claude codex gemini opencode || echo none']);
    expect(out).toMatch(/^61100\n61100\ngit version 2\.\d+.*\nOpenSSH_\d.*\nbubblewrap 0\.\d+.*\nnone\n$/s);
  });

  test("under Docker's default security options the sandbox cannot be built: the worker stops before connecting, naming the fix", () => {
    const plain = docker(['run', '--rm', '--network', 'none', IMAGE, 'worker', '--address', '127.0.0.1:1']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/cannot sandbox agents: bwrap failed \(bwrap: No permissions to create new namespace.*KELOS_AGENT_SANDBOX=off/);
    const seccompOnly = docker(['run', '--rm', '--network', 'none', '--security-opt', 'seccomp=unconfined', IMAGE, 'worker', '--address', '127.0.0.1:1']);
    expect(seccompOnly.stderr).toMatch(/cannot sandbox agents: bwrap failed \(bwrap: Can't mount proc on \/newroot\/proc: Operation not permitted/);
  });

  test('the agents target adds the four agent CLIs at their pinned versions', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const pinned = Object.fromEntries([...dockerfile.matchAll(/^\s+(@?[a-z0-9@/._-]+)@(\d+\.\d+\.\d+) \\$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(pinned).sort()).toEqual(['@anthropic-ai/claude-code', '@google/gemini-cli', '@openai/codex', 'opencode-ai']);
    const out = dockerOk(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', AGENTS_IMAGE, '-c', 'claude --version; codex --version; gemini --version; opencode --version']);
    expect(out.split('\n').filter(Boolean)).toEqual([
      `${pinned['@anthropic-ai/claude-code']} (Claude Code)`,
      `codex-cli ${pinned['@openai/codex']}`,
      pinned['@google/gemini-cli'],
      pinned['opencode-ai'],
    ]);
  });
});

describe('kelos worker from the image, as docker-compose.yml runs it', () => {
  const name = `kelos-image-worker-${process.pid}`;
  const queue = `image-${process.pid}-${Date.now().toString(36)}`;
  let shared: string;

  beforeAll(() => {
    shared = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-image-shared-'));
    fs.chmodSync(shared, 0o777); // the agent writes its invocation log here as uid 61100
  });

  afterAll(() => {
    if (process.env.KELOS_IMAGE_KEEP === '1') return;
    docker(['rm', '-f', name]);
    fs.rmSync(shared, { recursive: true, force: true });
  });

  test('takes a Task from Temporal on loopback and runs its agent in the sandbox, as uid 61100', async () => {
    const worker = compose.services.worker;
    const securityArgs = [...(worker.cap_drop ?? []).flatMap((cap) => ['--cap-drop', cap]), ...(worker.security_opt ?? []).flatMap((opt) => ['--security-opt', opt])];
    dockerOk([
      'run', '-d', '--name', name, '--network', 'host', ...securityArgs,
      '--entrypoint', worker.entrypoint![0], // tini, then the compose file's wrapper around kelos (below)
      '-e', `TEMPORAL_ADDRESS=${testServerAddress()}`, '-e', `KELOS_TASK_QUEUE=${queue}`,
      '-e', 'ANTHROPIC_API_KEY=sk-image-test', '-e', `PATH=${IMAGE_PATH}`,
      '-e', 'KELOS_AGENT_SANDBOX_SHARE=/kelos-shared', '-v', `${shared}:/kelos-shared`,
      '-v', `${path.join(ROOT, 'test', 'fixtures', 'agents')}:/opt/fake-agents:ro`,
      AGENTS_IMAGE, ...containerArgs(worker.entrypoint).slice(1), ...containerArgs(worker.command),
    ]);
    await waitFor(() => docker(['logs', name]).stdout.includes('kelos worker connected'), 60_000, () => docker(['logs', name]).stderr);
    const logs = docker(['logs', name]);
    expect(logs.stderr).not.toMatch(/sandbox is off|cannot sandbox/);

    // The compose file's healthcheck passes once the worker polls.
    const health = worker.healthcheck!.test!.slice(1);
    await waitFor(() => docker(['exec', name, ...health]).code === 0, 60_000, () => JSON.stringify(docker(['exec', name, ...health])));

    // The worker process (tini's child) runs as 61100, not root.
    const top = dockerOk(['top', name, '-eo', 'pid,uid,args']);
    const kelosLine = top.split('\n').find((line) => /node .*kelos.* worker/.test(line) || /kelos worker/.test(line));
    expect(kelosLine).toMatch(/^\s*\d+\s+61100\s/);

    // The CLI from the image creates the Task and waits for it.
    const taskName = `image-task-${Date.now().toString(36)}`;
    const cli = ['run', '--rm', '--network', 'host', '-e', `TEMPORAL_ADDRESS=${testServerAddress()}`, '-e', `KELOS_TASK_QUEUE=${queue}`, IMAGE];
    const created = docker([...cli, 'run', '--name', taskName, '-p', 'Say hello from the image', '--type', 'claude-code', '--secret', 'agent-credentials', '--credential-type', 'api-key', '--env', 'FAKE_AGENT_LOG=/kelos-shared/invocations.jsonl', '-w'], 240_000);
    if (created.code !== 0) throw new Error(`kelos run failed: ${created.stdout}${created.stderr}\nworker: ${docker(['logs', name]).stderr}`);
    expect(created.stdout).toContain(`task/${taskName} Succeeded`);

    const task = JSON.parse(dockerOk([...cli, 'get', 'task', taskName, '-o', 'json'])) as { status: { phase: string; results: Record<string, string> } };
    expect(task.status.phase).toBe('Succeeded');
    expect(Buffer.from(task.status.results.response, 'base64').toString()).toBe('Done: Say hello from the image');
    expect(task.status.results).toMatchObject({ 'cost-usd': '0.0421275', 'input-tokens': '1234', 'output-tokens': '567' });

    // The agent got the credential from the Secret the wrapper stored, and its home in the worker's data directory.
    const invocations = fs.readFileSync(path.join(shared, 'invocations.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { agent: string; prompt: string; credentials: string[]; env: Record<string, string> });
    expect(invocations).toHaveLength(1);
    expect(invocations[0]).toMatchObject({ agent: 'claude-code', prompt: 'Say hello from the image', credentials: ['ANTHROPIC_API_KEY'] });
    expect(invocations[0].env.HOME).toBe(`/var/lib/kelos/tasks/default/${taskName}/home`);
    // Written by the sandboxed agent: uid 61100 inside its namespace, the worker's own uid (61100) outside.
    expect(fs.statSync(path.join(shared, 'invocations.jsonl')).uid).toBe(61100);
  });

  test("the README's first Task: the bundled fake agent by its path in the image, without a credential", () => {
    const taskName = `image-readme-${Date.now().toString(36)}`;
    const cli = ['run', '--rm', '--network', 'host', '-e', `TEMPORAL_ADDRESS=${testServerAddress()}`, '-e', `KELOS_TASK_QUEUE=${queue}`, IMAGE];
    const created = docker([...cli, 'run', '--name', taskName, '-p', 'Add a greeting to the README', '--image', '/opt/kelos/examples/agents/fake-agent.sh', '--credential-type', 'none', '-w'], 240_000);
    if (created.code !== 0) throw new Error(`kelos run failed: ${created.stdout}${created.stderr}\nworker: ${docker(['logs', name]).stderr}`);
    expect(created.stdout).toContain(`task/${taskName} Succeeded`);
    const task = JSON.parse(dockerOk([...cli, 'get', 'task', taskName, '-o', 'json'])) as { status: { results: Record<string, string> } };
    expect(Buffer.from(task.status.results.response, 'base64').toString()).toBe('Fake agent finished: Add a greeting to the README');
  });
});

describe('the other compose services from the image, against the dev server on loopback', () => {
  test('setup (its retrying wrapper and command) creates a namespace and registers the search attributes', () => {
    const setup = compose.services.setup;
    const namespace = `image-setup-${process.pid}`;
    const out = docker(['run', '--rm', '--network', 'host', '-e', `TEMPORAL_ADDRESS=${testServerAddress()}`, '-e', `TEMPORAL_NAMESPACE=${namespace}`,
      '--entrypoint', setup.entrypoint![0], IMAGE, ...containerArgs(setup.entrypoint).slice(1), ...containerArgs(setup.command)], 180_000);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`namespace ${namespace}.*created`));
    expect(out.stdout).toMatch(/KelosKind.*created/);
  });

  test('the bridge answers its healthcheck once Temporal is reachable', async () => {
    const bridge = compose.services.bridge;
    const name = `kelos-image-bridge-${process.pid}`;
    // The compose command, on a free port: on the host network 8080 may be taken.
    const port = String(18_000 + (process.pid % 10_000));
    const command = bridge.command!.map((arg) => (arg === '8080' ? port : arg));
    try {
      dockerOk(['run', '-d', '--name', name, '--network', 'host', '-e', `TEMPORAL_ADDRESS=${testServerAddress()}`, IMAGE, ...command]);
      const check = bridge.healthcheck!.test!.slice(1).map((arg) => arg.replace('127.0.0.1:8080', `127.0.0.1:${port}`));
      await waitFor(() => docker(['exec', name, ...check]).code === 0, 60_000, () => docker(['logs', name]).stdout + docker(['logs', name]).stderr);
    } finally {
      docker(['rm', '-f', name]);
    }
  });

  test('the codec server starts with a key and a token (it listens beyond loopback) and answers its healthcheck', async () => {
    const codec = compose.services['codec-server'];
    const name = `kelos-image-codec-${process.pid}`;
    const port = String(28_000 + (process.pid % 10_000));
    const command = codec.command!.map((arg) => (arg === '8888' ? port : arg));
    const key = Buffer.alloc(32, 7).toString('base64');
    try {
      dockerOk(['run', '-d', '--name', name, '--network', 'host', '-e', `KELOS_ENCRYPTION_KEY=${key}`, '-e', 'KELOS_CODEC_TOKEN=image-test-token', IMAGE, ...command]);
      const check = codec.healthcheck!.test!.slice(1).map((arg) => arg.replace('8888', port));
      await waitFor(() => docker(['exec', name, ...check]).code === 0, 60_000, () => docker(['logs', name]).stdout + docker(['logs', name]).stderr);
    } finally {
      docker(['rm', '-f', name]);
    }
  });
});

test('`docker compose up --scale worker=3` creates three workers, each with its own data directory and the sandbox options', () => {
  const project = `kelos-image-scale-${process.pid}`;
  const env = { KELOS_IMAGE_TAG: IMAGE.split(':')[1], POSTGRES_PASSWORD: 'x' };
  const base = ['compose', '--project-directory', ROOT, '-p', project];
  try {
    const up = run('docker', [...base, 'up', '--no-start', '--no-build', '--no-deps', '--scale', 'worker=3', 'worker', 'setup'], { env });
    expect(up.code).toBe(0);
    const ids = run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).stdout.split('\n').filter(Boolean);
    const containers = JSON.parse(dockerOk(['inspect', ...ids])) as {
      Name: string;
      Config: { Entrypoint: string[]; Cmd: string[]; Image: string };
      HostConfig: { CapDrop: string[] | null; SecurityOpt: string[] | null; MaskedPaths: string[] | null };
      Mounts: { Type: string; Name: string; Destination: string }[];
    }[];
    const workers = containers.filter((c) => /-worker-\d$/.test(c.Name));
    expect(workers.map((c) => c.Name).sort()).toEqual([1, 2, 3].map((i) => `/${project}-worker-${i}`));
    const volumes = workers.map((c) => c.Mounts.find((m) => m.Destination === '/var/lib/kelos'));
    expect(new Set(volumes.map((v) => v?.Name)).size).toBe(3);
    for (const c of workers) {
      expect(c.Config.Image).toBe(AGENTS_IMAGE);
      expect(c.HostConfig.CapDrop).toEqual(['ALL']);
      expect(c.HostConfig.SecurityOpt).toEqual(['no-new-privileges:true', 'seccomp=unconfined']);
      expect(c.HostConfig.MaskedPaths).toEqual([]); // systempaths=unconfined: bwrap may mount its own /proc
    }
    // The setup wrapper's shell gets `$@` (the file's `$$@`), so it runs `kelos setup --retention 7d`.
    const setup = containers.find((c) => /-setup-1$/.test(c.Name))!;
    expect(setup.Config.Entrypoint[4]).toContain('do kelos "$@" && exit 0');
    expect(setup.Config.Cmd).toEqual(['setup', '--retention', '7d']);
  } finally {
    run('docker', [...base, 'down', '-v', '--remove-orphans'], { env });
  }
});

async function waitFor(check: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${why()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
