/**
 * The kelos worker: every workflow and the activities of one runtime (local or Kubernetes) on the main task queue,
 * plus that runtime's activities on its own queue (`<queue>@<runtime>`) for Tasks that ask for it by annotation
 * (src/task/runtime-queues.ts), the polls whose state is on its disk on a queue of its own
 * (src/sources/polling/poll.ts), and on the local runtime the agent runs of the Tasks whose checkout it prepared on
 * another (`<queue>@host-<worker id>`). `kelos dev` runs it in-process; `kelos worker` runs it alone (e.g. next to a
 * shared Temporal server).
 */
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Client } from '@temporalio/client';
import { NativeConnection, State, Worker, WorkerOptions } from '@temporalio/worker';
import { createLocalRuntime } from '../runtimes/local/local-runtime';
import { createTaskLookupActivities } from '../spawner/task-lookup-activities';
import type { TaskRuntime } from '../task/task-runtime';
import { createPollActivities } from '../sources/polling/poll-activities';
import { createWebhookActivities } from '../sources/webhooks/webhook-activities';
import { localSecretSource } from '../host/secret-source';
import { createReportingActivities } from '../task/reporting/github-reporting';
import { createDependencyActivities } from '../task/dependency-activities';
import { createBudgetActivities } from '../budget/budget-activities';
import { createWorkerPoolActivities } from '../runtimes/worker-pool-activities';
import { createContextSourceActivities } from '../spawner/fetch-context-sources';
import type { KubeConfig } from '@kubernetes/client-node';
import type { PodPolicy } from '../runtimes/kubernetes/pod-policy';
import type { DataConverter } from '@temporalio/common';
import { packageRoot } from '../host/package-root';
import { runtimeTaskQueue, workerHostQueue } from '../task/runtime-queues';
import { workerPollQueue } from '../sources/polling/poll';
import { workerHomeId } from '../host/worker-identity';
import { detectAgentSandbox } from '../runtimes/local/agent-sandbox';
import { kelosMetrics } from '../host/metrics/kelos-metrics';
import { KelosKind, KelosPhase } from '../store/search-attributes';
import { kelosMetricSinks } from '../host/metrics/metric-sinks';
import type { Tracing } from '../host/tracing/tracing';

export const DEFAULT_TASK_QUEUE = 'kelos';

/**
 * Workflows a worker keeps in memory between their workflow tasks (`--workflow-cache`, env KELOS_WORKFLOW_CACHE).
 * A cached spawner costs about 2 MB of worker memory (in the workflow thread's heap); the SDK's default (about 2,300
 * with Node's default heap) let 1,000 idle spawners take 3 GiB. An evicted one is replayed when it next wakes (about
 * 60 ms), which its bounded runs keep short. 50 keeps a worker with 1,000 idle spawners at about 0.9 GiB RSS (100:
 * about 1.05 GiB); with more spawners polling each minute than cached, the cache size hardly changes the CPU spent.
 * Figures: `npm run bench:idle-spawners` (README, Performance).
 */
export const DEFAULT_WORKFLOW_CACHE = 50;

/**
 * The V8 heap limit of the threads that run workflows (`--workflow-heap`, env KELOS_WORKFLOW_HEAP_MIB). Node gives
 * a worker thread the same limit as the main thread (about 4 GiB on a large machine), and V8 collects lazily far
 * below it: 1,000 idle spawners with 100 cached grew the worker to 1.4 GiB RSS although the workflows held a few
 * hundred MB. A cached workflow needs about 2 MB; the default leaves twice that, plus room for replays.
 */
export function defaultWorkflowHeapMiB(maxCachedWorkflows: number): number {
  return 256 + 4 * maxCachedWorkflows;
}

/** Sets the heap limit of the workflow threads created after this (a process-wide V8 flag; the main heap keeps its own). */
function limitWorkflowThreadHeap(mib: number): void {
  v8.setFlagsFromString(`--max-old-space-size=${Math.floor(mib)}`);
}

