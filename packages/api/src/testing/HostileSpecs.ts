/**
 * Hostile objects for fuzz tests, generated from our CRD schemas (`customResourceDefinitions()`): anything the
 * API server's schema admits, biased towards the values that break arithmetic and parsers: `"NaN%"`, `"-1"`,
 * `"101%"`, 2147483648, 0, negatives, fractions, empty strings, patterns that backtrack, placeholders, deep
 * nesting where the schema keeps unknown fields.
 *
 * Two shapes, both fast-check arbitraries:
 * - `schemaArbitrary(schema)`: a whole value of a schema, optional fields included sparingly so that specs stay
 *   small;
 * - `hostileOverlay(schema, base)`: a valid `base` object with one to three fields (anywhere in the schema) set
 *   to hostile values, so that most of the object is sound and the reconcile reaches deep into the code.
 * `hostileRollout()`, `hostileAnalysisTemplate()`, `hostileAnalysisRun()` and `hostileExperiment()` mix both
 * over plausible bases and return whole objects (without `metadata.namespace`, which the caller sets).
 *
 * Requires `fast-check` (a peer dependency of this entry point only).
 */
import fc from 'fast-check';
import { customResourceDefinitions, type OpenApiSchema } from '../Crd';

/** The kinds this module generates. */
export type HostileKind = 'Rollout' | 'AnalysisTemplate' | 'ClusterAnalysisTemplate' | 'AnalysisRun' | 'Experiment';

/** The `openAPIV3Schema` of a kind, as our CRD manifests declare it. */
export function crdSchema(kind: HostileKind): OpenApiSchema {
  const crd = customResourceDefinitions().find((c) => c.spec.names.kind === kind);
  const schema = crd?.spec.versions[0]?.schema.openAPIV3Schema;
  if (schema === undefined) throw new Error(`no CRD schema for ${kind}`);
  return schema;
}

/** How large generated values may grow. */
export interface HostileOptions {
  /** Object nesting beyond which optional fields are left out (default 6). */
  readonly maxDepth?: number;
  /** Optional fields an object gets at most (default 3). */
  readonly maxOptional?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Scalars

/** Integers that break arithmetic: zero, negatives, the int32 edges and beyond, fractions, huge values. */
export const HOSTILE_INTEGERS: readonly number[] = [
  0, -1, -5, -50, 1, 5, 100, 101, 1000, 2147483647, 2147483648, -2147483648, -2147483649, 3e9, 1.5, -0.5, 9007199254740991, 1e21, 1e300,
];

/** Strings that break parsers: empty, not-a-number, out-of-range percentages and counts, durations, patterns. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  'NaN',
  'NaN%',
  '-1',
  '-50%',
  '0',
  '0%',
  '100%',
  '101%',
  '25',
  '1e3',
  ' 5',
  '5.5%',
  '2147483648',
  '99999999999999999999%',
  '-5s',
  '0s',
  '1h',
  '1000000h',
  '9999999999h',
  'abc',
  '(a+)+$',
  '*',
  '(',
  '{{args.missing}}',
  '{{',
  '\u0000',
  'ünïcødé',
  '../../etc/passwd',
  'x'.repeat(300),
];

const integerArb = (format: string | undefined): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_INTEGERS) },
    { weight: 2, arbitrary: fc.integer({ min: -3, max: 120 }) },
    { weight: 1, arbitrary: format === 'int64' ? fc.maxSafeInteger() : fc.integer() },
  );

const stringArb = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 2, arbitrary: fc.constantFrom('web', 'a', 'shop', 'stable', 'canary', 'm', 'http', '80', 'x-y') },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

const dateTimeArb = (): fc.Arbitrary<string> =>
  fc.oneof(fc.constantFrom('2025-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2025-13-45T99:99:99Z', '1970-01-01T00:00:00.123456789+14:00'));

const intOrStringArb = (): fc.Arbitrary<number | string> =>
  fc.oneof(
    { weight: 2, arbitrary: integerArb('int32') },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 1, arbitrary: fc.integer({ min: -10, max: 150 }).map((n) => `${n}%`) },
  );

/** Nested arrays and objects `depth` levels deep (where a schema keeps unknown fields). */
const deepJson = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
};

const anyJsonArb = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.constantFrom(5, 50, 300).map(deepJson) },
  );

// ---------------------------------------------------------------------------------------------------------
// Whole values

/** A value of `schema`: required fields always, up to `maxOptional` optional fields per object. */
export function schemaArbitrary(schema: OpenApiSchema, options: HostileOptions = {}): fc.Arbitrary<unknown> {
  return valueArb(schema, 0, { maxDepth: options.maxDepth ?? 6, maxOptional: options.maxOptional ?? 3 });
}

interface Limits {
  readonly maxDepth: number;
  readonly maxOptional: number;
}

