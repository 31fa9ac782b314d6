/**
 * Reconcile-level tests for canary behaviour under interruption (a newer revision, an abort, a promote past a
 * step), each pinned to what Argo Rollouts does (`rollout/canary.go`, `rollout/service.go`, `rollout/analysis.go`,
 * `rollout/experiment.go` of v1.8): every one of these failed before the fix it names.
 */
import type { AnalysisRun, Experiment, ReplicaSet, Rollout, RolloutStatus, Service } from '@rollouts/api';
import type { Intent, ReconcileResult } from './Intent';
import type { RolloutObservation } from './Observation';
import { podTemplateHash } from './PodTemplateHash';
import { reconcileRollout } from './ReconcileRollout';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const template = (image: string) => ({ metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop', image }] } });
const hashOf = (image: string) => podTemplateHash(template(image) as never);

function rollout(canary: Record<string, unknown>, opts: { image?: string; replicas?: number; status?: RolloutStatus } = {}): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'shop', namespace: 'default', uid: 'uid-1', generation: 2 },
    spec: { replicas: opts.replicas ?? 4, selector: { matchLabels: { app: 'shop' } }, template: template(opts.image ?? 'shop:2'), strategy: { canary } },
    ...(opts.status ? { status: opts.status } : {}),
  } as Rollout;
}

function rs(image: string, revision: number, replicas: number, available = replicas, annotations: Record<string, string> = {}): ReplicaSet {
  const hash = hashOf(image);
  const t = template(image);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `shop-${hash}`, labels: { app: 'shop', 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': String(revision), ...annotations } },
    spec: { replicas, selector: { matchLabels: { app: 'shop', 'rollouts-pod-template-hash': hash } }, template: { ...t, metadata: { labels: { ...t.metadata.labels, 'rollouts-pod-template-hash': hash } } } },
    status: { replicas, readyReplicas: available, availableReplicas: available },
  };
}

const svc = (name: string, hash?: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, annotations: { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'shop' } },
  spec: { selector: { app: 'shop', ...(hash ? { 'rollouts-pod-template-hash': hash } : {}) } },
});

function observe(ro: Rollout, replicaSets: ReplicaSet[], extra: Partial<RolloutObservation> = {}): RolloutObservation {
  return { rollout: ro, replicaSets, services: [], analysisRuns: [], experiments: [], analysisTemplates: [], clusterAnalysisTemplates: [], now: T0, ...extra };
}

/** The status a first reconcile writes for these steps, then what the caller adds (so no hash is hard-coded). */
function statusFor(canary: Record<string, unknown>, extra: Partial<RolloutStatus>): RolloutStatus {
  const first = reconcileRollout(observe(rollout(canary, { image: 'shop:1' }), [rs('shop:1', 1, 4)]));
  return { ...first.status, currentPodHash: hashOf('shop:2'), stableRS: hashOf('shop:1'), currentStepIndex: 0, ...extra };
}

const selectorPatches = (r: ReconcileResult) => r.intents.flatMap((i: Intent) => (i._tag === 'PatchServiceSelector' ? [`${i.service}=${i.podTemplateHash}`] : []));
const scales = (r: ReconcileResult) =>
  r.intents.flatMap((i: Intent) => (i._tag === 'ScaleReplicaSet' ? [`${i.name}=${i.replicas}`] : i._tag === 'CreateReplicaSet' ? [`+${i.replicaSet.metadata?.name}=${i.replicaSet.spec?.replicas}`] : []));
const terminated = (r: ReconcileResult) => r.intents.flatMap((i: Intent) => (i._tag === 'TerminateAnalysisRun' || i._tag === 'TerminateExperiment' ? [`${i._tag}:${i.name}`] : []));

const template0 = { name: 'pass', metrics: [{ name: 'm', provider: { job: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }], restartPolicy: 'Never' } } } } } }] };
const analysisTemplates = [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: { name: 'pass', namespace: 'default' }, spec: template0 }] as never;

function run(name: string, labels: Record<string, string>, phase: string, terminate = false): AnalysisRun {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: { name, namespace: 'default', labels: { app: 'shop', 'rollouts-pod-template-hash': hashOf('shop:2'), ...labels } },
    spec: { metrics: template0.metrics, ...(terminate ? { terminate: true } : {}) },
    status: { phase },
  } as AnalysisRun;
}

function experiment(name: string, phase: string): Experiment {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name, namespace: 'default', labels: { 'rollouts-pod-template-hash': hashOf('shop:2') } },
    spec: { templates: [{ name: 'canary', selector: { matchLabels: { app: 'shop' } }, template: template('shop:2') }] },
    status: { phase },
  } as Experiment;
}

