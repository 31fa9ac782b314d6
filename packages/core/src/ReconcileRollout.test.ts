import type { AnalysisRun, AnalysisTemplate, ReplicaSet, Rollout, RolloutStatus, Service } from '@rollouts/api';
import type { Intent, ReconcileResult } from './Intent';
import type { RolloutObservation } from './Observation';
import { podTemplateHash } from './PodTemplateHash';
import { reconcileRollout } from './ReconcileRollout';

// ---- A small hand-driven cluster for table tests: each test states the observed objects explicitly. -------

const T0 = Date.parse('2026-01-01T00:00:00Z');
const template = (image: string) => ({ metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop', image }] } });

function rollout(canary: Record<string, unknown>, opts: { image?: string; replicas?: number; status?: RolloutStatus; paused?: boolean } = {}): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'shop', namespace: 'default', uid: 'uid-1', generation: 2 },
    spec: {
      replicas: opts.replicas ?? 5,
      selector: { matchLabels: { app: 'shop' } },
      template: template(opts.image ?? 'shop:2'),
      ...(opts.paused ? { paused: true } : {}),
      strategy: { canary },
    },
    ...(opts.status ? { status: opts.status } : {}),
  } as Rollout;
}

const hashOf = (image: string) => podTemplateHash(template(image) as never);

function rs(image: string, revision: number, replicas: number, available = replicas, extra: Record<string, string> = {}): ReplicaSet {
  const hash = hashOf(image);
  const t = template(image);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `shop-${hash}`, labels: { app: 'shop', 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': String(revision), ...extra } },
    spec: { replicas, selector: { matchLabels: { app: 'shop', 'rollouts-pod-template-hash': hash } }, template: { ...t, metadata: { labels: { ...t.metadata.labels, 'rollouts-pod-template-hash': hash } } } },
    status: { replicas, readyReplicas: available, availableReplicas: available },
  };
}

const svc = (name: string, hash?: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'shop', ...(hash ? { 'rollouts-pod-template-hash': hash } : {}) } } });

function observe(ro: Rollout, replicaSets: ReplicaSet[], extra: Partial<RolloutObservation> = {}): RolloutObservation {
  return { rollout: ro, replicaSets, services: [], analysisRuns: [], experiments: [], analysisTemplates: [], clusterAnalysisTemplates: [], now: T0, ...extra };
}

const tags = (r: ReconcileResult) => r.intents.map((i) => i._tag);
const scales = (r: ReconcileResult) =>
  r.intents.flatMap((i: Intent) => (i._tag === 'ScaleReplicaSet' ? [`${i.name}=${i.replicas}`] : i._tag === 'CreateReplicaSet' ? [`+${i.replicaSet.metadata?.name}=${i.replicaSet.spec?.replicas}`] : []));

/** A status as a previous reconcile of an in-progress update would have left it. */
const inProgress = (stepIndex: number, extra: Partial<RolloutStatus> = {}): RolloutStatus => ({
  currentPodHash: hashOf('shop:2'),
  stableRS: hashOf('shop:1'),
  currentStepIndex: stepIndex,
  currentStepHash: undefined as never,
  observedGeneration: '2',
  ...extra,
});

// The step hash is part of the status; compute it through a first reconcile so the tests do not hard-code it.
const stepHashFor = (canary: Record<string, unknown>) => reconcileRollout(observe(rollout(canary), [rs('shop:1', 1, 5)])).status.currentStepHash as string;
const withHash = (canary: Record<string, unknown>, status: RolloutStatus): RolloutStatus => ({ ...status, currentStepHash: stepHashFor(canary) });

