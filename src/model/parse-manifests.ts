/**
 * Entry points: manifest text → normalised resources, errors and "not supported yet" reports; and single objects
 * (e.g. a workflow's JSON input) → one normalised resource.
 */
import { splitDocuments } from './documents';
import { loadDocument } from './load-document';
import { ManifestError, UnsupportedResource } from './manifest-error';
import type {
  AgentConfigResource,
  KelosResource,
  SecretResource,
  TaskResource,
  TaskSpawnerResource,
  WorkspaceResource,
} from './types';

export interface ParseResult {
  resources: KelosResource[];
  /** Every problem of every document, in document order. */
  errors: ManifestError[];
  /** Recognised documents kelos-temporal does not run yet (WorkerPool, Session, TaskBudget, pooled Tasks, ...). */
  unsupported: UnsupportedResource[];
}
export type ParsedManifests = ParseResult;

/**
 * Parses multi-document YAML or JSON text. `source` is the display name used in messages, e.g. `taskspawner.yaml`.
 * Never throws for bad input: everything wrong is in `errors`.
 */
export function parseManifests(text: string, source: string): ParseResult {
  const split = splitDocuments(text, source);
  const result: ParseResult = { resources: [], errors: [...split.errors], unsupported: [] };
  for (const document of split.documents) {
    const outcome = loadDocument(document.value, { source, document: document.document, prefix: document.prefix });
    if (outcome.type === 'resource') result.resources.push(outcome.resource);
    else if (outcome.type === 'unsupported') result.unsupported.push(outcome.entry);
    else result.errors.push(...outcome.errors);
  }
  result.errors.sort((a, b) => a.document - b.document);
  return result;
}

export type NormalizeResult<T> = { ok: true; resource: T } | { ok: false; errors: ManifestError[] };

type KindOf<T extends KelosResource> = T['kind'];

/** Validates and normalises one already-decoded object of any supported kind (document number 1). */
export function normalizeResource(object: unknown, source = '<input>'): NormalizeResult<KelosResource> {
  const outcome = loadDocument(object, { source, document: 1, prefix: '' });
  if (outcome.type === 'resource') return { ok: true, resource: outcome.resource };
  if (outcome.type === 'errors') return { ok: false, errors: outcome.errors };
  const entry = outcome.entry;
  return {
    ok: false,
    errors: [
      new ManifestError({ source, document: 1, path: '', message: entry.message, kind: entry.kind, name: entry.name }),
    ],
  };
}

function normalizeKind<T extends KelosResource>(kind: KindOf<T>, object: unknown, source: string): NormalizeResult<T> {
  const result = normalizeResource(object, source);
  if (!result.ok) return result;
  if (result.resource.kind !== kind) {
    return {
      ok: false,
      errors: [
        new ManifestError({
          source,
          document: 1,
          path: 'kind',
          message: `must be ${JSON.stringify(kind)} (got ${JSON.stringify(result.resource.kind)})`,
        }),
      ],
    };
  }
  return { ok: true, resource: result.resource as T };
}

export const normalizeTask = (object: unknown, source = '<input>') => normalizeKind<TaskResource>('Task', object, source);
export const normalizeTaskSpawner = (object: unknown, source = '<input>') =>
  normalizeKind<TaskSpawnerResource>('TaskSpawner', object, source);
export const normalizeWorkspace = (object: unknown, source = '<input>') =>
  normalizeKind<WorkspaceResource>('Workspace', object, source);
export const normalizeAgentConfig = (object: unknown, source = '<input>') =>
  normalizeKind<AgentConfigResource>('AgentConfig', object, source);
export const normalizeSecret = (object: unknown, source = '<input>') =>
  normalizeKind<SecretResource>('Secret', object, source);