describe('canary: setCanaryScale waits for the canary (upstream AtDesiredReplicaCountsForCanary)', () => {
  const canary = { canaryService: 'shop-canary', stableService: 'shop-stable', trafficRouting: { nginx: { stableIngress: 'shop' } }, steps: [{ setCanaryScale: { replicas: 2 } }, { pause: {} }] };
  const routing = { routers: [{ kind: 'nginx', supports: [] as const }] };
  const services = [svc('shop-stable', hashOf('shop:1')), svc('shop-canary', hashOf('shop:1'))];

  it('does not complete while the canary has no pod, and completes once it has the asked pods available', () => {
    const status = statusFor(canary, {});
    const first = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 0)], { services, trafficRouting: routing }));
    expect(scales(first)).toEqual([`shop-${hashOf('shop:2')}=2`]);
    expect(first.status.currentStepIndex).toBe(0);
    const halfway = reconcileRollout(observe(rollout(canary, { status: first.status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 2, 1)], { services, trafficRouting: routing }));
    expect(halfway.status.currentStepIndex).toBe(0);
    const ready = reconcileRollout(observe(rollout(canary, { status: halfway.status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 2)], { services, trafficRouting: routing }));
    expect(ready.status.currentStepIndex).toBe(1);
  });
});

describe('canary: Services never select a revision with no available pod (upstream ensureSVCTargets)', () => {
  const canary = { canaryService: 'shop-canary', stableService: 'shop-stable', steps: [{ setWeight: 50 }, { pause: {} }] };

  it('a newer revision interrupting an update at 50% gets the canary Service only once it has an available pod', () => {
    // shop:2 was the canary at 50%; shop:3 replaces it.
    const status = statusFor(canary, { currentPodHash: hashOf('shop:2'), currentStepIndex: 1, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }], controllerPause: true });
    const services = [svc('shop-stable', hashOf('shop:1')), svc('shop-canary', hashOf('shop:2'))];
    const before = reconcileRollout(observe(rollout(canary, { image: 'shop:3', status }), [rs('shop:1', 1, 2), rs('shop:2', 2, 2), rs('shop:3', 3, 1, 0)], { services }));
    expect(selectorPatches(before)).not.toContain(`shop-canary=${hashOf('shop:3')}`);
    const after = reconcileRollout(observe(rollout(canary, { image: 'shop:3', status: before.status }), [rs('shop:1', 1, 2), rs('shop:2', 2, 2), rs('shop:3', 3, 1, 1)], { services }));
    expect(selectorPatches(after)).toContain(`shop-canary=${hashOf('shop:3')}`);
  });

  it('a Service not yet managed by a Rollout is adopted only once the revision is fully available', () => {
    const status = statusFor(canary, {});
    const unmanaged: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop-canary' }, spec: { selector: { app: 'shop' } } };
    const services = [svc('shop-stable', hashOf('shop:1')), unmanaged];
    const partial = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 2, 1)], { services }));
    expect(selectorPatches(partial)).not.toContain(`shop-canary=${hashOf('shop:2')}`);
    const full = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 2, 2)], { services }));
    expect(selectorPatches(full)).toContain(`shop-canary=${hashOf('shop:2')}`);
  });

  it('an aborted basic canary points the canary Service back at the stable revision', () => {
    const status = statusFor(canary, { abort: true, abortedAt: '2026-01-01T00:00:00Z', currentStepIndex: 1 });
    const services = [svc('shop-stable', hashOf('shop:1')), svc('shop-canary', hashOf('shop:2'))];
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 2), rs('shop:2', 2, 2)], { services }));
    expect(selectorPatches(r)).toContain(`shop-canary=${hashOf('shop:1')}`);
  });
});

