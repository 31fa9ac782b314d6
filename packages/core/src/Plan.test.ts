import * as E from 'fp-ts/lib/Either';
import type { CanaryStep, ReplicaSet, Rollout, RolloutStatus } from '@rollouts/api';
import type { Intent, ReconcileResult } from './Intent';
import type { RolloutObservation } from './Observation';
import { formatPlanTime, nextImage, planRollout, promotePatch, runPlan, type PlanError, type PlanFrame, type PlanOptions, type Reconcile, type RolloutPlan } from './Plan';
import { applyIntents, newCluster, nextDueAt, observe, settle, type PlanCluster } from './internal/PlanCluster';

const HASH = 'rollouts-pod-template-hash';
const START = Date.UTC(2025, 0, 1);
const sec = (s: number): number => START + s * 1000;

function rolloutWith(steps: CanaryStep[], canary: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'app' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'app' } },
      template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: 'registry.example:5000/app:1.0' }, { name: 'sidecar', image: 'proxy:2' }] } },
      strategy: { canary: { steps, ...canary } },
      ...spec,
    },
  };
}

/** A blue-green Rollout of 3 replicas with an active and a preview Service (created by the plan: not in the file). */
function blueGreenRollout(blueGreen: Record<string, unknown> = {}): Rollout {
  const base = rolloutWith([]);
  return { ...base, spec: { ...base.spec, replicas: 3, strategy: { blueGreen: { activeService: 'app-active', previewService: 'app-preview', ...blueGreen } } } };
}
const smokeTemplate = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: { name: 'smoke' }, spec: { metrics: [{ name: 'ok', provider: { web: { url: 'http://app-preview/health' } } }] } };
const PRE = { prePromotionAnalysis: { templates: [{ templateName: 'smoke' }] } };
const POST = { postPromotionAnalysis: { templates: [{ templateName: 'smoke' }] } };

// ---------------------------------------------------------------------------------------------------------
// The scripted double: a toy canary controller (basic canary, one decision per reconcile) that records
// every observation it is given. It knows setWeight, pause and analysis steps, promotion and abort.

const toyHash = (template: unknown): string => {
  let h = 5381;
  for (const ch of JSON.stringify(template)) h = ((h * 33) ^ ch.charCodeAt(0)) >>> 0;
  return h.toString(36);
};

function omit<T extends object, K extends keyof T>(o: T, ...keys: K[]): Omit<T, K> {
  const out = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

function toyCanary(obs: RolloutObservation): ReconcileResult {
  const ro = obs.rollout;
  const prev: RolloutStatus = ro.status ?? {};
  const replicas = ro.spec.replicas ?? 1;
  const steps = ro.spec.strategy?.canary?.steps ?? [];
  const hash = toyHash(ro.spec.template);
  const rsOf = (h: string | null | undefined): ReplicaSet | undefined => obs.replicaSets.find((rs) => h != null && rs.metadata?.labels?.[HASH] === h);
  const available = (rs: ReplicaSet | undefined): number => rs?.status?.availableReplicas ?? 0;
  const intents: Intent[] = [];
  const scale = (rs: ReplicaSet | undefined, n: number): void => {
    if (rs !== undefined && (rs.spec?.replicas ?? 1) !== n) intents.push({ _tag: 'ScaleReplicaSet', name: rs.metadata?.name ?? '', replicas: n, reason: 'toy' });
  };
  const done = (status: RolloutStatus, requeueAfterMs?: number): ReconcileResult => {
    const next: RolloutStatus = { ...status, observedGeneration: String(ro.metadata?.generation ?? 0) };
    if (JSON.stringify(next) !== JSON.stringify(prev)) intents.push({ _tag: 'UpdateStatus', status: next, reason: 'toy' });
    return { status: next, intents, ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }) };
  };

  const current = rsOf(hash);
  if (current === undefined) {
    const initial = prev.stableRS == null;
    intents.push({
      _tag: 'CreateReplicaSet',
      replicaSet: { metadata: { name: `${ro.metadata?.name ?? ''}-${hash}`, labels: { [HASH]: hash } }, spec: { replicas: initial ? replicas : 0, template: ro.spec.template ?? {} } },
      reason: 'toy',
    });
    return done({ ...prev, currentPodHash: hash, ...(initial ? { stableRS: hash, currentStepIndex: steps.length } : { currentStepIndex: 0 }), phase: 'Progressing', message: 'toy: new revision' });
  }
  if (prev.stableRS === hash) {
    const healthy = available(current) >= replicas;
    return done({ ...prev, phase: healthy ? 'Healthy' : 'Progressing', message: healthy ? '' : 'toy: waiting for pods' });
  }
  const stable = rsOf(prev.stableRS);
  if (prev.abort === true) {
    scale(current, 0);
    scale(stable, replicas);
    return done({ ...prev, phase: 'Degraded', message: 'toy: aborted' });
  }
  const idx = prev.currentStepIndex ?? 0;
  const step = steps[idx];
  if (step === undefined) {
    scale(current, replicas);
    if (available(current) < replicas) return done({ ...prev, phase: 'Progressing', message: 'toy: promoting' });
    scale(stable, 0);
    return done({ ...prev, stableRS: hash, phase: 'Healthy', message: '' });
  }
  if (step.setWeight != null) {
    const want = Math.ceil((step.setWeight * replicas) / 100);
    scale(current, want);
    if (available(current) < want) return done({ ...prev, phase: 'Progressing', message: `toy: waiting for ${want} canary pods` });
    return done({ ...prev, currentStepIndex: idx + 1, phase: 'Progressing', message: `toy: step ${idx} done` });
  }
  if (step.pause != null) {
    const pauses = prev.pauseConditions ?? [];
    const seconds = typeof step.pause.duration === 'number' ? step.pause.duration : undefined;
    if (pauses.length === 0 && prev.controllerPause === true)
      return done({ ...omit(prev, 'controllerPause'), currentStepIndex: idx + 1, phase: 'Progressing', message: 'toy: promoted' });
    if (pauses.length === 0)
      return done({ ...prev, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: new Date(obs.now).toISOString() }], controllerPause: true, phase: 'Paused', message: 'CanaryPauseStep' }, seconds === undefined ? undefined : seconds * 1000);
    if (seconds === undefined) return done(prev);
    const until = Date.parse(pauses[0]?.startTime ?? '') + seconds * 1000;
    if (obs.now >= until) return done({ ...omit(prev, 'pauseConditions', 'controllerPause'), currentStepIndex: idx + 1, phase: 'Progressing', message: 'toy: pause done' });
    return done(prev, until - obs.now);
  }
  if (step.analysis != null) {
    const name = `${ro.metadata?.name ?? ''}-${hash}-${idx}`;
    const run = obs.analysisRuns.find((r) => r.metadata?.name === name);
    if (run === undefined) {
      intents.push({ _tag: 'CreateAnalysisRun', analysisRun: { metadata: { name, labels: { 'step-index': String(idx) } }, spec: { metrics: [] } }, reason: 'toy' });
      return done({ ...prev, phase: 'Progressing', message: 'toy: analysing' });
    }
    switch (run.status?.phase) {
      case 'Successful':
        return done({ ...prev, currentStepIndex: idx + 1, phase: 'Progressing', message: 'toy: analysis passed' });
      case 'Failed':
        return done({ ...prev, abort: true, phase: 'Degraded', message: 'toy: analysis failed' });
      case 'Inconclusive':
        return done({
          ...prev,
          pauseConditions: [{ reason: 'InconclusiveAnalysisRun', startTime: new Date(obs.now).toISOString() }],
          controllerPause: true,
          canary: { currentStepAnalysisRunStatus: { name, status: 'Inconclusive' } },
          phase: 'Paused',
          message: 'InconclusiveAnalysisRun',
        });
      default:
        return done(prev);
    }
  }
  return done({ ...prev, phase: 'Degraded', message: `toy: cannot run step ${idx}` });
}

