/**
 * Field coverage against upstream: every property path of upstream Argo Rollouts' CRD schemas must be known to
 * our codecs (or be listed below as a deliberate gap, with the reason), and where both sides declare a type,
 * the types must agree. A manifest written for Argo Rollouts must therefore decode with our codecs and keep
 * every field it sets.
 *
 * Upstream CRDs are read from the shared reference checkout; when it is absent the check is skipped (one line
 * says so) rather than failing, since it is not part of this repository.
 *
 * Paths use the notation of `schemaPaths`: `a.b` for properties, `a[]` for array items, `a{}` for map values.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import {
  AnalysisRun,
  AnalysisTemplate,
  ClusterAnalysisTemplate,
  Container,
  EphemeralContainer,
  Experiment,
  json,
  nodeAt,
  ObjectMeta,
  partial,
  PodSpec,
  PodTemplateSpec,
  Rollout,
  string,
  struct,
  type Codec,
  type SchemaNode,
} from '@rollouts/api';

const UPSTREAM = path.resolve(__dirname, '../../../../shared/reference/argo-rollouts/crds');

/** The upstream schema shape we read (a subset of JSONSchemaProps). */
interface UpstreamSchema {
  type?: string;
  format?: string;
  properties?: Record<string, UpstreamSchema>;
  items?: UpstreamSchema;
  additionalProperties?: UpstreamSchema | boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

interface Subject {
  readonly kind: string;
  readonly file: string;
  readonly codec: Codec<any>;
  /** Paths of the embedded pod templates: their `.spec` subtrees are checked by key only, below. */
  readonly podTemplates: readonly string[];
}

const JOB_TEMPLATE = 'spec.metrics[].provider.job.spec.template';
const SUBJECTS: readonly Subject[] = [
  { kind: 'Rollout', file: 'rollout-crd.yaml', codec: Rollout, podTemplates: ['spec.template'] },
  { kind: 'AnalysisTemplate', file: 'analysis-template-crd.yaml', codec: AnalysisTemplate, podTemplates: [JOB_TEMPLATE] },
  { kind: 'ClusterAnalysisTemplate', file: 'cluster-analysis-template-crd.yaml', codec: ClusterAnalysisTemplate, podTemplates: [JOB_TEMPLATE] },
  { kind: 'AnalysisRun', file: 'analysis-run-crd.yaml', codec: AnalysisRun, podTemplates: [JOB_TEMPLATE] },
  { kind: 'Experiment', file: 'experiment-crd.yaml', codec: Experiment, podTemplates: ['spec.templates[].template'] },
];

/**
 * Upstream paths our codecs deliberately do not know, by kind: path -> reason. An entry also covers everything
 * under its path. The test fails when an entry is no longer needed, so the table cannot rot.
 */
const DELIBERATE_GAPS: Readonly<Record<string, Readonly<Record<string, string>>>> = {};

/**
 * Upstream paths where our type deliberately differs, by kind: path -> reason. Also checked for staleness.
 */
const DELIBERATE_TYPE_DIFFERENCES: Readonly<Record<string, Readonly<Record<string, string>>>> = {};

/**
 * Keys of the upstream pod template `spec` and container items that our PodSpec / Container codecs
 * deliberately do not know: key -> reason.
 */
const DELIBERATE_POD_GAPS: Readonly<Record<string, string>> = {};

// ---------------------------------------------------------------------------------------------------------

/** The type as both sides can express it; `any` agrees with everything. */
type Shape = 'string' | 'integer:int32' | 'integer:int64' | 'integer' | 'number' | 'boolean' | 'int-or-string' | 'object' | 'array' | 'any';

function upstreamShape(s: UpstreamSchema): Shape {
  if (s['x-kubernetes-int-or-string'] === true) return 'int-or-string';
  if (s.type === undefined) return 'any';
  if (s.type === 'integer') return s.format === 'int32' || s.format === 'int64' ? `integer:${s.format}` : 'integer';
  return s.type as Shape;
}

function ourShape(n: SchemaNode): Shape {
  switch (n.type) {
    case 'integer':
      return `integer:${n.format}`;
    case 'quantity':
      return 'int-or-string';
    case 'map':
      return 'object';
    default:
      return n.type;
  }
}

const shapesAgree = (up: Shape, ours: Shape): boolean =>
  up === 'any' || ours === 'any' || up === ours || (up === 'integer' && ours.startsWith('integer:'));

/** Every property path of an upstream schema with its node, children after parents. */
function upstreamPaths(schema: UpstreamSchema, prefix = ''): Array<[string, UpstreamSchema]> {
  const out: Array<[string, UpstreamSchema]> = prefix === '' ? [] : [[prefix, schema]];
  for (const [k, v] of Object.entries(schema.properties ?? {})) out.push(...upstreamPaths(v, prefix === '' ? k : `${prefix}.${k}`));
  if (schema.items !== undefined) out.push(...upstreamPaths(schema.items, `${prefix}[]`));
  if (typeof schema.additionalProperties === 'object') out.push(...upstreamPaths(schema.additionalProperties, `${prefix}{}`));
  return out;
}

/** `a.b[].c{}` -> its proper prefixes, longest first: `a.b[]`, `a.b`, `a`. */
function prefixes(p: string): string[] {
  const out: string[] = [];
  for (let i = p.length - 1; i > 0; i--) {
    const c = p[i];
    if (c === '.' || ((c === '[' || c === '{') && p[i - 1] !== '.')) out.push(p.slice(0, i));
  }
  return out;
}

/** Known: the path resolves in our schema, or lies under a node that accepts any JSON. */
function isKnown(root: SchemaNode, p: string): boolean {
  if (nodeAt(root, p) !== undefined) return true;
  return prefixes(p).some((q) => nodeAt(root, q)?.type === 'any');
}

const underAny = (root: SchemaNode, p: string): boolean => prefixes(p).some((q) => nodeAt(root, q)?.type === 'any');

/** The entry of `table` covering `p` (the path itself or a prefix), if any. */
const coveringEntry = (table: Readonly<Record<string, string>>, p: string): string | undefined => [p, ...prefixes(p)].find((q) => q in table);

interface Coverage {
  readonly total: number;
  readonly known: number;
  readonly unknown: readonly string[];
  readonly mismatches: readonly string[];
  readonly usedGaps: ReadonlySet<string>;
  readonly usedTypeDifferences: ReadonlySet<string>;
}

function coverage(subject: Subject, schema: UpstreamSchema): Coverage {
  const root = subject.codec.node;
  const gaps = DELIBERATE_GAPS[subject.kind] ?? {};
  const typeDifferences = DELIBERATE_TYPE_DIFFERENCES[subject.kind] ?? {};
  const skipped = (p: string) => p.startsWith('metadata.') || p.startsWith('metadata{') || subject.podTemplates.some((t) => p.startsWith(`${t}.spec.`) || p.startsWith(`${t}.spec[`));
  const paths = upstreamPaths(schema).filter(([p]) => !skipped(p));
  const unknown: string[] = [];
  const mismatches: string[] = [];
  const usedGaps = new Set<string>();
  const usedTypeDifferences = new Set<string>();
  let known = 0;
  for (const [p, up] of paths) {
    if (!isKnown(root, p)) {
      const gap = coveringEntry(gaps, p);
      if (gap === undefined) unknown.push(p);
      else usedGaps.add(gap);
      continue;
    }
    known++;
    const ours = nodeAt(root, p);
    if (ours === undefined || underAny(root, p)) continue;
    if (!shapesAgree(upstreamShape(up), ourShape(ours))) {
      if (p in typeDifferences) usedTypeDifferences.add(p);
      else mismatches.push(`${p}: upstream ${upstreamShape(up)}, ours ${ourShape(ours)}`);
    }
  }
  return { total: paths.length, known, unknown, mismatches, usedGaps, usedTypeDifferences };
}

const readUpstream = (file: string): UpstreamSchema =>
  (YAML.parse(fs.readFileSync(path.join(UPSTREAM, file), 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: UpstreamSchema } }> } }).spec.versions[0]!.schema
    .openAPIV3Schema;

