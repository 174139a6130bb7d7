/**
 * Golden table of Kelos-style templates with hand-checked outputs, plus the engine's API surface
 * (tree inspection, referencesField, missingkey modes, limits, aliases, int/float handling, errors)
 * and a purity check (the engine must stay importable from Temporal workflow code).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  GoFloat64,
  jsonNumbersAsFloat64,
  nodeToString,
  parseTemplate,
  referencesField,
  renderTemplate,
  TemplateError,
  walk,
  type Node,
} from '../../src/go/template';

/** The data of ecosystem-notes §1.4 (Kelos webhook + polling variables, numbers as Go ints). */
const data = {
  ID: '42',
  Number: 42,
  Title: 'Fix <nil> pointer in reconciler',
  Body: 'Steps:\n1. run\n2. crash',
  Labels: 'bug, kelos/agent',
  Kind: 'Issue',
  Comments: '',
  Branch: 'kelos-task-42',
  Event: 'issues',
  Action: 'opened',
  Sender: 'octocat',
  LabelList: ['bug', 'kelos/agent', 'p1'],
  ChangedFiles: ['api/v1.go', 'README.md'],
  Payload: {
    issue: { user: { login: 'octocat' }, labels: [{ name: 'bug' }, { name: 'p1' }], html_url: 'https://github.com/acme/app/issues/42' },
    repository: { full_name: 'acme/app', stargazers_count: 1000000 },
    pull_request: { head: { ref: 'feature/x', sha: 'abc123' }, number: 7 },
  },
  Deps: {
    scaffold: {
      Name: 'scaffold',
      Results: { branch: 'kelos/scaffold', pr: 'https://github.com/acme/app/pull/7', 'cost-usd': '0.42' },
      Outputs: ['branch: kelos/scaffold'],
    },
  },
};

const render = (t: string, d: unknown = data, name = 'T'): string => renderTemplate(t, d, { name, missingKey: 'error' });

