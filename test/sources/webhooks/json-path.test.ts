/**
 * PaesslerAG/jsonpath results (the dialect of Kelos's generic webhooks) and Go %v strings of JSON values. Each case
 * here was checked against the Go library; json-path-differential.test.ts checks thousands more against it live.
 */
import { goJsonValueString } from '../../../src/go/value';
import { JsonPathError, checkJsonPath, evaluateJsonPath } from '../../../src/go/jsonpath';

const doc = {
  data: {
    event: { event_id: 'abc123', level: 'error', count: 1234567, ratio: 0.00001, ok: true, none: null, tags: [['env', 'prod'], ['os', 'linux']] },
    list: [{ name: 'a', n: 1 }, { name: 'b', n: 2 }, { name: 'c', n: 3 }],
    'odd key': 'x',
  },
  issue: {
    labels: [
      { name: 'bug', default: false },
      { name: 'triage', default: true },
      { name: 'docs', default: 'false' },
    ],
  },
  commits: [
    { id: 'c1', distinct: true },
    { id: 'c2', distinct: false },
  ],
};

describe('evaluateJsonPath', () => {
  it.each([
    ['$.data.event.event_id', 'abc123'],
    ['data.event.event_id', 'abc123'], // bare names are gval variables, read from the root
    ['$["data"]["event"]["level"]', 'error'],
    ['$.data["odd key"]', 'x'],
    ['$[`data`].event.level', 'error'], // Go raw strings quote too
    ['$ . data . event . level', 'error'], // the Go scanner skips spaces
    ['$.data.list[1].name', 'b'],
    ['$.data.list["1"].name', 'b'], // an index may be a numeric string
    ['$.data.list[1.9].name', 'b'], // truncated like Go's int()
    ['$.data.list[*].name', ['a', 'b', 'c']],
    ['$.data.list.*.n', [1, 2, 3]],
    ['$.data.list[0:2].n', [1, 2]],
    ['$.data.list[-2:].n', [2, 3]],
    ['$.data.list[1:-1].n', []], // start > end as written: nothing
    ['$.data.list[::-1].n', [3, 2, 1]],
    ['$.data.list[0,2].name', ['a', 'c']],
    ['$.data.list[0,7].name', ['a']], // union members that fail are dropped
    ['$.data.list[0,*].name', ['a', 'b', 'c']], // a * anywhere makes the bracket a wildcard
    ['$..event_id', ['abc123']],
    ['$.data.list[*].missing', []], // wildcard paths always give a list
    ['$.data.event.none', null],
    ['$.data.event.tags[1][0]', 'os'],
    // filters (the issue's examples): only == and !=, and a bare operand is "truthy", not "exists"
    ['$.issue.labels[?(@.name == "bug")].name', ['bug']],
    ['$.commits[?(@.distinct == true)].id', ['c1']],
    ['$.issue.labels[?(@.default)].name', ['triage']],
    ['$.issue.labels[?(@.name)].name', []], // "bug" is not a truth value
    ['$.issue.labels[?(@.name != "bug")].name', ['triage', 'docs']],
    ['$.issue.labels[?(@.nope == null)].name', []], // a missing field fails the item
    ['$.data.list[?(@.n == 2)].name', ['b']],
    ['$.data.list[?(@.n == "2")].name', []], // == is reflect.DeepEqual: no conversion
    ['$.data.event[?(@ == "error")]', ['error']], // filters look at object members too
    ['$..[?(@.name == "c")].n', [3]],
    ['$.data.event.level == "error"', true], // the whole text is an expression
    ['nope', null], // a missing variable is nil, not an error
    ['$', doc],
  ])('%s', (path, expected) => {
    expect(evaluateJsonPath(path, doc)).toEqual({ found: true, value: expected });
  });

  it.each([
    ['$.data.missing', 'unknown key missing'],
    ['$.data.event.level.deeper', 'cannot select from string "error": not an object or a list'],
    ['$.data.list.name', 'invalid index string "name": not a number'],
    ['$.data.event.none.x', 'cannot select from nil'],
    ['$.data.list[7]', 'index 7 out of bounds'], // out of range is missing, not nil
    ['$.data.list[-1].name', 'index -1 out of bounds'], // no counting from the end
    ['nope.x', 'unknown parameter nope.x'],
  ])('%s is missing (%s)', (path, reason) => {
    const result = evaluateJsonPath(path, doc);
    expect(result.found).toBe(false);
    expect(!result.found && result.reason).toContain(reason);
  });

  it.each([
    ['', 'column 1: unexpected end of input where a value was expected'],
    ['no spaces allowed', 'column 4: unexpected "spaces" after a complete expression'],
    ['$.', 'column 3: unexpected end of input after "."'],
    ['$.data[', 'column 8: unexpected end of input where a value was expected'],
    ['$.data.(x)', 'column 8: unexpected "("'],
    ['{.data.event}', 'column 1: unexpected "{"'],
    ['$.data..', 'column 9: unexpected end of input after ".."'],
    ['$.data.list.0', 'column 12: unexpected ".0" after a complete expression; a name cannot start with a digit, write [n] for an index'],
    ["$['data']", 'single quotes hold one character (a Go rune literal); quote names with double quotes'],
    [
      '$.data.list[?(@.n > 1)]',
      'column 19: unexpected ">" where ")" was expected to close "("; Kelos\'s JSONPath (gval Base) has only the == and != operators',
    ],
    ['$.data.list[?(@.n >= 1)]', 'column 19: unknown operator >='],
    ['$.data.list[?(@.n == 1 && @.name == "a")]', 'unknown operator &&'],
    ['$.data.list[?(!@.n)]', 'column 15: unexpected "!" where a value was expected'],
    ['$.data.list[?(@.n==-1)]', 'unknown operator ==-'],
    ['$.data.list[0:1:2:3]', 'a slice has at most three parts'],
    ['$.data.list[0:1,2]', 'cannot mix ":" and ","'],
    ['$..[1:]', 'a slice cannot follow ".."'],
    ['$["\\q"]', 'invalid string literal "\\q": invalid Go string syntax'],
    ['$["data]', 'not terminated'],
    ['$.data.list[1e400]', 'invalid number 1e400'],
  ])('%j is a parse error', (path, message) => {
    expect(() => evaluateJsonPath(path, doc)).toThrow(JsonPathError);
    expect(() => checkJsonPath(path)).toThrow(message);
  });

  it('names the path in its errors', () => {
    expect(() => checkJsonPath('$.a[?(@.n > 1)]')).toThrow(/^invalid JSONPath "\$\.a\[\?\(@\.n > 1\)\]": column 11: /);
  });
});

describe('goJsonValueString prints like Go %v of encoding/json values', () => {
  it.each([
    [1234567, '1.234567e+06'],
    [500, '500'],
    [123456, '123456'],
    [1000000, '1e+06'],
    [0.00001, '1e-05'],
    [1.5, '1.5'],
    [-2, '-2'],
    [-0, '-0'],
    [true, 'true'],
    [null, '<nil>'],
    ['text', 'text'],
    [['a', 1], '[a 1]'],
    [['a', null, [true]], '[a <nil> [true]]'],
    [{ b: 1, a: { c: 'x y' } }, 'map[a:map[c:x y] b:1]'],
    [{}, 'map[]'],
    [[], '[]'],
  ])('%j → %s', (value, expected) => {
    expect(goJsonValueString(value)).toBe(expected);
  });
});
