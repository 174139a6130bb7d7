import { Command } from 'commander';
import { DurationError, parseGoDuration } from '../../../go';
import { KelosError } from '../../kelos-api';
import { formatSetupItem, setUpNamespace } from '../../namespace-setup';
import { connectClient } from '../../temporal-connection';
import { GlobalOptions, temporalTarget } from '../connection';
import { writeOut } from '../flushed-exit';

export const DEFAULT_RETENTION = '7d';

/** `7d` (days, as tcld counts retention) or a Go duration (`72h`, as `temporal operator namespace create --retention`). */
export function parseRetention(text: string): number {
  const days = /^(\d+)d$/.exec(text);
  if (days) return Number(days[1]) * 86_400_000;
  try {
    const ms = parseGoDuration(text);
    if (ms > 0) return ms;
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
  }
  throw new KelosError(`invalid --retention "${text}": days such as 7d, or a duration such as 72h`);
}

/**
 * `kelos setup`: makes the configured Temporal namespace ready for kelos (see src/clients/namespace-setup.ts). One line
 * per item — created, already present, or cannot with the reason — then what a person must do where the server would
 * not; exit 1 when something kelos needs is still missing.
 */
export function setupCommand(globals: () => GlobalOptions): Command {
  return new Command('setup')
    .description('make a Temporal namespace ready for kelos: create it if missing, register the Kelos* search attributes (idempotent; exit 1 if something is still missing)')
    .option('--retention <duration>', 'retention of closed workflows when kelos creates the namespace (7d, 72h, …)', DEFAULT_RETENTION)
    .action(async (opts: { retention: string }) => {
      const retentionMs = parseRetention(opts.retention);
      const target = temporalTarget(globals());
      const connection = await connectClient(target);
      try {
        const report = await setUpNamespace(connection, target.namespace, { retentionMs });
        const lines = [...report.items.map(formatSetupItem), ...report.instructions];
        await writeOut(`${lines.join('\n')}\n`);
        if (!report.ready) process.exitCode = 1;
      } finally {
        await connection.close();
      }
    });
}