export interface KelosWorkerOptions {
  connection: NativeConnection;
  client: Client;
  namespace?: string;
  taskQueue?: string;
  /** The kelos data directory (src/host/data-dir.ts). */
  home: string;
  /** Where agents run: on this machine (default) or as Pods in a Kubernetes cluster. */
  runtime?: { kind: 'local' } | { kind: 'kubernetes'; kubeConfig: KubeConfig; imageTag?: string; nodeName?: string; policy?: PodPolicy };
  /**
   * Local runtime: run each agent in the box of src/runtimes/local/agent-sandbox.ts (default true). A worker that
   * cannot build it fails to start, naming the fix; false runs agents as the worker's own user. `share`: paths
   * every agent may write, besides KELOS_AGENT_SANDBOX_SHARE.
   */
  agentSandbox?: false | { share?: string[] };
  /** Environment for activities that read it (`GITHUB_API_URL`); default process.env. */
  env?: Record<string, string | undefined>;
  /** A prebuilt bundle (tests bundle once per file); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: { code: string };
  /**
   * Payload encryption (host/payload-encryption): the same converter as the clients'. A prebuilt bundle must have
   * been built with its failureConverterPath.
   */
  dataConverter?: DataConverter;
  /**
   * Tracing on (src/host/tracing/tracing.ts): activity and workflow interceptors and the workflow span sink. The client
   * should carry its client interceptors; a prebuilt bundle must have been built with tracingWorkflowModules().
   */
  tracing?: Tracing;
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'>> & {
    /** Heap limit of the workflow threads in MiB (default defaultWorkflowHeapMiB of the cache size). */
    workflowHeapMiB?: number;
  };
}

/** Task workflows still open in `phase` (for the `kelos_tasks` gauge). */
function unfinishedTasksQuery(phase: string): string {
  return `${KelosKind.name} = "Task" AND ${KelosPhase.name} = "${phase}" AND ExecutionStatus = "Running"`;
}

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

export function builtinEntrypoint(): { command: string; args: string[] } {
  return { command: process.execPath, args: [path.join(packageRoot(), 'bin', 'kelos-local-entrypoint.js')] };
}

/** The Temporal workers of one kelos worker (shared queue, runtime queue, own poll queue), run and stopped together. */
export interface KelosWorker {
  run(): Promise<void>;
  shutdown(): void;
  getState(): State;
}

