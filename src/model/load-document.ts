/**
 * One document → a normalised resource, an "unsupported" report, or errors. Routes by apiVersion/kind, validates
 * with the version's zod schema and the kind's CEL-style rules (all errors of the document, not the first), then
 * normalises.
 */
import type { z } from 'zod';
import {
  API_VERSIONS,
  SUPPORTED_KINDS,
  UNSUPPORTED_KINDS,
  type KelosResource,
  type ResourceOrigin,
  type SupportedKind,
} from './types';
import { ManifestError, UnsupportedResource, type PathSegment } from './manifest-error';
import { buildTask } from './normalize-task';
import { buildTaskSpawner } from './normalize-task-spawner';
import { buildAgentConfig, buildSecret, buildTaskBudget, buildWorkerPool, buildWorkspace } from './normalize-simple';
import { asObject, stripNulls, type RawObject } from './raw';
import { checkAgentConfig, checkTask, checkTaskBudget, checkTaskSpawner, checkWorkerPool, checkWorkspace, type Report } from './rules-documents';
import type { Version } from './schema-common';
import {
  DOCUMENT_SCHEMAS,
  secretDocument,
  type RawAgentConfig,
  type RawTask,
  type RawTaskBudget,
  type RawWorkerPool,
  type RawTaskSpawner,
  type RawWorkspace,
} from './schema-documents';
import { describeType, describeValue, issuesToErrors, kelosErrorMap, makeError, type ErrorContext } from './zod-issues';

export type DocumentOutcome =
  | { type: 'resource'; resource: KelosResource }
  | { type: 'unsupported'; entry: UnsupportedResource }
  | { type: 'errors'; errors: ManifestError[] };

export interface DocumentLocation {
  source: string;
  document: number;
  prefix: string;
}

const KELOS_VERSIONS: Readonly<Record<string, Version>> = {
  [API_VERSIONS.v1alpha1]: 'v1alpha1',
  [API_VERSIONS.v1alpha2]: 'v1alpha2',
};

const RULES: Readonly<Record<SupportedKind, (document: RawObject, version: Version, report: Report) => void>> = {
  Task: checkTask,
  TaskSpawner: checkTaskSpawner,
  Workspace: checkWorkspace,
  AgentConfig: checkAgentConfig,
  TaskBudget: checkTaskBudget,
  WorkerPool: checkWorkerPool,
};

function fail(context: ErrorContext, path: PathSegment[], message: string): DocumentOutcome {
  return { type: 'errors', errors: [makeError(context, path, message)] };
}

function validate(schema: z.ZodType, value: unknown, context: ErrorContext): { data?: unknown; errors: ManifestError[] } {
  const result = schema.safeParse(value, { error: kelosErrorMap });
  const errors = result.success ? [] : issuesToErrors(result.error.issues, context);
  return result.success ? { data: result.data, errors } : { errors };
}