describe('reconcileRollout: revisions', () => {
  it('first deploy: creates the ReplicaSet at full size and makes it stable at once', () => {
    const r = reconcileRollout(observe(rollout({ steps: [{ setWeight: 20 }, { pause: {} }] }), []));
    const create = r.intents.find((i) => i._tag === 'CreateReplicaSet');
    expect(create?._tag === 'CreateReplicaSet' && create.replicaSet.metadata?.name).toBe(`shop-${hashOf('shop:2')}`);
    expect(create?._tag === 'CreateReplicaSet' && create.replicaSet.spec?.replicas).toBe(5);
    expect(create?._tag === 'CreateReplicaSet' && create.replicaSet.metadata?.labels?.['rollouts-pod-template-hash']).toBe(hashOf('shop:2'));
    expect(create?._tag === 'CreateReplicaSet' && create.replicaSet.metadata?.annotations).toEqual({ 'rollout.argoproj.io/revision': '1', 'rollout.argoproj.io/desired-replicas': '5' });
    expect(create?._tag === 'CreateReplicaSet' && create.replicaSet.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Rollout', name: 'shop', uid: 'uid-1', controller: true });
    expect(r.status.stableRS).toBe(hashOf('shop:2'));
    expect(r.status.currentPodHash).toBe(hashOf('shop:2'));
    expect(r.status.currentStepIndex).toBe(2);
    expect(r.status.phase).toBe('Progressing');
    expect(r.status.observedGeneration).toBe('2');
    expect(r.status.selector).toBe('app=shop');
  });

  it('a template change creates the canary ReplicaSet with revision+1, sized for the first setWeight', () => {
    const canary = { steps: [{ setWeight: 20 }, { pause: {} }], maxSurge: 1, maxUnavailable: 0 };
    const r = reconcileRollout(observe(rollout(canary, { status: { stableRS: hashOf('shop:1'), currentPodHash: hashOf('shop:1') } }), [rs('shop:1', 3, 5)]));
    expect(scales(r)).toEqual([`+shop-${hashOf('shop:2')}=1`]);
    const create = r.intents.find((i) => i._tag === 'CreateReplicaSet');
    expect(create?._tag === 'CreateReplicaSet' && create.replicaSet.metadata?.annotations?.['rollout.argoproj.io/revision']).toBe('4');
    expect(r.status.currentStepIndex).toBe(0);
    expect(r.status.stableRS).toBe(hashOf('shop:1'));
    expect(r.intents.some((i) => i._tag === 'RecordEvent' && i.eventReason === 'RolloutUpdated')).toBe(true);
  });

  it('adopts an existing ReplicaSet with the same template even under another hash label (made by Argo)', () => {
    const base = rs('shop:2', 2, 1, 1);
    const argoMade: ReplicaSet = {
      ...base,
      metadata: { ...base.metadata, name: 'shop-argohash', labels: { app: 'shop', 'rollouts-pod-template-hash': 'argohash' } },
      spec: { ...base.spec, template: { ...base.spec!.template, metadata: { labels: { app: 'shop', 'rollouts-pod-template-hash': 'argohash' } } } },
    };
    const canary = { steps: [{ setWeight: 20 }, { pause: {} }], maxSurge: 1, maxUnavailable: 0 };
    const r = reconcileRollout(observe(rollout(canary, { status: { stableRS: hashOf('shop:1'), currentPodHash: hashOf('shop:1') } }), [rs('shop:1', 1, 5), argoMade]));
    expect(tags(r)).not.toContain('CreateReplicaSet');
    expect(r.status.currentPodHash).toBe('argohash');
  });

  it('rolling back to an older revision reuses its ReplicaSet under the next revision number, in the same write as its scale', () => {
    const canary = { steps: [{ setWeight: 20 }, { pause: {} }], maxSurge: 1, maxUnavailable: 0 };
    const r = reconcileRollout(observe(rollout(canary, { image: 'shop:1', status: { stableRS: hashOf('shop:2'), currentPodHash: hashOf('shop:2') } }), [rs('shop:2', 2, 5), rs('shop:1', 1, 0)]));
    expect(tags(r)).not.toContain('CreateReplicaSet');
    const writes = r.intents.filter((i) => i._tag === 'ScaleReplicaSet' || i._tag === 'AnnotateReplicaSet').filter((i) => (i as { name: string }).name === `shop-${hashOf('shop:1')}`);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ _tag: 'ScaleReplicaSet', replicas: 1, annotations: { 'rollout.argoproj.io/revision': '3' } });
    expect(r.intents.some((i) => i._tag === 'RecordEvent' && i.message === 'Rollout updated to revision 3')).toBe(true);
  });

  it('the newest ReplicaSet running the template keeps its revision', () => {
    const r = reconcileRollout(observe(rollout({ steps: [{ setWeight: 20 }, { pause: {} }] }, { status: { stableRS: hashOf('shop:1'), currentPodHash: hashOf('shop:2'), currentStepIndex: 1 } }), [rs('shop:1', 1, 4), rs('shop:2', 2, 1)]));
    expect(JSON.stringify(r.intents)).not.toContain('rollout.argoproj.io/revision');
  });

  it('deletes idle ReplicaSets beyond revisionHistoryLimit, oldest first', () => {
    const base = rollout({}, { image: 'shop:9', status: { stableRS: hashOf('shop:9'), currentPodHash: hashOf('shop:9') } });
    const ro: Rollout = { ...base, spec: { ...base.spec, revisionHistoryLimit: 1 } };
    const r = reconcileRollout(observe(ro, [rs('shop:9', 9, 5), rs('shop:8', 8, 0), rs('shop:7', 7, 0), rs('shop:6', 6, 0)]));
    expect(r.intents.flatMap((i) => (i._tag === 'DeleteReplicaSet' ? [i.name] : []))).toEqual([`shop-${hashOf('shop:7')}`, `shop-${hashOf('shop:6')}`]);
  });
});

