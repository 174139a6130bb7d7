/**
 * The Task a spawner creates for one item: the taskTemplate with the rendered name, prompt and branch, and the
 * template's `upstreamRepo`, else the one the source's `repo` names (Kelos derives it the same way).
 */
import { toKelosObject } from '../model/to-kelos-object';
import type { Credentials, TaskResource, TaskSpawnerResource } from '../model/types';
import type { TaskInput } from '../task/task-run';
import { taskInputFromResource } from '../task/task-run-from-resource';
import type { RenderedTask } from './render-task';
import { sourceAnnotations, taskReportFor } from '../task/reporting/task-report';
import type { WorkItem } from '../sources/work-item';
import { repositoryName } from '../runtimes/upstream-repo';

export const SPAWNER_LABEL = 'kelos.dev/taskspawner';
export const SPAWNER_CREDENTIAL_LABEL = 'kelos.dev/spawner-credential';

/**
 * `pick(n)` chooses one of `n` pooled credentials (`spec.credentials`); the workflow passes its deterministic
 * random, so a replay picks the same one.
 */
export function taskFromTemplate(spawner: TaskSpawnerResource, rendered: RenderedTask, pick: (n: number) => number): TaskResource {
  const template = spawner.spec.taskTemplate;
  // Rendered metadata first; the spawner's own label always wins (kelos-behaviour §4.4).
  const labels: Record<string, string> = { ...(rendered.labels ?? {}), [SPAWNER_LABEL]: spawner.metadata.name };
  const metadata = { name: rendered.name, namespace: spawner.metadata.namespace, labels, ...(rendered.annotations ? { annotations: rendered.annotations } : {}) };
  const origin = { ...spawner.origin, apiVersion: 'kelos.dev/v1alpha2' as const };
  const upstreamRepo = template.upstreamRepo || sourceUpstreamRepo(spawner);
  if (!template.worker) {
    // A pool's Task: the pool says how it runs (Kelos's rules leave a pooled template only its prompt and metadata).
    if (!template.workerPoolRef) throw new Error(`TaskSpawner "${spawner.metadata.name}": the template has neither a worker nor a workerPoolRef`);
    return { kind: 'Task', metadata, spec: { workerPoolRef: template.workerPoolRef, prompt: rendered.prompt, ...(upstreamRepo ? { upstreamRepo } : {}) }, origin };
  }
  let credentials: Credentials | undefined = template.worker.credentials;
  if (!credentials) {
    const pool = spawner.spec.credentials ?? [];
    if (!pool.length) throw new Error(`TaskSpawner "${spawner.metadata.name}": the template has no credentials and spec.credentials is empty`);
    const chosen = pool[pick(pool.length)];
    credentials = { type: chosen.type, secretRef: chosen.secretRef };
    labels[SPAWNER_CREDENTIAL_LABEL] = chosen.name;
  }
  return {
    kind: 'Task',
    metadata,
    spec: {
      worker: { ...template.worker, credentials },
      prompt: rendered.prompt,
      ...(rendered.branch ? { branch: rendered.branch } : {}),
      ...(upstreamRepo ? { upstreamRepo } : {}),
      ...(template.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: template.ttlSecondsAfterFinished } : {}),
      ...(template.dependsOn?.length ? { dependsOn: template.dependsOn } : {}),
    },
    origin,
  };
}

/**
 * Fork workflows: a GitHub source that reads another repository (`repo`) than the Workspace's names the upstream
 * the agent's PR should target. Only that override counts; a source reading the Workspace's own repo has none.
 */
export function sourceUpstreamRepo(spawner: TaskSpawnerResource): string | undefined {
  const { githubIssues, githubPullRequests } = spawner.spec.when;
  const override = githubIssues?.repo || githubPullRequests?.repo;
  return override ? repositoryName(override) : undefined;
}

/** The Task's run for a discovered item: the source's annotations stamped over the template's, and where to report. */
export function taskRunForItem(spawner: TaskSpawnerResource, rendered: RenderedTask, sourceKind: string, pick: (n: number) => number, item?: WorkItem): TaskInput {
  const task = taskFromTemplate(spawner, rendered, pick);
  const stamped = item ? sourceAnnotations(spawner, item) : {};
  if (Object.keys(stamped).length) task.metadata.annotations = { ...(task.metadata.annotations ?? {}), ...stamped };
  const report = item ? taskReportFor(spawner, item) : undefined;
  const object = toKelosObject(task) as { apiVersion: string; spec: Record<string, unknown> };
  const run = taskInputFromResource(task, { spec: object.spec, apiVersion: object.apiVersion, spawner: spawner.metadata.name, sourceKind });
  return report ? { ...run, report } : run;
}
