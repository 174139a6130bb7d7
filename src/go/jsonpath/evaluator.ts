/**
 * Evaluates a parsed JSONPath against a decoded JSON document the way PaesslerAG/jsonpath v0.1.1 does, so that
 * every value Kelos would find, print or miss is found, printed or missed here:
 *   - A path of plain selectors (`.a`, `[0]`, `["a"]`, `(script)`) gives one value; a missing key, an index out of
 *     range (negative ones included: there is no counting from the end), or selecting into a scalar fails, and a
 *     failure is "missing" for the caller (Kelos: an empty fieldMapping value, a filter that does not match).
 *   - A path holding any wildcard, union, slice, filter or `..` gives the list of its matches, possibly `[]`;
 *     a match whose later plain selectors fail is dropped, not an error.
 *   - Slices: an omitted end is 2147483647; `start > end` (as written, before negative bounds count from the end)
 *     gives nothing, so `[1:-1]` is empty while `[-2:]` is the last two; step 0 means 1; a negative step walks
 *     back from end-1 to start.
 *   - Filters `[?expr]` apply to the values of an object as well as the items of a list; `@` is the item; an item
 *     is kept when the expression reads as true (see gval-values.ts); an item where it fails is skipped.
 *   - Keys, slice bounds and filters are expressions evaluated with `@` the value being selected from; bare names
 *     read the document root without failing on a missing key (`nope` is nil, printed `<nil>`), and a name that is
 *     not a valid index leaves a list as it is (`labels.x` is the labels).
 * Object members are visited in sorted key order. Go visits them in its randomized map order, so for `$.*`,
 * `$..x` or a filter over an object Kelos's list order changes from one delivery to the next; ours is stable and
 * holds the same members.
 */
import { compareGoStrings } from '../template/values';
import { isAmbiguous, type Expr, type Step } from './ast';
import { goAtoi, goDeepEqual, gvalBool, gvalFloat, gvalInt, gvalString } from '../gval-values';

export type JsonPathResult = { found: true; value: unknown } | { found: false; reason: string };

/**
 * gval returned an error, so the value is missing. Returned (never thrown) like Go's error results: inside
 * wildcards and filters most lookups fail, and exceptions would make those slow. JSON never holds one.
 */
class Missing {
  constructor(readonly reason: string) {}
}

/** The order in which a wildcard, `..` or filter visits an object's members, given its keys. */
export type MemberOrder = (keys: string[]) => string[];

/** Sorted key order: stable, unlike Go's map order, and the order Go's `%v` prints maps in. */
export const SORTED_MEMBERS: MemberOrder = (keys) => keys.sort(compareGoStrings);

/** What `$` and `@` stand for while evaluating (Go nil, no current element, is `null`), and the member order. */
interface Scope {
  root: unknown;
  current: unknown;
  order: MemberOrder;
}

/**
 * Evaluates a parsed path. `order` is for tests, which visit members in other orders to tell which results depend
 * on member order (and so differ from run to run in Kelos).
 */
export function evaluateExpr(expr: Expr, document: unknown, order: MemberOrder = SORTED_MEMBERS): JsonPathResult {
  const value = evaluate(expr, { root: document, current: null, order });
  return value instanceof Missing ? { found: false, reason: value.reason } : { found: true, value };
}

function evaluate(expr: Expr, scope: Scope): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'negate': {
      const value = evaluate(expr.operand, scope);
      if (value instanceof Missing) return value;
      const number = gvalFloat(value);
      return number === undefined ? new Missing(`cannot negate ${describe(value)}: not a number`) : -number;
    }
    case 'compare': {
      const left = evaluate(expr.left, scope);
      if (left instanceof Missing) return left;
      const right = evaluate(expr.right, scope);
      if (right instanceof Missing) return right;
      return goDeepEqual(left, right) !== expr.negated;
    }
    case 'variable':
      return variable(expr.keys, scope);
    case 'call':
      return new Missing(`cannot call ${expr.name}: JSON values are not functions`);
    case 'path':
      return path(expr, scope);
  }
}

/** gval's variable lookup: keys as `%v` strings, from the document root. */
function variable(keyExprs: Expr[], scope: Scope): unknown {
  const keys: string[] = [];
  for (const keyExpr of keyExprs) {
    const key = evaluate(keyExpr, scope);
    if (key instanceof Missing) return key;
    keys.push(gvalString(key));
  }
  let value = scope.root;
  for (let i = 0; i < keys.length; i++) {
    if (isObject(value)) {
      value = hasOwn(value, keys[i]) ? value[keys[i]] : null;
    } else if (Array.isArray(value)) {
      const index = goAtoi(keys[i]);
      if (index !== undefined && index >= 0 && index < value.length) value = value[index];
    } else {
      return new Missing(`unknown parameter ${keys.slice(0, i + 1).join('.')}`);
    }
  }
  return value;
}