describe('reconcileRollout: steps', () => {
  const canary = { steps: [{ setWeight: 20 }, { pause: { duration: '30s' } }, { setWeight: 60 }, { pause: {} }], maxSurge: 1, maxUnavailable: 0 };

  it('setWeight completes when the counts are reached, then a timed pause starts with a requeue', () => {
    const status = withHash(canary, inProgress(0));
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 1)]));
    expect(r.status.currentStepIndex).toBe(1);
    expect(r.status.pauseConditions).toEqual([{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }]);
    expect(r.status.controllerPause).toBe(true);
    expect(r.status.phase).toBe('Paused');
    expect(r.requeueAfterMs).toBe(30_000);
  });

  it('setWeight waits while the canary pods are not available', () => {
    const status = withHash(canary, inProgress(0));
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 5), rs('shop:2', 2, 1, 0)]));
    expect(r.status.currentStepIndex).toBe(0);
    expect(scales(r)).toEqual([]); // stable cannot drop below 5 available while the canary pod is not ready
  });

  it('a timed pause ends after its duration and the next setWeight scales', () => {
    const status = withHash(canary, inProgress(1, { pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }], controllerPause: true }));
    const rss = [rs('shop:1', 1, 4), rs('shop:2', 2, 1)];
    const early = reconcileRollout(observe(rollout(canary, { status }), rss, { now: T0 + 29_000 }));
    expect(early.status.currentStepIndex).toBe(1);
    expect(early.requeueAfterMs).toBe(1_000);
    const late = reconcileRollout(observe(rollout(canary, { status }), rss, { now: T0 + 30_000 }));
    expect(late.status.currentStepIndex).toBe(2);
    expect(late.status.pauseConditions).toBeUndefined();
    expect(scales(late)).toEqual([`shop-${hashOf('shop:2')}=2`]); // 60% of 5 with surge 1: canary up first
  });

  it('an indefinite pause waits for promote; clearing pauseConditions (the promote patch) moves on', () => {
    const paused = withHash(canary, inProgress(3, { pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }], controllerPause: true }));
    const rss = [rs('shop:1', 1, 2), rs('shop:2', 2, 3)];
    const waiting = reconcileRollout(observe(rollout(canary, { status: paused }), rss, { now: T0 + 3_600_000 }));
    expect(waiting.status.currentStepIndex).toBe(3);
    expect(waiting.requeueAfterMs).toBeUndefined();
    const promoted = reconcileRollout(observe(rollout(canary, { status: { ...paused, pauseConditions: [] } }), rss));
    expect(promoted.status.currentStepIndex).toBe(4);
    expect(promoted.status.controllerPause).toBeUndefined();
  });

  it('spec.paused holds the rollout at its step', () => {
    const status = withHash(canary, inProgress(0));
    const r = reconcileRollout(observe(rollout(canary, { status, paused: true }), [rs('shop:1', 1, 4), rs('shop:2', 2, 1)]));
    expect(r.status.currentStepIndex).toBe(0);
    expect(r.status.phase).toBe('Paused');
    expect(r.status.message).toBe('manually paused');
  });

  it('after the last step, the canary at full size becomes stable and the old ReplicaSet drains', () => {
    const status = withHash(canary, inProgress(4));
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 0), rs('shop:2', 2, 5)]));
    expect(r.status.stableRS).toBe(hashOf('shop:2'));
    expect(r.intents.some((i) => i._tag === 'RecordEvent' && i.eventReason === 'RolloutCompleted')).toBe(true);
    expect(r.status.phase).toBe('Healthy');
  });
});