describe('canary: runs and experiments of an abandoned step are terminated (upstream cancels every non-current one)', () => {
  it('a step AnalysisRun is terminated and leaves the status when a promote skips its step', () => {
    const canary = { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'pass' }] } }, { pause: {} }] };
    const stepRun = run('shop-run-1', { 'rollout-type': 'Step', 'step-index': '1' }, 'Running');
    // The plugin's promote of a rollout that is not paused moves currentStepIndex past the step.
    const status = statusFor(canary, { currentStepIndex: 2, canary: { currentStepAnalysisRunStatus: { name: 'shop-run-1', status: 'Running' } } });
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 2), rs('shop:2', 2, 2)], { analysisRuns: [stepRun], analysisTemplates }));
    expect(terminated(r)).toContain('TerminateAnalysisRun:shop-run-1');
    expect(r.status.canary?.currentStepAnalysisRunStatus).toBeUndefined();
  });

  it('a run already told to terminate is not told again', () => {
    const canary = { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'pass' }] } }, { pause: {} }] };
    const stepRun = run('shop-run-1', { 'rollout-type': 'Step', 'step-index': '1' }, 'Running', true);
    const status = statusFor(canary, { currentStepIndex: 2 });
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 2), rs('shop:2', 2, 2)], { analysisRuns: [stepRun], analysisTemplates }));
    expect(terminated(r)).toEqual([]);
  });

  it('a run of a superseded revision is terminated', () => {
    const canary = { steps: [{ setWeight: 50 }, { pause: {} }], analysis: { templates: [{ templateName: 'pass' }] } };
    const old = run('shop-old-bg', { 'rollout-type': 'Background' }, 'Running');
    const status = statusFor(canary, { currentPodHash: hashOf('shop:2'), canary: { currentBackgroundAnalysisRunStatus: { name: 'shop-old-bg', status: 'Running' } } });
    const r = reconcileRollout(observe(rollout(canary, { image: 'shop:3', status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 1)], { analysisRuns: [old], analysisTemplates }));
    expect(terminated(r)).toContain('TerminateAnalysisRun:shop-old-bg');
  });

  it('an experiment step Experiment is terminated when a promote moves past the step', () => {
    const canary = { steps: [{ experiment: { templates: [{ name: 'canary', specRef: 'canary' }] } }, { setWeight: 50 }] };
    const status = statusFor(canary, { currentStepIndex: 1, canary: { currentExperiment: 'shop-x' } });
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 0)], { experiments: [experiment('shop-x', 'Running')] }));
    expect(terminated(r)).toContain('TerminateExperiment:shop-x');
    expect(r.status.canary?.currentExperiment).toBeUndefined();
  });

  it('an experiment step Experiment is terminated on abort', () => {
    const canary = { steps: [{ experiment: { templates: [{ name: 'canary', specRef: 'canary' }] } }, { setWeight: 50 }] };
    const status = statusFor(canary, { currentStepIndex: 0, abort: true, canary: { currentExperiment: 'shop-x' } });
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 0)], { experiments: [experiment('shop-x', 'Running')] }));
    expect(terminated(r)).toContain('TerminateExperiment:shop-x');
  });

  it("the step run's status follows the run after an abort (not left Running)", () => {
    const canary = { steps: [{ analysis: { templates: [{ templateName: 'pass' }] } }, { pause: {} }], analysis: { templates: [{ templateName: 'pass' }] } };
    const stepRun = run('shop-step', { 'rollout-type': 'Step', 'step-index': '0' }, 'Failed', true);
    const bg = run('shop-bg', { 'rollout-type': 'Background' }, 'Failed');
    const status = statusFor(canary, {
      abort: true,
      abortedAt: '2026-01-01T00:00:00Z',
      canary: { currentStepAnalysisRunStatus: { name: 'shop-step', status: 'Running' }, currentBackgroundAnalysisRunStatus: { name: 'shop-bg', status: 'Failed' } },
    });
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 1)], { analysisRuns: [stepRun, bg], analysisTemplates }));
    expect(r.status.canary?.currentStepAnalysisRunStatus?.status).toBe('Failed');
  });
});

describe('canary: a run or experiment the status failed to name is followed, not duplicated (a 409 on the status write)', () => {
  it('a step AnalysisRun made for this revision and step is adopted', () => {
    const canary = { steps: [{ analysis: { templates: [{ templateName: 'pass' }] } }, { pause: {} }] };
    const status = statusFor(canary, {});
    const first = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 1)], { analysisTemplates }));
    const created = first.intents.find((i) => i._tag === 'CreateAnalysisRun');
    expect(created?._tag).toBe('CreateAnalysisRun');
    const made = created?._tag === 'CreateAnalysisRun' ? { ...created.analysisRun, status: { phase: 'Running' } } : undefined;
    // The status write failed: the next reconcile starts from the old status but sees the run.
    const again = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 1)], { analysisTemplates, analysisRuns: [made as AnalysisRun] }));
    expect(again.intents.some((i) => i._tag === 'CreateAnalysisRun')).toBe(false);
    expect(terminated(again)).toEqual([]);
    expect(again.status.canary?.currentStepAnalysisRunStatus).toEqual({ name: made?.metadata?.name, status: 'Running' });
  });

  it('an experiment step Experiment made for this revision and step is adopted', () => {
    const canary = { steps: [{ experiment: { templates: [{ name: 'canary', specRef: 'canary' }] } }, { pause: {} }] };
    const status = statusFor(canary, {});
    const first = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 0)]));
    const created = first.intents.find((i) => i._tag === 'CreateExperiment');
    expect(created?._tag).toBe('CreateExperiment');
    const made = created?._tag === 'CreateExperiment' ? { ...created.experiment, status: { phase: 'Running' } } : undefined;
    const again = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 0)], { experiments: [made as Experiment] }));
    expect(again.intents.some((i) => i._tag === 'CreateExperiment')).toBe(false);
    expect(terminated(again)).toEqual([]);
    expect(again.status.canary?.currentExperiment).toBe(made?.metadata?.name);
  });

  it('an Experiment of that name is not followed when another object controls it, it is finished, or its spec differs', () => {
    const canary = { steps: [{ experiment: { templates: [{ name: 'canary', specRef: 'canary' }] } }, { pause: {} }] };
    const status = statusFor(canary, {});
    const rss = [rs('shop:1', 1, 4), rs('shop:2', 2, 0)];
    const first = reconcileRollout(observe(rollout(canary, { status }), rss));
    const created = first.intents.find((i) => i._tag === 'CreateExperiment');
    if (created?._tag !== 'CreateExperiment') throw new Error('expected an Experiment');
    const made = created.experiment;
    const owner = made.metadata!.ownerReferences![0]!;
    const cases: Record<string, Experiment> = {
      'another controller': { ...made, metadata: { ...made.metadata, ownerReferences: [{ ...owner, uid: 'uid-other' }] }, status: { phase: 'Running' } } as Experiment,
      finished: { ...made, status: { phase: 'Failed' } } as Experiment,
      terminated: { ...made, spec: { ...made.spec, terminate: true }, status: { phase: 'Running' } } as Experiment,
      'another spec': { ...made, spec: { ...made.spec, duration: '1h' }, status: { phase: 'Running' } } as Experiment,
    };
    for (const [why, existing] of Object.entries(cases)) {
      const again = reconcileRollout(observe(rollout(canary, { status }), rss, { experiments: [existing] }));
      const next = again.intents.find((i) => i._tag === 'CreateExperiment');
      expect([why, next?._tag === 'CreateExperiment' ? next.experiment.metadata?.name : undefined]).toEqual([why, `${made.metadata?.name}.1`]);
      expect([why, again.status.canary?.currentExperiment]).toEqual([why, `${made.metadata?.name}.1`]);
    }
  });
});

