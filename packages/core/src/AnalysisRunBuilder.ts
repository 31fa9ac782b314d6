/**
 * Building the AnalysisRun a Rollout step (or background analysis) asks for, from the referenced
 * (Cluster)AnalysisTemplates and the Rollout's arguments, as upstream does (validation catalogue §7.1).
 * Errors are values with Argo's messages; the first error wins.
 *
 * 1. The Rollout's arguments are resolved to values: `value` (absent counts as `""`), `podTemplateHashValue`
 *    (Stable / Latest), or `fieldRef` (`metadata.*` as the downward API reads it, any other path from the
 *    Rollout's JSON).
 * 2. Templates are collected: each reference, then the templates it composes (`spec.templates`), depth
 *    first; namespaced and cluster templates are kept apart and each list is deduplicated by name (first
 *    kept). A missing template fails (`AnalysisTemplate '<name>' not found`); a template that includes
 *    itself fails too (upstream recurses forever).
 * 3. Flattening, namespaced templates first, then cluster templates: metrics (a repeated name →
 *    `two metrics have the same name '<name>'`), dryRun rules (`two Dry-Run metric rules have the same name
 *    '<name>'`), measurementRetention rules (`two Measurement Retention metric rules have the same name
 *    '<name>'`), then arguments (the same name with two different values → ``Argument `<name>` specified
 *    multiple times with different values: '<a>', '<b>'``; otherwise the first value is kept).
 * 4. The Rollout's arguments are merged by name into the declared ones (undeclared names are ignored); every
 *    declared argument then needs a value or a valueFrom (`args.<name> was not resolved`). An argument whose
 *    value comes from a Secret (`valueFrom.secretKeyRef`) stays a reference: the run controller reads the
 *    Secret when it measures, so the secret never lands in the run.
 * 5. The Rollout's dryRun and measurementRetention rules are appended, and duplicates checked again.
 */
import * as E from 'fp-ts/lib/Either';
import type {
  AnalysisRun,
  AnalysisTemplate,
  AnalysisTemplateRef,
  Argument,
  ClusterAnalysisTemplate,
  DryRun,
  MeasurementRetention,
  Metric,
  Rollout,
  RolloutAnalysis,
  RolloutAnalysisArgument,
} from '@rollouts/api';
import { mergedMaps, withField } from './internal/Records';

export interface AnalysisRunRequest {
  readonly rollout: Rollout;
  readonly analysis: RolloutAnalysis;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly templates: ReadonlyArray<AnalysisTemplate>;
  readonly clusterTemplates: ReadonlyArray<ClusterAnalysisTemplate>;
  readonly stablePodHash: string;
  readonly latestPodHash: string;
}

// ---------------------------------------------------------------------------------------------------------
// Rollout arguments

/** Go's `%q` for the plain strings met here. */
const goQuote = (s: string): string => JSON.stringify(s);

/** `metadata.labels['app']` → `['metadata.labels', 'app']`, as k8s `SplitMaybeSubscriptedPath` does. */
function splitSubscript(fieldPath: string): [string, string] | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const open = fieldPath.indexOf("['");
  if (open < 0) return undefined;
  return [fieldPath.slice(0, open), fieldPath.slice(open + 2, -2)];
}

