import * as fs from 'node:fs';
import { Command } from 'commander';
import { isTerminal } from '../../../task/task-status';
import { requestedRuntime } from '../../../task/runtime-queues';
import { kelosHome, taskFiles } from '../../../host/data-dir';
import { GlobalOptions, connectApi } from '../connection';
import { KubeFlags, loadKubeConfig, selectedRuntime } from '../kube-config';
import { KelosError } from '../../kelos-api';
import { AGENT_CONTAINER, taskPodName } from '../../../runtimes/kubernetes/task-pod';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { AgentLogFormatter, LogPiece } from '../agent-log-format';

export function logsCommand(globals: () => GlobalOptions): Command {
  return new Command('logs')
    .description("print a task's agent output, formatted per agent type unless --raw (the local log, or its Pod's log on the kubernetes runtime)")
    .argument('<task>')
    .option('-f, --follow', 'keep printing until the task finishes')
    .option('--runtime <kind>', 'where the task ran: local or kubernetes (env KELOS_RUNTIME; default the Task\'s kelos.dev/runtime annotation, else local)')
    .option('--kubeconfig <path>', 'kubeconfig for the kubernetes runtime (default: KUBECONFIG, ~/.kube/config)')
    .option('--pretty', "readable output per agent type (the default): the agent's text on stdout, its tool calls and verdict on stderr")
    .option('--raw', "the log's bytes as the agent wrote them (its CLI's JSON events)")
    .option('-o, --output <format>', 'pretty or raw (as --pretty / --raw)')
    .action(async (name: string, opts: { follow?: boolean } & LogFormatFlags & KubeFlags) => {
      const pretty = wantsPretty(opts);
      const g = globals();
      const { api, close } = await connectApi(g);
      try {
        const found = await api.requireTask(g.namespace, name);
        const out = pretty ? new PrettyLogSink(agentTypeOf(found.spec)) : new RawLogSink();
        // The runtime the Task asked for, unless the flag (or KELOS_RUNTIME) says otherwise.
        const asked = requestedRuntime(found.metadata.annotations);
        const runtime = opts.runtime || process.env.KELOS_RUNTIME ? selectedRuntime(opts) : typeof asked === 'string' ? asked : 'local';
        if (runtime === 'kubernetes') {
          await printPodLog(await loadKubeConfig(opts), g.namespace, name, Boolean(opts.follow), out, pretty && Boolean(opts.follow));
          out.end();
          return;
        }
        const logFile = taskFiles(kelosHome(), g.namespace, name).agentLog;
        let offset = 0;
        for (;;) {
          const task = await api.requireTask(g.namespace, name);
          offset = printFrom(logFile, offset, out);
          if (!opts.follow || isTerminal(task.status.phase)) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        printFrom(logFile, offset, out);
        out.end();
      } finally {
        await close();
      }
    });
}

interface LogFormatFlags {
  pretty?: boolean;
  raw?: boolean;
  output?: string;
}

/** Pretty unless asked for raw: Kelos formats `kelos logs` whether or not stdout is a terminal, so we do too. */
function wantsPretty(opts: LogFormatFlags): boolean {
  if (opts.output !== undefined && opts.output !== 'pretty' && opts.output !== 'raw') {
    throw new KelosError(`invalid --output "${opts.output}": use pretty or raw`);
  }
  const asked = new Set([opts.pretty && 'pretty', opts.raw && 'raw', opts.output].filter(Boolean));
  if (asked.size > 1) throw new KelosError('--pretty, --raw and --output disagree: choose one of pretty or raw');
  return !asked.has('raw');
}

/** The agent type that wrote the log: a Task in the `worker:` form names it there. */
function agentTypeOf(spec: Record<string, unknown>): string {
  const { type, worker } = spec as { type?: string; worker?: { type?: string } };
  return worker?.type ?? type ?? 'claude-code';
}

interface LogSink {
  write(chunk: Uint8Array | string): void;
  /** Nothing more will come: a last line without a newline is printed now. */
  end(): void;
}

class RawLogSink implements LogSink {
  write(chunk: Uint8Array | string): void {
    process.stdout.write(chunk);
  }

  end(): void {}
}

/** Formats complete lines as they arrive; the agent's text to stdout, the narration to stderr. */
class PrettyLogSink implements LogSink {
  private readonly formatter: AgentLogFormatter;

  constructor(agentType: string) {
    this.formatter = new AgentLogFormatter(agentType);
  }

  write(chunk: Uint8Array | string): void {
    this.print(this.formatter.push(chunk));
  }

  end(): void {
    this.print(this.formatter.end());
  }

  private print(pieces: LogPiece[]): void {
    for (const piece of pieces) (piece.channel === 'text' ? process.stdout : process.stderr).write(piece.text);
  }
}

/** Prints the bytes of `file` after `offset`; returns the new offset. */
function printFrom(file: string, offset: number, out: LogSink): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return offset;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return offset;
    const buffer = Buffer.alloc(size - offset);
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    out.write(buffer);
    return size;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The agent container's log of the Task's Pod; with `follow`, streamed until the container ends. `withClone` (pretty
 * `-f`, as Kelos) streams the `git-clone` init container's log first, each part under a header on stderr.
 */
async function printPodLog(kubeConfig: KubeConfig, namespace: string, task: string, follow: boolean, out: LogSink, withClone: boolean): Promise<void> {
  const k8s = await import('@kubernetes/client-node');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const name = taskPodName(namespace, task);
  const followLog = async (container: string): Promise<void> => {
    const { PassThrough } = await import('node:stream');
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => out.write(chunk));
    const ended = new Promise<void>((resolve) => stream.on('end', () => resolve()));
    await new k8s.Log(kubeConfig).log(namespace, name, container, stream, { follow: true });
    await ended;
  };
  let cloneShown = !withClone;
  // The log exists once the agent container started (init containers clone first).
  for (;;) {
    let pod: V1Pod;
    try {
      pod = await core.readNamespacedPod({ name, namespace });
    } catch (err) {
      if ((err as { code?: number }).code === 404) throw new KelosError(`task "${task}" has no Pod ${namespace}/${name} (not started yet, deleted by its TTL, or it ran on the local runtime)`);
      throw err;
    }
    if (!cloneShown) {
      const clone = cloneState(pod);
      if (clone !== 'waiting') cloneShown = true;
      if (clone === 'started') {
        process.stderr.write(`• ${CLONE_CONTAINER} (the checkout):\n`);
        await followLog(CLONE_CONTAINER);
        out.end();
        continue;
      }
    }
    if (pod.status?.phase !== 'Pending') break;
    if (!follow) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (!follow) {
    out.write(await core.readNamespacedPodLog({ name, namespace, container: AGENT_CONTAINER }));
    return;
  }
  if (withClone) process.stderr.write(`• ${AGENT_CONTAINER} (the agent):\n`);
  await followLog(AGENT_CONTAINER);
}

const CLONE_CONTAINER = 'git-clone';

/** Whether the Pod's git-clone init container has a log to show yet; `none` when it has none (no Workspace). */
function cloneState(pod: V1Pod): 'none' | 'waiting' | 'started' {
  if (!pod.spec?.initContainers?.some((c) => c.name === CLONE_CONTAINER)) return 'none';
  const state = pod.status?.initContainerStatuses?.find((s) => s.name === CLONE_CONTAINER)?.state;
  if (state?.running || state?.terminated) return 'started';
  return pod.status?.phase === 'Pending' ? 'waiting' : 'none';
}
