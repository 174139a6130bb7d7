/**
 * Tokeniser for Go template text, mirroring text/template/parse's lexer state machine so that trim
 * markers, comments, `{{-3}}`, number syntax and error texts (`unclosed action`, `bad character
 * U+0023 '#'`, ...) behave identically. Runs eagerly (Go uses a goroutine) and stops at the first
 * error token.
 */
import { isPrint } from '../utf8';

export const Tok = {
  Error: 'error',
  Bool: 'bool',
  Char: 'char', // printable ASCII grab bag (e.g. ',')
  CharConstant: 'charConstant',
  Complex: 'complex',
  Assign: 'assign', // =
  Declare: 'declare', // :=
  EOF: 'EOF',
  Field: 'field',
  Identifier: 'identifier',
  LeftDelim: 'leftDelim',
  LeftParen: 'leftParen',
  Number: 'number',
  Pipe: 'pipe',
  RawString: 'rawString',
  RightDelim: 'rightDelim',
  RightParen: 'rightParen',
  Space: 'space',
  String: 'string',
  Text: 'text',
  Variable: 'variable',
  // keywords
  Block: 'block',
  Break: 'break',
  Continue: 'continue',
  Dot: 'dot',
  Define: 'define',
  Else: 'else',
  End: 'end',
  If: 'if',
  Nil: 'nil',
  Range: 'range',
  Template: 'template',
  With: 'with',
} as const;
export type Tok = (typeof Tok)[keyof typeof Tok];

const KEYWORDS: Record<string, Tok> = {
  '.': Tok.Dot,
  block: Tok.Block,
  break: Tok.Break,
  continue: Tok.Continue,
  define: Tok.Define,
  else: Tok.Else,
  end: Tok.End,
  if: Tok.If,
  range: Tok.Range,
  nil: Tok.Nil,
  template: Tok.Template,
  with: Tok.With,
};

const KEYWORD_TOKS = new Set<Tok>(Object.values(KEYWORDS));

export function isKeyword(t: Tok): boolean {
  return KEYWORD_TOKS.has(t);
}

export interface Token {
  typ: Tok;
  /** Offset (JS string index) of the token's start in the input. */
  pos: number;
  val: string;
  /** 1-based line of the token's start. */
  line: number;
}

const LEFT_DELIM = '{{';
const RIGHT_DELIM = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
const TRIM_MARKER_LEN = 2; // "-" plus one space character

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isAlphaNumeric(c: string): boolean {
  return c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === '-' && isSpace(s[at + 1]);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at]) && s[at + 1] === '-';
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Go's `%#U`: `U+0023 '#'` (the quoted character only when it is printable). */
export function formatRuneU(cp: number): string {
  const hexs = cp.toString(16).toUpperCase().padStart(4, '0');
  return isPrint(cp) ? `U+${hexs} '${String.fromCodePoint(cp)}'` : `U+${hexs}`;
}

type StateFn = ((l: Lexer) => StateFn) | null;

class Lexer {
  pos = 0;
  start = 0;
  atEOF = false;
  parenDepth = 0;
  line = 1;
  startLine = 1;
  items: Token[] = [];

  constructor(
    readonly input: string,
    readonly breakOK: boolean,
    readonly continueOK: boolean,
  ) {}

  /** Next code point as a string, or undefined at EOF. */
  next(): string | undefined {
    if (this.pos >= this.input.length) {
      this.atEOF = true;
      return undefined;
    }
    const cp = this.input.codePointAt(this.pos) as number;
    const ch = String.fromCodePoint(cp);
    this.pos += ch.length;
    if (ch === '\n') this.line++;
    return ch;
  }

  peek(): string | undefined {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      let w = 1;
      const c = this.input.charCodeAt(this.pos - 1);
      if (c >= 0xdc00 && c <= 0xdfff && this.pos >= 2) {
        const h = this.input.charCodeAt(this.pos - 2);
        if (h >= 0xd800 && h <= 0xdbff) w = 2;
      }
      this.pos -= w;
      if (c === 10) this.line--;
    }
  }

  emit(t: Tok): void {
    this.items.push({ typ: t, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine });
    this.start = this.pos;
    this.startLine = this.line;
  }

  ignore(): void {
    this.line += countNewlines(this.input, this.start, this.pos);
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r !== undefined && valid.includes(r)) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === undefined || !valid.includes(r)) break;
    }
    this.backup();
  }

  errorf(msg: string): StateFn {
    this.items.push({ typ: Tok.Error, pos: this.start, val: msg, line: this.startLine });
    return null;
  }

  atRightDelim(): { delim: boolean; trim: boolean } {
    if (
      hasRightTrimMarker(this.input, this.pos) &&
      this.input.startsWith(RIGHT_DELIM, this.pos + TRIM_MARKER_LEN)
    ) {
      return { delim: true, trim: true };
    }
    if (this.input.startsWith(RIGHT_DELIM, this.pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (r === undefined || isSpace(r)) return true;
    switch (r) {
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
    }
    return this.input.startsWith(RIGHT_DELIM, this.pos);
  }

  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    const p = this.peek();
    if (p !== undefined && isAlphaNumeric(p)) {
      this.next();
      return false;
    }
    return true;
  }
}

