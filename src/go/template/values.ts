/**
 * How JavaScript data is seen through Go's type system.
 *
 * Go's text/template behaviour depends on reflect kinds (int vs float64, nil interface vs invalid
 * value, string byte length), while JS has one number type and two "nothing" values. This module is
 * the single place that maps one onto the other, so the executor, builtins and printer agree:
 *
 * - `undefined`            → an invalid reflect.Value (Go's "no value").
 * - `null`                 → a nil `interface{}` (what JSON `null` decodes to inside a map/slice).
 * - integral `number`      → `int`;  non-integral `number` → `float64`;  `GoFloat64` → `float64`.
 * - `string`               → `string` (length/indexing in UTF-8 bytes, like Go).
 * - arrays                 → `[]interface {}`;  other objects → `map[string]interface {}`.
 * - functions              → `func` values (usable with `call`, never printable).
 *
 * Pure ECMAScript only: no Node built-ins, so Temporal workflow code can import it.
 */

/**
 * A float64 that happens to hold an integral value. JSON decoded by Go yields float64 for every
 * number, so `1000000` prints as `1e+06` and `eq .n 1` is an error; wrap numbers in this class (or use
 * {@link jsonNumbersAsFloat64}) to get exactly that behaviour.
 */
export class GoFloat64 {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** A Go `uint8` (byte): what `index` on a string returns. Internal to the engine. */
export class GoUint8 {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/**
 * Deep copy of `value` in which every number becomes a {@link GoFloat64}, i.e. the data looks exactly
 * like the `map[string]interface{}` Go's encoding/json produces (Kelos's generic and Linear payloads).
 */
export function jsonNumbersAsFloat64(value: unknown): unknown {
  if (typeof value === 'number') return new GoFloat64(value);
  if (Array.isArray(value)) return value.map(jsonNumbersAsFloat64);
  if (isPlainMap(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) out[k] = jsonNumbersAsFloat64(value[k]);
    return out;
  }
  return value;
}

/** Go reflect kinds the engine distinguishes. `as const` object rather than an enum, per house style. */
export const Kind = {
  Invalid: 'invalid',
  Nil: 'nil',
  Bool: 'bool',
  Int: 'int',
  Uint8: 'uint8',
  Float: 'float64',
  String: 'string',
  Slice: 'slice',
  Map: 'map',
  Func: 'func',
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof GoFloat64) &&
    !(v instanceof GoUint8)
  );
}

export function kindOf(v: unknown): Kind {
  if (v === undefined) return Kind.Invalid;
  if (v === null) return Kind.Nil;
  switch (typeof v) {
    case 'boolean':
      return Kind.Bool;
    case 'number':
      return Number.isInteger(v) ? Kind.Int : Kind.Float;
    case 'bigint':
      return Kind.Int;
    case 'string':
      return Kind.String;
    case 'function':
      return Kind.Func;
    default:
      break;
  }
  if (v instanceof GoFloat64) return Kind.Float;
  if (v instanceof GoUint8) return Kind.Uint8;
  if (Array.isArray(v)) return Kind.Slice;
  return Kind.Map;
}

/** The numeric value of an int/uint8/float64 kind. */
export function numberOf(v: unknown): number {
  if (v instanceof GoFloat64 || v instanceof GoUint8) return v.value;
  if (typeof v === 'bigint') return Number(v);
  return v as number;
}

/** Go's `reflect.Type.String()` for a value (as used in error messages and `%T`). */
export function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case Kind.Invalid:
    case Kind.Nil:
      return '<nil>';
    case Kind.Bool:
      return 'bool';
    case Kind.Int:
      return 'int';
    case Kind.Uint8:
      return 'uint8';
    case Kind.Float:
      return 'float64';
    case Kind.String:
      return 'string';
    case Kind.Slice:
      return '[]interface {}';
    case Kind.Map:
      return 'map[string]interface {}';
    case Kind.Func:
      return 'func(...interface {}) (interface {}, error)';
  }
}

/**
 * Go's template truth: false, 0, "", nil and empty slices/maps are false. Functions are true
 * (a non-nil func). Invalid values count as false.
 */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case Kind.Invalid:
    case Kind.Nil:
      return false;
    case Kind.Bool:
      return v as boolean;
    case Kind.Int:
    case Kind.Uint8:
    case Kind.Float:
      return numberOf(v) !== 0;
    case Kind.String:
      return (v as string).length > 0;
    case Kind.Slice:
      return (v as unknown[]).length > 0;
    case Kind.Map:
      return mapKeys(v as Record<string, unknown>).length > 0;
    case Kind.Func:
      return true;
  }
}

/**
 * Keys of a map value in Go's `fmtsort` order (byte-wise UTF-8 order, which equals code-point
 * order), as used by `range` and by `%v` printing. Keys whose value is `undefined` are skipped: JSON
 * cannot carry them and Go maps cannot hold an "invalid" value.
 */
export function mapKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m)
    .filter((k) => m[k] !== undefined)
    .sort(compareGoStrings);
}

/** Go string comparison (byte-wise on UTF-8, i.e. by code point), unlike JS's UTF-16 order. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1; // a surrogate encodes a code point above every BMP one
    return ca < cb ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

/** Own property lookup on a map value (never the prototype chain: `constructor` is not a key). */
export function hasKey(m: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key) && m[key] !== undefined;
}