/** The toy canary controller as a reconcile function, keeping every observation. */
function scriptedReconcileDouble(update?: (obs: RolloutObservation, call: number) => ReconcileResult): { reconcile: Reconcile; observations: RolloutObservation[] } {
  const observations: RolloutObservation[] = [];
  let calls = 0;
  const reconcile: Reconcile = (obs) => {
    observations.push(obs);
    // The initial deploy (generation 1) always goes to the toy controller; `update` scripts what follows.
    if (update === undefined || obs.rollout.metadata?.generation === 1) return toyCanary(obs);
    return update(obs, calls++);
  };
  return { reconcile, observations };
}

const right = (r: E.Either<PlanError, RolloutPlan>): RolloutPlan => {
  if (E.isLeft(r)) throw new Error(`expected a plan, got ${r.left._tag}: ${r.left.message}`);
  return r.right;
};
const left = (r: E.Either<PlanError, RolloutPlan>): PlanError => {
  if (E.isRight(r)) throw new Error(`expected an error, got a plan of ${r.right.frames.length} frames`);
  return r.left;
};
const last = (plan: RolloutPlan): PlanFrame => plan.frames[plan.frames.length - 1] as PlanFrame;
const updateObservations = (obs: RolloutObservation[]): RolloutObservation[] => obs.filter((o) => (o.rollout.metadata?.generation ?? 0) >= 2);

// ---------------------------------------------------------------------------------------------------------

describe('runPlan: initial state', () => {
  const { reconcile, observations } = scriptedReconcileDouble();
  const plan = right(runPlan(rolloutWith([{ setWeight: 50 }]), {}, reconcile));

  it('deploys the manifest from an empty cluster and an empty status', () => {
    const first = observations[0] as RolloutObservation;
    expect(first.replicaSets).toEqual([]);
    expect(first.rollout.status).toEqual({});
    expect(first.rollout.metadata).toMatchObject({ name: 'app', namespace: 'default', generation: 1 });
    expect(first.now).toBe(START);
  });

  it('starts the update from that revision Healthy, stable and at full size, with the generation bumped', () => {
    const update = updateObservations(observations)[0] as RolloutObservation;
    expect(update.replicaSets).toHaveLength(1);
    const rs = update.replicaSets[0] as ReplicaSet;
    expect(rs.spec?.replicas).toBe(4);
    expect(rs.status).toMatchObject({ replicas: 4, availableReplicas: 4 });
    expect(update.rollout.status).toMatchObject({ phase: 'Healthy', stableRS: rs.metadata?.labels?.[HASH], currentPodHash: rs.metadata?.labels?.[HASH] });
    expect(update.rollout.metadata?.generation).toBe(2);
  });

  it('changes the first container image tag only', () => {
    const update = updateObservations(observations)[0] as RolloutObservation;
    expect(update.rollout.spec.template?.spec?.containers.map((c) => c.image)).toEqual(['registry.example:5000/app:1.0-next', 'proxy:2']);
  });

  it('records frames from t = 0 with the plan header', () => {
    expect(plan).toMatchObject({ kind: 'RolloutPlan', rollout: 'app', strategy: 'canary' });
    expect(plan.frames[0]?.t).toBe(0);
    expect(Object.keys(plan.frames[0] as object)).toEqual(['t', 'stepIndex', 'phase', 'paused', 'aborted', 'replicaSets', 'weights', 'message']);
  });
});