describe('reconcileRollout: analysis and abort', () => {
  const tmpl: AnalysisTemplate = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'success-rate' },
    spec: { args: [{ name: 'svc' }], metrics: [{ name: 'rate', provider: { web: { url: 'http://x/{{args.svc}}' } } }] },
  };
  const canary = { steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'success-rate' }], args: [{ name: 'svc', value: 'shop-canary' }] } }, { setWeight: 100 }], maxSurge: 1, maxUnavailable: 0 };
  const rss = [rs('shop:1', 1, 4), rs('shop:2', 2, 1)];

  it('creates the step AnalysisRun from the template with the rollout args, named <ro>-<hash>-<rev>-<step>', () => {
    const status = withHash(canary, inProgress(1));
    const r = reconcileRollout(observe(rollout(canary, { status }), rss, { analysisTemplates: [tmpl] }));
    const create = r.intents.find((i) => i._tag === 'CreateAnalysisRun');
    const run = create?._tag === 'CreateAnalysisRun' ? create.analysisRun : undefined;
    expect(run?.metadata?.name).toBe(`shop-${hashOf('shop:2')}-2-1`);
    expect(run?.metadata?.labels).toEqual({ app: 'shop', 'rollouts-pod-template-hash': hashOf('shop:2'), 'rollout-type': 'Step', 'step-index': '1' });
    expect(run?.spec.args).toEqual([{ name: 'svc', value: 'shop-canary' }]);
    expect(r.status.canary?.currentStepAnalysisRunStatus).toEqual({ name: `shop-${hashOf('shop:2')}-2-1`, status: 'Pending' });
  });

  const withRun = (phase: string): { status: RolloutStatus; run: AnalysisRun } => {
    const name = `shop-${hashOf('shop:2')}-2-1`;
    return {
      status: withHash(canary, inProgress(1, { canary: { currentStepAnalysisRunStatus: { name, status: 'Running' } } })),
      run: { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name, labels: { 'rollouts-pod-template-hash': hashOf('shop:2'), 'rollout-type': 'Step', 'step-index': '1' } }, spec: { metrics: [] }, status: { phase, message: phase === 'Failed' ? 'Metric "rate" assessed Failed due to failed (1) > failureLimit (0)' : '' } } as AnalysisRun,
    };
  };

  it('a successful run completes the step', () => {
    const { status, run } = withRun('Successful');
    const r = reconcileRollout(observe(rollout(canary, { status }), rss, { analysisTemplates: [tmpl], analysisRuns: [run] }));
    expect(r.status.currentStepIndex).toBe(2);
  });

  it('a failed run aborts: Degraded, canary scaled to 0, stable back to full, with the metric in the message', () => {
    const { status, run } = withRun('Failed');
    const r = reconcileRollout(observe(rollout(canary, { status }), rss, { analysisTemplates: [tmpl], analysisRuns: [run] }));
    expect(r.status.abort).toBe(true);
    expect(r.status.abortedAt).toBe('2026-01-01T00:00:00Z');
    expect(r.status.phase).toBe('Degraded');
    expect(r.status.message).toContain('RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase failed');
    expect(r.status.message).toContain('Metric "rate" assessed Failed due to failed (1) > failureLimit (0)');
    expect(scales(r)).toEqual([`shop-${hashOf('shop:1')}=5`]); // stable first (surge 1); the canary drains next
  });

  it('a run made for another step is not taken for this one (a promote moved on)', () => {
    const { status, run } = withRun('Successful');
    const other = { ...run, metadata: { ...run.metadata, labels: { ...run.metadata?.labels, 'step-index': '0' } } } as AnalysisRun;
    const r = reconcileRollout(observe(rollout(canary, { status }), rss, { analysisTemplates: [tmpl], analysisRuns: [other] }));
    expect(r.status.currentStepIndex).toBe(1);
    const create = r.intents.find((i) => i._tag === 'CreateAnalysisRun');
    expect(create?._tag === 'CreateAnalysisRun' && create.analysisRun.metadata?.name).toBe(`shop-${hashOf('shop:2')}-2-1.1`);
  });

  it('an inconclusive run pauses the rollout', () => {
    const { status, run } = withRun('Inconclusive');
    const r = reconcileRollout(observe(rollout(canary, { status }), rss, { analysisTemplates: [tmpl], analysisRuns: [run] }));
    expect(r.status.pauseConditions?.map((p) => p.reason)).toEqual(['InconclusiveAnalysisRun']);
    expect(r.status.phase).toBe('Paused');
  });

  it('a missing template is InvalidSpec naming the step, and nothing is done', () => {
    const status = withHash(canary, inProgress(1));
    const r = reconcileRollout(observe(rollout(canary, { status }), rss));
    expect(tags(r)).toEqual(['RecordEvent', 'UpdateStatus']);
    expect(r.status.phase).toBe('Degraded');
    expect(r.status.message).toBe(
      `InvalidSpec: The Rollout "shop" is invalid: spec.strategy.canary.steps[1].analysis.templates: Invalid value: "success-rate": AnalysisTemplate 'success-rate' not found`,
    );
  });
});

