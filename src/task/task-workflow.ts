import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { heartbeatLost, notPickedUp } from '../workflows/activity-pickup';
import type { createDependencyActivities } from './dependency-activities';
import type { createBudgetActivities } from '../budget/budget-activities';
import type { createWorkerPoolActivities } from '../runtimes/worker-pool-activities';
import { dependencyPrompt } from './dependencies';
import { branchClaim } from './branch-claim';
import { githubReporter } from './reporting/github-reporter';
import { spawnerSlot } from './spawner-slot';
import { innermostMessage } from '../common/error-cause';
import { KelosAgentType, KelosPhase } from '../store/search-attributes';
import { spawnerWorkflowId } from '../spawner/spawner-status';
import type { AgentOutcome, PoolMemberRuntime, PreparedWorkspace, ResolvedTaskResources, RunAgentInput, TaskRuntime } from './task-runtime';
import { TaskInput, TaskRun, poolUnresolved, taskCleanupWorkflowId } from './task-run';
import { TASK_STATUS_MEMO_KEY } from './task-start';
import type { TaskPhase, TaskStatus } from './task-status';
import { runtimeTaskQueue, workerPoolQueue, type RuntimeName } from './runtime-queues';
import { taskFinishedSignal } from '../spawner/messages';
import { taskCleanupWorkflow } from './task-cleanup-workflow';
import { metrics, type TaskMetricLabels } from '../workflows/metrics';

/** Waiting on dependencies takes as long as they run; a lost worker is noticed by the heartbeat. */
const { awaitDependencies } = proxyActivities<ReturnType<typeof createDependencyActivities>>({
  startToCloseTimeout: '90 days',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2s', maximumInterval: '1 minute' },
});

/** TaskBudgets: asked before the agent runs, retried until they answer (a budget that cannot be asked blocks). */
const { admitToBudgets } = proxyActivities<ReturnType<typeof createBudgetActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', maximumInterval: '1 minute' },
});
/** A pooled Task a spawner started reads its WorkerPool (a pool applied a moment ago gets found; a missing one fails the Task). */
const { readWorkerPool } = proxyActivities<ReturnType<typeof createWorkerPoolActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '4s', maximumAttempts: 4 },
});
/** Told the usage when the Task ends: retried for a day, then given up with a condition (the Task must end). */
const { recordBudgetUsage } = proxyActivities<ReturnType<typeof createBudgetActivities>>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '2s', maximumInterval: '5 minutes' },
});

/** Runs begun before TaskBudgets existed replay without asking them. */
export const TASK_BUDGETS_PATCH = 'task-budgets';
/** A Task held back by a budget asks again this often (a raised limit or a deleted budget frees it), or at the period's end. */
const BUDGET_RECHECK_MS = 5 * 60 * 1000;

export const taskStatusQuery = defineQuery<TaskStatus>('taskStatus');
/** A WorkerPool member took the Task's run: the Task goes Running, with the member as its `status.podName`. */
export const poolMemberStartedSignal = defineSignal<[{ member: string }]>('poolMemberStarted');

/**
 * A pooled Task's run on its WorkerPool's queue: it waits there until a member is idle. Not retried: a member that
 * dies mid-run takes the agent with it, and the agent may already have pushed or commented; the Task fails saying so.
 */
function pooledActivities(pool: string, namespace: string) {
  return proxyActivities<PoolMemberRuntime>({
    taskQueue: workerPoolQueue(workflowInfo().taskQueue, namespace, pool),
    startToCloseTimeout: '7 days',
    heartbeatTimeout: POOL_MEMBER_HEARTBEAT_TIMEOUT,
    retry: { maximumAttempts: 1 },
  });
}
const POOL_MEMBER_HEARTBEAT_TIMEOUT = '15 seconds';