describe('runPlan: pods, clock and frames', () => {
  // 4 replicas; setWeight 50 asks for 2 canary pods (ready 10 s later), then a 25 s pause, then 2 more pods.
  const { reconcile, observations } = scriptedReconcileDouble();
  const plan = right(runPlan(rolloutWith([{ setWeight: 50 }, { pause: { duration: 25 } }]), { podReadySeconds: 10 }, reconcile));
  const frame = (t: number, stepIndex: number, phase: string, stable: [number, number] | null, canary: [number, number] | null, message: string): PlanFrame => ({
    t,
    stepIndex,
    phase,
    paused: phase === 'Paused',
    aborted: false,
    replicaSets: {
      stable: stable === null ? null : { replicas: stable[1], available: stable[0] },
      canary: canary === null ? null : { replicas: canary[1], available: canary[0] },
    },
    weights: null,
    message,
  });

  it('emits a frame exactly when something in it changes, at the virtual time it happens', () => {
    expect(plan.frames).toEqual([
      frame(0, 0, 'Progressing', [4, 4], [0, 0], 'toy: new revision'),
      frame(0, 0, 'Progressing', [4, 4], [0, 2], 'toy: waiting for 2 canary pods'),
      frame(10, 1, 'Progressing', [4, 4], [2, 2], 'toy: step 0 done'),
      frame(10, 1, 'Paused', [4, 4], [2, 2], 'CanaryPauseStep'),
      frame(35, 2, 'Progressing', [4, 4], [2, 2], 'toy: pause done'),
      frame(35, 2, 'Progressing', [4, 4], [2, 4], 'toy: promoting'),
      frame(45, 2, 'Healthy', [4, 4], null, ''),
    ]);
  });

  it('advances the clock only to the next pod-ready time or requeue, never in between', () => {
    const times = [...new Set(updateObservations(observations).map((o) => (o.now - observations[0]!.now) / 1000))];
    expect(times).toEqual([0, 10, 35, 45]);
  });

  it('ends as soon as the new revision is Healthy and stable', () => {
    const results: ReconcileResult[] = [];
    const p = right(runPlan(rolloutWith([{ setWeight: 50 }]), {}, (obs) => results[results.push(toyCanary(obs)) - 1] as ReconcileResult));
    const oldStable = results[0]?.status.stableRS;
    const end = results[results.length - 1]?.status;
    expect(end).toMatchObject({ phase: 'Healthy', currentPodHash: end?.stableRS });
    expect(end?.stableRS).not.toBe(oldStable);
    expect(results.filter((r) => r.status.phase === 'Healthy' && r.status.stableRS !== oldStable)).toHaveLength(1);
    expect(last(p)).toMatchObject({ phase: 'Healthy', replicaSets: { stable: { replicas: 4, available: 4 }, canary: null } });
  });

  it('makes pods available minReadySeconds after they are ready', () => {
    let c = newCluster({ rollout: rolloutWith([]), services: [], analysisTemplates: [], clusterAnalysisTemplates: [], scripted: [], config: { podReadyMs: 10_000 } });
    c = applyIntents(c, [{ _tag: 'CreateReplicaSet', replicaSet: { metadata: { name: 'app-x' }, spec: { replicas: 2, minReadySeconds: 5 } }, reason: 'test' }], { now: START, stepIndex: null }).cluster;
    expect(c.replicaSets[0]?.replicaSet.status).toEqual({ replicas: 0, readyReplicas: 0, availableReplicas: 0 });
    const at = (s: number) => settle(c, sec(s)).replicaSets[0]?.replicaSet.status;
    expect(at(0)).toMatchObject({ replicas: 2, readyReplicas: 0, availableReplicas: 0 });
    expect(at(10)).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 0 });
    expect(at(15)).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(nextDueAt(c, START)).toBe(sec(10));
    expect(nextDueAt(c, sec(10))).toBe(sec(15));
    expect(nextDueAt(c, sec(15))).toBeUndefined();
  });

  it('records no frame for reconciles that change nothing visible', () => {
    // After the template change: Progressing for 6 s (requeue every second, status unchanged), then Healthy.
    const d = scriptedReconcileDouble((obs, call) => {
      const st: RolloutStatus = { ...obs.rollout.status, currentPodHash: 'next', phase: call < 6 ? 'Progressing' : 'Healthy', message: call < 6 ? 'waiting' : 'done', ...(call < 6 ? {} : { stableRS: 'next' }) };
      const changed = JSON.stringify(st) !== JSON.stringify(obs.rollout.status);
      return { status: st, intents: changed ? [{ _tag: 'UpdateStatus', status: st, reason: 'test' }] : [], requeueAfterMs: 1000 };
    });
    const p = right(runPlan(rolloutWith([]), {}, d.reconcile));
    expect(p.frames.map((f) => [f.t, f.phase, f.message])).toEqual([
      [0, 'Progressing', 'waiting'],
      [5, 'Healthy', 'done'],
    ]);
    expect(updateObservations(d.observations).map((o) => (o.now - d.observations[0]!.now) / 1000)).toEqual([0, 0, 1, 2, 3, 4, 5]);
  });
});

describe('runPlan: giving up', () => {
  const still = (requeueAfterMs?: number) => (obs: RolloutObservation): ReconcileResult => ({
    status: obs.rollout.status ?? {},
    intents: [],
    ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }),
  });

  it('fails after maxVirtualSeconds of virtual time', () => {
    const e = left(runPlan(rolloutWith([]), {}, scriptedReconcileDouble(still(3_600_000)).reconcile));
    expect(e._tag).toBe('PlanNoProgress');
    expect(e.message).toBe('no progress after 24h0m0s of virtual time (25 reconciles) at t=25h0m0s, last status message "" (phase Healthy, step 0)');
    expect(e.retryable).toBe(false);
  });

  it('fails after maxReconciles, naming the last status message, and keeps the frames so far', () => {
    const counter = (obs: RolloutObservation, call: number): ReconcileResult => {
      const status: RolloutStatus = { ...obs.rollout.status, phase: 'Progressing', message: `tick ${call}` };
      return { status, intents: [{ _tag: 'UpdateStatus', status, reason: 'test' }] };
    };
    const e = left(runPlan(rolloutWith([]), { maxReconciles: 50 }, scriptedReconcileDouble(counter).reconcile));
    expect(e.message).toBe('no progress after 50 reconciles at t=0s, last status message "tick 49" (phase Progressing, step 0)');
    expect(e._tag === 'PlanNoProgress' && e.frames.length).toBe(50);
  });

  it('fails at once when nothing is left to wait for', () => {
    const e = left(runPlan(rolloutWith([]), {}, scriptedReconcileDouble(still()).reconcile));
    expect(e.message).toMatch(/^no progress after 1 reconciles: nothing is left to wait for .* at t=0s, last status message ""/);
  });

  it('reports an initial deploy that never becomes Healthy', () => {
    const never: Reconcile = (obs) => ({ status: obs.rollout.status ?? {}, intents: [] });
    const e = left(runPlan(rolloutWith([]), {}, never));
    expect(e._tag).toBe('PlanInitialDeployStuck');
    expect(e.message).toContain('the initial deploy (before the template change) did not become Healthy after 1 reconciles');
  });

  it('ends (without error) on a Degraded Rollout that waits for nothing', () => {
    const degraded = (obs: RolloutObservation): ReconcileResult => {
      const status: RolloutStatus = { ...obs.rollout.status, phase: 'Degraded', message: 'ProgressDeadlineExceeded' };
      return { status, intents: JSON.stringify(status) === JSON.stringify(obs.rollout.status) ? [] : [{ _tag: 'UpdateStatus', status, reason: 'test' }] };
    };
    const p = right(runPlan(rolloutWith([]), {}, scriptedReconcileDouble(degraded).reconcile));
    expect(last(p)).toMatchObject({ phase: 'Degraded', message: 'ProgressDeadlineExceeded' });
  });
});

