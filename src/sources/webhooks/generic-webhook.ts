/**
 * Generic webhooks (`when.webhook`, kelos-behaviour §3.4): `fieldMapping` values by JSONPath, `filters` (AND;
 * a missing field fails) and `excludeFilters` (OR; a missing field does not exclude). Values compare as Go
 * `%v` strings. A malformed JSONPath or regex is an error: Kelos skips the spawner for that delivery rather
 * than failing open (a broken exclude filter must not let deliveries through). JSONPaths are Kelos's dialect
 * (json-path.ts), and one Kelos could not parse is also reported when the manifest is applied.
 */
import type { GenericWebhookFilter, GenericWebhookSource } from '../../model/types';
import { goJsonValueString, goRegexpMatch, evaluateJsonPath } from '../../go';

export type GenericFieldsResult = { ok: true; fields: Record<string, string> } | { ok: false; error: string };

export interface GenericMatch {
  matched: boolean;
  /** Set when the spawner must be skipped because of a malformed JSONPath or regex (logged, not a 500). */
  error?: string;
  reason?: string;
  /** The spawner's fieldMapping values (present when extraction succeeded). */
  fields?: Record<string, string>;
}

/** Every fieldMapping entry as a `%v` string; a missing path gives "". */
export function extractGenericFields(fieldMapping: Readonly<Record<string, string>>, body: unknown): GenericFieldsResult {
  const fields: Record<string, string> = {};
  try {
    for (const [name, path] of Object.entries(fieldMapping)) {
      const result = evaluateJsonPath(path, body);
      fields[name] = result.found ? goJsonValueString(result.value) : '';
    }
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  return { ok: true, fields };
}

/** One filter: missing field → false; `value` exact on the `%v` string, else `pattern` (RE2, unanchored). */
export function genericFilterMatches(filter: GenericWebhookFilter, body: unknown): boolean {
  const result = evaluateJsonPath(filter.field, body);
  if (!result.found) return false;
  const text = goJsonValueString(result.value);
  if (filter.value !== undefined) return text === filter.value;
  if (filter.pattern) return goRegexpMatch(filter.pattern, text);
  return true; // neither set: validation forbids it; Kelos treats it as a presence check
}

/** The spawner's decision for one delivery; `source.source` is assumed to equal the URL's source segment. */
export function matchGenericWebhook(source: GenericWebhookSource, body: unknown): GenericMatch {
  const extracted = extractGenericFields(source.fieldMapping, body);
  if (!extracted.ok) return { matched: false, error: extracted.error };
  const fields = extracted.fields;
  try {
    for (const filter of source.filters ?? []) {
      if (!genericFilterMatches(filter, body)) return { matched: false, reason: `filter ${filter.field} did not match`, fields };
    }
    for (const filter of source.excludeFilters ?? []) {
      if (genericFilterMatches(filter, body)) return { matched: false, reason: `excluded by ${filter.field}`, fields };
    }
  } catch (error) {
    return { matched: false, error: (error as Error).message, fields };
  }
  return { matched: true, fields };
}

/**
 * Kelos's delivery ID: `generic-<source>-<id>` from the `id` mapping of the first spawner (list order) with this
 * source, else `generic-<source>-<sha256 hex of the body>` (the hash comes from the caller: no crypto here).
 * A JSON null, a missing path or a malformed one falls back to the hash, as in Kelos.
 */
export function genericDeliveryId(sourceName: string, body: unknown, idPath: string | undefined, bodySha256Hex: string): string {
  if (idPath) {
    try {
      const result = evaluateJsonPath(idPath, body);
      if (result.found && result.value !== null) {
        const id = goJsonValueString(result.value);
        if (id !== '') return `generic-${sourceName}-${id}`;
      }
    } catch {
      // malformed: fall through to the body hash
    }
  }
  return `generic-${sourceName}-${bodySha256Hex}`;
}
