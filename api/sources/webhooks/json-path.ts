/**
 * The JSONPath dialect of Kelos's generic webhooks: github.com/PaesslerAG/jsonpath (Goessner style, `$.a.b`,
 * not Kubernetes' `{.a.b}`). No npm JSONPath package is installed, and the usual ones (jsonpath-plus, jsonpath)
 * differ from PaesslerAG exactly where Kelos's behaviour shows (missing key vs out-of-range index, wildcard
 * results always being a list, script evaluation), so this is a small evaluator of the subset webhooks use.
 *
 * Supported: `$`, `.name`, `['name']` / `["name"]`, `[n]` (negative counts from the end), `.*` / `[*]`,
 * `..name` / `..*` / `..[...]`, unions `[0,1]` / `['a','b']`, slices `[start:end:step]`; a bare `a.b` is read
 * as `$.a.b` (gval variables select from the document the same way).
 * Results, as PaesslerAG gives them: a path with no wildcard yields one value; a missing object key or
 * selecting into a scalar is "missing"; an out-of-range index yields `null` (Go nil, printed `<nil>`); a path
 * with any wildcard, union, slice or `..` yields the list of matches (possibly empty, printed `[]`).
 * Not supported (JsonPathError, which Kelos would treat as malformed only for real syntax errors): filters
 * `[?(...)]`, scripts `(...)`, and other gval expressions.
 */

export class JsonPathError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`invalid JSONPath ${JSON.stringify(path)}: ${message}`);
    this.name = 'JsonPathError';
  }
}

type Key = { kind: 'name'; name: string } | { kind: 'index'; index: number };
type Step =
  | { kind: 'key'; key: Key }
  | { kind: 'union'; keys: Key[] }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'descend'; then: Step };

export type JsonPathResult = { found: true; value: unknown } | { found: false };

const IDENT = /^[\p{L}_][\p{L}\p{N}_]*/u;
const compiled = new Map<string, Step[]>();

/** Evaluates `path` against a decoded JSON document; throws JsonPathError for syntax it cannot read. */
export function evaluateJsonPath(path: string, document: unknown): JsonPathResult {
  let steps = compiled.get(path);
  if (!steps) {
    steps = parse(path);
    compiled.set(path, steps);
  }
  if (!steps.some(isAmbiguous)) {
    let value = document;
    for (const step of steps) {
      const next = selectKey(value, (step as Extract<Step, { kind: 'key' }>).key);
      if (!next.found) return next;
      value = next.value;
    }
    return { found: true, value };
  }
  let values: unknown[] = [document];
  for (const step of steps) values = values.flatMap((value) => apply(step, value));
  return { found: true, value: values };
}

/** Throws JsonPathError when `path` is not something `evaluateJsonPath` can read. */
export function checkJsonPath(path: string): void {
  parse(path);
}

function isAmbiguous(step: Step): boolean {
  return step.kind !== 'key';
}

function apply(step: Step, value: unknown): unknown[] {
  switch (step.kind) {
    case 'key': {
      const result = selectKey(value, step.key);
      return result.found ? [result.value] : [];
    }
    case 'union':
      return step.keys.flatMap((key) => {
        const result = selectKey(value, key);
        return result.found ? [result.value] : [];
      });
    case 'wildcard':
      return children(value);
    case 'slice':
      return Array.isArray(value) ? slice(value, step) : [];
    case 'descend':
      return descendants(value).flatMap((node) => apply(step.then, node));
  }
}

function selectKey(value: unknown, key: Key): JsonPathResult {
  if (Array.isArray(value)) {
    if (key.kind !== 'index') return { found: false };
    const at = key.index < 0 ? value.length + key.index : key.index;
    return { found: true, value: at >= 0 && at < value.length ? value[at] : null };
  }
  if (value !== null && typeof value === 'object') {
    const name = key.kind === 'name' ? key.name : String(key.index);
    return Object.prototype.hasOwnProperty.call(value, name) ? { found: true, value: (value as Record<string, unknown>)[name] } : { found: false };
  }
  return { found: false };
}

function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') return Object.values(value);
  return [];
}

