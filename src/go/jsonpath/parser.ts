/**
 * Parses Kelos's JSONPath dialect into an Expr. The dialect is gval's Base language plus PaesslerAG/jsonpath's
 * `$` and `@` paths, and this parser follows how that library reads text, because what parses decides whether
 * Kelos treats a spawner as broken (a parse error) or a field as missing:
 *   - The only operators are `==` and `!=`. gval's Base reserves `<`, `>=`, `&&`, `||` … (they have a precedence)
 *     but implements none of them, and has no prefix `!`: `[?(@.n > 1)]` is a parse error in Kelos.
 *   - An operator is the longest run of operator characters (= ! ? | & > < ~ ^ + - * / % and, oddly, i and n)
 *     from its first character on, so `@.a==-1` and `@.a==null` are unknown operators; with spaces they parse.
 *   - `'name'` is a Go character literal: one character only, so `$['full_name']` does not parse, `$['a']` does.
 *   - Brackets hold expressions: `[0]`, `["a"]`, `[0,1]`, `[1:]`, `[::-1]`, `[?expr]`, `[*]`. A `*` anywhere in a
 *     bracket list makes the whole bracket a wildcard (`[0,*]`), and `..` cannot be followed by a slice.
 *   - Anything left after the expression (`$.a.0`, where `.0` is a number token) is an error.
 *   - Nothing is evaluated while parsing: gval would fold constants (`-"abc"` a parse error), but its constant test
 *     compares closure addresses and never matches in current Go builds (checked with Go 1.22, 1.25, 1.26; Kelos's
 *     go.mod asks for 1.25), so `-"abc"` fails at evaluation: a missing value.
 * Error texts are ours (gval's name scanner tokens), with the column and, for common mistakes, what to write.
 */
import { LiteralError, unquoteCharConstant, unquoteString } from '../template/go-literals';
import { utf8Decode } from '../utf8';
import type { Expr, Step } from './ast';
import { JsonPathError } from './error';
import { EOF, Scanner, type Token } from './scanner';
import { goParseFloat64 } from '../gval-values';

/** Characters gval reads as part of an operator: those of every operator name in its Base language. */
const OPERATOR_CHARS = new Set(['=', '!', '?', '|', '&', '>', '<', '~', 'i', 'n', '^', '+', '-', '*', '/', '%']);
/** What an omitted slice end means (math.MaxInt32 in the library). */
const SLICE_END = 2147483647;
const COMPARISON_HINT = "Kelos's JSONPath (gval Base) has only the == and != operators, no <, >, &&, || or !";

/** Parses `path`; throws JsonPathError (naming the column) for text Kelos reports as a parsing error. */
export function parseJsonPath(path: string): Expr {
  return new Parser(path).parseAll();
}

class Parser {
  private readonly scanner: Scanner;
  private last: Token = { type: 'EOF', text: '', column: 1, terminated: true };
  private pushedBack = false;

  constructor(private readonly path: string) {
    this.scanner = new Scanner(path);
  }

  parseAll(): Expr {
    const expr = this.expression();
    const rest = this.scan();
    if (rest.type !== 'EOF') throw this.unexpected(rest, 'after a complete expression');
    return expr;
  }

  /** The next token; after `unscan`, the same one again (gval's "camouflage"). */
  private scan(): Token {
    if (this.pushedBack) this.pushedBack = false;
    else this.last = this.scanner.scan();
    return this.last;
  }

  private unscan(): void {
    this.pushedBack = true;
  }

  /** Operands joined by `==` / `!=`, left to right (both have the same precedence). */
  private expression(): Expr {
    let left = this.operand();
    for (;;) {
      const op = this.operator();
      if (op === undefined) return left;
      left = { kind: 'compare', negated: op === '!=', left, right: this.operand() };
    }
  }

  private operator(): '==' | '!=' | undefined {
    const token = this.scan();
    if (token.type !== 'Other' || !OPERATOR_CHARS.has(token.text)) {
      this.unscan();
      return undefined;
    }
    let op = token.text;
    for (let ch = this.scanner.peekChar(); ch !== EOF && OPERATOR_CHARS.has(ch); ch = this.scanner.peekChar()) {
      op += this.scanner.nextChar();
    }
    if (op === '==' || op === '!=') return op;
    if (op.length === 1) {
      this.unscan(); // not an operator: whoever reads next reports it
      return undefined;
    }
    throw this.fail(token.column, `unknown operator ${op}; ${COMPARISON_HINT}`);
  }

