import { applyDefaults, checkStructural, JsonSchemaProps, pruneUnknownFields, validateAgainstSchema } from './StructuralSchema';

const schema: JsonSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['replicas'],
      properties: {
        replicas: { type: 'integer', minimum: 0 },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        surge: { 'x-kubernetes-int-or-string': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        items: { type: 'array', maxItems: 2, items: { type: 'object', properties: { name: { type: 'string', pattern: '^[a-z]+$' } } } },
        note: { type: 'string', nullable: true },
        keyed: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' } } } },
      },
    },
  },
};

describe('pruneUnknownFields', () => {
  it('removes undeclared fields, keeps preserved, additionalProperties and root metadata', () => {
    const obj: Record<string, unknown> = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', bogusMeta: 1 },
      spec: { replicas: 1, extra: true, labels: { any: 'v' }, free: { deep: { x: 1 } }, items: [{ name: 'a', junk: 1 }], surge: '25%' },
      top: 1,
    };
    const pruned = pruneUnknownFields(obj, schema);
    expect(pruned.sort()).toEqual(['metadata.bogusMeta', 'spec.extra', 'spec.items[0].junk', 'top']);
    expect(obj).toEqual({ apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n' }, spec: { replicas: 1, labels: { any: 'v' }, free: { deep: { x: 1 } }, items: [{ name: 'a' }], surge: '25%' } });
  });
});

describe('applyDefaults', () => {
  it('fills absent fields and drops nulls of non-nullable fields', () => {
    const obj = { spec: { replicas: 1, mode: null, note: null } };
    applyDefaults(obj, schema);
    expect(obj.spec).toEqual({ replicas: 1, mode: 'a', note: null });
  });
});

describe('validateAgainstSchema', () => {
  it.each([
    [{ spec: { replicas: 1 } }, []],
    [{ spec: { replicas: 'x' } }, ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']],
    [{ spec: { replicas: -1 } }, ['spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0']],
    [{ spec: {} }, ['spec.replicas: Required value']],
    [{ spec: { replicas: 1, mode: 'c' } }, ['spec.mode: Unsupported value: "c": supported values: "a", "b"']],
    [{ spec: { replicas: 1, surge: true } }, ['spec.surge: Invalid value: "boolean": spec.surge in body must be of type integer,string: "boolean"']],
    [{ spec: { replicas: 1, items: [{}, {}, {}] } }, ['spec.items: Too many: 3: must have at most 2 items']],
    [{ spec: { replicas: 1, items: [{ name: 'A' }] } }, [`spec.items[0].name: Invalid value: "A": spec.items[0].name in body should match '^[a-z]+$'`]],
    [{ spec: { replicas: 1, labels: { a: 1 } } }, ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']],
    [{ spec: { replicas: 1, keyed: [{ name: 'a' }, { name: 'a' }] } }, ['spec.keyed[1]: Duplicate value: ["a"]']],
  ])('%j', (obj, problems) => {
    expect(validateAgainstSchema(obj, schema, '').map((p) => `${p.field}: ${p.detail}`)).toEqual(problems);
  });
});

describe('checkStructural', () => {
  it('accepts typed, int-or-string and preserved nodes, rejects untyped ones', () => {
    expect(checkStructural(schema, 'root')).toEqual([]);
    expect(checkStructural({ type: 'object', properties: { a: {} } }, 'root').map((p) => p.field)).toEqual(['root.properties[a].type']);
    expect(checkStructural(undefined, 'root')[0]?.reason).toBe('FieldValueRequired');
  });
});
