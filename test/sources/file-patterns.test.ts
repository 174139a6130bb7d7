import { matchesFilePatterns } from '../../src/sources/file-patterns';

describe('filePatterns (remove excluded files, then match includes)', () => {
  const cases: [string, { include?: string[]; exclude?: string[] } | undefined, string[], boolean][] = [
    ['no patterns pass anything', undefined, [], true],
    ['empty lists pass', { include: [], exclude: [] }, ['a.go'], true],
    ['patterns with no files fail', { include: ['**/*.go'] }, [], false],
    ['** crosses directories', { include: ['api/**/*.go'] }, ['api/v1/types/task.go'], true],
    ['* does not cross directories', { include: ['api/*.go'] }, ['api/v1/task.go'], false],
    ['include without a match fails', { include: ['**/*.go'] }, ['README.md'], false],
    ['all files excluded fails', { exclude: ['docs/**'] }, ['docs/a.md', 'docs/b/c.md'], false],
    ['exclude-only passes when something is left', { exclude: ['docs/**'] }, ['docs/a.md', 'main.go'], true],
    ['excluded files cannot satisfy an include', { include: ['**/*.md'], exclude: ['docs/**'] }, ['docs/a.md', 'main.go'], false],
    ['dotfiles match', { include: ['.github/**'] }, ['.github/workflows/ci.yaml'], true],
  ];
  it.each(cases)('%s', (_name, patterns, files, expected) => {
    expect(matchesFilePatterns(patterns, files)).toBe(expected);
  });
});
