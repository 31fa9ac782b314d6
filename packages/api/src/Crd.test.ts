import fc from 'fast-check';
import {
  crdKinds,
  customResourceDefinitions,
  toCrdRootSchema,
  toOpenApiSchema,
  withValidationRules,
  type CustomResourceDefinition,
  type OpenApiSchema,
} from './Crd';
import { array, boolean, int32, int64, intOrString, json, literal, nodeAt, number, quantity, record, string, struct, type SchemaNode } from './Schema';

// ---------------------------------------------------------------------------------------------------------
// The structural-schema rules of apiextensions.k8s.io/v1, as a checker that returns every violation.

function structuralViolations(schema: OpenApiSchema, path = '(root)'): string[] {
  const out: string[] = [];
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.type === undefined && !intOrString && !preserve) out.push(`${path}: no type`);
  if (schema.properties !== undefined && schema.additionalProperties !== undefined) out.push(`${path}: properties and additionalProperties together`);
  if ((schema.properties !== undefined || schema.additionalProperties !== undefined || schema.required !== undefined) && schema.type !== 'object')
    out.push(`${path}: object keywords on a node of type ${String(schema.type)}`);
  if (schema.items !== undefined && schema.type !== 'array') out.push(`${path}: items on a node of type ${String(schema.type)}`);
  if (schema.type === 'array' && schema.items === undefined) out.push(`${path}: array without items`);
  if (intOrString) {
    if (schema.type !== undefined) out.push(`${path}: int-or-string with a type`);
    if (JSON.stringify(schema.anyOf) !== JSON.stringify([{ type: 'integer' }, { type: 'string' }])) out.push(`${path}: int-or-string without anyOf [integer, string]`);
  } else if (schema.anyOf !== undefined) out.push(`${path}: anyOf outside int-or-string`);
  for (const name of schema.required ?? []) if (schema.properties?.[name] === undefined) out.push(`${path}: required "${name}" is not a property`);
  if (schema.required !== undefined && JSON.stringify(schema.required) !== JSON.stringify([...schema.required].sort())) out.push(`${path}: required not sorted`);
  for (const [k, v] of Object.entries(schema.properties ?? {})) out.push(...structuralViolations(v, `${path}.${k}`));
  if (schema.items !== undefined) out.push(...structuralViolations(schema.items, `${path}[]`));
  if (schema.additionalProperties !== undefined) out.push(...structuralViolations(schema.additionalProperties, `${path}{}`));
  return out;
}

/** Every node of a schema, with its path. */
function nodes(schema: OpenApiSchema, path = ''): Array<[string, OpenApiSchema]> {
  return [
    [path, schema],
    ...Object.entries(schema.properties ?? {}).flatMap(([k, v]) => nodes(v, path === '' ? k : `${path}.${k}`)),
    ...(schema.items === undefined ? [] : nodes(schema.items, `${path}[]`)),
    ...(schema.additionalProperties === undefined ? [] : nodes(schema.additionalProperties, `${path}{}`)),
  ];
}

const rootOf = (crd: CustomResourceDefinition): OpenApiSchema => crd.spec.versions[0]!.schema.openAPIV3Schema;

// ---------------------------------------------------------------------------------------------------------

