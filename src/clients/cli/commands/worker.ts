import * as os from 'node:os';
import { Command } from 'commander';
import { Client } from '@temporalio/client';
import { Runtime, DefaultLogger, type TelemetryOptions } from '@temporalio/worker';
import { ensureKelosHome, kelosHome } from '../../../host/data-dir';
import { kelosDataConverter } from '../../../host/payload-encryption/data-converter';
import { createKelosWorker, DEFAULT_WORKFLOW_CACHE, type KelosWorkerOptions } from '../../../workers/kelos-worker';
import { createPoolMember } from '../../../workers/pool-member';
import { superviseLocalPools } from '../../../workers/pool-supervisor';
import { ALL_NAMESPACES, KelosApi, KelosError } from '../../kelos-api';
import { requireKelosSearchAttributes } from '../../search-attribute-readiness';
import { connectWorker, type TemporalTarget } from '../../temporal-connection';
import { GlobalOptions, taskQueueOf, temporalTarget } from '../connection';
import { loadKubeConfig, loadPodPolicy, selectedRuntime } from '../kube-config';
import { AgentSandboxUnavailable, SANDBOX_OFF_WARNING, agentSandboxWanted, detectAgentSandbox } from '../../../runtimes/local/agent-sandbox';
import { packageRoot } from '../../../host/package-root';
import { kelosMetrics } from '../../../host/metrics/kelos-metrics';
import { parseListenAddress, serveMetrics, type MetricsEndpoint } from '../../../host/metrics/metrics-endpoint';
import { sdkPrometheusTelemetry } from '../../../host/metrics/sdk-metrics';
import { createLogWriter, logFormatFrom, logLevelFrom, type LogEntry, type LogLevel } from '../../../host/logging';
import { startTracing } from '../../../host/tracing/tracing';

export interface RuntimeFlags {
  runtime?: string;
  workflowCache?: string;
  workflowHeap?: string;
  kubeconfig?: string;
  imageTag?: string;
  nodeName?: string;
  namespaces?: string;
  podPolicy?: string;
  /** false with --no-agent-sandbox. */
  agentSandbox?: boolean;
  /** `--pool NAME`: run as a member of this WorkerPool (of the `-n` namespace) instead of a full worker. */
  pool?: string;
  member?: string;
  /** `kelos dev`: also run every WorkerPool's members in this process (src/workers/pool-supervisor.ts). */
  poolMembers?: boolean;
}

/**
 * Whether the local runtime boxes its agents (`--no-agent-sandbox`, KELOS_AGENT_SANDBOX), settled at start: off is
 * a warning on stderr, on but impossible here is an error naming the fix, both before any Task runs.
 */
export function agentSandboxAtStart(flags: RuntimeFlags, who: string): boolean {
  if (selectedRuntime(flags) !== 'local') return false;
  try {
    if (!agentSandboxWanted(flags.agentSandbox)) {
      console.error(`${who}: ${SANDBOX_OFF_WARNING}`);
      return false;
    }
    detectAgentSandbox({ kelosHome: kelosHome(), packageRoot: packageRoot() });
    return true;
  } catch (err) {
    if (err instanceof AgentSandboxUnavailable) throw new KelosError(err.message);
    throw err;
  }
}

async function runtimeFrom(flags: RuntimeFlags): Promise<KelosWorkerOptions['runtime']> {
  if (selectedRuntime(flags) === 'local') return { kind: 'local' };
  const kubeConfig = await loadKubeConfig(flags);
  const imageTag = flags.imageTag ?? process.env.KELOS_IMAGE_TAG;
  const nodeName = flags.nodeName ?? process.env.KELOS_NODE_NAME;
  const policy = await loadPodPolicy(flags.namespaces ?? process.env.KELOS_NAMESPACES, flags.podPolicy ?? process.env.KELOS_POD_POLICY);
  return { kind: 'kubernetes', kubeConfig, policy, ...(imageTag ? { imageTag } : {}), ...(nodeName ? { nodeName } : {}) };
}

/**
 * Connects a kelos worker to `target` and runs it until `stopSignal` resolves. `checkSearchAttributes`: stop at once
 * with the line that names `kelos setup` when the namespace lacks kelos's search attributes (`kelos dev` registers
 * them).
 */
