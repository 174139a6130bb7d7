/**
 * Renders a normalised resource back as a Kelos object for `-o yaml|json`: kelos.dev/v1alpha2 with the effective
 * `worker` block and every default spelled out (Secrets as v1 with `stringData`). Parsing the output again yields
 * the same resource.
 */
import { API_VERSIONS, type KelosResource, type ObjectMeta, type TaskSpawnerSpec, type When } from './types';
import { compact } from './raw';

export interface KelosObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  /** Absent only for Secrets. */
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

function metadataOf(metadata: ObjectMeta): ObjectMeta {
  return compact({ ...metadata });
}

/** Drops the parsed milliseconds; the text form is what Kelos reads. */
function renderWhen(when: When): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [source, config] of Object.entries(when)) {
    if (config === undefined) continue;
    const { pollIntervalMs: _ms, ...rest } = config as Record<string, unknown>;
    out[source] = rest;
  }
  return out;
}

function renderSpawnerSpec(spec: TaskSpawnerSpec): Record<string, unknown> {
  const { worker, workerPoolRef, discoveryWorkspaceRef, ...template } = spec.taskTemplate;
  return compact({
    when: renderWhen(spec.when),
    taskTemplate: compact({ worker, workerPoolRef, workspaceRef: discoveryWorkspaceRef, ...template }),
    credentials: spec.credentials,
    maxConcurrency: spec.maxConcurrency,
    maxTotalTasks: spec.maxTotalTasks,
    suspend: spec.suspend,
  });
}

export function toKelosObject(resource: KelosResource): KelosObject {
  const metadata = metadataOf(resource.metadata);
  switch (resource.kind) {
    case 'Secret':
      return compact({
        apiVersion: API_VERSIONS.core,
        kind: 'Secret',
        metadata,
        type: resource.type,
        immutable: resource.immutable,
        stringData: resource.data,
      });
    case 'TaskSpawner':
      return { apiVersion: API_VERSIONS.v1alpha2, kind: resource.kind, metadata, spec: renderSpawnerSpec(resource.spec) };
    case 'Task':
    case 'Workspace':
    case 'AgentConfig':
    case 'TaskBudget':
    case 'WorkerPool':
      return { apiVersion: API_VERSIONS.v1alpha2, kind: resource.kind, metadata, spec: { ...resource.spec } };
  }
}