describe('runPlan: operator actions', () => {
  const twoPauses: CanaryStep[] = [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }];

  it('auto-promotes indefinite pauses and says so in the frame', () => {
    const { reconcile, observations } = scriptedReconcileDouble();
    const plan = right(runPlan(rolloutWith(twoPauses), {}, reconcile));
    expect(plan.frames.filter((f) => f.message.startsWith('plan:')).map((f) => [f.stepIndex, f.message])).toEqual([
      [2, 'plan: auto-promoted the indefinite pause (pause: {}) at step 1 (--no-auto-promote stops here); toy: promoted'],
      [4, 'plan: auto-promoted the indefinite pause (pause: {}) at step 3 (--no-auto-promote stops here); toy: promoted'],
    ]);
    // The promote is the user's patch: pause conditions cleared, nothing else.
    // The first observation after the pause is already the promoted one (the operator acts between reconciles).
    const after = observations.find((o) => o.rollout.status?.phase === 'Paused') as RolloutObservation;
    expect(after.rollout.status?.pauseConditions).toBeUndefined();
    expect(after.rollout.status?.controllerPause).toBe(true);
    expect(after.rollout.status?.currentStepIndex).toBe(1);
    expect(last(plan).phase).toBe('Healthy');
  });

  it('stops at the first indefinite pause without auto-promote', () => {
    const plan = right(runPlan(rolloutWith(twoPauses), { autoPromote: false }, scriptedReconcileDouble().reconcile));
    expect(last(plan)).toMatchObject({ stepIndex: 1, phase: 'Paused', paused: true, aborted: false });
  });

  it('promotes at --promote-at and stops at the next pause', () => {
    const plan = right(runPlan(rolloutWith(twoPauses), { autoPromote: false, promoteAt: 1 }, scriptedReconcileDouble().reconcile));
    expect(plan.frames.some((f) => f.message.startsWith('plan: promoted at step 1 (--promote-at 1)'))).toBe(true);
    expect(last(plan)).toMatchObject({ stepIndex: 3, phase: 'Paused' });
  });

  it('aborts when the step index reaches --abort-at and ends with the stable restored', () => {
    const { reconcile, observations } = scriptedReconcileDouble();
    const plan = right(runPlan(rolloutWith(twoPauses), { abortAt: 2 }, reconcile));
    const firstAborted = observations.find((o) => o.rollout.status?.abort === true);
    expect(firstAborted?.rollout.status?.currentStepIndex).toBe(2);
    expect(plan.frames.find((f) => f.aborted)?.message).toBe('plan: aborted at step 2 (--abort-at 2); toy: aborted');
    expect(last(plan)).toMatchObject({ phase: 'Degraded', aborted: true, replicaSets: { stable: { replicas: 4, available: 4 }, canary: { replicas: 0, available: 0 } } });
  });

  const withAnalysis: CanaryStep[] = [{ setWeight: 25 }, { analysis: { templates: [{ templateName: 't' }] } }, { setWeight: 50 }];

  it('gives the run of a step its scripted Failed phase on the next tick', () => {
    const { reconcile, observations } = scriptedReconcileDouble();
    const plan = right(runPlan(rolloutWith(withAnalysis), { analysis: [{ phase: 'Failed', step: 1 }] }, reconcile));
    const created = observations.findIndex((o) => o.analysisRuns.length > 0);
    expect(observations[created]?.analysisRuns[0]?.status?.phase).toBe('Failed');
    expect(observations[created - 1]?.analysisRuns).toEqual([]);
    expect(observations[created]?.now).toBe(observations[created - 1]?.now);
    expect(last(plan)).toMatchObject({ phase: 'Degraded', aborted: true, replicaSets: { stable: { replicas: 4, available: 4 }, canary: { replicas: 0 } } });
  });

  it('lets other runs succeed', () => {
    const { reconcile, observations } = scriptedReconcileDouble();
    right(runPlan(rolloutWith(withAnalysis), {}, reconcile));
    expect(observations.find((o) => o.analysisRuns.length > 0)?.analysisRuns[0]?.status?.phase).toBe('Successful');
  });

  it('promotes an inconclusive analysis past its step, as kubectl does', () => {
    const { reconcile, observations } = scriptedReconcileDouble();
    const plan = right(runPlan(rolloutWith(withAnalysis), { analysis: [{ phase: 'Inconclusive', step: 1 }] }, reconcile));
    expect(plan.frames.some((f) => f.phase === 'Paused' && f.message === 'InconclusiveAnalysisRun')).toBe(true);
    expect(plan.frames.some((f) => f.message.startsWith('plan: auto-promoted the pause on an inconclusive analysis at step 1'))).toBe(true);
    const promoted = observations.find((o) => o.rollout.status?.controllerPause === false);
    expect(promoted?.rollout.status?.currentStepIndex).toBe(2);
    expect(last(plan).phase).toBe('Healthy');
  });
});

describe('promotePatch', () => {
  const ro = (status: RolloutStatus, paused?: boolean): Rollout => ({ ...rolloutWith([{ setWeight: 10 }, { analysis: {} }, { pause: {} }], {}, paused === undefined ? {} : { paused }), metadata: { name: 'app', generation: 3 }, status });
  const pause = [{ reason: 'CanaryPauseStep', startTime: '2025-01-01T00:00:00Z' }];
  it.each<[string, Rollout, Partial<Rollout>]>([
    ['clears pause conditions', ro({ currentStepIndex: 2, pauseConditions: pause, controllerPause: true }), { status: { currentStepIndex: 2, controllerPause: true } }],
    [
      'moves past an inconclusive step analysis',
      ro({ currentStepIndex: 1, pauseConditions: pause, controllerPause: true, canary: { currentStepAnalysisRunStatus: { name: 'r', status: 'Inconclusive' } } }),
      { status: { currentStepIndex: 2, controllerPause: false, canary: { currentStepAnalysisRunStatus: { name: 'r', status: 'Inconclusive' } } } },
    ],
    ['unpauses the spec (a new generation) and skips the step when there is no pause condition', ro({ currentStepIndex: 0 }, true), { status: { currentStepIndex: 1 } }],
  ])('%s', (_, input, expected) => {
    const out = promotePatch(input);
    expect(out.status).toEqual(expected.status);
    expect(out.spec.paused ?? undefined).toBe(input.spec.paused === true ? false : undefined);
    expect(out.metadata?.generation).toBe(input.spec.paused === true ? 4 : 3);
  });
});

