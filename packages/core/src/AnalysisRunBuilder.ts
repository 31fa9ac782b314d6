/**
 * Building the AnalysisRun a Rollout step (or background analysis) asks for, from the referenced
 * (Cluster)AnalysisTemplates and the Rollout's arguments. Errors are values with Argo's messages.
 */
import * as E from 'fp-ts/lib/Either';
import type {
  AnalysisRun,
  AnalysisTemplate,
  AnalysisTemplateSpec,
  Argument,
  ClusterAnalysisTemplate,
  DryRun,
  MeasurementRetention,
  Metric,
  Rollout,
  RolloutAnalysis,
  RolloutAnalysisArgument,
} from '@rollouts/api';

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

interface Flattened {
  metrics: Metric[];
  args: Argument[];
  dryRun: DryRun[];
  measurementRetention: MeasurementRetention[];
}

/** Flatten one template and the templates it composes (`spec.templates`), depth first, cycles refused. */
function flatten(
  ref: { templateName?: string | null; clusterScope?: boolean | null },
  req: AnalysisRunRequest,
  seen: ReadonlySet<string>,
): E.Either<string, Flattened> {
  const name = ref.templateName ?? '';
  const key = `${ref.clusterScope === true ? 'cluster' : 'ns'}/${name}`;
  if (seen.has(key)) return E.left(`template ${JSON.stringify(name)} includes itself`);
  const found = ref.clusterScope === true ? req.clusterTemplates.find((t) => t.metadata?.name === name) : req.templates.find((t) => t.metadata?.name === name);
  if (found === undefined) return E.left(ref.clusterScope === true ? `ClusterAnalysisTemplate '${name}' not found` : `AnalysisTemplate '${name}' not found`);
  const spec: AnalysisTemplateSpec = found.spec;
  const out: Flattened = { metrics: [], args: [], dryRun: [], measurementRetention: [] };
  for (const nested of spec.templates ?? []) {
    const r = flatten(nested, req, new Set([...seen, key]));
    if (E.isLeft(r)) return r;
    out.metrics.push(...r.right.metrics);
    out.args.push(...r.right.args);
    out.dryRun.push(...r.right.dryRun);
    out.measurementRetention.push(...r.right.measurementRetention);
  }
  out.metrics.push(...(spec.metrics ?? []));
  out.args.push(...(spec.args ?? []));
  out.dryRun.push(...(spec.dryRun ?? []));
  out.measurementRetention.push(...(spec.measurementRetention ?? []));
  return E.right(out);
}

/** Resolve a Rollout argument's `valueFrom` (pod hash or a field of the Rollout). */
function resolveRolloutArg(arg: RolloutAnalysisArgument, req: AnalysisRunRequest): E.Either<string, string | undefined> {
  if (arg.value != null) return E.right(arg.value);
  const from = arg.valueFrom;
  if (from == null) return E.right(undefined);
  if (from.podTemplateHashValue != null) {
    if (from.podTemplateHashValue === 'Stable') return E.right(req.stablePodHash);
    if (from.podTemplateHashValue === 'Latest') return E.right(req.latestPodHash);
    return E.left(`arg ${JSON.stringify(arg.name)}: podTemplateHashValue must be Stable or Latest, got ${JSON.stringify(from.podTemplateHashValue)}`);
  }
  if (from.fieldRef != null) {
    const v = fieldOf(req.rollout, from.fieldRef.fieldPath);
    if (v === undefined) return E.left(`arg ${JSON.stringify(arg.name)}: fieldPath ${JSON.stringify(from.fieldRef.fieldPath)} not found in the Rollout`);
    return E.right(v);
  }
  return E.right(undefined);
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

/** The AnalysisRun for a request, or Argo's error message. */
export function buildAnalysisRun(req: AnalysisRunRequest): E.Either<string, AnalysisRun> {
  const merged: Flattened = { metrics: [], args: [], dryRun: [], measurementRetention: [] };
  for (const ref of req.analysis.templates ?? []) {
    const r = flatten(ref, req, new Set());
    if (E.isLeft(r)) return r;
    merged.metrics.push(...r.right.metrics);
    merged.args.push(...r.right.args);
    merged.dryRun.push(...r.right.dryRun);
    merged.measurementRetention.push(...r.right.measurementRetention);
  }
  const metricNames = new Set<string>();
  for (const m of merged.metrics) {
    if (metricNames.has(m.name)) return E.left(`two metrics have the same name '${m.name}'`);
    metricNames.add(m.name);
  }
  // Template arguments, deduplicated: the same name twice with different values is an error.
  const args = new Map<string, Argument>();
  for (const a of merged.args) {
    const prev = args.get(a.name);
    if (prev === undefined) args.set(a.name, a);
    else if (prev.value != null && a.value != null && prev.value !== a.value)
      return E.left(`Argument \`${a.name}\` specified multiple times with different values: '${prev.value}', '${a.value}'`);
    else if (prev.value == null && prev.valueFrom == null) args.set(a.name, a);
  }
  // The Rollout's arguments override by name; names the templates do not declare are ignored, as upstream.
  for (const ra of req.analysis.args ?? []) {
    const declared = args.get(ra.name);
    if (declared === undefined) continue;
    const v = resolveRolloutArg(ra, req);
    if (E.isLeft(v)) return v;
    if (v.right !== undefined) args.set(ra.name, { name: ra.name, value: v.right });
  }
  for (const a of args.values()) {
    if (a.value == null && a.valueFrom == null) return E.left(`args.${a.name} was not resolved`);
  }
  const dryRun = [...merged.dryRun, ...(req.analysis.dryRun ?? [])];
  const retention = [...merged.measurementRetention, ...(req.analysis.measurementRetention ?? [])];
  const run: AnalysisRun = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: {
      name: req.name,
      ...(req.rollout.metadata?.namespace != null ? { namespace: req.rollout.metadata.namespace } : {}),
      labels: { ...(req.analysis.analysisRunMetadata?.labels ?? {}), ...req.labels },
      annotations: { ...(req.analysis.analysisRunMetadata?.annotations ?? {}), ...req.annotations },
      ...(req.rollout.metadata?.uid != null
        ? { ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: req.rollout.metadata?.name ?? '', uid: req.rollout.metadata.uid, controller: true, blockOwnerDeletion: true }] }
        : {}),
    },
    spec: {
      metrics: merged.metrics,
      ...(args.size > 0 ? { args: [...args.values()] } : {}),
      ...(dryRun.length > 0 ? { dryRun } : {}),
      ...(retention.length > 0 ? { measurementRetention: retention } : {}),
    },
  };
  return E.right(run);
}
