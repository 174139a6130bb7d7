/**
 * Go RE2 patterns (`bodyPattern`, `excludeBodyPatterns`, generic `pattern`) as JS RegExps with RE2's meaning.
 * Kelos matches unanchored (`MatchString`); so does `RegExp.test`.
 *
 * Translated exactly:
 *  - flag groups anywhere: `(?i)`, `(?m)`, `(?s)`, `(?-s)`, `(?im)`, and scoped `(?i:...)` (so example 13's
 *    `^(?i)test` and self-development's `(?m)^/kelos review[ \t]*\r?$` work). `m` and `s` are applied by
 *    rewriting `^`, `$` and `.` per position (RE2's `.` excludes only `\n`; its multi-line anchors know only `\n`,
 *    while JS also stops at `\r`, U+2028, U+2029). `i` becomes the JS `i` flag, which is exact only when every
 *    case-sensitive atom is inside or every one is outside the `i` scope; a mix is reported as unsupported;
 *  - `(?P<name>`, `\z`, `\A`, `\Q...\E`, `\x{...}`, `\pL`, `\p{Greek}` (scripts), `\s`/`\S` (ASCII only in
 *    RE2), POSIX classes `[[:alpha:]]`, escaped punctuation, literal `{`, `}`, `]` that JS's `u` mode refuses.
 * Rejected like RE2 rejects them: look-around, back-references. Unsupported (reported as an error, which
 * makes the filter reject, as an invalid pattern does in Kelos): `(?U)`, octal escapes, `\C`, `\S` inside a class.
 */

export class GoRegexpError extends Error {
  constructor(
    readonly pattern: string,
    message: string,
  ) {
    super(`invalid pattern ${JSON.stringify(pattern)}: ${message}`);
    this.name = 'GoRegexpError';
  }
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const RE2_SPACE = '\\t\\n\\f\\r ';
const JS_SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
const SIMPLE_ESCAPES = new Set([...'dDwWbBtnrfv']);
const cache = new Map<string, RegExp>();

/** Compiles (and caches) a Go RE2 pattern; throws GoRegexpError when invalid or unsupported. */
export function compileGoRegexp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const { source, flags } = translate(pattern);
    try {
      re = new RegExp(source, flags);
    } catch (error) {
      throw new GoRegexpError(pattern, (error as Error).message);
    }
    cache.set(pattern, re);
  }
  return re;
}

/** RE2 `MatchString`: does the pattern match anywhere in `text`? */
export function goRegexpMatch(pattern: string, text: string): boolean {
  return compileGoRegexp(pattern).test(text);
}

function isCased(char: string): boolean {
  return char.toLowerCase() !== char.toUpperCase();
}

function literal(char: string): string {
  if (JS_SYNTAX.has(char)) return `\\${char}`;
  if (/[\p{L}\p{N}_\s]/u.test(char) || char.codePointAt(0)! > 0x7e) return char;
  return `\\x${char.codePointAt(0)!.toString(16).padStart(2, '0')}`;
}

