/**
 * Go literal syntax used by the parser: strconv.Unquote for "..." / `...` strings,
 * strconv.UnquoteChar for 'c' constants, and strconv.ParseInt/ParseFloat (base 0) for numbers.
 * Errors carry strconv's texts ("invalid syntax") because Go surfaces them verbatim.
 */
import { utf8Decode, utf8Encode } from '../utf8';

export class LiteralError extends Error {}

const SYNTAX = 'invalid syntax';

function hexVal(c: string): number {
  const n = parseInt(c, 16);
  return Number.isNaN(n) || !/^[0-9a-fA-F]$/.test(c) ? -1 : n;
}

/**
 * strconv.UnquoteChar: decodes one (possibly escaped) character at s[i]. Returns the rune (or raw
 * byte for \x and octal escapes, flagged by `isByte`) and the index after it.
 */
function unquoteChar(s: string, i: number, quote: string): { value: number; isByte: boolean; next: number } {
  const c = s[i];
  if (c === undefined) throw new LiteralError(SYNTAX);
  if (c === quote && (quote === "'" || quote === '"')) throw new LiteralError(SYNTAX);
  if (c !== '\\') {
    const cp = s.codePointAt(i) as number;
    return { value: cp, isByte: false, next: i + (cp > 0xffff ? 2 : 1) };
  }
  const e = s[i + 1];
  if (e === undefined) throw new LiteralError(SYNTAX);
  let j = i + 2;
  switch (e) {
    case 'a':
      return { value: 7, isByte: false, next: j };
    case 'b':
      return { value: 8, isByte: false, next: j };
    case 'f':
      return { value: 12, isByte: false, next: j };
    case 'n':
      return { value: 10, isByte: false, next: j };
    case 'r':
      return { value: 13, isByte: false, next: j };
    case 't':
      return { value: 9, isByte: false, next: j };
    case 'v':
      return { value: 11, isByte: false, next: j };
    case 'x':
    case 'u':
    case 'U': {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      let v = 0;
      for (let k = 0; k < n; k++) {
        const h = hexVal(s[j + k] ?? '');
        if (h < 0) throw new LiteralError(SYNTAX);
        v = v * 16 + h;
      }
      j += n;
      if (e === 'x') return { value: v, isByte: true, next: j };
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new LiteralError(SYNTAX);
      return { value: v, isByte: false, next: j };
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      let v = 0;
      for (let k = 0; k < 3; k++) {
        const d = s.charCodeAt(i + 1 + k) - 48;
        if (!(d >= 0 && d <= 7)) throw new LiteralError(SYNTAX);
        v = v * 8 + d;
      }
      if (v > 255) throw new LiteralError(SYNTAX);
      return { value: v, isByte: true, next: i + 4 };
    }
    case '\\':
      return { value: 92, isByte: false, next: j };
    case "'":
    case '"':
      if (e !== quote) throw new LiteralError(SYNTAX);
      return { value: e.charCodeAt(0), isByte: false, next: j };
    default:
      throw new LiteralError(SYNTAX);
  }
}

/** strconv.Unquote for a double-quoted or back-quoted literal (quotes included). */
export function unquoteString(lit: string): string {
  if (lit.length < 2) throw new LiteralError(SYNTAX);
  const q = lit[0];
  if (q !== lit[lit.length - 1]) throw new LiteralError(SYNTAX);
  const body = lit.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new LiteralError(SYNTAX);
    return body.replace(/\r/g, ''); // Go drops carriage returns from raw strings
  }
  if (q !== '"') throw new LiteralError(SYNTAX);
  if (body.includes('\n')) throw new LiteralError(SYNTAX);
  if (!body.includes('\\') && !body.includes('"')) return body;
  // Escapes can produce raw bytes (\xff), so build UTF-8 bytes and decode at the end.
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    const { value, isByte, next } = unquoteChar(body, i, '"');
    if (isByte) bytes.push(value);
    else bytes.push(...utf8Encode(String.fromCodePoint(value)));
    i = next;
  }
  return utf8Decode(bytes);
}

/** Decodes a character constant such as `'a'` or `'\n'` to its rune value. */
export function unquoteCharConstant(lit: string): number {
  const { value, next } = unquoteChar(lit, 1, "'");
  if (lit.slice(next) !== "'") throw new LiteralError(`malformed character constant: ${lit}`);
  return value;
}

/** Go-syntax underscore placement: only between digits (a base prefix counts as a digit). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') i++;
  let hex = false;
  if (s.length - i >= 2 && s[i] === '0' && /[bBoOxX]/.test(s[i + 1])) {
    hex = /[xX]/.test(s[i + 1]);
    i += 2;
    saw = '0';
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseInt(s, 0, 64) / ParseUint; returns a bigint or null when the syntax is not an integer. */
export function parseGoInt(text: string): bigint | null {
  if (!/^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9_]*)$/.test(text)) return null;
  if (text.includes('_') && !underscoreOK(text)) return null;
  let s = text.replace(/_/g, '');
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  let v: bigint;
  if (/^0[xXbBoO]/.test(s)) {
    if (s.length === 2) return null;
    v = BigInt(s.replace(/^0[oO]/, '0o').toLowerCase());
  } else if (s.length > 1 && s[0] === '0') {
    v = BigInt('0o' + s.slice(1));
  } else {
    v = BigInt(s);
  }
  return neg ? -v : v;
}

/** strconv.ParseFloat(s, 64) for decimal and hex-float syntax; null on syntax error. */
export function parseGoFloat(text: string): number | null {
  if (text.includes('_') && !underscoreOK(text)) return null;
  const s = text.replace(/_/g, '');
  const dec = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  if (dec.test(s)) return Number(s);
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s);
  if (m && (m[2].length > 0 || m[3].length > 0)) {
    const mant = parseInt((m[2] || '0') + m[3], 16);
    const v = mant * Math.pow(2, Number(m[4]) - 4 * m[3].length);
    return m[1] === '-' ? -v : v;
  }
  return null;
}
