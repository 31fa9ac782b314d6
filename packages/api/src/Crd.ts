/**
 * The CustomResourceDefinition manifests of the argoproj.io/v1alpha1 kinds, generated from the schema node that
 * each codec carries. Nothing here is hand-written schema: a field added to a codec appears in the CRD the next
 * time `npm run gen:crds` runs (and `packages/api/test/crds.test.ts` fails until it does).
 *
 * The output is a Kubernetes *structural* schema: every node has a `type`, except int-or-string nodes and
 * nodes that keep unknown fields; `properties` and `additionalProperties` never meet in one node; the root
 * `metadata` is only `{type: object}`.
 */
import type { Codec, SchemaNode } from './Schema';
import { Rollout } from './Rollout';
import { AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate } from './Analysis';
import { Experiment } from './Experiment';

// ---------------------------------------------------------------------------------------------------------
// OpenAPI v3 schema

/** A CEL validation rule (`x-kubernetes-validations` entry). */
export interface CelValidationRule {
  readonly rule: string;
  readonly message: string;
}

/** The subset of apiextensions.k8s.io/v1 `JSONSchemaProps` that our generator writes. */
export interface OpenApiSchema {
  readonly description?: string;
  readonly type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  readonly format?: string;
  readonly enum?: readonly string[];
  readonly items?: OpenApiSchema;
  readonly properties?: Readonly<Record<string, OpenApiSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: OpenApiSchema;
  readonly anyOf?: readonly OpenApiSchema[];
  readonly 'x-kubernetes-int-or-string'?: true;
  readonly 'x-kubernetes-preserve-unknown-fields'?: true;
  readonly 'x-kubernetes-validations'?: readonly CelValidationRule[];
}

const intOrStringSchema = (): OpenApiSchema => ({
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
});

const withDescription = (description: string | undefined, schema: OpenApiSchema): OpenApiSchema =>
  description === undefined ? schema : { description, ...schema };

/**
 * The structural OpenAPI v3 schema of a schema node. Properties are sorted by name and `required` is sorted,
 * so the output does not depend on the order fields are declared in a codec.
 *
 * A quantity is int-or-string (as Kubernetes declares it); a *map* of quantities (a resource list) keeps its
 * values unchecked, because a number like `0.5` is a legal quantity but neither an integer nor a string.
 */
export function toOpenApiSchema(node: SchemaNode): OpenApiSchema {
  switch (node.type) {
    case 'string':
      return withDescription(node.description, {
        type: 'string',
        ...(node.format === undefined ? {} : { format: node.format }),
        ...(node.enum === undefined ? {} : { enum: [...node.enum] }),
      });
    case 'integer':
      return withDescription(node.description, { type: 'integer', format: node.format });
    case 'number':
      return withDescription(node.description, { type: 'number' });
    case 'boolean':
      return withDescription(node.description, { type: 'boolean' });
    case 'int-or-string':
    case 'quantity':
      return withDescription(node.description, intOrStringSchema());
    case 'any':
      return withDescription(node.description, { 'x-kubernetes-preserve-unknown-fields': true });
    case 'array':
      return withDescription(node.description, { type: 'array', items: toOpenApiSchema(node.items) });
    case 'map':
      if (node.values.type === 'quantity') return withDescription(node.description, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
      return withDescription(node.description, { type: 'object', additionalProperties: toOpenApiSchema(node.values) });
    case 'object': {
      const names = Object.keys(node.properties).sort();
      const properties: Record<string, OpenApiSchema> = {};
      for (const name of names) properties[name] = toOpenApiSchema(node.properties[name]!.node);
      const required = names.filter((name) => node.properties[name]!.required);
      return withDescription(node.description, {
        type: 'object',
        ...(names.length === 0 ? {} : { properties }),
        ...(required.length === 0 ? {} : { required }),
        ...(node.preserveUnknown ? { 'x-kubernetes-preserve-unknown-fields': true as const } : {}),
      });
    }
  }
}

/**
 * The `openAPIV3Schema` of a top-level kind: the codec's schema with `apiVersion` and `kind` as plain strings and
 * `metadata` reduced to `{type: object}` (the API server validates ObjectMeta itself and rejects anything more).
 * Throws when the node is not an object: a programmer error in the kind table.
 */
export function toCrdRootSchema(node: SchemaNode): OpenApiSchema {
  const schema = toOpenApiSchema(node);
  if (schema.type !== 'object' || schema.properties === undefined) throw new Error(`a CRD root schema must be an object with properties, got ${node.type}`);
  return {
    ...schema,
    properties: {
      ...schema.properties,
      apiVersion: { description: 'The versioned schema of this object, argoproj.io/v1alpha1.', type: 'string' },
      kind: { description: 'The REST resource this object represents, in CamelCase.', type: 'string' },
      metadata: { type: 'object' },
    },
  };
}

/**
 * The schema with `rules` added at `path` (property names from the root). Throws when the path does not exist:
 * a rule on a field the codec lost must not disappear silently.
 */
export function withValidationRules(schema: OpenApiSchema, path: readonly string[], rules: readonly CelValidationRule[]): OpenApiSchema {
  const at = (s: OpenApiSchema, depth: number): OpenApiSchema => {
    const name = path[depth];
    if (name === undefined) return { ...s, 'x-kubernetes-validations': [...(s['x-kubernetes-validations'] ?? []), ...rules] };
    const child = s.properties?.[name];
    if (child === undefined) throw new Error(`cannot add a validation rule at "${path.join('.')}": no property "${name}"`);
    return { ...s, properties: { ...s.properties, [name]: at(child, depth + 1) } };
  };
  return at(schema, 0);
}

// ---------------------------------------------------------------------------------------------------------
// CustomResourceDefinition

/** A column of `kubectl get`. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'integer' | 'string' | 'date' | 'boolean' | 'number';
  readonly jsonPath: string;
  readonly description?: string;
}

/** The scale subresource, for `kubectl scale` and the HorizontalPodAutoscaler. */
export interface ScaleSubresource {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** The subresources a version serves; `status: {}` turns on `/status`. */
export interface CustomResourceSubresources {
  readonly status?: Record<string, never>;
  readonly scale?: ScaleSubresource;
}

/** One served version of a CRD, with its schema, subresources and `kubectl get` columns. */
export interface CustomResourceDefinitionVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly schema: { readonly openAPIV3Schema: OpenApiSchema };
  readonly subresources: CustomResourceSubresources;
  readonly additionalPrinterColumns: readonly PrinterColumn[];
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition as plain data, ready to serialise. */
export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
      readonly shortNames: readonly string[];
    };
    readonly scope: 'Namespaced' | 'Cluster';
    readonly versions: readonly CustomResourceDefinitionVersion[];
  };
}

