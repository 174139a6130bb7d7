/**
 * Resolves the execution source of a Task or TaskTemplate into one effective worker, as the Kelos controller does:
 * `worker.X` when set, else the legacy flat `X` (and v1alpha1 `agentConfigRef` becomes `agentConfigRefs`).
 */
import {
  EXECUTION_FORMS,
  type AgentType,
  type ExecutionForm,
  type NameRef,
  type ObjectMeta,
  type Worker,
  type WorkerPoolReference,
} from './types';
import { compact, nonEmpty } from './raw';
import type { RawTaskSpec, RawTaskTemplate } from './schema-task';

export interface ResolvedExecution {
  form: ExecutionForm;
  worker?: Worker;
  workerPoolRef?: WorkerPoolReference;
}

export function resolveExecution(spec: RawTaskSpec | RawTaskTemplate): ResolvedExecution {
  if (spec.workerPoolRef) {
    return { form: EXECUTION_FORMS.workerPool, workerPoolRef: { name: spec.workerPoolRef.name } };
  }
  const inline = spec.worker ?? {};
  const legacyAgentConfigRefs = spec.agentConfigRefs ?? (spec.agentConfigRef ? [spec.agentConfigRef] : undefined);
  const worker: Worker = compact({
    // Validation guarantees one of them is a non-empty agent type.
    type: (nonEmpty(inline.type) ?? nonEmpty(spec.type)) as AgentType,
    credentials: inline.credentials ?? spec.credentials,
    model: nonEmpty(inline.model) ?? nonEmpty(spec.model),
    effort: nonEmpty(inline.effort) ?? nonEmpty(spec.effort),
    image: nonEmpty(inline.image) ?? nonEmpty(spec.image),
    workspaceRef: inline.workspaceRef ?? spec.workspaceRef,
    agentConfigRefs: (inline.agentConfigRefs ?? legacyAgentConfigRefs)?.map((ref: NameRef) => ({ name: ref.name })),
    podOverrides: inline.podOverrides ?? spec.podOverrides,
  });
  return { form: spec.worker ? EXECUTION_FORMS.worker : EXECUTION_FORMS.legacy, worker };
}

export function normalizeMetadata(metadata: {
  name: string;
  namespace?: string | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
}): ObjectMeta {
  return compact({
    name: metadata.name,
    namespace: nonEmpty(metadata.namespace) ?? 'default',
    labels: metadata.labels,
    annotations: metadata.annotations,
  });
}