describe('reconcileRollout: traffic routing', () => {
  const canary = { canaryService: 'shop-canary', stableService: 'shop-stable', trafficRouting: { nginx: { stableIngress: 'shop' } }, steps: [{ setWeight: 40 }, { pause: {} }] };
  const routers = { routers: [{ kind: 'nginx', supports: [] as const }] };
  const services = [svc('shop-stable', hashOf('shop:1')), svc('shop-canary', hashOf('shop:2'))];

  it('scales the canary first and sends no traffic until its pods are available', () => {
    const status = withHash(canary, inProgress(0, { canary: { weights: { canary: { weight: 0, serviceName: 'shop-canary', podTemplateHash: hashOf('shop:2') }, stable: { weight: 100, serviceName: 'shop-stable', podTemplateHash: hashOf('shop:1') } } } }));
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 5), rs('shop:2', 2, 2, 0)], { services, trafficRouting: routers }));
    expect(tags(r)).not.toContain('SetWeight');
    expect(r.status.currentStepIndex).toBe(0);
  });

  it('sets the weight once the canary carries it, and the step completes', () => {
    const status = withHash(canary, inProgress(0, { canary: { weights: { canary: { weight: 0, serviceName: 'shop-canary', podTemplateHash: hashOf('shop:2') }, stable: { weight: 100, serviceName: 'shop-stable', podTemplateHash: hashOf('shop:1') } } } }));
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 5), rs('shop:2', 2, 2)], { services, trafficRouting: routers }));
    const sw = r.intents.find((i) => i._tag === 'SetWeight');
    expect(sw?._tag === 'SetWeight' && [sw.weight, sw.maxWeight]).toEqual([40, 100]);
    expect(r.status.canary?.weights?.canary.weight).toBe(40);
    expect(r.status.canary?.weights?.stable.weight).toBe(60);
    expect(r.status.currentStepIndex).toBe(0); // the step completes once the weight is seen applied
    const next = reconcileRollout(observe(rollout(canary, { status: r.status }), [rs('shop:1', 1, 5), rs('shop:2', 2, 2)], { services, trafficRouting: routers }));
    expect(next.intents.some((i) => i._tag === 'SetWeight')).toBe(false);
    expect(next.status.currentStepIndex).toBe(1);
  });

  it('a router that cannot do a step makes the Rollout InvalidSpec, naming the step and the router', () => {
    // A third-party router plugin that implements weights only.
    const withHeader = { trafficRouting: { plugins: { 'acme/router': {} }, managedRoutes: [{ name: 'h' }] }, steps: [{ setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: { exact: '1' } }] } }] };
    const r = reconcileRollout(observe(rollout(withHeader), [rs('shop:1', 1, 5)], { trafficRouting: { routers: [{ kind: 'acme/router', supports: [] }] } }));
    expect(r.status.phase).toBe('Degraded');
    expect(r.status.message).toBe('InvalidSpec: The Rollout "shop" is invalid: spec.strategy.canary.steps[0].setHeaderRoute: Invalid value: null: the acme/router traffic router cannot perform setHeaderRoute');
    expect(r.intents.map((i) => i._tag)).toEqual(['RecordEvent', 'UpdateStatus']);
  });

  it('a missing Service is InvalidSpec', () => {
    const r = reconcileRollout(observe(rollout(canary), [rs('shop:1', 1, 5)], { trafficRouting: routers }));
    expect(r.status.message).toContain('spec.strategy.canary.stableService: Invalid value: "shop-stable": service "shop-stable" not found');
  });
});

describe('reconcileRollout: progress deadline', () => {
  const canary = { steps: [{ setWeight: 20 }, { pause: {} }], maxSurge: 1, maxUnavailable: 0 };
  const stuck = [rs('shop:1', 1, 5), rs('shop:2', 2, 1, 0)]; // the canary pod never becomes available

  const settle = (ro: Rollout) => reconcileRollout(observe(ro, stuck)).status;

  it('no progress for progressDeadlineSeconds: Progressing False ProgressDeadlineExceeded, Degraded', () => {
    const ro = rollout(canary, { status: withHash(canary, inProgress(0)) });
    const first = settle(ro);
    const before = reconcileRollout(observe({ ...ro, status: first }, stuck, { now: T0 + 600_000 }));
    expect(before.status.phase).toBe('Progressing');
    expect(before.requeueAfterMs).toBe(1);
    const after = reconcileRollout(observe({ ...ro, status: first }, stuck, { now: T0 + 600_001 }));
    expect(after.status.phase).toBe('Degraded');
    expect(after.status.message).toBe(`ProgressDeadlineExceeded: ReplicaSet "shop-${hashOf('shop:2')}" has timed out progressing: 0/5 new pods available, step 1/2.`);
    expect(after.status.abort).toBeUndefined();
    // and it stays so while nothing moves
    const later = reconcileRollout(observe({ ...ro, status: after.status }, stuck, { now: T0 + 900_000 }));
    expect(later.status.phase).toBe('Degraded');
    expect(later.intents).toEqual([]);
  });

  it('progress after the deadline clears it', () => {
    const ro = rollout(canary, { status: withHash(canary, inProgress(0)) });
    const timedOut = reconcileRollout(observe({ ...ro, status: settle(ro) }, stuck, { now: T0 + 700_000 })).status;
    const moving = reconcileRollout(observe({ ...ro, status: timedOut }, [rs('shop:1', 1, 4), rs('shop:2', 2, 1, 1)], { now: T0 + 710_000 }));
    expect(moving.status.phase).not.toBe('Degraded');
  });

  it('with progressDeadlineAbort, the rollout aborts', () => {
    const base = rollout(canary, { status: withHash(canary, inProgress(0)) });
    const ro: Rollout = { ...base, spec: { ...base.spec, progressDeadlineAbort: true, progressDeadlineSeconds: 60 } };
    const r = reconcileRollout(observe({ ...ro, status: settle(ro) }, stuck, { now: T0 + 61_000 }));
    expect(r.status.abort).toBe(true);
    // The abort acts in the reconcile that finds the deadline passed (upstream acts one reconcile later).
    expect(r.status.abortedAt).toBeDefined();
    expect(r.intents.some((i) => i._tag === 'RecordEvent' && i.eventReason === 'RolloutAborted')).toBe(true);
  });

  it('with progressDeadlineAbort set after the deadline passed, the rollout aborts', () => {
    const base = rollout(canary, { status: withHash(canary, inProgress(0)) });
    const ro: Rollout = { ...base, spec: { ...base.spec, progressDeadlineSeconds: 60 } };
    const timedOut = reconcileRollout(observe({ ...ro, status: settle(ro) }, stuck, { now: T0 + 61_000 })).status;
    expect(timedOut.phase).toBe('Degraded');
    expect(timedOut.abort).toBeUndefined();
    const withAbort: Rollout = { ...ro, spec: { ...ro.spec, progressDeadlineAbort: true }, status: timedOut };
    const r = reconcileRollout(observe(withAbort, stuck, { now: T0 + 70_000 }));
    expect(r.status.abort).toBe(true);
    expect(r.status.abortedAt).toBeDefined();
  });

  it('does not run while paused at a pause step', () => {
    const status = withHash(canary, inProgress(1, { pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }], controllerPause: true }));
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 1)], { now: T0 + 86_400_000 }));
    expect(r.status.phase).toBe('Paused');
  });
});

