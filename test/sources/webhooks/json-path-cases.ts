/**
 * Paths and documents for the JSONPath differential test: hand-written paths run against every GitHub example
 * payload, synthetic documents for Go's conversions and key printing, and paths generated (seeded, so every run
 * is the same) from the shape of each payload: fields, indexes, slices, unions, wildcards, recursive descent,
 * filters, quoting and escapes, including the forms Kelos rejects.
 */

/** Run against every payload: the issue's examples, GitHub fields, syntax edge cases and parse errors. */
export const FIXED_PATHS: readonly string[] = [
  // the issue's examples
  '$.issue.labels[?(@.name == "bug")].name',
  '$.commits[?(@.distinct == true)].id',
  '$.issue.labels[?(@.default)].name',
  '$.issue.labels[-1].name',
  "$['repository']['full_name']",
  '$.*',
  '$..name',
  // plain fields, quoting, whitespace, comments
  '$',
  '$.action',
  'action',
  '$.sender.login',
  'sender.login',
  '$.sender.id',
  '$.repository.full_name',
  '$["repository"]["full_name"]',
  '$[`repository`][`full_name`]',
  '$.repository["owner"].login',
  '$ . repository . owner . login',
  '$.repository /* owner */ .owner.login',
  '$.repository.full_name // trailing comment',
  '$.repository.full_name /* unterminated',
  "$['i']",
  "$.repository['a']",
  '$.repository.topics',
  '$.repository.topics[0]',
  '$.repository.topics[-1]',
  '$.repository.private',
  '$.repository.license',
  '$.repository.license.key',
  '$.repository.created_at',
  '$.repository.stargazers_count',
  '$.installation.id',
  '$.issue.number',
  '$.issue.title',
  '$.issue.body',
  '$.issue.milestone',
  '$.issue.user.login',
  '$.issue.user["login"]',
  '$.issue.assignee.login',
  '$.issue.assignees[*].login',
  '$.issue.pull_request.url',
  // indexes
  '$.issue.labels',
  '$.issue.labels[0]',
  '$.issue.labels[0].name',
  '$.issue.labels[1].name',
  '$.issue.labels[-1]',
  '$.issue.labels[100]',
  '$.issue.labels[0.9].name',
  '$.issue.labels[-0.5].name',
  '$.issue.labels["0"].name',
  '$.issue.labels["1_0"]',
  '$.issue.labels[1e400]',
  '$.issue.labels[0x0p0].name',
  '$.issue.labels[0x0]',
  '$.issue.labels[true]',
  '$.issue.labels[$.nope]',
  '$.issue.labels[$.issue.number]',
  '$.repository[0]',
  '$.repository.name[0]',
  '$[0]',
  // slices
  '$.issue.labels[:1].name',
  '$.issue.labels[1:].name',
  '$.issue.labels[-1:].name',
  '$.issue.labels[::-1].name',
  '$.issue.labels[0:-1].name',
  '$.issue.labels[-2:-1].name',
  '$.issue.labels[::2].name',
  '$.issue.labels[::0].name',
  '$.issue.labels[:]',
  '$.issue.labels[::]',
  '$.issue.labels[1::]',
  '$.issue.labels[5:0:-1].name',
  '$.issue.labels[$.nope:].name',
  '$.issue.labels["0":"2"].name',
  '$.issue[0:1]',
  '$.commits[1:3].id',
  '$.commits[-99:99].id',
  // unions
  '$.issue.labels[0,1].name',
  '$.issue.labels[1,0,5].name',
  '$.issue.labels[0,"x"]',
  '$.sender["login","id","nope"]',
  '$.issue.labels[0,*].name',
  '$.issue.labels[0,1][0]',
  // wildcards
  '$.issue.labels[*].name',
  '$.issue.labels.*.name',
  '$.issue.labels[*].id',
  '$.issue.labels[*].default',
  '$.issue.labels[ * ]',
  '$.repository.owner.*',
  '$.sender[*]',
  '$.commits[*].id',
  '$.commits[*].author.name',
  '$.commits[*].added',
  '$.commits[*].added[0]',
  '$.commits.*.modified[*]',
  '$.issue.reactions.*',
  '$.issue.reactions[*]',
  // recursive descent
  '$..login',
  '$..labels[*].name',
  '$..id',
  '$.repository..login',
  '$..[0]',
  '$..labels[0].name',
  '$..["login"]',
  '$..["login","id"]',
  '$..[*].name',
  '$..(@.login)',
  '$..*.login',
  '$.issue..*',
  '$..labels[?(@.default)].name',
  '$..[?(@.name == "bug")].id',
  // filters
  '$.issue.labels[?(@.name != "bug")].name',
  '$.issue.labels[?(@.default == false)].name',
  '$.issue.labels[?(@.default == true)]',
  '$.issue.labels[?(@.name)].name',
  '$.issue.labels[?(@.id)].name',
  '$.issue.labels[?(@.color == "d73a4a")].id',
  '$.issue.labels[?(@.name == null)]',
  '$.issue.labels[?(@.nope == null)]',
  '$.issue.labels[?(@.description == null)].name',
  '$.issue.labels[?@.default]',
  '$.issue.labels[?(@.default)==true].name',
  '$.issue.labels[?(@)]',
  '$.issue.labels[?(true)].name',
  '$.issue.labels[?("true")].name',
  '$.issue.labels[?(1)].name',
  '$.issue.labels[?(0)].name',
  '$.issue.labels[?(@.name == $.issue.labels[0].name)].id',
  '$.issue.user[?(@ == "User")]',
  '$.sender[?(@)]',
  '$.issue.reactions[?(@ == 0)]',
  '$.issue.reactions[?(@)]',
  '$.commits[?(@.author.name == "Codertocat")].message',
  '$.commits[?(@.added)].id',
  '$.commits[?(@.distinct != false)].id',
  '$.pull_request.labels[?(@.name == "enhancement")].name',
  // operators Kelos does not have, and spacing that turns == into an unknown operator
  '$.issue.labels[?(@.name > "a")]',
  '$.issue.labels[?(@.id >= 1)]',
  '$.issue.labels[?(@.id < 1)]',
  '$.issue.labels[?(@.name == "bug" && @.default)]',
  '$.issue.labels[?(@.name == "bug" || @.default)]',
  '$.issue.labels[?(!@.default)]',
  '$.issue.labels[?(@.name=="bug")].name',
  '$.issue.labels[?(@.name ==null)]',
  '$.issue.labels[?(@.id==-1)]',
  '$.issue.labels[?(@.id == -1)]',
  '$.issue.labels[?(@.name =~ "b.*")]',
  '$.issue.labels[?(@.name in ["bug"])]',
  '$.issue.labels[?(@.name = "bug")]',
  "$.issue.labels[?(@.name == 'bug')]",
  "$.issue.labels[?(@.name == 'b')]",
  // whole-expression comparisons and other gval expressions
  '$.action == "opened"',
  '$.action != "closed"',
  '$.ref == "refs/heads/main"',
  '$.sender.login == $.repository.owner.login',
  '$.sender.id == $.sender.id == true',
  '"text"',
  '`raw`',
  '12.5',
  '-$.issue.number',
  '-$.issue.title',
  '-"abc"',
  '(($.action))',
  '$.issue.title + "x"',
  // bare names (gval variables): nil for a missing key, lists left alone by non-index keys
  'issue.labels',
  'issue.labels[0].name',
  'issue.labels.x',
  'issue.labels.x.name',
  'issue.labels[9]',
  'issue.labels["0"]',
  'issue.nope',
  'issue.nope.deeper',
  'sender.login.x',
  'repository["full_name"]',
  'action(1)',
  'nope',
  'true',
  'null',
  // pull requests, pushes, reviews
  '$.pull_request.head.ref',
  '$.pull_request.base.repo.full_name',
  '$.pull_request.labels[*].name',
  '$.pull_request.requested_reviewers[*].login',
  '$.pull_request.draft',
  '$.pull_request.merged',
  '$.pull_request.head.repo.fork',
  '$.review.state',
  '$.comment.body',
  '$.comment.user.login',
  '$.commits[0].id',
  '$.commits[-1].id',
  '$.head_commit.message',
  '$.head_commit.timestamp',
  '$.ref',
  '$.before',
  '$.forced',
  '$.workflow_run.pull_requests[*].number',
  '$.check_run.output.title',
  // keys that need brackets, and Go string escapes
  '$.issue.reactions["+1"]',
  '$.issue.reactions["-1"]',
  String.raw`$.issue.reactions["\x2b1"]`,
  String.raw`$.issue.reactions["\u002b1"]`,
  String.raw`$.issue.reactions["\U0000002b1"]`,
  String.raw`$.issue.reactions["\0531"]`,
  String.raw`$.issue.reactions["\+1"]`,
  '$.issue.reactions.+1',
  '$.issue.reactions.total_count',
  String.raw`$["iss\u0075e"].title`,
  String.raw`$["iss\x75e"].title`,
  String.raw`$["issue\n"]`,
  String.raw`$["iss\ue"]`,
  String.raw`$["\ud800"]`,
  String.raw`$["issue\"]`,
  '$["issue"',
  '$.issué',
  // malformed
  '',
  ' ',
  '$.',
  '$..',
  '$.issue.',
  '$[',
  '$]',
  '$.issue.labels[',
  '$.issue.labels[0',
  '$.issue.labels[]',
  '$.issue.labels[,0]',
  '$.issue.labels[0,]',
  '$.issue.labels[*,0]',
  '$.issue.labels[0:1:2:3]',
  '$.issue.labels[0:1,2]',
  '$.issue.labels[?]',
  '$.issue.labels[1?2]',
  '$..[1:]',
  '$.issue.0',
  '$.issue.labels.0',
  '{.issue.title}',
  '$.issue-title',
  '$.issue title',
  '$issue',
  '@.issue',
  '@',
  '$.issue.labels(@[0])',
  '$.issue(@.title)',
  '$.issue.(title)',
  '$.issue[(@.title)]',
  'true.x',
  'action(',
];