describe('golden Kelos templates (ecosystem-notes §1.4 and more)', () => {
  const golden: Array<[string, string, string]> = [
    ['T1', 'Issue #{{.Number}}: {{.Title}}\n{{.Body}}', 'Issue #42: Fix <nil> pointer in reconciler\nSteps:\n1. run\n2. crash'],
    ['T2', '{{if .Title}}Title: {{.Title}}{{end}}', 'Title: Fix <nil> pointer in reconciler'],
    [
      'T3 prompt.go default (trim)',
      '{{.Kind}} #{{.Number}}: {{.Title}}\n\n{{.Body}}\n{{- if .Comments}}\n\nComments:\n{{.Comments}}\n{{- end}}',
      'Issue #42: Fix <nil> pointer in reconciler\n\nSteps:\n1. run\n2. crash',
    ],
    ['T4 else if', '{{if eq .Action "opened"}}New{{else if eq .Action "edited"}}Edited{{end}} {{.Event}} by {{.Sender}}', 'New issues by octocat'],
    [
      'T5 range with vars and else',
      '{{range $i, $f := .ChangedFiles}}{{$i}}. {{$f}} ({{$.Branch}})\n{{else}}none{{end}}',
      '0. api/v1.go (kelos-task-42)\n1. README.md (kelos-task-42)\n',
    ],
    ['T6 payload', '{{.Payload.issue.user.login}} labels:{{range .Payload.issue.labels}} {{.name}}{{end}}', 'octocat labels: bug p1'],
    [
      'T7 with index / nested index',
      '{{with index . "Branch"}}Push to {{.}}{{else}}main{{end}} | {{index .Deps "scaffold" "Results" "pr"}}',
      'Push to kelos-task-42 | https://github.com/acme/app/pull/7',
    ],
    [
      'T8 len/and/gt/not',
      '{{$n := len .LabelList}}{{if and (gt $n 2) (not .Comments)}}{{$n}} labels, no comments{{end}}',
      '3 labels, no comments',
    ],
    [
      'T9 printf (Go int .Number, as in Kelos)',
      '{{printf "%s-%d" .Kind .Number | printf "task/%s"}} {{.Title | printf "%q"}} {{printf "%.2f" 0.4237}}',
      'task/Issue-42 "Fix <nil> pointer in reconciler" 0.42',
    ],
    [
      'T10 escapers',
      '{{/* c */}}{{html .Title}} {{js .Title}} {{urlquery "a b&c"}}',
      'Fix &lt;nil&gt; pointer in reconciler Fix \\u003Cnil\\u003E pointer in reconciler a+b%26c',
    ],
    [
      'T12 map range + print spacing',
      '{{range $k, $v := .Deps.scaffold.Results}}{{$k}}={{$v}};{{end}} {{print 1 2 "x" "y"}}',
      'branch=kelos/scaffold;cost-usd=0.42;pr=https://github.com/acme/app/pull/7; 1 2xy',
    ],
    ['docs idiom, key absent', '{{with index . "Nope"}}{{.}}{{else}}main{{end}}', 'main'],
    ['index on a missing key is not an error', '[{{index . "Nope"}}]', '[<no value>]'],
    [
      'event switch with trims',
      '{{- if eq .Event "issues"}}\nissue {{.Number}}\n{{- else if eq .Event "pull_request"}}\npr\n{{- else -}}\nother\n{{- end}}',
      '\nissue 42',
    ],
    ['break/continue', '{{range .LabelList}}{{if eq . "kelos/agent"}}{{continue}}{{end}}{{if eq . "p1"}}{{break}}{{end}}{{.}}{{end}}', 'bug'],
    ['range over int', '{{range 3}}{{.}}{{end}}', '012'],
    ['else with', '{{with .Comments}}c{{else with .Sender}}by {{.}}{{end}}', 'by octocat'],
    ['define/template/block', '{{define "t"}}<{{.}}>{{end}}{{template "t" .Kind}}{{block "b" .Number}}[{{.}}]{{end}}', '<Issue>[42]'],
    ['printing values', '{{.LabelList}} {{.Deps.scaffold.Results}}', '[bug kelos/agent p1] map[branch:kelos/scaffold cost-usd:0.42 pr:https://github.com/acme/app/pull/7]'],
    ['Go-typed payload names (aliases)', '{{.Payload.PullRequest.Head.Ref}} {{.Payload.Issue.HTMLURL}} {{.Payload.Repository.FullName}}', 'feature/x https://github.com/acme/app/issues/42 acme/app'],
    ['getter methods (aliases)', '{{.Payload.GetPullRequest.GetNumber}} {{.Payload.GetIssue.GetUser.GetLogin}}', '7 octocat'],
    ['int literal numbers print as ints', '{{.Payload.repository.stargazers_count}} {{printf "%d" .Number}}', '1000000 42'],
  ];
  test.each(golden)('%s', (_label, template, expected) => {
    expect(render(template)).toBe(expected);
  });

  test('T11: missing key with missingkey=error', () => {
    expect(() => render('{{.Nope}}', data, 'T11')).toThrow(
      'template: T11:1:2: executing "T11" at <.Nope>: map has no entry for key "Nope"',
    );
  });
});

describe('numbers: Go int vs float64', () => {
  test('integral JS numbers are ints; jsonNumbersAsFloat64 makes them float64 like Go JSON', () => {
    expect(render('{{.n}} {{eq .n 1}} {{printf "%T" .n}}', { n: 1 })).toBe('1 true int');
    const f = jsonNumbersAsFloat64({ n: 1, big: 1000000, list: [1, 2.5], m: { x: 1234567 } });
    expect(render('{{.n}} {{.big}} {{.list}} {{.m}} {{printf "%T" .n}}', f)).toBe('1 1e+06 [1 2.5] map[x:1.234567e+06] float64');
    expect(() => render('{{eq .n 1}}', f)).toThrow('error calling eq: incompatible types for comparison: float64 and int');
    expect(render('{{eq .n 1.0}}', f)).toBe('true');
    expect(render('{{.}}', new GoFloat64(0.00001))).toBe('1e-05');
  });

  test('float formatting follows Go %v (shortest, exponent outside [1e-4, 1e21))', () => {
    expect(render('{{.a}} {{.b}} {{.c}} {{.d}}', { a: 0.1 + 0.2, b: 1e21, c: 123456.5, d: 1e-7 })).toBe(
      '0.30000000000000004 1e+21 123456.5 1e-07',
    );
  });
});

