/**
 * The analysis templates a Rollout or Experiment references, and those they compose (`spec.templates`),
 * transitively, from the caches. Missing ones are simply absent: core reports them.
 */
import type { AnalysisTemplate, ClusterAnalysisTemplate } from '@rollouts/api';
import type { Logger } from '@rollouts/k8s';
import type { ClusterCache } from './ClusterCache';
import { decodeAnalysisTemplate, decodeClusterAnalysisTemplate, decodedAll } from './Decoding';

/** A reference to a template by name. */
export interface TemplateRef {
  readonly templateName?: string | null;
  readonly clusterScope?: boolean | null;
}

/** The referenced templates of namespace `namespace` and the cluster templates, each once. */
export function referencedTemplates(
  refs: ReadonlyArray<TemplateRef>,
  namespace: string,
  cache: ClusterCache,
  log: Logger,
): { analysisTemplates: AnalysisTemplate[]; clusterAnalysisTemplates: ClusterAnalysisTemplate[] } {
  const analysisTemplates: AnalysisTemplate[] = [];
  const clusterAnalysisTemplates: ClusterAnalysisTemplate[] = [];
  const seen = new Set<string>();
  const visit = (ref: TemplateRef): void => {
    const name = ref.templateName ?? '';
    if (name === '') return;
    const cluster = ref.clusterScope === true;
    const key = `${cluster ? 'cluster' : 'ns'}/${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (cluster) {
      const raw = cache.clusterAnalysisTemplates.get(undefined, name);
      const [t] = raw === undefined ? [] : decodedAll([raw], decodeClusterAnalysisTemplate, 'ClusterAnalysisTemplate', log);
      if (t === undefined) return;
      clusterAnalysisTemplates.push(t);
      for (const nested of t.spec.templates ?? []) visit(nested);
    } else {
      const raw = cache.analysisTemplates.get(namespace, name);
      const [t] = raw === undefined ? [] : decodedAll([raw], decodeAnalysisTemplate, 'AnalysisTemplate', log);
      if (t === undefined) return;
      analysisTemplates.push(t);
      for (const nested of t.spec.templates ?? []) visit(nested);
    }
  };
  for (const r of refs) visit(r);
  return { analysisTemplates, clusterAnalysisTemplates };
}
