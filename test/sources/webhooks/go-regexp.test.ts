/** RE2 patterns evaluated with JS RegExp: flag groups, anchors, classes, and what is refused. */
import { GoRegexpError, compileGoRegexp, goRegexpMatch } from '../../../src/go/regexp';

describe('goRegexpMatch gives RE2 MatchString results', () => {
  it.each([
    // unanchored, like MatchString
    ['/kelos', 'please /kelos fix', true],
    ['^/kelos', 'please /kelos fix', false],
    // example 13: a flag group after `^` applies to the rest
    ['^(?i)test', 'TEST failure in staging', true],
    ['^(?i)test', 'a test', false],
    ['(?i)^(python|go|node)', 'Python', true],
    ['^(python|go|node)', 'python3', true],
    ['^(python|go|node)', 'ruby', false],
    // self-development reviewer: (?m) with CRLF-tolerant end
    ['(?m)^/kelos review[ \\t]*\\r?$', 'LGTM\r\n/kelos review \r\nthanks', true],
    ['(?m)^/kelos review[ \\t]*\\r?$', '/kelos reviewer', false],
    ['^/kelos review$', 'x\n/kelos review', false], // without (?m), ^ is start of text
    ['(?m)^b$', 'a\rb', false], // RE2 multi-line anchors know only \n; JS's m flag would say true
    ['a.c', 'a\rc', true], // RE2 `.` excludes only \n
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['(?i:ab)', 'xAB', true], // a scoped flag group covering every cased atom
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['(?P<word>fix)\\s+it', 'fix   it', true],
    ['[[:digit:]]+', 'v42', true],
    ['[[:alpha:]]', '123', false],
    ['x\\z', 'ax', true],
    ['x\\z', 'x\n', false],
    ['a{2}', 'caab', true],
    ['a{', 'a{', true], // a literal brace in RE2
    ['\\-\\#', '-#', true], // escaped punctuation
    ['\\pL', 'é', true],
    ['\\p{Greek}', 'λ', true],
    ['[]a]', ']', true],
    ['\\s', '\u00a0', false], // RE2 \s is ASCII whitespace
    ['ü+', 'xüü', true],
  ])('%j on %j → %s', (pattern, text, expected) => {
    expect(goRegexpMatch(pattern, text)).toBe(expected);
  });

  it.each([
    ['(?=x)', 'look-around'],
    ['(?<!x)y', 'look-around'],
    ['(a)\\1', 'back-references'],
    ['(?U)a+', 'ungreedy'],
    ['(unclosed', 'missing closing'],
    ['[a', 'missing closing ]'],
    ['a)', 'unexpected )'],
    ['\\e', 'invalid escape'],
    ['abc(?i)def', 'case-insensitive flags'], // valid RE2, but JS (Node 20) has no scoped `i`
    ['(?i:ab)c', 'case-insensitive flags'],
  ])('refuses %j (%s)', (pattern, message) => {
    expect(() => compileGoRegexp(pattern)).toThrow(GoRegexpError);
    expect(() => compileGoRegexp(pattern)).toThrow(message);
  });

  it('caches compiled patterns', () => {
    expect(compileGoRegexp('^x')).toBe(compileGoRegexp('^x'));
  });
});