/** The node itself and every node below it, parents first. */
function descendants(value: unknown): unknown[] {
  return [value, ...children(value).flatMap(descendants)];
}

function slice(list: unknown[], step: { start?: number; end?: number; step?: number }): unknown[] {
  const n = list.length;
  const clamp = (i: number) => (i < 0 ? Math.max(n + i, 0) : Math.min(i, n));
  const start = clamp(step.start ?? 0);
  const end = clamp(step.end ?? n);
  const by = step.step || 1;
  const out: unknown[] = [];
  if (start > end) return out;
  if (by > 0) for (let i = start; i < end; i += by) out.push(list[i]);
  else for (let i = end - 1; i >= start; i += by) out.push(list[i]);
  return out;
}

function parse(path: string): Step[] {
  const fail = (message: string) => new JsonPathError(path, message);
  let text = path.trim();
  if (text === '') throw fail('empty expression');
  if (text.startsWith('$')) text = text.slice(1);
  else if (IDENT.test(text)) text = `.${text}`; // bare `a.b`
  else throw fail('must start with $');
  const steps: Step[] = [];
  let rest = text;
  while (rest.length > 0) {
    if (rest.startsWith('..')) {
      rest = rest.slice(2);
      const { step, after } = rest.startsWith('[') ? bracket(rest, fail) : member(rest, fail);
      steps.push({ kind: 'descend', then: step });
      rest = after;
    } else if (rest.startsWith('.')) {
      const { step, after } = member(rest.slice(1), fail);
      steps.push(step);
      rest = after;
    } else if (rest.startsWith('[')) {
      const { step, after } = bracket(rest, fail);
      steps.push(step);
      rest = after;
    } else if (rest.startsWith('(')) throw fail('script expressions are not supported');
    else throw fail(`unexpected ${JSON.stringify(rest[0])}`);
  }
  return steps;
}

function member(text: string, fail: (m: string) => JsonPathError): { step: Step; after: string } {
  if (text.startsWith('*')) return { step: { kind: 'wildcard' }, after: text.slice(1) };
  const ident = IDENT.exec(text);
  if (!ident) throw fail('expected a name, * or [ after .');
  return { step: { kind: 'key', key: { kind: 'name', name: ident[0] } }, after: text.slice(ident[0].length) };
}

function bracket(text: string, fail: (m: string) => JsonPathError): { step: Step; after: string } {
  const close = closingBracket(text);
  if (close < 0) throw fail('missing ]');
  const inner = text.slice(1, close).trim();
  const after = text.slice(close + 1);
  if (inner === '*') return { step: { kind: 'wildcard' }, after };
  if (inner.startsWith('?') || inner.startsWith('(')) throw fail('filter and script expressions are not supported');
  if (/^-?\d*\s*:\s*-?\d*(\s*:\s*-?\d*)?$/.test(inner)) {
    const [start, end, by] = inner.split(':').map((part) => (part.trim() === '' ? undefined : Number(part)));
    return { step: { kind: 'slice', start, end, step: by }, after };
  }
  const keys = splitUnion(inner).map((part) => bracketKey(part, fail));
  if (keys.length === 1) return { step: { kind: 'key', key: keys[0] }, after };
  return { step: { kind: 'union', keys }, after };
}

function bracketKey(part: string, fail: (m: string) => JsonPathError): Key {
  const text = part.trim();
  if (/^-?\d+$/.test(text)) return { kind: 'index', index: Number(text) };
  const quoted = /^(['"])(.*)\1$/s.exec(text);
  if (!quoted) throw fail(`unsupported bracket key ${text}`);
  const raw = quoted[2];
  // Go-style quoted strings: backslash escapes; single quotes are read the same way.
  const name = raw.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, esc: string) => {
    if (esc.length > 1) return String.fromCharCode(parseInt(esc.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[esc] ?? esc;
  });
  return { kind: 'name', name };
}

/** Index of the `]` closing the bracket at text[0], skipping quoted strings. */
function closingBracket(text: string): number {
  let quote = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ']') return i;
  }
  return -1;
}

function splitUnion(inner: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ',') {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(inner.slice(start));
  return parts;
}