describe('canary: scale-down deadlines', () => {
  it('a ReplicaSet that becomes stable again loses its scale-down-deadline annotation', () => {
    const canary = { canaryService: 'shop-canary', stableService: 'shop-stable', trafficRouting: { nginx: { stableIngress: 'shop' } }, steps: [{ setWeight: 50 }, { pause: {} }] };
    const routing = { routers: [{ kind: 'nginx', supports: [] as const }] };
    const services = [svc('shop-stable', hashOf('shop:1')), svc('shop-canary', hashOf('shop:1'))];
    // shop:1 is the stable and was once an old revision with a deadline that never ran out.
    const first = reconcileRollout(observe(rollout(canary, { image: 'shop:1' }), [rs('shop:1', 3, 4, 4, { 'scale-down-deadline': '2026-01-01T01:00:00Z' })], { services, trafficRouting: routing }));
    const annotate = first.intents.find((i) => (i._tag === 'AnnotateReplicaSet' || i._tag === 'ScaleReplicaSet') && i.name === `shop-${hashOf('shop:1')}`);
    expect(annotate).toBeDefined();
    expect(JSON.stringify(annotate)).toContain('"scale-down-deadline":null');
  });
});

// ---- A hand-driven cluster for multi-reconcile scenarios: ReplicaSets take the sizes the intents ask for, and
// the test says how many pods of each revision are ready (as the e2e suite's MarkPodsReady does). -------------
interface Scenario {
  rollout: Rollout;
  replicaSets: ReplicaSet[];
  services: Service[];
  ready: Record<string, number>;
  now: number;
}

function apply(sc: Scenario, r: ReconcileResult): void {
  for (const i of r.intents) {
    if (i._tag === 'CreateReplicaSet') sc.replicaSets.push(i.replicaSet);
    else if (i._tag === 'ScaleReplicaSet' || i._tag === 'AnnotateReplicaSet') {
      sc.replicaSets = sc.replicaSets.map((x) => {
        if (x.metadata?.name !== i.name) return x;
        const annotations: Record<string, string> = { ...(x.metadata?.annotations ?? {}) };
        for (const [k, v] of Object.entries(i.annotations ?? {})) if (v === null) delete annotations[k];
        else annotations[k] = v as string;
        return { ...x, metadata: { ...x.metadata, annotations }, spec: { ...x.spec!, replicas: i._tag === 'ScaleReplicaSet' ? i.replicas : x.spec!.replicas } };
      });
    } else if (i._tag === 'PatchServiceSelector')
      sc.services = sc.services.map((s) => (s.metadata?.name === i.service ? { ...s, spec: { selector: { ...s.spec!.selector, 'rollouts-pod-template-hash': i.podTemplateHash } } } : s));
  }
  sc.rollout = { ...sc.rollout, status: r.status };
}

/** Pods of each ReplicaSet: its spec size, ready up to what the test allows for its hash. */
function settle(sc: Scenario): void {
  sc.replicaSets = sc.replicaSets.map((x) => {
    const n = x.spec?.replicas ?? 0;
    const hash = x.metadata?.labels?.['rollouts-pod-template-hash'] ?? '';
    const ready = Math.min(n, sc.ready[hash] ?? n);
    return { ...x, status: { replicas: n, readyReplicas: ready, availableReplicas: ready } };
  });
}

