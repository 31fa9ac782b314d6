import fc from 'fast-check';
import type { PodTemplateSpec } from '@rollouts/api';
import { canonicalJson, fnv32a, podTemplateHash, SAFE_ENCODE_ALPHABET, safeEncodeString } from './PodTemplateHash';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** FNV-1a written the slow, obvious way with BigInt, to check the Math.imul version against. */
function referenceFnv32a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5n;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 0x01000193n) % 2n ** 32n;
  return Number(hash);
}

/** The same value with the keys of every object in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

const template: PodTemplateSpec = {
  metadata: { labels: { app: 'guestbook' }, annotations: { team: 'web' } },
  spec: {
    containers: [
      {
        name: 'guestbook',
        image: 'argoproj/rollouts-demo:blue',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        resources: { requests: { cpu: '5m', memory: '32Mi' } },
      },
    ],
  },
};

describe('fnv32a', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('fnv32a(%j) is the published FNV-1a vector', (text, expected) => {
    expect(fnv32a(utf8(text))).toBe(expected);
  });

  it('agrees with a BigInt reference implementation and stays an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const hash = fnv32a(bytes);
        expect(hash).toBe(referenceFnv32a(bytes));
        expect(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 32).toBe(true);
      }),
    );
  });
});

describe('safeEncodeString', () => {
  it.each([
    ['0123456789', '456789bcdf'],
    ['', ''],
    ['a', 'v'], // 97 % 27 = 16
    ['4294967295', '86f8fbc6f9'],
  ])('safeEncodeString(%j) = %j', (input, expected) => {
    expect(safeEncodeString(input)).toBe(expected);
  });
});

describe('canonicalJson', () => {
  it.each([
    ['sorts keys at every level', { b: 1, a: [3, { d: 1, c: 2 }] }, '{"a":[3,{"c":2,"d":1}],"b":1}'],
    ['drops undefined properties', { a: undefined, b: null }, '{"b":null}'],
    ['writes undefined array elements as null', [1, undefined, 2], '[1,null,2]'],
    ['escapes strings and keys', { 'k"y': 'line\nbreak ü' }, '{"k\\"y":"line\\nbreak ü"}'],
    ['keeps empty containers', { a: {}, b: [] }, '{"a":{},"b":[]}'],
    ['writes scalars as JSON does', [true, false, 0, -1.5, 'x', null], '[true,false,0,-1.5,"x",null]'],
    ['writes non-finite numbers as null', [Number.NaN, Number.POSITIVE_INFINITY], '[null,null]'],
    ['honours toJSON', { when: new Date(Date.UTC(2024, 0, 2)) }, '{"when":"2024-01-02T00:00:00.000Z"}'],
    ['a bare string', 'x', '"x"'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('matches JSON.stringify up to key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(reverseKeys(value))).toBe(canonicalJson(value));
      }),
    );
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a bigint', { n: 1n }],
  ])('rejects %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('rejects a cycle but accepts the same object twice', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });
});

describe('podTemplateHash', () => {
  it('is fnv32a of the canonical JSON, in decimal, safe-encoded', () => {
    const expected = safeEncodeString(String(fnv32a(utf8(canonicalJson(template)))));
    expect(podTemplateHash(template)).toBe(expected);
  });

  it('is stable across releases (a change renames every ReplicaSet and redeploys every Rollout)', () => {
    expect(podTemplateHash({})).toBe(safeEncodeString(String(fnv32a(utf8('{}')))));
    // Computed independently (Python: json.dumps(sort_keys=True, separators=(',', ':')), FNV-1a): 1717652360.
    expect(podTemplateHash(template)).toBe('5c5cb967b4');
  });

  it('appends a set collision count as 8 little-endian bytes, 0 included', () => {
    const json = utf8(canonicalJson(template));
    const withCount = (bytes: number[]) => safeEncodeString(String(fnv32a(new Uint8Array([...json, ...bytes]))));
    expect(podTemplateHash(template, 0)).toBe(withCount([0, 0, 0, 0, 0, 0, 0, 0]));
    expect(podTemplateHash(template, 1)).toBe(withCount([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(podTemplateHash(template, 258)).toBe(withCount([2, 1, 0, 0, 0, 0, 0, 0]));
    expect(podTemplateHash(template, 2 ** 32 + 5)).toBe(withCount([5, 0, 0, 0, 1, 0, 0, 0]));
    expect(podTemplateHash(template, null)).toBe(podTemplateHash(template));
    expect(podTemplateHash(template, undefined)).toBe(podTemplateHash(template));
  });

  it('gives different hashes for different collision counts', () => {
    const hashes = [undefined, 0, 1, 2, 3, 10, 100].map((count) => podTemplateHash(template, count));
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it.each([-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects collision count %p', (count) => {
    expect(() => podTemplateHash(template, count)).toThrow(new RangeError(`collisionCount must be a non-negative integer, got ${count}`));
  });

  it('ignores the rollouts-pod-template-hash label, also when it is the only label', () => {
    const labelled: PodTemplateSpec = { ...template, metadata: { ...template.metadata, labels: { app: 'guestbook', 'rollouts-pod-template-hash': 'abc' } } };
    expect(podTemplateHash(labelled)).toBe(podTemplateHash(template));
    expect(podTemplateHash({ metadata: { labels: { 'rollouts-pod-template-hash': 'abc' } } })).toBe(podTemplateHash({ metadata: {} }));
  });

  it('changes with the template', () => {
    const spec = template.spec!;
    const changed: PodTemplateSpec = { ...template, spec: { ...spec, containers: [{ ...spec.containers[0]!, image: 'argoproj/rollouts-demo:green' }] } };
    expect(podTemplateHash(changed)).not.toBe(podTemplateHash(template));
    expect(podTemplateHash({ metadata: { labels: { app: 'a' } } })).not.toBe(podTemplateHash({ metadata: { labels: { app: 'b' } } }));
  });

  it('is deterministic, ignores key order, uses only the safe alphabet and does not change its input', () => {
    const alphabet = new RegExp(`^[${SAFE_ENCODE_ALPHABET}]{1,10}$`);
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 4 }),
        fc.jsonValue({ maxDepth: 3 }),
        fc.option(fc.nat(), { nil: undefined }),
        (labels, extra, collisionCount) => {
          const t = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'i' }], extra } } as unknown as PodTemplateSpec;
          const before = JSON.stringify(t);
          const hash = podTemplateHash(deepFreeze(t), collisionCount);
          expect(hash).toMatch(alphabet);
          expect(podTemplateHash(t, collisionCount)).toBe(hash);
          expect(podTemplateHash(reverseKeys(t) as PodTemplateSpec, collisionCount)).toBe(hash);
          expect(JSON.stringify(t)).toBe(before);
        },
      ),
    );
  });
});
