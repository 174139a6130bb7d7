/**
 * Defensive accessors for not-yet-validated input. The CEL-style rules run on the raw document even when the
 * schema already found problems elsewhere, so every error in a document is reported in one pass.
 */
export type RawObject = Record<string, unknown>;

export function asObject(value: unknown): RawObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as RawObject) : undefined;
}

/** CEL `has()`: the field is present (null counts as absent, as after JSON decoding into Go pointers). */
export function has(object: RawObject | undefined, key: string): boolean {
  return object !== undefined && object[key] !== undefined && object[key] !== null;
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Non-empty string, array or object (CEL `size(x) > 0`); numbers and booleans count as set. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  return true;
}

/** Drops keys whose value is undefined, so normalised objects compare and serialise cleanly. */
export function compact<T extends object>(object: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) out[key] = value;
  return out as T;
}

/** `undefined` for an empty string, so "" and unset mean the same (Go `omitempty`). */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Removes null-valued object fields, recursively: the Kubernetes API server prunes them from CRD objects before
 * validation (and Go decoding treats them as unset), so `labels:` left empty in YAML means "no labels".
 */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  const object = asObject(value);
  if (!object) return value;
  const out: RawObject = {};
  for (const [key, field] of Object.entries(object)) if (field !== null) out[key] = stripNulls(field);
  return out;
}