function step(sc: Scenario, routing?: RolloutObservation['trafficRouting']): ReconcileResult {
  settle(sc);
  const r = reconcileRollout(observe(sc.rollout, sc.replicaSets, { services: sc.services, now: sc.now, ...(routing ? { trafficRouting: routing } : {}) }));
  apply(sc, r);
  settle(sc);
  return r;
}
const specOf = (sc: Scenario, image: string) => sc.replicaSets.find((x) => x.metadata?.name === `shop-${hashOf(image)}`)?.spec?.replicas;
const selectorOf = (sc: Scenario, name: string) => sc.services.find((s) => s.metadata?.name === name)?.spec?.selector?.['rollouts-pod-template-hash'];

describe('canary: dynamicStableScale abort and rollback (upstream e2e TestCanaryDynamicStableScale*)', () => {
  const canary = {
    dynamicStableScale: true,
    canaryService: 'shop-canary',
    stableService: 'shop-stable',
    trafficRouting: { nginx: { stableIngress: 'shop' } },
    steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }, { pause: {} }],
  };
  const routing = { routers: [{ kind: 'nginx', supports: [] as const }] };
  const promote = (sc: Scenario) => (sc.rollout = { ...sc.rollout, status: { ...sc.rollout.status, pauseConditions: undefined } as RolloutStatus });

  function pausedAt75(): Scenario {
    const sc: Scenario = { rollout: rollout(canary, { image: 'shop:1' }), replicaSets: [], services: [svc('shop-stable'), svc('shop-canary')], ready: {}, now: T0 };
    for (let i = 0; i < 4; i++) step(sc, routing);
    expect(sc.rollout.status?.phase).toBe('Healthy');
    sc.rollout = { ...sc.rollout, spec: { ...sc.rollout.spec, template: template('shop:2') } };
    for (let i = 0; i < 6; i++) step(sc, routing);
    expect(sc.rollout.status?.currentStepIndex).toBe(1);
    expect([specOf(sc, 'shop:1'), specOf(sc, 'shop:2')]).toEqual([3, 1]);
    promote(sc);
    for (let i = 0; i < 8; i++) step(sc, routing);
    expect(sc.rollout.status?.currentStepIndex).toBe(3);
    expect([specOf(sc, 'shop:1'), specOf(sc, 'shop:2')]).toEqual([1, 3]);
    return sc;
  }

  it('abort: stable scales up, traffic follows its available pods, the canary shrinks behind the traffic, then the canary Service goes back', () => {
    const sc = pausedAt75();
    sc.rollout = { ...sc.rollout, status: { ...sc.rollout.status, abort: true } };
    sc.ready[hashOf('shop:1')] = 1;
    for (let i = 0; i < 4; i++) step(sc, routing);
    expect(sc.rollout.status?.canary?.weights?.canary.weight).toBe(75); // stable cannot carry more yet
    sc.ready[hashOf('shop:1')] = 3;
    for (let i = 0; i < 6; i++) step(sc, routing);
    expect(specOf(sc, 'shop:2')).toBe(1);
    expect(specOf(sc, 'shop:1')).toBe(4);
    expect(selectorOf(sc, 'shop-canary')).toBe(hashOf('shop:2'));
    sc.ready[hashOf('shop:1')] = 4;
    for (let i = 0; i < 6; i++) step(sc, routing);
    expect(specOf(sc, 'shop:2')).toBe(0);
    expect(sc.rollout.status?.canary?.weights?.canary.weight).toBe(0);
    expect(selectorOf(sc, 'shop-canary')).toBe(hashOf('shop:1'));
    expect(specOf(sc, 'shop:1')).toBe(4);
  });

  it('abort with abortScaleDownDelaySeconds set: the canary keeps its pods until the delay after stable is fully available', () => {
    const withDelay = { ...canary, abortScaleDownDelaySeconds: 30 };
    const sc = pausedAt75();
    sc.rollout = { ...sc.rollout, spec: { ...sc.rollout.spec, strategy: { canary: withDelay } } as Rollout['spec'], status: { ...sc.rollout.status, abort: true } };
    sc.ready[hashOf('shop:1')] = 4;
    for (let i = 0; i < 6; i++) step(sc, routing);
    expect(sc.rollout.status?.canary?.weights?.canary.weight).toBe(0);
    expect(specOf(sc, 'shop:2')).toBe(3);
    sc.now += 31_000;
    for (let i = 0; i < 3; i++) step(sc, routing);
    expect(specOf(sc, 'shop:2')).toBe(0);
  });

  it('rollback to stable mid-update: the previous canary keeps its pods and traffic until the stable is fully available', () => {
    const sc: Scenario = { rollout: rollout(canary, { image: 'shop:1' }), replicaSets: [], services: [svc('shop-stable'), svc('shop-canary')], ready: {}, now: T0 };
    for (let i = 0; i < 4; i++) step(sc, routing);
    sc.rollout = { ...sc.rollout, spec: { ...sc.rollout.spec, template: template('shop:2') } };
    for (let i = 0; i < 6; i++) step(sc, routing);
    expect([specOf(sc, 'shop:1'), specOf(sc, 'shop:2')]).toEqual([3, 1]);
    // Undo to revision 1 (the stable): its pods come up, one stays unready for a while.
    sc.ready[hashOf('shop:1')] = 3;
    sc.rollout = { ...sc.rollout, spec: { ...sc.rollout.spec, template: template('shop:1') } };
    for (let i = 0; i < 6; i++) step(sc, routing);
    expect(specOf(sc, 'shop:1')).toBe(4);
    expect(specOf(sc, 'shop:2')).toBe(1);
    expect(selectorOf(sc, 'shop-canary')).toBe(hashOf('shop:2'));
    expect(sc.rollout.status?.canary?.weights?.canary.weight).toBe(25);
    sc.ready[hashOf('shop:1')] = 4;
    for (let i = 0; i < 6; i++) step(sc, routing);
    expect(specOf(sc, 'shop:2')).toBe(0);
    expect(selectorOf(sc, 'shop-canary')).toBe(hashOf('shop:1'));
    expect(sc.rollout.status?.canary?.weights?.canary.weight).toBe(0);
  });
});

