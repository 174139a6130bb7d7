/**
 * Workspaces, AgentConfigs and TaskBudgets applied with `kelos apply`, and the TaskRecords finished Tasks leave, are
 * kept by the system itself, each as a small entity workflow (`workspace/<ns>/<name>`, `agentconfig/<ns>/<name>`,
 * `taskbudget/<ns>/<name>`, `taskrecord/<ns>/<uid>`, `workerpool/<ns>/<name>`) whose memo holds the resource.
 * One backing store then serves the CLI, the worker and the Web UI, and survives restarts.
 */
import type { SearchAttributePair } from '@temporalio/common';
import type { AgentConfigSpec, WorkerPoolResource, WorkspaceSpec } from '../model/types';
import { KelosKind, KelosNamespace } from './search-attributes';

export const STORED_KINDS = ['Workspace', 'AgentConfig', 'TaskBudget', 'TaskRecord', 'WorkerPool'] as const;
export type StoredKind = (typeof STORED_KINDS)[number];

export interface StoredResource {
  apiVersion: string;
  kind: StoredKind;
  metadata: { name: string; namespace: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  /** A TaskBudget's accounts (Kelos's status shape), kept by its workflow. */
  status?: Record<string, unknown>;
}

/** The spec each kind holds: `kelos apply` validated and normalised it (src/model), so a reader needs no check. */
export interface StoredSpecs {
  Workspace: WorkspaceSpec;
  AgentConfig: AgentConfigSpec;
  WorkerPool: WorkerPoolResource['spec'];
  TaskBudget: Record<string, unknown>;
  TaskRecord: Record<string, unknown>;
}

/** A stored resource of one kind, its spec typed as that kind's. */
export type StoredResourceOf<K extends StoredKind> = Omit<StoredResource, 'kind' | 'spec'> & { kind: K; spec: StoredSpecs[K] };

/** The visibility query for the open stored resources of `kind` in `namespace` (every namespace without one). */
export function storedResourcesQuery(kind: StoredKind, namespace?: string): string {
  return `${KelosKind.name} = "${kind}"${namespace === undefined ? '' : ` AND ${KelosNamespace.name} = "${namespace}"`} AND ExecutionStatus = "Running"`;
}

export function resourceWorkflowId(kind: StoredKind, namespace: string, name: string): string {
  return `${kind.toLowerCase()}/${namespace}/${name}`;
}

/** Memo key under which the resource is stored (readable with `describe()`, no worker needed). */
export const RESOURCE_MEMO_KEY = 'resource';

/** How a stored resource's workflow is started, whoever starts it (`kelos apply`, a Task leaving its TaskRecord). */
export function storedResourceStartOptions(resource: StoredResource, summary = `${resource.kind} ${resource.metadata.namespace}/${resource.metadata.name}`) {
  const { kind, metadata } = resource;
  return {
    workflowId: resourceWorkflowId(kind, metadata.namespace, metadata.name),
    memo: { [RESOURCE_MEMO_KEY]: resource },
    typedSearchAttributes: [
      { key: KelosKind, value: kind },
      { key: KelosNamespace, value: metadata.namespace },
    ] as SearchAttributePair[],
    staticSummary: summary,
  };
}