/** A label or annotation map as the downward API prints it: sorted `key="value"` lines. */
const formatMap = (m: Readonly<Record<string, string>> | null | undefined): string =>
  Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote((m ?? {})[k] ?? '')}`)
    .join('\n');

/**
 * A `metadata.*` fieldPath of an object, as the Kubernetes downward API reads it (`metadata.name`,
 * `metadata.namespace`, `metadata.uid`, `metadata.labels`, `metadata.annotations`, and one key of the last
 * two as `metadata.labels['k']`). An absent key reads as `""`. Other paths fail as upstream's do.
 */
export function metadataFieldOf(obj: { metadata?: { name?: string | null; namespace?: string | null; uid?: string | null; labels?: Readonly<Record<string, string>> | null; annotations?: Readonly<Record<string, string>> | null } | null }, fieldPath: string): E.Either<string, string> {
  const md = obj.metadata ?? {};
  const sub = splitSubscript(fieldPath);
  if (sub !== undefined) {
    const [path, key] = sub;
    if (path === 'metadata.annotations') return E.right(md.annotations?.[key] ?? '');
    if (path === 'metadata.labels') return E.right(md.labels?.[key] ?? '');
    return E.left(`fieldPath ${goQuote(fieldPath)} does not support subscript`);
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return E.right(formatMap(md.annotations));
    case 'metadata.labels':
      return E.right(formatMap(md.labels));
    case 'metadata.name':
      return E.right(md.name ?? '');
    case 'metadata.namespace':
      return E.right(md.namespace ?? '');
    case 'metadata.uid':
      return E.right(md.uid ?? '');
    default:
      return E.left(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** Resolve a Rollout argument to its value (pod hash, a field of the Rollout, or its literal value). */
function resolveRolloutArg(arg: RolloutAnalysisArgument, req: AnalysisRunRequest): E.Either<string, string> {
  const from = arg.valueFrom;
  if (from == null) return E.right(arg.value ?? '');
  if (from.podTemplateHashValue != null) {
    if (from.podTemplateHashValue === 'Stable') return E.right(req.stablePodHash);
    if (from.podTemplateHashValue === 'Latest') return E.right(req.latestPodHash);
    return E.left(`arg ${goQuote(arg.name)}: podTemplateHashValue must be Stable or Latest, got ${goQuote(from.podTemplateHashValue)}`);
  }
  if (from.fieldRef != null) return rolloutFieldRefValue(req.rollout, arg.name, from.fieldRef.fieldPath);
  return E.right(arg.value ?? '');
}

/**
 * The value of a Rollout argument's `valueFrom.fieldRef`: `metadata.*` as the downward API reads it, any other
 * path from the Rollout's JSON; a path that leads nowhere is an error, never an empty value.
 */
export function rolloutFieldRefValue(rollout: Rollout, argName: string, fieldPath: string): E.Either<string, string> {
  if (fieldPath.startsWith('metadata')) return metadataFieldOf(rollout, fieldPath);
  const v = fieldOf(rollout, fieldPath);
  if (v === undefined) return E.left(`arg ${goQuote(argName)}: fieldPath ${goQuote(fieldPath)} not found in the Rollout`);
  return E.right(v);
}

/** `metadata.labels['app']`, `spec.template.spec.containers[0].image` style paths into the Rollout. */
export function fieldOf(obj: unknown, fieldPath: string): string | undefined {
  const segs: Array<string | number> = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g;
  for (const m of fieldPath.matchAll(re)) {
    if (m[1] !== undefined) segs.push(m[1]);
    else if (m[2] !== undefined) segs.push(Number(m[2]));
    else segs.push(m[3] ?? m[4] ?? '');
  }
  let cur: unknown = obj;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

// ---------------------------------------------------------------------------------------------------------
// Templates

interface Collected {
  readonly templates: AnalysisTemplate[];
  readonly clusterTemplates: ClusterAnalysisTemplate[];
}

/** Each reference, then the templates it composes, depth first (upstream's getAnalysisTemplatesFromRefs). */
function collect(refs: ReadonlyArray<AnalysisTemplateRef>, req: AnalysisRunRequest, stack: ReadonlyArray<string>, out: Collected): E.Either<string, void> {
  for (const ref of refs) {
    const name = ref.templateName ?? '';
    const cluster = ref.clusterScope === true;
    const key = `${cluster ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate'} '${name}'`;
    if (stack.includes(key)) return E.left(`${key} includes itself: ${[...stack, key].join(' -> ')}`);
    const found = cluster ? req.clusterTemplates.find((t) => t.metadata?.name === name) : req.templates.find((t) => t.metadata?.name === name);
    if (found === undefined) return E.left(`${key} not found`);
    if (cluster) out.clusterTemplates.push(found);
    else out.templates.push(found);
    const nested = collect(found.spec.templates ?? [], req, [...stack, key], out);
    if (E.isLeft(nested)) return nested;
  }
  return E.right(undefined);
}

function uniqueByName<T extends { metadata?: { name?: string | null } | null }>(ts: ReadonlyArray<T>): T[] {
  const seen = new Set<string>();
  return ts.filter((t) => {
    const n = t.metadata?.name ?? '';
    if (seen.has(n)) return false;
    seen.add(n);
    return true;
  });
}

function firstDuplicate(names: ReadonlyArray<string>): string | undefined {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) return n;
    seen.add(n);
  }
  return undefined;
}

const dryRunDuplicate = (rules: ReadonlyArray<DryRun>): string | undefined => {
  const d = firstDuplicate(rules.map((r) => r.metricName));
  return d === undefined ? undefined : `two Dry-Run metric rules have the same name '${d}'`;
};

const retentionDuplicate = (rules: ReadonlyArray<MeasurementRetention>): string | undefined => {
  const d = firstDuplicate(rules.map((r) => r.metricName));
  return d === undefined ? undefined : `two Measurement Retention metric rules have the same name '${d}'`;
};