describe('canary: promote --full after an abort, and experiment arguments', () => {
  it('promote --full after an abort clears the abort and promotes to Healthy (upstream RemoveAbort on promoteFull)', () => {
    const canary = { steps: [{ setWeight: 50 }, { pause: {} }] };
    const status = statusFor(canary, { abort: true, abortedAt: '2026-01-01T00:00:00Z', promoteFull: true, currentStepIndex: 1 });
    const sc: Scenario = { rollout: rollout(canary, { status }), replicaSets: [rs('shop:1', 1, 4), rs('shop:2', 2, 0)], services: [], ready: {}, now: T0 };
    const first = step(sc);
    expect(first.status.abort).toBeUndefined();
    expect(first.status.abortedAt).toBeUndefined();
    for (let i = 0; i < 10; i++) step(sc);
    expect(sc.rollout.status?.stableRS).toBe(hashOf('shop:2'));
    expect(sc.rollout.status?.phase).toBe('Healthy');
    expect([specOf(sc, 'shop:1'), specOf(sc, 'shop:2')]).toEqual([0, 4]);
  });

  it('experiment arguments from a fieldRef follow Kubernetes field-reference rules: a label, or "" for an absent one', () => {
    const arg = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    const canary = {
      steps: [{ experiment: { templates: [{ name: 'canary', specRef: 'canary' }], analyses: [{ name: 'a', templateName: 'pass', args: [arg('x', "metadata.labels['nope']"), arg('n', 'metadata.name')] }] } }],
    };
    const status = statusFor(canary, {});
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 0)], { analysisTemplates }));
    const created = r.intents.find((i) => i._tag === 'CreateExperiment');
    expect(created?._tag === 'CreateExperiment' && created.experiment.spec.analyses?.[0]?.args).toEqual([
      { name: 'x', value: '' },
      { name: 'n', value: 'shop' },
    ]);
  });
});

describe('canary: events as upstream records them (e2e TestRolloutAbortRetryPromote)', () => {
  it('deploy, update, pause, abort, retry, timed pause, complete: the same reasons in the same order', () => {
    const canary = { steps: [{ setWeight: 50 }, { pause: { duration: '3s' } }] };
    const sc: Scenario = { rollout: rollout(canary, { image: 'shop:1', replicas: 1 }), replicaSets: [], services: [], ready: {}, now: T0 };
    const reasons: string[] = [];
    const run = (until: () => boolean, what: string) => {
      for (let i = 0; i < 12; i++) {
        const r = step(sc);
        for (const x of r.intents) if (x._tag === 'RecordEvent') reasons.push(x.eventReason);
        if (until()) return;
        sc.now += 1_000;
      }
      throw new Error(`never ${what}: ${sc.rollout.status?.phase} ${sc.rollout.status?.message}`);
    };
    const phase = () => sc.rollout.status?.phase;
    run(() => phase() === 'Healthy', 'Healthy after the first deploy');
    sc.rollout = { ...sc.rollout, spec: { ...sc.rollout.spec, template: template('shop:2') } };
    run(() => phase() === 'Paused', 'paused at the pause step');
    sc.rollout = { ...sc.rollout, status: { ...sc.rollout.status, abort: true } };
    run(() => phase() === 'Degraded', 'Degraded after the abort');
    sc.rollout = { ...sc.rollout, status: { ...sc.rollout.status, abort: false } };
    run(() => phase() === 'Paused', 'paused again after the retry');
    run(() => phase() === 'Healthy', 'Healthy after the timed pause');
    expect(reasons).toEqual([
      'RolloutUpdated',
      'NewReplicaSetCreated',
      'RolloutNotCompleted',
      'ScalingReplicaSet',
      'RolloutCompleted',
      'RolloutUpdated',
      'NewReplicaSetCreated',
      'RolloutNotCompleted',
      'ScalingReplicaSet',
      'RolloutStepCompleted',
      'RolloutPaused',
      'ScalingReplicaSet',
      'RolloutAborted',
      'ScalingReplicaSet',
      'RolloutStepCompleted',
      'RolloutPaused',
      'RolloutStepCompleted',
      'RolloutResumed',
      'ScalingReplicaSet',
      'RolloutCompleted',
    ]);
  });
});

