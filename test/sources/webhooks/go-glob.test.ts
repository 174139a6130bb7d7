/** Go filepath.Match semantics for branch/tag/checkName filters. */
import { GoGlobError, goGlobMatch } from '../../../src/go/glob';

describe('goGlobMatch follows Go filepath.Match', () => {
  it.each([
    ['main', 'main', true],
    ['main', 'main2', false],
    ['release-*', 'release-1.2', true],
    ['feature/*', 'feature/login', true],
    ['feature/*', 'feature/a/b', false], // `*` does not cross `/`
    ['*', 'a/b', false],
    ['*/*', 'a/b', true],
    ['v?.0', 'v1.0', true],
    ['v?.0', 'v/.0', false], // `?` does not match `/`
    ['[abc]x', 'bx', true],
    ['[^abc]x', 'bx', false],
    ['[^abc]x', 'dx', true],
    ['[!a]x', '!x', true], // Go negates with `^` only
    ['[a-c]*', 'beta', true],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b', 'ab/b', false],
    ['**', 'x', true], // no doublestar: `**` is `*`
    ['unit-*', 'unit-tests', true],
    ['lint', 'Octocoders-linter', false],
    ['Octo*', 'Octocoders-linter', true],
    ['ü?', 'üé', true],
    ['', '', true],
    ['', 'x', false],
  ])('%j vs %j → %s', (pattern, name, expected) => {
    expect(goGlobMatch(pattern, name)).toBe(expected);
  });

  it.each(['[', '[a', 'a[', '[]', '[a-]', '\\', 'x\\', '[^]'])('malformed %j is an error', (pattern) => {
    expect(() => goGlobMatch(pattern, 'a')).toThrow(GoGlobError);
  });

  it('reports a malformed tail even when an earlier chunk already failed to match', () => {
    expect(() => goGlobMatch('x*[', 'abc')).toThrow(GoGlobError);
  });
});
