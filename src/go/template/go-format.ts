/**
 * Go's `fmt` package as far as templates can reach it: `Sprint` (used for every `{{...}}` output and by
 * `print`), `Sprintln`, `Sprintf` (the `printf` builtin), and strconv's quoting.
 *
 * The structure follows fmt's own split (a printer that dispatches on the value's kind, and a
 * formatter that pads numbers and strings) so that flag interactions such as `%-05d`, `%+q` or
 * `%#v` come out the same, including Go's in-band error strings (`%!d(string=x)`, `%!s(MISSING)`,
 * `%!(EXTRA int=1)`).
 *
 * Known divergences (not reachable with JSON data): `%p` (Go prints a memory address; we print
 * `%!p(...)`), complex numbers and byte slices do not exist here.
 */
import { formatFloat, type FloatVerb } from './float-format';
import { isPrint, runeCount, utf8Encode } from '../utf8';
import { goTypeName, Kind, kindOf, mapKeys, numberOf } from './values';

// ---------------------------------------------------------------------------------------------
// strconv quoting

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function quoteWith(s: string, quote: '"' | "'", asciiOnly: boolean): string {
  let out = quote;
  for (const ch of s) out += escapeRune(ch.codePointAt(0) as number, quote, asciiOnly);
  return out + quote;
}

