/**
 * The kelos worker: registers every workflow and the activities of the local runtime on one task queue.
 * `kelos dev` runs it in-process; `kelos worker` runs it alone (e.g. next to a shared Temporal server).
 */
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createTaskActivities } from '../activities/task-activities';
import { createPollActivities } from '../activities/polling/poll-activities';
import { createWebhookActivities } from '../activities/webhooks/webhook-activities';
import type { KubeConfig } from '@kubernetes/client-node';
import { packageRoot } from '../host/package-root';

export const DEFAULT_TASK_QUEUE = 'kelos';

export interface KelosWorkerOptions {
  connection: NativeConnection;
  client: Client;
  namespace?: string;
  taskQueue?: string;
  /** The kelos data directory (host/data-dir.ts). */
  home: string;
  /** Where agents run: on this machine (default) or as Pods in a Kubernetes cluster. */
  runtime?: { kind: 'local' } | { kind: 'kubernetes'; kubeConfig: KubeConfig; imageTag?: string; nodeName?: string };
  /** Environment for activities that read it (`GITHUB_API_URL`); default process.env. */
  env?: Record<string, string | undefined>;
  /** A prebuilt bundle (tests bundle once per file); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: { code: string };
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'>>;
}

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

export function builtinEntrypoint(): { command: string; args: string[] } {
  return { command: process.execPath, args: [path.join(packageRoot(), 'bin', 'kelos-local-entrypoint.js')] };
}

export async function createKelosWorker(options: KelosWorkerOptions): Promise<Worker> {
  const activities = {
    ...(options.runtime?.kind === 'kubernetes'
      ? // Loaded only for this runtime: the Kubernetes client adds a quarter second to every CLI start.
        (await import('../activities/kubernetes/kube-task-activities')).createKubernetesTaskActivities({ client: options.client, home: options.home, kubeConfig: options.runtime.kubeConfig, imageTag: options.runtime.imageTag, nodeName: options.runtime.nodeName })
      : createTaskActivities({ client: options.client, home: options.home, builtinEntrypoint: builtinEntrypoint() })),
    ...createPollActivities({ client: options.client, home: options.home, ...(options.env ? { env: options.env } : {}) }),
    ...createWebhookActivities({ client: options.client, home: options.home, ...(options.env ? { env: options.env } : {}) }),
  };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    activities,
    // Heartbeats carry cancellation to a running agent: send them often enough that `kelos delete task` acts in seconds.
    maxHeartbeatThrottleInterval: '2 seconds',
    ...options.tuning,
  });
}
