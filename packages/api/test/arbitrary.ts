/**
 * fast-check arbitraries generated from a schema tree: any value our codecs accept, optionally with extra
 * (unknown) fields planted in objects, whose paths are returned alongside so tests can check that strict
 * decoding reports exactly those.
 */
import fc from 'fast-check';
import type { SchemaNode } from '../src/Schema';
import { childPath } from '../src/Schema';

export interface Generated {
  readonly value: unknown;
  /** Paths of the unknown fields planted in the value. */
  readonly unknown: readonly string[];
}

const jsonLeaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null));
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small', withCrossShrink: true },
  jsonLeaf,
  fc.array(jsonLeaf, { maxLength: 2 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), jsonLeaf, { maxKeys: 2 }),
);

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);

/** An arbitrary for `node` at `path`; `extra` plants unknown fields in non-preserving objects. */
export function arbitraryFor(node: SchemaNode, path = '', extra = false, depth = 0): fc.Arbitrary<Generated> {
  const leaf = (a: fc.Arbitrary<unknown>) => a.map((value) => ({ value, unknown: [] as string[] }));
  switch (node.type) {
    case 'string':
      if (node.enum) return leaf(fc.constantFrom(...node.enum));
      if (node.format === 'date-time') return leaf(fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')));
      return leaf(fc.string({ maxLength: 8 }));
    case 'integer':
      return leaf(node.format === 'int32' ? fc.integer({ min: -2147483648, max: 2147483647 }) : fc.maxSafeInteger());
    case 'number':
      return leaf(fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return leaf(fc.boolean());
    case 'int-or-string':
      return leaf(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom('25%', '1', '30s', '{{args.n}}')));
    case 'quantity':
      return leaf(fc.oneof(fc.constantFrom('100m', '1Gi', '0.5', '2'), fc.integer({ min: 0, max: 64 })));
    case 'any':
      return leaf(jsonValue);
    case 'array':
      if (depth > 6) return leaf(fc.constant([]));
      return fc.array(fc.nat(), { maxLength: 2 }).chain((seeds) =>
        fc.tuple(...seeds.map((_, i) => arbitraryFor(node.items, childPath(path, i), extra, depth + 1))).map((items) => ({
          value: items.map((g) => g.value),
          unknown: items.flatMap((g) => g.unknown),
        })),
      );
    case 'map':
      return fc
        .uniqueArray(label, { maxLength: 2 })
        .chain((keys) =>
          fc.tuple(...keys.map((k) => arbitraryFor(node.values, childPath(path, k), extra, depth + 1))).map((vals) => ({
            value: Object.fromEntries(keys.map((k, i) => [k, vals[i]?.value])),
            unknown: vals.flatMap((g) => g.unknown),
          })),
        );
    case 'object': {
      const entries = Object.entries(node.properties);
      const parts = entries.map(([k, p]) => {
        const a = arbitraryFor(p.node, childPath(path, k), extra, depth + 1);
        // Deep optional subtrees are generated less often, to keep values small.
        return p.required ? a.map((g) => ({ k, g })) : fc.option(a.map((g) => ({ k, g })), { freq: depth < 3 ? 2 : 4, nil: undefined });
      });
      const planted = extra && !node.preserveUnknown ? fc.option(fc.constantFrom('zzUnknown', 'extraField'), { freq: 3, nil: undefined }) : fc.constant(undefined);
      return fc.tuple(fc.tuple(...parts), planted, jsonLeaf).map(([present, unknownKey, unknownValue]) => {
        const value: Record<string, unknown> = {};
        const unknown: string[] = [];
        for (const item of present) {
          if (item === undefined) continue;
          value[item.k] = item.g.value;
          unknown.push(...item.g.unknown);
        }
        if (unknownKey !== undefined) {
          value[unknownKey] = unknownValue;
          unknown.push(childPath(path, unknownKey));
        }
        return { value, unknown };
      });
    }
  }
}