describe('runPlan: refusals', () => {
  const steps: CanaryStep[] = [{ setWeight: 20 }, { pause: {} }, { analysis: { templates: [{ templateName: 't' }] } }, { setWeight: 60 }];
  const never: Reconcile = () => {
    throw new Error('the reconcile must not run');
  };
  it.each<[string, Rollout, PlanOptions, PlanError['_tag'], string]>([
    ['no strategy', { ...rolloutWith([]), spec: { ...rolloutWith([]).spec, strategy: {} } }, {}, 'PlanStrategyUnsupported', 'spec.strategy: the Rollout has neither a canary nor a blue-green strategy to plan'],
    [
      'a blue-green phase for a canary abort',
      rolloutWith(steps),
      { abortAt: 'pre' },
      'PlanOptionInvalid',
      '--abort-at pre: pre and post name the promotion phases of a blue-green Rollout; a canary Rollout takes a step index',
    ],
    [
      'a blue-green phase for a canary analysis',
      rolloutWith(steps),
      { analysis: [{ phase: 'Failed', step: 'post' }] },
      'PlanOptionInvalid',
      '--analysis fail@post: pre and post name the promotion analyses of a blue-green Rollout; a canary Rollout takes a step index',
    ],
    [
      'a step index for a blue-green abort',
      blueGreenRollout(),
      { abortAt: 1 },
      'PlanOptionInvalid',
      '--abort-at 1: a blue-green Rollout has no steps; use --abort-at pre (before the active Service switches) or --abort-at post (during the post-promotion analysis)',
    ],
    [
      'abort-at post without post-promotion analysis',
      blueGreenRollout(),
      { abortAt: 'post' },
      'PlanOptionInvalid',
      '--abort-at post: the Rollout has no postPromotionAnalysis, so the update completes as the active Service switches and there is nothing to abort after it; use --abort-at pre',
    ],
    [
      'promote-at for blue-green',
      blueGreenRollout(),
      { promoteAt: 0 },
      'PlanOptionInvalid',
      '--promote-at 0: a blue-green Rollout has no steps; the plan promotes its BlueGreenPause and inconclusive analyses itself (--no-auto-promote stops there instead)',
    ],
    [
      'a step index for a blue-green analysis',
      blueGreenRollout(PRE),
      { analysis: [{ phase: 'Inconclusive', step: 0 }] },
      'PlanOptionInvalid',
      '--analysis inconclusive@0: a blue-green Rollout has no steps; use @pre (the pre-promotion analysis) or @post (the post-promotion analysis)',
    ],
    [
      'a pre-promotion outcome without pre-promotion analysis',
      blueGreenRollout(POST),
      { analysis: [{ phase: 'Failed', step: 'pre' }] },
      'PlanOptionInvalid',
      '--analysis fail@pre: the Rollout has no prePromotionAnalysis (spec.strategy.blueGreen.prePromotionAnalysis), so no such AnalysisRun is created',
    ],
    ['abort-at past the last step', rolloutWith(steps), { abortAt: 4 }, 'PlanOptionInvalid', '--abort-at 4: the Rollout has steps 0 to 3'],
    ['promote-at without steps', rolloutWith([]), { promoteAt: 0 }, 'PlanOptionInvalid', '--promote-at 0: the Rollout has no canary steps'],
    [
      'promote-at a step that never pauses',
      rolloutWith(steps),
      { promoteAt: 0 },
      'PlanOptionInvalid',
      '--promote-at 0: step 0 (setWeight: 20) never pauses; choose a pause, analysis or experiment step',
    ],
    [
      'an analysis outcome at a step without analysis',
      rolloutWith(steps),
      { analysis: [{ phase: 'Failed', step: 1 }] },
      'PlanOptionInvalid',
      '--analysis fail@1: no AnalysisRun is created at step 1 (analysis steps: 2; no background analysis)',
    ],
    [
      'an unknown container',
      rolloutWith(steps),
      { setImage: { container: 'web', image: 'x:2' } },
      'PlanOptionInvalid',
      '--set-image: unable to find container named "web" (the template has "app", "sidecar")',
    ],
    ['the same image', rolloutWith(steps), { setImage: { container: 'sidecar', image: 'proxy:2' } }, 'PlanOptionInvalid', '--set-image: container "sidecar" already runs proxy:2; the plan needs a template change'],
    ['negative pod readiness', rolloutWith(steps), { podReadySeconds: -1 }, 'PlanOptionInvalid', 'podReadySeconds: expected a number of seconds >= 0, got -1'],
    [
      'a workloadRef target missing from the file',
      { ...rolloutWith([]), spec: { replicas: 1, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, strategy: { canary: {} } } },
      {},
      'PlanManifestInvalid',
      'spec.workloadRef: Deployment "web" is not in the file; the plan needs it for the pod template',
    ],
    [
      'a template without containers',
      { ...rolloutWith([]), spec: { ...rolloutWith([]).spec, template: { spec: { containers: [] } } } },
      {},
      'PlanManifestInvalid',
      'spec.template.spec.containers: the pod template has no containers, so there is no image to change',
    ],
    [
      'a Service that does not decode',
      rolloutWith([]),
      { objects: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: 'app' } }] },
      'PlanManifestInvalid',
      'Service/s: spec.selector: expected object (map), got "app"',
    ],
  ])('%s', (_, rollout, options, tag, message) => {
    const e = left(runPlan(rollout, options, never));
    expect([e._tag, e.message]).toEqual([tag, message]);
  });

  it('accepts a background analysis outcome at its starting step', () => {
    const ro = rolloutWith(steps, { analysis: { templates: [{ templateName: 't' }], startingStep: 1 } });
    const e = left(runPlan(ro, { analysis: [{ phase: 'Failed', step: 0 }] }, never));
    expect(e.message).toBe('--analysis fail@0: no AnalysisRun is created at step 0 (analysis steps: 2; background analysis starts at step 1)');
    expect(() => runPlan(ro, { analysis: [{ phase: 'Failed', step: 1 }] }, never)).toThrow('the reconcile must not run');
  });
});

describe('runPlan: the template change', () => {
  it.each([
    ['nginx:1.25', 'nginx:1.25-next'],
    ['nginx', 'nginx:next'],
    ['localhost:5000/team/app', 'localhost:5000/team/app:next'],
    ['localhost:5000/team/app:v2', 'localhost:5000/team/app:v2-next'],
    ['app@sha256:0123abcd', 'app:next'],
    ['app:1.0@sha256:0123abcd', 'app:1.0-next'],
  ])('nextImage(%s) = %s', (image, expected) => expect(nextImage(image)).toBe(expected));

  it('sets the image of the named container (containers and init containers)', () => {
    const base = rolloutWith([]);
    const ro: Rollout = { ...base, spec: { ...base.spec, template: { ...base.spec.template, spec: { ...base.spec.template!.spec!, initContainers: [{ name: 'sidecar', image: 'proxy:2' }] } } } };
    const { reconcile, observations } = scriptedReconcileDouble();
    right(runPlan(ro, { setImage: { container: 'sidecar', image: 'proxy:3' } }, reconcile));
    const spec = updateObservations(observations)[0]?.rollout.spec.template?.spec;
    expect(spec?.containers.map((c) => c.image)).toEqual(['registry.example:5000/app:1.0', 'proxy:3']);
    expect(spec?.initContainers?.map((c) => c.image)).toEqual(['proxy:3']);
  });

  it('changes the workloadRef target, not the Rollout, and observes it as the workload', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
    };
    const ro: Rollout = { metadata: { name: 'web' }, spec: { replicas: 2, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, strategy: { canary: {} } } };
    const observations: RolloutObservation[] = [];
    const reconcile: Reconcile = (obs) => {
      observations.push(obs);
      // The toy controller reads spec.template: resolve the reference as the real controller does.
      return toyCanary({ ...obs, rollout: { ...obs.rollout, spec: { ...obs.rollout.spec, template: obs.workload?.template ?? null } } });
    };
    right(runPlan(ro, { objects: [deployment] }, reconcile));
    expect(observations[0]?.workload).toMatchObject({ kind: 'Deployment', name: 'web', generation: 1, replicas: 0, selector: { matchLabels: { app: 'web' } } });
    const update = observations.find((o) => o.workload?.generation === 2);
    expect(update?.workload?.template.spec?.containers[0]?.image).toBe('web:1-next');
    expect(update?.rollout.spec.template).toBeUndefined();
  });
});

