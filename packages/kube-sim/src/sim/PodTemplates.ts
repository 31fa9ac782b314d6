/** Helpers the simulated controllers share: owner references, pod templates, template hashes, conditions. */
import { isRecord, KubeObject, OwnerReference } from '../store/KubeObject';
import { labelSelectorFromSpec, LabelSelector, matchesLabels } from '../selectors/LabelSelector';

type Rec = Record<string, unknown>;

/** A controller owner reference to `owner`. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The controller reference of an object, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

/** Whether `obj` is controlled by the object with `uid`. */
export function isControlledBy(obj: KubeObject, uid: string | undefined): boolean {
  return uid !== undefined && controllerOf(obj)?.uid === uid;
}

/** The selector of a workload's `spec.selector`, or undefined when absent or invalid. */
export function specSelector(obj: KubeObject): LabelSelector | undefined {
  const spec = obj['spec'];
  if (!isRecord(spec) || !isRecord(spec['selector'])) return undefined;
  try {
    return labelSelectorFromSpec(spec['selector'] as never);
  } catch {
    return undefined;
  }
}

/** Whether a pod matches a selector. */
export function selects(selector: LabelSelector, obj: KubeObject): boolean {
  return selector.requirements.length > 0 && matchesLabels(selector, obj.metadata.labels);
}

/** A new pod (to be created) from a workload's pod template. */
export function podFromTemplate(owner: KubeObject, template: Rec, namePrefix: string): KubeObject {
  const tmeta = isRecord(template['metadata']) ? template['metadata'] : {};
  const spec = isRecord(template['spec']) ? structuredClone(template['spec']) : {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${namePrefix}-`,
      namespace: owner.metadata.namespace,
      labels: { ...((tmeta['labels'] as Record<string, string> | undefined) ?? {}) },
      ...(isRecord(tmeta['annotations']) ? { annotations: { ...(tmeta['annotations'] as Record<string, string>) } } : {}),
      ...(Array.isArray(tmeta['finalizers']) ? { finalizers: [...(tmeta['finalizers'] as string[])] } : {}),
      ownerReferences: [controllerRef(owner)],
    },
    spec,
  };
}

/** The images of a pod's containers. */
export function podImages(pod: KubeObject): string[] {
  const spec = pod['spec'];
  const containers = isRecord(spec) && Array.isArray(spec['containers']) ? (spec['containers'] as unknown[]) : [];
  return containers.map((c) => (isRecord(c) && typeof c['image'] === 'string' ? c['image'] : ''));
}

/** A pod's status condition of `type`. */
export function podCondition(pod: KubeObject, type: string): Rec | undefined {
  const status = pod['status'];
  const conds = isRecord(status) && Array.isArray(status['conditions']) ? (status['conditions'] as unknown[]) : [];
  return conds.find((c): c is Rec => isRecord(c) && c['type'] === type);
}

/** Whether the pod's Ready condition is True. */
export function isPodReady(pod: KubeObject): boolean {
  return podCondition(pod, 'Ready')?.['status'] === 'True';
}

/** When the pod last became Ready (ms), if it is ready. */
export function readySince(pod: KubeObject): number | undefined {
  const c = podCondition(pod, 'Ready');
  if (c?.['status'] !== 'True') return undefined;
  const t = Date.parse(String(c['lastTransitionTime'] ?? ''));
  return Number.isNaN(t) ? 0 : t;
}

/** The pod's phase (`Pending` when unset). */
export function podPhase(pod: KubeObject): string {
  const s = pod['status'];
  return isRecord(s) && typeof s['phase'] === 'string' ? s['phase'] : 'Pending';
}

/** Active: not terminating and not finished. */
export function isActivePod(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return pod.metadata.deletionTimestamp === undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** A short stable hash of a value (FNV-1a over its JSON, in Kubernetes' "safe" alphabet). */
export function templateHash(value: unknown, collisionCount = 0): string {
  const text = JSON.stringify(sortKeys(value)) + (collisionCount > 0 ? String(collisionCount) : '');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Like Kubernetes: the decimal digits of the 32-bit hash, each mapped into the safe alphabet.
  return String(h)
    .split('')
    .map((d, i) => SAFE[(Number(d) + i * 3) % SAFE.length])
    .join('');
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isRecord(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys(v[k])]),
  );
}

/** Resolve an int-or-percent (`2`, `"25%"`) against `total`, rounding up or down. */
export function resolveIntOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const pct = Number(v.slice(0, -1));
    if (Number.isNaN(pct)) return 0;
    const x = (pct * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return 0;
}

/** Upsert a condition in a list, keeping `lastTransitionTime` when the status did not change. */
export function setCondition(list: unknown, cond: Rec & { type: string; status: string }, nowIso: string): Rec[] {
  const conds = Array.isArray(list) ? (list.filter(isRecord) as Rec[]) : [];
  const prev = conds.find((c) => c['type'] === cond.type);
  const next: Rec = {
    ...cond,
    lastTransitionTime: prev !== undefined && prev['status'] === cond.status ? prev['lastTransitionTime'] : nowIso,
  };
  if ('lastUpdateTime' in cond || (prev !== undefined && 'lastUpdateTime' in prev)) {
    const same = prev !== undefined && prev['status'] === cond.status && prev['reason'] === cond['reason'] && prev['message'] === cond['message'];
    next['lastUpdateTime'] = same ? prev['lastUpdateTime'] : nowIso;
  }
  const out = conds.filter((c) => c['type'] !== cond.type);
  const idx = conds.findIndex((c) => c['type'] === cond.type);
  if (idx >= 0) out.splice(idx, 0, next);
  else out.push(next);
  return out;
}
