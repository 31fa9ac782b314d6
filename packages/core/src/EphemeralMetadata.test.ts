import type { Json, ReplicaSet, Rollout, Service } from '@rollouts/api';
import { applyMergePatch, mergePatch, replicaSetAffinity, withoutInjectedTerm, type SyncEphemeralMetadata } from './EphemeralMetadata';
import type { Intent, ReconcileResult } from './Intent';
import { applyIntents, newCluster, observe, settle, type PlanCluster } from './internal/PlanCluster';
import { promotePatch } from './Plan';
import { podTemplateHash } from './PodTemplateHash';
import { reconcileRollout } from './ReconcileRollout';

// ---- A Rollout driven through the core's own in-memory cluster (pods ready at once), reconcile after reconcile. ----

const T0 = Date.UTC(2026, 0, 1);
const HASH = 'rollouts-pod-template-hash';
const RECORD = 'rollout.argoproj.io/ephemeral-metadata';
const template = (image: string) => ({ metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop', image }] } });
const hashOf = (image: string) => podTemplateHash(template(image) as never);

function rollout(strategy: Record<string, unknown>): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'shop', namespace: 'default', uid: 'uid-1', generation: 1 },
    spec: { replicas: 2, selector: { matchLabels: { app: 'shop' } }, template: template('shop:1'), strategy },
  } as Rollout;
}
const service = (name: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'shop' } } });

class Driver {
  cluster: PlanCluster;
  now = T0;
  /** Every intent of every reconcile, in order. */
  readonly intents: Intent[] = [];
  constructor(ro: Rollout, services: Service[] = []) {
    this.cluster = newCluster({ rollout: ro, services, analysisTemplates: [], clusterAnalysisTemplates: [], scripted: [], config: { podReadyMs: 0 } });
  }
  /** Reconcile until nothing changes (at most `max` times). */
  settle(max = 30): ReconcileResult | undefined {
    let last: ReconcileResult | undefined;
    for (let i = 0; i < max; i++) {
      this.now += 1000;
      const before = settle(this.cluster, this.now);
      const result = reconcileRollout(observe(before, this.now));
      this.intents.push(...result.intents);
      const applied = applyIntents(before, result.intents, { now: this.now, stepIndex: before.rollout.status?.currentStepIndex ?? null });
      if (applied.failure !== undefined) throw new Error(applied.failure);
      last = result;
      if (result.intents.length === 0) break;
      this.cluster = applied.cluster;
    }
    return last;
  }
  update(image: string): void {
    const ro = this.cluster.rollout;
    this.cluster = { ...this.cluster, rollout: { ...ro, metadata: { ...ro.metadata, generation: (ro.metadata?.generation ?? 1) + 1 }, spec: { ...ro.spec, template: template(image) } } };
  }
  patchStrategy(patch: Record<string, unknown>): void {
    const ro = this.cluster.rollout;
    const kind = ro.spec.strategy?.blueGreen != null ? 'blueGreen' : 'canary';
    const strategy = { [kind]: { ...(ro.spec.strategy as Record<string, Record<string, unknown>>)[kind], ...patch } };
    this.cluster = { ...this.cluster, rollout: { ...ro, metadata: { ...ro.metadata, generation: (ro.metadata?.generation ?? 1) + 1 }, spec: { ...ro.spec, strategy } as Rollout['spec'] } };
  }
  promote(): void {
    this.cluster = { ...this.cluster, rollout: promotePatch(this.cluster.rollout) };
  }
  rs(image: string): ReplicaSet {
    const found = this.cluster.replicaSets.find((r) => r.replicaSet.metadata?.labels?.[HASH] === hashOf(image));
    if (found === undefined) throw new Error(`no ReplicaSet for ${image}`);
    return found.replicaSet;
  }
  syncs(from = 0): SyncEphemeralMetadata[] {
    return this.intents.slice(from).filter((i): i is SyncEphemeralMetadata => i._tag === 'SyncEphemeralMetadata');
  }
}

const labels = (rs: ReplicaSet) => rs.spec?.template?.metadata?.labels ?? {};
const annotations = (rs: ReplicaSet) => rs.spec?.template?.metadata?.annotations ?? {};
const affinity = (rs: ReplicaSet) => rs.spec?.template?.spec?.affinity;
const term = (stable: string) => ({ labelSelector: { matchExpressions: [{ key: HASH, operator: 'In', values: [stable] }] }, topologyKey: 'kubernetes.io/hostname' });

