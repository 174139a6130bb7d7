/**
 * Schemas for Task specs and TaskSpawner task templates. Each object has a "wide" schema holding the fields of
 * both API versions (used for typing the normalisers) and per-version schemas derived from it, so a v1alpha1 field
 * in a v1alpha2 manifest (or the reverse) is reported as unknown.
 */
import { z } from 'zod';
import {
  agentTypeV1,
  agentTypeV2,
  credentials,
  kubeObject,
  nameRef,
  nonNegativeInt32,
  podOverrides,
  secretReference,
  stringList,
  stringMap,
} from './schema-common';

export const workerSpec = z.strictObject({
  type: agentTypeV2.optional(),
  credentials: credentials.optional(),
  model: z.string().optional(),
  effort: z.string().optional(),
  image: z.string().optional(),
  workspaceRef: nameRef.optional(),
  agentConfigRefs: z.array(nameRef).min(1).optional(),
  podOverrides: podOverrides.optional(),
});

/** Fields common to Task.spec and TaskTemplate in every version. */
const executionShape = {
  worker: workerSpec.optional(),
  workerPoolRef: nameRef.optional(),
  type: agentTypeV2.optional(),
  credentials: credentials.optional(),
  model: z.string().optional(),
  effort: z.string().optional(),
  image: z.string().optional(),
  workspaceRef: nameRef.optional(),
  agentConfigRef: nameRef.optional(),
  agentConfigRefs: z.array(nameRef).min(1).optional(),
  dependsOn: stringList.optional(),
  branch: z.string().optional(),
  upstreamRepo: z.string().optional(),
  ttlSecondsAfterFinished: nonNegativeInt32.optional(),
  podFailurePolicy: kubeObject.optional(),
  podOverrides: podOverrides.optional(),
};

/** v1alpha1 has no worker block, pools or podFailurePolicy; type and credentials are required. */
const v1alpha1Execution = { type: agentTypeV1, credentials } as const;
const v1alpha2Only = { worker: true, workerPoolRef: true, podFailurePolicy: true } as const;

export const taskSpecWide = z.strictObject({ ...executionShape, prompt: z.string() });
export const taskSpecV2 = taskSpecWide.omit({ agentConfigRef: true });
export const taskSpecV1 = taskSpecWide.omit(v1alpha2Only).extend(v1alpha1Execution);
export type RawTaskSpec = z.output<typeof taskSpecWide>;

const headerSource = z.strictObject({
  header: z.string().min(1),
  secretName: z.string().min(1),
  secretKey: z.string().min(1),
});

export const httpContextSourceWide = z.strictObject({
  url: z.string().min(1),
  method: z.enum(['GET', 'POST']).optional(),
  headers: stringMap.optional(),
  headersFrom: z.array(headerSource).max(16).optional(),
  githubAppAuth: z
    .strictObject({
      secretRef: secretReference,
      apiBaseURL: z.string().max(2048).regex(/^https:\/\/[^/]/).optional(),
    })
    .optional(),
  body: z.string().optional(),
  responseFilter: z.strictObject({ type: z.enum(['JSONPath']), expression: z.string().min(1) }).optional(),
  allowInsecure: z.boolean().optional(),
  timeoutSeconds: z.number().int().min(1).max(60).optional(),
  maxResponseBytes: z.number().int().min(1).max(131072).optional(),
});

const contextSourceShape = {
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-zA-Z][a-zA-Z0-9_]*$/),
  http: httpContextSourceWide.optional(),
  failurePolicy: z.enum(['Fail', 'Ignore']).optional(),
};
export const contextSourceWide = z.strictObject(contextSourceShape);
const contextSourceV1 = contextSourceWide.extend({
  http: httpContextSourceWide.omit({ githubAppAuth: true }).optional(),
});

const templateShape = {
  ...executionShape,
  promptTemplate: z.string().optional(),
  nameTemplate: z.string().optional(),
  metadata: z.strictObject({ labels: stringMap.optional(), annotations: stringMap.optional() }).optional(),
  contextSources: z.array(contextSourceWide).max(8).optional(),
};

export const taskTemplateWide = z.strictObject(templateShape);
export const taskTemplateV2 = taskTemplateWide.omit({ agentConfigRef: true });
export const taskTemplateV1 = taskTemplateWide
  .omit({ ...v1alpha2Only, nameTemplate: true })
  .extend({ ...v1alpha1Execution, contextSources: z.array(contextSourceV1).max(8).optional() });
export type RawTaskTemplate = z.output<typeof taskTemplateWide>;
export type RawWorkerSpec = z.output<typeof workerSpec>;
export type RawContextSource = z.output<typeof contextSourceWide>;
