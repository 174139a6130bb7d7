/**
 * `taskTemplate.contextSources` (kelos-behaviour §9): values fetched per item before its Task is created and read
 * by templates as `{{.Context.<name>}}`. Pure parts: the placeholders a spawner renders with before the fetch (names
 * and dedup happen at admission; nameTemplate may not read `.Context`), and how a response becomes the value — the
 * body as text, or a JSONPath result as Kelos prints it (strings as they are, numbers, booleans and null as Go's
 * `%v`, objects and lists as Go's encoding/json writes them).
 */
import type { ContextSource, TaskSpawnerResource } from '../model/types';
import { goJsonValueString, evaluateJsonPath } from '../go';
import type { TemplateVars } from '../sources/template-vars';

/** `vars` with `Context` set: the fetched values, or empty ones until they are fetched. */
export function withContext(spawner: TaskSpawnerResource, vars: TemplateVars, context?: Record<string, string>): TemplateVars {
  const sources = spawner.spec.taskTemplate.contextSources;
  if (!sources?.length) return vars;
  return { ...vars, Context: context ?? Object.fromEntries(sources.map((source) => [source.name, ''])) };
}

export function contextValue(body: string, filter: ContextSource['http']['responseFilter']): string {
  if (!filter) return body;
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (err) {
    throw new Error(`parsing the JSON response for the JSONPath filter: ${(err as Error).message}`);
  }
  const result = evaluateJsonPath(filter.expression, document);
  // PaesslerAG/jsonpath reports a missing value as an error, and Kelos fails the fetch with it.
  if (!result.found) throw new Error(`evaluating JSONPath ${JSON.stringify(filter.expression)}: ${result.reason}`);
  const value = result.value;
  if (typeof value === 'string') return value;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return goJsonValueString(value);
  return goJsonMarshal(value);
}

/** encoding/json's Marshal of decoded JSON: sorted object keys, no spaces, HTML characters escaped. */
export function goJsonMarshal(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