/** Documents whose values exercise Go's conversions (numeric strings, truthiness) and `%v` of keys and floats. */
const SYNTHETIC_DOCUMENTS: readonly unknown[] = [
  {
    strings: ['1', '0', '1_0', 'inf', '-Infinity', 'NaN', 'nan', 'TRUE', 'true', 'False', '0x1p3', '1e400', '', ' 1', '1.5', '-0', '.5', '5.'],
    items: [
      { v: '1' },
      { v: '0' },
      { v: '1_0' },
      { v: 'inf' },
      { v: 'NaN' },
      { v: 'TRUE' },
      { v: 'false' },
      { v: 'FALSE' },
      { v: 'yes' },
      { v: 0 },
      { v: -0 },
      { v: 2.5 },
      { v: null },
      { v: true },
      { v: false },
      { v: [1] },
      { v: {} },
      {},
      { v: '0x10' },
      { v: '1e400' },
      { v: '1e-400' },
    ],
    nums: [0, 1, -1, 1234567, 1e21, 1e-7, 0.1, 123456789012, 2.5, -0, 1e20, 100000, 1000000, 1.5e300],
    keys: {
      'a b': 1,
      '+1': 2,
      '': 3,
      é: 4,
      'a.b': 5,
      '0': 6,
      '1.5': 7,
      true: 8,
      '<nil>': 9,
      'map[]': 10,
      '"q"': 11,
      'line\nbreak': 12,
      constructor: 14,
      '1e+06': 15,
      '[]': 16,
    },
    nested: [[1, 2], [3, [4, 5]], [], { a: [6] }],
    unicode: 'héllo 😀 \u2028',
    deep: { a: { b: { c: { d: 'x' } } } },
    nil: null,
    t: true,
    f: false,
    emptyList: [],
    emptyObj: {},
    null: 'the key named null',
  },
  [1, 'two', null, true, { three: 3 }, [4]],
  'just a string',
  12345678,
  null,
  { null: null, list: [{ a: null }, { a: 1 }], lone: [] },
];