export async function runWorker(target: TemporalTarget, g: GlobalOptions, stopSignal: Promise<void>, flags: RuntimeFlags = {}, checkSearchAttributes = false): Promise<void> {
  const runtime = await runtimeFrom(flags);
  const dataConverter = kelosDataConverter();
  const tracing = startTracing('kelos-worker'); // undefined unless OTEL_EXPORTER_OTLP_ENDPOINT is set
  const connection = await connectWorker(target);
  const namespace = target.namespace;
  if (checkSearchAttributes) await requireKelosSearchAttributes(connection, namespace).catch(async (err) => {
    await connection.close();
    throw err;
  });
  const client = new Client({ connection, namespace, dataConverter, ...(tracing ? { interceptors: tracing.clientInterceptors } : {}) });
  const members = (poolNamespace: string, pool: string, names: string[]) =>
    createPoolMember({
      connection,
      client,
      dataConverter,
      namespace,
      taskQueue: taskQueueOf(g),
      home: ensureKelosHome(),
      poolNamespace,
      pool,
      members: names,
      ...(flags.agentSandbox === false ? {} : { agentSandbox: detectAgentSandbox({ kelosHome: kelosHome(), packageRoot: packageRoot() }) }),
    });
  const worker = flags.pool
    ? await members(g.namespace, flags.pool, [memberName(flags.member)])
    : await createKelosWorker({
    connection,
    client,
    dataConverter,
    ...(tracing ? { tracing } : {}),
    namespace,
    taskQueue: taskQueueOf(g),
    home: runtime?.kind === 'kubernetes' ? kelosHome() : ensureKelosHome(), // made private at start where agents' files live
    runtime,
    agentSandbox: flags.agentSandbox === false ? false : {},
    tuning: { maxCachedWorkflows: workflowCacheSize(flags.workflowCache), ...workflowHeapOption(flags.workflowHeap) },
  });
  const running = worker.run();
  const pools = flags.poolMembers
    ? superviseLocalPools({
        listPools: () => new KelosApi(client, taskQueueOf(g)).listStoredResources('WorkerPool', ALL_NAMESPACES),
        createMembers: (pool, names) => members(pool.metadata.namespace, pool.metadata.name, names),
        onError: (err) => console.error(`kelos: WorkerPool members: ${(err as Error).message?.split('\n')[0]}`),
      })
    : undefined;
  await Promise.race([stopSignal, running]);
  await pools?.stop();
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await connection.close();
  await tracing?.shutdown();
}

/** `--member`: the member's name, which keeps its directory (default: this host's name). */
export function memberName(flag: string | undefined): string {
  const name = (flag ?? os.hostname()).toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) throw new KelosError(`invalid member name "${name}" (--member): lowercase letters, digits, '-' and '.'`);
  return name;
}

/**
 * `--workflow-cache` / KELOS_WORKFLOW_CACHE: workflows kept in memory; 0 turns the cache off (every workflow task
 * replays its history, on whichever worker), otherwise at least 2 (the SDK's minimum).
 */
export function workflowCacheSize(flag: string | undefined): number {
  const text = flag ?? process.env.KELOS_WORKFLOW_CACHE ?? String(DEFAULT_WORKFLOW_CACHE);
  const size = Number(text);
  if (!/^\d+$/.test(text.trim()) || size === 1) throw new KelosError(`invalid workflow cache size "${text}" (--workflow-cache or KELOS_WORKFLOW_CACHE): 0 (no cache) or a whole number of at least 2`);
  return size;
}

/** `--workflow-heap` / KELOS_WORKFLOW_HEAP_MIB: the workflow threads' heap limit in MiB (default from the cache size). */
export function workflowHeapOption(flag: string | undefined): { workflowHeapMiB?: number } {
  const text = flag ?? process.env.KELOS_WORKFLOW_HEAP_MIB;
  if (text === undefined || text === '') return {};
  const mib = Number(text);
  if (!Number.isInteger(mib) || mib < 64) throw new KelosError(`invalid workflow heap "${text}" (--workflow-heap or KELOS_WORKFLOW_HEAP_MIB): a whole number of MiB, at least 64`);
  return { workflowHeapMiB: mib };
}

/**
 * `--metrics-address` / KELOS_METRICS_ADDRESS: checked at start (a bad address stops the worker with the flag named);
 * the SDK runtime then exports its own metrics on loopback and the endpoint serves both.
 */
