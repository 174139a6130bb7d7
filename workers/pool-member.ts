/**
 * One WorkerPool member on the local runtime (`kelos worker --pool NAME --member NAME`): a Temporal worker that polls
 * only its pool's queue with a single slot, so it takes the next pooled Task only when idle, and runs it in the
 * member's own directory (a warm checkout and home kept between Tasks). Members of one pool may run on many hosts;
 * a member name stays with its directory, so a member restarted under the same name finds its checkout again.
 */
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Client, DataConverter } from '@temporalio/client';
import { createTaskActivities } from '../activities/task-activities';
import type { AgentSandbox } from '../activities/runtime/agent-sandbox';
import { taskWorkflowId } from '../api/task/task-run';
import { workerPoolQueue } from '../api/task/task-runtime';
import { poolMemberDir } from '../host/data-dir';
import { poolMemberStartedSignal } from '../workflows/task-workflow';
import { builtinEntrypoint } from './kelos-worker';

export interface PoolMemberOptions {
  connection: NativeConnection;
  client: Client;
  /** The Temporal namespace. */
  namespace?: string;
  /** The main task queue the Task workflows run on. */
  taskQueue: string;
  home: string;
  /** The pool's Kubernetes-style namespace and name. */
  poolNamespace: string;
  pool: string;
  member: string;
  agentSandbox?: AgentSandbox;
  env?: Record<string, string | undefined>;
  dataConverter?: DataConverter;
}

export async function createPoolMember(options: PoolMemberOptions): Promise<Worker> {
  const dir = poolMemberDir(options.home, options.poolNamespace, options.pool, options.member);
  const { runPooledTask } = createTaskActivities({
    client: options.client,
    home: options.home,
    builtinEntrypoint: builtinEntrypoint(),
    ...(options.agentSandbox ? { agentSandbox: options.agentSandbox } : {}),
    ...(options.env ? { env: options.env } : {}),
    poolMember: {
      pool: options.pool,
      name: options.member,
      dir,
      started: (run) => options.client.workflow.getHandle(taskWorkflowId(run.namespace, run.name)).signal(poolMemberStartedSignal, { member: options.member }),
    },
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: workerPoolQueue(options.taskQueue, options.poolNamespace, options.pool),
    identity: `${options.pool}/${options.member}`,
    activities: { runPooledTask },
    // One Task at a time: a busy member polls for nothing, so the next Task goes to an idle one or waits.
    maxConcurrentActivityTaskExecutions: 1,
    maxHeartbeatThrottleInterval: '2 seconds',
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}