/** The synthetic documents as JSON text, plus one only text can hold: a negative zero. */
export const SYNTHETIC_BODIES: readonly string[] = [
  ...SYNTHETIC_DOCUMENTS.map((document) => JSON.stringify(document)),
  '{"zero": -0, "list": [-0, 0, -0.0, 1E2, 1e-0], "nested": {"z": -0}}',
];

/** Run against the synthetic documents (and the fixed paths too). */
export const SYNTHETIC_PATHS: readonly string[] = [
  '$..*',
  '$.*',
  '$[*]',
  '$[0]',
  '$[-1]',
  '$[4].three',
  '$[1:3]',
  '$[?(@)]',
  '$[?(@ == "two")]',
  '$[?(@ == null)]',
  '$[?(@ == nil)]',
  '$[?(@.three == 3)]',
  '$.strings[?(@)]',
  '$.strings[?(@ == "1")]',
  '$.items[?(@.v)]',
  '$.items[?(@.v == "1")]',
  '$.items[?(@.v == 1)]',
  '$.items[?(@.v != nil)]',
  '$.items[?(@.v == null)]',
  '$.items[?(@.v == true)].v',
  '$.items[*].v',
  '$.items[?(-@.v)].v',
  '$.items[?(-@.v == -1)].v',
  '$.nums',
  '$.nums[*]',
  '$.nums[$.strings[0]]',
  '$.nums["1"]',
  '$.nums["1_0"]',
  '$.nums["inf"]',
  '$.nums["NaN"]',
  '$.nums[1e19]',
  '$.nums[-1e19]',
  '$.nums[0:1e19]',
  '$.nums[0:"inf"]',
  '$.nums[:"-inf"]',
  '$.nums["-1":]',
  '$.nums[-"1"]',
  '$.nums[?(@ == 1)]',
  '$.nums[?(@ == 1e0)]',
  '$.nums[?(@ == 1.0)]',
  '$.nums[?(@ == 0)]',
  '$.nums[?(@ == -0)]',
  '$.nums[?(@ == "1")]',
  '$.nums[?(@ == 1234567)]',
  '$.nums[?(@ == 1.234567e6)]',
  '$.nums[?(@ == 0x1p0)]',
  '$.nums[?(@ == 1_0)]',
  '$.nums[?(@ == .1)]',
  '$.nested[?(@ == [1, 2])]',
  '$.keys["a b"]',
  '$.keys["+1"]',
  '$.keys[""]',
  '$.keys["é"]',
  '$.keys.é',
  '$.keys["a.b"]',
  '$.keys[0]',
  '$.keys[1.5]',
  '$.keys[1e6]',
  '$.keys[true]',
  '$.keys[nil]',
  '$.keys[$.emptyObj]',
  '$.keys[$.emptyList]',
  String.raw`$.keys["\"q\""]`,
  '$.keys[`"q"`]',
  String.raw`$.keys["line\nbreak"]`,
  '$.keys.constructor',
  '$.keys.toString',
  '$.keys.hasOwnProperty',
  '$.keys[*]',
  '$.keys[?(@ > 1)]',
  '$.keys[?(@ == 5)]',
  '$.nested[*][*]',
  '$.nested..[0]',
  '$.nested[1][1][0]',
  '$.nested[1][1][-1]',
  '$.nested[*][1:]',
  '$.nested..*',
  '$.unicode',
  '$.deep..d',
  '$.deep.*.*',
  '$.deep..*',
  '$.deep.a.b.c.d == "x"',
  '$.nil',
  '$.nil.x',
  '$.t',
  '$.emptyList',
  '$.emptyList[*]',
  '$.emptyList[0]',
  '$.emptyObj',
  '$.emptyObj.*',
  'null',
  'null.x',
  'nil',
  'list[1].a',
  'list.x',
  'lone.x',
  'keys["a b"]',
  'keys.é',
  'nums[3]',
  'nums[-1]',
  'nums["2"]',
  'nums[1.0]',
  'strings',
  '$.list[?(@.a == null)]',
  '$.list[?(@.a)]',
  '$.list[*].a',
  '$.zero',
  '$.list',
  '$.list[?(@ == 0)]',
  '$.list[?(@ == -0)]',
  '$.list[?(@)]',
  '$.list[$.zero]',
  '$.nested',
  '-$.zero',
  '$.nested[?(@ == 0)]',
];

