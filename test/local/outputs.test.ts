import { OUTPUTS_END_MARKER as END, OUTPUTS_START_MARKER as START, parseTaskOutputs, usageFromResults } from '../../src/task/outputs';

const block = (...lines: string[]) => [START, ...lines, END].join('\n');

describe('output block parsing', () => {
  const cases: { behaviour: string; log: string; outputs: string[]; results?: Record<string, string>; truncated?: boolean }[] = [
    {
      behaviour: 'a log without markers has no outputs',
      log: 'hello\nworld\n',
      outputs: [],
      results: {},
    },
    {
      behaviour: 'lines are trimmed and blank lines dropped',
      log: `agent says hi\n${block('  branch: main  ', '', '\t', 'commit: abc\r')}\n`,
      outputs: ['branch: main', 'commit: abc'],
      results: { branch: 'main', commit: 'abc' },
    },
    {
      behaviour: 'the last complete pair wins over earlier ones',
      log: `${block('branch: old')}\nmore output\n${block('branch: new')}\ntrailing\n`,
      outputs: ['branch: new'],
    },
    {
      behaviour: 'a block far from the end of a long log is still found',
      log: `${'noise line\n'.repeat(200)}${block('branch: deep', 'pr: https://github.com/a/b/pull/1')}\n${'after the block\n'.repeat(5000)}`,
      outputs: ['branch: deep', 'pr: https://github.com/a/b/pull/1'],
    },
    {
      behaviour: 'a duplicate key keeps every line in outputs and the last value in results',
      log: block('pr: https://x/pull/1', 'pr: https://x/pull/2', 'branch: b'),
      outputs: ['pr: https://x/pull/1', 'pr: https://x/pull/2', 'branch: b'],
      results: { pr: 'https://x/pull/2', branch: 'b' },
    },
    {
      behaviour: 'lines without ": " or with an empty key are kept in outputs but not in results',
      log: block('just text', ': empty key', 'key:no-space', 'url: https://a:b@c'),
      outputs: ['just text', ': empty key', 'key:no-space', 'url: https://a:b@c'],
      results: { url: 'https://a:b@c' },
    },
    {
      behaviour: 'a value may contain ": " itself (split on the first one)',
      log: block('response: a: b: c'),
      outputs: ['response: a: b: c'],
      results: { response: 'a: b: c' },
    },
    {
      behaviour: 'an END without a START before it gives nothing',
      log: `${END}\n${START}\n`.replace(`${START}\n`, 'x\n'),
      outputs: [],
    },
    {
      behaviour: 'markers inside a JSON line still pair like in Kelos (substring match)',
      log: `{"text":"${START} branch: fake"}\n${block('branch: real')}\n`,
      outputs: ['branch: real'],
    },
    {
      behaviour: 'a truncated block (START, no END) after the log end keeps its complete lines and drops the cut one',
      log: `work\n${START}\nbranch: feature\ncommit: 0123456789abcdef`,
      outputs: ['branch: feature'],
      truncated: true,
    },
    {
      behaviour: 'a truncated block newer than a complete one wins',
      log: `${block('branch: stale')}\n${START}\nbranch: fresh\n`,
      outputs: ['branch: fresh'],
      truncated: true,
    },
    {
      behaviour: 'a START inside a line after the last END is not treated as a truncated block',
      log: `${block('branch: real')}\n{"echo":"${START}"}\n`,
      outputs: ['branch: real'],
    },
    {
      behaviour: 'an empty block gives no outputs',
      log: block('', '   '),
      outputs: [],
    },
  ];

  test.each(cases)('$behaviour', ({ log, outputs, results, truncated }) => {
    const parsed = parseTaskOutputs(log);
    expect(parsed.outputs).toEqual(outputs);
    if (results) expect(parsed.results).toEqual(results);
    expect(parsed.truncated ?? false).toBe(truncated ?? false);
  });

  test('a "__proto__" key becomes a plain result entry', () => {
    const parsed = parseTaskOutputs(block('__proto__: x', 'branch: b'));
    expect(Object.keys(parsed.results)).toEqual(['__proto__', 'branch']);
    expect(Object.getPrototypeOf(parsed.results)).toBe(Object.prototype);
  });
});

describe('usage from results', () => {
  const cases: { behaviour: string; results: Record<string, string>; usage: ReturnType<typeof usageFromResults> }[] = [
    { behaviour: 'all three figures', results: { 'cost-usd': '0.0421275', 'input-tokens': '1234', 'output-tokens': '567' }, usage: { costUSD: '0.0421275', inputTokens: 1234, outputTokens: 567 } },
    { behaviour: 'no usage keys means no usage', results: { branch: 'main' }, usage: undefined },
    { behaviour: 'zero values are dropped', results: { 'cost-usd': '0', 'input-tokens': '0', 'output-tokens': '0' }, usage: undefined },
    { behaviour: 'negative values are dropped', results: { 'cost-usd': '-1.5', 'input-tokens': '-3' }, usage: undefined },
    { behaviour: 'a cost keeps its text form, exponent included', results: { 'cost-usd': '1.5e-3' }, usage: { costUSD: '1.5e-3' } },
    { behaviour: 'non-numeric cost is dropped', results: { 'cost-usd': 'free', 'output-tokens': '9' }, usage: { outputTokens: 9 } },
    { behaviour: 'fractional or non-numeric token counts are dropped', results: { 'input-tokens': '12.5', 'output-tokens': '<nil>' }, usage: undefined },
    { behaviour: 'token counts beyond exact integers are dropped', results: { 'input-tokens': '99999999999999999999' }, usage: undefined },
  ];
  test.each(cases)('$behaviour', ({ results, usage }) => {
    expect(usageFromResults(results)).toEqual(usage);
  });

  test('parseTaskOutputs attaches usage only when present', () => {
    expect(parseTaskOutputs(block('branch: b')).usage).toBeUndefined();
    expect(parseTaskOutputs(block('cost-usd: 0.5', 'input-tokens: 10')).usage).toEqual({ costUSD: '0.5', inputTokens: 10 });
  });
});
