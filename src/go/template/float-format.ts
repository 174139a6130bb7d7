/**
 * Go's strconv.FormatFloat for float64, formats 'e', 'E', 'f', 'g', 'G' and 'x'/'X'.
 *
 * JS's toFixed/toPrecision round half-up on the exact binary value and switch to exponent form at
 * different thresholds, so they disagree with Go (`%.2f` of 0.125 is `0.12` in Go, `0.13` in JS;
 * `%v` of 1e6 is `1e+06` in Go). We therefore compute digits ourselves:
 *  - shortest round-trip digits come from `toExponential()` (both languages produce the shortest
 *    correctly-rounded digit string that round-trips);
 *  - fixed-precision digits come from the exact decimal expansion of the double (via BigInt) rounded
 *    half-to-even, which is what Go's decimal rounding does.
 */

interface Digits {
  /** Significant decimal digits without leading/trailing zeros ('' for zero). */
  d: string;
  /** Decimal point position: value = 0.d × 10^dp. */
  dp: number;
}

function shortestDigits(abs: number): Digits {
  if (abs === 0) return { d: '', dp: 0 };
  const s = abs.toExponential(); // "d.ddde+n" with shortest round-trip digits
  const ePos = s.indexOf('e');
  const mant = s.slice(0, ePos).replace('.', '');
  const exp = Number(s.slice(ePos + 1));
  return { d: mant.replace(/0+$/, ''), dp: exp + 1 };
}

/** The exact decimal expansion of a finite non-negative double. */
function exactDigits(abs: number): Digits {
  if (abs === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074; // subnormal
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  let digits: string;
  let dp: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    dp = digits.length;
  } else {
    const k = -exp;
    digits = (mant * 5n ** BigInt(k)).toString();
    dp = digits.length - k;
  }
  const trimmedLead = digits.replace(/^0+/, '');
  dp -= digits.length - trimmedLead.length;
  return { d: trimmedLead.replace(/0+$/, ''), dp };
}

/** Rounds to `nd` significant digits, half to even on the exact value (Go's decimal.Round). */
function roundDigits(x: Digits, nd: number): Digits {
  // Like Go's decimal.Round, a negative digit count leaves the digits alone (callers then print
  // only zeros at the requested precision).
  if (nd < 0 || nd >= x.d.length) return x;
  const next = x.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next !== 5) up = next > 5;
  else if (nd + 1 < x.d.length) up = true; // more non-zero digits follow (d has no trailing zeros)
  else up = nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1; // exactly half: round to even
  if (!up) return { d: x.d.slice(0, nd).replace(/0+$/, ''), dp: x.dp };
  const arr = x.d.slice(0, nd).split('');
  let i = arr.length - 1;
  while (i >= 0 && arr[i] === '9') i--;
  if (i < 0) return { d: '1', dp: x.dp + 1 }; // all nines (or no digits kept)
  arr[i] = String.fromCharCode(arr[i].charCodeAt(0) + 1);
  return { d: arr.slice(0, i + 1).join(''), dp: x.dp };
}

function fmtE(neg: boolean, x: Digits, prec: number, fmt: 'e' | 'E'): string {
  let s = neg ? '-' : '';
  s += x.d.length > 0 ? x.d[0] : '0';
  if (prec > 0) {
    s += '.';
    let i = 1;
    const m = Math.min(x.d.length, prec + 1);
    if (i < m) {
      s += x.d.slice(i, m);
      i = m;
    }
    for (; i <= prec; i++) s += '0';
  }
  s += fmt;
  let exp = x.dp - 1;
  if (x.d.length === 0) exp = 0;
  s += exp < 0 ? '-' : '+';
  const e = Math.abs(exp);
  s += e < 10 ? '0' + e : String(e);
  return s;
}