function lexText(l: Lexer): StateFn {
  const x = l.input.indexOf(LEFT_DELIM, l.pos);
  if (x >= 0) {
    if (x > l.pos) {
      l.pos = x;
      let trimLength = 0;
      const delimEnd = l.pos + LEFT_DELIM.length;
      if (hasLeftTrimMarker(l.input, delimEnd)) {
        const text = l.input.slice(l.start, l.pos);
        trimLength = text.length - text.replace(/[ \t\r\n]+$/, '').length;
      }
      l.pos -= trimLength;
      l.line += countNewlines(l.input, l.start, l.pos);
      const val = l.input.slice(l.start, l.pos);
      const item: Token = { typ: Tok.Text, pos: l.start, val, line: l.startLine };
      l.start = l.pos;
      l.startLine = l.line;
      l.pos += trimLength;
      l.ignore();
      if (val.length > 0) l.items.push(item);
    }
    return lexLeftDelim;
  }
  l.pos = l.input.length;
  if (l.pos > l.start) {
    l.line += countNewlines(l.input, l.start, l.pos);
    l.emit(Tok.Text);
  }
  l.emit(Tok.EOF);
  return null;
}

function lexLeftDelim(l: Lexer): StateFn {
  l.pos += LEFT_DELIM.length;
  const trimSpace = hasLeftTrimMarker(l.input, l.pos);
  const afterMarker = trimSpace ? TRIM_MARKER_LEN : 0;
  if (l.input.startsWith(LEFT_COMMENT, l.pos + afterMarker)) {
    l.pos += afterMarker;
    l.ignore();
    return lexComment;
  }
  l.emit(Tok.LeftDelim);
  l.pos += afterMarker;
  l.ignore();
  l.parenDepth = 0;
  return lexInsideAction;
}

function lexComment(l: Lexer): StateFn {
  l.pos += LEFT_COMMENT.length;
  const i = l.input.indexOf(RIGHT_COMMENT, l.pos);
  if (i < 0) return l.errorf('unclosed comment');
  l.pos = i + RIGHT_COMMENT.length;
  const { delim, trim } = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  // Comments are not kept in the tree (Go only keeps them with the ParseComments mode).
  if (trim) l.pos += TRIM_MARKER_LEN;
  l.pos += RIGHT_DELIM.length;
  if (trim) {
    const rest = l.input.slice(l.pos);
    l.pos += rest.length - rest.replace(/^[ \t\r\n]+/, '').length;
  }
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): StateFn {
  const { trim } = l.atRightDelim();
  if (trim) {
    l.pos += TRIM_MARKER_LEN;
    l.ignore();
  }
  l.pos += RIGHT_DELIM.length;
  l.emit(Tok.RightDelim);
  if (trim) {
    const rest = l.input.slice(l.pos);
    l.pos += rest.length - rest.replace(/^[ \t\r\n]+/, '').length;
    l.ignore();
  }
  return lexText;
}

function lexInsideAction(l: Lexer): StateFn {
  const { delim } = l.atRightDelim();
  if (delim) {
    if (l.parenDepth === 0) return lexRightDelim;
    return l.errorf('unclosed left paren');
  }
  const r = l.next();
  if (r === undefined) return l.errorf('unclosed action');
  if (isSpace(r)) {
    l.backup();
    return lexSpace;
  }
  switch (r) {
    case '=':
      l.emit(Tok.Assign);
      return lexInsideAction;
    case ':':
      if (l.next() !== '=') return l.errorf('expected :=');
      l.emit(Tok.Declare);
      return lexInsideAction;
    case '|':
      l.emit(Tok.Pipe);
      return lexInsideAction;
    case '"':
      return lexQuote;
    case '`':
      return lexRawQuote;
    case '$':
      return lexVariable;
    case "'":
      return lexChar;
    case '(':
      l.emit(Tok.LeftParen);
      l.parenDepth++;
      return lexInsideAction;
    case ')':
      l.parenDepth--;
      if (l.parenDepth < 0) return l.errorf('unexpected right paren');
      l.emit(Tok.RightParen);
      return lexInsideAction;
  }
  if (r === '.') {
    if (l.pos < l.input.length) {
      const c = l.input[l.pos];
      if (c < '0' || c > '9') return lexField;
    }
    l.backup();
    return lexNumber;
  }
  if (r === '+' || r === '-' || (r >= '0' && r <= '9')) {
    l.backup();
    return lexNumber;
  }
  if (isAlphaNumeric(r)) {
    l.backup();
    return lexIdentifier;
  }
  const cp = r.codePointAt(0) as number;
  if (cp <= 0x7f && cp >= 0x20 && cp !== 0x7f) {
    l.emit(Tok.Char);
    return lexInsideAction;
  }
  return l.errorf(`unrecognized character in action: ${formatRuneU(cp)}`);
}

