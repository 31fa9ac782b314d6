/**
 * The Deployment controller (enough for Argo Rollouts' `workloadRef`): one ReplicaSet per pod template
 * (named `<deployment>-<pod-template-hash>`), a rolling update bounded by `maxSurge`/`maxUnavailable` (or
 * Recreate), revision annotations, `revisionHistoryLimit` clean-up, `paused`, and the status replica
 * counts with the Available and Progressing conditions. Progress deadlines are not simulated.
 */
import { ResourceApi } from '../api/ResourceApi';
import { Clock, rfc3339 } from '../Clock';
import { deepCopy, isRecord, jsonEqual, KubeObject } from '../store/KubeObject';
import { StoreEvent } from '../store/ObjectStore';
import { ResourceType } from '../registry/ResourceType';
import { controllerOf, controllerRef, isControlledBy, resolveIntOrPercent, setCondition, templateHash } from './PodTemplates';

type Rec = Record<string, unknown>;
const HASH = 'pod-template-hash';
const REVISION = 'deployment.kubernetes.io/revision';

function num(v: unknown, d = 0): number {
  return typeof v === 'number' ? v : d;
}

function specOf(o: KubeObject): Rec {
  return isRecord(o['spec']) ? o['spec'] : {};
}

function statusOf(o: KubeObject): Rec {
  return isRecord(o['status']) ? o['status'] : {};
}

function templateWithoutHash(template: unknown): unknown {
  if (!isRecord(template)) return template;
  const t = deepCopy(template);
  const meta = isRecord(t['metadata']) ? t['metadata'] : undefined;
  if (meta !== undefined && isRecord(meta['labels'])) {
    delete (meta['labels'] as Rec)[HASH];
    if (Object.keys(meta['labels'] as Rec).length === 0) delete meta['labels'];
  }
  return t;
}

/** The simulated Deployment controller. */
export class DeploymentController {
  constructor(
    private readonly api: ResourceApi,
    private readonly deployType: ResourceType,
    private readonly rsType: ResourceType,
    private readonly clock: Clock,
    private readonly enqueue: (key: string) => void,
  ) {}

  /** Map store events to Deployment keys. */
  onEvent(e: StoreEvent): void {
    const o = e.current.object;
    if (e.resource === 'apps/deployments') this.enqueue(`${o.metadata.namespace}/${o.metadata.name}`);
    else if (e.resource === 'apps/replicasets') {
      const ref = controllerOf(o) ?? (e.previous !== undefined ? controllerOf(e.previous.object) : undefined);
      if (ref?.kind === 'Deployment') this.enqueue(`${o.metadata.namespace}/${ref.name}`);
    }
  }

