/**
 * How large a request body each source may send, refused with 413 before the body is read beyond the limit
 * (fastify checks `Content-Length` first, then counts streamed bytes). Every byte up to the limit is buffered
 * before the signature can be checked, so the limits are what an unauthenticated sender can make the bridge hold.
 *
 * Defaults:
 * - GitHub 25 MiB: GitHub caps webhook payloads at 25 MB and sends nothing larger, so no real delivery is refused
 *   (push events with many commits reach several MB);
 * - Linear and generic sources 1 MiB: Linear's payloads are a few KB; a generic sender that needs more sets its own.
 *
 * Settings: `KELOS_BRIDGE_BODY_LIMIT` (every source), `KELOS_BRIDGE_BODY_LIMIT_GITHUB`, `_LINEAR`, `_GENERIC`
 * (every generic source) and `KELOS_BRIDGE_BODY_LIMIT_<SOURCE>` for one generic source (upper case, `-` → `_`),
 * in bytes; the most specific wins.
 */
import { positiveIntegerVar, requirePositiveInteger } from './env-numbers';
import { genericSourceProblem, sourceEnvSuffix, sourceFromEnvSuffix } from './source-names';

const MiB = 1024 * 1024;
export const DEFAULT_BODY_LIMITS = { github: 25 * MiB, linear: MiB, generic: MiB } as const;
export const BODY_LIMIT_VAR = 'KELOS_BRIDGE_BODY_LIMIT';

/** The bridge's three kinds of webhook endpoint (each with its own body limit). */
export type BridgeSourceFamily = 'github' | 'linear' | 'generic';
const KINDS: readonly BridgeSourceFamily[] = ['github', 'linear', 'generic'];

export interface BodyLimitOptions {
  /** Every source without a more specific limit. */
  all?: number;
  github?: number;
  linear?: number;
  /** Every generic source without its own limit. */
  generic?: number;
  /** Generic sources by name. */
  sources?: Record<string, number>;
}

export interface BodyLimits {
  github: number;
  linear: number;
  generic: number;
  /** Generic sources with their own limit. */
  sources: ReadonlyMap<string, number>;
}

export function resolveBodyLimits(options: BodyLimitOptions = {}): BodyLimits {
  const pick = (kind: BridgeSourceFamily) => requirePositiveInteger(options[kind] ?? options.all ?? DEFAULT_BODY_LIMITS[kind], `the ${kind} body limit`);
  const sources = new Map<string, number>();
  for (const [source, limit] of Object.entries(options.sources ?? {})) {
    const problem = genericSourceProblem(source);
    if (problem) throw new Error(`body limit for a generic source: ${problem}`);
    if (source === 'github' || source === 'linear') throw new Error(`body limit for generic source "${source}": /webhook/${source} is the ${source} endpoint, not a generic source`);
    sources.set(source, requirePositiveInteger(limit, `the body limit of generic source "${source}"`));
  }
  return { github: pick('github'), linear: pick('linear'), generic: pick('generic'), sources };
}

/** The bridge-wide body limit: no route may accept more than this. */
export function largestBodyLimit(limits: BodyLimits): number {
  return Math.max(limits.github, limits.linear, limits.generic, ...limits.sources.values());
}

/** The variable that sets the limit of a kind of source or of one generic source. */
export function bodyLimitVar(kindOrSource: string): string {
  return `${BODY_LIMIT_VAR}_${sourceEnvSuffix(kindOrSource)}`;
}

export function bodyLimitsFromEnv(env: Record<string, string | undefined> = process.env): BodyLimitOptions {
  const options: BodyLimitOptions = { all: positiveIntegerVar(env, BODY_LIMIT_VAR) };
  for (const kind of KINDS) options[kind] = positiveIntegerVar(env, bodyLimitVar(kind));
  const sources: Record<string, number> = {};
  for (const name of Object.keys(env)) {
    if (!name.startsWith(`${BODY_LIMIT_VAR}_`)) continue;
    const source = sourceFromEnvSuffix(name.slice(BODY_LIMIT_VAR.length + 1));
    if ((KINDS as readonly string[]).includes(source)) continue;
    const problem = genericSourceProblem(source);
    if (problem) throw new Error(`${name}: ${problem}`);
    const limit = positiveIntegerVar(env, name);
    if (limit !== undefined) sources[source] = limit;
  }
  return { ...options, sources };
}
