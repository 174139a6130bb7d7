/**
 * Whether a Temporal namespace has the search attributes kelos needs (src/store/search-attributes.ts), with their types.
 * Every kelos process that starts or lists kelos workflows asks once at start (one `ListSearchAttributes`, a few
 * milliseconds) and stops with one line naming `kelos setup` when they are missing; otherwise each Task start would
 * fail later with a server error that says nothing about what to do.
 */
import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES, searchAttributeTypeName } from '../store/search-attributes';
import { KelosError } from './kelos-api';

/** What both the client's `Connection` and the worker's `NativeConnection` offer. */
export type TemporalServices = Pick<Connection, 'workflowService' | 'operatorService'>;

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** The server's enum for each SDK type kelos uses. */
export const INDEXED_VALUE_TYPE: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** `Keyword`, `Text`, …: the names the `temporal` CLI, tcld and the Web UI use. */
export function indexedTypeName(type: temporal.api.enums.v1.IndexedValueType): string {
  const sdkType = (Object.keys(INDEXED_VALUE_TYPE) as SearchAttributeType[]).find((key) => INDEXED_VALUE_TYPE[key] === type);
  return sdkType ? searchAttributeTypeName(sdkType) : `type ${type}`;
}

export interface SearchAttributeFinding {
  name: string;
  /** The type kelos writes, as the server names it. */
  needed: string;
  /** Absent: not registered. */
  registeredAs?: string;
}

export type SearchAttributeReport =
  | { kind: 'listed'; findings: SearchAttributeFinding[] }
  /** The operator API is refused (Temporal Cloud without the right role, a proxy): found by queries, types unknown. */
  | { kind: 'probed'; findings: SearchAttributeFinding[]; refusal: string }
  | { kind: 'no-namespace' };

/** gRPC codes that mean "this API is not for you here" (Temporal Cloud, an authorizer, a proxy). */
const REFUSED_CODES = new Set([7 /* PERMISSION_DENIED */, 12 /* UNIMPLEMENTED */, 16 /* UNAUTHENTICATED */]);
const NOT_FOUND = 5;

export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isRefusal(err: unknown): boolean {
  return REFUSED_CODES.has(grpcCode(err) ?? -1);
}

export function isNotFound(err: unknown): boolean {
  return grpcCode(err) === NOT_FOUND;
}

export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 300);
}

/** One `ListSearchAttributes`; only when the operator API is refused, visibility queries instead. */
export async function inspectSearchAttributes(services: TemporalServices, namespace: string): Promise<SearchAttributeReport> {
  try {
    const response = await services.operatorService.listSearchAttributes({ namespace });
    const registered = response.customAttributes ?? {};
    return {
      kind: 'listed',
      findings: ALL_SEARCH_ATTRIBUTES.map((key) => ({
        name: key.name,
        needed: searchAttributeTypeName(key.type),
        ...(registered[key.name] !== undefined ? { registeredAs: indexedTypeName(registered[key.name]) } : {}),
      })),
    };
  } catch (err) {
    if (isNotFound(err)) return { kind: 'no-namespace' };
    if (!isRefusal(err)) throw err;
    return { kind: 'probed', findings: await findByQueries(services, namespace), refusal: firstLine(err) };
  }
}

/**
 * A count query that names an unknown search attribute is refused with "invalid search attribute"; that works
 * with only a namespace's read permission. One query for all, then one per attribute to name the missing ones.
 */
export async function findByQueries(services: TemporalServices, namespace: string): Promise<SearchAttributeFinding[]> {
  const known = async (names: string[]): Promise<boolean> => {
    try {
      await services.workflowService.countWorkflowExecutions({ namespace, query: names.map((name) => `${name} = "kelos-setup-probe"`).join(' AND ') });
      return true;
    } catch (err) {
      if (grpcCode(err) === 3 /* INVALID_ARGUMENT */) return false;
      throw err;
    }
  };
  const everything = await known(ALL_SEARCH_ATTRIBUTES.map((key) => key.name));
  const findings: SearchAttributeFinding[] = [];
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    const needed = searchAttributeTypeName(key.type);
    // The type is not visible this way; a present attribute is taken to have the type kelos needs.
    findings.push(everything || (await known([key.name])) ? { name: key.name, needed, registeredAs: needed } : { name: key.name, needed });
  }
  return findings;
}

/** Stops the process with one line when the namespace is not ready for kelos. */
export async function requireKelosSearchAttributes(services: TemporalServices, namespace: string): Promise<void> {
  const problem = readinessProblem(namespace, await inspectSearchAttributes(services, namespace));
  if (problem) throw new KelosError(problem);
}

/** The one line that says what is wrong and which command fixes it; undefined when all is well. */
export function readinessProblem(namespace: string, report: SearchAttributeReport): string | undefined {
  if (report.kind === 'no-namespace') return `Temporal namespace "${namespace}" does not exist: run kelos setup`;
  const missing = report.findings.filter((finding) => !finding.registeredAs).map((finding) => finding.name);
  const wrong = report.findings.filter((finding) => finding.registeredAs && finding.registeredAs !== finding.needed);
  const parts: string[] = [];
  if (missing.length) parts.push(`lacks search attribute${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  for (const finding of wrong) parts.push(`has ${finding.name} as ${finding.registeredAs} where kelos needs ${finding.needed}`);
  if (!parts.length) return undefined;
  return `Temporal namespace "${namespace}" ${parts.join('; ')}: run kelos setup`;
}