describe('missingkey modes', () => {
  const t = parseTemplate('m', '{{.Nope}}|{{.a.Nope}}');
  test('default prints <no value>', () => {
    expect(t.execute({ a: {} })).toBe('<no value>|<no value>');
  });
  test('zero (Go quirk: the zero interface{} still prints <no value>)', () => {
    expect(t.execute({ a: {} }, { missingKey: 'zero' })).toBe('<no value>|<no value>');
  });
  test('error', () => {
    expect(() => t.execute({ a: {} }, { missingKey: 'error' })).toThrow('map has no entry for key "Nope"');
  });
});

describe('field aliases', () => {
  test('exact keys win over normalised matches', () => {
    expect(render('{{.Foo}} {{.foo}}', { Foo: 'exact', foo: 'lower' })).toBe('exact lower');
    expect(render('{{.FullName}}', { fullname: 'a', full_name: 'b' })).toBe('b');
  });
  test('can be disabled (pure Go behaviour)', () => {
    expect(() =>
      renderTemplate('{{.Payload.PullRequest}}', data, { missingKey: 'error', fieldAliases: false }),
    ).toThrow('map has no entry for key "PullRequest"');
  });
});

describe('errors', () => {
  test('parse errors name the template and line', () => {
    let err: unknown;
    try {
      parseTemplate('prompt', 'line1\n{{if .X}}\n{{foo}}');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    const te = err as TemplateError;
    expect(te.message).toBe('template: prompt:3: function "foo" not defined');
    expect(te.templateName).toBe('prompt');
    expect(te.line).toBe(3);
    expect(te.phase).toBe('parse');
  });

  test('exec errors carry name, line and byte column', () => {
    let err: unknown;
    try {
      renderTemplate('héllo\n  {{.A.B}}', { A: 'x' }, { name: 'branch', missingKey: 'error' });
    } catch (e) {
      err = e;
    }
    const te = err as TemplateError;
    expect(te.message).toBe('template: branch:2:6: executing "branch" at <.A.B>: can\'t evaluate field B in type interface {}');
    expect([te.templateName, te.line, te.column, te.phase, te.detail]).toEqual([
      'branch',
      2,
      6,
      'exec',
      "can't evaluate field B in type interface {}",
    ]);
  });

  test('user functions: errors become "error calling"', () => {
    const funcs = {
      upper: (s: unknown) => String(s).toUpperCase(),
      fail: () => {
        throw new Error('boom');
      },
    };
    expect(renderTemplate('{{upper .S}} {{.S | upper}}', { S: 'ab' }, { funcs })).toBe('AB AB');
    expect(() => renderTemplate('{{fail}}', {}, { funcs, name: 'f' })).toThrow(
      'template: f:1:2: executing "f" at <fail>: error calling fail: boom',
    );
    expect(() => renderTemplate('{{upper 1}}', {})).toThrow('function "upper" not defined');
  });

  test('call invokes functions found in the data', () => {
    expect(renderTemplate('{{call .F 2 3}}', { F: (a: number, b: number) => a * b })).toBe('6');
  });
});

describe('limits', () => {
  test('output size', () => {
    expect(() => renderTemplate('{{range 100}}0123456789{{end}}', {}, { maxOutputBytes: 500 })).toThrow(
      /output exceeds the limit of 500 bytes/,
    );
  });
  test('range iterations', () => {
    let err: unknown;
    try {
      renderTemplate('{{range 10}}{{range 10}}{{end}}{{end}}', {}, { maxIterations: 50, name: 'loop' });
    } catch (e) {
      err = e;
    }
    expect((err as TemplateError).phase).toBe('limit');
    expect((err as TemplateError).message).toMatch(/^template: loop:1:\d+: executing "loop" at <.*>: range iterations exceed the limit of 50$/);
  });
  test('template recursion depth', () => {
    expect(() => renderTemplate('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}', {}, { maxTemplateDepth: 20 })).toThrow(
      'exceeded maximum template depth (20)',
    );
  });
  test('defaults allow ordinary templates', () => {
    expect(renderTemplate('{{range 1000}}.{{end}}', {}).length).toBe(1000);
  });
});

describe('parse tree API', () => {
  test('tree, walk and nodeToString', () => {
    const t = parseTemplate('p', '{{if .A}}{{.B.C | printf "%s"}}{{else}}{{index . "D"}}{{end}}');
    expect(t.tree.name).toBe('p');
    const fields: string[] = [];
    const kinds = new Set<string>();
    walk(t.tree.root, (n: Node) => {
      kinds.add(n.type);
      if (n.type === 'Field') fields.push(nodeToString(n));
    });
    expect(fields).toEqual(['.A', '.B.C']);
    expect([...kinds].sort()).toEqual(['Action', 'Command', 'Field', 'Identifier', 'If', 'List', 'Pipe', 'String', 'Dot'].sort());
    expect(nodeToString(t.tree.root)).toBe('{{if .A}}{{.B.C | printf "%s"}}{{else}}{{index . "D"}}{{end}}');
  });

  test('defined templates are listed and executable by name', () => {
    const t = parseTemplate('main', '{{define "x"}}X={{.}}{{end}}main');
    expect([...t.templates.keys()].sort()).toEqual(['main', 'x']);
    expect(t.execute(5, { template: 'x' })).toBe('X=5');
  });

  test.each([
    ['{{.Context.repo}}', true],
    ['{{.Context}}', true],
    ['{{$.Context.x}}', true],
    ['{{$c := .}}{{$c.Context}}', true],
    ['{{index . "Context"}}', true],
    ['{{index $ "Context" "x"}}', true],
    ['{{with .Payload}}{{.Context}}{{end}}', true],
    ['{{(.).Context}}', true],
    ['{{define "d"}}{{.Context}}{{end}}{{.Number}}', true],
    ['{{.Payload.Context}}', false],
    ['{{.ContextX}} {{"Context"}} {{index . "Other"}}', false],
    ['kelos-{{.Number}}', false],
  ])('referencesField(%j, "Context") = %s', (src, expected) => {
    const t = parseTemplate('name', src);
    expect(t.referencesField('Context')).toBe(expected);
    if (!src.includes('define')) expect(referencesField(t.tree, 'Context')).toBe(expected);
  });
});

describe('purity (safe for Temporal workflow code)', () => {
  const dir = path.resolve(__dirname, '..', '..', 'src', 'go', 'template');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));

  test.each(files)('%s imports only the Go library\'s own modules and uses no non-deterministic globals', (file) => {
    const src = fs.readFileSync(path.join(dir, file), 'utf8');
    const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of code.matchAll(/(?:import|export)[^'";]*from\s+['"]([^'"]+)['"]/g)) {
      expect(m[1]).toMatch(/^\.\.?\/[a-z0-9-]+$/);
    }
    expect(code).not.toMatch(/\brequire\s*\(|\bimport\s*\(/);
    expect(code).not.toMatch(/\b(process|Buffer|Date|setTimeout|setInterval|console|TextEncoder|TextDecoder|globalThis)\b/);
    expect(code).not.toMatch(/Math\.random|crypto|performance/);
  });

  test('file names are kebab-case', () => {
    for (const f of files) expect(f).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*\.ts$/);
  });
});

describe('known divergences from Go (documented, by design)', () => {
  test('a string sliced mid-character holds U+FFFD instead of raw bytes', () => {
    // Go: `len (slice "héllo" 1 2)` is 1 (a lone 0xC3 byte); JS strings cannot hold that byte.
    expect(renderTemplate('{{len (slice "héllo" 1 2)}}', {})).toBe('3');
    expect(renderTemplate('{{slice "héllo" 1 3}}', {})).toBe('é');
  });

  test('complex-number constants are rejected', () => {
    expect(() => renderTemplate('{{1+2i}}', {})).toThrow('complex constant 1+2i is not supported');
  });

  test('%p prints no address (Go would print a pointer)', () => {
    expect(renderTemplate('{{printf "%p" .}}', { a: 1 })).toBe('%!p(map[string]interface {}=map[a:1])');
  });
});
