/**
 * Fields kelos-temporal accepts (they are valid Kelos) but does not act on, each with the reason. `kelos apply` prints
 * them as warnings, so nothing a user wrote is ignored without a word (README, Behaviour decisions).
 */
import type { KelosResource } from './types';

const POD_FAILURE_POLICY =
  'is accepted but not used: the agent runs in a Pod, not a Job, and a failed run is not retried by Kubernetes; Temporal retries a lost worker, a failed agent fails the Task';
const GHPROXY =
  'is accepted but not used: kelos-temporal runs no GitHub proxy; its polls are incremental and conditional instead (an idle poll is one free 304, see README, Sources)';

/** `file#doc Kind "name": field.path <why>` for each accepted-but-unused field of the resource. */
export function ignoredFieldWarnings(resource: KelosResource): string[] {
  const where = `${resource.origin.source}#${resource.origin.document} ${resource.kind} "${resource.metadata.name}"`;
  const found: string[] = [];
  if (resource.kind === 'Task' && resource.spec.podFailurePolicy) found.push(`${where}: spec.podFailurePolicy ${POD_FAILURE_POLICY}`);
  if (resource.kind === 'TaskSpawner' && resource.spec.taskTemplate.podFailurePolicy) found.push(`${where}: spec.taskTemplate.podFailurePolicy ${POD_FAILURE_POLICY}`);
  if (resource.kind === 'Workspace' && resource.spec.ghproxy) found.push(`${where}: spec.ghproxy ${GHPROXY}`);
  return found;
}