describe('PlanCluster', () => {
  const base = (): PlanCluster =>
    newCluster({
      rollout: rolloutWith([], { canaryService: 'c', stableService: 's', trafficRouting: { nginx: { stableIngress: 'i' }, plugins: { 'acme/router': {} }, maxTrafficWeight: 1000 } }),
      services: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'app' } } }],
      analysisTemplates: [{ metadata: { name: 't' }, spec: { metrics: [] } }],
      clusterAnalysisTemplates: [],
      scripted: [{ phase: 'Failed', step: 3 }],
      config: { podReadyMs: 0 },
    });
  const apply = (c: PlanCluster, intents: Intent[], stepIndex: number | null = null, now = START) => applyIntents(c, intents, { now, stepIndex });
  const create = (name: string, replicas: number): Intent => ({ _tag: 'CreateReplicaSet', replicaSet: { metadata: { name }, spec: { replicas } }, reason: 'test' });

  it('observes the routers named by trafficRouting, the services and templates', () => {
    const o = observe(base(), START);
    expect(o.trafficRouting).toEqual({
      routers: [
        { kind: 'nginx', supports: ['setHeaderRoute', 'setMirrorRoute'] },
        { kind: 'acme/router', supports: ['setHeaderRoute', 'setMirrorRoute'] },
      ],
    });
    expect(o.services.map((s) => s.metadata?.name)).toEqual(['s']);
    expect(o.analysisTemplates.map((t) => t.metadata?.name)).toEqual(['t']);
    expect(o.now).toBe(START);
    expect(observe(newCluster({ rollout: rolloutWith([]), services: [], analysisTemplates: [], clusterAnalysisTemplates: [], scripted: [], config: { podReadyMs: 0 } }), START).trafficRouting).toBeUndefined();
  });

  it('shows new pods on the next tick but removes pods at once', () => {
    let c = apply(base(), [create('a', 3)]).cluster;
    c = settle(c, START);
    expect(c.replicaSets[0]?.replicaSet.status).toMatchObject({ replicas: 3, availableReplicas: 3 });
    c = apply(c, [{ _tag: 'ScaleReplicaSet', name: 'a', replicas: 5, annotations: { 'rollout.argoproj.io/desired-replicas': '5' }, reason: 'test' }]).cluster;
    expect(c.replicaSets[0]?.replicaSet.status).toMatchObject({ replicas: 3, availableReplicas: 3 });
    expect(c.replicaSets[0]?.replicaSet.metadata).toMatchObject({ generation: 2, annotations: { 'rollout.argoproj.io/desired-replicas': '5' } });
    c = apply(c, [{ _tag: 'ScaleReplicaSet', name: 'a', replicas: 1, reason: 'test' }]).cluster;
    expect(c.replicaSets[0]?.replicaSet.status).toMatchObject({ replicas: 1, availableReplicas: 1 });
  });

  it('removes unavailable pods first when scaling down', () => {
    let c = newCluster({ rollout: rolloutWith([]), services: [], analysisTemplates: [], clusterAnalysisTemplates: [], scripted: [], config: { podReadyMs: 60_000 } });
    c = settle(apply(c, [create('a', 2)]).cluster, sec(60));
    c = apply(c, [{ _tag: 'ScaleReplicaSet', name: 'a', replicas: 4, reason: 'test' }], null, sec(60)).cluster;
    c = apply(c, [{ _tag: 'ScaleReplicaSet', name: 'a', replicas: 3, reason: 'test' }], null, sec(61)).cluster;
    expect(settle(c, sec(61)).replicaSets[0]?.replicaSet.status).toMatchObject({ replicas: 3, availableReplicas: 2 });
    expect(settle(c, sec(120)).replicaSets[0]?.replicaSet.status).toMatchObject({ replicas: 3, availableReplicas: 3 });
  });

  it('patches service selectors, remembers weights and routes, deletes and annotates ReplicaSets', () => {
    const c = apply(base(), [
      create('a', 1),
      { _tag: 'PatchServiceSelector', service: 's', podTemplateHash: 'h1', rollout: 'app', reason: 'test' },
      { _tag: 'SetWeight', weight: 200, maxWeight: 1000, additionalDestinations: [{ serviceName: 'x', podTemplateHash: 'h3', weight: 100 }], reason: 'test' },
      { _tag: 'SetHeaderRoute', name: 'hdr', match: [{ headerName: 'h', headerValue: { exact: 'v' } }], reason: 'test' },
      { _tag: 'AnnotateReplicaSet', name: 'a', annotations: { 'scale-down-deadline': '2025-01-01T00:00:30Z' }, reason: 'test' },
      create('b', 1),
      { _tag: 'DeleteReplicaSet', name: 'b', reason: 'test' },
    ]);
    expect(c.failure).toBeUndefined();
    expect(c.cluster.services[0]?.spec?.selector).toEqual({ app: 'app', [HASH]: 'h1' });
    expect(c.cluster.services[0]?.metadata?.annotations).toEqual({ 'argo-rollouts.argoproj.io/managed-by-rollouts': 'app' });
    expect(c.cluster.router).toMatchObject({ canary: 200, stable: 700, headerRoutes: { hdr: [{ headerName: 'h', headerValue: { exact: 'v' } }] } });
    expect(c.cluster.replicaSets.map((r) => r.replicaSet.metadata?.name)).toEqual(['a']);
    expect(c.cluster.replicaSets[0]?.replicaSet.metadata?.annotations).toEqual({ 'scale-down-deadline': '2025-01-01T00:00:30Z' });
  });

  it('starts the router at all traffic to stable', () => {
    expect(base().router).toMatchObject({ canary: 0, stable: 1000 });
  });

  it('stops at the first intent that fails, as the executor does', () => {
    const r = apply(base(), [
      { _tag: 'ScaleReplicaSet', name: 'missing', replicas: 1, reason: 'test' },
      { _tag: 'UpdateStatus', status: { phase: 'Healthy' }, reason: 'test' },
    ]);
    expect(r.failure).toBe('ScaleReplicaSet failed: ReplicaSet "missing" not found');
    expect(r.cluster.rollout.status).toBeUndefined();
    expect(r.cluster.lastEvent).toMatchObject({ type: 'Warning', message: 'ScaleReplicaSet failed: ReplicaSet "missing" not found' });
    expect(apply(base(), [create('a', 1), create('a', 1)]).failure).toBe('CreateReplicaSet failed: ReplicaSet "a" already exists');
    expect(apply(base(), [{ _tag: 'PatchServiceSelector', service: 'nope', podTemplateHash: 'h', rollout: 'app', reason: 'test' }]).failure).toBe('PatchServiceSelector failed: Service "nope" not found');
  });

  it('matches scripted outcomes to a run by its step-index label, or by the current step for background runs', () => {
    const run = (name: string, labels: Record<string, string>): Intent => ({ _tag: 'CreateAnalysisRun', analysisRun: { metadata: { name, labels }, spec: { metrics: [] } }, reason: 'test' });
    let c = apply(base(), [run('step1', { 'step-index': '1' })], 3).cluster;
    c = apply(c, [run('bg', { 'rollout-type': 'Background' })], 3).cluster;
    c = apply(c, [run('bg2', { 'rollout-type': 'Background' })], 3).cluster;
    expect(c.analysisRuns.map((r) => r.run.status?.phase)).toEqual([undefined, undefined, undefined]);
    c = settle(c, START);
    // The script is used once: the second background run at step 3 succeeds.
    expect(c.analysisRuns.map((r) => [r.run.metadata?.name, r.step, r.run.status?.phase])).toEqual([
      ['step1', 1, 'Successful'],
      ['bg', 3, 'Failed'],
      ['bg2', 3, 'Successful'],
    ]);
    c = apply(c, [run('t', {}), { _tag: 'TerminateAnalysisRun', name: 't', reason: 'test' }], 0).cluster;
    expect(c.analysisRuns[3]?.run).toMatchObject({ spec: { terminate: true }, status: { phase: 'Successful', message: 'Run Terminated' } });
  });

  it('matches scripted outcomes to blue-green runs by their rollout-type label', () => {
    const run = (name: string, type: string): Intent => ({ _tag: 'CreateAnalysisRun', analysisRun: { metadata: { name, labels: { 'rollout-type': type } }, spec: { metrics: [] } }, reason: 'test' });
    let c: PlanCluster = { ...base(), scripted: [{ phase: 'Inconclusive', step: 'post' }, { phase: 'Failed', step: 'pre' }] };
    c = settle(apply(c, [run('a-pre', 'PrePromotion'), run('a-post', 'PostPromotion'), run('b-pre', 'PrePromotion')], null).cluster, START);
    expect(c.analysisRuns.map((r) => [r.run.metadata?.name, r.step, r.run.status?.phase, r.run.status?.message])).toEqual([
      ['a-pre', 'pre', 'Failed', 'plan: scripted Failed for the pre-promotion analysis (--analysis fail@pre)'],
      ['a-post', 'post', 'Inconclusive', 'plan: scripted Inconclusive for the post-promotion analysis (--analysis inconclusive@post)'],
      ['b-pre', 'pre', 'Successful', 'plan: every measurement assumed successful'],
    ]);
    expect(c.scripted).toEqual([]);
  });

  it('runs an experiment for its duration once its pods are ready, or succeeds it on the next tick', () => {
    const exp = (name: string, duration?: string): Intent => ({
      _tag: 'CreateExperiment',
      experiment: { metadata: { name }, spec: { templates: [], ...(duration === undefined ? {} : { duration }) } },
      reason: 'test',
    });
    let c = { ...base(), config: { podReadyMs: 5000 } };
    c = apply(c, [exp('timed', '1m'), exp('open')]).cluster;
    const phases = (t: number) => settle(c, sec(t)).experiments.map((e) => e.experiment.status?.phase);
    expect(phases(0)).toEqual(['Pending', 'Successful']);
    expect(phases(5)).toEqual(['Running', 'Successful']);
    expect(phases(65)).toEqual(['Successful', 'Successful']);
    expect(nextDueAt(c, START)).toBe(sec(5));
    expect(nextDueAt(c, sec(5))).toBe(sec(65));
    expect(apply(c, [exp('bad', 'soon')]).failure).toBe('CreateExperiment failed: Experiment "bad" has an invalid spec.duration: time: invalid duration "soon"');
  });
});

