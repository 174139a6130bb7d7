/**
 * Whole-document schemas per kind and API version (apiVersion/kind/metadata/spec[/status]).
 */
import { z } from 'zod';
import { MCP_SERVER_TYPES } from './types';
import {
  dnsLabel,
  envVar,
  kubeObject,
  nonNegativeInt32,
  objectMeta,
  pollInterval,
  secretReference,
  stringList,
  stringMap,
  type Version,
} from './schema-common';
import { whenV1, whenV2, whenWide } from './schema-sources';
import { taskSpecV1, taskSpecV2, taskSpecWide, taskTemplateV1, taskTemplateV2, taskTemplateWide, workerSpec } from './schema-task';

function document<Spec extends z.ZodType>(spec: Spec) {
  return z.strictObject({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: objectMeta,
    spec,
    status: kubeObject.optional(),
  });
}

// --- Task

export const taskDocumentWide = document(taskSpecWide);
export type RawTask = z.output<typeof taskDocumentWide>;

// --- TaskSpawner

const spawnerCredential = z.strictObject({
  name: dnsLabel,
  type: z.enum(['api-key', 'oauth']),
  secretRef: secretReference,
});

const taskSpawnerSpecWide = z.strictObject({
  when: whenWide,
  taskTemplate: taskTemplateWide,
  credentials: z.array(spawnerCredential).min(1).optional(),
  pollInterval: pollInterval.optional(),
  maxConcurrency: nonNegativeInt32.optional(),
  maxTotalTasks: nonNegativeInt32.optional(),
  suspend: z.boolean().optional(),
});
const taskSpawnerSpecV2 = taskSpawnerSpecWide
  .omit({ pollInterval: true })
  .extend({ when: whenV2, taskTemplate: taskTemplateV2 });
const taskSpawnerSpecV1 = taskSpawnerSpecWide
  .omit({ credentials: true })
  .extend({ when: whenV1, taskTemplate: taskTemplateV1 });

export const taskSpawnerDocumentWide = document(taskSpawnerSpecWide);
export type RawTaskSpawner = z.output<typeof taskSpawnerDocumentWide>;

// --- Workspace

// Kelos's pattern plus `file://`, so the local runtime works offline and in tests (the Kubernetes runtime needs a
// network URL).
const gitUrl = z.string().regex(/^(https?:\/\/|git:\/\/|git@|file:\/\/).*/);

const workspaceSpecWide = z.strictObject({
  repo: gitUrl,
  ref: z.string().optional(),
  secretRef: secretReference.optional(),
  ghproxy: z.strictObject({}).optional(),
  remotes: z.array(z.strictObject({ name: z.string().min(1), url: gitUrl })).optional(),
  files: z.array(z.strictObject({ path: z.string().min(1), content: z.string() })).optional(),
  setupCommand: z.array(z.string()).min(1).optional(),
});
export const workspaceDocumentWide = document(workspaceSpecWide);
export type RawWorkspace = z.output<typeof workspaceDocumentWide>;

// --- AgentConfig

const namedContent = z.strictObject({ name: z.string().min(1), content: z.string() });
const secretValuesSource = z.strictObject({ secretRef: secretReference });

const mcpServerWide = z.strictObject({
  name: z.string().min(1),
  type: z.enum(MCP_SERVER_TYPES),
  command: z.string().optional(),
  args: stringList.optional(),
  url: z.string().optional(),
  headers: stringMap.optional(),
  headersFrom: secretValuesSource.optional(),
  /** v1alpha2: EnvVar list; v1alpha1: name → value map. */
  env: z.union([z.array(envVar), stringMap]).optional(),
  envFrom: secretValuesSource.optional(),
});

const skillsShWide = z.strictObject({
  source: z.string().min(1),
  skill: z.string().optional(),
  secretRef: secretReference.optional(),
});

const agentConfigSpecWide = z.strictObject({
  agentsMD: z.string().optional(),
  plugins: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        skills: z.array(namedContent).optional(),
        agents: z.array(namedContent).optional(),
      }),
    )
    .optional(),
  skills: z.array(skillsShWide).optional(),
  mcpServers: z.array(mcpServerWide).optional(),
});
const agentConfigSpecV2 = agentConfigSpecWide.extend({
  mcpServers: z.array(mcpServerWide.extend({ env: z.array(envVar).optional() })).optional(),
});
const agentConfigSpecV1 = agentConfigSpecWide.extend({
  skills: z.array(skillsShWide.omit({ secretRef: true })).optional(),
  mcpServers: z.array(mcpServerWide.extend({ env: stringMap.optional() })).optional(),
});

/** AgentConfig.spec is optional in the CRD (every field is). */
function agentConfigDocument<Spec extends z.ZodType>(spec: Spec) {
  return document(spec.optional());
}
export const agentConfigDocumentWide = agentConfigDocument(agentConfigSpecWide);
export type RawAgentConfig = z.output<typeof agentConfigDocumentWide>;

// --- Secret (core v1)

export const secretDocument = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMeta,
  type: z.string().optional(),
  data: stringMap.optional(),
  stringData: stringMap.optional(),
  immutable: z.boolean().optional(),
});
export type RawSecret = z.output<typeof secretDocument>;

// --- TaskBudget (kelos.dev/v1alpha2 in Kelos; read from either version here)

const labelSelector = z.strictObject({
  matchLabels: stringMap.optional(),
  matchExpressions: z
    .array(z.strictObject({ key: z.string().min(1), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(z.string()).optional() }))
    .optional(),
});
const taskBudgetSpec = z.strictObject({
  taskSelector: labelSelector,
  period: z.strictObject({ type: z.enum(['Daily']), timezone: z.string().max(64).regex(/^[A-Za-z0-9/_+-]+$/).optional() }),
  maxCostUSD: z.union([z.string(), z.number()]).optional(),
  maxInputTokens: z.number().int().min(0).optional(),
  maxOutputTokens: z.number().int().min(0).optional(),
});
export const taskBudgetDocument = document(taskBudgetSpec);
export type RawTaskBudget = z.output<typeof taskBudgetDocument>;

// --- WorkerPool (kelos.dev/v1alpha2 in Kelos; read from either version here, as TaskBudget)

const workerPoolSpec = z.strictObject({
  worker: workerSpec,
  replicas: nonNegativeInt32.optional(),
  /** A PersistentVolumeClaimSpec: each Kubernetes member's volume (the local runtime gives a member a directory). */
  volumeClaimTemplate: kubeObject,
});
export const workerPoolDocument = document(workerPoolSpec);
export type RawWorkerPool = z.output<typeof workerPoolDocument>;

/** Per-version schemas; all outputs are assignable to the `...Wide` types above. */
export const DOCUMENT_SCHEMAS = {
  Task: { v1alpha1: document(taskSpecV1), v1alpha2: document(taskSpecV2) },
  TaskSpawner: { v1alpha1: document(taskSpawnerSpecV1), v1alpha2: document(taskSpawnerSpecV2) },
  Workspace: {
    v1alpha1: document(workspaceSpecWide.omit({ ghproxy: true })),
    v1alpha2: document(workspaceSpecWide),
  },
  AgentConfig: { v1alpha1: agentConfigDocument(agentConfigSpecV1), v1alpha2: agentConfigDocument(agentConfigSpecV2) },
  TaskBudget: { v1alpha1: taskBudgetDocument, v1alpha2: taskBudgetDocument },
  WorkerPool: { v1alpha1: workerPoolDocument, v1alpha2: workerPoolDocument },
} as const satisfies Record<string, Record<Version, z.ZodType>>;