/**
 * `document` with every list doubled: the items, then a varied copy of each (strings get "-2", numbers +1,
 * booleans flipped). GitHub's examples rarely have lists of two or more, which is where order, slices, negative
 * indexes and filters show.
 */
export function withLongerLists(document: unknown): unknown {
  const vary = (value: unknown): unknown => {
    if (typeof value === 'string') return `${value}-2`;
    if (typeof value === 'number') return value + 1;
    if (typeof value === 'boolean') return !value;
    if (Array.isArray(value)) return value.map(vary);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, vary(item)]));
    return value;
  };
  if (Array.isArray(document)) {
    const items = document.map(withLongerLists);
    return [...items, ...items.map(vary)];
  }
  if (isObject(document)) return Object.fromEntries(Object.entries(document).map(([key, item]) => [key, withLongerLists(item)]));
  return document;
}

/** mulberry32: a small seeded generator, so the generated paths are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Segment = string | number;
interface Node {
  segments: Segment[];
  value: unknown;
}

const IDENT = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;
const MAX_DEPTH = 6;

/** `count` paths built from `document`'s shape with `random`. */
export function generatePaths(document: unknown, random: () => number, count: number): string[] {
  const nodes = collectNodes(document);
  if (nodes.length === 0) return [];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const allArrays = nodes.filter((node) => Array.isArray(node.value));
  const longArrays = allArrays.filter((node) => (node.value as unknown[]).length >= 2);
  const arrays = longArrays.length > 0 && random() < 0.7 ? longArrays : allArrays;
  const objectArrays = arrays.filter((node) => (node.value as unknown[]).some(isObject));
  const objects = nodes.filter((node) => isObject(node.value));
  const keys = [...new Set(nodes.map((node) => node.segments[node.segments.length - 1]).filter((s) => typeof s === 'string'))];

  const generators: (() => string | undefined)[] = [
    () => render(pick(nodes).segments, 'dot'),
    () => render(pick(nodes).segments, 'double'),
    () => render(pick(nodes).segments, 'single'),
    () => render(pick(nodes).segments, 'bare'),
    () => render(pick(nodes).segments, 'spaced'),
    () => {
      const node = pick(arrays.length ? arrays : nodes);
      const length = Array.isArray(node.value) ? node.value.length : 3;
      const index = pick([-1, -length, -length - 1, length, length + 1, 0, Math.floor(length / 2), '"0"', 0.5, '-0', '1e0']);
      return `${render(node.segments, 'dot')}[${index}]${pick(['', '', `.${pick(elementKeys(node.value)) ?? 'name'}`])}`;
    },
    () => {
      const node = pick(arrays.length ? arrays : nodes);
      const length = Array.isArray(node.value) ? node.value.length : 3;
      const bound = () => pick(['', String(Math.floor(random() * (2 * length + 5)) - length - 2)]);
      const parts = [bound(), bound()];
      if (random() < 0.5) parts.push(pick(['', '1', '2', '-1', '-2', '0', '3']));
      return `${render(node.segments, 'dot')}[${parts.join(':')}]${pick(['', `.${pick(elementKeys(node.value)) ?? 'id'}`])}`;
    },
    () => {
      const node = pick(nodes);
      if (Array.isArray(node.value)) {
        const indexes = [0, 1, 2].map(() => Math.floor(random() * (node.value as unknown[]).length * 1.5) - (random() < 0.2 ? 2 : 0));
        return `${render(node.segments, 'dot')}[${indexes.join(',')}]`;
      }
      const names = isObject(node.value) ? Object.keys(node.value) : [];
      const chosen = [pick(names) ?? 'a', pick(names) ?? 'b', 'not_a_key'].slice(0, 2 + Math.floor(random() * 2));
      return `${render(node.segments, 'dot')}[${chosen.map(goQuote).join(', ')}]`;
    },
    () => {
      const node = pick(arrays.length + objects.length ? [...arrays, ...objects] : nodes);
      const star = pick(['[*]', '.*']);
      return `${render(node.segments, 'dot')}${star}${pick(['', `.${pick(elementKeys(node.value)) ?? 'id'}`, '[0]', '.*'])}`;
    },
    () => {
      const key = (pick(keys) as string | undefined) ?? 'name';
      const base = random() < 0.6 ? '$' : render(pick(objects.length ? objects : nodes).segments, 'dot');
      const selector = IDENT.test(key) ? key : `[${goQuote(key)}]`;
      return `${base}..${pick([selector, selector, '[0]', '[*]', `[${goQuote(key)}, "id"]`])}`;
    },
    () => filterPath(pick(objectArrays.length ? objectArrays : nodes), pick, random),
    () => filterPath(pick(objectArrays.length ? objectArrays : nodes), pick, random, true),
    () => {
      const node = pick(objects.length ? objects : nodes);
      const values = isObject(node.value) ? Object.values(node.value).filter(isScalar) : [];
      return `${render(node.segments, 'dot')}[?(@ ${pick(['==', '!='])} ${literal(pick(values) ?? 0, random)})]`;
    },
    () => {
      const node = pick(nodes);
      const value = isScalar(node.value) ? node.value : 'x';
      return `${render(node.segments, 'dot')} ${pick(['==', '!='])} ${literal(value, random)}`;
    },
    () => render(pick(nodes).segments, 'escaped'),
  ];
  const paths: string[] = [];
  for (let attempts = 0; paths.length < count && attempts < count * 10; attempts++) {
    const path = pick(generators)();
    if (path !== undefined) paths.push(path);
  }
  return paths;
}