describe('formatPlanTime', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [90, '1m30s'],
    [60, '1m0s'],
    [3605, '1h0m5s'],
    [1.5, '1.5s'],
  ])('%s s -> %s', (s, text) => expect(formatPlanTime(s)).toBe(text));
});

describe('planRollout (with reconcileRollout)', () => {
  const basic = rolloutWith([{ setWeight: 20 }, { pause: { duration: 10 } }, { setWeight: 60 }, { pause: {} }], {}, { replicas: 5 });

  it('plans a basic canary to Healthy with the new revision stable at full size', () => {
    const plan = right(planRollout(basic, { podReadySeconds: 5 }));
    expect(last(plan)).toMatchObject({ phase: 'Healthy', paused: false, aborted: false, replicaSets: { stable: { replicas: 5, available: 5 }, canary: null }, weights: null });
    expect(plan.frames.some((f) => f.message.startsWith('plan: auto-promoted the indefinite pause (pause: {}) at step 3'))).toBe(true);
    expect(plan.frames.map((f) => f.t)).toEqual([...plan.frames.map((f) => f.t)].sort((a, b) => a - b));
  });

  it('ends Degraded with the stable restored after --abort-at', () => {
    const plan = right(planRollout(basic, { abortAt: 1 }));
    expect(last(plan)).toMatchObject({ phase: 'Degraded', aborted: true, replicaSets: { stable: { replicas: 5, available: 5 }, canary: { replicas: 0 } } });
  });

  it('is deterministic', () => {
    expect(planRollout(basic, { podReadySeconds: 3 })).toEqual(planRollout(basic, { podReadySeconds: 3 }));
  });
});

