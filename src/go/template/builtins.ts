/**
 * Go's builtin template functions (text/template/funcs.go semantics), operating on {@link Val}s so
 * that Go's distinction between "a nil stored in an interface{}" and "no value at all" survives —
 * it decides between errors such as `index of nil pointer` and `index of untyped nil`.
 *
 * `and`/`or` are not here: they short-circuit, so the executor evaluates them itself.
 * A builtin reports failure by throwing {@link CallError}; the executor turns that into
 * `error calling NAME: MESSAGE`, as Go does.
 */
import { goSprint, goSprintf, goSprintln } from './go-format';
import { utf8Decode, utf8Encode, utf8Length, isPrint } from '../utf8';
import {
  compareGoStrings,
  GoUint8,
  goTypeName,
  hasKey,
  isTrue,
  Kind,
  kindOf,
  mapKeys,
  numberOf,
} from './values';

/**
 * A value as the executor sees it. `iface` marks a value whose static Go type is `interface{}`
 * (a map or slice element); `v === null` only ever appears with `iface` (a nil interface), and
 * `v === undefined` is Go's invalid reflect.Value.
 */
export interface Val {
  v: unknown;
  iface: boolean;
}

export const INVALID: Val = Object.freeze({ v: undefined, iface: false });

export function val(v: unknown, iface = false): Val {
  if (v === null && !iface) return INVALID;
  return { v, iface };
}

export function isValid(x: Val): boolean {
  return x.v !== undefined;
}

/** reflect's indirectInterface: the concrete value inside an interface, or invalid for nil. */
export function indirectInterface(x: Val): Val {
  if (!x.iface) return x;
  if (x.v === null || x.v === undefined) return INVALID;
  return { v: x.v, iface: false };
}

/** Static Go type name of a Val, as `reflect.Value.Type().String()` would print it. */
export function valTypeName(x: Val): string {
  return x.iface ? 'interface {}' : goTypeName(x.v);
}

export class CallError extends Error {}

export function truth(x: Val): boolean {
  return isTrue(indirectInterface(x).v);
}

function not(arg: Val): Val {
  return val(!truth(arg));
}

function length(item: Val): Val {
  if (item.iface && item.v === null) throw new CallError('len of nil pointer');
  if (!isValid(item)) throw new CallError('reflect: call of reflect.Value.Type on zero Value');
  const v = item.v;
  switch (kindOf(v)) {
    case Kind.String:
      return val(utf8Length(v as string));
    case Kind.Slice:
      return val((v as unknown[]).length);
    case Kind.Map:
      return val(mapKeys(v as Record<string, unknown>).length);
    default:
      throw new CallError(`len of type ${goTypeName(v)}`);
  }
}

function indexArg(index: Val, cap: number): number {
  // `slice` passes its indexes through unconverted, so an interface-typed value is rejected as such.
  if (index.iface) throw new CallError('cannot index slice/array with type interface {}');
  switch (kindOf(index.v)) {
    case Kind.Int:
    case Kind.Uint8: {
      const x = numberOf(index.v);
      if (x < 0 || x > cap) throw new CallError(`index out of range: ${x}`);
      return x;
    }
    case Kind.Invalid:
    case Kind.Nil:
      throw new CallError('cannot index slice/array with nil');
    default:
      throw new CallError(`cannot index slice/array with type ${goTypeName(index.v)}`);
  }
}