export function loadDocument(input: unknown, location: DocumentLocation): DocumentOutcome {
  const value = stripNulls(input);
  const context: ErrorContext = { source: location.source, document: location.document, prefix: location.prefix };
  const object = asObject(value);
  if (!object) {
    return fail(context, [], `must be a Kubernetes object with apiVersion and kind (got ${describeType(value)})`);
  }
  const { apiVersion, kind } = object;
  if (apiVersion === undefined && kind === undefined) {
    return fail(context, [], 'not a Kubernetes manifest: apiVersion and kind are missing');
  }
  const metadataName = asObject(object['metadata'])?.['name'];
  const name = typeof metadataName === 'string' ? metadataName : '';
  if (typeof apiVersion !== 'string') {
    return fail(context, ['apiVersion'], apiVersion === undefined ? 'is required' : `must be a string (got ${describeType(apiVersion)})`);
  }
  if (typeof kind !== 'string') {
    return fail(context, ['kind'], kind === undefined ? 'is required' : `must be a string (got ${describeType(kind)})`);
  }
  const described: ErrorContext = { ...context, kind, ...(name !== '' ? { name } : {}) };
  const origin: ResourceOrigin = {
    source: location.source,
    document: location.document,
    path: location.prefix,
    apiVersion,
  };

  if (apiVersion === API_VERSIONS.core) {
    if (kind !== 'Secret') {
      return fail(described, ['kind'], `only Secret is read from apiVersion v1 (got ${describeValue(kind)})`);
    }
    return loadSecret(object, described, origin);
  }

  const version = KELOS_VERSIONS[apiVersion];
  if (version === undefined) {
    return fail(
      described,
      ['apiVersion'],
      apiVersion.startsWith('kelos.dev/')
        ? `unknown Kelos API version ${JSON.stringify(apiVersion)} (expected ${API_VERSIONS.v1alpha1} or ${API_VERSIONS.v1alpha2})`
        : `must be one of ${API_VERSIONS.v1alpha1}, ${API_VERSIONS.v1alpha2}, ${API_VERSIONS.core} (got ${JSON.stringify(apiVersion)})`,
    );
  }
  if ((UNSUPPORTED_KINDS as readonly string[]).includes(kind)) {
    // TaskRecords exist here, but Tasks write them; the apply path takes the kinds a user writes.
    const feature = kind === 'TaskRecord' ? 'applying a TaskRecord (Tasks that report usage write their own when they end: kelos get taskrecords)' : `kind ${kind}`;
    return unsupported(location, kind, name, feature);
  }
  if (!(SUPPORTED_KINDS as readonly string[]).includes(kind)) {
    return fail(
      described,
      ['kind'],
      `unknown Kelos kind ${JSON.stringify(kind)} (expected one of ${SUPPORTED_KINDS.join(', ')})`,
    );
  }
  return loadKelosObject(object, kind as SupportedKind, version, described, origin);
}

function unsupported(location: DocumentLocation, kind: string, name: string, feature: string): DocumentOutcome {
  return {
    type: 'unsupported',
    entry: new UnsupportedResource({
      source: location.source,
      document: location.document,
      path: location.prefix,
      kind,
      name,
      feature,
    }),
  };
}

function loadKelosObject(
  object: RawObject,
  kind: SupportedKind,
  version: Version,
  context: ErrorContext,
  origin: ResourceOrigin,
): DocumentOutcome {
  const { data, errors } = validate(DOCUMENT_SCHEMAS[kind][version], object, context);
  RULES[kind](object, version, (path, message) => errors.push(makeError(context, path, message)));
  if (errors.length > 0 || data === undefined) return { type: 'errors', errors: dedupe(errors) };

  const resource = build(kind, data, version, origin);
  const location = { source: origin.source, document: origin.document, prefix: origin.path };
  if (resource.kind === 'TaskSpawner' && resource.spec.source === 'slack') {
    return unsupported(location, kind, resource.metadata.name, 'spec.when.slack (the Slack source)');
  }
  return { type: 'resource', resource };
}

function build(kind: SupportedKind, data: unknown, version: Version, origin: ResourceOrigin): KelosResource {
  switch (kind) {
    case 'Task':
      return buildTask(data as RawTask, origin);
    case 'TaskSpawner':
      return buildTaskSpawner(data as RawTaskSpawner, version, origin);
    case 'Workspace':
      return buildWorkspace(data as RawWorkspace, origin);
    case 'AgentConfig':
      return buildAgentConfig(data as RawAgentConfig, origin);
    case 'TaskBudget':
      return buildTaskBudget(data as RawTaskBudget, origin);
    case 'WorkerPool':
      return buildWorkerPool(data as RawWorkerPool, origin);
  }
}

function loadSecret(object: RawObject, context: ErrorContext, origin: ResourceOrigin): DocumentOutcome {
  const { data, errors } = validate(secretDocument, object, context);
  if (errors.length > 0 || data === undefined) return { type: 'errors', errors };
  const built = buildSecret(data as z.output<typeof secretDocument>, origin);
  if (!built.resource) {
    return {
      type: 'errors',
      errors: built.badKeys.map((path) => makeError(context, path, 'must be base64-encoded (use stringData for plain text)')),
    };
  }
  return { type: 'resource', resource: built.resource };
}

/** The schema and a rule can flag the same field with the same words; say it once. */
function dedupe(errors: ManifestError[]): ManifestError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.path}\u0000${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