describe('toOpenApiSchema', () => {
  const INT_OR_STRING: OpenApiSchema = { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  test.each<[string, SchemaNode, OpenApiSchema]>([
    ['string', string().node, { type: 'string' }],
    ['string enum', literal('a', 'b').node, { type: 'string', enum: ['a', 'b'] }],
    ['date-time string', string({ format: 'date-time' }).node, { type: 'string', format: 'date-time' }],
    ['int32', int32().node, { type: 'integer', format: 'int32' }],
    ['int64', int64().node, { type: 'integer', format: 'int64' }],
    ['number', number().node, { type: 'number' }],
    ['boolean', boolean().node, { type: 'boolean' }],
    ['int-or-string', intOrString().node, INT_OR_STRING],
    ['quantity', quantity().node, INT_OR_STRING],
    ['map of quantities', record(quantity()).node, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }],
    ['any', json().node, { 'x-kubernetes-preserve-unknown-fields': true }],
    ['array', array(int32()).node, { type: 'array', items: { type: 'integer', format: 'int32' } }],
    ['map', record(string()).node, { type: 'object', additionalProperties: { type: 'string' } }],
    ['map of any', record(json()).node, { type: 'object', additionalProperties: { 'x-kubernetes-preserve-unknown-fields': true } }],
    [
      'object: properties sorted, required sorted',
      struct('X', { zeta: string(), alpha: int32() }, { mid: boolean() }).node,
      {
        type: 'object',
        properties: { alpha: { type: 'integer', format: 'int32' }, mid: { type: 'boolean' }, zeta: { type: 'string' } },
        required: ['alpha', 'zeta'],
      },
    ],
    ['object without fields', struct('Empty', {}, {}).node, { type: 'object' }],
    [
      'object keeping unknown fields',
      struct('Open', {}, { a: string() }, { preserveUnknown: true }).node,
      { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
    ],
    ['description on a leaf', string().describe('a name').node, { description: 'a name', type: 'string' }],
    ['description on int-or-string', intOrString().describe('surge').node, { description: 'surge', ...INT_OR_STRING }],
    ['description on an object', struct('D', {}, {}, { description: 'an object' }).node, { description: 'an object', type: 'object' }],
  ])('%s', (_name, node, expected) => {
    expect(toOpenApiSchema(node)).toStrictEqual(expected);
  });

  test('nested descriptions survive', () => {
    const node = struct('Outer', {}, { inner: array(string().describe('an item')) }).node;
    expect(toOpenApiSchema(node).properties?.['inner']?.items?.description).toBe('an item');
  });

  // Random schema trees: whatever the codecs declare, the output is structural.
  const leaf: fc.Arbitrary<SchemaNode> = fc.constantFrom<SchemaNode>(
    string().node,
    literal('x', 'y').node,
    int32().node,
    int64().node,
    number().node,
    boolean().node,
    intOrString().node,
    quantity().node,
    json().node,
  );
  const tree = fc.letrec<{ node: SchemaNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      tie('node').map((items): SchemaNode => ({ type: 'array', items })),
      tie('node').map((values): SchemaNode => ({ type: 'map', values })),
      fc
        .tuple(fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.record({ node: tie('node'), required: fc.boolean() }), { maxKeys: 4 }), fc.boolean())
        .map(([properties, preserveUnknown]): SchemaNode => ({ type: 'object', properties, preserveUnknown })),
    ),
  })).node;

  test('the output of any schema tree is structural', () => {
    fc.assert(fc.property(tree, (node) => expect(structuralViolations(toOpenApiSchema(node))).toEqual([])));
  });

  test('the checker itself catches violations', () => {
    expect(structuralViolations({ properties: { a: { type: 'string' } } })).toEqual(['(root): no type', '(root): object keywords on a node of type undefined']);
    expect(structuralViolations({ type: 'object', properties: {}, additionalProperties: { type: 'string' } })).toEqual([
      '(root): properties and additionalProperties together',
    ]);
    expect(structuralViolations({ type: 'object', properties: { a: { type: 'array' } } })).toEqual(['(root).a: array without items']);
  });
});

describe('toCrdRootSchema', () => {
  const root = toCrdRootSchema(
    struct('Thing', { spec: struct('Spec', {}, { a: string() }) }, { apiVersion: int32(), kind: string(), metadata: struct('Meta', {}, { name: string() }) }).node,
  );

  test('metadata is only {type: object}, apiVersion and kind are strings', () => {
    expect(root.properties?.['metadata']).toStrictEqual({ type: 'object' });
    expect(root.properties?.['apiVersion']?.type).toBe('string');
    expect(root.properties?.['kind']?.type).toBe('string');
    expect(root.required).toEqual(['spec']);
  });

  test('a root that is not an object is a programmer error', () => {
    expect(() => toCrdRootSchema(string().node)).toThrow(/must be an object/);
  });
});

describe('withValidationRules', () => {
  const schema = toOpenApiSchema(struct('R', {}, { spec: struct('S', {}, { selector: struct('Sel', {}, {}) }) }).node);
  const rule = { rule: 'self == oldSelf', message: 'immutable' };

  test('adds the rule at the path and nowhere else', () => {
    const out = withValidationRules(schema, ['spec', 'selector'], [rule]);
    expect(out.properties?.['spec']?.properties?.['selector']?.['x-kubernetes-validations']).toEqual([rule]);
    expect(nodes(out).filter(([, n]) => n['x-kubernetes-validations'] !== undefined).map(([p]) => p)).toEqual(['spec.selector']);
    expect(nodes(schema).some(([, n]) => n['x-kubernetes-validations'] !== undefined)).toBe(false);
  });

  test('a path that does not exist throws rather than dropping the rule', () => {
    expect(() => withValidationRules(schema, ['spec', 'selectr'], [rule])).toThrow(/spec\.selectr/);
  });
});

