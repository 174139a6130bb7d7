/**
 * Kelos custom objects as the controller reads them (deploy/kubernetes/crds.yaml): which kinds, and the manifest
 * an object stands for. The CRDs store every version as v1alpha2 without converting fields, so an object written as
 * v1alpha1 comes back with its v1alpha1 fields under apiVersion v1alpha2; the version its author used is the one
 * their write recorded in `managedFields`, and the manifest is parsed in that version.
 */
import type { KubernetesObject } from '@kubernetes/client-node';

export const KELOS_GROUP = 'kelos.dev';
export const WATCHED_VERSION = 'v1alpha2';
export const CRD_PLURALS = { Task: 'tasks', TaskSpawner: 'taskspawners', Workspace: 'workspaces', AgentConfig: 'agentconfigs', TaskBudget: 'taskbudgets', WorkerPool: 'workerpools' } as const;
export type CrdKind = keyof typeof CRD_PLURALS;
export const CRD_KINDS = Object.keys(CRD_PLURALS) as CrdKind[];

/** The field manager of the controller's own writes (status, finalizers). */
export const CONTROLLER_MANAGER = 'kelos-controller';
export const FINALIZER = 'kelos.dev/finalizer';
/** On a Task started from a custom object: the object's UID, so a Task of the same name from elsewhere is told apart. */
export const OBJECT_UID_ANNOTATION = 'kelos.dev/kubernetes-uid';
/** On a Task object the controller made for a Task a spawner started (Kelos's spawners create Task objects). */
export const MIRROR_ANNOTATION = 'kelos.dev/mirrored-from';

export interface KelosObject extends KubernetesObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & { observedGeneration?: number; phase?: string };
}

/** The apiVersion of the newest spec write by someone other than this controller (default: as served). */
export function writtenApiVersion(object: KelosObject): string {
  const writes = (object.metadata?.managedFields ?? [])
    .filter((entry) => entry.manager !== CONTROLLER_MANAGER && !entry.subresource && entry.apiVersion?.startsWith(`${KELOS_GROUP}/`))
    .sort((a, b) => String(a.time ?? '').localeCompare(String(b.time ?? '')));
  return writes.at(-1)?.apiVersion ?? object.apiVersion ?? `${KELOS_GROUP}/${WATCHED_VERSION}`;
}

/** What the author wrote: kind, metadata (name, namespace, labels, annotations) and spec, in their version. */
export function manifestOf(object: KelosObject): Record<string, unknown> {
  const { name, namespace, labels, annotations } = object.metadata ?? {};
  // kubectl's own bookkeeping is not the author's metadata.
  const { 'kubectl.kubernetes.io/last-applied-configuration': _applied, ...userAnnotations } = annotations ?? {};
  return {
    apiVersion: writtenApiVersion(object),
    kind: object.kind,
    metadata: { name, namespace, ...(labels ? { labels } : {}), ...(Object.keys(userAnnotations).length ? { annotations: userAnnotations } : {}) },
    spec: object.spec ?? {},
  };
}

/**
 * A Task's agent type, in either form (`spec.type`, or v1alpha2's `spec.worker.type`). The controller writes it to
 * `status.agentType`, which the CRD's Type column shows: one printer-column JSONPath cannot read two places.
 */
export function taskTypeOf(object: KelosObject): string | undefined {
  const spec = object.spec ?? {};
  const worker = spec.worker as { type?: unknown } | undefined;
  const type = typeof spec.type === 'string' && spec.type ? spec.type : worker?.type;
  return typeof type === 'string' && type ? type : undefined;
}

export function objectKey(kind: CrdKind, object: KubernetesObject): string {
  return `${kind}/${object.metadata?.namespace}/${object.metadata?.name}`;
}