describe('planRollout: blue-green (with reconcileRollout)', () => {
  const objects = [smokeTemplate];
  const plan = (blueGreen: Record<string, unknown>, options: PlanOptions = {}) => right(planRollout(blueGreenRollout(blueGreen), { objects, ...options }));
  /** The old and new pod-template hashes: what the active Service selects first, and what the preview selects. */
  const hashes = (p: RolloutPlan): { old: string; next: string } => ({ old: p.frames[0]?.services?.active ?? '?', next: p.frames[0]?.services?.preview ?? '?' });
  const frame = (t: number, phase: string, stable: [number, number], preview: [number, number] | null, active: string, previewSvc: string, message: string, extra: Partial<PlanFrame> = {}): PlanFrame => ({
    t,
    stepIndex: null,
    phase,
    paused: phase === 'Paused',
    aborted: phase === 'Degraded',
    replicaSets: { stable: { replicas: stable[1], available: stable[0] }, canary: preview === null ? null : { replicas: preview[1], available: preview[0] } },
    weights: null,
    services: { active, preview: previewSvc },
    message,
    ...extra,
  });

  it('says blueGreen and adds services after weights; canary frames are unchanged', () => {
    const p = plan({});
    expect(p.strategy).toBe('blueGreen');
    expect(Object.keys(p.frames[0] as object)).toEqual(['t', 'stepIndex', 'phase', 'paused', 'aborted', 'replicaSets', 'weights', 'services', 'message']);
    const { old, next } = hashes(p);
    expect(old).toMatch(/^[a-z0-9]+$/);
    expect(next).not.toBe(old);
    expect(last(p)).toEqual(frame(0, 'Healthy', [3, 3], null, next, next, `Rollout completed update to revision 2 (${next}): Completed blue-green update`));
  });

  it('previewReplicaCount and autoPromotionEnabled false: preview at 1, paused, promoted by the plan, full size, then the switch', () => {
    const p = plan({ autoPromotionEnabled: false, previewReplicaCount: 1 }, { podReadySeconds: 5 });
    const { old, next } = hashes(p);
    expect(p.frames).toEqual([
      frame(0, 'Progressing', [3, 3], [0, 1], old, next, 'more replicas need to be updated'),
      frame(5, 'Paused', [3, 3], [1, 1], old, next, 'BlueGreenPause'),
      frame(5, 'Progressing', [3, 3], [1, 3], old, next, 'plan: auto-promoted the BlueGreenPause (autoPromotionEnabled: false) (--no-auto-promote stops here); more replicas need to be updated'),
      frame(10, 'Healthy', [3, 3], null, next, next, `Rollout completed update to revision 2 (${next}): Completed blue-green update`),
    ]);
  });

  it('--no-auto-promote stops at the BlueGreenPause with the active Service unchanged', () => {
    const p = plan({ autoPromotionEnabled: false }, { autoPromote: false });
    const { old, next } = hashes(p);
    expect(last(p)).toEqual(frame(0, 'Paused', [3, 3], [3, 3], old, next, 'BlueGreenPause'));
  });

  it('autoPromotionSeconds: the pause ends by itself, without the plan promoting', () => {
    const p = plan({ autoPromotionSeconds: 20 }, { autoPromote: false });
    expect(p.frames.map((f) => [f.t, f.phase])).toEqual([
      [0, 'Progressing'],
      [0, 'Paused'],
      [20, 'Healthy'],
    ]);
    expect(p.frames.some((f) => f.message.includes('plan: auto-promoted'))).toBe(false);
  });

  it('pre- and post-promotion analysis succeed: cutover pending, the switch, then stable', () => {
    const p = plan({ ...PRE, ...POST });
    const { old, next } = hashes(p);
    expect(p.frames.map((f) => [f.phase, f.message, f.services?.active === next ? 'new' : f.services?.active === old ? 'old' : '?'])).toEqual([
      ['Progressing', 'more replicas need to be updated', 'old'],
      ['Progressing', 'active service cutover pending', 'old'],
      ['Progressing', 'waiting for analysis to complete', 'new'],
      ['Healthy', `Rollout completed update to revision 2 (${next}): Completed blue-green update`, 'new'],
    ]);
  });

  it('--analysis fail@pre: Degraded, the active Service never switched, the stable at full size, the preview down after 30 s', () => {
    const p = plan({ ...PRE, previewReplicaCount: 1 }, { analysis: [{ phase: 'Failed', step: 'pre' }] });
    const { old, next } = hashes(p);
    expect(p.frames.every((f) => f.services?.active === old)).toBe(true);
    expect(last(p)).toEqual(frame(30, 'Degraded', [3, 3], [0, 0], old, next, expect.stringContaining('Pre-promotion analysis phase failed') as unknown as string));
    expect(last(p).message).toContain('plan: scripted Failed for the pre-promotion analysis (--analysis fail@pre)');
  });

  it('--analysis fail@post: the active Service switches, then goes back to the stable revision', () => {
    const p = plan({ ...PRE, ...POST }, { analysis: [{ phase: 'Failed', step: 'post' }] });
    const { old, next } = hashes(p);
    expect(p.frames.map((f) => f.services?.active)).toContain(next);
    expect(last(p)).toMatchObject({ phase: 'Degraded', aborted: true, services: { active: old }, replicaSets: { stable: { replicas: 3, available: 3 }, canary: { replicas: 0 } } });
    expect(last(p).message).toContain('Post-promotion analysis phase failed');
  });

  it.each([
    ['pre', { ...PRE }],
    ['post', { ...POST }],
  ] as const)('--analysis inconclusive@%s pauses, the plan promotes past it, and the update completes', (point, bg) => {
    const p = plan(bg, { analysis: [{ phase: 'Inconclusive', step: point }] });
    expect(p.frames.some((f) => f.phase === 'Paused' && f.message === 'InconclusiveAnalysisRun')).toBe(true);
    expect(p.frames.some((f) => f.message.startsWith('plan: auto-promoted the pause on an inconclusive analysis (--no-auto-promote stops here)'))).toBe(true);
    expect(last(p)).toMatchObject({ phase: 'Healthy', services: { active: hashes(p).next } });
  });

  it('--abort-at pre aborts as the preview comes up; --abort-at post right after the switch', () => {
    const pre = plan({}, { abortAt: 'pre', podReadySeconds: 5 });
    expect(pre.frames[1]).toMatchObject({ t: 0, phase: 'Degraded', aborted: true, message: 'plan: aborted before the active Service switched (--abort-at pre); RolloutAborted: Rollout aborted update to revision 2' });
    expect(last(pre)).toMatchObject({ t: 30, phase: 'Degraded', services: { active: hashes(pre).old }, replicaSets: { stable: { replicas: 3, available: 3 }, canary: { replicas: 0 } } });
    const post = plan({ ...POST }, { abortAt: 'post' });
    expect(post.frames.some((f) => f.message.startsWith('plan: aborted after the active Service switched, during the post-promotion analysis (--abort-at post)'))).toBe(true);
    expect(last(post)).toMatchObject({ phase: 'Degraded', services: { active: hashes(post).old } });
  });

  it('abortScaleDownDelaySeconds 0: the plan ends Degraded with the preview still up', () => {
    const p = plan({ abortScaleDownDelaySeconds: 0 }, { abortAt: 'pre' });
    expect(last(p)).toMatchObject({ t: 0, phase: 'Degraded', services: { active: hashes(p).old }, replicaSets: { canary: { replicas: 3, available: 3 } } });
  });

  it('uses the active Service of the file', () => {
    const active = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app-active' }, spec: { selector: { app: 'app', tier: 'web' } } };
    const p = plan({}, { objects: [active] });
    expect(last(p).services?.active).toBe(hashes(p).next);
  });

  it('is deterministic', () => {
    expect(plan({ ...PRE, previewReplicaCount: 1 }, { podReadySeconds: 3 })).toEqual(plan({ ...PRE, previewReplicaCount: 1 }, { podReadySeconds: 3 }));
  });
});
