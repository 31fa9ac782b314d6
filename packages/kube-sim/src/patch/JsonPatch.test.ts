import { applyJsonPatch, parseJsonPatch } from './JsonPatch';
import { PatchError } from './PatchError';

const doc = { a: { b: [1, 2, 3], 'x/y': 1, 't~': 2 }, c: 'd' };

describe('applyJsonPatch', () => {
  it.each([
    [[{ op: 'add', path: '/a/b/1', value: 9 }], { a: { b: [1, 9, 2, 3], 'x/y': 1, 't~': 2 }, c: 'd' }],
    [[{ op: 'add', path: '/a/b/-', value: 9 }], { a: { b: [1, 2, 3, 9], 'x/y': 1, 't~': 2 }, c: 'd' }],
    [[{ op: 'remove', path: '/a/x~1y' }], { a: { b: [1, 2, 3], 't~': 2 }, c: 'd' }],
    [[{ op: 'replace', path: '/a/t~0', value: 3 }], { a: { b: [1, 2, 3], 'x/y': 1, 't~': 3 }, c: 'd' }],
    [[{ op: 'move', from: '/c', path: '/e' }], { a: { b: [1, 2, 3], 'x/y': 1, 't~': 2 }, e: 'd' }],
    [[{ op: 'copy', from: '/a/b/0', path: '/a/b/0' }], { a: { b: [1, 1, 2, 3], 'x/y': 1, 't~': 2 }, c: 'd' }],
    [[{ op: 'test', path: '/a/b', value: [1, 2, 3] }], doc],
    [[{ op: 'replace', path: '', value: { z: 1 } }], { z: 1 }],
  ])('%j', (patch, expected) => {
    expect(applyJsonPatch(doc, parseJsonPatch(patch))).toEqual(expected);
  });

  it('does not change its input', () => {
    const copy = structuredClone(doc);
    applyJsonPatch(doc, parseJsonPatch([{ op: 'remove', path: '/a/b/0' }]));
    expect(doc).toEqual(copy);
  });

  it.each([
    [[{ op: 'test', path: '/c', value: 'x' }], false],
    [[{ op: 'remove', path: '/nope' }], false],
    [[{ op: 'replace', path: '/a/b/7', value: 1 }], false],
    [[{ op: 'add', path: '/q/r', value: 1 }], false],
    [[{ op: 'move', from: '/a', path: '/a/b/x' }], false],
  ])('fails to apply %j (well-formed: %s means malformed)', (patch, malformed) => {
    try {
      applyJsonPatch(doc, parseJsonPatch(patch));
      throw new Error('expected failure');
    } catch (e) {
      expect(e).toBeInstanceOf(PatchError);
      expect((e as PatchError).malformed).toBe(malformed);
    }
  });

  it.each([[{}], [[{ op: 'nope', path: '/a' }]], [[{ op: 'add', path: '/a' }]], [[{ op: 'move', path: '/a' }]], [[{ op: 'add', path: 'a', value: 1 }]]])('rejects malformed %j', (patch) => {
    expect(() => applyJsonPatch(doc, parseJsonPatch(patch))).toThrow(expect.objectContaining({ malformed: true }));
  });
});
