/**
 * Turns zod issues into Kelos-style one-line messages: `must be one of open, closed, all (got "opened")`,
 * `is required`, `unknown field "stat" (did you mean "state"?)`, `must be a string (got number)`.
 *
 * The messages are produced by a per-parse error map (so a schema-level `{ error: '...' }` still wins), then
 * expanded into {@link ManifestError}s by {@link issuesToErrors}.
 */
import type { z } from 'zod';
import { formatPath, joinPath, ManifestError, type PathSegment } from './manifest-error';

// Separators used to carry several unknown-field messages through one zod issue message.
const KEY_SEPARATOR = '\u0000';
const KEY_MESSAGE_SEPARATOR = '\u0001';

/** A short type name for "(got ...)" in type errors. */
export function describeType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

/** A value for "(got ...)" in value errors: strings quoted, others by type. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return describeType(value);
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  map: 'an object',
  null: 'null',
};

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known field closest to a misspelt one, if it is close enough to be a plausible typo. */
export function suggestField(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance =
      candidate.toLowerCase() === unknown.toLowerCase() ? 0 : levenshtein(unknown.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.min(2, Math.floor(unknown.length / 3))) ? best : undefined;
}

export function unknownFieldMessage(key: string, known: readonly string[]): string {
  const suggestion = suggestField(key, known);
  return suggestion === undefined
    ? `unknown field ${JSON.stringify(key)}`
    : `unknown field ${JSON.stringify(key)} (did you mean ${JSON.stringify(suggestion)}?)`;
}

function knownKeysOf(issue: Record<string, unknown>): string[] {
  const inst = (issue['inst'] ?? issue['schema']) as { _zod?: { def?: { shape?: object } } } | undefined;
  const shape = inst?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

function displayPattern(pattern: unknown): string {
  const text = String(pattern);
  const literal = /^\/(.*)\/[a-z]*$/s.exec(text);
  // Show the pattern as the CRD writes it: `/` needs no escaping there.
  return (literal ? literal[1]! : text).replace(/\\\//g, '/');
}

function sizeMessage(issue: Record<string, unknown>, bound: 'least' | 'most'): string {
  const limit = Number(bound === 'least' ? issue['minimum'] : issue['maximum']);
  const input = issue['input'];
  switch (issue['origin']) {
    case 'string': {
      if (bound === 'least' && limit === 1) return 'must not be empty';
      const length = typeof input === 'string' ? ` (got ${input.length})` : '';
      return `must be at ${bound} ${limit} characters long${length}`;
    }
    case 'array':
    case 'set': {
      if (bound === 'least' && limit === 1) return 'must list at least one item';
      const length = Array.isArray(input) ? ` (got ${input.length})` : '';
      return `must have at ${bound} ${limit} item${limit === 1 ? '' : 's'}${length}`;
    }
    default: {
      const inclusive = issue['inclusive'] !== false;
      const relation = inclusive
        ? `at ${bound} ${limit}`
        : `${bound === 'least' ? 'greater' : 'less'} than ${limit}`;
      return `must be ${relation} (got ${describeValue(input)})`;
    }
  }
}

/** zod error map producing the messages described above. */
export function kelosErrorMap(rawIssue: z.core.$ZodRawIssue): string {
  const issue = rawIssue as unknown as Record<string, unknown>;
  const input = issue['input'];
  switch (issue['code']) {
    case 'invalid_type': {
      if (input === undefined) return 'is required';
      const expected = String(issue['expected']);
      const want = EXPECTED[expected] ?? expected;
      if (expected === 'int' && typeof input === 'number') return `must be an integer (got ${input})`;
      return `must be ${want} (got ${describeType(input)})`;
    }
    case 'invalid_value': {
      if (input === undefined) return 'is required';
      const values = (issue['values'] as unknown[]).filter((v) => v !== '').map(String);
      if (values.length === 1) return `must be ${JSON.stringify(values[0])} (got ${describeValue(input)})`;
      return `must be one of ${values.join(', ')} (got ${describeValue(input)})`;
    }
    case 'invalid_format':
      if (issue['format'] === 'regex') {
        return `must match ${displayPattern(issue['pattern'])} (got ${describeValue(input)})`;
      }
      return `must be a valid ${String(issue['format'])} (got ${describeValue(input)})`;
    case 'too_small':
      return sizeMessage(issue, 'least');
    case 'too_big':
      return sizeMessage(issue, 'most');
    case 'unrecognized_keys': {
      const known = knownKeysOf(issue);
      return (issue['keys'] as string[])
        .map((key) => `${key}${KEY_MESSAGE_SEPARATOR}${unknownFieldMessage(key, known)}`)
        .join(KEY_SEPARATOR);
    }
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_union':
      return 'does not match any allowed form';
    default:
      return typeof issue['message'] === 'string' && issue['message'] !== '' ? issue['message'] : 'is invalid';
  }
}

export interface ErrorContext {
  source: string;
  document: number;
  /** Path of the List/array item this object came from, '' for a whole document. */
  prefix: string;
  kind?: string;
  name?: string;
}

export function makeError(context: ErrorContext, path: readonly PathSegment[], message: string): ManifestError {
  return new ManifestError({
    source: context.source,
    document: context.document,
    path: joinPath(context.prefix, formatPath(path)),
    message,
    ...(context.kind !== undefined ? { kind: context.kind } : {}),
    ...(context.name !== undefined ? { name: context.name } : {}),
  });
}

/** One ManifestError per issue (one per unknown key for `unrecognized_keys`). */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[], context: ErrorContext): ManifestError[] {
  const errors: ManifestError[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys' && issue.message.includes(KEY_MESSAGE_SEPARATOR)) {
      for (const entry of issue.message.split(KEY_SEPARATOR)) {
        const message = entry.slice(entry.indexOf(KEY_MESSAGE_SEPARATOR) + 1);
        errors.push(makeError(context, path, message));
      }
      continue;
    }
    errors.push(makeError(context, path, issue.message));
  }
  return errors;
}
