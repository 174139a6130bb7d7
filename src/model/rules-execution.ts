/**
 * Kelos's CEL rules (and the controller's pod-override checks) for the execution part of Task.spec and
 * TaskSpawner.spec.taskTemplate: exactly one execution source, mutual exclusions, credentials secretRef,
 * podFailurePolicy and reserved container/volume names.
 */
import type { PathSegment } from './manifest-error';
import { asObject, has, isSet, list, str, type RawObject } from './raw';
import type { Version } from './schema-common';

export type Report = (path: PathSegment[], message: string) => void;

const BUILT_IN_INIT_CONTAINERS = [
  'git-clone',
  'remote-setup',
  'branch-setup',
  'workspace-files',
  'plugin-setup',
  'skills-install',
] as const;
const RESERVED_PREFIX = 'kelos-';

/** Fields a pooled Task/TaskTemplate must not set (the pool decides them). */
const NOT_WITH_POOL = [
  'image',
  'workspaceRef',
  'agentConfigRefs',
  'dependsOn',
  'branch',
  'ttlSecondsAfterFinished',
  'podFailurePolicy',
  'podOverrides',
] as const;

export interface ExecutionTarget {
  /** `Task` validates Task.spec, `TaskTemplate` a spawner's taskTemplate. */
  owner: 'Task' | 'TaskTemplate';
  spec: RawObject;
  path: PathSegment[];
}

export function checkExecution(target: ExecutionTarget, version: Version, report: Report): void {
  const { spec, path } = target;
  if (version === 'v1alpha2') checkExecutionSource(target, report);
  else if (has(spec, 'agentConfigRef') && has(spec, 'agentConfigRefs')) {
    report([...path, 'agentConfigRef'], 'agentConfigRef and agentConfigRefs are mutually exclusive');
  }

  checkCredentialsSecretRef(asObject(spec['credentials']), [...path, 'credentials'], report);
  const worker = asObject(spec['worker']);
  checkCredentialsSecretRef(asObject(worker?.['credentials']), [...path, 'worker', 'credentials'], report);

  checkPodFailurePolicy(asObject(spec['podFailurePolicy']), [...path, 'podFailurePolicy'], report);
  checkPodOverrides(asObject(spec['podOverrides']), [...path, 'podOverrides'], report);
  checkPodOverrides(asObject(worker?.['podOverrides']), [...path, 'worker', 'podOverrides'], report);
}

function checkExecutionSource({ spec, path, owner }: ExecutionTarget, report: Report): void {
  const worker = asObject(spec['worker']);
  const hasPool = has(spec, 'workerPoolRef');
  const hasWorker = worker !== undefined;
  const hasWorkerType = str(worker?.['type']) !== '';
  const hasLegacyType = str(spec['type']) !== '';
  const hasLegacyCredentials = str(asObject(spec['credentials'])?.['type']) !== '';
  const hasLegacy = has(spec, 'type') || has(spec, 'credentials');

  const legacyComplete = owner === 'Task' ? hasLegacyType && hasLegacyCredentials : hasLegacyType;
  if (!hasPool && !(hasWorker && hasWorkerType) && !legacyComplete) {
    report(
      path,
      owner === 'Task'
        ? 'either workerPoolRef, worker with type, or type with credentials is required'
        : 'either workerPoolRef, worker with type, or type is required',
    );
  }
  if (owner === 'Task' && !hasPool && hasWorker && !has(worker, 'credentials')) {
    report([...path, 'worker', 'credentials'], 'is required for inline execution');
  }
  if (hasPool && hasLegacy) {
    report([...path, 'workerPoolRef'], 'workerPoolRef is mutually exclusive with inline type/credentials');
  }
  if (hasPool && hasWorker) {
    report(
      [...path, 'workerPoolRef'],
      'workerPoolRef is mutually exclusive with inline worker (per-task overrides not yet supported)',
    );
  }
  if (hasWorker && hasLegacy) {
    report([...path, 'worker'], 'worker is mutually exclusive with legacy type/credentials fields');
  }
  if (hasPool) {
    for (const field of NOT_WITH_POOL) {
      // Kelos's own example 15 sets taskTemplate.workspaceRef next to workerPoolRef for GitHub discovery; its CEL
      // rejects that, we accept it (kept as discoveryWorkspaceRef).
      if (owner === 'TaskTemplate' && field === 'workspaceRef') continue;
      const value = spec[field];
      const set = field === 'ttlSecondsAfterFinished' || field === 'podFailurePolicy' || field === 'podOverrides'
        ? value !== undefined && value !== null
        : isSet(value);
      if (set) report([...path, field], `${field} is not supported with workerPoolRef`);
    }
  }
}

function checkCredentialsSecretRef(credentials: RawObject | undefined, path: PathSegment[], report: Report): void {
  if (!credentials) return;
  const type = str(credentials['type']);
  if ((type === 'api-key' || type === 'oauth') && !has(credentials, 'secretRef')) {
    report([...path, 'secretRef'], 'is required for api-key and oauth credential types');
  }
}

function checkPodFailurePolicy(policy: RawObject | undefined, path: PathSegment[], report: Report): void {
  list(policy?.['rules']).forEach((rule, index) => {
    if (asObject(rule)?.['action'] === 'FailIndex') {
      report([...path, 'rules', index, 'action'], 'FailIndex is not supported for Task Jobs');
    }
  });
}

export function checkPodOverrides(overrides: RawObject | undefined, path: PathSegment[], report: Report): void {
  if (!overrides) return;
  list(overrides['volumes']).forEach((volume, index) => {
    const name = str(asObject(volume)?.['name']);
    if (name === 'workspace' || name.startsWith(RESERVED_PREFIX)) {
      report(
        [...path, 'volumes', index, 'name'],
        `must not be "workspace" or use the reserved "${RESERVED_PREFIX}" prefix (got ${JSON.stringify(name)})`,
      );
    }
  });
  const seen = new Map<string, string>();
  for (const field of ['extraContainers', 'extraInitContainers'] as const) {
    const namesInList = new Set<string>();
    list(overrides[field]).forEach((container, index) => {
      const namePath = [...path, field, index, 'name'];
      const name = str(asObject(container)?.['name']);
      if (name === '') {
        report(namePath, 'must not be empty');
        return;
      }
      if (name.startsWith(RESERVED_PREFIX) || (BUILT_IN_INIT_CONTAINERS as readonly string[]).includes(name)) {
        report(
          namePath,
          `must not use the reserved "${RESERVED_PREFIX}" prefix or a built-in init container name (${BUILT_IN_INIT_CONTAINERS.join(', ')}) (got ${JSON.stringify(name)})`,
        );
      }
      if (namesInList.has(name)) report(namePath, `duplicate name ${JSON.stringify(name)}`);
      else if (seen.has(name)) report(namePath, `name ${JSON.stringify(name)} is already used in ${seen.get(name)}`);
      namesInList.add(name);
      if (!seen.has(name)) seen.set(name, field);
    });
  }
}