/** The upstream schema at a path (same notation), or undefined. */
function upstreamAt(schema: UpstreamSchema, p: string): UpstreamSchema | undefined {
  const found = upstreamPaths(schema).find(([q]) => q === p);
  return found?.[1];
}

// ---------------------------------------------------------------------------------------------------------

if (!fs.existsSync(UPSTREAM)) {
  test('upstream CRDs', () => {
    console.log(`field coverage: upstream compatibility check skipped, ${UPSTREAM} not found`);
  });
} else {
  const upstream = new Map(SUBJECTS.map((s) => [s.kind, readUpstream(s.file)]));

  describe.each(SUBJECTS.map((s) => [s.kind, s] as const))('%s', (kind, subject) => {
    const result = coverage(subject, upstream.get(kind)!);

    test('every upstream path is known to our codec or is a deliberate gap', () => {
      const pct = result.total === 0 ? 100 : (100 * result.known) / result.total;
      console.log(`coverage ${kind}: ${result.known}/${result.total} paths (${pct.toFixed(1)}%)`);
      expect(result.total).toBeGreaterThan(20);
      expect(result.unknown).toEqual([]);
    });

    test('the types agree where both sides declare one', () => {
      expect(result.mismatches).toEqual([]);
    });

    test('every deliberate gap and type difference is still needed', () => {
      expect(Object.keys(DELIBERATE_GAPS[kind] ?? {}).filter((p) => !result.usedGaps.has(p))).toEqual([]);
      expect(Object.keys(DELIBERATE_TYPE_DIFFERENCES[kind] ?? {}).filter((p) => !result.usedTypeDifferences.has(p))).toEqual([]);
    });

    test.each(subject.podTemplates.map((t) => [t]))('the keys of the pod template at %s are known to PodSpec and Container', (template) => {
      const spec = upstreamAt(upstream.get(kind)!, `${template}.spec`);
      expect(spec?.properties).toBeDefined();
      const missing: string[] = [];
      const check = (where: string, keys: string[], ours: SchemaNode) => {
        for (const key of keys) if (!(ours.type === 'object' && key in ours.properties) && !(key in DELIBERATE_POD_GAPS)) missing.push(`${where}.${key}`);
      };
      check('PodSpec', Object.keys(spec!.properties!), PodSpec.node);
      for (const [list, codec] of [
        ['containers', Container],
        ['initContainers', Container],
        ['ephemeralContainers', EphemeralContainer],
      ] as const) {
        const items = spec!.properties![list]?.items?.properties;
        expect(items).toBeDefined();
        check(`${list}[]`, Object.keys(items!), codec.node);
      }
      expect(missing).toEqual([]);
    });

    test.each(subject.podTemplates.map((t) => [t]))('the types of the pod template keys at %s agree', (template) => {
      const spec = upstreamAt(upstream.get(kind)!, `${template}.spec`)!;
      const mismatches: string[] = [];
      const compare = (where: string, props: Record<string, UpstreamSchema>, ours: SchemaNode) => {
        if (ours.type !== 'object') return;
        for (const [key, up] of Object.entries(props)) {
          const node = ours.properties[key]?.node;
          if (node !== undefined && !shapesAgree(upstreamShape(up), ourShape(node))) mismatches.push(`${where}.${key}: upstream ${upstreamShape(up)}, ours ${ourShape(node)}`);
        }
      };
      compare('PodSpec', spec.properties ?? {}, PodSpec.node);
      compare('containers[]', spec.properties?.['containers']?.items?.properties ?? {}, Container.node);
      compare('initContainers[]', spec.properties?.['initContainers']?.items?.properties ?? {}, Container.node);
      compare('ephemeralContainers[]', spec.properties?.['ephemeralContainers']?.items?.properties ?? {}, EphemeralContainer.node);
      expect(mismatches).toEqual([]);
    });
  });

  test('every deliberate pod-template gap is still needed', () => {
    const upstreamKeys = new Set<string>();
    for (const s of SUBJECTS)
      for (const t of s.podTemplates) {
        const spec = upstreamAt(upstream.get(s.kind)!, `${t}.spec`);
        for (const k of Object.keys(spec?.properties ?? {})) upstreamKeys.add(k);
        for (const list of ['containers', 'initContainers', 'ephemeralContainers'])
          for (const k of Object.keys(spec?.properties?.[list]?.items?.properties ?? {})) upstreamKeys.add(k);
      }
    const known = new Set([PodSpec, Container, EphemeralContainer].flatMap((c) => (c.node.type === 'object' ? Object.keys(c.node.properties) : [])));
    expect(Object.keys(DELIBERATE_POD_GAPS).filter((k) => !upstreamKeys.has(k) || known.has(k))).toEqual([]);
  });

  describe('the checker itself', () => {
    const ours = Rollout.node;
    test.each([
      ['spec.strategy.canary.steps[].setWeight', true],
      ['spec.strategy.canary.steps[].setWieght', false],
      ['spec.selector.matchLabels{}', true],
      ['spec.strategy.canary.trafficRouting.plugins.my-org/plugin.anything', true],
      ['spec.strategy.canary.steps[].plugin.config.deep[].x', true],
      ['status.nope', false],
    ])('%s known: %s', (p, expected) => {
      expect(isKnown(ours, p)).toBe(expected);
    });

    test.each<[Shape, Shape, boolean]>([
      ['integer:int32', 'integer:int32', true],
      ['integer:int64', 'integer:int32', false],
      ['integer', 'integer:int64', true],
      ['string', 'int-or-string', false],
      ['int-or-string', 'int-or-string', true],
      ['boolean', 'string', false],
      ['object', 'any', true],
      ['any', 'string', true],
    ])('upstream %s vs ours %s agree: %s', (up, o, expected) => {
      expect(shapesAgree(up, o)).toBe(expected);
    });

    test('a codec that lacks fields or types them differently is caught', () => {
      const broken = struct('Broken', { spec: partial('BrokenSpec', { replicas: string(), selector: json(), template: PodTemplateSpec }) }, { metadata: ObjectMeta });
      const result = coverage({ kind: 'Broken', file: 'rollout-crd.yaml', codec: broken, podTemplates: ['spec.template'] }, upstream.get('Rollout')!);
      expect(result.unknown).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'status', 'status.phase', 'spec.strategy', 'spec.strategy.canary.steps[].setWeight']));
      expect(result.unknown.filter((p) => p.startsWith('spec.selector') || p.startsWith('spec.template') || p.startsWith('metadata'))).toEqual([]);
      expect(result.mismatches).toEqual(['spec.replicas: upstream integer:int32, ours string']);
      expect(result.known + result.unknown.length).toBe(result.total);
    });

    test('prefixes', () => {
      expect(prefixes('a.b[].c{}')).toEqual(['a.b[].c', 'a.b[]', 'a.b', 'a']);
    });
  });
}