  private operand(): Expr {
    const token = this.scan();
    switch (token.type) {
      case 'Int':
      case 'Float':
        return { kind: 'literal', value: this.number(token) };
      case 'String':
      case 'RawString':
      case 'Char':
        return { kind: 'literal', value: this.string(token) };
      case 'Ident':
        if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true' };
        return this.variable(token);
      case 'Other':
        switch (token.text) {
          case '-':
            return { kind: 'negate', operand: this.operand() };
          case '(': {
            const inner = this.expression();
            this.expect(')', 'to close "("');
            return inner;
          }
          case '$':
            return { kind: 'path', from: 'root', steps: this.pathSteps() };
          case '@':
            return { kind: 'path', from: 'current', steps: this.pathSteps() };
        }
    }
    throw this.unexpected(token, 'where a value was expected');
  }

  /** A bare name: `a`, `a.b`, `a["b"]`, or a call `a(…)`. */
  private variable(first: Token): Expr {
    const keys: Expr[] = [{ kind: 'literal', value: first.text }];
    for (;;) {
      const token = this.scan();
      if (isOther(token, '.')) {
        const name = this.scan();
        if (name.type !== 'Ident') throw this.unexpected(name, 'after "." (expected a name)');
        keys.push({ kind: 'literal', value: name.text });
      } else if (isOther(token, '[')) {
        keys.push(this.expression());
        this.expect(']', 'to close "["');
      } else if (isOther(token, '(')) {
        return { kind: 'call', name: first.text, args: this.callArguments() };
      } else {
        this.unscan();
        return { kind: 'variable', keys };
      }
    }
  }

  private callArguments(): Expr[] {
    if (isOther(this.scan(), ')')) return [];
    this.unscan();
    const args: Expr[] = [];
    for (;;) {
      args.push(this.expression());
      const token = this.scan();
      if (isOther(token, ')')) return args;
      if (!isOther(token, ',')) throw this.unexpected(token, 'in call arguments (expected "," or ")")');
    }
  }

  /** The selectors after `$` or `@`, up to the first token that cannot continue a path. */
  private pathSteps(): Step[] {
    const steps: Step[] = [];
    for (;;) {
      const token = this.scan();
      if (isOther(token, '.')) this.member(steps);
      else if (isOther(token, '[')) steps.push(this.bracketStep());
      else if (isOther(token, '(')) steps.push(this.script());
      else {
        this.unscan();
        return steps;
      }
    }
  }

  /** After `.`: a name, `*`, or a second `.` (recursive descent). */
  private member(steps: Step[]): void {
    const token = this.scan();
    if (token.type === 'Ident') steps.push({ kind: 'select', key: { kind: 'literal', value: token.text } });
    else if (isOther(token, '*')) steps.push({ kind: 'wildcard' });
    else if (isOther(token, '.')) {
      steps.push({ kind: 'descend' });
      this.afterDescent(steps);
    } else throw this.unexpected(token, 'after "." (expected a name, "*" or ".")');
  }

  /** After `..`: a name, `*`, a bracket (not a slice) or a script. */
  private afterDescent(steps: Step[]): void {
    const token = this.scan();
    if (token.type === 'Ident') steps.push({ kind: 'select', key: { kind: 'literal', value: token.text } });
    else if (isOther(token, '*')) steps.push({ kind: 'wildcard' });
    else if (isOther(token, '(')) steps.push(this.script());
    else if (isOther(token, '[')) {
      const { keys, separator } = this.bracket();
      if (separator === ':') throw this.fail(token.column, 'a slice cannot follow ".." (recursive descent)');
      if (separator === '?') steps.push(this.filter(keys, token));
      else steps.push(keys.length === 0 ? { kind: 'wildcard' } : { kind: 'union', keys });
    } else throw this.unexpected(token, 'after ".." (expected a name, "*", "[" or "(")');
  }

  private bracketStep(): Step {
    const open = this.last;
    const { keys, separator } = this.bracket();
    if (separator === ':') {
      if (keys.length > 3) throw this.fail(open.column, 'a slice has at most three parts [start:end:step]');
      const [start, end, step] = [...keys, ...defaultSliceParts().slice(keys.length)];
      return { kind: 'slice', start, end, step };
    }
    if (separator === '?') return this.filter(keys, open);
    if (keys.length === 0) return { kind: 'wildcard' };
    return keys.length === 1 ? { kind: 'select', key: keys[0] } : { kind: 'union', keys };
  }

