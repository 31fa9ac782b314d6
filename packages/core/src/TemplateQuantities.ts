/**
 * Resource quantities that do not parse, in a Rollout's pod template. Upstream decodes the template into Go types,
 * and Kubernetes' decoding drops what it cannot read: an unparseable quantity (`memory: invalid`) disappears from
 * its `requests` / `limits`, and an `ephemeralContainers` list with one disappears whole; the ReplicaSet is made
 * from what is left and the Rollout becomes Healthy (Argo's e2e TestMalformedRollout*). We do the same, but never
 * silently: {@link withoutUnparseableQuantities} names every field it drops, and the Rollout says so in an event.
 */
import * as E from 'fp-ts/lib/Either';
import { parseQuantity, type PodTemplateSpec } from '@rollouts/api';

export interface DroppedFields {
  /** The template to make ReplicaSets from (the same object when nothing was dropped). */
  readonly template: PodTemplateSpec;
  /** `spec.template.spec.containers[0].resources.requests.memory: "invalid"`, one per dropped field. */
  readonly dropped: ReadonlyArray<string>;
}

type Resources = { readonly requests?: Readonly<Record<string, unknown>> | null; readonly limits?: Readonly<Record<string, unknown>> | null } | null | undefined;
type Container = { readonly resources?: Resources } & Record<string, unknown>;

const unparseable = (q: unknown): boolean => (typeof q !== 'string' && typeof q !== 'number') || E.isLeft(parseQuantity(q));

function hasUnparseable(containers: ReadonlyArray<Container> | null | undefined): boolean {
  if (containers == null) return false;
  for (const c of containers) {
    const r = c.resources;
    if (r == null) continue;
    for (const m of [r.requests, r.limits]) if (m != null) for (const k in m) if (unparseable(m[k])) return true;
  }
  return false;
}

function cleaned(containers: ReadonlyArray<Container>, path: string, dropped: string[]): Container[] {
  return containers.map((c, i) => {
    const r = c.resources;
    if (r == null) return c;
    const next: Record<string, unknown> = { ...r };
    for (const kind of ['requests', 'limits'] as const) {
      const m = r[kind];
      if (m == null) continue;
      const kept: Record<string, unknown> = {};
      for (const k in m) {
        if (unparseable(m[k])) dropped.push(`${path}[${i}].resources.${kind}.${k}: ${JSON.stringify(m[k])}`);
        else kept[k] = m[k];
      }
      next[kind] = kept;
    }
    return { ...c, resources: next };
  });
}

const cache = new WeakMap<PodTemplateSpec, DroppedFields>();

/** The template without the quantities Kubernetes could not decode (see the module comment); memoized per object. */
export function withoutUnparseableQuantities(template: PodTemplateSpec): DroppedFields {
  const hit = cache.get(template);
  if (hit !== undefined) return hit;
  const spec = template.spec as { containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[] } | undefined;
  let out: DroppedFields = { template, dropped: [] };
  if (spec != null && (hasUnparseable(spec.containers) || hasUnparseable(spec.initContainers) || hasUnparseable(spec.ephemeralContainers))) {
    const dropped: string[] = [];
    const next: Record<string, unknown> = { ...spec };
    if (spec.containers != null) next['containers'] = cleaned(spec.containers, 'spec.template.spec.containers', dropped);
    if (spec.initContainers != null) next['initContainers'] = cleaned(spec.initContainers, 'spec.template.spec.initContainers', dropped);
    if (hasUnparseable(spec.ephemeralContainers)) {
      delete next['ephemeralContainers'];
      dropped.push(`spec.template.spec.ephemeralContainers: the list (one of its quantities does not parse)`);
    }
    out = { template: { ...template, spec: next as PodTemplateSpec['spec'] }, dropped };
  }
  cache.set(template, out);
  return out;
}
