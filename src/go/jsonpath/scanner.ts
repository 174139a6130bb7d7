/**
 * The tokenizer under Kelos's JSONPath dialect. PaesslerAG/jsonpath is a gval language, and gval reads its input
 * with Go's text/scanner in its default Go mode: whitespace and Go comments are skipped (`$ . a` is `$.a`),
 * identifiers are letters, digits and `_`, numbers are Go number literals (so `.5` after a name is a
 * number, which is why `$.a.0` does not parse), and strings are Go `"…"`, `` `…` `` and one-character `'…'`
 * literals. Operators are read a character at a time by the parser (`peekChar`/`nextChar`), as gval does.
 * Positions are 1-based code-point columns, for error messages.
 */

export type TokenType = 'Ident' | 'Int' | 'Float' | 'String' | 'Char' | 'RawString' | 'EOF' | 'Other';

export interface Token {
  type: TokenType;
  /** The token's source text (for `Other`, its one character). */
  text: string;
  /** 1-based column of the token's first character. */
  column: number;
  /** False for a string, char or raw-string literal that runs into a newline or the end of the input. */
  terminated: boolean;
}

export const EOF = -1;

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const LETTER = /^\p{L}$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;

export class Scanner {
  private readonly chars: string[];
  private pos = 0;

  constructor(source: string) {
    this.chars = Array.from(source);
    if (this.chars[0] === '\uFEFF') this.pos = 1; // text/scanner drops a leading byte-order mark
  }

  /** The character right after the last token (or EOF), without consuming it. */
  peekChar(): string | typeof EOF {
    return this.pos < this.chars.length ? this.chars[this.pos] : EOF;
  }

  /** Consumes and returns the character right after the last token. */
  nextChar(): string | typeof EOF {
    const ch = this.peekChar();
    if (ch !== EOF) this.pos++;
    return ch;
  }

  /** 1-based column of the next unread character. */
  column(): number {
    return this.pos + 1;
  }

  scan(): Token {
    this.skipSpaceAndComments();
    const start = this.pos;
    const ch = this.peekChar();
    const token = (type: TokenType, terminated = true): Token => ({
      type,
      text: this.chars.slice(start, this.pos).join(''),
      column: start + 1,
      terminated,
    });
    if (ch === EOF) return { type: 'EOF', text: '', column: start + 1, terminated: true };
    if (isIdentStart(ch)) {
      this.pos++;
      while (isIdentPart(this.peekChar())) this.pos++;
      return token('Ident');
    }
    if (isDecimal(ch)) return token(this.scanNumber(false));
    this.pos++;
    switch (ch) {
      case '"':
        return token('String', this.scanQuoted('"'));
      case "'":
        return token('Char', this.scanQuoted("'"));
      case '`':
        return token('RawString', this.scanRaw());
      case '.':
        if (isDecimal(this.peekChar())) return token(this.scanNumber(true));
        return token('Other');
      default:
        return token('Other');
    }
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const ch = this.peekChar();
      if (ch !== EOF && WHITESPACE.has(ch)) {
        this.pos++;
      } else if (ch === '/' && this.chars[this.pos + 1] === '/') {
        while (this.peekChar() !== EOF && this.peekChar() !== '\n') this.pos++;
      } else if (ch === '/' && this.chars[this.pos + 1] === '*') {
        let i = this.pos + 2;
        while (i < this.chars.length && !(this.chars[i] === '*' && this.chars[i + 1] === '/')) i++;
        this.pos = Math.min(i + 2, this.chars.length); // an unterminated comment runs to the end
      } else {
        return;
      }
    }
  }

  /**
   * A Go number literal's extent (the value is strconv.ParseFloat's business): optional 0x/0o/0b prefix, digits
   * and `_`, a fraction, an e/p exponent. Invalid digits are still part of the token, as in text/scanner.
   */
  private scanNumber(seenDot: boolean): 'Int' | 'Float' {
    let type: 'Int' | 'Float' = 'Int';
    let hex = false;
    if (!seenDot) {
      if (this.peekChar() === '0') {
        this.pos++;
        const prefix = lower(this.peekChar());
        if (prefix === 'x' || prefix === 'o' || prefix === 'b') {
          this.pos++;
          hex = prefix === 'x';
        }
      }
      this.digits(hex);
      if (this.peekChar() === '.') {
        this.pos++;
        seenDot = true;
      }
    }
    if (seenDot) {
      type = 'Float';
      this.digits(hex);
    }
    const e = lower(this.peekChar());
    if (e === 'e' || e === 'p') {
      this.pos++;
      type = 'Float';
      const sign = this.peekChar();
      if (sign === '+' || sign === '-') this.pos++;
      this.digits(false);
    }
    return type;
  }

  private digits(hex: boolean): void {
    for (;;) {
      const ch = this.peekChar();
      if (ch === EOF || !(isDecimal(ch) || ch === '_' || (hex && /^[a-fA-F]$/.test(ch)))) return;
      this.pos++;
    }
  }

  /** After the opening quote: to the closing one, skipping backslash escapes; false when unterminated. */
  private scanQuoted(quote: string): boolean {
    for (;;) {
      const ch = this.nextChar();
      if (ch === EOF || ch === '\n') return false;
      if (ch === quote) return true;
      if (ch === '\\') {
        const escaped = this.nextChar();
        if (escaped === EOF || escaped === '\n') return false;
      }
    }
  }

  private scanRaw(): boolean {
    for (;;) {
      const ch = this.nextChar();
      if (ch === EOF) return false;
      if (ch === '`') return true;
    }
  }
}

function lower(ch: string | typeof EOF): string {
  return ch === EOF ? '' : ch.toLowerCase();
}

function isDecimal(ch: string | typeof EOF): ch is string {
  return ch !== EOF && ch >= '0' && ch <= '9';
}

/** gval's identifier rule: a letter or `_` first, then letters, `_` and (Unicode) decimal digits. */
function isIdentStart(ch: string): boolean {
  return ch === '_' || LETTER.test(ch);
}

function isIdentPart(ch: string | typeof EOF): boolean {
  return ch !== EOF && (ch === '_' || LETTER.test(ch) || DECIMAL_DIGIT.test(ch));
}
