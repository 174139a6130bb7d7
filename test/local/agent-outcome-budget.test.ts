/**
 * An agent run's outcome within its budget: a huge final response, thousands of output lines or a huge result
 * value are cut, each cut value marked in itself, the whole under the budget, and the outcome still reads back
 * (JSON, results from the output lines, the base64 response).
 */
import { parseTaskOutputs, resultsFromOutputs } from '../../src/task/outputs';
import type { AgentOutcome } from '../../src/task/task-runtime';
import { TRUNCATION_MARK_TEXT } from '../../src/common/text-truncation';
import { AGENT_OUTCOME_BUDGET_BYTES, capAgentOutcome } from '../../src/runtimes/agent-outcome-budget';
import { formatOutputBlock } from '../../src/agent-entrypoint/output-block';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
const MARK = /\[… truncated by kelos: (\d+) more bytes\]$/;

/** The outcome a runtime reads from a log (as local-agent-runner.ts and pod-outcome do). */
function outcomeFromLog(log: string, extra: Partial<AgentOutcome> = {}): AgentOutcome {
  const parsed = parseTaskOutputs(log);
  return { exitCode: 0, timedOut: false, outputs: parsed.outputs, results: parsed.results, ...(parsed.usage ? { usage: parsed.usage } : {}), logTail: log.split('\n').slice(-20), ...extra };
}

/** The capped outcome survives the payload converter's JSON unchanged. */
function expectRoundTrip(outcome: AgentOutcome): void {
  expect(JSON.parse(JSON.stringify(outcome))).toEqual(outcome);
}

