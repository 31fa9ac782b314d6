/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods per ReplicaSet (creating from the template,
 * deleting the least useful first), adopts matching orphans, releases pods that stop matching, and writes
 * `status.replicas`, `fullyLabeledReplicas`, `readyReplicas`, `availableReplicas`, `terminatingReplicas` and
 * `observedGeneration`.
 */
import { ResourceApi } from '../api/ResourceApi';
import { Clock } from '../Clock';
import { deepCopy, isRecord, jsonEqual, KubeObject } from '../store/KubeObject';
import { StoreEvent } from '../store/ObjectStore';
import { ResourceType } from '../registry/ResourceType';
import { matchesLabels } from '../selectors/LabelSelector';
import {
  controllerOf, isActivePod, isControlledBy, isPodReady, podFromTemplate, podPhase, readySince, selects, specSelector,
} from './PodTemplates';

type Rec = Record<string, unknown>;

/** The simulated ReplicaSet controller. */
export class ReplicaSetController {
  private readonly availabilityTimers = new Map<string, () => void>();
  /** Pod keys by the uid of their controller, and pods without a controller by namespace. */
  private readonly podsByOwner = new Map<string, Set<string>>();
  private readonly orphans = new Map<string, Set<string>>();

  private index(pod: KubeObject, add: boolean): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const ref = controllerOf(pod);
    const map = ref !== undefined ? this.podsByOwner : this.orphans;
    const k = ref !== undefined ? ref.uid : (pod.metadata.namespace ?? '');
    let set = map.get(k);
    if (add) {
      if (set === undefined) map.set(k, (set = new Set()));
      set.add(key);
    } else if (set !== undefined) {
      set.delete(key);
      if (set.size === 0) map.delete(k);
    }
  }

  constructor(
    private readonly api: ResourceApi,
    private readonly rsType: ResourceType,
    private readonly podType: ResourceType,
    private readonly clock: Clock,
    private readonly enqueue: (key: string) => void,
  ) {}

  /** Map store events to ReplicaSet keys to sync. */
  onEvent(e: StoreEvent): void {
    if (e.resource === 'apps/replicasets') {
      this.enqueue(`${e.current.object.metadata.namespace}/${e.current.object.metadata.name}`);
      return;
    }
    if (e.resource !== '/pods') return;
    if (e.previous !== undefined) this.index(e.previous.object, false);
    if (e.type !== 'DELETED') this.index(e.current.object, true);
    for (const obj of [e.current.object, e.previous?.object]) {
      if (obj === undefined) continue;
      const ref = controllerOf(obj);
      if (ref !== undefined) {
        if (ref.kind === 'ReplicaSet') this.enqueue(`${obj.metadata.namespace}/${ref.name}`);
      } else if (e.type !== 'DELETED') {
        // an orphan: any ReplicaSet selecting it may adopt it
        for (const rs of this.api.store.list('apps/replicasets', obj.metadata.namespace)) {
          const sel = specSelector(rs.object);
          if (sel !== undefined && selects(sel, obj)) this.enqueue(`${obj.metadata.namespace}/${rs.object.metadata.name}`);
        }
      }
    }
  }

  /** Stop pending timers. */
  stop(): void {
    for (const c of this.availabilityTimers.values()) c();
    this.availabilityTimers.clear();
  }

  /** Sync one ReplicaSet. */
  sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const stored = this.api.store.get('apps/replicasets', ns, name);
    if (stored === undefined) return;
    const rs = stored.object;
    if (rs.metadata.deletionTimestamp !== undefined) return;
    const spec = isRecord(rs['spec']) ? rs['spec'] : {};
    const selector = specSelector(rs);
    if (selector === undefined) return;
    const uid = rs.metadata.uid;
    const podsOf = (keys: Iterable<string> | undefined): KubeObject[] => {
      const out: KubeObject[] = [];
      for (const k of keys ?? []) {
        const [pns, pname] = k.split('/') as [string, string];
        const p = this.api.store.get('/pods', pns, pname)?.object;
        if (p !== undefined) out.push(p);
      }
      return out;
    };
    const candidates = [...podsOf(this.podsByOwner.get(uid ?? '')), ...podsOf(this.orphans.get(ns))];
    // Adopt and release.
    for (const pod of candidates) {
      const ref = controllerOf(pod);
      const matches = selects(selector, pod);
      if (ref === undefined && matches && pod.metadata.deletionTimestamp === undefined) {
        const next = deepCopy(pod);
        next.metadata.ownerReferences = [...(pod.metadata.ownerReferences ?? []), { apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid: uid ?? '', controller: true, blockOwnerDeletion: true }];
        this.api.update(this.podType, ns, pod.metadata.name ?? '', next, undefined, { fieldManager: 'kube-controller-manager' });
      } else if (ref?.uid === uid && !matches && pod.metadata.deletionTimestamp === undefined) {
        const next = deepCopy(pod);
        next.metadata.ownerReferences = (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        this.api.update(this.podType, ns, pod.metadata.name ?? '', next, undefined, { fieldManager: 'kube-controller-manager' });
      }
    }
    const owned = podsOf(this.podsByOwner.get(uid ?? '')).filter((p) => isControlledBy(p, uid) && selects(selector, p));
    // As the real controller does, the status is computed from the pods as they were when this sync began (its
    // informer has not seen the pods it creates or deletes now): a scale shows first as a status write of the new
    // observedGeneration with the old counts, and the new counts follow in the sync the pod events trigger.
    const active = owned.filter(isActivePod);
    const terminating = owned.filter((p) => p.metadata.deletionTimestamp !== undefined).length;
    const want = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
    const template = isRecord(spec['template']) ? spec['template'] : {};
    if (active.length < want) {
      for (let i = active.length; i < want; i++) this.api.create(this.podType, ns, podFromTemplate(rs, template, name), { fieldManager: 'kube-controller-manager' });
    } else if (active.length > want) {
      const victims = [...active].sort(deletionOrder).slice(0, active.length - want);
      for (const p of victims) this.api.delete(this.podType, ns, p.metadata.name ?? '', {});
    }
    this.writeStatus(ns, name, rs, active, terminating, template);
  }

  private writeStatus(ns: string, name: string, rs: KubeObject, active: KubeObject[], terminating: number, template: Rec): void {
    const spec = isRecord(rs['spec']) ? rs['spec'] : {};
    const minReady = typeof spec['minReadySeconds'] === 'number' ? spec['minReadySeconds'] : 0;
    const now = this.clock.now();
    const tmplLabels = isRecord(template['metadata']) && isRecord((template['metadata'] as Rec)['labels']) ? ((template['metadata'] as Rec)['labels'] as Record<string, string>) : {};
    const fullyLabeled = active.filter((p) => matchesLabels({ requirements: Object.entries(tmplLabels).map(([k, v]) => ({ key: k, op: 'in', values: [v] })) }, p.metadata.labels)).length;
    const ready = active.filter(isPodReady);
    let nextAvailability: number | undefined;
    const available = ready.filter((p) => {
      const since = readySince(p) ?? now;
      const at = since + minReady * 1000;
      if (at <= now) return true;
      nextAvailability = Math.min(nextAvailability ?? Infinity, at);
      return false;
    }).length;
    const prevStatus = isRecord(rs['status']) ? rs['status'] : {};
    const status: Rec = {
      replicas: active.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready.length,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 1,
      // Pods with a deletionTimestamp not yet gone (Kubernetes 1.33+, DeploymentReplicaSetTerminatingReplicas): always written, 0 included.
      terminatingReplicas: terminating,
    };
    if (Array.isArray(prevStatus['conditions'])) status['conditions'] = prevStatus['conditions'];
    for (const k of ['readyReplicas', 'availableReplicas', 'fullyLabeledReplicas'] as const) if (status[k] === 0) delete status[k];
    if (!jsonEqual(prevStatus, status)) {
      const next = deepCopy(rs);
      next['status'] = status;
      this.api.update(this.rsType, ns, name, next, 'status', { fieldManager: 'kube-controller-manager' });
    }
    const key = `${ns}/${name}`;
    this.availabilityTimers.get(key)?.();
    this.availabilityTimers.delete(key);
    if (nextAvailability !== undefined) this.availabilityTimers.set(key, this.clock.schedule(nextAvailability - now, () => this.enqueue(key)));
  }
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Which pods to delete first when scaling down: unscheduled, pending, not ready, recently ready, most restarts, newest. */
function deletionOrder(a: KubeObject, b: KubeObject): number {
  const sched = (p: KubeObject): number => (isRecord(p['spec']) && typeof p['spec']['nodeName'] === 'string' && p['spec']['nodeName'] !== '' ? 1 : 0);
  if (sched(a) !== sched(b)) return sched(a) - sched(b);
  const pr = (p: KubeObject): number => PHASE_RANK[podPhase(p)] ?? 1;
  if (pr(a) !== pr(b)) return pr(a) - pr(b);
  const rd = (p: KubeObject): number => (isPodReady(p) ? 1 : 0);
  if (rd(a) !== rd(b)) return rd(a) - rd(b);
  const ra = readySince(a) ?? 0;
  const rb = readySince(b) ?? 0;
  if (ra !== rb) return rb - ra;
  const restarts = (p: KubeObject): number => {
    const cs = isRecord(p['status']) ? p['status']['containerStatuses'] : undefined;
    return Array.isArray(cs) ? cs.reduce((n: number, c) => n + (isRecord(c) && typeof c['restartCount'] === 'number' ? c['restartCount'] : 0), 0) : 0;
  };
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  return String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? ''));
}

