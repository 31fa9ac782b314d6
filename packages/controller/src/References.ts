/**
 * The objects a Rollout refers to by name: its Services, analysis templates and `workloadRef`. The observer
 * reads them from the caches, and the reference index uses the same list to reconcile a Rollout when one of
 * them changes.
 */
import type { Rollout } from '@rollouts/api';

/** What a Rollout names, each list without duplicates. */
export interface RolloutReferences {
  readonly services: ReadonlyArray<string>;
  readonly analysisTemplates: ReadonlyArray<string>;
  readonly clusterAnalysisTemplates: ReadonlyArray<string>;
  /** Every template reference, in spec order (with duplicates). */
  readonly templateRefs: ReadonlyArray<TemplateRef>;
  /** The `workloadRef` target, when set. */
  readonly workload?: { readonly apiVersion: string; readonly kind: string; readonly name: string };
}

import type { TemplateRef } from './Templates';

const present = (s: string | null | undefined): s is string => s != null && s !== '';

/** The references of one Rollout spec. */
export function rolloutReferences(rollout: Rollout): RolloutReferences {
  const canary = rollout.spec.strategy?.canary;
  const bg = rollout.spec.strategy?.blueGreen;
  const services = [canary?.stableService, canary?.canaryService, canary?.pingPong?.pingService, canary?.pingPong?.pongService, bg?.activeService, bg?.previewService].filter(present);
  const refs: TemplateRef[] = [
    ...(canary?.analysis?.templates ?? []),
    ...(canary?.steps ?? []).flatMap((s) => [
      ...(s.analysis?.templates ?? []),
      ...(s.experiment?.analyses ?? []).map((a) => ({ templateName: a.templateName, clusterScope: a.clusterScope ?? null })),
    ]),
    ...(bg?.prePromotionAnalysis?.templates ?? []),
    ...(bg?.postPromotionAnalysis?.templates ?? []),
  ];
  const namespaced = refs.filter((r) => r.clusterScope !== true).map((r) => r.templateName).filter(present);
  const cluster = refs.filter((r) => r.clusterScope === true).map((r) => r.templateName).filter(present);
  const ref = rollout.spec.workloadRef;
  return {
    services: [...new Set(services)],
    analysisTemplates: [...new Set(namespaced)],
    clusterAnalysisTemplates: [...new Set(cluster)],
    templateRefs: refs,
    ...(ref != null && present(ref.name) ? { workload: { apiVersion: ref.apiVersion ?? 'apps/v1', kind: ref.kind ?? 'Deployment', name: ref.name } } : {}),
  };
}

/**
 * Which Rollouts name which object: `kind/namespace/name` -> Rollout keys (`namespace/name`). Kept up to date
 * from Rollout events, so a Service or template change reaches the Rollouts that use it without a scan.
 */
export class ReferenceIndex {
  private readonly byTarget = new Map<string, Set<string>>();
  private readonly byRollout = new Map<string, ReadonlyArray<string>>();

  /** Record what the Rollout at `key` references now (replacing what it referenced before). */
  set(key: string, rollout: Rollout): void {
    const ns = rollout.metadata?.namespace ?? '';
    const r = rolloutReferences(rollout);
    const targets = [
      ...r.services.map((n) => `Service/${ns}/${n}`),
      ...r.analysisTemplates.map((n) => `AnalysisTemplate/${ns}/${n}`),
      ...r.clusterAnalysisTemplates.map((n) => `ClusterAnalysisTemplate//${n}`),
      ...(r.workload !== undefined ? [`${r.workload.kind}/${ns}/${r.workload.name}`] : []),
    ];
    this.delete(key);
    this.byRollout.set(key, targets);
    for (const t of targets) {
      let set = this.byTarget.get(t);
      if (set === undefined) this.byTarget.set(t, (set = new Set()));
      set.add(key);
    }
  }

  /** Forget the Rollout at `key`. */
  delete(key: string): void {
    for (const t of this.byRollout.get(key) ?? []) {
      const set = this.byTarget.get(t);
      set?.delete(key);
      if (set?.size === 0) this.byTarget.delete(t);
    }
    this.byRollout.delete(key);
  }

  /** The Services (names) the Rollout at `key` references now. */
  servicesOf(key: string): ReadonlyArray<string> {
    const out: string[] = [];
    for (const t of this.byRollout.get(key) ?? []) if (t.startsWith('Service/')) out.push(t.slice(t.lastIndexOf('/') + 1));
    return out;
  }

  /** The Rollouts that reference `kind` `namespace/name` (namespace `''` for cluster-scoped kinds). */
  referrers(kind: string, namespace: string, name: string): ReadonlyArray<string> {
    return [...(this.byTarget.get(`${kind}/${namespace}/${name}`) ?? [])];
  }
}
