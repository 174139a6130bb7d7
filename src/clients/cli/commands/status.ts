import { Command } from 'commander';
import { Connection } from '@temporalio/client';
import { kelosHome } from '../../../host/data-dir';
import { readDevState, type DevState } from '../../dev/dev-state';
import { temporalHealth, workerHealth, type TemporalHealth, type WorkerHealth } from '../../health/temporal-health';
import { firstLine, inspectSearchAttributes, readinessProblem } from '../../search-attribute-readiness';
import { embeddedTemporal, type TemporalTarget } from '../../temporal-connection';
import { GlobalOptions, taskQueueOf, temporalTarget } from '../connection';
import { writeOut } from '../flushed-exit';
import { parseOutputFormat } from '../output';

interface StatusReport {
  healthy: boolean;
  temporal: TemporalHealth;
  /** Whether the namespace has kelos's search attributes (`kelos setup`). */
  searchAttributes?: { ready: boolean; problem?: string };
  workers?: WorkerHealth;
  dev?: DevState;
  bridge?: { url: string; ready: boolean; answer?: unknown; error?: string };
}

/**
 * `kelos status`: is the stack up? Temporal reachable, which workers poll the kelos queues, the embedded stack's
 * supervision (when `kelos dev` runs on this machine) and the bridge's readiness. Exit 0 when Temporal answers and
 * at least one worker runs workflows, 1 otherwise, so a script can wait for it.
 */
export function statusCommand(globals: () => GlobalOptions): Command {
  return new Command('status')
    .description('show whether Temporal, the kelos workers, the embedded server and the webhook bridge are up (exit 1 if not)')
    .option('--bridge <url>', 'webhook bridge to ask (default: the one `kelos dev` started on this machine)')
    .option('-o, --output <format>', 'json')
    .action(async (opts: { bridge?: string; output?: string }) => {
      const format = parseOutputFormat(opts.output, ['json']);
      const g = globals();
      const dev = readDevState(kelosHome());
      const configured = temporalTarget(g);
      // Nothing names a server: the one `kelos dev` runs on this machine, if any.
      const target = !configured.addressGiven && dev ? embeddedTemporal(dev.address, configured.namespace) : configured;
      const report = await gather(target, taskQueueOf(g), dev, opts.bridge ?? dev?.bridgeUrl);
      if (format === 'json') await writeOut(`${JSON.stringify(report, null, 2)}\n`);
      else await writeOut(describe(report));
      if (!report.healthy) process.exitCode = 1;
    });
}

async function gather(target: TemporalTarget, taskQueue: string, dev: DevState | undefined, bridgeUrl: string | undefined): Promise<StatusReport> {
  const { address, namespace } = target;
  let connection: Connection | undefined;
  let temporal: TemporalHealth;
  let searchAttributes: StatusReport['searchAttributes'];
  let workers: WorkerHealth | undefined;
  try {
    // The SDK's own error, not the CLI's hint: status reports what went wrong.
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: 3_000 });
    temporal = await temporalHealth(connection, address, namespace);
    if (temporal.reachable) {
      const problem = await inspectSearchAttributes(connection, namespace).then((report) => readinessProblem(namespace, report), (err) => `cannot list search attributes: ${firstLine(err)}`);
      searchAttributes = { ready: !problem, ...(problem ? { problem } : {}) };
      workers = await workerHealth(connection, namespace, taskQueue);
    }
  } catch (err) {
    temporal = { address, namespace, reachable: false, error: (err as Error).message.split('\n')[0] };
  } finally {
    await connection?.close().catch(() => undefined);
  }
  const bridge = bridgeUrl ? await askBridge(bridgeUrl) : undefined;
  const healthy = temporal.reachable && (searchAttributes?.ready ?? false) && (workers?.workflowWorkers ?? 0) > 0 && (bridge?.ready ?? true);
  return { healthy, temporal, ...(searchAttributes ? { searchAttributes } : {}), ...(workers ? { workers } : {}), ...(dev ? { dev } : {}), ...(bridge ? { bridge } : {}) };
}

async function askBridge(url: string): Promise<NonNullable<StatusReport['bridge']>> {
  try {
    const response = await fetch(`${url.replace(/\/$/, '')}/readyz`, { signal: AbortSignal.timeout(6_000) });
    return { url, ready: response.ok, answer: await response.json().catch(() => undefined) };
  } catch (err) {
    return { url, ready: false, error: (err as Error).message };
  }
}

function describe(report: StatusReport): string {
  const lines: string[] = [];
  const t = report.temporal;
  lines.push(`Temporal   ${t.address}: ${t.reachable ? `reachable (namespace ${t.namespace}${t.serverVersion ? `, server ${t.serverVersion}` : ''})` : `UNREACHABLE (${t.error ?? 'no answer'})`}`);
  if (report.searchAttributes) lines.push(`Setup      ${report.searchAttributes.ready ? 'search attributes present' : `NOT READY: ${report.searchAttributes.problem}`}`);
  if (report.workers) {
    for (const queue of report.workers.queues) {
      if (!queue.workers.length && queue.taskQueue.includes('@')) continue; // runtime queues only matter when used
      const seen = queue.lastPollSecondsAgo !== undefined ? `, last poll ${queue.lastPollSecondsAgo}s ago` : '';
      lines.push(`Workers    ${queue.taskQueue} (${queue.kind} tasks): ${queue.workers.length ? `${queue.workers.length} polling${seen}` : 'NONE polling'}`);
    }
  }
  const dev = report.dev;
  if (dev) {
    lines.push(`Embedded   kelos dev (pid ${dev.kelosPid}) since ${dev.startedAt}: Temporal server ${dev.serverPid ? `pid ${dev.serverPid}` : 'DOWN'}, ${dev.restarts} restart(s)${dev.lastRestartAt ? ` (last ${dev.lastRestartAt})` : ''}`);
    lines.push(`           data ${dev.dataDir}, SQLite synchronous=${dev.sqliteSync.toUpperCase()}${dev.uiAddress ? `, Web UI ${dev.uiAddress}` : ''}`);
  }
  if (report.bridge) lines.push(`Bridge     ${report.bridge.url}: ${report.bridge.ready ? 'ready' : `NOT READY (${report.bridge.error ?? JSON.stringify(report.bridge.answer)})`}`);
  lines.push(report.healthy ? 'healthy' : 'NOT healthy');
  return `${lines.join('\n')}\n`;
}
