/**
 * zod building blocks shared by the Kelos kinds, mirroring the CRD markers (enums, patterns, minimums, maxItems).
 * Objects are strict (unknown fields are reported); free-form Kubernetes objects use {@link kubeObject} and pass
 * through untouched.
 */
import { z } from 'zod';
import { DurationError, parsePollInterval } from '../go';
import { parseSchedule } from '../sources/cron/cron';
import { AGENT_TYPES, CREDENTIAL_TYPES } from './types';
import { describeValue } from './zod-issues';

export type Version = 'v1alpha1' | 'v1alpha2';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes object names (RFC 1123 subdomain). */
export const dnsSubdomain = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS_SUBDOMAIN, {
    error: (issue) =>
      `must be a lowercase RFC 1123 name (letters a-z, digits, '-' and '.', starting and ending with a letter or digit) (got ${describeValue(issue.input)})`,
  });

/** Namespaces and spawner credential names (RFC 1123 label, at most 63 characters). */
export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS_LABEL, {
    error: (issue) =>
      `must be a lowercase RFC 1123 label (letters a-z, digits and '-', starting and ending with a letter or digit) (got ${describeValue(issue.input)})`,
  });

export const int32 = z.number().int().min(-2147483648).max(2147483647);
export const nonNegativeInt32 = int32.min(0);
export const stringList = z.array(z.string());
export const stringMap = z.record(z.string(), z.string());

/** A Kubernetes object kept verbatim. */
export const kubeObject = z.record(z.string(), z.unknown());
export const kubeObjectList = z.array(kubeObject);

export const secretReference = z.strictObject({ name: z.string().min(1) });
/** workspaceRef / agentConfigRefs[] / workerPoolRef: a name that must not be empty. */
export const nameRef = z.strictObject({ name: z.string().min(1) });

/** v1alpha2 lets the agent type be empty (meaning "not set here"). */
export const agentTypeV2 = z.enum([...AGENT_TYPES, '']);
export const agentTypeV1 = z.enum(AGENT_TYPES);

export const credentials = z.strictObject({
  type: z.enum(CREDENTIAL_TYPES),
  secretRef: secretReference.optional(),
});

export const envVar = z.strictObject({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: kubeObject.optional(),
});

export const podOverrides = z.strictObject({
  labels: stringMap.optional(),
  resources: kubeObject.optional(),
  activeDeadlineSeconds: z.number().int().min(1).optional(),
  env: z.array(envVar).optional(),
  nodeSelector: stringMap.optional(),
  tolerations: kubeObjectList.optional(),
  affinity: kubeObject.optional(),
  imagePullSecrets: z.array(z.strictObject({ name: z.string() })).optional(),
  serviceAccountName: z.string().optional(),
  volumes: kubeObjectList.optional(),
  volumeMounts: kubeObjectList.optional(),
  podSecurityContext: kubeObject.optional(),
  containerSecurityContext: kubeObject.optional(),
  extraContainers: kubeObjectList.max(8).optional(),
  extraInitContainers: kubeObjectList.max(8).optional(),
});

/** Metadata fields the API server sets; accepted (so `kubectl get -o yaml` output loads) and ignored. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'ownerReferences',
  'finalizers',
] as const;

export const objectMeta = z.strictObject({
  name: dnsSubdomain,
  namespace: dnsLabel.optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  ...Object.fromEntries(SERVER_METADATA.map((key) => [key, z.unknown().optional()])),
});

/** A Go duration or a bare integer of seconds, greater than zero. */
export const pollInterval = z.string().superRefine((text, ctx) => {
  try {
    if (parsePollInterval(text) <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be a positive duration (got ${JSON.stringify(text)})`, input: text });
    }
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message, input: text });
  }
});

/**
 * Standard 5-field cron, `@daily`-style descriptors and a `CRON_TZ=` prefix (see src/sources/cron/cron.ts). Kelos's CRD
 * accepts descriptors but its spawner then fails on them; we run them.
 */
export const cronSchedule = z.string().superRefine((text, ctx) => {
  try {
    parseSchedule(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message, input: text });
  }
});