describe('ephemeral metadata and anti-affinity: canary', () => {
  const canary = {
    steps: [{ setWeight: 50 }, { pause: {} }],
    canaryMetadata: { labels: { role: 'canary' }, annotations: { 'example.com/role': 'canary' } },
    stableMetadata: { labels: { role: 'stable' } },
    antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 50 } },
  };

  it('first deploy: the ReplicaSet is the stable one (stable metadata, recorded; no anti-affinity)', () => {
    const d = new Driver(rollout({ canary }));
    d.settle();
    const rs1 = d.rs('shop:1');
    expect(rs1.metadata?.name).toBe(`shop-${hashOf('shop:1')}`); // the hash ignores what is injected
    expect(labels(rs1)).toEqual({ app: 'shop', [HASH]: hashOf('shop:1'), role: 'stable' });
    expect(rs1.metadata?.labels).toEqual({ app: 'shop', [HASH]: hashOf('shop:1') }); // the ReplicaSet's own labels: none injected
    expect(rs1.metadata?.annotations?.[RECORD]).toBe('{"labels":{"role":"stable"}}');
    expect(affinity(rs1)).toBeUndefined();
    expect(d.cluster.rollout.status?.phase).toBe('Healthy');
  });

  it('update: the new ReplicaSet gets the canary metadata and anti-affinity; promotion moves both in place', () => {
    const d = new Driver(rollout({ canary }));
    d.settle();
    d.update('shop:2');
    d.settle();
    expect(d.cluster.rollout.status?.phase).toBe('Paused');
    const rs2 = d.rs('shop:2');
    expect(rs2.metadata?.name).toBe(`shop-${hashOf('shop:2')}`);
    expect(labels(rs2)).toMatchObject({ role: 'canary' });
    expect(annotations(rs2)).toEqual({ 'example.com/role': 'canary' });
    expect(rs2.metadata?.annotations?.[RECORD]).toBe('{"labels":{"role":"canary"},"annotations":{"example.com/role":"canary"}}');
    expect(affinity(rs2)).toEqual({ podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term(hashOf('shop:1')) }] } });
    expect(labels(d.rs('shop:1'))).toMatchObject({ role: 'stable' });
    expect(d.cluster.replicaSets).toHaveLength(2);

    const mark = d.intents.length;
    d.promote();
    d.settle();
    expect(d.cluster.rollout.status?.phase).toBe('Healthy');
    expect(d.cluster.rollout.status?.stableRS).toBe(hashOf('shop:2'));
    const promoted = d.rs('shop:2');
    expect(labels(promoted)).toEqual({ app: 'shop', [HASH]: hashOf('shop:2'), role: 'stable' });
    expect(annotations(promoted)).toEqual({});
    expect(promoted.metadata?.annotations?.[RECORD]).toBe('{"labels":{"role":"stable"}}');
    expect(affinity(promoted)).toBeUndefined();
    // The old stable ReplicaSet's template loses what was injected; its pods are left alone (as upstream).
    const old = d.rs('shop:1');
    expect(labels(old)).toEqual({ app: 'shop', [HASH]: hashOf('shop:1') });
    expect(old.metadata?.annotations?.[RECORD]).toBeUndefined();
    const syncs = d.syncs(mark);
    const forNew = syncs.find((s) => s.name === promoted.metadata?.name);
    expect(forNew?.pods).toEqual({ labels: { role: 'stable' }, annotations: { 'example.com/role': null } });
    expect(syncs.find((s) => s.name === old.metadata?.name)?.pods).toBeUndefined();
    // No new ReplicaSet, no collision: the decorated templates still run the Rollout's template.
    expect(d.cluster.replicaSets).toHaveLength(2);
    expect(d.cluster.rollout.status?.collisionCount ?? null).toBeNull();
    // Settled: nothing more to sync.
    const again = d.settle();
    expect(again?.intents ?? []).toEqual([]);
  });

  it('a change of canaryMetadata mid-update replaces the old keys on the ReplicaSet and its pods', () => {
    const d = new Driver(rollout({ canary }));
    d.settle();
    d.update('shop:2');
    d.settle();
    const mark = d.intents.length;
    d.patchStrategy({ canaryMetadata: { labels: { role2: 'canary2' } } });
    d.settle();
    const rs2 = d.rs('shop:2');
    expect(labels(rs2)).not.toHaveProperty('role');
    expect(labels(rs2)).toMatchObject({ role2: 'canary2' });
    expect(annotations(rs2)).toEqual({});
    const sync = d.syncs(mark).find((s) => s.name === rs2.metadata?.name);
    expect(sync?.pods).toEqual({ labels: { role: null, role2: 'canary2' }, annotations: { 'example.com/role': null } });
    expect(d.rs('shop:2').metadata?.name).toBe(`shop-${hashOf('shop:2')}`);
    expect(d.cluster.replicaSets).toHaveLength(2);
  });

  it('abort keeps the roles; going back to the stable template cleans the abandoned ReplicaSet', () => {
    const d = new Driver(rollout({ canary }));
    d.settle();
    d.update('shop:2');
    d.settle();
    d.cluster = { ...d.cluster, rollout: { ...d.cluster.rollout, status: { ...d.cluster.rollout.status, abort: true } } };
    d.settle();
    expect(d.cluster.rollout.status?.phase).toBe('Degraded');
    expect(labels(d.rs('shop:2'))).toMatchObject({ role: 'canary' }); // still the update's revision, as upstream
    expect(labels(d.rs('shop:1'))).toMatchObject({ role: 'stable' });
    const mark = d.intents.length;
    d.update('shop:1');
    d.settle();
    expect(d.cluster.rollout.status?.phase).toBe('Healthy');
    expect(labels(d.rs('shop:1'))).toMatchObject({ role: 'stable' });
    expect(affinity(d.rs('shop:1'))).toBeUndefined();
    expect(labels(d.rs('shop:2'))).not.toHaveProperty('role');
    expect(d.rs('shop:2').metadata?.annotations?.[RECORD]).toBeUndefined();
    expect(d.syncs(mark).find((s) => s.name === d.rs('shop:2').metadata?.name)?.pods).toBeUndefined(); // its pods are on their way out
    expect(d.cluster.replicaSets).toHaveLength(2);
  });

  it('required anti-affinity is appended to the terms of the template, which stay after promotion', () => {
    const own = { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' }] };
    const ro = rollout({ canary: { steps: [{ pause: {} }], antiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } } });
    const withAffinity = (image: string) => ({ ...template(image), spec: { ...template(image).spec, affinity: { podAntiAffinity: own } } });
    const d = new Driver({ ...ro, spec: { ...ro.spec, template: withAffinity('shop:1') } } as Rollout);
    d.settle();
    d.cluster = { ...d.cluster, rollout: { ...d.cluster.rollout, spec: { ...d.cluster.rollout.spec, template: withAffinity('shop:2') } } };
    d.settle();
    const h1 = podTemplateHash(withAffinity('shop:1') as never);
    const h2 = podTemplateHash(withAffinity('shop:2') as never);
    const rs2 = d.cluster.replicaSets.find((r) => r.replicaSet.metadata?.labels?.[HASH] === h2)!.replicaSet;
    expect(affinity(rs2)).toEqual({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [...own.requiredDuringSchedulingIgnoredDuringExecution, term(h1)] } });
    d.promote();
    d.settle();
    const promoted = d.cluster.replicaSets.find((r) => r.replicaSet.metadata?.labels?.[HASH] === h2)!.replicaSet;
    expect(affinity(promoted)).toEqual({ podAntiAffinity: own });
    expect(d.cluster.replicaSets).toHaveLength(2);
  });

  it('without ephemeral metadata or anti-affinity nothing is injected and no sync is asked for', () => {
    const d = new Driver(rollout({ canary: { steps: [{ setWeight: 50 }, { pause: {} }] } }));
    d.settle();
    d.update('shop:2');
    d.settle();
    d.promote();
    d.settle();
    expect(d.syncs()).toEqual([]);
    expect(labels(d.rs('shop:2'))).toEqual({ app: 'shop', [HASH]: hashOf('shop:2') });
    expect(d.rs('shop:2').metadata?.annotations?.[RECORD]).toBeUndefined();
  });

  it('metadata removed from the spec is removed from the ReplicaSet and its pods', () => {
    const d = new Driver(rollout({ canary }));
    d.settle();
    const mark = d.intents.length;
    d.patchStrategy({ canaryMetadata: undefined, stableMetadata: undefined, antiAffinity: undefined });
    d.settle();
    const rs1 = d.rs('shop:1');
    expect(labels(rs1)).toEqual({ app: 'shop', [HASH]: hashOf('shop:1') });
    expect(rs1.metadata?.annotations?.[RECORD]).toBeUndefined();
    expect(d.syncs(mark).map((s) => s.pods)).toEqual([{ labels: { role: null }, annotations: {} }]);
  });
});