describe('customResourceDefinitions', () => {
  const crds = customResourceDefinitions();
  const byKind = new Map(crds.map((c) => [c.spec.names.kind, c]));

  test('one CRD per kind, in table order', () => {
    expect(crds.map((c) => c.spec.names.kind)).toEqual(['Rollout', 'AnalysisTemplate', 'ClusterAnalysisTemplate', 'AnalysisRun', 'Experiment']);
  });

  test.each([
    ['Rollout', 'rollouts', 'rollout', ['ro'], 'Namespaced'],
    ['AnalysisTemplate', 'analysistemplates', 'analysistemplate', ['at'], 'Namespaced'],
    ['ClusterAnalysisTemplate', 'clusteranalysistemplates', 'clusteranalysistemplate', ['cat'], 'Cluster'],
    ['AnalysisRun', 'analysisruns', 'analysisrun', ['ar'], 'Namespaced'],
    ['Experiment', 'experiments', 'experiment', ['exp'], 'Namespaced'],
  ])('%s: names and scope', (kind, plural, singular, shortNames, scope) => {
    const crd = byKind.get(kind)!;
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(crd.metadata.name).toBe(`${plural}.argoproj.io`);
    expect(crd.spec.group).toBe('argoproj.io');
    expect(crd.spec.names).toEqual({ kind, listKind: `${kind}List`, plural, singular, shortNames });
    expect(crd.spec.scope).toBe(scope);
    expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([['v1alpha1', true, true]]);
  });

  test.each([
    ['Rollout', { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.HPAReplicas', labelSelectorPath: '.status.selector' } }],
    ['AnalysisTemplate', {}],
    ['ClusterAnalysisTemplate', {}],
    ['AnalysisRun', {}],
    ['Experiment', {}],
  ])('%s: subresources', (kind, subresources) => {
    expect(byKind.get(kind)!.spec.versions[0]!.subresources).toStrictEqual(subresources);
  });

  const AGE = ['Age', 'date', '.metadata.creationTimestamp'];
  const STATUS = ['Status', 'string', '.status.phase'];
  test.each([
    [
      'Rollout',
      [
        ['Desired', 'integer', '.spec.replicas'],
        ['Current', 'integer', '.status.replicas'],
        ['Up-to-date', 'integer', '.status.updatedReplicas'],
        ['Available', 'integer', '.status.availableReplicas'],
        AGE,
      ],
    ],
    ['AnalysisTemplate', [AGE]],
    ['ClusterAnalysisTemplate', [AGE]],
    ['AnalysisRun', [STATUS, AGE]],
    ['Experiment', [STATUS, AGE]],
  ])('%s: printer columns', (kind, columns) => {
    const crd = byKind.get(kind)!;
    const version = crd.spec.versions[0]!;
    expect(version.additionalPrinterColumns.map((c) => [c.name, c.type, c.jsonPath])).toEqual(columns);
    for (const c of version.additionalPrinterColumns) expect(c.description).toEqual(expect.any(String));
  });

  // A column or scale path that names a field the codec does not have would print nothing or break `kubectl scale`.
  test.each(crdKinds.map((k) => [k.kind, k] as const))('%s: printer columns and scale paths name fields of the codec, of the right type', (_kind, k) => {
    const expected = (jsonPath: string, type: string): [string, string] => [jsonPath, type];
    const found = (jsonPath: string): [string, string] => {
      if (jsonPath === '.metadata.creationTimestamp') return [jsonPath, 'date'];
      const node = nodeAt(k.codec.node, jsonPath.slice(1));
      return [jsonPath, node?.type === 'string' && node.enum !== undefined ? 'string' : (node?.type ?? 'missing')];
    };
    for (const c of k.printerColumns) expect(found(c.jsonPath)).toEqual(expected(c.jsonPath, c.type));
    if (k.scale !== undefined) {
      expect(found(k.scale.specReplicasPath)).toEqual(expected(k.scale.specReplicasPath, 'integer'));
      expect(found(k.scale.statusReplicasPath)).toEqual(expected(k.scale.statusReplicasPath, 'integer'));
      if (k.scale.labelSelectorPath !== undefined) expect(found(k.scale.labelSelectorPath)).toEqual(expected(k.scale.labelSelectorPath, 'string'));
    }
  });

  test.each(crds.map((c) => [c.spec.names.kind, c] as const))('%s: the schema is structural on every node', (_kind, crd) => {
    const root = rootOf(crd);
    expect(structuralViolations(root)).toEqual([]);
    expect(root.type).toBe('object');
    expect(root.properties?.['metadata']).toStrictEqual({ type: 'object' });
    expect(root.properties?.['apiVersion']?.type).toBe('string');
    expect(root.properties?.['kind']?.type).toBe('string');
    expect(root.required).toContain('spec');
    expect(root.properties?.['spec']?.type).toBe('object');
  });

  test('CEL rules: only the Rollout selector is immutable', () => {
    const withRules = crds.flatMap((c) =>
      nodes(rootOf(c))
        .filter(([, n]) => n['x-kubernetes-validations'] !== undefined)
        .map(([p, n]) => [c.spec.names.kind, p, n['x-kubernetes-validations']]),
    );
    expect(withRules).toEqual([['Rollout', 'spec.selector', [{ rule: 'self == oldSelf', message: '.spec.selector is immutable' }]]]);
  });

  test('a fresh, deep copy each call (callers may mutate what they get)', () => {
    const a = customResourceDefinitions();
    const b = customResourceDefinitions();
    expect(a).toStrictEqual(b);
    expect(a[0]!.spec.versions[0]!.additionalPrinterColumns[0]).not.toBe(b[0]!.spec.versions[0]!.additionalPrinterColumns[0]);
    expect(rootOf(a[0]!)).not.toBe(rootOf(b[0]!));
  });
});