export async function metricsAtStart(flag: string | undefined): Promise<{ telemetryOptions: TelemetryOptions; serve(): Promise<MetricsEndpoint> } | undefined> {
  const address = flag ?? process.env.KELOS_METRICS_ADDRESS;
  if (!address) return undefined;
  try {
    parseListenAddress(address, 'metrics address (--metrics-address or KELOS_METRICS_ADDRESS)');
  } catch (err) {
    throw new KelosError((err as Error).message);
  }
  const sdk = await sdkPrometheusTelemetry();
  return {
    telemetryOptions: sdk.telemetryOptions,
    serve: () => serveMetrics({ address, registries: [kelosMetrics().registry], sdkMetricsUrl: sdk.url }).catch((err: Error) => {
      throw new KelosError(`cannot serve metrics on ${address} (--metrics-address or KELOS_METRICS_ADDRESS): ${err.message}`);
    }),
  };
}

export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** The runtime-queue worker has activities only, by design: its warning about that would only puzzle people. */
const EXPECTED_WARNINGS = ['No workflows registered, not polling for workflow tasks'];

export function installQuietRuntime(telemetryOptions?: TelemetryOptions): void {
  let level: LogLevel;
  let write: (entry: LogEntry) => void;
  try {
    level = logLevelFrom(process.env);
    write = createLogWriter(logFormatFrom(process.env, process.stderr));
  } catch (err) {
    throw new KelosError((err as Error).message);
  }
  const logger = new DefaultLogger(level, (entry) => {
    if (!EXPECTED_WARNINGS.includes(entry.message)) write(entry);
  });
  Runtime.install({ logger, ...(telemetryOptions ? { telemetryOptions } : {}) });
}

export function workerCommand(globals: () => GlobalOptions): Command {
  return new Command('worker')
    .description('run a kelos worker (workflows + activities) against a Temporal server')
    .option('--runtime <kind>', 'where agents run: local or kubernetes (env KELOS_RUNTIME)')
    .option('--kubeconfig <path>', 'kubeconfig for the kubernetes runtime (default: KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--image-tag <tag>', 'tag of the ghcr.io/kelos-dev agent images (env KELOS_IMAGE_TAG, default latest)')
    .option('--namespaces <list>', 'kubernetes: namespaces whose Tasks this worker runs, comma-separated, or * for all (env KELOS_NAMESPACES, default: default)')
    .option('--pod-policy <file>', 'kubernetes: what podOverrides may loosen, a YAML file (env KELOS_POD_POLICY; default: nothing)')
    .option('--node-name <node>', 'bind Task Pods to this Node (env KELOS_NODE_NAME; normally the scheduler decides)')
    .option('--workflow-cache <n>', `workflows kept in memory (env KELOS_WORKFLOW_CACHE, default ${DEFAULT_WORKFLOW_CACHE}; about 2 MB each; 0 turns it off)`)
    .option('--workflow-heap <MiB>', 'heap limit of the threads that run workflows (env KELOS_WORKFLOW_HEAP_MIB; default 256 + 4 per cached workflow)')
    .option('--no-agent-sandbox', 'local runtime: run agents unboxed, as this user (env KELOS_AGENT_SANDBOX=off; see README, Agent sandbox)')
    .option('--metrics-address <host:port>', "serve Prometheus metrics (kelos's and the Temporal SDK's) at http://<host:port>/metrics (env KELOS_METRICS_ADDRESS; default: off)")
    .option('--pool <name>', 'run as one member of this WorkerPool (of the -n namespace): its pooled Tasks one at a time, in a checkout kept between them (local runtime)')
    .option('--member <name>', 'with --pool: this member\'s name, which keeps its directory across restarts (default: the host name)')
    .action(async (flags: RuntimeFlags & { metricsAddress?: string }) => {
      const g = globals();
      if (flags.member && !flags.pool) throw new KelosError('--member goes with --pool');
      if (flags.pool && selectedRuntime(flags) !== 'local') throw new KelosError('--pool runs a WorkerPool member on the local runtime (on Kubernetes, kelos controller runs a pool\'s members as a StatefulSet of such members)');
      flags.agentSandbox = agentSandboxAtStart(flags, 'kelos worker');
      const metrics = await metricsAtStart(flags.metricsAddress);
      installQuietRuntime(metrics?.telemetryOptions);
      const target = temporalTarget(g);
      const endpoint = metrics ? await metrics.serve() : undefined;
      const role = flags.pool ? `member ${memberName(flags.member)} of WorkerPool ${g.namespace}/${flags.pool}` : `runtime ${flags.runtime ?? process.env.KELOS_RUNTIME ?? 'local'}`;
      console.log(`kelos worker connected to ${target.describe}, task queue ${taskQueueOf(g)}, ${role}${endpoint ? `, metrics at ${endpoint.url}` : ''}; Ctrl-C stops it`);
      try {
        await runWorker(target, g, untilSignal(), flags, true);
      } finally {
        await endpoint?.close();
      }
    });
}