/** The runtime's activities, on the main queue or, when the Task names a runtime, on that runtime's queue. */
function runtimeActivities(runtime: RuntimeName | undefined) {
  const queue = runtime ? { taskQueue: runtimeTaskQueue(workflowInfo().taskQueue, runtime) } : {};
  const { resolveTaskResources } = proxyActivities<TaskRuntime>({
    startToCloseTimeout: '1 minute',
    // A Workspace applied right after the Task still gets picked up (Kelos requeues for the same reason).
    retry: { initialInterval: '1s', maximumInterval: '4s', maximumAttempts: 4 },
    ...queue,
  });
  const { prepareTaskWorkspace } = proxyActivities<TaskRuntime>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '2s', maximumAttempts: 3 },
    ...queue,
  });
  const { runAgent } = proxyActivities<TaskRuntime>({
    // The deadline is enforced by the activity itself; this only bounds a lost run.
    startToCloseTimeout: '7 days',
    // Short heartbeat timeout: a killed worker's run is handed to another worker, which adopts the agent.
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 20 },
    ...queue,
  });
  /**
   * Local runtime: the agent runs on the worker that prepared the checkout (its own queue). A worker restarted on the
   * same data directory takes the retried attempt and adopts the agent; when none takes it within
   * HOST_PICKUP_TIMEOUT, the host is taken as lost (its agent and checkout with it).
   */
  const runAgentOn = (prepared: PreparedWorkspace) =>
    prepared.hostQueue
      ? proxyActivities<TaskRuntime>({
          startToCloseTimeout: '7 days',
          heartbeatTimeout: '15 seconds',
          scheduleToStartTimeout: HOST_PICKUP_TIMEOUT,
          retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 20 },
          taskQueue: prepared.hostQueue,
        }).runAgent
      : runAgent;
  return { resolveTaskResources, prepareTaskWorkspace, runAgent: (input: RunAgentInput) => runAgentOn(input.prepared)(input) };
}

/** How long a Task's agent run waits for the worker holding its checkout before that host counts as lost. */
const HOST_PICKUP_TIMEOUT = '30 seconds';
/** Hosts a Task may lose before it fails: each loss prepares the checkout again elsewhere and starts the agent anew. */
const MAX_HOST_LOSSES = 2;


/**
 * One Task: wait for its dependencies and its branch (phase Waiting) → resolve Workspace/AgentConfig/credentials →
 * prepare the workspace → run the agent → collect results → report back → schedule TTL cleanup. Reporting to
 * GitHub (spawners with `reporting`) starts at once (accepted) beside the run and ends with the outcome; its
 * failures show in a condition and never fail the Task.
 * Succeeded returns the status; Failed fails the workflow with the status as details, so the Web UI shows a
 * failed Task as a failed workflow.
 */