describe('canary: AnalysisRun<Phase> events on the Rollout (upstream emitAnalysisRunStatusChanges)', () => {
  const canary = { steps: [{ analysis: { templates: [{ templateName: 'pass' }] } }, { pause: {} }] };
  const analysisEvents = (r: ReconcileResult) => r.intents.flatMap((i) => (i._tag === 'RecordEvent' && i.eventReason.startsWith('AnalysisRun') ? [[i.type, i.eventReason, i.message]] : []));
  const at = (prevPhase: string, phase: string) => {
    const status = statusFor(canary, { canary: { currentStepAnalysisRunStatus: { name: 'shop-step', status: prevPhase } } });
    return reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 1)], { analysisTemplates, analysisRuns: [run('shop-step', { 'rollout-type': 'Step', 'step-index': '0' }, phase)] }));
  };
  it('one event when the step run changed phase, Warning for Failed; none while unchanged', () => {
    expect(analysisEvents(at('Pending', 'Running'))).toEqual([['Normal', 'AnalysisRunRunning', "Step Analysis Run 'shop-step' Status New: 'Running' Previous: 'Pending'"]]);
    expect(analysisEvents(at('Running', 'Running'))).toEqual([]);
    expect(analysisEvents(at('Running', 'Failed'))).toEqual([['Warning', 'AnalysisRunFailed', "Step Analysis Run 'shop-step' Status New: 'Failed' Previous: 'Running'"]]);
  });
});

