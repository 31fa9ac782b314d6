/**
 * The Endpoints controller: for each Service with a selector, an Endpoints object of the same name whose
 * subsets list the selected pods' IPs (ready ones in `addresses`, the others in `notReadyAddresses`) with
 * the service's ports resolved against each pod (named target ports included).
 */
import { ApiError } from '../api/ApiError';
import { ResourceApi } from '../api/ResourceApi';
import { deepCopy, isRecord, jsonEqual, KubeObject } from '../store/KubeObject';
import { StoreEvent } from '../store/ObjectStore';
import { ResourceType } from '../registry/ResourceType';
import { matchesLabels } from '../selectors/LabelSelector';
import { isPodReady } from './PodTemplates';

type Rec = Record<string, unknown>;

/** The simulated Endpoints controller. */
export class EndpointsController {
  constructor(
    private readonly api: ResourceApi,
    private readonly endpointsType: ResourceType,
    private readonly enqueue: (key: string) => void,
  ) {}

  private selectorOf(svc: KubeObject): Record<string, string> | undefined {
    const spec = svc['spec'];
    return isRecord(spec) && isRecord(spec['selector']) && Object.keys(spec['selector']).length > 0 ? (spec['selector'] as Record<string, string>) : undefined;
  }

  /** Map store events to Service keys. */
  onEvent(e: StoreEvent): void {
    const o = e.current.object;
    if (e.resource === '/services') this.enqueue(`${o.metadata.namespace}/${o.metadata.name}`);
    else if (e.resource === '/pods') {
      for (const s of this.api.store.list('/services', o.metadata.namespace)) {
        const sel = this.selectorOf(s.object);
        if (sel === undefined) continue;
        const req = { requirements: Object.entries(sel).map(([key, v]) => ({ key, op: 'in' as const, values: [v] })) };
        if (matchesLabels(req, o.metadata.labels) || (e.previous !== undefined && matchesLabels(req, e.previous.object.metadata.labels)))
          this.enqueue(`${o.metadata.namespace}/${s.object.metadata.name}`);
      }
    }
  }

  /** Sync the Endpoints of one Service. */
  sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const svc = this.api.store.get('/services', ns, name)?.object;
    const existing = this.api.store.get('/endpoints', ns, name)?.object;
    const selector = svc !== undefined ? this.selectorOf(svc) : undefined;
    if (svc === undefined || selector === undefined) {
      if (svc === undefined && existing !== undefined) {
        try {
          this.api.delete(this.endpointsType, ns, name, {});
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
      return;
    }
    const spec = svc['spec'] as Rec;
    const ports = Array.isArray(spec['ports']) ? (spec['ports'] as Rec[]) : [];
    const req = { requirements: Object.entries(selector).map(([k, v]) => ({ key: k, op: 'in' as const, values: [v] })) };
    const publishNotReady = spec['publishNotReadyAddresses'] === true;
    const groups = new Map<string, { ports: Rec[]; addresses: Rec[]; notReady: Rec[] }>();
    for (const s of this.api.store.list('/pods', ns)) {
      const pod = s.object;
      if (!matchesLabels(req, pod.metadata.labels) || pod.metadata.deletionTimestamp !== undefined) continue;
      const status = isRecord(pod['status']) ? pod['status'] : {};
      const ip = status['podIP'];
      if (typeof ip !== 'string' || ip === '') continue;
      const resolved = ports.map((p) => ({
        ...(typeof p['name'] === 'string' ? { name: p['name'] } : {}),
        port: resolvePort(pod, p['targetPort'] ?? p['port']),
        protocol: p['protocol'] ?? 'TCP',
      }));
      if (resolved.some((p) => p.port === undefined)) continue;
      const gk = JSON.stringify(resolved);
      const g = groups.get(gk) ?? { ports: resolved as Rec[], addresses: [] as Rec[], notReady: [] as Rec[] };
      const addr = {
        ip,
        nodeName: (pod['spec'] as Rec | undefined)?.['nodeName'],
        targetRef: { kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid },
      };
      if (isPodReady(pod) || publishNotReady) g.addresses.push(addr);
      else g.notReady.push(addr);
      groups.set(gk, g);
    }
    const subsets = [...groups.values()].map((g) => ({
      ...(g.addresses.length > 0 ? { addresses: g.addresses } : {}),
      ...(g.notReady.length > 0 ? { notReadyAddresses: g.notReady } : {}),
      ports: g.ports,
    }));
    const desired: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace: ns, labels: { ...(svc.metadata.labels ?? {}), 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' } },
      ...(subsets.length > 0 ? { subsets } : {}),
    };
    if (existing === undefined) {
      this.api.create(this.endpointsType, ns, desired, { fieldManager: 'kube-controller-manager' });
      return;
    }
    if (jsonEqual(existing['subsets'], desired['subsets']) && jsonEqual(existing.metadata.labels, desired.metadata.labels)) return;
    const next = deepCopy(existing);
    next.metadata.labels = desired.metadata.labels;
    if (desired['subsets'] === undefined) delete next['subsets'];
    else next['subsets'] = desired['subsets'];
    this.api.update(this.endpointsType, ns, name, next, undefined, { fieldManager: 'kube-controller-manager' });
  }
}

function resolvePort(pod: KubeObject, target: unknown): number | undefined {
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  if (typeof target !== 'string') return undefined;
  const spec = pod['spec'];
  const containers = isRecord(spec) && Array.isArray(spec['containers']) ? (spec['containers'] as unknown[]) : [];
  for (const c of containers) {
    const ports = isRecord(c) && Array.isArray(c['ports']) ? (c['ports'] as unknown[]) : [];
    for (const p of ports) if (isRecord(p) && p['name'] === target && typeof p['containerPort'] === 'number') return p['containerPort'];
  }
  return undefined;
}