function path(expr: Extract<Expr, { kind: 'path' }>, scope: Scope): unknown {
  const start = expr.from === 'root' ? scope.root : scope.current;
  if (!expr.steps.some(isAmbiguous)) {
    let value = start;
    for (const step of expr.steps) {
      value = plain(step, value, scope);
      if (value instanceof Missing) return value;
    }
    return value;
  }
  let values = [start];
  for (const step of expr.steps) values = values.flatMap((value) => matches(step, value, scope));
  return values;
}

/** A plain selector: one value, or Missing. */
function plain(step: Step, value: unknown, scope: Scope): unknown {
  switch (step.kind) {
    case 'select':
      return select(step.key, value, scope);
    case 'script':
      return evaluate(step.expr, { ...scope, current: value });
    default:
      throw new Error(`${step.kind} is not a plain selector`);
  }
}

/** Any selector inside an ambiguous path: its matches (lookups that fail give none). */
function matches(step: Step, value: unknown, scope: Scope): unknown[] {
  switch (step.kind) {
    case 'select':
    case 'script':
      return found(plain(step, value, scope));
    case 'union':
      return step.keys.flatMap((key) => found(select(key, value, scope)));
    case 'wildcard':
      return children(value, scope.order);
    case 'descend': {
      const all: unknown[] = [];
      descendants(value, scope.order, all);
      return all;
    }
    case 'filter':
      return children(value, scope.order).filter((item) => {
        const condition = evaluate(step.condition, { ...scope, current: item });
        return !(condition instanceof Missing) && gvalBool(condition) === true;
      });
    case 'slice':
      return Array.isArray(value) ? slice(value, step, { ...scope, current: value }) : [];
  }
}

function found(value: unknown): unknown[] {
  return value instanceof Missing ? [] : [value];
}

/** `[key]` / `.key`: the key is evaluated with `@` the value selected from. */
function select(keyExpr: Expr, value: unknown, scope: Scope): unknown {
  if (Array.isArray(value)) {
    const key = evaluate(keyExpr, { ...scope, current: value });
    if (key instanceof Missing) return key;
    const index = gvalInt(key);
    if (index === undefined) return new Missing(`invalid index ${describe(key)}: not a number`);
    if (index < 0 || index >= value.length) return new Missing(`index ${index} out of bounds`);
    return value[index];
  }
  if (isObject(value)) {
    const key = keyExpr.kind === 'literal' ? keyExpr.value : evaluate(keyExpr, { ...scope, current: value });
    if (key instanceof Missing) return key;
    const name = typeof key === 'string' ? key : gvalString(key);
    return hasOwn(value, name) ? value[name] : new Missing(`unknown key ${name}`);
  }
  return new Missing(`cannot select from ${describe(value)}: not an object or a list`);
}

function slice(list: unknown[], step: Extract<Step, { kind: 'slice' }>, scope: Scope): unknown[] {
  const bounds: number[] = [];
  for (const part of [step.start, step.end, step.step]) {
    const value = evaluate(part, scope);
    const bound = value instanceof Missing ? undefined : gvalInt(value);
    if (bound === undefined) return [];
    bounds.push(bound);
  }
  let [start, end, by] = bounds;
  if (start > end) return [];
  const n = list.length;
  const clamp = (i: number) => (i < 0 ? Math.max(n + i, 0) : Math.min(i, n));
  start = clamp(start);
  end = clamp(end);
  if (by === 0) by = 1;
  const out: unknown[] = [];
  if (by > 0) for (let i = start; i < end; i += by) out.push(list[i]);
  else for (let i = end - 1; i >= start; i += by) out.push(list[i]);
  return out;
}

function children(value: unknown, order: MemberOrder): unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value)) return order(Object.keys(value)).map((key) => value[key]);
  return [];
}

/** Appends the value itself, then each child's descendants in turn (depth first). */
function descendants(value: unknown, order: MemberOrder, out: unknown[]): void {
  out.push(value);
  for (const child of children(value, order)) descendants(child, order, out);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hasOwn(object: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** A value's Go type, for reasons (values themselves can be large bodies). */
function describe(value: unknown): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return `float64 ${gvalString(value)}`;
  if (typeof value === 'string') return value.length <= 40 ? `string ${JSON.stringify(value)}` : 'a string';
  return `${typeof value} ${String(value)}`;
}