/** `[?(…)]` over a list of objects: ==, != or existence on a field (nested when the field is an object). */
function filterPath(
  node: Node,
  pick: <T>(items: readonly T[]) => T,
  random: () => number,
  unsupported = false,
): string {
  const elements = Array.isArray(node.value) ? node.value.filter(isObject) : [];
  const element = pick(elements) ?? {};
  const first = pick(Object.keys(element)) ?? 'name';
  let field = accessor(first);
  let value: unknown = element[first];
  if (isObject(value)) {
    const inner = pick(Object.keys(value)) ?? 'id';
    value = value[inner];
    field += accessor(inner);
  }
  const operand = literal(isScalar(value) ? value : 'x', random);
  const at = `@${field}`;
  const condition = unsupported
    ? pick([`${at} > ${operand}`, `${at} <= ${operand}`, `${at} == ${operand} && ${at}`, `!${at}`, `${at} || @.id`, `${at}==${operand}`])
    : pick([`${at} == ${operand}`, `${at} != ${operand}`, at, `${at} == ${operand}`, `${operand} == ${at}`]);
  const follow = pick(['', '', accessor(pick(Object.keys(element)) ?? 'id'), '[0]']);
  return `${render(node.segments, 'dot')}[?(${condition})]${follow}`;
}

/** `.key`, or `["key"]` when the key is not a name. */
function accessor(key: string): string {
  return IDENT.test(key) ? `.${key}` : `[${goQuote(key)}]`;
}