describe('ephemeral metadata and anti-affinity: blue-green', () => {
  const blueGreen = {
    activeService: 'shop-active',
    previewService: 'shop-preview',
    autoPromotionEnabled: false,
    scaleDownDelaySeconds: 0,
    activeMetadata: { labels: { role: 'active' } },
    previewMetadata: { labels: { role: 'preview' } },
    antiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} },
  };
  const services = [service('shop-active'), service('shop-preview')];

  it('preview metadata while paused, active metadata after promotion, in place', () => {
    const d = new Driver(rollout({ blueGreen }), services);
    d.settle();
    expect(labels(d.rs('shop:1'))).toMatchObject({ role: 'active' });
    d.update('shop:2');
    d.settle();
    expect(d.cluster.rollout.status?.phase).toBe('Paused');
    expect(labels(d.rs('shop:2'))).toMatchObject({ role: 'preview' });
    expect(labels(d.rs('shop:1'))).toMatchObject({ role: 'active' });
    expect(affinity(d.rs('shop:2'))).toEqual({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(hashOf('shop:1'))] } });

    const mark = d.intents.length;
    d.promote();
    d.settle();
    expect(d.cluster.rollout.status?.stableRS).toBe(hashOf('shop:2'));
    const promoted = d.rs('shop:2');
    expect(labels(promoted)).toMatchObject({ role: 'active' });
    expect(affinity(promoted)).toBeUndefined();
    expect(d.syncs(mark).find((s) => s.name === promoted.metadata?.name)?.pods).toEqual({ labels: { role: 'active' }, annotations: {} });
    expect(d.cluster.replicaSets).toHaveLength(2);
  });
});