function escapeRune(r: number, quote: string, asciiOnly: boolean): string {
  if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd;
  const ch = String.fromCodePoint(r);
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (asciiOnly) {
    if (r < 0x80 && isPrint(r)) return ch;
  } else if (isPrint(r)) {
    return ch;
  }
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** strconv.Quote. */
export function goQuote(s: string): string {
  return quoteWith(s, '"', false);
}

/** strconv.QuoteToASCII. */
export function goQuoteASCII(s: string): string {
  return quoteWith(s, '"', true);
}

/** strconv.QuoteRune / QuoteRuneToASCII. */
export function goQuoteRune(r: number, asciiOnly = false): string {
  if (r > 0x10ffff || r < 0 || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return quoteWith(String.fromCodePoint(r), "'", asciiOnly);
}

/** strconv.CanBackquote: no control characters other than tab, no backquote, no U+FEFF. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    if (r === 0x60 || r === 0xfeff) return false;
    if ((r < 0x20 && r !== 0x09) || r === 0x7f) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The printer

interface Flags {
  widPresent: boolean;
  precPresent: boolean;
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number;
  prec: number;
}

function noFlags(): Flags {
  return {
    widPresent: false,
    precPresent: false,
    minus: false,
    plus: false,
    sharp: false,
    space: false,
    zero: false,
    plusV: false,
    sharpV: false,
    wid: 0,
    prec: 0,
  };
}

const NIL_ANGLE = '<nil>';

class Printer {
  buf = '';
  f: Flags = noFlags();
  /** The value being printed, for badVerb's `%!d(type=value)` report. */
  private arg: unknown = undefined;
  private erroring = false;

  // --- padding (fmt.go) ---

  private writePadding(n: number): void {
    if (n <= 0) return;
    this.buf += (this.f.zero && !this.f.minus ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.f.widPresent || this.f.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.f.wid - runeCount(s);
    if (!this.f.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  private withoutZero(fn: () => void): void {
    const old = this.f.zero;
    this.f.zero = false;
    fn();
    this.f.zero = old;
  }

  private fmtInteger(value: number, base: number, signed: boolean, verb: string, upper: boolean): void {
    const negative = signed && value < 0;
    const u = Math.abs(value);
    let prec = 0;
    if (this.f.precPresent) {
      prec = this.f.prec;
      if (prec === 0 && u === 0) {
        this.withoutZero(() => this.writePadding(this.f.wid));
        return;
      }
    } else if (this.f.zero && !this.f.minus && this.f.widPresent) {
      prec = this.f.wid;
      if (negative || this.f.plus || this.f.space) prec--;
    }
    let digits = u.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (this.f.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (this.f.plus) digits = '+' + digits;
    else if (this.f.space) digits = ' ' + digits;
    this.withoutZero(() => this.pad(digits));
  }

  private fmtUnicode(u: number): void {
    let prec = 4;
    if (this.f.precPresent && this.f.prec > 4) prec = this.f.prec;
    let s = 'U+' + u.toString(16).toUpperCase().padStart(prec, '0');
    if (this.f.sharp && u <= 0x10ffff && isPrint(u)) s += " '" + String.fromCodePoint(u) + "'";
    this.withoutZero(() => this.pad(s));
  }

  private fmtC(c: number): void {
    const r = c > 0x10ffff || c < 0 || (c >= 0xd800 && c <= 0xdfff) ? 0xfffd : c;
    this.pad(String.fromCodePoint(r));
  }

  private fmtQc(c: number): void {
    this.pad(goQuoteRune(c, this.f.plus));
  }

  private truncate(s: string): string {
    if (!this.f.precPresent) return s;
    let n = this.f.prec;
    let out = '';
    for (const ch of s) {
      if (--n < 0) break;
      out += ch;
    }
    return out;
  }

  private fmtS(s: string): void {
    this.pad(this.truncate(s));
  }

  private fmtSx(s: string, upper: boolean): void {
    const bytes = utf8Encode(s);
    let length = bytes.length;
    if (this.f.precPresent && this.f.prec < length) length = this.f.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.f.space) {
        if (this.f.sharp) width *= 2;
        width += length - 1;
      } else if (this.f.sharp) {
        width += 2;
      }
    } else {
      if (this.f.widPresent) this.writePadding(this.f.wid);
      return;
    }
    if (this.f.widPresent && this.f.wid > width && !this.f.minus) this.writePadding(this.f.wid - width);
    const x = upper ? 'X' : 'x';
    let out = this.f.sharp ? '0' + x : '';
    for (let i = 0; i < length; i++) {
      if (this.f.space && i > 0) {
        out += ' ';
        if (this.f.sharp) out += '0' + x;
      }
      const h = hex(bytes[i], 2);
      out += upper ? h.toUpperCase() : h;
    }
    this.buf += out;
    if (this.f.widPresent && this.f.wid > width && this.f.minus) this.writePadding(this.f.wid - width);
  }

  private fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.f.sharp && canBackquote(s)) {
      this.pad('`' + s + '`');
      return;
    }
    this.pad(this.f.plus ? goQuoteASCII(s) : goQuote(s));
  }

  private fmtFloatRaw(v: number, verb: FloatVerb, prec: number): void {
    if (this.f.precPresent) prec = this.f.prec;
    let num = formatFloat(v, verb, prec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (this.f.space && num[0] === '+' && !this.f.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      if (num[1] === 'N' && !this.f.space && !this.f.plus) num = num.slice(1);
      this.withoutZero(() => this.pad(num));
      return;
    }
    if (this.f.sharp) {
      let digits = 0;
      if (verb === 'g' || verb === 'G' || verb === 'x' || verb === 'X') {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = '';
      let body = num;
      const expAt = body.search(verb === 'x' || verb === 'X' ? /[pP]/ : /[eEpP]/);
      if (expAt >= 0) {
        tail = body.slice(expAt);
        body = body.slice(0, expAt);
      }
      let hasDot = false;
      let sawNonzero = false;
      for (let i = 1; i < body.length; i++) {
        const c = body[i];
        if (c === '.') {
          hasDot = true;
          continue;
        }
        if ((verb === 'x' || verb === 'X') && (c === 'x' || c === 'X')) continue;
        if (c !== '0') sawNonzero = true;
        if (sawNonzero) digits--;
      }
      if (!hasDot) {
        if (body.length === 2 && body[1] === '0') digits--;
        body += '.';
      }
      while (digits > 0) {
        body += '0';
        digits--;
      }
      num = body + tail;
    }
    if (this.f.plus || num[0] !== '+') {
      if (this.f.zero && !this.f.minus && this.f.widPresent && this.f.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.f.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  // --- dispatch (print.go) ---

  badVerb(verb: string, value: unknown): void {
    this.erroring = true;
    this.buf += '%!' + verb + '(';
    if (value === undefined || value === null) {
      this.buf += NIL_ANGLE;
    } else {
      // Go keeps the current flags here, so `%5d` of "x" prints `%!d(string=    x)`.
      this.buf += goTypeName(value) + '=';
      this.printArg(value, 'v');
    }
    this.buf += ')';
    this.erroring = false;
  }

  private fmtBool(v: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.pad(v ? 'true' : 'false');
    else this.badVerb(verb, v);
  }

  private fmtInt(value: number, signed: boolean, verb: string, orig: unknown): void {
    switch (verb) {
      case 'v':
        if (this.f.sharpV && !signed) {
          const sharp = this.f.sharp;
          this.f.sharp = true;
          this.fmtInteger(value, 16, false, 'v', false);
          this.f.sharp = sharp;
        } else {
          this.fmtInteger(value, 10, signed, verb, false);
        }
        return;
      case 'd':
        return this.fmtInteger(value, 10, signed, verb, false);
      case 'b':
        return this.fmtInteger(value, 2, signed, verb, false);
      case 'o':
      case 'O':
        return this.fmtInteger(value, 8, signed, verb, false);
      case 'x':
        return this.fmtInteger(value, 16, signed, verb, false);
      case 'X':
        return this.fmtInteger(value, 16, signed, verb, true);
      case 'c':
        return this.fmtC(value);
      case 'q':
        return this.fmtQc(value);
      case 'U':
        return this.fmtUnicode(value);
      default:
        return this.badVerb(verb, orig);
    }
  }

  private fmtFloat(v: number, verb: string, orig: unknown): void {
    switch (verb) {
      case 'v':
        return this.fmtFloatRaw(v, 'g', -1);
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        return this.fmtFloatRaw(v, verb, -1);
      case 'f':
      case 'e':
      case 'E':
        return this.fmtFloatRaw(v, verb, 6);
      case 'F':
        return this.fmtFloatRaw(v, 'f', 6);
      default:
        return this.badVerb(verb, orig);
    }
  }

  private fmtString(v: string, verb: string): void {
    switch (verb) {
      case 'v':
        return this.f.sharpV ? this.fmtQ(v) : this.fmtS(v);
      case 's':
        return this.fmtS(v);
      case 'x':
        return this.fmtSx(v, false);
      case 'X':
        return this.fmtSx(v, true);
      case 'q':
        return this.fmtQ(v);
      default:
        return this.badVerb(verb, v);
    }
  }

  /** fmt's printArg: `arg` is a value passed as an `interface{}` argument. */
  printArg(arg: unknown, verb: string): void {
    this.arg = arg;
    if (arg === undefined || arg === null) {
      if (verb === 'T' || verb === 'v') this.pad(NIL_ANGLE);
      else this.badVerb(verb, arg);
      return;
    }
    if (verb === 'T') {
      this.fmtS(goTypeName(arg));
      return;
    }
    if (verb === 'p') {
      // Go prints an address for maps/slices/funcs; that is not deterministic, so we report it.
      this.badVerb('p', arg);
      return;
    }
    this.printValue(arg, verb, 0);
  }

  /** fmt's printValue. `depth > 0` means the value sits inside a map or slice (an interface slot). */
  printValue(value: unknown, verb: string, depth: number): void {
    if (depth > 0 && (value === null || value === undefined)) {
      // A nil interface element prints as <nil> whatever the verb (or interface {}(nil) for %#v).
      this.buf += this.f.sharpV ? 'interface {}(nil)' : NIL_ANGLE;
      return;
    }
    switch (kindOf(value)) {
      case Kind.Invalid:
      case Kind.Nil:
        this.buf += depth === 0 ? '<invalid reflect.Value>' : NIL_ANGLE;
        return;
      case Kind.Bool:
        return this.fmtBool(value as boolean, verb);
      case Kind.Int:
        return this.fmtInt(numberOf(value), true, verb, value);
      case Kind.Uint8:
        return this.fmtInt(numberOf(value), false, verb, value);
      case Kind.Float:
        return this.fmtFloat(numberOf(value), verb, value);
      case Kind.String:
        return this.fmtString(value as string, verb);
      case Kind.Map: {
        const m = value as Record<string, unknown>;
        this.buf += this.f.sharpV ? goTypeName(m) + '{' : 'map[';
        mapKeys(m).forEach((k, i) => {
          if (i > 0) this.buf += this.f.sharpV ? ', ' : ' ';
          this.printValue(k, verb, depth + 1);
          this.buf += ':';
          this.printValue(m[k] === undefined ? null : m[k], verb, depth + 1);
        });
        this.buf += this.f.sharpV ? '}' : ']';
        return;
      }
      case Kind.Slice: {
        const a = value as unknown[];
        this.buf += this.f.sharpV ? goTypeName(a) + '{' : '[';
        a.forEach((el, i) => {
          if (i > 0) this.buf += this.f.sharpV ? ', ' : ' ';
          this.printValue(el === undefined ? null : el, verb, depth + 1);
        });
        this.buf += this.f.sharpV ? '}' : ']';
        return;
      }
      case Kind.Func:
        // Go prints a code address here; we keep the output deterministic instead.
        this.badVerb(verb, value);
        return;
    }
  }

  // --- Sprintf (doPrintf) ---

  doPrintf(format: string, a: unknown[]): void {
    const end = format.length;
    let argNum = 0;
    let afterIndex = false;
    let reordered = false;
    let goodArgNum = true;

    const parsenum = (start: number): [number, boolean, number] => {
      let num = 0;
      let isnum = false;
      let i = start;
      if (start >= end) return [0, false, end];
      for (; i < end && format[i] >= '0' && format[i] <= '9'; i++) {
        if (num > 1e6 || num < -1e6) return [0, false, end];
        num = num * 10 + (format.charCodeAt(i) - 48);
        isnum = true;
      }
      return [num, isnum, i];
    };
    const argNumber = (i: number): [number, number, boolean] => {
      if (end <= i || format[i] !== '[') return [argNum, i, false];
      reordered = true;
      // parseArgNumber
      const rest = format.slice(i);
      let index = 0;
      let wid = 1;
      let ok = false;
      if (rest.length >= 3) {
        for (let j = 1; j < rest.length; j++) {
          if (rest[j] === ']') {
            let n = 0;
            let isnum = false;
            let k = 1;
            for (; k < j && rest[k] >= '0' && rest[k] <= '9'; k++) {
              n = n * 10 + (rest.charCodeAt(k) - 48);
              isnum = true;
            }
            if (!isnum || k !== j) {
              wid = j + 1;
              ok = false;
            } else {
              index = n - 1;
              wid = j + 1;
              ok = true;
            }
            break;
          }
        }
      }
      if (ok && index >= 0 && index < a.length) return [index, i + wid, true];
      goodArgNum = false;
      return [argNum, i + wid, ok];
    };
    const intFromArg = (): [number, boolean] => {
      if (argNum < a.length) {
        const v = a[argNum];
        argNum++;
        const k = kindOf(v);
        if (k === Kind.Int || k === Kind.Uint8) {
          const n = numberOf(v);
          if (n > 1e6 || n < -1e6) return [0, false];
          return [n, true];
        }
        return [0, false];
      }
      return [0, false];
    };

    let i = 0;
    formatLoop: while (i < end) {
      goodArgNum = true;
      const lasti = i;
      while (i < end && format[i] !== '%') i++;
      if (i > lasti) this.buf += format.slice(lasti, i);
      if (i >= end) break;
      i++; // skip %
      this.f = noFlags();
      simple: for (; i < end; i++) {
        const c = format[i];
        switch (c) {
          case '#':
            this.f.sharp = true;
            break;
          case '0':
            this.f.zero = true;
            break;
          case '+':
            this.f.plus = true;
            break;
          case '-':
            this.f.minus = true;
            break;
          case ' ':
            this.f.space = true;
            break;
          default:
            if (c >= 'a' && c <= 'z' && argNum < a.length) {
              if (c === 'v') {
                this.f.sharpV = this.f.sharp;
                this.f.sharp = false;
                this.f.plusV = this.f.plus;
                this.f.plus = false;
              }
              this.printArg(a[argNum], c);
              argNum++;
              i++;
              continue formatLoop;
            }
            break simple;
        }
      }

      [argNum, i, afterIndex] = argNumber(i);

      if (i < end && format[i] === '*') {
        i++;
        [this.f.wid, this.f.widPresent] = intFromArg();
        if (!this.f.widPresent) this.buf += '%!(BADWIDTH)';
        if (this.f.wid < 0) {
          this.f.wid = -this.f.wid;
          this.f.minus = true;
          this.f.zero = false;
        }
        afterIndex = false;
      } else {
        [this.f.wid, this.f.widPresent, i] = parsenum(i);
        if (afterIndex && this.f.widPresent) goodArgNum = false;
      }

      if (i + 1 < end && format[i] === '.') {
        i++;
        if (afterIndex) goodArgNum = false;
        [argNum, i, afterIndex] = argNumber(i);
        if (i < end && format[i] === '*') {
          i++;
          [this.f.prec, this.f.precPresent] = intFromArg();
          if (this.f.prec < 0) {
            this.f.prec = 0;
            this.f.precPresent = false;
          }
          if (!this.f.precPresent) this.buf += '%!(BADPREC)';
          afterIndex = false;
        } else {
          [this.f.prec, this.f.precPresent, i] = parsenum(i);
          if (!this.f.precPresent) {
            this.f.prec = 0;
            this.f.precPresent = true;
          }
        }
      }

      if (!afterIndex) [argNum, i, afterIndex] = argNumber(i);

      if (i >= end) {
        this.buf += '%!(NOVERB)';
        break;
      }
      const verb = String.fromCodePoint(format.codePointAt(i) as number);
      i += verb.length;

      if (verb === '%') {
        this.buf += '%';
      } else if (!goodArgNum) {
        this.buf += '%!' + verb + '(BADINDEX)';
      } else if (argNum >= a.length) {
        this.buf += '%!' + verb + '(MISSING)';
      } else {
        if (verb === 'v') {
          this.f.sharpV = this.f.sharp;
          this.f.sharp = false;
          this.f.plusV = this.f.plus;
          this.f.plus = false;
        }
        this.printArg(a[argNum], verb);
        argNum++;
      }
    }

    if (!reordered && argNum < a.length) {
      this.f = noFlags();
      this.buf += '%!(EXTRA ';
      a.slice(argNum).forEach((arg, k) => {
        if (k > 0) this.buf += ', ';
        if (arg === null || arg === undefined) {
          this.buf += NIL_ANGLE;
        } else {
          this.buf += goTypeName(arg) + '=';
          this.printArg(arg, 'v');
        }
      });
      this.buf += ')';
    }
  }
}

function isStringArg(v: unknown): boolean {
  return typeof v === 'string';
}

/** fmt.Sprint: a space between operands when neither side is a string. */
export function goSprint(args: readonly unknown[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = isStringArg(arg);
    if (i > 0 && !isString && !prevString) p.buf += ' ';
    p.f = noFlags();
    p.printArg(arg, 'v');
    prevString = isString;
  });
  return p.buf;
}

/** fmt.Sprintln: always a space between operands, newline at the end. */
export function goSprintln(args: readonly unknown[]): string {
  const p = new Printer();
  args.forEach((arg, i) => {
    if (i > 0) p.buf += ' ';
    p.f = noFlags();
    p.printArg(arg, 'v');
  });
  return p.buf + '\n';
}

/** fmt.Sprintf. */
export function goSprintf(format: string, args: readonly unknown[]): string {
  const p = new Printer();
  p.doPrintf(format, [...args]);
  return p.buf;
}

/** `%v` of one value, i.e. what `{{.}}` prints for a valid value. */
export function goFormatValue(v: unknown): string {
  return goSprint([v]);
}