function valueArb(s: OpenApiSchema, depth: number, limits: Limits): fc.Arbitrary<unknown> {
  if (s['x-kubernetes-int-or-string'] === true) return intOrStringArb();
  switch (s.type) {
    case 'integer':
      return integerArb(s.format);
    case 'number':
      return fc.oneof(fc.constantFrom(0, -1, 0.5, 1e300, -1e-300), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (s.enum !== undefined && s.enum.length > 0) return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...s.enum) }, { weight: 1, arbitrary: stringArb() });
      return s.format === 'date-time' ? dateTimeArb() : stringArb();
    case 'array': {
      const items = s.items;
      if (items === undefined) return fc.constant([]);
      return fc.array(fc.constant(null).chain(() => valueArb(items, depth + 1, limits)), { maxLength: depth >= limits.maxDepth ? 1 : 3 });
    }
    case 'object': {
      if (s.properties === undefined) {
        if (s.additionalProperties !== undefined) {
          const values = s.additionalProperties;
          return fc.dictionary(stringArb().filter((k) => k !== '__proto__'), fc.constant(null).chain(() => valueArb(values, depth + 1, limits)), { maxKeys: 2 });
        }
        // An object that keeps unknown fields (a plugin config, a resource list): any keys, any values.
        return s['x-kubernetes-preserve-unknown-fields'] === true ? fc.dictionary(stringArb().filter((k) => k !== '__proto__'), anyJsonArb(), { maxKeys: 3 }) : fc.constant({});
      }
      return objectArb(s, depth, limits);
    }
    default:
      return anyJsonArb();
  }
}

function objectArb(s: OpenApiSchema, depth: number, limits: Limits): fc.Arbitrary<unknown> {
  const properties = s.properties ?? {};
  const required = (s.required ?? []).filter((k) => k in properties);
  const optional = Object.keys(properties).filter((k) => !required.includes(k));
  const room = depth >= limits.maxDepth ? 0 : limits.maxOptional;
  return fc.subarray(optional, { maxLength: Math.min(room, optional.length) }).chain((chosen) => {
    const keys = [...required, ...chosen];
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const k of keys) record[k] = fc.constant(null).chain(() => valueArb(properties[k]!, depth + 1, limits));
    return fc.record(record);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Overlays

/** A schema path: property names, and `*` for an array's items (the first element when applied). */
type Path = readonly string[];

/** A field of a schema: its path, and the schema of each prefix of the path (`schemas[i]` is at `path[0..i]`). */
interface Field {
  readonly path: Path;
  readonly schemas: readonly OpenApiSchema[];
}

/** Every field of `schema` up to `maxDepth` levels. */
function fieldsOf(schema: OpenApiSchema, maxDepth: number): Field[] {
  const out: Field[] = [];
  const walk = (s: OpenApiSchema, path: Path, schemas: readonly OpenApiSchema[]): void => {
    if (path.length > 0) out.push({ path, schemas });
    if (path.length >= maxDepth) return;
    if (s.type === 'array' && s.items !== undefined) walk(s.items, [...path, '*'], [...schemas, s.items]);
    for (const [k, child] of Object.entries(s.properties ?? {})) walk(child, [...path, k], [...schemas, child]);
  };
  walk(schema, [], []);
  return out;
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** The value at `path` in `u` (`*` is the first element), or undefined. */
function getAt(u: unknown, path: Path): unknown {
  let cur = u;
  for (const seg of path) {
    if (seg === '*') cur = Array.isArray(cur) ? cur[0] : undefined;
    else cur = isRecord(cur) ? cur[seg] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** `base` with `value` at `path` (`*` is the first element; missing containers are created). */
function setAt(base: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (head === '*') {
    const arr = Array.isArray(base) ? base.slice() : [];
    arr[0] = setAt(arr[0], rest, value);
    return arr;
  }
  const obj = isRecord(base) ? { ...base } : {};
  obj[head!] = setAt(obj[head!], rest, value);
  return obj;
}

/**
 * `base` with one to three fields of `schema` set to hostile values. Paths start at the object's root
 * (`spec.strategy.canary.maxSurge`); `metadata`, `status`, `apiVersion` and `kind` are left alone. Where the
 * base lacks the object a field lives in, that whole object is generated (with its required fields), so the
 * result still has the shape the API server's schema demands.
 */
export function hostileOverlay(schema: OpenApiSchema, base: unknown, options: HostileOptions = {}): fc.Arbitrary<unknown> {
  const limits = { maxDepth: 3, maxOptional: options.maxOptional ?? 2 };
  const fields = fieldsOf(schema, options.maxDepth ?? 9).filter((f) => f.path[0] === 'spec' && f.path.length > 1);
  const change = fc.constantFrom(...fields).chain((f) => {
    // The first prefix of the path that the base lacks is generated whole; otherwise the field itself.
    let at = f.path.length - 1;
    for (let i = 1; i < f.path.length; i++) {
      if (getAt(base, f.path.slice(0, i)) === undefined) {
        at = i - 1;
        break;
      }
    }
    return valueArb(f.schemas[at]!, 0, limits).map((v) => [f.path.slice(0, at + 1), v] as const);
  });
  return fc.array(change, { minLength: 1, maxLength: 3 }).map((changes) => changes.reduce<unknown>((acc, [path, v]) => setAt(acc, path, v), base));
}

// ---------------------------------------------------------------------------------------------------------
// Plausible bases

const TEMPLATE = { metadata: { labels: { app: 'fuzz' } }, spec: { containers: [{ name: 'app', image: 'fuzz:1' }] } };

/**
 * Valid Rollouts to overlay: a basic canary, a traffic-routed canary (NGINX), a blue-green one, a canary and a
 * blue-green one with analyses (and an experiment) of the AnalysisTemplate `fuzz-template`.
 */
export const ROLLOUT_BASES: readonly unknown[] = [
  {
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'fuzz' } },
      template: TEMPLATE,
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '1s' } }] } },
    },
  },
  {
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'fuzz' } },
      template: TEMPLATE,
      strategy: {
        canary: {
          stableService: 'fuzz-stable',
          canaryService: 'fuzz-canary',
          trafficRouting: { nginx: { stableIngress: 'fuzz-ingress' } },
          steps: [{ setCanaryScale: { weight: 20 } }, { setWeight: 20 }, { pause: { duration: 1 } }, { setWeight: 60 }],
        },
      },
    },
  },
  {
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'fuzz' } },
      template: TEMPLATE,
      strategy: { blueGreen: { activeService: 'fuzz-active', previewService: 'fuzz-preview', autoPromotionSeconds: 1 } },
    },
  },
  {
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'fuzz' } },
      template: TEMPLATE,
      strategy: {
        canary: {
          analysis: { templates: [{ templateName: 'fuzz-template' }], startingStep: 1 },
          steps: [
            { setWeight: 50 },
            { analysis: { templates: [{ templateName: 'fuzz-template' }], args: [{ name: 'host', value: 'example.invalid' }] } },
            { experiment: { duration: '5s', templates: [{ name: 'exp', specRef: 'canary', replicas: 1 }], analyses: [{ name: 'a', templateName: 'fuzz-template' }] } },
          ],
        },
      },
    },
  },
  {
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'fuzz' } },
      template: TEMPLATE,
      strategy: {
        blueGreen: {
          activeService: 'fuzz-active',
          prePromotionAnalysis: { templates: [{ templateName: 'fuzz-template' }] },
          postPromotionAnalysis: { templates: [{ templateName: 'fuzz-template' }] },
        },
      },
    },
  },
];