function lexSpace(l: Lexer): StateFn {
  let numSpaces = 0;
  for (;;) {
    const r = l.peek();
    if (!isSpace(r)) break;
    l.next();
    numSpaces++;
  }
  if (hasRightTrimMarker(l.input, l.pos - 1) && l.input.startsWith(RIGHT_DELIM, l.pos - 1 + TRIM_MARKER_LEN)) {
    l.backup();
    if (numSpaces === 1) return lexRightDelim;
  }
  l.emit(Tok.Space);
  return lexInsideAction;
}

function lexIdentifier(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r !== undefined && isAlphaNumeric(r)) continue;
    l.backup();
    const word = l.input.slice(l.start, l.pos);
    if (!l.atTerminator()) return l.errorf(`bad character ${formatRuneU((r as string).codePointAt(0) as number)}`);
    const kw = KEYWORDS[word];
    if (kw !== undefined && Object.prototype.hasOwnProperty.call(KEYWORDS, word)) {
      if ((kw === Tok.Break && !l.breakOK) || (kw === Tok.Continue && !l.continueOK)) l.emit(Tok.Identifier);
      else l.emit(kw);
    } else if (word[0] === '.') {
      l.emit(Tok.Field);
    } else if (word === 'true' || word === 'false') {
      l.emit(Tok.Bool);
    } else {
      l.emit(Tok.Identifier);
    }
    return lexInsideAction;
  }
}

function lexField(l: Lexer): StateFn {
  return lexFieldOrVariable(l, Tok.Field);
}

function lexVariable(l: Lexer): StateFn {
  if (l.atTerminator()) {
    l.emit(Tok.Variable);
    return lexInsideAction;
  }
  return lexFieldOrVariable(l, Tok.Variable);
}

function lexFieldOrVariable(l: Lexer, typ: Tok): StateFn {
  if (l.atTerminator()) {
    l.emit(typ === Tok.Variable ? Tok.Variable : Tok.Dot);
    return lexInsideAction;
  }
  let r: string | undefined;
  for (;;) {
    r = l.next();
    if (r === undefined || !isAlphaNumeric(r)) {
      l.backup();
      break;
    }
  }
  if (!l.atTerminator()) return l.errorf(`bad character ${formatRuneU((r as string).codePointAt(0) as number)}`);
  l.emit(typ);
  return lexInsideAction;
}

function lexChar(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r === '\\') {
      const n = l.next();
      if (n !== undefined && n !== '\n') continue;
      return l.errorf('unterminated character constant');
    }
    if (r === undefined || r === '\n') return l.errorf('unterminated character constant');
    if (r === "'") break;
  }
  l.emit(Tok.CharConstant);
  return lexInsideAction;
}

function lexNumber(l: Lexer): StateFn {
  if (!l.scanNumber()) return l.errorf(`bad number syntax: ${JSON.stringify(l.input.slice(l.start, l.pos))}`);
  const sign = l.peek();
  if (sign === '+' || sign === '-') {
    if (!l.scanNumber() || l.input[l.pos - 1] !== 'i') {
      return l.errorf(`bad number syntax: ${JSON.stringify(l.input.slice(l.start, l.pos))}`);
    }
    l.emit(Tok.Complex);
  } else {
    l.emit(Tok.Number);
  }
  return lexInsideAction;
}

function lexQuote(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r === '\\') {
      const n = l.next();
      if (n !== undefined && n !== '\n') continue;
      return l.errorf('unterminated quoted string');
    }
    if (r === undefined || r === '\n') return l.errorf('unterminated quoted string');
    if (r === '"') break;
  }
  l.emit(Tok.String);
  return lexInsideAction;
}

function lexRawQuote(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r === undefined) return l.errorf('unterminated raw quoted string');
    if (r === '`') break;
  }
  l.emit(Tok.RawString);
  return lexInsideAction;
}

/**
 * Lexes the whole input. The result ends with an EOF or an Error token. `breakOK`/`continueOK`
 * are false when a user function named `break`/`continue` shadows the keyword (as in Go).
 */
export function lex(input: string, breakOK = true, continueOK = true): Token[] {
  const l = new Lexer(input, breakOK, continueOK);
  let state: StateFn = lexText;
  while (state !== null) state = state(l);
  return l.items;
}
