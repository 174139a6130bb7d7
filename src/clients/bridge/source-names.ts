/**
 * Generic source names (`/webhook/<source>`) and how they appear in environment variable names. A name comes from
 * the request path, so everything keyed by it is looked up as an own key (a Map or Object.hasOwn): a source named
 * `constructor` must not find Object.prototype's constructor where a secret or a limit is expected.
 */

/** Longest source name; fastify's router refuses longer path parameters with 404 (its `maxParamLength`). */
export const MAX_GENERIC_SOURCE_LENGTH = 100;
const GENERIC_SOURCE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Why `source` cannot name a generic source, or undefined when it can. */
export function genericSourceProblem(source: string): string | undefined {
  if (source.length > MAX_GENERIC_SOURCE_LENGTH) return `source name longer than ${MAX_GENERIC_SOURCE_LENGTH} characters`;
  if (!GENERIC_SOURCE.test(source)) return `invalid source "${source}" (lower-case letters, digits and -)`;
  return undefined;
}

/** `my-source` → `MY_SOURCE`, as in `KELOS_WEBHOOK_SECRET_MY_SOURCE`. */
export function sourceEnvSuffix(source: string): string {
  return source.toUpperCase().replace(/-/g, '_');
}

/** `MY_SOURCE` → `my-source`. */
export function sourceFromEnvSuffix(suffix: string): string {
  return suffix.toLowerCase().replace(/_/g, '-');
}

/** The value stored under `key` itself, never one inherited from a prototype. */
export function ownValue<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