function index(item: Val, ...indexes: Val[]): Val {
  item = indirectInterface(item);
  if (!isValid(item)) throw new CallError('index of untyped nil');
  for (let idx of indexes) {
    idx = indirectInterface(idx);
    if (item.iface && item.v === null) throw new CallError('index of nil pointer');
    const v = item.v;
    switch (kindOf(v)) {
      case Kind.Slice: {
        const a = v as unknown[];
        const x = indexArg(idx, a.length);
        if (x >= a.length) throw new CallError('reflect: slice index out of range');
        item = val(a[x] === undefined ? null : a[x], true);
        break;
      }
      case Kind.String: {
        const bytes = utf8Encode(v as string);
        const x = indexArg(idx, bytes.length);
        if (x >= bytes.length) throw new CallError('reflect: string index out of range');
        item = val(new GoUint8(bytes[x]));
        break;
      }
      case Kind.Map: {
        const m = v as Record<string, unknown>;
        if (!isValid(idx)) throw new CallError('value is nil; should be of type string');
        if (kindOf(idx.v) !== Kind.String) {
          throw new CallError(`value has type ${goTypeName(idx.v)}; should be string`);
        }
        const key = idx.v as string;
        item = val(hasKey(m, key) ? m[key] : null, true);
        break;
      }
      default:
        throw new CallError(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return item;
}

function slice(item: Val, ...indexes: Val[]): Val {
  item = indirectInterface(item);
  if (!isValid(item)) throw new CallError('slice of untyped nil');
  if (indexes.length > 3) throw new CallError(`too many slice indexes: ${indexes.length}`);
  const v = item.v;
  let cap: number;
  let len: number;
  let bytes: number[] | null = null;
  switch (kindOf(v)) {
    case Kind.String:
      if (indexes.length === 3) throw new CallError('cannot 3-index slice a string');
      bytes = utf8Encode(v as string);
      cap = len = bytes.length;
      break;
    case Kind.Slice:
      cap = len = (v as unknown[]).length;
      break;
    default:
      throw new CallError(`can't slice item of type ${goTypeName(v)}`);
  }
  const idx = [0, len, 0];
  indexes.forEach((x, i) => {
    idx[i] = indexArg(x, cap);
  });
  if (idx[0] > idx[1]) throw new CallError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1] > idx[2]) throw new CallError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (bytes) return val(utf8Decode(bytes.slice(idx[0], idx[1])));
  return val((v as unknown[]).slice(idx[0], idx[1]));
}

// --- comparison ---

const BasicKind = { Invalid: 0, Bool: 1, Int: 3, Float: 4, String: 5, Uint: 6 } as const;
type BasicKind = (typeof BasicKind)[keyof typeof BasicKind];

function basicKind(v: unknown): BasicKind {
  switch (kindOf(v)) {
    case Kind.Bool:
      return BasicKind.Bool;
    case Kind.Int:
      return BasicKind.Int;
    case Kind.Uint8:
      return BasicKind.Uint;
    case Kind.Float:
      return BasicKind.Float;
    case Kind.String:
      return BasicKind.String;
    default:
      return BasicKind.Invalid;
  }
}

const ERR_BAD_TYPE = 'invalid type for comparison';

function eqValues(a: unknown, b: unknown, k1: BasicKind, k2: BasicKind): boolean {
  if (k1 !== k2) {
    if ((k1 === BasicKind.Int && k2 === BasicKind.Uint) || (k1 === BasicKind.Uint && k2 === BasicKind.Int)) {
      return numberOf(a) === numberOf(b);
    }
    if (a !== undefined && b !== undefined) {
      throw new CallError(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
    }
    return false;
  }
  switch (k1) {
    case BasicKind.Bool:
    case BasicKind.String:
      return a === b;
    case BasicKind.Int:
    case BasicKind.Float:
    case BasicKind.Uint:
      return numberOf(a) === numberOf(b);
    default: {
      const ka = kindOf(a);
      const kb = kindOf(b);
      if (ka !== kb && a !== undefined && b !== undefined) {
        throw new CallError(
          goSprintf('non-comparable types %s: %v, %s: %v', [a, goTypeName(a), goTypeName(b), b]),
        );
      }
      if (a === undefined || b === undefined) return (a === undefined) === (b === undefined);
      // Maps, slices and funcs are not comparable in Go.
      throw new CallError(goSprintf('non-comparable type %s: %v', [b, goTypeName(b)]));
    }
  }
}

function eq(arg1: Val, ...arg2: Val[]): Val {
  const a = indirectInterface(arg1).v;
  if (arg2.length === 0) throw new CallError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const x of arg2) {
    const b = indirectInterface(x).v;
    if (eqValues(a, b, k1, basicKind(b))) return val(true);
  }
  return val(false);
}

function ne(a: Val, b: Val): Val {
  return val(!(eq(a, b).v as boolean));
}

function ltBool(arg1: Val, arg2: Val): boolean {
  const a = indirectInterface(arg1).v;
  const b = indirectInterface(arg2).v;
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === BasicKind.Invalid || k2 === BasicKind.Invalid) throw new CallError(ERR_BAD_TYPE);
  if (k1 !== k2) {
    if ((k1 === BasicKind.Int && k2 === BasicKind.Uint) || (k1 === BasicKind.Uint && k2 === BasicKind.Int)) {
      return numberOf(a) < numberOf(b);
    }
    throw new CallError(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  }
  switch (k1) {
    case BasicKind.Bool:
      throw new CallError(ERR_BAD_TYPE);
    case BasicKind.String:
      return compareGoStrings(a as string, b as string) < 0;
    default:
      return numberOf(a) < numberOf(b);
  }
}

function leBool(a: Val, b: Val): boolean {
  return ltBool(a, b) || (eq(a, b).v as boolean);
}

// --- escaping ---

/** The argument formatting shared by html/js/urlquery: like Sprint, but nil prints `<no value>`. */
function evalArgs(args: Val[]): string {
  if (args.length === 1 && typeof args[0].v === 'string') return args[0].v;
  return goSprint(args.map((a) => (a.v === undefined || a.v === null ? '<no value>' : a.v)));
}

export function htmlEscapeString(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => {
    switch (c) {
      case '\0':
        return '\uFFFD';
      case '"':
        return '&#34;';
      case "'":
        return '&#39;';
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      default:
        return '&gt;';
    }
  });
}

