/**
 * The process's log lines (the Temporal SDK's, and through it every workflow's and activity's): JSON lines for log
 * collectors (pino), or one readable line each on a terminal. Lines from a Task's or a spawner's workflow or
 * activities carry its name (`task` / `spawner`: namespace/name), read from the workflow ID.
 *
 * KELOS_LOG_LEVEL (default WARN) and KELOS_LOG_FORMAT (`json` or `text`; default text on a terminal, JSON otherwise).
 */
import pino from 'pino';

export type LogFormat = 'json' | 'text';
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface LogEntry {
  level: LogLevel;
  timestampNanos: bigint;
  message: string;
  meta?: Record<string, unknown>;
}

export function logFormatFrom(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): LogFormat {
  const asked = env.KELOS_LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'text') return asked;
  if (asked) throw new Error(`invalid KELOS_LOG_FORMAT "${env.KELOS_LOG_FORMAT}": json or text`);
  return stream.isTTY ? 'text' : 'json';
}

export function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel {
  const asked = (env.KELOS_LOG_LEVEL ?? 'WARN').trim().toUpperCase();
  if (!['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(asked)) throw new Error(`invalid KELOS_LOG_LEVEL "${env.KELOS_LOG_LEVEL}": TRACE, DEBUG, INFO, WARN or ERROR`);
  return asked as LogLevel;
}

/** `task: ns/name` or `spawner: ns/name` for the IDs kelos gives its workflows (src/task/task-run.ts, src/spawner/spawner-status.ts). */
export function subjectOf(workflowId: unknown): { task?: string; spawner?: string } {
  if (typeof workflowId !== 'string') return {};
  const match = /^(task|spawner)\/([^/]+)\/([^/]+)$/.exec(workflowId);
  if (!match) return {};
  return match[1] === 'task' ? { task: `${match[2]}/${match[3]}` } : { spawner: `${match[2]}/${match[3]}` };
}

/** Writes log entries in `format` to `destination` (stderr by default). */
export function createLogWriter(format: LogFormat, destination: NodeJS.WritableStream = process.stderr): (entry: LogEntry) => void {
  if (format === 'json') {
    // Levels by name ("warn"), not pino's numbers: what log collectors and people filter on.
    const logger = pino({ level: 'trace', base: undefined, timestamp: false, formatters: { level: (label) => ({ level: label }) } }, pino.destination({ dest: fdOf(destination), sync: true }));
    return ({ level, timestampNanos, message, meta }) => {
      const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
      logger[level.toLowerCase() as 'info']({ time, ...subjectOf(meta?.workflowId), ...meta }, message);
    };
  }
  return ({ level, timestampNanos, message, meta }) => {
    const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
    const subject = subjectOf(meta?.workflowId);
    const who = subject.task ? ` task ${subject.task}` : subject.spawner ? ` spawner ${subject.spawner}` : '';
    destination.write(`${time} [${level}]${who} ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}\n`);
  };
}

function fdOf(stream: NodeJS.WritableStream): number {
  const fd = (stream as { fd?: unknown }).fd;
  return typeof fd === 'number' ? fd : 2;
}