describe('reconcileRollout: minimum writes', () => {
  it('a second reconcile of an unchanged, settled Rollout writes nothing', () => {
    const ro = rollout({ steps: [{ setWeight: 50 }] }, { image: 'shop:1' });
    const first = reconcileRollout(observe(ro, [rs('shop:1', 1, 5)]));
    const again = reconcileRollout(observe({ ...ro, status: first.status }, [rs('shop:1', 1, 5)], { now: T0 + 60_000 }));
    expect(again.intents).toEqual([]);
    expect(again.status.phase).toBe('Healthy');
  });

  it('is deterministic: the same observation gives the same result', () => {
    const canary = { steps: [{ setWeight: 20 }, { pause: {} }], maxSurge: 1 };
    const obs = observe(rollout(canary, { status: { stableRS: hashOf('shop:1'), currentPodHash: hashOf('shop:1') } }), [rs('shop:1', 1, 5)]);
    expect(reconcileRollout(obs)).toEqual(reconcileRollout(JSON.parse(JSON.stringify(obs))));
  });
});

describe('reconcileRollout: restartAt', () => {
  const settled = (restartAt: string, restartedAt?: string) => {
    const base = rollout({ steps: [{ setWeight: 50 }] }, { image: 'shop:1', status: { stableRS: hashOf('shop:1'), currentPodHash: hashOf('shop:1'), ...(restartedAt ? { restartedAt } : {}) } });
    return { ...base, spec: { ...base.spec, restartAt } } as Rollout;
  };
  const owner = rs('shop:1', 1, 5);
  const withUid: ReplicaSet = { ...owner, metadata: { ...owner.metadata, uid: 'rs-uid' } };
  const pod = (name: string, created: string, readyNow = true) => ({
    metadata: { name, creationTimestamp: created, ownerReferences: [{ kind: 'ReplicaSet', name: withUid.metadata?.name ?? '', uid: 'rs-uid' }] },
    status: { conditions: [{ type: 'Ready', status: readyNow ? 'True' : 'False' }] },
  });
  const old = ['a', 'b', 'c', 'd', 'e'].map((n) => pod(`shop-${n}`, '2025-12-31T00:00:00Z'));

  it('waits for a restart time in the future', () => {
    const r = reconcileRollout(observe(settled('2026-01-01T00:10:00Z'), [withUid], { pods: old }));
    expect(r.intents.filter((i) => i._tag === 'EvictPod')).toEqual([]);
    expect(r.requeueAfterMs).toBe(600_000);
  });

  it('evicts pods created before it, within maxUnavailable (25% of 5 -> 1 at a time)', () => {
    const r = reconcileRollout(observe(settled('2026-01-01T00:00:00Z'), [withUid], { pods: old }));
    expect(r.intents.flatMap((i) => (i._tag === 'EvictPod' ? [i.name] : []))).toEqual(['shop-a']);
    expect(r.status.phase).toBe('Progressing');
    expect(r.status.message).toBe('rollout is restarting');
  });

  it('evicts none while a pod is already unavailable', () => {
    const pods = [...old.slice(0, 4), pod('shop-new', '2026-01-01T00:00:01Z', false)];
    const r = reconcileRollout(observe(settled('2026-01-01T00:00:00Z'), [withUid], { pods }));
    expect(r.intents.filter((i) => i._tag === 'EvictPod')).toEqual([]);
  });

  it('records restartedAt once every pod is newer', () => {
    const pods = ['a', 'b', 'c', 'd', 'e'].map((n) => pod(`shop-${n}`, '2026-01-01T00:00:05Z'));
    const r = reconcileRollout(observe(settled('2026-01-01T00:00:00Z'), [withUid], { pods, now: T0 + 60_000 }));
    expect(r.status.restartedAt).toBe('2026-01-01T00:00:00Z');
    expect(r.status.phase).toBe('Healthy');
    expect(r.intents.some((i) => i._tag === 'RecordEvent' && i.eventReason === 'RolloutRestarted')).toBe(true);
    expect(r.intents[r.intents.length - 1]?._tag).toBe('UpdateStatus');
  });
});

