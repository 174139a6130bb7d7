/**
 * How gval, the expression engine under Kelos's JSONPath (PaesslerAG/jsonpath on gval v1.0.0), converts and
 * compares decoded JSON values. These conversions decide results users can see: an array index may be the
 * string "1"; a filter `[?(@.x)]` keeps an element only when `x` reads as true (true, "true"/"TRUE", a non-zero
 * number or numeric string), so it is not an existence test; `==` is Go's reflect.DeepEqual, with no type
 * conversion (`1 == "1"` is false).
 * Values are what JSON.parse gives (numbers are Go float64s); Go nil is `null`.
 */
import { parseGoFloat } from './template/go-literals';
import { goJsonValueString } from './value';

/** gval's convertToFloat: numbers, and strings strconv.ParseFloat accepts; undefined for anything else. */
export function gvalFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return goParseFloat64(value);
  return undefined;
}

/** gval's convertToBool; undefined when the value has no truth value (an object, a list, other strings). */
export function gvalBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === null || value === 'false' || value === 'FALSE') return false;
  if (value === 'true' || value === 'TRUE') return true;
  const f = gvalFloat(value);
  return f === undefined ? undefined : f !== 0; // NaN counts as true, as in Go
}

/**
 * Evaluable.EvalInt: the float truncated toward zero by Go's `int(f)`. Out-of-range values (±Inf, NaN, beyond
 * int64) become math.MinInt64 as on amd64; arm64 would saturate instead, which only matters for slice bounds
 * beyond ±9.2e18.
 */
export function gvalInt(value: unknown): number | undefined {
  const f = gvalFloat(value);
  if (f === undefined) return undefined;
  if (Number.isNaN(f) || f >= 2 ** 63 || f < -(2 ** 63)) return -(2 ** 63);
  return Math.trunc(f) + 0; // + 0 turns -0 into 0
}

/** Evaluable.EvalString: `fmt.Sprintf("%v", value)`. */
export function gvalString(value: unknown): string {
  return goJsonValueString(value);
}

/** reflect.DeepEqual on decoded JSON values. */
export function goDeepEqual(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => goDeepEqual(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && goDeepEqual(left[key], right[key]));
}

/**
 * strconv.ParseFloat(s, 64): Go decimal or hex-float syntax (underscores only between digits), or inf/infinity/nan
 * in any case; undefined on a syntax error and when the value overflows float64 (ErrRange).
 */
export function goParseFloat64(text: string): number | undefined {
  const special = /^([+-]?)(inf|infinity)$/i.exec(text);
  if (special) return special[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const value = parseGoFloat(text);
  if (value === null || !Number.isFinite(value)) return undefined;
  return value;
}

/** strconv.Atoi: optional sign and decimal digits within int64; undefined otherwise. */
export function goAtoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value > 2n ** 63n - 1n || value < -(2n ** 63n)) return undefined;
  return Number(value);
}