describe('canary: found by the interruption property test (each failed before its fix)', () => {
  it('promote --full stops the background run and clears the pause: a failing run no longer aborts the promotion', () => {
    const canary = { steps: [{ pause: {} }], analysis: { templates: [{ templateName: 'pass' }] } };
    const bg = run('shop-bg', { 'rollout-type': 'Background' }, 'Failed');
    const status = statusFor(canary, {
      promoteFull: true,
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }],
      controllerPause: true,
      canary: { currentBackgroundAnalysisRunStatus: { name: 'shop-bg', status: 'Running' } },
    });
    const r = reconcileRollout(observe(rollout(canary, { replicas: 1, status }), [rs('shop:1', 1, 1), rs('shop:2', 2, 0)], { analysisTemplates, analysisRuns: [bg] }));
    expect(r.status.abort).toBeUndefined();
    expect(r.status.pauseConditions).toBeUndefined();
    expect(r.status.canary?.currentBackgroundAnalysisRunStatus).toBeUndefined();
    expect(r.intents.some((i) => i._tag === 'CreateAnalysisRun')).toBe(false);
  });

  it("a promote from one experiment step to the next does not let the first step's Experiment decide the second", () => {
    const x = { experiment: { templates: [{ name: 'canary', specRef: 'canary' }] } };
    const canary = { steps: [x, x, { pause: {} }] };
    const first = reconcileRollout(observe(rollout(canary, { status: statusFor(canary, {}) }), [rs('shop:1', 1, 4), rs('shop:2', 2, 0)]));
    const made = first.intents.find((i) => i._tag === 'CreateExperiment');
    const exp0 = made?._tag === 'CreateExperiment' ? ({ ...made.experiment, status: { phase: 'Successful' } } as Experiment) : undefined;
    // The CLI's promote of a Rollout that is not paused moves currentStepIndex to the next step.
    const status = { ...first.status, currentStepIndex: 1 };
    const r = reconcileRollout(observe(rollout(canary, { status }), [rs('shop:1', 1, 4), rs('shop:2', 2, 0)], { experiments: [exp0!] }));
    expect(r.status.currentStepIndex).toBe(1);
    expect(r.intents.some((i) => i._tag === 'CreateExperiment')).toBe(true);
    expect(r.status.canary?.currentExperiment).not.toBe(exp0!.metadata?.name);
  });

  it('a basic setWeight step does not complete while a newer revision still holds the surge (no canary pod yet)', () => {
    const canary = { steps: [{ setWeight: 100 }, { pause: {} }], maxSurge: 1, maxUnavailable: 0 };
    // v3 was created and holds the surge with no pod available; the template is back to v2.
    const status = statusFor(canary, { currentPodHash: hashOf('shop:3') });
    const r = reconcileRollout(observe(rollout(canary, { replicas: 5, status }), [rs('shop:1', 1, 5), rs('shop:3', 3, 1, 0)]));
    expect(r.status.currentStepIndex).toBe(0);
    expect(r.status.pauseConditions).toBeUndefined();
  });

  it('a basic canary rolling back to the stable revision stays within maxSurge', () => {
    const canary = { steps: [{ setWeight: 0 }], maxSurge: 0, maxUnavailable: '25%' };
    // v1 is the stable, scaled to 0 while v2 (the update) has 2; the template goes back to v1.
    const status = statusFor(canary, { currentPodHash: hashOf('shop:2'), currentStepIndex: 1 });
    const r = reconcileRollout(observe(rollout(canary, { image: 'shop:1', replicas: 2, status }), [rs('shop:1', 1, 0), rs('shop:2', 2, 2)]));
    const total = (name: string, current: number) => {
      const s = r.intents.find((i) => i._tag === 'ScaleReplicaSet' && i.name === name);
      return s?._tag === 'ScaleReplicaSet' ? s.replicas : current;
    };
    expect(total(`shop-${hashOf('shop:1')}`, 0) + total(`shop-${hashOf('shop:2')}`, 2)).toBeLessThanOrEqual(2);
  });

  it('dynamicStableScale: a canary whose weight is held keeps the pods that weight needs; the stable is sized for the weight it is about to serve', () => {
    const canary = {
      dynamicStableScale: true,
      canaryService: 'shop-canary',
      stableService: 'shop-stable',
      trafficRouting: { nginx: { stableIngress: 'shop' } },
      steps: [{ setWeight: 34 }, { setWeight: 35 }, { setWeight: 1 }],
      maxSurge: 1,
      maxUnavailable: 0,
    };
    const routing = { routers: [{ kind: 'nginx', supports: [] as const }] };
    const sc: Scenario = { rollout: rollout(canary, { image: 'shop:1', replicas: 3 }), replicaSets: [], services: [svc('shop-stable'), svc('shop-canary')], ready: {}, now: T0 };
    for (let i = 0; i < 4; i++) step(sc, routing);
    sc.rollout = { ...sc.rollout, spec: { ...sc.rollout.spec, template: template('shop:2') } };
    for (let i = 0; i < 3; i++) step(sc, routing);
    // Step 3 asks for weight 1 while the stable has 2 of 3 pods: the weight is held at 35, and so are the canary's pods.
    sc.ready[hashOf('shop:1')] = 2;
    for (let i = 0; i < 3; i++) {
      step(sc, routing);
      const w = sc.rollout.status?.canary?.weights?.canary.weight ?? 0;
      expect(specOf(sc, 'shop:2')).toBeGreaterThanOrEqual(Math.ceil((w * 3) / 100));
      expect(specOf(sc, 'shop:1')).toBeGreaterThanOrEqual(Math.ceil(((100 - w) * 3) / 100));
    }
  });
});

describe('canary: the previous stable keeps its pods for scaleDownDelaySeconds (upstream e2e TestCanaryScaleDownDelay)', () => {
  it('after a traffic-routed promotion the old stable is annotated with its deadline, not scaled to 0; a later revision beyond the limit is', () => {
    const canary = { canaryService: 'shop-canary', stableService: 'shop-stable', trafficRouting: { nginx: { stableIngress: 'shop' } }, scaleDownDelayRevisionLimit: 1 };
    const routing = { routers: [{ kind: 'nginx', supports: [] as const }] };
    const sc: Scenario = { rollout: rollout(canary, { image: 'shop:1', replicas: 1 }), replicaSets: [], services: [svc('shop-stable'), svc('shop-canary')], ready: {}, now: T0 };
    const deadlineOf = (image: string) => sc.replicaSets.find((x) => x.metadata?.name === `shop-${hashOf(image)}`)?.metadata?.annotations?.['scale-down-deadline'];
    for (let i = 0; i < 4; i++) step(sc, routing);
    sc.rollout = { ...sc.rollout, spec: { ...sc.rollout.spec, template: template('shop:2') } };
    for (let i = 0; i < 5; i++) step(sc, routing);
    expect(sc.rollout.status?.stableRS).toBe(hashOf('shop:2'));
    expect(specOf(sc, 'shop:1')).toBe(1);
    expect(deadlineOf('shop:1')).toBeDefined();
    sc.rollout = { ...sc.rollout, spec: { ...sc.rollout.spec, template: template('shop:3') } };
    for (let i = 0; i < 5; i++) step(sc, routing);
    expect(specOf(sc, 'shop:1')).toBe(0);
    expect(deadlineOf('shop:1')).toBeUndefined();
    expect(specOf(sc, 'shop:2')).toBe(1);
    expect(deadlineOf('shop:2')).toBeDefined();
  });
});