export async function taskWorkflow(input: TaskInput): Promise<TaskStatus> {
  let run: TaskInput = input;
  let status: TaskStatus = { phase: 'Pending', startTime: new Date().toISOString() };
  setHandler(taskStatusQuery, () => status);
  setHandler(poolMemberStartedSignal, ({ member }) => {
    if (status.phase !== 'Pending') return;
    const { message: _waiting, ...rest } = status;
    setStatus({ ...rest, phase: 'Running', podName: member });
  });

  // When the agent run first started: Kelos's Task metrics count from there (a Job created).
  let agentStartedAtMs: number | undefined;
  // A Task withdrawn before it ran is as if it had never been created: not counted either.
  let withdrawn = false;
  const setStatus = (next: TaskStatus): void => {
    const phaseChanged = next.phase !== status.phase;
    status = next;
    upsertMemo({ [TASK_STATUS_MEMO_KEY]: status });
    if (!phaseChanged) return;
    upsertSearchAttributes([{ key: KelosPhase, value: status.phase }]);
    countPhase(status);
  };
  const countPhase = (now: TaskStatus): void => {
    const labels: TaskMetricLabels = { namespace: run.namespace, type: run.agentType ?? '', ...(run.spawner ? { spawner: run.spawner } : {}), ...(run.model ? { model: run.model } : {}) };
    if (now.phase === 'Running' && agentStartedAtMs === undefined) {
      agentStartedAtMs = Date.now();
      metrics.taskStarted(labels);
    }
    if ((now.phase === 'Succeeded' || now.phase === 'Failed') && !withdrawn) {
      metrics.taskCompleted(labels, now.phase, agentStartedAtMs === undefined ? undefined : (Date.now() - agentStartedAtMs) / 1000, now.usage);
    }
  };
  const finish = (phase: Extract<TaskPhase, 'Succeeded' | 'Failed'>, message: string, outcome?: AgentOutcome): void => {
    setStatus({
      ...status,
      phase,
      message,
      completionTime: new Date().toISOString(),
      ...(outcome ? { outputs: outcome.outputs, results: outcome.results, ...(outcome.usage ? { usage: outcome.usage } : {}) } : {}),
    });
  };

  const runKey = workflowInfo().firstExecutionRunId;
  const { resolveTaskResources, prepareTaskWorkspace, runAgent } = runtimeActivities(run.runtime);

  // A spawned Task may first wait for its spawner's slot (maxConcurrency); it reports "accepted" once it has one.
  const slot = spawnerSlot(run);
  const reporter = () =>
    githubReporter(run, runKey, (condition) => {
      const others = (status.conditions ?? []).filter((c) => c.type !== 'GitHubReported');
      setStatus({ ...status, conditions: [...others, { type: 'GitHubReported', ...condition, lastTransitionTime: new Date().toISOString() }] });
    });
  let report = slot ? undefined : reporter();
  void report?.('accepted');
  const branch = branchClaim(run, (message) => setStatus({ ...status, phase: 'Waiting', message }));

  try {
    if (slot) {
      setStatus({ ...status, phase: 'Waiting', message: `Waiting for a slot: TaskSpawner "${run.spawner}" runs at most maxConcurrency Tasks at once`, ...(run.waitForSlot ? { waitingForSlot: run.waitForSlot } : {}) });
      const turn = await slot.wait();
      if ('withdrawn' in turn) return await withdraw(turn.withdrawn);
      run = turn.granted;
      const { waitingForSlot: _slot, ...rest } = status;
      status = rest;
      pending();
      report = reporter();
      void report('accepted');
    }
    // dependsOn: wait (phase Waiting) until every dependency Succeeded; the prompt may read their results.
    const waited = run.dependsOn?.length ? await waitForDependencies(run) : { prompt: run.prompt };
    if ('failure' in waited) finish('Failed', waited.failure);
    else await runAgentOnce(waited.prompt);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        finish('Failed', 'Task was cancelled; the agent was stopped');
        await wrapUp();
      });
      throw err;
    }
    finish('Failed', `Task failed: ${innermostMessage(err)}`);
  }
  return await close();

  async function runAgentOnce(prompt: string): Promise<void> {
    if (prompt !== run.prompt) run = { ...run, prompt };
    if (branch) {
      await branch.acquire();
      if (status.phase === 'Waiting') pending();
    }
    if (patched(TASK_BUDGETS_PATCH)) await waitForBudgets();
    // The deadline counts from here, as a Kelos Job's from its creation after the wait.
    const deadlineAtMs = run.activeDeadlineSeconds ? Date.now() + run.activeDeadlineSeconds * 1000 : undefined;
    const resolved: TaskRun = poolUnresolved(run) ? { ...run, ...(await readWorkerPool({ namespace: run.namespace, pool: run.workerPool })) } : run;
    if (resolved !== run) upsertSearchAttributes([{ key: KelosAgentType, value: resolved.agentType }]);
    run = resolved;
    const resources = await resolveTaskResources(resolved);
    const outcome = resolved.workerPool ? await runOnWorkerPool(resolved.workerPool, { run: resolved, runKey, resources, deadlineAtMs }) : await runOnRuntime(resolved, resources, deadlineAtMs);
    if (outcome.timedOut) {
      finish('Failed', `Task exceeded its deadline of ${run.activeDeadlineSeconds}s (podOverrides.activeDeadlineSeconds); the agent was stopped`, outcome);
    } else if (outcome.failureReason) {
      finish('Failed', `Task failed: ${outcome.failureReason}${tailNote(outcome)}`, outcome);
    } else if (outcome.exitCode === 0) {
      finish('Succeeded', 'Task completed successfully', outcome);
    } else {
      finish('Failed', `Task failed: the agent exited with code ${outcome.exitCode}${tailNote(outcome)}`, outcome);
    }
  }

  /** The agent on this Task's runtime: the checkout prepared by a worker, the agent run where it lies. */
  async function runOnRuntime(run: TaskRun, resources: ResolvedTaskResources, deadlineAtMs: number | undefined): Promise<AgentOutcome> {
    let outcome: AgentOutcome;
    for (let lost = 0; ; lost += 1) {
      const prepared = await prepareTaskWorkspace({ run, runKey, resources });
      // A field of the activity's result: runs recorded without it replay unchanged.
      setStatus({ ...status, phase: 'Running', ...(prepared.podName ? { podName: prepared.podName } : {}) });
      try {
        outcome = await runAgent({ run, runKey, resources, prepared, deadlineAtMs });
        break;
      } catch (err) {
        // The worker holding the Task's checkout did not take its agent run in time: that host is gone.
        if (!notPickedUp(err)) throw err;
        const what = `the worker holding the Task's checkout (${prepared.hostQueue}) took no agent run for ${HOST_PICKUP_TIMEOUT}: its host is taken as lost, with its agent`;
        if (lost + 1 >= MAX_HOST_LOSSES) throw ApplicationFailure.nonRetryable(`${what}; ${MAX_HOST_LOSSES} hosts lost, giving up`, 'HostLost');
        setStatus({ ...status, phase: 'Pending', message: `${what}; preparing it again on another worker` });
      }
    }
    return outcome;
  }

  /** The agent on an idle member of the Task's WorkerPool (phase Pending, naming the pool, until one takes it). */
  async function runOnWorkerPool(pool: string, input: Omit<RunAgentInput, 'prepared'>): Promise<AgentOutcome> {
    const run = input.run;
    setStatus({ ...status, phase: 'Pending', message: `Waiting for an idle member of WorkerPool "${pool}"` });
    try {
      return await pooledActivities(pool, run.namespace).runPooledTask(input);
    } catch (err) {
      if (!heartbeatLost(err)) throw err;
      throw ApplicationFailure.nonRetryable(`the WorkerPool member running it (${status.podName ?? 'unknown'}) stopped: no heartbeat for ${POOL_MEMBER_HEARTBEAT_TIMEOUT}. The Task is not run again, since its agent may already have pushed or commented`, 'PoolMemberLost');
    }
  }

  /** Kelos's budget admission: while a matching TaskBudget's period spend is at a limit, Waiting with BudgetBlocked. */
  async function waitForBudgets(): Promise<void> {
    for (;;) {
      const { blocked } = await admitToBudgets({ namespace: run.namespace, labels: run.labels ?? {} });
      const others = (status.conditions ?? []).filter((c) => c.type !== 'BudgetBlocked');
      if (!blocked) {
        if (others.length !== (status.conditions ?? []).length) status = { ...status, conditions: others };
        if (status.phase === 'Waiting') pending();
        return;
      }
      const message = `Waiting for TaskBudget "${blocked.budget}": ${blocked.exceeded}; its period ends ${blocked.periodEnd}`;
      if (status.message !== message) {
        setStatus({ ...status, phase: 'Waiting', message, conditions: [...others, { type: 'BudgetBlocked', status: 'True', reason: 'BudgetExceeded', message, lastTransitionTime: new Date().toISOString() }] });
      }
      await sleep(Math.max(1_000, Math.min(BUDGET_RECHECK_MS, Date.parse(blocked.periodEnd) - Date.now() + 1_000)));
    }
  }

  /** The Task's reported usage: its TaskRecord, and its namespace's budgets (once per run: a repeated key is ignored). */
  async function recordUsage(): Promise<void> {
    if (!status.usage || !status.completionTime || !patched(TASK_BUDGETS_PATCH)) return;
    try {
      const task = { name: run.name, uid: runKey, type: run.agentType ?? '', ...(run.model ? { model: run.model } : {}), phase: status.phase === 'Succeeded' ? ('Succeeded' as const) : ('Failed' as const), ...(status.startTime ? { startTime: status.startTime } : {}) };
      await recordBudgetUsage({ namespace: run.namespace, record: { key: `${workflowInfo().workflowId}/${runKey}`, completionTime: status.completionTime, labels: run.labels ?? {}, usage: status.usage, task } });
    } catch (err) {
      const message = `the usage could not be recorded in the namespace's TaskBudgets: ${innermostMessage(err)}`;
      setStatus({ ...status, conditions: [...(status.conditions ?? []), { type: 'BudgetRecorded', status: 'False', reason: 'RecordFailed', message, lastTransitionTime: new Date().toISOString() }] });
    }
  }

  /** Back to Pending after a wait, without the Waiting message. */
  function pending(): void {
    const { message: _message, ...rest } = status;
    setStatus({ ...rest, phase: 'Pending' });
  }

  /** The end of every Task, cancelled ones too: the branch and the slot are freed first; the TTL cleanup starts last, since it removes this execution. */
  async function wrapUp(): Promise<void> {
    await branch?.release();
    await notifySpawner(run, status);
    await report?.(status.phase === 'Succeeded' ? 'succeeded' : 'failed');
    await recordUsage();
    await scheduleExpiry(run, runKey);
  }

  /** The item stopped matching before the Task ran: it removes itself at once, as if it had never been created. */
  async function withdraw(reason: string): Promise<TaskStatus> {
    withdrawn = true;
    finish('Failed', `Withdrawn before it ran: ${reason}`);
    await scheduleExpiry({ ...run, ttlSecondsAfterFinished: 0, spawner: undefined }, runKey);
    return status;
  }

  async function close(): Promise<TaskStatus> {
    await wrapUp();
    if (status.phase === 'Failed') {
      throw ApplicationFailure.create({ type: 'TaskFailed', message: status.message ?? 'Task failed', nonRetryable: true, details: [status] });
    }
    return status;
  }

  /** The prompt rendered over the dependencies' results, or why the Task fails without running. */
  async function waitForDependencies(task: TaskInput): Promise<{ prompt: string } | { failure: string }> {
    let shown: string | undefined;
    for (;;) {
      const wait = await awaitDependencies({ namespace: task.namespace, name: task.name, dependsOn: task.dependsOn ?? [], ...(shown ? { shown } : {}) });
      if (wait.outcome === 'failed') return { failure: `Dependency "${wait.name}" failed` };
      if (wait.outcome === 'cycle') return { failure: `Circular dependency detected: ${wait.path.join(' -> ')}` };
      if (wait.outcome === 'succeeded') {
        pending();
        return { prompt: dependencyPrompt(task.prompt, wait.deps) };
      }
      shown = wait.message;
      setStatus({ ...status, phase: 'Waiting', message: wait.message });
    }
  }
}

