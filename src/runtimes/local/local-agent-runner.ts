/**
 * Runs a Task's agent on this machine (the embedded default runtime) and waits for it, heartbeating.
 * The agent runs detached (see detached-process.ts): a retried attempt after a worker crash adopts the running
 * agent, a cancelled Task stops it, a worker shutdown leaves it running for the next worker to adopt.
 */
import * as fs from 'node:fs';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { AgentOutcome } from '../../task/task-runtime';
import { parseTaskOutputs } from '../../task/outputs';
import { capAgentOutcome } from '../agent-outcome-budget';
import { ProcessFiles, LaunchSpec, delay, inspectProcess, launchDetached, stopProcessGroup } from './detached-process';

export interface WaitOptions {
  files: ProcessFiles;
  launch: () => LaunchSpec;
  deadlineAtMs?: number;
  pollIntervalMs?: number;
  /** False where no later attempt adopts the agent (a WorkerPool member): a worker shutting down stops it. */
  adoptAfterShutdown?: boolean;
}

export async function runOrAdoptAgent(options: WaitOptions): Promise<AgentOutcome> {
  const { files } = options;
  const context = Context.current();
  let state = inspectProcess(files);
  if (state.kind === 'not-started') {
    const started = launchDetached(options.launch(), files);
    context.log.info('agent started', { pid: started.pid });
    state = { kind: 'running', pid: started.pid, process: started };
  } else if (state.kind === 'running') {
    context.log.info('adopting running agent', { pid: state.pid, attempt: context.info.attempt });
  }

  const pollMs = options.pollIntervalMs ?? 500;
  while (state.kind === 'running') {
    const { pid, process: agent } = state;
    context.heartbeat({ pid });
    if (options.deadlineAtMs !== undefined && Date.now() >= options.deadlineAtMs) {
      await stopProcessGroup(agent);
      return outcome(files, null, true);
    }
    if (context.cancellationSignal.aborted) {
      const details = context.cancellationDetails;
      if (details?.workerShutdown && options.adoptAfterShutdown !== false) {
        // Leave the agent running: the next worker adopts it on the retried attempt.
        throw new CancelledFailure('worker shutting down; the agent keeps running and will be adopted');
      }
      await stopProcessGroup(agent);
      throw new CancelledFailure('Task cancelled; agent stopped');
    }
    await delay(pollMs);
    state = inspectProcess(files);
  }

  if (state.kind === 'vanished') {
    throw ApplicationFailure.nonRetryable(`the agent process (pid ${state.pid}) ended without recording an exit status`, 'AgentVanished');
  }
  if (state.kind === 'exited') return outcome(files, state.exitCode, false);
  throw new Error(`unexpected agent state ${state.kind}`);
}

/**
 * Reads the log once the agent ended and extracts the output block (the whole log, not only its end), capped to
 * the outcome budget: a huge response must not fail a Task whose agent succeeded.
 */
function outcome(files: ProcessFiles, exitCode: number | null, timedOut: boolean): AgentOutcome {
  const log = readTail(files.logFile, 16 * 1024 * 1024);
  const parsed = parseTaskOutputs(log);
  const lines = log.split('\n');
  return capAgentOutcome({
    exitCode,
    timedOut,
    outputs: parsed.outputs,
    results: parsed.results,
    ...(parsed.usage ? { usage: parsed.usage } : {}),
    logTail: lines.slice(-20),
  });
}

function readTail(file: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    fs.readSync(fd, buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
