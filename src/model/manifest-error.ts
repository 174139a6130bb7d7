/**
 * Errors and "not supported yet" reports for manifests, in one line a user can act on:
 * `taskspawner.yaml#1 spec.when.githubIssues.state: must be one of open, closed, all (got "opened")`.
 * Plain data plus a `toString()`, so they survive being logged, thrown or returned from an activity.
 */

export type PathSegment = string | number;

/** `spec.when.githubIssues.state`, `spec.podOverrides.env[0].name`, `metadata.labels["kelos.dev/x"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Joins a prefix such as `items[2]` and a path inside the item. */
export function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

export interface ManifestErrorInit {
  source: string;
  /** 1-based index of the non-empty document in the source. */
  document: number;
  /** Field path inside the document; '' for the document as a whole. */
  path: string;
  message: string;
  kind?: string;
  name?: string;
}

export class ManifestError implements ManifestErrorInit {
  readonly source: string;
  readonly document: number;
  readonly path: string;
  readonly message: string;
  readonly kind?: string;
  readonly name?: string;

  constructor(init: ManifestErrorInit) {
    this.source = init.source;
    this.document = init.document;
    this.path = init.path;
    this.message = init.message;
    if (init.kind !== undefined) this.kind = init.kind;
    if (init.name !== undefined) this.name = init.name;
  }

  toString(): string {
    return formatManifestError(this);
  }
}

/** Same line as `ManifestError.toString()`, for plain objects that lost their prototype (e.g. after JSON). */
export function formatManifestError(error: ManifestErrorInit): string {
  const where = `${error.source}#${error.document}`;
  return error.path === '' ? `${where}: ${error.message}` : `${where} ${error.path}: ${error.message}`;
}

/** A document kelos-temporal recognised but does not run yet (a kind such as TaskBudget, or a feature). */
export interface UnsupportedInit {
  source: string;
  document: number;
  /** Path of the List/array item, '' for a whole document. */
  path: string;
  kind: string;
  name: string;
  /** What is not supported, e.g. `kind TaskBudget` or `spec.workerPoolRef (WorkerPool execution)`. */
  feature: string;
}

export class UnsupportedResource implements UnsupportedInit {
  readonly source: string;
  readonly document: number;
  readonly path: string;
  readonly kind: string;
  readonly name: string;
  readonly feature: string;

  constructor(init: UnsupportedInit) {
    this.source = init.source;
    this.document = init.document;
    this.path = init.path;
    this.kind = init.kind;
    this.name = init.name;
    this.feature = init.feature;
  }

  get message(): string {
    return `${this.feature} is not supported yet by kelos-temporal`;
  }

  toString(): string {
    return formatUnsupported(this);
  }
}

/** `taskbudget.yaml#1 TaskBudget "daily-budget": kind TaskBudget is not supported yet by kelos-temporal` */
export function formatUnsupported(entry: UnsupportedInit): string {
  const where = entry.path === '' ? `${entry.source}#${entry.document}` : `${entry.source}#${entry.document} ${entry.path}`;
  return `${where} ${entry.kind} ${JSON.stringify(entry.name)}: ${entry.feature} is not supported yet by kelos-temporal`;
}
