/**
 * Differential tests: our engine against Go's real text/template (Go 1.25 compiled to WASM, see
 * go-oracle.ts). Outputs and error messages must be byte-identical.
 *
 * How the two are made comparable:
 *  - The oracle JSON-decodes its data, so all data numbers are float64; we pass the same data
 *    through jsonNumbersAsFloat64. (Without it an integral JS number is a Go int, which is what
 *    Kelos's own polling variables such as .Number are — see golden.test.ts.)
 *  - The oracle always uses missingkey=error, so we do too.
 *  - Field aliases (our Go-struct-name fallback, e.g. `.PullRequest` → `pull_request`) are Go-only
 *    behaviour we add on purpose; they are switched off for the synthetic tables because those
 *    deliberately probe missing keys, and left on for the Kelos examples (production settings).
 */
import { jsonNumbersAsFloat64, renderTemplate, TemplateError } from '../../src/go/template';
import { generateTemplates, GENERATOR_DATA } from './case-generator';
import { DIFF_CASES } from './differential-cases';
import { goOutcome, renderWithGo } from './go-oracle';
import { collectExampleTemplates, dataVariants } from './kelos-example-templates';

interface Case {
  label: string;
  template: string;
  data: unknown;
  fieldAliases: boolean;
}

function ours(c: Case): string {
  const data = jsonNumbersAsFloat64(JSON.parse(JSON.stringify(c.data ?? {})));
  try {
    return renderTemplate(c.template, data, { name: 'tpl', missingKey: 'error', fieldAliases: c.fieldAliases });
  } catch (e) {
    if (e instanceof TemplateError) return `ERROR: ${e.message}`;
    throw e;
  }
}

const groups: Record<string, Case[]> = {
  'hand-written table': DIFF_CASES.map((c, i) => ({
    label: `#${i}`,
    template: c.t,
    data: c.d ?? {},
    fieldAliases: false,
  })),
  'generated templates (seed 20240601)': generateTemplates(20240601, 1500).map((t, i) => ({
    label: `gen#${i}`,
    template: t,
    data: GENERATOR_DATA,
    fieldAliases: false,
  })),
  'generated mostly-valid templates (seed 11)': generateTemplates(11, 1500, true).map((t, i) => ({
    label: `safe#${i}`,
    template: t,
    data: GENERATOR_DATA,
    fieldAliases: false,
  })),
  'Kelos example templates': collectExampleTemplates().flatMap((t) =>
    dataVariants(t).map((v) => ({ label: `${t.where} [${v.label}]`, template: t.template, data: v.data, fieldAliases: true })),
  ),
};

const allCases = Object.values(groups).flat();
let goResults = new Map<Case, string>();

beforeAll(() => {
  const results = renderWithGo(allCases.map((c) => ({ template: c.template, data: c.data ?? {} })));
  goResults = new Map(allCases.map((c, i) => [c, goOutcome(results[i])]));
});

test('the oracle is Go text/template', () => {
  const [a, b] = renderWithGo([
    { template: '{{.n}} {{printf "%T" .n}}', data: { n: 1000000 } },
    { template: '{{.Nope}}', data: {} },
  ]);
  expect(goOutcome(a)).toBe('1e+06 float64');
  expect(goOutcome(b)).toBe('ERROR: template: tpl:1:2: executing "tpl" at <.Nope>: map has no entry for key "Nope"');
});

describe.each(Object.entries(groups))('%s', (_name, cases) => {
  test(`agrees with Go on all ${cases.length} cases`, () => {
    const mismatches = cases
      .map((c) => ({ label: c.label, template: c.template, go: goResults.get(c), ours: ours(c) }))
      .filter((m) => m.go !== m.ours);
    expect(mismatches).toEqual([]);
  });
});

test('table sizes (so a broken collector cannot pass vacuously)', () => {
  expect(groups['hand-written table'].length).toBeGreaterThanOrEqual(300);
  const examples = collectExampleTemplates();
  expect(examples.length).toBeGreaterThanOrEqual(20);
  // Both outcomes occur in every synthetic group: successes and errors are both compared.
  for (const name of ['hand-written table', 'generated templates (seed 20240601)', 'generated mostly-valid templates (seed 11)']) {
    const outs = groups[name].map((c) => goResults.get(c) ?? '');
    expect(outs.filter((o) => o.startsWith('ERROR: ')).length).toBeGreaterThan(50);
    expect(outs.filter((o) => !o.startsWith('ERROR: ')).length).toBeGreaterThan(150);
  }
  // Most example renders succeed (failures are templates referencing keys absent for that event).
  const exampleOuts = groups['Kelos example templates'].map((c) => goResults.get(c) ?? '');
  expect(exampleOuts.filter((o) => !o.startsWith('ERROR: ')).length).toBeGreaterThan(exampleOuts.length / 2);
});