describe('reconcileRollout: workloadRef scaleDown', () => {
  const withRef = (scaleDown: 'never' | 'onsuccess' | 'progressively', status?: RolloutStatus) => {
    const base = rollout({ steps: [{ setWeight: 50 }] }, { image: 'shop:1', ...(status ? { status } : {}) });
    const { template: _t, ...specNoTemplate } = base.spec;
    return { ...base, spec: { ...specNoTemplate, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop', scaleDown } } } as Rollout;
  };
  const workload = (replicas: number) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop', generation: 7, replicas, template: template('shop:1') as never });
  const healthyStatus = { stableRS: hashOf('shop:1'), currentPodHash: hashOf('shop:1') };
  const scaledTo = (r: ReconcileResult) => r.intents.flatMap((i) => (i._tag === 'ScaleWorkload' ? [i.replicas] : []));

  it('onsuccess scales the Deployment to 0 once the Rollout is Healthy, and records the generation', () => {
    const r = reconcileRollout(observe(withRef('onsuccess', healthyStatus), [rs('shop:1', 1, 5)], { workload: workload(5) }));
    expect(r.status.phase).toBe('Healthy');
    expect(scaledTo(r)).toEqual([0]);
    expect(r.status.workloadObservedGeneration).toBe('7');
  });

  it('onsuccess leaves it while the Rollout is not Healthy; never leaves it always', () => {
    expect(scaledTo(reconcileRollout(observe(withRef('onsuccess', healthyStatus), [rs('shop:1', 1, 5, 3)], { workload: workload(5) })))).toEqual([]);
    expect(scaledTo(reconcileRollout(observe(withRef('never', healthyStatus), [rs('shop:1', 1, 5)], { workload: workload(5) })))).toEqual([]);
  });

  it('progressively scales it down as Rollout pods become available', () => {
    const r = reconcileRollout(observe(withRef('progressively', healthyStatus), [rs('shop:1', 1, 5, 3)], { workload: workload(5) }));
    expect(scaledTo(r)).toEqual([2]);
  });
});

describe('reconcileRollout: a resource quantity that does not parse', () => {
  it('is not InvalidSpec: the ReplicaSet is created (as upstream)', () => {
    const ro = rollout({ steps: [{ setWeight: 20 }, { pause: {} }] });
    const invalidMemory = { ...ro, spec: { ...ro.spec, template: { ...ro.spec.template, spec: { containers: [{ name: 'shop', image: 'shop:2', resources: { limits: { memory: 'invalid' } } }] } } } } as Rollout;
    const r = reconcileRollout(observe(invalidMemory, []));
    expect(r.status.conditions?.find((c) => c.type === 'InvalidSpec')).toBeUndefined();
    expect(r.status.phase).not.toBe('Degraded');
    expect(tags(r)).toContain('CreateReplicaSet');
  });

  it('is left out of the ReplicaSet, as upstream\'s typed decoding leaves it out, and a Warning event names it (Argo e2e TestMalformedRollout)', () => {
    const ro = rollout({ steps: [{ setWeight: 20 }, { pause: {} }] });
    const containers = [{ name: 'shop', image: 'shop:2', resources: { requests: { memory: 'invalid', cpu: '100m' } } }];
    const malformed = { ...ro, spec: { ...ro.spec, template: { ...ro.spec.template, spec: { containers } } } } as Rollout;
    const r = reconcileRollout(observe(malformed, []));
    const created = r.intents.find((i) => i._tag === 'CreateReplicaSet');
    const made = created?._tag === 'CreateReplicaSet' ? (created.replicaSet.spec?.template?.spec?.containers?.[0] as { resources?: unknown }) : undefined;
    expect(made?.resources).toEqual({ requests: { cpu: '100m' } });
    const warning = r.intents.find((i) => i._tag === 'RecordEvent' && i.eventReason === 'InvalidPodTemplateField');
    expect(warning?._tag === 'RecordEvent' && warning.type).toBe('Warning');
    expect(warning?._tag === 'RecordEvent' && warning.message).toContain('spec.template.spec.containers[0].resources.requests.memory: "invalid"');
    // Once the update started, the next reconcile says nothing more, and finds the ReplicaSet it made.
    const again = reconcileRollout(observe({ ...malformed, status: r.status }, [created?._tag === 'CreateReplicaSet' ? { ...created.replicaSet, status: { replicas: 5, availableReplicas: 5, readyReplicas: 5 } } : rs('shop:2', 1, 5)]));
    expect(again.intents.some((i) => i._tag === 'CreateReplicaSet' || (i._tag === 'RecordEvent' && i.eventReason === 'InvalidPodTemplateField'))).toBe(false);
  });

  it('an ephemeralContainers list with such a quantity is left out whole (Argo e2e TestMalformedRolloutEphemeralCtr)', () => {
    const ro = rollout({ steps: [{ setWeight: 20 }, { pause: {} }] });
    const bad = { resources: { requests: { memory: 'invalid' } } };
    const spec = { containers: [{ name: 'shop', image: 'shop:2', ...bad }], ephemeralContainers: [{ name: 'shop', image: 'shop:2', ...bad }] };
    const malformed = { ...ro, spec: { ...ro.spec, template: { ...ro.spec.template, spec } } } as Rollout;
    const r = reconcileRollout(observe(malformed, []));
    expect(r.status.phase).not.toBe('Degraded');
    const created = r.intents.find((i) => i._tag === 'CreateReplicaSet');
    expect(created?._tag === 'CreateReplicaSet' && (created.replicaSet.spec?.template?.spec as { ephemeralContainers?: unknown }).ephemeralContainers).toBeUndefined();
  });
});

describe('reconcileRollout: the ReconciliationError condition the controller sets when a reconcile throws', () => {
  const canary = { steps: [{ setWeight: 20 }, { pause: {} }], maxSurge: 1, maxUnavailable: 0 };
  const noted = { type: 'ReconciliationError', status: 'True', reason: 'ReconciliationError', message: 'Reconciliation failed with error: boom', lastUpdateTime: '2025-12-31T00:00:00Z', lastTransitionTime: '2025-12-31T00:00:00Z' };

  it('a reconcile that decides removes it, in a status write, and keeps the other conditions', () => {
    const settled = reconcileRollout(observe(rollout(canary, { image: 'shop:1', status: { stableRS: hashOf('shop:1'), currentPodHash: hashOf('shop:1') } }), [rs('shop:1', 1, 5)])).status;
    const before: RolloutStatus = { ...settled, conditions: [...(settled.conditions ?? []), noted] };
    const r = reconcileRollout(observe(rollout(canary, { image: 'shop:1', status: before }), [rs('shop:1', 1, 5)]));
    expect(r.status.conditions?.map((c) => c.type)).toEqual(settled.conditions?.map((c) => c.type));
    expect(tags(r)).toContain('UpdateStatus');
    // and without it, the same Rollout writes nothing
    expect(tags(reconcileRollout(observe(rollout(canary, { image: 'shop:1', status: settled }), [rs('shop:1', 1, 5)])))).toEqual([]);
  });

  it('an InvalidSpec reconcile removes it too', () => {
    const withRun = { ...canary, steps: [{ analysis: { templates: [{ templateName: 'missing' }] } }] };
    const r = reconcileRollout(observe(rollout(withRun, { status: { conditions: [noted] } }), [rs('shop:1', 1, 5)]));
    expect(r.status.conditions?.map((c) => c.type)).toEqual(['InvalidSpec']);
  });
});

describe('reconcileRollout: hostile numbers (issue 15) are InvalidSpec at their field, never a throw', () => {
  const CANARY_PATH = 'spec.strategy.canary';
  const nginx = { stableService: 'stable', canaryService: 'canary', trafficRouting: { nginx: { stableIngress: 'ing' } } };
  it.each<[string, Record<string, unknown>, { replicas?: number }, string]>([
    ['maxSurge "NaN%"', { maxSurge: 'NaN%', steps: [{ setWeight: 50 }] }, {}, `${CANARY_PATH}.maxSurge: Invalid value: "NaN%": a valid percent string`],
    ['setCanaryScale.weight -50', { ...nginx, steps: [{ setCanaryScale: { weight: -50 } }] }, {}, `${CANARY_PATH}.steps[0].setCanaryScale.weight: Invalid value: -50: must be between 0 and 100`],
    ['maxTrafficWeight 0', { ...nginx, trafficRouting: { ...nginx.trafficRouting, maxTrafficWeight: 0 }, steps: [{ pause: {} }] }, {}, `${CANARY_PATH}.trafficRouting.maxTrafficWeight: Invalid value: 0: must be greater than 0`],
    ['abortScaleDownDelaySeconds -5', { ...nginx, abortScaleDownDelaySeconds: -5, steps: [{ setWeight: 50 }] }, {}, `${CANARY_PATH}.abortScaleDownDelaySeconds: Invalid value: -5: must be greater than or equal to 0`],
    ['replicas 2147483648', { steps: [{ setWeight: 50 }] }, { replicas: 2147483648 }, 'spec.replicas: Invalid value: 2147483648: must be a 32-bit integer (from -2147483648 to 2147483647)'],
    [
      'an integer pause duration 3e9',
      { steps: [{ pause: { duration: 3e9 } }] },
      {},
      `${CANARY_PATH}.steps[0].pause.duration: Invalid value: 3000000000: must be a 32-bit integer (from -2147483648 to 2147483647) or a string`,
    ],
  ])('%s', (_name, canary, opts, message) => {
    const services = [svc('stable'), svc('canary')];
    for (const replicaSets of [[], [rs('shop:1', 1, 5)]]) {
      const r = reconcileRollout(observe(rollout(canary, opts), replicaSets, { services }));
      const condition = r.status.conditions?.find((c) => c.type === 'InvalidSpec');
      expect(condition?.message).toContain(message);
      expect(r.status.phase).toBe('Degraded');
      expect(tags(r)).toEqual(['RecordEvent', 'UpdateStatus']);
    }
  });
});