  private filter(keys: Expr[], open: Token): Step {
    if (keys.length !== 1) throw this.fail(open.column, 'a filter [?…] needs exactly one expression');
    return { kind: 'filter', condition: keys[0] };
  }

  /**
   * The inside of `[…]` after the `[`: expressions separated by one kind of separator (`,` union, `:` slice,
   * a leading `?` filter). `*` makes the bracket a wildcard, wherever it is in the list.
   */
  private bracket(): { keys: Expr[]; separator: string | undefined } {
    const keys: Expr[] = [];
    let separator: string | undefined;
    for (;;) {
      let token = this.scan();
      let haveToken = false;
      if (isOther(token, '?')) haveToken = true;
      else if (isOther(token, ':')) {
        keys.push({ kind: 'literal', value: keys.length === 1 ? SLICE_END : 0 });
        haveToken = true;
      } else if (isOther(token, '*')) {
        this.expect(']', 'after "[*" (a wildcard bracket holds nothing else)');
        return { keys: [], separator: undefined };
      } else if (isOther(token, ']') && separator === ':') haveToken = true;
      else {
        this.unscan();
        keys.push(this.expression());
      }
      if (!haveToken) token = this.scan();
      const mark = token.type === 'Other' ? token.text : token.type;
      separator ??= mark;
      if (mark === ']') return { keys, separator };
      if (mark === '?') {
        if (keys.length !== 0) throw this.unexpected(token, 'in brackets (a filter is written [?expression])');
      } else if (mark !== ':' && mark !== ',') {
        throw this.unexpected(token, 'in brackets (expected ",", ":" or "]")');
      }
      if (separator !== mark) throw this.fail(token.column, `cannot mix "${separator}" and "${mark}" in one bracket`);
    }
  }

  /** `(expr)` in a path: the expression's value, with `@` the value so far. */
  private script(): Step {
    const expr = this.expression();
    this.expect(')', 'to close "("');
    return { kind: 'script', expr };
  }

  private expect(text: string, why: string): void {
    const token = this.scan();
    if (!isOther(token, text)) throw this.unexpected(token, `where "${text}" was expected ${why}`);
  }

  private number(token: Token): number {
    const value = goParseFloat64(token.text);
    if (value === undefined) {
      throw this.fail(token.column, `invalid number ${token.text} (strconv.ParseFloat rejects it)`);
    }
    return value;
  }

  private string(token: Token): string {
    const bad = (why: string) => this.fail(token.column, `invalid string literal ${token.text}: ${why}`);
    if (!token.terminated) throw bad('not terminated');
    try {
      if (token.type !== 'Char') return unquoteString(token.text);
      const rune = unquoteCharConstant(token.text);
      // \x and octal escapes are bytes, not code points
      return /^'\\([0-7]|x)/.test(token.text) ? utf8Decode([rune]) : String.fromCodePoint(rune);
    } catch (error) {
      if (!(error instanceof LiteralError)) throw error;
      if (token.type === 'Char') {
        throw bad(`single quotes hold one character (a Go rune literal); quote names with double quotes, e.g. ["full_name"]`);
      }
      throw bad('invalid Go string syntax');
    }
  }

  private unexpected(token: Token, where: string): JsonPathError {
    const what = token.type === 'EOF' ? 'end of input' : JSON.stringify(token.text);
    let hint = '';
    if (token.type === 'Other' && ['>', '<', '!', '&', '|', '='].includes(token.text)) hint = `; ${COMPARISON_HINT}`;
    if (token.type === 'Float' && token.text.startsWith('.')) hint = '; a name cannot start with a digit, write [n] for an index';
    return this.fail(token.column, `unexpected ${what} ${where}${hint}`);
  }

  private fail(column: number, message: string): JsonPathError {
    return new JsonPathError(this.path, `column ${column}: ${message}`);
  }
}

function isOther(token: Token, text: string): boolean {
  return token.type === 'Other' && token.text === text;
}

function defaultSliceParts(): Expr[] {
  return [0, SLICE_END, 1].map((value) => ({ kind: 'literal', value }));
}