const JOB_METRIC = {
  name: 'job',
  provider: { job: { spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'check', image: 'check:1' }] } } } } },
};

/** Valid analysis specs to overlay: a job metric, a web metric with limits and args. */
export const ANALYSIS_SPEC_BASES: readonly unknown[] = [
  { spec: { metrics: [JOB_METRIC] } },
  {
    spec: {
      args: [{ name: 'host', value: 'example.invalid' }],
      metrics: [{ name: 'web', interval: '1s', count: 2, failureLimit: 1, successCondition: 'result == 1', provider: { web: { url: 'http://{{args.host}}/', timeoutSeconds: 1 } } }],
      dryRun: [{ metricName: 'web' }],
    },
  },
];

/** A valid Experiment to overlay. */
export const EXPERIMENT_BASES: readonly unknown[] = [
  {
    spec: {
      duration: '5s',
      templates: [{ name: 'baseline', replicas: 1, selector: { matchLabels: { app: 'fuzz-exp' } }, template: { metadata: { labels: { app: 'fuzz-exp' } }, spec: TEMPLATE.spec } }],
    },
  },
];

function hostileOf(kind: HostileKind, bases: readonly unknown[], options: HostileOptions): fc.Arbitrary<Record<string, unknown>> {
  const schema = crdSchema(kind);
  const specSchema = schema.properties?.['spec'];
  const whole = specSchema === undefined ? fc.constant({}) : schemaArbitrary(specSchema, options).map((spec) => ({ spec }));
  return fc
    .oneof({ weight: 3, arbitrary: fc.constantFrom(...bases).chain((b) => hostileOverlay(schema, b, options)) }, { weight: 1, arbitrary: whole })
    .map((o) => ({ apiVersion: 'argoproj.io/v1alpha1', kind, ...(isRecord(o) ? o : {}) }));
}

/** Hostile Rollouts (no metadata: the caller names them). */
export const hostileRollout = (options: HostileOptions = {}) => hostileOf('Rollout', ROLLOUT_BASES, options);
/** Hostile AnalysisTemplates. */
export const hostileAnalysisTemplate = (options: HostileOptions = {}) => hostileOf('AnalysisTemplate', ANALYSIS_SPEC_BASES, options);
/** Hostile AnalysisRuns. */
export const hostileAnalysisRun = (options: HostileOptions = {}) => hostileOf('AnalysisRun', ANALYSIS_SPEC_BASES, options);
/** Hostile Experiments. */
export const hostileExperiment = (options: HostileOptions = {}) => hostileOf('Experiment', EXPERIMENT_BASES, options);