  /** Sync one Deployment. */
  sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const stored = this.api.store.get('apps/deployments', ns, name);
    if (stored === undefined) return;
    const d = stored.object;
    if (d.metadata.deletionTimestamp !== undefined) return;
    const spec = specOf(d);
    const replicas = num(spec['replicas'], 1);
    const template = spec['template'];
    const owned = this.api.store
      .list('apps/replicasets', ns)
      .map((s) => s.object)
      .filter((rs) => isControlledBy(rs, d.metadata.uid));
    const cleanTemplate = templateWithoutHash(template);
    let newRs = owned.find((rs) => rs.metadata.deletionTimestamp === undefined && jsonEqual(templateWithoutHash(specOf(rs)['template']), cleanTemplate));
    const olds = owned.filter((rs) => rs !== newRs);
    const maxRevision = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));

    if (spec['paused'] !== true) {
      if (newRs === undefined) newRs = this.createReplicaSet(d, template, maxRevision + 1, owned);
      else if (olds.length > 0 && Number(newRs.metadata.annotations?.[REVISION] ?? 0) < maxRevision) {
        newRs = this.patchReplicaSet(ns, newRs, (rs) => {
          rs.metadata.annotations = { ...(rs.metadata.annotations ?? {}), [REVISION]: String(maxRevision + 1) };
        });
      }
      const strategy = isRecord(spec['strategy']) ? spec['strategy'] : {};
      if (strategy['type'] === 'Recreate') this.recreate(ns, newRs, olds, replicas);
      else this.rolling(ns, newRs, olds, replicas, isRecord(strategy['rollingUpdate']) ? strategy['rollingUpdate'] : {});
      this.cleanup(ns, d, newRs);
    }
    this.writeStatus(ns, name, d, newRs);
  }

  private createReplicaSet(d: KubeObject, template: unknown, revision: number, existing: KubeObject[]): KubeObject {
    const ns = d.metadata.namespace ?? '';
    const spec = specOf(d);
    let collision = num(statusOf(d)['collisionCount']);
    let hash = templateHash(templateWithoutHash(template), collision);
    while (existing.some((rs) => rs.metadata.name === `${d.metadata.name}-${hash}`)) hash = templateHash(templateWithoutHash(template), ++collision);
    const tmpl = deepCopy(isRecord(template) ? template : {});
    const tmeta = isRecord(tmpl['metadata']) ? (tmpl['metadata'] as Rec) : ((tmpl['metadata'] = {}) as Rec);
    tmeta['labels'] = { ...(isRecord(tmeta['labels']) ? tmeta['labels'] : {}), [HASH]: hash };
    const selector = deepCopy(isRecord(spec['selector']) ? spec['selector'] : {});
    selector['matchLabels'] = { ...(isRecord(selector['matchLabels']) ? selector['matchLabels'] : {}), [HASH]: hash };
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: ns,
        labels: { ...(tmeta['labels'] as Record<string, string>) },
        annotations: {
          [REVISION]: String(revision),
          'deployment.kubernetes.io/desired-replicas': String(num(spec['replicas'], 1)),
          'deployment.kubernetes.io/max-replicas': String(num(spec['replicas'], 1)),
        },
        ownerReferences: [controllerRef(d)],
      },
      spec: { replicas: 0, minReadySeconds: num(spec['minReadySeconds']), selector, template: tmpl },
    };
    return this.api.create(this.rsType, ns, rs, { fieldManager: 'kube-controller-manager' });
  }

  private patchReplicaSet(ns: string, rs: KubeObject, mutate: (rs: KubeObject) => void): KubeObject {
    const next = deepCopy(rs);
    mutate(next);
    if (jsonEqual(next, rs)) return rs;
    return this.api.update(this.rsType, ns, rs.metadata.name ?? '', next, undefined, { fieldManager: 'kube-controller-manager' });
  }

  private scale(ns: string, rs: KubeObject, replicas: number): KubeObject {
    if (num(specOf(rs)['replicas']) === replicas) return rs;
    return this.patchReplicaSet(ns, rs, (x) => {
      (x['spec'] as Rec)['replicas'] = replicas;
    });
  }

  private recreate(ns: string, newRs: KubeObject, olds: KubeObject[], replicas: number): void {
    for (const o of olds) this.scale(ns, o, 0);
    const oldPods = olds.reduce((n, o) => n + num(statusOf(o)['replicas']), 0);
    if (oldPods === 0) this.scale(ns, newRs, replicas);
  }

  private rolling(ns: string, newRs: KubeObject, olds: KubeObject[], replicas: number, ru: Rec): void {
    const surge = resolveIntOrPercent(ru['maxSurge'] ?? '25%', replicas, true);
    let unavailable = resolveIntOrPercent(ru['maxUnavailable'] ?? '25%', replicas, false);
    if (surge === 0 && unavailable === 0) unavailable = 1;
    const specTotal = (): number => num(specOf(newRs)['replicas']) + olds.reduce((n, o) => n + num(specOf(o)['replicas']), 0);
    // Scale up the new ReplicaSet within the surge budget.
    const newReplicas = num(specOf(newRs)['replicas']);
    if (newReplicas > replicas) newRs = this.scale(ns, newRs, replicas);
    else if (newReplicas < replicas) {
      const room = replicas + surge - specTotal();
      if (room > 0) newRs = this.scale(ns, newRs, Math.min(replicas, newReplicas + room));
    }
    // Scale down old ReplicaSets while enough pods stay available.
    const available = num(statusOf(newRs)['availableReplicas']) + olds.reduce((n, o) => n + num(statusOf(o)['availableReplicas']), 0);
    let budget = available - (replicas - unavailable);
    // Unavailable old pods can always go.
    for (const o of [...olds].sort(byAge)) {
      const oldSpec = num(specOf(o)['replicas']);
      const oldAvail = num(statusOf(o)['availableReplicas']);
      const unhealthy = Math.max(0, oldSpec - oldAvail);
      let target = oldSpec - Math.min(unhealthy, oldSpec);
      if (budget > 0) {
        const more = Math.min(budget, target);
        target -= more;
        budget -= more;
      }
      // Never scale old below 0, and only down.
      if (target < oldSpec) this.scale(ns, o, target);
    }
    if (olds.length === 0 && newReplicas !== replicas) this.scale(ns, newRs, replicas);
  }

  private cleanup(ns: string, d: KubeObject, newRs: KubeObject): void {
    const limit = num(specOf(d)['revisionHistoryLimit'], 10);
    const olds = this.api.store
      .list('apps/replicasets', ns)
      .map((s) => s.object)
      .filter((rs) => isControlledBy(rs, d.metadata.uid) && rs.metadata.uid !== newRs.metadata.uid && rs.metadata.deletionTimestamp === undefined)
      .filter((rs) => num(specOf(rs)['replicas']) === 0 && num(statusOf(rs)['replicas']) === 0)
      .sort(byAge);
    for (const rs of olds.slice(0, Math.max(0, olds.length - limit))) this.api.delete(this.rsType, ns, rs.metadata.name ?? '', {});
  }

  private writeStatus(ns: string, name: string, d: KubeObject, newRs: KubeObject | undefined): void {
    const spec = specOf(d);
    const replicas = num(spec['replicas'], 1);
    const all = this.api.store
      .list('apps/replicasets', ns)
      .map((s) => s.object)
      .filter((rs) => isControlledBy(rs, d.metadata.uid));
    const sum = (f: string): number => all.reduce((n, rs) => n + num(statusOf(rs)[f]), 0);
    const total = sum('replicas');
    const ready = sum('readyReplicas');
    const availableCount = sum('availableReplicas');
    const updated = newRs !== undefined ? num(statusOf(this.api.store.get('apps/replicasets', ns, newRs.metadata.name ?? '')?.object ?? newRs)['replicas']) : 0;
    const ru = isRecord(spec['strategy']) && isRecord((spec['strategy'] as Rec)['rollingUpdate']) ? ((spec['strategy'] as Rec)['rollingUpdate'] as Rec) : {};
    const maxUnavailable = resolveIntOrPercent(ru['maxUnavailable'] ?? '25%', replicas, false);
    const nowIso = rfc3339(this.clock.now());
    const prev = statusOf(d);
    let conditions = setCondition(
      prev['conditions'],
      availableCount >= replicas - maxUnavailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: nowIso }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: nowIso },
      nowIso,
    );
    const complete = newRs !== undefined && updated === replicas && total === replicas && availableCount === replicas;
    const rsName = newRs?.metadata.name ?? '';
    conditions = setCondition(
      conditions,
      spec['paused'] === true
        ? { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused', lastUpdateTime: nowIso }
        : complete
          ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.`, lastUpdateTime: nowIso }
          : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.`, lastUpdateTime: nowIso },
      nowIso,
    );
    const status: Rec = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: availableCount,
      unavailableReplicas: Math.max(0, total - availableCount),
      conditions,
    };
    if (prev['collisionCount'] !== undefined) status['collisionCount'] = prev['collisionCount'];
    for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) if (status[k] === 0) delete status[k];
    const comparable = (s: Rec): unknown => ({ ...s, conditions: Array.isArray(s['conditions']) ? (s['conditions'] as Rec[]).map((c) => ({ ...c, lastUpdateTime: undefined, lastTransitionTime: undefined })) : undefined });
    if (jsonEqual(JSON.parse(JSON.stringify(comparable(prev))), JSON.parse(JSON.stringify(comparable(status))))) return;
    const next = deepCopy(d);
    next['status'] = status;
    const revision = newRs?.metadata.annotations?.[REVISION];
    if (revision !== undefined && d.metadata.annotations?.[REVISION] !== revision) {
      // the revision annotation lives in metadata: a main-resource write
      const withAnno = deepCopy(d);
      withAnno.metadata.annotations = { ...(d.metadata.annotations ?? {}), [REVISION]: revision };
      const written = this.api.update(this.deployType, ns, name, withAnno, undefined, { fieldManager: 'kube-controller-manager' });
      next.metadata.resourceVersion = written.metadata.resourceVersion;
      next.metadata.annotations = written.metadata.annotations;
    }
    this.api.update(this.deployType, ns, name, next, 'status', { fieldManager: 'kube-controller-manager' });
  }
}

function byAge(a: KubeObject, b: KubeObject): number {
  return String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) || Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion);
}
