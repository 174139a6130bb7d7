/**
 * Validated Task document (either version) → normalised {@link TaskResource}.
 */
import type { Credentials, ResourceOrigin, TaskResource } from './types';
import { normalizeMetadata, resolveExecution } from './normalize-execution';
import { compact, nonEmpty } from './raw';
import type { RawTask } from './schema-documents';

export function buildTask(raw: RawTask, origin: ResourceOrigin): TaskResource {
  const spec = raw.spec;
  const execution = resolveExecution(spec);
  return compact({
    kind: 'Task' as const,
    metadata: normalizeMetadata(raw.metadata),
    spec: compact({
      // A Task's inline worker always has credentials (checked by the execution rules).
      worker: execution.worker as (typeof execution.worker & { credentials: Credentials }) | undefined,
      workerPoolRef: execution.workerPoolRef,
      prompt: spec.prompt,
      dependsOn: spec.dependsOn,
      branch: nonEmpty(spec.branch),
      upstreamRepo: nonEmpty(spec.upstreamRepo),
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
      podFailurePolicy: spec.podFailurePolicy,
    }),
    status: raw.status,
    origin: { ...origin, executionForm: execution.form },
  });
}