/** One of our kinds as the CRD generator sees it. */
export interface CrdKind {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  readonly codec: Codec<any>;
  readonly printerColumns: readonly PrinterColumn[];
  /** Serve `/status` (upstream: Rollout only). */
  readonly statusSubresource?: boolean;
  readonly scale?: ScaleSubresource;
  /** CEL rules, each at a property path from the root. */
  readonly validations?: ReadonlyArray<{ readonly path: readonly string[]; readonly rules: readonly CelValidationRule[] }>;
}

/** The API group of every kind here. */
export const CRD_GROUP = 'argoproj.io';
/** The one served and stored version. */
export const CRD_VERSION = 'v1alpha1';

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'How long ago the object was created' };
const PHASE: PrinterColumn = { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'The phase the object is in' };

/** The kinds we serve, in the order their CRDs are written. */
export const crdKinds: readonly CrdKind[] = [
  {
    kind: 'Rollout',
    plural: 'rollouts',
    shortNames: ['ro'],
    scope: 'Namespaced',
    codec: Rollout,
    printerColumns: [
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'Pods asked for' },
      { name: 'Current', type: 'integer', jsonPath: '.status.replicas', description: 'Pods that exist and are not terminating' },
      { name: 'Up-to-date', type: 'integer', jsonPath: '.status.updatedReplicas', description: 'Pods running the current template' },
      { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas', description: 'Pods ready for at least minReadySeconds' },
      AGE,
    ],
    statusSubresource: true,
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.HPAReplicas', labelSelectorPath: '.status.selector' },
    validations: [{ path: ['spec', 'selector'], rules: [{ rule: 'self == oldSelf', message: '.spec.selector is immutable' }] }],
  },
  { kind: 'AnalysisTemplate', plural: 'analysistemplates', shortNames: ['at'], scope: 'Namespaced', codec: AnalysisTemplate, printerColumns: [AGE] },
  {
    kind: 'ClusterAnalysisTemplate',
    plural: 'clusteranalysistemplates',
    shortNames: ['cat'],
    scope: 'Cluster',
    codec: ClusterAnalysisTemplate,
    printerColumns: [AGE],
  },
  { kind: 'AnalysisRun', plural: 'analysisruns', shortNames: ['ar'], scope: 'Namespaced', codec: AnalysisRun, printerColumns: [PHASE, AGE] },
  { kind: 'Experiment', plural: 'experiments', shortNames: ['exp'], scope: 'Namespaced', codec: Experiment, printerColumns: [PHASE, AGE] },
];

/**
 * The CRD of one kind. As upstream, only Rollout serves the status subresource: AnalysisRun and Experiment
 * keep status in the main resource, because clients written for Argo Rollouts (its kubectl plugin's
 * `retry experiment` patches `{"status":null}`, its controller updates runs whole) rely on that, and a
 * cluster must be able to switch controllers in either direction.
 */
export function customResourceDefinition(k: CrdKind): CustomResourceDefinition {
  const singular = k.kind.toLowerCase();
  const hasStatus = k.statusSubresource === true;
  const schema = (k.validations ?? []).reduce((s, v) => withValidationRules(s, v.path, v.rules), toCrdRootSchema(k.codec.node));
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${CRD_GROUP}` },
    spec: {
      group: CRD_GROUP,
      names: { kind: k.kind, listKind: `${k.kind}List`, plural: k.plural, singular, shortNames: [...k.shortNames] },
      scope: k.scope,
      versions: [
        {
          name: CRD_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: {
            ...(hasStatus ? { status: {} } : {}),
            ...(k.scale === undefined ? {} : { scale: { ...k.scale } }),
          },
          additionalPrinterColumns: k.printerColumns.map((c) => ({ ...c })),
        },
      ],
    },
  };
}

/** The CRDs of all our kinds (Rollout, AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun, Experiment). */
export function customResourceDefinitions(): CustomResourceDefinition[] {
  return crdKinds.map(customResourceDefinition);
}