function translate(pattern: string): { source: string; flags: string } {
  const fail = (message: string) => new GoRegexpError(pattern, message);
  const chars = [...pattern];
  const scopes: Flags[] = [{ i: false, m: false, s: false }];
  let caseIn = false;
  let caseOut = false;
  let out = '';
  let pos = 0;
  const flags = () => scopes[scopes.length - 1];
  const noteCase = (cased: boolean) => {
    if (!cased) return;
    if (flags().i) caseIn = true;
    else caseOut = true;
  };

  const readFlags = (): { set: Partial<Flags>; scoped: boolean } => {
    const set: Partial<Flags> = {};
    let negate = false;
    for (; pos < chars.length; pos++) {
      const c = chars[pos];
      if (c === ')' || c === ':') {
        pos++;
        return { set, scoped: c === ':' };
      }
      if (c === '-') negate = true;
      else if (c === 'i' || c === 'm' || c === 's') set[c] = !negate;
      else if (c === 'U') throw fail('the ungreedy flag (?U) is not supported');
      else throw fail(`invalid or unsupported perl flag group near (?${c}`);
    }
    throw fail('missing closing )');
  };

  const escape = (inClass: boolean): string => {
    const c = chars[pos++];
    if (c === undefined) throw fail('trailing backslash at end of expression');
    if (SIMPLE_ESCAPES.has(c)) {
      if (inClass && (c === 'b' || c === 'B')) throw fail(`invalid escape \\${c} in character class`);
      return `\\${c}`;
    }
    if (c === 's') return inClass ? RE2_SPACE : `[${RE2_SPACE}]`;
    if (c === 'S') {
      if (inClass) throw fail('\\S inside a character class is not supported');
      return `[^${RE2_SPACE}]`;
    }
    if (c === 'a') return '\\x07';
    if (!inClass && c === 'z') return '(?![\\s\\S])';
    if (!inClass && c === 'A') return '(?<![\\s\\S])';
    if (c === 'x') {
      if (chars[pos] === '{') {
        const close = chars.indexOf('}', pos);
        const hex = chars.slice(pos + 1, close).join('');
        if (close < 0 || !/^[0-9a-fA-F]{1,6}$/.test(hex)) throw fail('invalid escape \\x{');
        pos = close + 1;
        return `\\u{${hex}}`;
      }
      const hex = chars.slice(pos, pos + 2).join('');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw fail('invalid escape \\x');
      pos += 2;
      return `\\x${hex}`;
    }
    if (c === 'p' || c === 'P') {
      let name: string;
      if (chars[pos] === '{') {
        const close = chars.indexOf('}', pos);
        if (close < 0) throw fail('invalid character class range');
        name = chars.slice(pos + 1, close).join('');
        pos = close + 1;
      } else name = chars[pos++] ?? '';
      let negated = c === 'P';
      if (name.startsWith('^')) {
        negated = !negated;
        name = name.slice(1);
      }
      if (!/^[A-Za-z_]+$/.test(name)) throw fail(`invalid character class range \\${c}{${name}}`);
      noteCase(true);
      const property = name === 'Any' ? 'Any' : /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
      return `\\${negated ? 'P' : 'p'}{${property}}`;
    }
    if (/[0-9]/.test(c)) throw fail(`back-references and octal escapes (\\${c}) are not supported`);
    if (c === 'Q') {
      let text = '';
      while (pos < chars.length && !(chars[pos] === '\\' && chars[pos + 1] === 'E')) {
        noteCase(isCased(chars[pos]));
        text += inClass && chars[pos] === '-' ? '\\-' : literal(chars[pos]);
        pos++;
      }
      if (pos < chars.length) pos += 2;
      return text;
    }
    if (/[\p{L}\p{N}]/u.test(c) || c.codePointAt(0)! > 0x7e) throw fail(`invalid escape sequence \\${c}`);
    if (inClass && c === '-') return '\\-';
    return literal(c);
  };

  const charClass = (): string => {
    let body = '';
    let negated = false;
    if (chars[pos] === '^') {
      negated = true;
      pos++;
    }
    let first = true;
    for (;;) {
      const c = chars[pos];
      if (c === undefined) throw fail('missing closing ]');
      if (c === ']' && !first) {
        pos++;
        break;
      }
      first = false;
      if (c === '[' && chars[pos + 1] === ':') {
        const close = chars.indexOf(']', pos);
        const spec = chars.slice(pos + 2, close).join('');
        const match = /^(\^?)([a-z]+):$/.exec(spec);
        if (close > 0 && match) {
          if (match[1]) throw fail('negated POSIX classes [[:^name:]] are not supported');
          const range = POSIX_CLASSES[match[2]];
          if (!range) throw fail(`invalid character class range [:${match[2]}:]`);
          noteCase(/[A-Za-z]/.test(range));
          body += range;
          pos = close + 1;
          continue;
        }
      }
      pos++;
      if (c === '\\') body += escape(true);
      else if (c === '[' || c === ']' || c === '^') body += `\\${c}`;
      else {
        noteCase(isCased(c));
        body += c;
      }
    }
    return `[${negated ? '^' : ''}${body}]`;
  };

  while (pos < chars.length) {
    const c = chars[pos++];
    switch (c) {
      case '\\':
        out += escape(false);
        break;
      case '[':
        out += charClass();
        break;
      case '.':
        out += flags().s ? '[\\s\\S]' : '[^\\n]';
        break;
      case '^':
        out += flags().m ? '(?<![^\\n])' : '^'; // no JS `m` flag, so `^` is start of text
        break;
      case '$':
        out += flags().m ? '(?![^\\n])' : '$'; // RE2's `$` without (?m) is end of text, like JS's
        break;
      case '(': {
        if (chars[pos] !== '?') {
          scopes.push({ ...flags() });
          out += '(';
          break;
        }
        const next = chars[pos + 1];
        if (next === '=' || next === '!' || (next === '<' && (chars[pos + 2] === '=' || chars[pos + 2] === '!'))) {
          throw fail('look-around assertions are not supported by RE2');
        }
        if (next === '<' || (next === 'P' && chars[pos + 2] === '<')) {
          // Named group: copy the name verbatim, JS spells it `(?<name>`.
          const open = chars.indexOf('<', pos);
          const close = chars.indexOf('>', open);
          const name = chars.slice(open + 1, close).join('');
          if (close < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw fail('invalid named capture');
          scopes.push({ ...flags() });
          out += `(?<${name}>`;
          pos = close + 1;
          break;
        }
        if (next === ':') {
          scopes.push({ ...flags() });
          out += '(?:';
          pos += 2;
          break;
        }
        pos++;
        const { set, scoped } = readFlags();
        if (scoped) {
          scopes.push({ ...flags(), ...set });
          out += '(?:';
        } else Object.assign(flags(), set);
        break;
      }
      case ')':
        if (scopes.length === 1) throw fail('unexpected )');
        scopes.pop();
        out += ')';
        break;
      case '{': {
        const repeat = /^\{\d+(,\d*)?\}/.exec(chars.slice(pos - 1, pos + 24).join(''));
        if (repeat) {
          out += repeat[0];
          pos += repeat[0].length - 1;
        } else out += '\\{';
        break;
      }
      case '}':
      case ']':
        out += `\\${c}`;
        break;
      case '*':
      case '+':
      case '?':
      case '|':
        out += c;
        break;
      default:
        noteCase(isCased(c));
        out += literal(c);
    }
  }
  if (scopes.length > 1) throw fail('missing closing )');
  if (caseIn && caseOut) throw fail('case-insensitive flags that cover only part of the pattern are not supported');
  return { source: out, flags: caseIn ? 'iu' : 'u' };
}