export async function createKelosWorker(options: KelosWorkerOptions): Promise<KelosWorker> {
  const runtime = options.runtime?.kind === 'kubernetes' ? options.runtime : undefined;
  // Loaded only for this runtime: the Kubernetes client adds a quarter second to every CLI start.
  const kube = runtime ? await import('../runtimes/kubernetes/kubernetes-runtime') : undefined;
  // Secrets live where the agents run: Kubernetes Secrets on that runtime, the local store otherwise.
  const secrets = runtime && kube ? kube.kubernetesSecretSource(runtime.kubeConfig, runtime.policy?.namespaces) : localSecretSource(options.home);
  const env = options.env ? { env: options.env } : {};
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  // Local runtime: a Task's agent runs where its checkout was prepared, on this worker's own queue.
  const workerId = workerHomeId(options.home);
  const hostQueue = runtime ? undefined : workerHostQueue(taskQueue, workerId);
  const taskRuntime: TaskRuntime =
    runtime && kube
      ? kube.createKubernetesRuntime({ client: options.client, home: options.home, kubeConfig: runtime.kubeConfig, imageTag: runtime.imageTag, nodeName: runtime.nodeName, policy: runtime.policy, secrets, ...env })
      : createLocalRuntime({
          client: options.client,
          home: options.home,
          builtinEntrypoint: builtinEntrypoint(),
          hostQueue,
          ...(options.agentSandbox === false
            ? {}
            : { agentSandbox: detectAgentSandbox({ kelosHome: options.home, packageRoot: packageRoot(), env: { ...process.env, ...options.env }, share: options.agentSandbox?.share }) }),
          ...env,
        });
  const common = {
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    // Heartbeats carry cancellation to a running agent: send them often enough that `kelos delete task` acts in
    // seconds.
    maxHeartbeatThrottleInterval: '2 seconds',
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  } as const;
  // Polls are served where their state is: every answer names this worker's own poll queue, and the spawner
  // sends its next poll there (src/sources/polling/poll.ts).
  const pollQueue = workerPollQueue(taskQueue, workerId);
  const pollActivities = createPollActivities({ client: options.client, home: options.home, secrets, pollQueue, ...env });
  // Off: nothing is installed. On: the workflow worker also bundles the workflow interceptors and gets their sink.
  const traced = options.tracing?.workerOptions(false) ?? {};
  const tracedWorkflows = options.tracing?.workerOptions(true) ?? {};
  const { workflowHeapMiB, ...sdkTuning } = options.tuning ?? {};
  limitWorkflowThreadHeap(workflowHeapMiB ?? defaultWorkflowHeapMiB(sdkTuning.maxCachedWorkflows ?? DEFAULT_WORKFLOW_CACHE));
  const main = await Worker.create({
    ...common,
    ...tracedWorkflows,
    taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    activities: {
      ...taskRuntime,
      ...createTaskLookupActivities({ client: options.client }),
      ...pollActivities,
      ...createWebhookActivities({ client: options.client, home: options.home, secrets, ...env }),
      ...createReportingActivities({ client: options.client, secrets, ...env }),
      ...createDependencyActivities({ client: options.client }),
      ...createBudgetActivities({ client: options.client, ...env }),
      ...createWorkerPoolActivities({ client: options.client }),
      ...createContextSourceActivities({ secrets, ...env }),
    },
    // Workflows report Task and spawner events to this process's metrics (host/metrics), never during replay;
    // with tracing, their spans leave through a sink of their own.
    sinks: { ...tracedWorkflows.sinks, ...kelosMetricSinks(kelosMetrics()) },
    maxCachedWorkflows: DEFAULT_WORKFLOW_CACHE,
    ...sdkTuning,
  });
  const { resolveTaskResources, prepareTaskWorkspace, runAgent, expireTask } = taskRuntime;
  const byRuntime = await Worker.create({
    ...common,
    ...traced,
    taskQueue: runtimeTaskQueue(taskQueue, runtime ? 'kubernetes' : 'local'),
    activities: { resolveTaskResources, prepareTaskWorkspace, runAgent, expireTask },
    ...(options.tuning?.maxConcurrentActivityTaskExecutions ? { maxConcurrentActivityTaskExecutions: options.tuning.maxConcurrentActivityTaskExecutions } : {}),
  });
  const ownPolls = await Worker.create({ ...common, ...traced, taskQueue: pollQueue, activities: pollActivities });
  const ownAgents = hostQueue
    ? await Worker.create({
        ...common,
        ...traced,
        taskQueue: hostQueue,
        activities: { runAgent },
        // A run not picked up within 30 s counts as a lost host (src/task/task-workflow.ts): never hold it for a slot.
        maxConcurrentActivityTaskExecutions: options.tuning?.maxConcurrentActivityTaskExecutions ?? 1000,
      })
    : undefined;
  const workers = [main, byRuntime, ownPolls, ...(ownAgents ? [ownAgents] : [])];
  kelosMetrics().countTasksWith(async (phase) => (await options.client.workflow.count(unfinishedTasksQuery(phase))).count);
  return {
    async run() {
      // One stopping (shutdown or a fatal error) stops the other.
      await Promise.all(
        workers.map((worker) =>
          worker.run().finally(() => {
            for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
          }),
        ),
      );
    },
    shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    },
    getState: () => main.getState(),
  };
}
