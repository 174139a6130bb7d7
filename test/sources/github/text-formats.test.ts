import {
  COMMENT_BUDGET_BYTES,
  formatComments,
  formatLabels,
  formatReviewComments,
  joinNewestWithinBudget,
} from '../../../src/sources/github/text-formats';
import { utf8Length } from '../../../src/go/utf8';
import { HEAD_SHA, restComment, restReviewComment } from './rest-fixtures';

const KiB = 1024;
const comments = (...bodies: (string | null)[]) => bodies.map((body, i) => restComment(body, `2026-01-0${(i % 9) + 1}T00:00:00Z`));

describe('Labels are joined with ", "', () => {
  it.each([
    [[], ''],
    [['bug'], 'bug'],
    [['bug', 'good first issue'], 'bug, good first issue'],
  ])('%j', (labels, expected) => {
    expect(formatLabels(labels)).toBe(expected);
  });
});

describe('Comments keep the newest within 64 KiB (Appendix B 5)', () => {
  const big = (ch: string, bytes: number) => ch.repeat(bytes);
  const cases: [string, (string | null)[], string][] = [
    ['no comments', [], ''],
    ['all fit, API order, "\\n---\\n" between', ['first', 'second', 'third'], 'first\n---\nsecond\n---\nthird'],
    ['null bodies are empty parts', ['a', null, 'b'], 'a\n---\n\n---\nb'],
    ['exactly the budget fits (separators do not count)', [big('a', 32 * KiB), big('b', 32 * KiB)], `${big('a', 32 * KiB)}\n---\n${big('b', 32 * KiB)}`],
    ['oldest dropped first', [big('a', 40 * KiB), big('b', 20 * KiB), big('c', 20 * KiB)], `${big('b', 20 * KiB)}\n---\n${big('c', 20 * KiB)}`],
    ['a single oversize newest comment yields "" (NoBudgetForAny)', ['small', big('z', 64 * KiB + 1)], ''],
    ['an older small comment is not kept past a dropped one', ['tiny', big('a', 50 * KiB), big('b', 20 * KiB)], big('b', 20 * KiB)],
    ['bytes are UTF-8 bytes, not characters', [big('é', 20 * KiB), big('a', 30 * KiB)], big('a', 30 * KiB)],
  ];
  it.each(cases)('%s', (_name, bodies, expected) => {
    expect(formatComments(comments(...bodies))).toBe(expected);
  });
  it('the budget is 64 KiB', () => {
    expect(COMMENT_BUDGET_BYTES).toBe(65536);
    expect(joinNewestWithinBudget(['abc', 'de'], 4)).toBe('de');
  });
});

describe('ReviewComments format inline comments on the head commit', () => {
  const cases: [string, ReturnType<typeof restReviewComment>[], string][] = [
    ['path and line', [restReviewComment('Use a constant here', { path: 'src/app.ts', line: 12 })], 'src/app.ts:12\nUse a constant here'],
    ['line omitted when zero', [restReviewComment('File-level note', { path: 'README.md', line: 0 })], 'README.md\nFile-level note'],
    ['line omitted when null (outdated comment)', [restReviewComment('old', { path: 'a.go', line: null })], 'a.go\nold'],
    ['location omitted when the path is empty', [restReviewComment('orphan', { path: '', line: 3 })], 'orphan'],
    ['bodies are trimmed and blank ones skipped', [restReviewComment('  \n '), restReviewComment('  fix  ', { path: 'b.go', line: 2 })], 'b.go:2\nfix'],
    ['comments on other commits are skipped', [restReviewComment('stale', { commitId: 'old-sha' }), restReviewComment('fresh', { path: 'c.go', line: 1 })], 'c.go:1\nfresh'],
    [
      'several are joined in API order',
      [restReviewComment('one', { path: 'a.go', line: 1 }), restReviewComment('two', { path: 'b.go', line: 2 })],
      'a.go:1\none\n---\nb.go:2\ntwo',
    ],
    [
      'the budget counts the location too and keeps the newest',
      [restReviewComment('x'.repeat(40 * KiB), { path: 'a.go', line: 1 }), restReviewComment('y'.repeat(30 * KiB), { path: 'b.go', line: 2 })],
      `b.go:2\n${'y'.repeat(30 * KiB)}`,
    ],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(formatReviewComments(input, HEAD_SHA)).toBe(expected);
  });
});

describe('UTF-8 byte length without Buffer (lone surrogates count as U+FFFD, like Buffer and Go)', () => {
  it.each(['', 'ascii', 'é', '€uro', '😀', 'a😀b€é', '\ud800', 'x\udc00y', '\ud83dx'])('%j', (text) => {
    expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
  });
});