/** Template arguments by name: the first value wins, two different values are an error. */
function flattenArgs(args: ReadonlyArray<Argument>): E.Either<string, Argument[]> {
  const out: Argument[] = [];
  for (const a of args) {
    const i = out.findIndex((x) => x.name === a.name);
    const existing = i >= 0 ? out[i] : undefined;
    if (existing === undefined) {
      out.push(a);
      continue;
    }
    if (existing.value != null && a.value != null && existing.value !== a.value) {
      return E.left(`Argument \`${a.name}\` specified multiple times with different values: '${existing.value}', '${a.value}'`);
    }
    if (existing.value == null && a.value != null) out[i] = withField(existing, 'value', a.value);
  }
  return E.right(out);
}

/** The lists `pick` gives for each item, one after the other (`flatMap` without its slow generic path). */
function gather<T, U>(items: readonly T[], pick: (item: T) => readonly U[] | null | undefined): U[] {
  const out: U[] = [];
  for (const item of items) {
    const list = pick(item);
    if (list != null) for (const x of list) out.push(x);
  }
  return out;
}

/** The AnalysisRun for a request, or Argo's error message. */
export function buildAnalysisRun(req: AnalysisRunRequest): E.Either<string, AnalysisRun> {
  // 1. The Rollout's arguments, all of them, before anything else (as upstream builds them first).
  const callerArgs: Array<{ name: string; value: string }> = [];
  for (const ra of req.analysis.args ?? []) {
    const v = resolveRolloutArg(ra, req);
    if (E.isLeft(v)) return v;
    callerArgs.push({ name: ra.name, value: v.right });
  }

  // 2. Templates.
  const collected: Collected = { templates: [], clusterTemplates: [] };
  const c = collect(req.analysis.templates ?? [], req, [], collected);
  if (E.isLeft(c)) return c;
  const specs = [...uniqueByName(collected.templates), ...uniqueByName(collected.clusterTemplates)].map((t) => t.spec);

  // 3. Flatten: metrics, dryRun, measurementRetention, args.
  const metrics: Metric[] = gather(specs, (s) => s.metrics);
  const dupMetric = firstDuplicate(metrics.map((m) => m.name));
  if (dupMetric !== undefined) return E.left(`two metrics have the same name '${dupMetric}'`);
  const templateDryRun = gather(specs, (s) => s.dryRun);
  const dupDry = dryRunDuplicate(templateDryRun);
  if (dupDry !== undefined) return E.left(dupDry);
  const templateRetention = gather(specs, (s) => s.measurementRetention);
  const dupRetention = retentionDuplicate(templateRetention);
  if (dupRetention !== undefined) return E.left(dupRetention);
  const flattened = flattenArgs(gather(specs, (s) => s.args));
  if (E.isLeft(flattened)) return flattened;

  // 4. Merge the Rollout's arguments into the declared ones; each then needs a value or a valueFrom.
  const args = flattened.right.map((a) => {
    const caller = callerArgs.filter((x) => x.name === a.name).pop();
    return caller === undefined ? a : withField(a, 'value', caller.value);
  });
  const unresolved = args.find((a) => a.value == null && a.valueFrom == null);
  if (unresolved !== undefined) return E.left(`args.${unresolved.name} was not resolved`);

  // 5. The Rollout's rules after the templates', checked again.
  const dryRun = [...templateDryRun, ...(req.analysis.dryRun ?? [])];
  const dupDry2 = dryRunDuplicate(dryRun);
  if (dupDry2 !== undefined) return E.left(dupDry2);
  const retention = [...templateRetention, ...(req.analysis.measurementRetention ?? [])];
  const dupRetention2 = retentionDuplicate(retention);
  if (dupRetention2 !== undefined) return E.left(dupRetention2);

  const run: AnalysisRun = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    // Fixed shapes (absent fields `undefined`, which JSON leaves out): no conditional spreads.
    metadata: {
      name: req.name,
      namespace: req.rollout.metadata?.namespace ?? undefined,
      labels: mergedMaps(req.analysis.analysisRunMetadata?.labels, req.labels),
      annotations: mergedMaps(req.analysis.analysisRunMetadata?.annotations, req.annotations),
      ownerReferences:
        req.rollout.metadata?.uid != null
          ? [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: req.rollout.metadata?.name ?? '', uid: req.rollout.metadata.uid, controller: true, blockOwnerDeletion: true }]
          : undefined,
    },
    spec: {
      metrics,
      args: args.length > 0 ? args : undefined,
      dryRun: dryRun.length > 0 ? dryRun : undefined,
      measurementRetention: retention.length > 0 ? retention : undefined,
    },
  };
  return E.right(run);
}
