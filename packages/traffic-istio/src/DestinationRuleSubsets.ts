/**
 * Subset-level splits: the canary and stable subsets of an Istio DestinationRule select pods by
 * `rollouts-pod-template-hash`, and the rule is marked with the Rollout that manages it. Pure functions over
 * the object's JSON; every other subset and field is left as it is.
 */
import { MANAGED_BY_ROLLOUTS_ANNOTATION, POD_TEMPLATE_HASH_LABEL, type IstioDestinationRule } from '@rollouts/api';
import type { KubeObject } from '@rollouts/plugin-sdk';

type JsonObject = Record<string, unknown>;
const isObj = (u: unknown): u is JsonObject => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * `rule` with the canary subset's hash label set to `canaryHash` and the stable one's to `stableHash` (an
 * empty hash leaves that subset as it is) and the managed-by annotation set to `rollout`; or a message when a
 * subset is missing or another Rollout manages the rule.
 */
export function labelSubsets(rule: KubeObject, config: IstioDestinationRule, rollout: string, canaryHash: string, stableHash: string): KubeObject | string {
  const owner = rule.metadata.annotations?.[MANAGED_BY_ROLLOUTS_ANNOTATION];
  if (owner !== undefined && owner !== rollout) return `it is managed by Rollout '${owner}'`;
  const spec = isObj(rule['spec']) ? rule['spec'] : {};
  const subsets = Array.isArray(spec['subsets']) ? (spec['subsets'] as unknown[]) : [];
  const wanted = new Map<string, string>();
  if (canaryHash !== '') wanted.set(config.canarySubsetName, canaryHash);
  if (stableHash !== '') wanted.set(config.stableSubsetName, stableHash);
  for (const name of [config.canarySubsetName, config.stableSubsetName]) {
    if (!subsets.some((s) => isObj(s) && s['name'] === name)) return `subset '${name}' not found`;
  }
  const next = subsets.map((s) => {
    if (!isObj(s) || typeof s['name'] !== 'string') return s;
    const hash = wanted.get(s['name']);
    if (hash === undefined) return s;
    const labels = isObj(s['labels']) ? s['labels'] : {};
    return { ...s, labels: { ...labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
  });
  return {
    ...rule,
    metadata: { ...rule.metadata, annotations: { ...(rule.metadata.annotations ?? {}), [MANAGED_BY_ROLLOUTS_ANNOTATION]: rollout } },
    spec: { ...spec, subsets: next },
  };
}