/** `ttlSecondsAfterFinished`: a separate abandoned child removes the Task after N seconds, so this workflow can close now. */
async function scheduleExpiry(run: TaskInput, runKey: string): Promise<void> {
  if (run.ttlSecondsAfterFinished === undefined) return;
  await startChild(taskCleanupWorkflow, {
    workflowId: taskCleanupWorkflowId(run.namespace, run.name, runKey),
    parentClosePolicy: ParentClosePolicy.ABANDON,
    args: [
      {
        namespace: run.namespace,
        name: run.name,
        runKey,
        workflowId: workflowInfo().workflowId,
        ttlSeconds: run.ttlSecondsAfterFinished,
        ...(run.runtime ? { runtime: run.runtime } : {}),
        ...(run.spawner ? { spawnerWorkflowId: spawnerIdOf(run), ...(run.itemId !== undefined ? { itemId: run.itemId } : {}) } : {}),
      },
    ],
    staticSummary: `TTL cleanup of Task ${run.namespace}/${run.name} after ${run.ttlSecondsAfterFinished}s`,
  });
}

/** Frees the Task's slot in its spawner at once (the spawner's reconcile catches a lost signal). */
async function notifySpawner(run: TaskInput, status: TaskStatus): Promise<void> {
  if (!run.spawner || (status.phase !== 'Succeeded' && status.phase !== 'Failed')) return;
  try {
    await getExternalWorkflowHandle(spawnerIdOf(run)).signal(taskFinishedSignal, { name: run.name, phase: status.phase, completionTime: status.completionTime ?? new Date().toISOString() });
  } catch {
    // The spawner was deleted: nothing to tell.
  }
}

/** The parent when the spawner started this Task (whatever ID it was given), else the conventional ID. */
export function spawnerIdOf(run: TaskInput): string {
  return workflowInfo().parent?.workflowId ?? spawnerWorkflowId(run.namespace, run.spawner ?? '');
}

function tailNote(outcome: AgentOutcome): string {
  const last = outcome.logTail.filter((line) => line.trim() !== '').slice(-3);
  return last.length ? `; last output: ${last.join(' | ').slice(0, 400)}` : '';
}
