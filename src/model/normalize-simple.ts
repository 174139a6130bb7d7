/**
 * Workspace, AgentConfig and Secret: validated document → normalised resource.
 */
import { decodeBase64, decodeUtf8 } from './base64';
import type { AgentConfigResource, EnvVar, ResourceOrigin, SecretResource, TaskBudgetResource, WorkerPoolResource, WorkspaceResource } from './types';
import type { PathSegment } from './manifest-error';
import { normalizeMetadata } from './normalize-execution';
import { compact } from './raw';
import type { RawAgentConfig, RawSecret, RawTaskBudget, RawWorkerPool, RawWorkspace } from './schema-documents';
import { normalWorkspaceFilePath } from './workspace-file-path';

export function buildWorkspace(raw: RawWorkspace, origin: ResourceOrigin): WorkspaceResource {
  return {
    kind: 'Workspace',
    metadata: normalizeMetadata(raw.metadata),
    spec: compact({
      ...raw.spec,
      ghproxy: raw.spec.ghproxy ? {} : undefined,
      files: raw.spec.files?.map((file) => ({ ...file, path: normalWorkspaceFilePath(file.path) })),
    }),
    origin,
  };
}

/** v1alpha1 MCP env is a name → value map; v1alpha2 (and the model) use an EnvVar list, sorted by name. */
function normalizeMcpEnv(env: EnvVar[] | Record<string, string> | undefined): EnvVar[] | undefined {
  if (env === undefined || Array.isArray(env)) return env;
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name]! }));
}

export function buildAgentConfig(raw: RawAgentConfig, origin: ResourceOrigin): AgentConfigResource {
  const spec = raw.spec ?? {};
  return {
    kind: 'AgentConfig',
    metadata: normalizeMetadata(raw.metadata),
    spec: compact({
      ...spec,
      mcpServers: spec.mcpServers?.map((server) => compact({ ...server, env: normalizeMcpEnv(server.env) })),
    }),
    origin,
  };
}

export interface SecretBuild {
  resource?: SecretResource;
  /** Keys of `data` that are not valid base64. */
  badKeys: PathSegment[][];
}

export function buildSecret(raw: RawSecret, origin: ResourceOrigin): SecretBuild {
  const data: Record<string, string> = {};
  const badKeys: PathSegment[][] = [];
  for (const [key, encoded] of Object.entries(raw.data ?? {})) {
    const bytes = decodeBase64(encoded);
    if (bytes === undefined) badKeys.push(['data', key]);
    else data[key] = decodeUtf8(bytes);
  }
  Object.assign(data, raw.stringData ?? {});
  if (badKeys.length > 0) return { badKeys };
  return {
    badKeys,
    resource: compact({
      kind: 'Secret' as const,
      metadata: normalizeMetadata(raw.metadata),
      type: raw.type ?? 'Opaque',
      data,
      immutable: raw.immutable,
      origin,
    }),
  };
}

/** Kelos's defaults: the UTC timezone; the cost kept as the decimal text it was written as. */
export function buildTaskBudget(raw: RawTaskBudget, origin: ResourceOrigin): TaskBudgetResource {
  const { maxCostUSD, period, ...limits } = raw.spec;
  return {
    kind: 'TaskBudget',
    metadata: normalizeMetadata(raw.metadata),
    spec: compact({ ...limits, period: { type: period.type, timezone: period.timezone || 'UTC' }, maxCostUSD: maxCostUSD === undefined ? undefined : String(maxCostUSD).trim() }),
    origin,
  };
}

/** Kelos's default of one member; the worker block as written (its rules were checked: type, credentials, workspace). */
export function buildWorkerPool(raw: RawWorkerPool, origin: ResourceOrigin): WorkerPoolResource {
  const { worker, replicas, volumeClaimTemplate } = raw.spec;
  return {
    kind: 'WorkerPool',
    metadata: normalizeMetadata(raw.metadata),
    spec: { worker: compact({ ...worker }) as WorkerPoolResource['spec']['worker'], replicas: replicas ?? 1, volumeClaimTemplate },
    origin,
  };
}