describe('agent outcome budget', () => {
  test('a small outcome is left as it is', () => {
    const outcome = outcomeFromLog(formatOutputBlock({ branch: 'fix-1', prs: ['https://github.com/a/b/pull/1'], commit: 'c'.repeat(40), costUSD: '0.5', response: 'Done.' }));
    expect(capAgentOutcome(outcome)).toEqual(outcome);
  });

  test('a 5 MB final response: under budget, still base64 that decodes to its beginning and the mark; other results whole', () => {
    const response = 'The agent says: ' + 'all work and no play makes a dull agent. '.repeat(130_000); // ~5.3 MB
    const log = `${'{"type":"result","result":"' + response + '"}'}\n${formatOutputBlock({ branch: 'fix-1', prs: ['https://github.com/a/b/pull/1'], costUSD: '1.25', inputTokens: '900', response })}`;
    const outcome = outcomeFromLog(log);
    expect(bytes(outcome)).toBeGreaterThan(10 * 1024 * 1024);

    const capped = capAgentOutcome(outcome);
    expect(bytes(capped)).toBeLessThanOrEqual(AGENT_OUTCOME_BUDGET_BYTES);
    expectRoundTrip(capped);
    const decoded = Buffer.from(capped.results.response, 'base64').toString('utf8');
    expect(Buffer.from(decoded, 'utf8').toString('base64')).toBe(capped.results.response);
    const mark = MARK.exec(decoded);
    expect(mark).not.toBeNull();
    const kept = decoded.slice(0, mark!.index).replace(/\n\n$/, '');
    expect(response.startsWith(kept)).toBe(true);
    expect(kept.length + Number(mark![1])).toBe(response.length);
    expect(kept.length).toBeGreaterThan(10_000);
    // The output lines say the same, and the small results are untouched.
    expect(resultsFromOutputs(capped.outputs)).toEqual(capped.results);
    expect(capped.results).toMatchObject({ branch: 'fix-1', pr: 'https://github.com/a/b/pull/1', 'cost-usd': '1.25', 'input-tokens': '900' });
    expect(capped.usage).toEqual(outcome.usage);
    // The log line carrying the response is cut too.
    expect(capped.logTail.some((line) => line.includes(TRUNCATION_MARK_TEXT))).toBe(true);
    expect(capped.logTail.every((line) => Buffer.byteLength(line) <= 2 * 1024)).toBe(true);
  });

  test('10,000 output lines: under budget, Kelos keys kept though printed last, dropped lines counted in a mark line that is no result', () => {
    const noise = Array.from({ length: 10_000 }, (_, i) => `note-${i}: ${'detail '.repeat(10)}${i}`);
    const log = ['---KELOS_OUTPUTS_START---', ...noise, 'branch: fix-2', 'pr: https://github.com/a/b/pull/2', 'cost-usd: 0.10', '---KELOS_OUTPUTS_END---', ''].join('\n');
    const outcome = outcomeFromLog(log);
    expect(outcome.outputs).toHaveLength(10_003);

    const capped = capAgentOutcome(outcome);
    expect(bytes(capped)).toBeLessThanOrEqual(AGENT_OUTCOME_BUDGET_BYTES);
    expectRoundTrip(capped);
    const markLine = capped.outputs[capped.outputs.length - 1];
    const dropped = Number(/^\[… (\d+) more lines truncated by kelos\]$/.exec(markLine)![1]);
    expect(capped.outputs.length - 1 + dropped).toBe(10_003);
    expect(capped.outputs).toEqual(expect.arrayContaining(['branch: fix-2', 'pr: https://github.com/a/b/pull/2', 'cost-usd: 0.10', noise[0]]));
    expect(capped.outputs.indexOf('branch: fix-2')).toBeGreaterThan(capped.outputs.indexOf(noise[0])); // order kept
    expect(capped.results).toMatchObject({ branch: 'fix-2', pr: 'https://github.com/a/b/pull/2', 'cost-usd': '0.10' });
    expect(resultsFromOutputs(capped.outputs)).toEqual(capped.results);
  });

  test('a 1 MB result value: cut with the mark in the value itself, output line and result alike', () => {
    const notes = 'n'.repeat(1024 * 1024);
    const outcome = outcomeFromLog(['---KELOS_OUTPUTS_START---', 'branch: fix-3', `notes: ${notes}`, '---KELOS_OUTPUTS_END---', ''].join('\n'));

    const capped = capAgentOutcome(outcome);
    expect(bytes(capped)).toBeLessThanOrEqual(AGENT_OUTCOME_BUDGET_BYTES);
    expectRoundTrip(capped);
    const mark = MARK.exec(capped.results.notes);
    expect(mark).not.toBeNull();
    expect(capped.results.notes.slice(0, mark!.index).trimEnd().length + Number(mark![1])).toBe(notes.length);
    expect(capped.outputs).toContain(`notes: ${capped.results.notes}`);
    expect(capped.results.branch).toBe('fix-3');
    expect(resultsFromOutputs(capped.outputs)).toEqual(capped.results);
  });

  test('a huge failure reason and a huge log line are cut and marked', () => {
    const outcome: AgentOutcome = { exitCode: 1, timedOut: false, outputs: [], results: {}, logTail: ['x'.repeat(3_000_000), 'last line'], failureReason: `init container failed: ${'why '.repeat(1_000_000)}` };
    const capped = capAgentOutcome(outcome);
    expect(bytes(capped)).toBeLessThanOrEqual(AGENT_OUTCOME_BUDGET_BYTES);
    expect(capped.failureReason).toMatch(/^init container failed: (why )+ \[… truncated by kelos: \d+ more bytes\]$/);
    expect(capped.logTail[0]).toMatch(MARK);
    expect(capped.logTail[1]).toBe('last line');
  });

  test('many huge values share the budget: each cut to a common size, all marked, all keys kept', () => {
    const values = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`v${i}`, `${i}`.repeat(200_000)]));
    const outcome: AgentOutcome = { exitCode: 0, timedOut: false, outputs: Object.entries(values).map(([k, v]) => `${k}: ${v}`), results: values, logTail: [] };
    const capped = capAgentOutcome(outcome);
    expect(bytes(capped)).toBeLessThanOrEqual(AGENT_OUTCOME_BUDGET_BYTES);
    expect(Object.keys(capped.results)).toEqual(Object.keys(values));
    for (const value of Object.values(capped.results)) expect(value).toMatch(MARK);
    expect(resultsFromOutputs(capped.outputs)).toEqual(capped.results);
  });
});
