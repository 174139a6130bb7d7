/** PaesslerAG/jsonpath results (the dialect of Kelos's generic webhooks) and Go %v strings of JSON values. */
import { goJsonValueString } from '../../../api/sources/webhooks/go-value';
import { JsonPathError, evaluateJsonPath } from '../../../api/sources/webhooks/json-path';

const doc = {
  data: {
    event: { event_id: 'abc123', level: 'error', count: 1234567, ratio: 0.00001, ok: true, none: null, tags: [['env', 'prod'], ['os', 'linux']] },
    list: [{ name: 'a', n: 1 }, { name: 'b', n: 2 }, { name: 'c', n: 3 }],
    'odd key': 'x',
  },
};

describe('evaluateJsonPath', () => {
  it.each([
    ['$.data.event.event_id', 'abc123'],
    ['data.event.event_id', 'abc123'], // bare path, read from the document root
    ["$['data']['event'][\"level\"]", 'error'],
    ["$.data['odd key']", 'x'],
    ['$.data.list[1].name', 'b'],
    ['$.data.list[-1].name', 'c'],
    ['$.data.list[7]', null], // out of range: Go nil, no error
    ['$.data.list[*].name', ['a', 'b', 'c']],
    ['$.data.list[0:2].n', [1, 2]],
    ['$.data.list[::-1].n', [3, 2, 1]],
    ['$.data.list[0,2].name', ['a', 'c']],
    ['$..event_id', ['abc123']],
    ['$.data.list[*].missing', []], // wildcard paths always give a list
    ['$.data.event.none', null],
    ['$', doc],
  ])('%s', (path, expected) => {
    expect(evaluateJsonPath(path, doc)).toEqual({ found: true, value: expected });
  });

  it.each(['$.data.missing', '$.data.event.level.deeper', '$.data.list.name', '$.data.event.none.x', '$.data.list[7].name'])(
    '%s is missing',
    (path) => {
      expect(evaluateJsonPath(path, doc)).toEqual({ found: false });
    },
  );

  it.each(['', 'no spaces allowed', '$.', '$.data[', '$.data.list[?(@.n > 1)]', '$.data.(x)', '{.data.event}', '$.data..'])(
    '%j is refused',
    (path) => {
      expect(() => evaluateJsonPath(path, doc)).toThrow(JsonPathError);
    },
  );
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
    [true, 'true'],
    [null, '<nil>'],
    ['text', 'text'],
    [['a', 1], '[a 1]'],
    [{ b: 1, a: { c: 'x y' } }, 'map[a:map[c:x y] b:1]'],
    [{}, 'map[]'],
  ])('%j → %s', (value, expected) => {
    expect(goJsonValueString(value)).toBe(expected);
  });
});
