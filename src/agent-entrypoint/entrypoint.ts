/**
 * The built-in local entrypoint: what `/kelos_entrypoint.sh` plus `kelos-capture` do inside Kelos's agent images,
 * for a Task that names no `image`. Contract: the prompt is the only argument; `KELOS_*` variables configure the
 * run; the agent's stdout is copied through unchanged, followed by the output block; the exit code is the
 * agent's when non-zero, else the capture verdict (claude-code's result line).
 *
 * Run as `node bin/kelos-local-entrypoint.js PROMPT` (the launcher calls `main`). `KELOS_AGENT_BIN` replaces
 * the agent executable (tests use fake agents).
 */
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { AGENT_TYPES, AgentType } from '../model/types';
import { agentCommand } from './agent-command';
import { prepareAgentHome } from './agent-home';
import { AgentStreamCapture } from './agent-stream';
import { CommandRunner, collectGitFacts, findExecutable, formatOutputBlock, runCommand } from './output-block';

export const SETUP_START_BANNER = '---KELOS_SETUP_COMMAND_START---';
export const SETUP_DONE_BANNER = '---KELOS_SETUP_COMMAND_DONE---';
export const SETUP_FAILED_BANNER = '---KELOS_SETUP_COMMAND_FAILED---';

export interface EntrypointIO {
  stdout: { write(chunk: Uint8Array | string): unknown };
  stderr: { write(chunk: Uint8Array | string): unknown };
  /** Working directory of the setup command and the agent (default: process.cwd()). */
  cwd?: string;
  /** Aborting stops the running child (setup command or agent) with SIGTERM. */
  signal?: AbortSignal;
  /** Replaces git/gh calls when collecting the output block (tests). */
  runCommand?: CommandRunner;
}

export async function runLocalEntrypoint(argv: string[], env: NodeJS.ProcessEnv, io: EntrypointIO): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const say = (line: string) => io.stderr.write(`kelos-entrypoint: ${line}\n`);
  const agentType = env.KELOS_AGENT_TYPE as AgentType | undefined;
  if (!agentType || !(AGENT_TYPES as readonly string[]).includes(agentType)) {
    say(`KELOS_AGENT_TYPE must be one of ${AGENT_TYPES.join(', ')} (got ${JSON.stringify(env.KELOS_AGENT_TYPE ?? '')})`);
    return 2;
  }
  const prompt = argv[0];
  if (!prompt) {
    say('Prompt argument is required');
    return 1;
  }

  let home;
  try {
    home = prepareAgentHome(agentType, env, cwd);
  } catch (err) {
    say(`could not prepare the agent configuration: ${(err as Error).message}`);
    return 1;
  }
  for (const warning of home.warnings) io.stderr.write(`Warning: ${warning}\n`);
  const agentEnv: NodeJS.ProcessEnv = { ...env, ...home.env };

  if (env.KELOS_SETUP_COMMAND) {
    const code = await runSetupCommand(env.KELOS_SETUP_COMMAND, agentEnv, cwd, io);
    if (code !== 0) return code;
  }

  const command = agentCommand(agentType, { prompt, model: home.model, effort: env.KELOS_EFFORT || undefined, pluginDirs: home.pluginDirs });
  const executable = env.KELOS_AGENT_BIN || findExecutable(command.executable, env.PATH);
  const capture = new AgentStreamCapture(agentType);
  let agentExit: number;
  if (!executable) {
    say(`${command.executable}: command not found on PATH`);
    agentExit = 127;
  } else {
    agentExit = await runChild(executable, command.args, agentEnv, cwd, io, (chunk) => {
      io.stdout.write(chunk);
      capture.push(chunk);
    });
  }
  if (capture.needsFinalNewline) io.stdout.write('\n');
  const stream = capture.end();

  const git = await collectGitFacts(cwd, agentEnv, io.runCommand ?? runCommand);
  io.stdout.write(formatOutputBlock({ ...git, costUSD: stream.costUSD, inputTokens: stream.inputTokens, outputTokens: stream.outputTokens, response: stream.response }));

  if (agentExit !== 0) return agentExit;
  if (stream.failure) {
    io.stderr.write(`kelos-capture: ${stream.failure}\n`);
    return 1;
  }
  return 0;
}

/** Runs `KELOS_SETUP_COMMAND` (JSON exec-form array) with Kelos's stderr banners; returns its exit code. */
async function runSetupCommand(json: string, env: NodeJS.ProcessEnv, cwd: string, io: EntrypointIO): Promise<number> {
  io.stderr.write(`\n${SETUP_START_BANNER}\n`);
  let code: number;
  let command: unknown;
  try {
    command = JSON.parse(json);
  } catch {
    command = undefined;
  }
  if (!Array.isArray(command) || command.length === 0 || command.some((arg) => typeof arg !== 'string')) {
    io.stderr.write('KELOS_SETUP_COMMAND must be a non-empty JSON array of strings\n');
    code = 2;
  } else {
    const [file, ...args] = command as string[];
    code = await runChild(file, args, env, cwd, io, (chunk) => io.stdout.write(chunk));
  }
  if (code !== 0) {
    io.stderr.write(`\n${SETUP_FAILED_BANNER} exit=${code}\n`);
    return code;
  }
  io.stderr.write(`\n${SETUP_DONE_BANNER}\n`);
  return 0;
}

/**
 * Spawns a child with stdin closed, passing its stdout to `onStdout` and its stderr through; resolves to its exit
 * code as a shell reports it (127 when it cannot start, 128+N when killed by signal N).
 */
function runChild(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  io: EntrypointIO,
  onStdout: (chunk: Buffer) => void,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let spawnError: Error | undefined;
    child.stdout.on('data', onStdout);
    child.stderr.on('data', (chunk: Buffer) => io.stderr.write(chunk));
    const stop = () => child.kill('SIGTERM');
    io.signal?.addEventListener('abort', stop, { once: true });
    child.on('error', (err) => {
      spawnError = err;
    });
    // 'close' waits for the output streams too, so nothing is written after the caller moves on.
    child.on('close', (code, signal) => {
      io.signal?.removeEventListener('abort', stop);
      if (spawnError) {
        io.stderr.write(`${file}: ${spawnError.message}\n`);
        // As a shell reports it: 126 found but not runnable, 127 not found.
        resolve((spawnError as NodeJS.ErrnoException).code === 'EACCES' ? 126 : 127);
        return;
      }
      resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
    });
  });
}

/** Entry of `bin/kelos-local-entrypoint.js`: runs with the process's argv/env and forwards SIGTERM/SIGINT. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    return await runLocalEntrypoint(argv, process.env, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`kelos-entrypoint: ${(err as Error)?.message ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