export function jsEscapeString(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (r < 0x20) out += '\\u00' + r.toString(16).toUpperCase().padStart(2, '0');
    else if (r < 0x80 || isPrint(r)) out += ch;
    else out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** net/url.QueryEscape. */
export function urlQueryEscape(s: string): string {
  let out = '';
  for (const b of utf8Encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

// --- registry ---

/** Arity as Go's reflect sees it: number of fixed parameters and whether the last is variadic. */
export interface Signature {
  fixed: number;
  variadic: boolean;
  /** Parameter types that are `string` in Go (printf's format) need literal type checks. */
  stringParams?: readonly number[];
}

export interface Builtin {
  sig: Signature;
  fn: (...args: Val[]) => Val;
}

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  // and/or/call are special-cased by the executor; their entries carry only the signature.
  and: { sig: { fixed: 1, variadic: true }, fn: () => INVALID },
  or: { sig: { fixed: 1, variadic: true }, fn: () => INVALID },
  call: { sig: { fixed: 1, variadic: true }, fn: () => INVALID },
  not: { sig: { fixed: 1, variadic: false }, fn: not },
  len: { sig: { fixed: 1, variadic: false }, fn: length },
  index: { sig: { fixed: 1, variadic: true }, fn: index },
  slice: { sig: { fixed: 1, variadic: true }, fn: slice },
  eq: { sig: { fixed: 1, variadic: true }, fn: eq },
  ne: { sig: { fixed: 2, variadic: false }, fn: ne },
  lt: { sig: { fixed: 2, variadic: false }, fn: (a, b) => val(ltBool(a, b)) },
  le: { sig: { fixed: 2, variadic: false }, fn: (a, b) => val(leBool(a, b)) },
  gt: { sig: { fixed: 2, variadic: false }, fn: (a, b) => val(!leBool(a, b)) },
  ge: { sig: { fixed: 2, variadic: false }, fn: (a, b) => val(!ltBool(a, b)) },
  html: { sig: { fixed: 0, variadic: true }, fn: (...a) => val(htmlEscapeString(evalArgs(a))) },
  js: { sig: { fixed: 0, variadic: true }, fn: (...a) => val(jsEscapeString(evalArgs(a))) },
  urlquery: { sig: { fixed: 0, variadic: true }, fn: (...a) => val(urlQueryEscape(evalArgs(a))) },
  print: { sig: { fixed: 0, variadic: true }, fn: (...a) => val(goSprint(a.map(printArg))) },
  println: { sig: { fixed: 0, variadic: true }, fn: (...a) => val(goSprintln(a.map(printArg))) },
  printf: {
    sig: { fixed: 1, variadic: true, stringParams: [0] },
    fn: (f, ...a) => val(goSprintf(f.v as string, a.map(printArg))),
  },
};

/** An argument passed to fmt as `interface{}`: nil interfaces and invalid values both print `<nil>`. */
function printArg(a: Val): unknown {
  return a.v === undefined ? null : a.v;
}

/** The `call` builtin: invokes a function value found in the data. */
export function callFunction(calleeName: string, fn: Val, args: Val[]): Val {
  fn = indirectInterface(fn);
  if (!isValid(fn)) throw new CallError('call of nil');
  if (kindOf(fn.v) !== Kind.Func) {
    throw new CallError(`non-function ${calleeName} of type ${goTypeName(fn.v)}`);
  }
  const f = fn.v as (...xs: unknown[]) => unknown;
  return invokeUserFunction(f, args);
}

/** Runs a JS function with Go-template arguments; a thrown error becomes the call's error. */
export function invokeUserFunction(f: (...xs: unknown[]) => unknown, args: Val[]): Val {
  let result: unknown;
  try {
    result = f(...args.map((a) => indirectInterface(a).v));
  } catch (e) {
    throw new CallError(e instanceof Error ? e.message : String(e));
  }
  return val(result === undefined ? null : result, true);
}