type Style = 'dot' | 'double' | 'single' | 'bare' | 'spaced' | 'escaped';

/** A path to `segments` written in one of several styles (some of which Kelos rejects, e.g. single quotes). */
function render(segments: readonly Segment[], style: Style): string {
  let out = style === 'bare' ? '' : '$';
  segments.forEach((segment, i) => {
    const sep = style === 'spaced' ? ' ' : '';
    if (typeof segment === 'number') out += `${sep}[${sep}${segment}${sep}]`;
    else if (style === 'double') out += `[${goQuote(segment)}]`;
    else if (style === 'single') out += `['${segment}']`;
    else if (style === 'escaped') out += `[${escapeAll(segment)}]`;
    else if (!IDENT.test(segment)) out += `[${goQuote(segment)}]`;
    else if (style === 'bare' && i === 0) out += segment;
    else out += `${sep}.${sep}${segment}`;
  });
  return out === '' ? '$' : out;
}

/** A Go double-quoted string (JSON's escapes are all valid Go escapes). */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** Every character as a Go escape: \u for letters, \x for ASCII punctuation, octal for digits. */
function escapeAll(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code > 0xffff) out += `\\U${code.toString(16).padStart(8, '0')}`;
    else if (/[0-9]/.test(ch)) out += `\\${code.toString(8).padStart(3, '0')}`;
    else if (/[a-zA-Z]/.test(ch) || code > 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\x${code.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/** A gval literal for a JSON scalar: strings double-quoted or raw, numbers as JS writes them. */
function literal(value: unknown, random: () => number): string {
  if (typeof value === 'string') {
    if (random() < 0.2 && !/[`\r]/.test(value)) return `\`${value}\``;
    return goQuote(value);
  }
  if (value === null) return random() < 0.5 ? 'null' : 'nil';
  return String(value);
}

function collectNodes(document: unknown): Node[] {
  const nodes: Node[] = [];
  const visit = (value: unknown, segments: Segment[]) => {
    if (segments.length > 0) nodes.push({ segments, value });
    if (segments.length >= MAX_DEPTH) return;
    if (Array.isArray(value)) value.slice(0, 4).forEach((item, i) => visit(item, [...segments, i]));
    else if (isObject(value)) for (const [key, item] of Object.entries(value)) visit(item, [...segments, key]);
  };
  visit(document, []);
  return nodes;
}

function elementKeys(value: unknown): string[] {
  const first = Array.isArray(value) ? value.find(isObject) : isObject(value) ? value : undefined;
  return first ? Object.keys(first).filter((key) => IDENT.test(key)) : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}
