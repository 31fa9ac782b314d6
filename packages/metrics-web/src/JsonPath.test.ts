import * as E from 'fp-ts/lib/Either';
import { evaluateJsonPath, parseJsonPath } from './JsonPath';

const doc = {
  data: { ok: true, rate: 0.01, 'a.b': 'dotted', items: [{ name: 'a', v: 1 }, { name: 'b', v: 2 }], empty: [], nothing: null },
  status: 'green',
};

const run = (path: string, d: unknown = doc) => {
  const p = parseJsonPath(path);
  if (E.isLeft(p)) throw new Error(p.left);
  return evaluateJsonPath(p.right, d);
};

describe('JSONPath: what matches', () => {
  it.each([
    ['{$}', [doc]],
    ['{.}', [doc]],
    ['{$.data.ok}', [true]],
    ['{.data.rate}', [0.01]],
    ['{data.rate}', [0.01]],
    ["{$.data['a.b']}", ['dotted']],
    ['{$["status"]}', ['green']],
    ['{$.data.items[1].v}', [2]],
    ['{$.data.items[-1].name}', ['b']],
    ['{$.data.items[*].v}', [1, 2]],
    ['{$.data.items.*.name}', ['a', 'b']],
    ['{$..v}', [1, 2]],
    ['{$.data.empty[*]}', []],
    ['{$.data.nothing}', [null]],
    [' { $.status } ', ['green']],
  ])('%s', (path, expected) => expect(run(path)).toEqual(E.right(expected)));

  it.each([
    ['{$.data.missing}', 'missing is not found'],
    ['{$.status.deeper}', 'deeper is not found'],
    ['{$.data.items[5]}', 'array index out of bounds: index 5, length 2'],
    ['{$.data[0]}', 'is not an array'],
  ])('%s is an error', (path, message) => {
    const r = run(path);
    expect(E.isLeft(r) && r.left).toContain(message);
  });

  it('reads a top-level array', () => expect(run('{$[0]}', [7, 8])).toEqual(E.right([7])));
});

describe('JSONPath: what is refused', () => {
  it.each([
    ['$.data.ok', 'must be one expression in braces'],
    ['{$.a}{$.b}', 'only one {…} expression'],
    ['{$.items[?(@.v > 1)]}', 'filters'],
    ['{$.items[0:2]}', 'slices'],
    ['{$.items[0,1]}', 'unions'],
    ['{range .items[*]}{.v}{end}', 'only one'],
    ['{range .items}', 'range/end'],
    ['{$.items[0}', 'unclosed ['],
    ['{$.data.}', 'expected a name after .'],
    ['{$ == 1}', 'spaces and operators'],
  ])('%s', (path, why) => {
    const p = parseJsonPath(path);
    expect(E.isLeft(p) && p.left).toContain(why);
  });
});

describe('JSONPath: hostile documents (issue #15)', () => {
  it('a wildcard over an array of a million elements', () => {
    const items = Array.from({ length: 1_000_000 }, (_, i) => i);
    const r = run('{$.items[*]}', { items });
    expect(E.isRight(r) && r.right.length).toBe(1_000_000);
  });

  it('recursive descent through a document 100,000 levels deep', () => {
    let doc: unknown = { leaf: 7 };
    for (let i = 0; i < 100_000; i++) doc = { a: doc };
    expect(run('{$..leaf}', doc)).toEqual(E.right([7]));
  });
});