function fmtF(neg: boolean, x: Digits, prec: number): string {
  let s = neg ? '-' : '';
  if (x.dp > 0) {
    const m = Math.min(x.d.length, x.dp);
    s += x.d.slice(0, m);
    for (let i = m; i < x.dp; i++) s += '0';
  } else {
    s += '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = x.dp + i - 1;
      s += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return s;
}

function fmtX(neg: boolean, abs: number, prec: number, fmt: 'x' | 'X'): string {
  // %x on floats: 0x1.hhhhp±dd (binary exponent), as strconv does.
  let mant: bigint;
  let exp: number;
  if (abs === 0) {
    mant = 0n;
    exp = 0;
  } else {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, abs);
    const hi = view.getUint32(0);
    const lo = view.getUint32(4);
    const biased = (hi >>> 20) & 0x7ff;
    mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    exp = biased === 0 ? -1022 : biased - 1023;
    if (biased !== 0) mant |= 1n << 52n;
    // Normalise so bit 52 is the leading 1 (subnormals).
    while (mant !== 0n && (mant & (1n << 52n)) === 0n) {
      mant <<= 1n;
      exp--;
    }
  }
  // 52 fraction bits = 13 hex digits.
  let frac = mant & ((1n << 52n) - 1n);
  let lead = mant >> 52n;
  let hexDigits = 13;
  if (prec >= 0 && prec < 13) {
    const shift = BigInt(4 * (13 - prec));
    const rem = frac & ((1n << shift) - 1n);
    frac >>= shift;
    const half = 1n << (shift - 1n);
    if (rem > half || (rem === half && (frac & 1n) === 1n)) {
      frac += 1n;
      if (frac >> BigInt(4 * prec) !== 0n) {
        frac &= (1n << BigInt(4 * prec)) - 1n;
        lead += 1n;
        if (lead === 2n) {
          lead = 1n;
          exp++;
        }
      }
    }
    hexDigits = prec;
  }
  let fracHex = hexDigits > 0 ? frac.toString(16).padStart(hexDigits, '0') : '';
  if (prec < 0) fracHex = fracHex.replace(/0+$/, '');
  else if (prec > 13) fracHex = fracHex.padEnd(prec, '0');
  let s = (neg ? '-' : '') + '0x' + lead.toString(16);
  if (fracHex.length > 0) s += '.' + fracHex;
  s += 'p' + (exp < 0 ? '-' : '+');
  const e = Math.abs(exp);
  s += e < 10 ? '0' + e : String(e);
  return fmt === 'X' ? s.toUpperCase() : s;
}

export type FloatVerb = 'e' | 'E' | 'f' | 'g' | 'G' | 'x' | 'X';

/** strconv.FormatFloat(v, fmt, prec, 64). `prec = -1` means shortest. */
export function formatFloat(v: number, fmt: FloatVerb, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  if (fmt === 'x' || fmt === 'X') return fmtX(neg, abs, prec, fmt);
  const shortest = prec < 0;
  let x: Digits;
  if (shortest) {
    x = shortestDigits(abs);
    switch (fmt) {
      case 'e':
      case 'E':
        prec = Math.max(x.d.length - 1, 0);
        break;
      case 'f':
        prec = Math.max(x.d.length - x.dp, 0);
        break;
      default:
        prec = x.d.length;
    }
  } else {
    const exact = exactDigits(abs);
    switch (fmt) {
      case 'e':
      case 'E':
        x = roundDigits(exact, prec + 1);
        break;
      case 'f':
        x = roundDigits(exact, exact.dp + prec);
        break;
      default:
        if (prec === 0) prec = 1;
        x = roundDigits(exact, prec);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, x, prec, fmt);
    case 'f':
      return fmtF(neg, x, prec);
    default: {
      let eprec = prec;
      if (eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
      if (shortest) eprec = 6;
      const exp = x.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > x.d.length) prec = x.d.length;
        return fmtE(neg, x, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > x.dp) prec = x.d.length;
      return fmtF(neg, x, Math.max(prec - x.dp, 0));
    }
  }
}
