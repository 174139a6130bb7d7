/**
 * WorkerPool members on the local runtime: a Temporal worker that polls only its pool's queue with one slot per
 * member, so a Task is taken only when a member is idle and runs in that member's own directory (a warm checkout and
 * home kept between Tasks). `kelos worker --pool NAME --member NAME` runs one member; `kelos dev` runs a pool's
 * `replicas` in one worker (the SDK allows one worker per task queue in a process). Members of one pool may run on
 * many hosts; a member name stays with its directory, so a member restarted under the same name finds its checkout.
 */
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Client, DataConverter } from '@temporalio/client';
import { createLocalRuntime } from '../runtimes/local/local-runtime';
import type { AgentSandbox } from '../runtimes/local/agent-sandbox';
import { taskWorkflowId } from '../task/task-run';
import { workerPoolQueue } from '../task/runtime-queues';
import { poolMemberDir } from '../host/data-dir';
import { poolMemberStartedSignal } from '../task/task-workflow';
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
  /** The members this worker runs, one slot each. */
  members: string[];
  agentSandbox?: AgentSandbox;
  env?: Record<string, string | undefined>;
  dataConverter?: DataConverter;
}

export async function createPoolMember(options: PoolMemberOptions): Promise<Worker> {
  const idle = [...options.members];
  const { runPooledTask } = createLocalRuntime({
    client: options.client,
    home: options.home,
    builtinEntrypoint: builtinEntrypoint(),
    ...(options.agentSandbox ? { agentSandbox: options.agentSandbox } : {}),
    ...(options.env ? { env: options.env } : {}),
    poolMember: {
      pool: options.pool,
      claim: () => {
        // The worker's slots equal the members, so a run always finds one idle.
        const name = idle.shift();
        if (name === undefined) throw new Error(`no idle member of WorkerPool ${options.pool}`);
        return { name, dir: poolMemberDir(options.home, options.poolNamespace, options.pool, name), release: () => void idle.push(name) };
      },
      started: (run, member) => options.client.workflow.getHandle(taskWorkflowId(run.namespace, run.name)).signal(poolMemberStartedSignal, { member }),
    },
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: workerPoolQueue(options.taskQueue, options.poolNamespace, options.pool),
    identity: `${options.pool}/${options.members.join(',')}`,
    activities: { runPooledTask },
    // One Task per member at a time: with every member busy the worker polls for nothing, so the next Task goes to
    // an idle member elsewhere or waits in the queue.
    maxConcurrentActivityTaskExecutions: options.members.length,
    maxHeartbeatThrottleInterval: '2 seconds',
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}