describe('validation and support', () => {
  const base = { steps: [{ pause: {} }] };
  const conditionOf = (r: ReconcileResult) => r.status.conditions?.find((c) => c.type === 'InvalidSpec')?.message ?? '';
  const decide = (strategy: Record<string, unknown>) => reconcileRollout({ rollout: rollout(strategy), replicaSets: [], services: [], analysisRuns: [], experiments: [], analysisTemplates: [], clusterAnalysisTemplates: [], now: T0 });

  it('ephemeral metadata and antiAffinity are no longer refused', () => {
    const r = decide({ canary: { ...base, canaryMetadata: { labels: { a: 'b' } }, stableMetadata: { labels: { a: 'c' } }, antiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } } });
    expect(conditionOf(r)).toBe('');
    expect(r.intents.some((i) => i._tag === 'CreateReplicaSet')).toBe(true);
  });

  it('antiAffinity with both strategies, or a weight outside 1..100, is InvalidSpec as upstream', () => {
    expect(conditionOf(decide({ canary: { ...base, antiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {}, preferredDuringSchedulingIgnoredDuringExecution: { weight: 5 } } } }))).toContain(
      'AntiAffinity must have exactly one strategy listed',
    );
    expect(conditionOf(decide({ canary: { ...base, antiAffinity: {} } }))).toContain('AntiAffinity must have exactly one strategy listed');
    expect(conditionOf(decide({ canary: { ...base, antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 0 } } } }))).toContain('AntiAffinity weight must be between 1-100');
    expect(conditionOf(decide({ canary: { ...base, antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 101 } } } }))).toContain(
      'spec.strategy.canary.antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight',
    );
  });
});

describe('helpers', () => {
  it('mergePatch: null for removed keys, nested changes only, undefined when equal', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 2 } })).toEqual({ b: { d: null } });
    expect(mergePatch({ a: [1, 2] }, { a: [1] })).toEqual({ a: [1] });
    expect(mergePatch({ a: 1 }, { a: 1 })).toBeUndefined();
    expect(mergePatch({ a: 1 }, undefined)).toBeNull();
    const live: Json = { x: { y: 1, z: [1] }, w: 'k' };
    const desired: Json = { x: { z: [2] }, v: true };
    expect(applyMergePatch(live, mergePatch(live, desired)!)).toEqual(desired);
  });

  it('withoutInjectedTerm keeps terms the user wrote', () => {
    const user = { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'zone' };
    expect(withoutInjectedTerm({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [user, term('abc')] } })).toEqual({
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [user] },
    });
    expect(withoutInjectedTerm({ podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 3, podAffinityTerm: term('abc') }] } })).toBeUndefined();
    expect(withoutInjectedTerm({ nodeAffinity: { a: 1 } })).toEqual({ nodeAffinity: { a: 1 } });
  });

  it('replicaSetAffinity: no term for the stable revision itself or without a stable one', () => {
    const ro = rollout({ canary: { antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 7 } } } });
    expect(replicaSetAffinity(ro, undefined, 'h2', 'h1')).toEqual({ podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 7, podAffinityTerm: term('h1') }] } });
    expect(replicaSetAffinity(ro, undefined, 'h1', 'h1')).toBeUndefined();
    expect(replicaSetAffinity(ro, undefined, 'h1', '')).toBeUndefined();
  });
});
