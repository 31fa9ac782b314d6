import type { AnalysisRun, AnalysisTemplate, ReplicaSet, Rollout, RolloutStatus, Service } from '@rollouts/api';
import type { Intent, ReconcileResult } from './Intent';
import type { RolloutObservation } from './Observation';
import { podTemplateHash } from './PodTemplateHash';
import { reconcileRollout } from './ReconcileRollout';

// ---- A small hand-driven cluster (as in ReconcileRollout.test.ts): each test states the observed objects. ---

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');
const template = (image: string) => ({ metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop', image }] } });
const hashOf = (image: string) => podTemplateHash(template(image) as never);
const OLD = hashOf('shop:1');
const NEW = hashOf('shop:2');
const OLD_RS = `shop-${OLD}`;
const NEW_RS = `shop-${NEW}`;
const HASH = 'rollouts-pod-template-hash';
const DEADLINE = 'scale-down-deadline';

type BlueGreen = Record<string, unknown>;
const ACTIVE: BlueGreen = { activeService: 'shop-active', previewService: 'shop-preview' };

function rollout(blueGreen: BlueGreen, opts: { image?: string; replicas?: number; status?: RolloutStatus; paused?: boolean } = {}): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'shop', namespace: 'default', uid: 'uid-1', generation: 2 },
    spec: {
      replicas: opts.replicas ?? 3,
      selector: { matchLabels: { app: 'shop' } },
      template: template(opts.image ?? 'shop:2'),
      ...(opts.paused ? { paused: true } : {}),
      strategy: { blueGreen: { ...ACTIVE, ...blueGreen } },
    },
    ...(opts.status ? { status: opts.status } : {}),
  } as Rollout;
}

function rs(image: string, revision: number, replicas: number, available = replicas, extra: Record<string, string> = {}): ReplicaSet {
  const hash = hashOf(image);
  const t = template(image);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `shop-${hash}`, labels: { app: 'shop', [HASH]: hash }, annotations: { 'rollout.argoproj.io/revision': String(revision), 'rollout.argoproj.io/desired-replicas': '3', ...extra } },
    spec: { replicas, selector: { matchLabels: { app: 'shop', [HASH]: hash } }, template: { ...t, metadata: { labels: { ...t.metadata.labels, [HASH]: hash } } } },
    status: { replicas, readyReplicas: available, availableReplicas: available },
  };
}

const svc = (name: string, hash?: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'shop', ...(hash ? { [HASH]: hash } : {}) } } });
/** The active and preview Services, selecting these hashes. */
const services = (active?: string, preview?: string): Service[] => [svc('shop-active', active), svc('shop-preview', preview)];

function observe(ro: Rollout, replicaSets: ReplicaSet[], extra: Partial<RolloutObservation> = {}): RolloutObservation {
  return { rollout: ro, replicaSets, services: services(OLD, NEW), analysisRuns: [], experiments: [], analysisTemplates: [], clusterAnalysisTemplates: [], now: T0, ...extra };
}

const tags = (r: ReconcileResult) => r.intents.map((i) => i._tag);
const scales = (r: ReconcileResult) =>
  r.intents.flatMap((i: Intent) => (i._tag === 'ScaleReplicaSet' ? [`${i.name}=${i.replicas}`] : i._tag === 'CreateReplicaSet' ? [`+${i.replicaSet.metadata?.name}=${i.replicaSet.spec?.replicas}`] : []));
const switches = (r: ReconcileResult) => r.intents.flatMap((i: Intent) => (i._tag === 'PatchServiceSelector' ? [`${i.service}->${i.podTemplateHash}`] : []));
const annotations = (r: ReconcileResult) =>
  r.intents.flatMap((i: Intent) => (i._tag === 'AnnotateReplicaSet' || (i._tag === 'ScaleReplicaSet' && i.annotations?.[DEADLINE] !== undefined) ? [`${i.name} ${DEADLINE}=${i.annotations?.[DEADLINE]}`] : []));
const events = (r: ReconcileResult) => r.intents.flatMap((i: Intent) => (i._tag === 'RecordEvent' ? [i.eventReason] : []));
const runsCreated = (r: ReconcileResult) => r.intents.flatMap((i: Intent) => (i._tag === 'CreateAnalysisRun' ? [i.analysisRun] : []));
const terminated = (r: ReconcileResult) => r.intents.flatMap((i: Intent) => (i._tag === 'TerminateAnalysisRun' ? [i.name] : []));

/** A status as a previous reconcile of the update to shop:2 would have left it (active still on shop:1). */
const updating = (extra: Partial<RolloutStatus> = {}, blueGreen: Record<string, unknown> = {}): RolloutStatus => ({
  currentPodHash: NEW,
  stableRS: OLD,
  observedGeneration: '2',
  blueGreen: { previewSelector: NEW, activeSelector: OLD, ...blueGreen },
  ...extra,
});

/** Reconcile, then feed the status back with the same objects until it stops changing: the settled result. */
function settle(obs: RolloutObservation, max = 10): ReconcileResult {
  let r = reconcileRollout(obs);
  for (let i = 0; i < max && r.intents.some((x) => x._tag === 'UpdateStatus'); i++) r = reconcileRollout({ ...obs, rollout: { ...obs.rollout, status: r.status } });
  return r;
}

const smoke: AnalysisTemplate = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name: 'smoke' },
  spec: { args: [{ name: 'svc' }], metrics: [{ name: 'ok', provider: { web: { url: 'http://{{args.svc}}/health' } } }] },
};
const PRE = { prePromotionAnalysis: { templates: [{ templateName: 'smoke' }], args: [{ name: 'svc', value: 'shop-preview' }] } };
const POST = { postPromotionAnalysis: { templates: [{ templateName: 'smoke' }], args: [{ name: 'svc', value: 'shop-active' }] } };
const runName = (kind: 'pre' | 'post') => `shop-${NEW}-2-${kind}`;
function analysisRun(kind: 'pre' | 'post', phase: string, extra: Partial<AnalysisRun['spec']> = {}): AnalysisRun {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: { name: runName(kind), labels: { app: 'shop', [HASH]: NEW, 'rollout-type': kind === 'pre' ? 'PrePromotion' : 'PostPromotion' } },
    spec: { metrics: [], ...extra },
    status: { phase, message: phase === 'Failed' ? 'Metric "ok" assessed Failed due to failed (1) > failureLimit (0)' : '' },
  } as AnalysisRun;
}

// ---------------------------------------------------------------------------------------------------------

describe('reconcileBlueGreen: first deploy', () => {
  const ro = rollout({}, { image: 'shop:1' });

  it('creates the ReplicaSet at full size, points both Services at it at once and makes it stable', () => {
    const r = reconcileRollout(observe(ro, [], { services: services() }));
    expect(scales(r)).toEqual([`+${OLD_RS}=3`]);
    expect(switches(r)).toEqual([`shop-active->${OLD}`, `shop-preview->${OLD}`]);
    expect(r.status).toMatchObject({ stableRS: OLD, currentPodHash: OLD, blueGreen: { activeSelector: OLD, previewSelector: OLD }, phase: 'Progressing', message: 'more replicas need to be updated' });
    expect(r.status.currentStepIndex).toBeUndefined();
    expect(events(r)).toContain('RolloutUpdated'); // upstream: "Rollout updated to revision 1" too
  });

  it('is Healthy once the pods are available, and a settled Rollout writes nothing', () => {
    const first = reconcileRollout(observe(ro, [], { services: services() }));
    const healthy = reconcileRollout(observe({ ...ro, status: first.status }, [rs('shop:1', 1, 3)], { services: services(OLD, OLD) }));
    expect(healthy.status.phase).toBe('Healthy');
    expect(healthy.status.message).toBe('');
    expect(healthy.status.conditions?.find((c) => c.type === 'Healthy')?.status).toBe('True');
    const again = reconcileRollout(observe({ ...ro, status: healthy.status }, [rs('shop:1', 1, 3)], { services: services(OLD, OLD), now: T0 + 3_600_000 }));
    expect(again.intents).toEqual([]);
    expect(again.requeueAfterMs).toBeUndefined();
  });
});

describe('reconcileBlueGreen: the preview', () => {
  const stable: RolloutStatus = { stableRS: OLD, currentPodHash: OLD, observedGeneration: '1', blueGreen: { activeSelector: OLD, previewSelector: OLD } };

  it.each([
    ['without previewReplicaCount: at full size', {}, 3],
    ['with previewReplicaCount 1', { previewReplicaCount: 1 }, 1],
  ])('a template change creates the new ReplicaSet %s, points the preview Service at it and leaves the active alone', (_, bg, size) => {
    const r = reconcileRollout(observe(rollout(bg, { status: stable }), [rs('shop:1', 1, 3)], { services: services(OLD, OLD) }));
    expect(scales(r)).toEqual([`+${NEW_RS}=${size}`]);
    const create = r.intents.find((i) => i._tag === 'CreateReplicaSet');
    expect(create?._tag === 'CreateReplicaSet' && create.replicaSet.metadata?.annotations?.['rollout.argoproj.io/revision']).toBe('2');
    expect(switches(r)).toEqual([`shop-preview->${NEW}`]);
    expect(r.status).toMatchObject({ currentPodHash: NEW, stableRS: OLD, blueGreen: { activeSelector: OLD, previewSelector: NEW }, phase: 'Progressing' });
    expect(events(r)).toContain('RolloutUpdated');
  });

  it('waits for the preview pods: nothing is switched and the stable stays at full size', () => {
    const r = reconcileRollout(observe(rollout({ previewReplicaCount: 1 }, { status: updating() }), [rs('shop:1', 1, 3), rs('shop:2', 2, 1, 0)]));
    expect(scales(r)).toEqual([]);
    expect(switches(r)).toEqual([]);
    expect(r.status.pauseConditions).toBeUndefined();
    expect(r.status.blueGreen?.scaleUpPreviewCheckPoint).toBeUndefined();
  });

  it('with previewReplicaCount and automatic promotion, scales the preview to full size once ready, then switches only when saturated', () => {
    const ro = rollout({ previewReplicaCount: 1 }, { status: updating() });
    const ready = reconcileRollout(observe(ro, [rs('shop:1', 1, 3), rs('shop:2', 2, 1)]));
    expect(ready.status.blueGreen?.scaleUpPreviewCheckPoint).toBe(true);
    expect(scales(ready)).toEqual([`${NEW_RS}=3`]);
    expect(switches(ready)).toEqual([]);
    const status = ready.status;
    const partly = reconcileRollout(observe({ ...ro, status }, [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 2)]));
    expect(switches(partly)).toEqual([]);
    expect(partly.status.blueGreen?.activeSelector).toBe(OLD);
    const full = reconcileRollout(observe({ ...ro, status }, [rs('shop:1', 1, 3), rs('shop:2', 2, 3)]));
    expect(switches(full)).toEqual([`shop-active->${NEW}`]);
    expect(full.status).toMatchObject({ stableRS: NEW, blueGreen: { activeSelector: NEW }, phase: 'Healthy' });
    expect(full.status.blueGreen?.scaleUpPreviewCheckPoint).toBeUndefined();
    expect(events(full)).toEqual(expect.arrayContaining(['SwitchService', 'RolloutCompleted']));
  });

  it('does not switch to a ReplicaSet whose spec is short of the full size even if enough pods are available', () => {
    const r = reconcileRollout(observe(rollout({}, { status: updating({}, { scaleUpPreviewCheckPoint: true }) }), [rs('shop:1', 1, 3), { ...rs('shop:2', 2, 2), status: { replicas: 3, availableReplicas: 3 } }]));
    expect(switches(r)).toEqual([]);
    expect(scales(r)).toEqual([`${NEW_RS}=3`]);
  });
});

describe('reconcileBlueGreen: the pause before the switch', () => {
  const bg = { autoPromotionEnabled: false, previewReplicaCount: 1 };
  const ro = rollout(bg, { status: updating() });
  const rss = [rs('shop:1', 1, 3), rs('shop:2', 2, 1)];

  it('autoPromotionEnabled false: pauses with BlueGreenPause once the preview is ready, Paused, no requeue', () => {
    const r = reconcileRollout(observe(ro, rss));
    expect(r.status.pauseConditions).toEqual([{ reason: 'BlueGreenPause', startTime: at(0) }]);
    expect(r.status.controllerPause).toBe(true);
    expect(r.status.phase).toBe('Paused');
    expect(r.status.message).toBe('BlueGreenPause');
    expect(scales(r)).toEqual([]);
    expect(switches(r)).toEqual([]);
    expect(r.requeueAfterMs).toBeUndefined();
    expect(events(r)).toContain('RolloutPaused');
  });

  it('stays paused and writes nothing until promoted', () => {
    const paused = settle(observe(ro, rss)).status;
    const later = reconcileRollout(observe({ ...ro, status: paused }, rss, { now: T0 + 86_400_000 }));
    expect(later.intents).toEqual([]);
    expect(later.status.phase).toBe('Paused');
  });

  it('promote (pauseConditions cleared): the checkpoint is recorded and the preview scales to full size', () => {
    const paused = settle(observe(ro, rss)).status;
    const { pauseConditions: _, ...promoted } = paused;
    const r = reconcileRollout(observe({ ...ro, status: promoted }, rss, { now: T0 + 60_000 }));
    expect(r.status.pauseConditions).toBeUndefined();
    expect(r.status.controllerPause).toBeUndefined();
    expect(r.status.blueGreen?.scaleUpPreviewCheckPoint).toBe(true);
    expect(scales(r)).toEqual([`${NEW_RS}=3`]);
    // upstream: no RolloutResumed, the promote cleared the pause conditions in the status the controller reads
    expect(events(r)).not.toContain('RolloutResumed');
    expect(r.status.phase).toBe('Progressing');
    // and it does not pause again
    const next = reconcileRollout(observe({ ...ro, status: r.status }, [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 1)], { now: T0 + 61_000 }));
    expect(next.status.pauseConditions).toBeUndefined();
  });

  it('spec.paused holds the update before the pause and the switch', () => {
    const r = reconcileRollout(observe(rollout({}, { status: updating(), paused: true }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3)]));
    expect(switches(r)).toEqual([]);
    expect(r.status).toMatchObject({ phase: 'Paused', message: 'manually paused' });
  });

  it('autoPromotionSeconds: pauses, requeues for the rest of the delay, then promotes by itself', () => {
    const timed = rollout({ autoPromotionSeconds: 30, previewReplicaCount: 1 }, { status: updating() });
    const paused = reconcileRollout(observe(timed, rss));
    expect(paused.status.pauseConditions).toEqual([{ reason: 'BlueGreenPause', startTime: at(0) }]);
    expect(paused.requeueAfterMs).toBe(30_000);
    const early = reconcileRollout(observe({ ...timed, status: paused.status }, rss, { now: T0 + 29_000 }));
    expect(early.status.pauseConditions).toHaveLength(1);
    expect(early.requeueAfterMs).toBe(1_000);
    expect(early.intents).toEqual([]);
    const due = reconcileRollout(observe({ ...timed, status: paused.status }, rss, { now: T0 + 30_000 }));
    expect(due.status.pauseConditions).toBeUndefined();
    expect(due.status.controllerPause).toBeUndefined();
    expect(due.status.blueGreen?.scaleUpPreviewCheckPoint).toBe(true);
    expect(scales(due)).toEqual([`${NEW_RS}=3`]);
  });
});

describe('reconcileBlueGreen: pre-promotion analysis', () => {
  const ro = rollout(PRE, { status: updating() });
  const rss = [rs('shop:1', 1, 3), rs('shop:2', 2, 3)];
  const withRun = (phase: string) => {
    const status = updating({}, { prePromotionAnalysisRunStatus: { name: runName('pre'), status: 'Running' } });
    return observe({ ...ro, status }, rss, { analysisTemplates: [smoke], analysisRuns: [analysisRun('pre', phase)] });
  };

  it('starts once the preview is ready: labelled PrePromotion, named <ro>-<hash>-<rev>-pre; the active waits (cutover pending)', () => {
    const notReady = reconcileRollout(observe(ro, [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 2)], { analysisTemplates: [smoke] }));
    expect(runsCreated(notReady)).toEqual([]);
    const r = reconcileRollout(observe(ro, rss, { analysisTemplates: [smoke] }));
    const [run] = runsCreated(r);
    expect(run?.metadata?.name).toBe(runName('pre'));
    expect(run?.metadata?.labels).toEqual({ app: 'shop', [HASH]: NEW, 'rollout-type': 'PrePromotion' });
    expect(run?.spec.args).toEqual([{ name: 'svc', value: 'shop-preview' }]);
    expect(r.status.blueGreen?.prePromotionAnalysisRunStatus).toEqual({ name: runName('pre'), status: 'Pending' });
    expect(switches(r)).toEqual([]);
    expect(r.status).toMatchObject({ phase: 'Progressing', message: 'active service cutover pending' });
  });

  it('waits while the run is running', () => {
    const r = reconcileRollout(withRun('Running'));
    expect(switches(r)).toEqual([]);
    expect(runsCreated(r)).toEqual([]);
    expect(r.status.blueGreen?.scaleUpPreviewCheckPoint).toBeUndefined();
  });

  it('success: the active Service switches and the update completes', () => {
    const r = reconcileRollout(withRun('Successful'));
    expect(switches(r)).toEqual([`shop-active->${NEW}`]);
    expect(r.status).toMatchObject({ stableRS: NEW, blueGreen: { activeSelector: NEW }, phase: 'Healthy' });
  });

  it('failure: aborts, Degraded with the metric in the message, active unchanged, preview scaled down after abortScaleDownDelaySeconds', () => {
    const r = reconcileRollout(withRun('Failed'));
    expect(r.status.abort).toBe(true);
    expect(r.status.abortedAt).toBe(at(0));
    expect(r.status.phase).toBe('Degraded');
    expect(r.status.message).toBe(
      `RolloutAborted: Rollout aborted update to revision 2: Pre-promotion analysis phase failed: AnalysisRun ${runName('pre')}: Metric "ok" assessed Failed due to failed (1) > failureLimit (0)`,
    );
    expect(switches(r)).toEqual([]);
    expect(annotations(r)).toEqual([`${NEW_RS} ${DEADLINE}=${at(30)}`]);
    expect(scales(r)).toEqual([]);
    expect(r.requeueAfterMs).toBe(30_000);
    expect(events(r)).toContain('RolloutAborted');
  });

  it('inconclusive: pauses (InconclusiveAnalysisRun); promote starts a new run (upstream needsNewAnalysisRun), which decides the switch', () => {
    const paused = reconcileRollout(withRun('Inconclusive'));
    expect(paused.status.pauseConditions?.map((p) => p.reason)).toEqual(['InconclusiveAnalysisRun']);
    expect(paused.status.phase).toBe('Paused');
    expect(switches(paused)).toEqual([]);
    const { pauseConditions: _, ...promoted } = paused.status;
    const obs = withRun('Inconclusive');
    const r = reconcileRollout({ ...obs, rollout: { ...obs.rollout, status: promoted } });
    expect(r.status.pauseConditions).toBeUndefined();
    expect(runsCreated(r).map((x) => x.metadata?.name)).toEqual([`${runName('pre')}.1`]);
    expect(r.status.blueGreen?.prePromotionAnalysisRunStatus).toEqual({ name: `${runName('pre')}.1`, status: 'Pending' });
    expect(switches(r)).toEqual([]);
    expect(r.status.stableRS).toBe(OLD);
    // the new run succeeds: now the switch
    const second = { ...analysisRun('pre', 'Successful'), metadata: { ...analysisRun('pre', 'Successful').metadata, name: `${runName('pre')}.1` } };
    const done = reconcileRollout({ ...obs, rollout: { ...obs.rollout, status: r.status }, analysisRuns: [analysisRun('pre', 'Inconclusive'), second] });
    expect(runsCreated(done)).toEqual([]);
    expect(switches(done)).toEqual([`shop-active->${NEW}`]);
    expect(done.status.stableRS).toBe(NEW);
  });

  it('runs before the BlueGreenPause: the pause starts only after a successful run', () => {
    const gated = rollout({ ...PRE, autoPromotionEnabled: false }, { status: updating() });
    const running = reconcileRollout(observe(gated, rss, { analysisTemplates: [smoke] }));
    expect(running.status.pauseConditions).toBeUndefined();
    const status = updating({}, { prePromotionAnalysisRunStatus: { name: runName('pre'), status: 'Running' } });
    const done = reconcileRollout(observe({ ...gated, status }, rss, { analysisTemplates: [smoke], analysisRuns: [analysisRun('pre', 'Successful')] }));
    expect(done.status.pauseConditions?.map((p) => p.reason)).toEqual(['BlueGreenPause']);
    expect(switches(done)).toEqual([]);
  });
});

describe('reconcileBlueGreen: post-promotion analysis', () => {
  const ro = rollout(POST, { status: updating() });
  const rss = [rs('shop:1', 1, 3), rs('shop:2', 2, 3)];
  const switched = (phase: string) => {
    const status = updating({}, { activeSelector: NEW, postPromotionAnalysisRunStatus: { name: runName('post'), status: 'Running' } });
    return observe({ ...ro, status }, rss, { services: services(NEW, NEW), analysisTemplates: [smoke], analysisRuns: [analysisRun('post', phase)] });
  };

  it('starts after the switch; the new revision is not stable yet and the old one keeps its pods', () => {
    const r = reconcileRollout(observe(ro, rss, { analysisTemplates: [smoke] }));
    expect(switches(r)).toEqual([`shop-active->${NEW}`]);
    expect(runsCreated(r).map((x) => [x.metadata?.name, x.metadata?.labels?.['rollout-type']])).toEqual([[runName('post'), 'PostPromotion']]);
    expect(r.status).toMatchObject({ stableRS: OLD, blueGreen: { activeSelector: NEW }, phase: 'Progressing', message: 'waiting for analysis to complete' });
    expect(scales(r)).toEqual([]);
    expect(annotations(r)).toEqual([]);
  });

  it('success: the new revision becomes stable and the old one gets its scale-down deadline', () => {
    const r = reconcileRollout(switched('Successful'));
    expect(r.status).toMatchObject({ stableRS: NEW, phase: 'Healthy' });
    expect(r.status.blueGreen?.postPromotionAnalysisRunStatus).toBeUndefined();
    expect(annotations(r)).toEqual([`${OLD_RS} ${DEADLINE}=${at(30)}`]);
    expect(switches(r)).toEqual([]);
  });

  it('failure: aborts and the active Service goes back to the stable revision', () => {
    const r = reconcileRollout(switched('Failed'));
    expect(r.status).toMatchObject({ abort: true, stableRS: OLD, blueGreen: { activeSelector: OLD }, phase: 'Degraded' });
    expect(r.status.message).toContain('Post-promotion analysis phase failed');
    expect(switches(r)).toEqual([`shop-active->${OLD}`]);
  });

  it('inconclusive: pauses; promote starts a new run, whose success completes the update', () => {
    const paused = reconcileRollout(switched('Inconclusive'));
    expect(paused.status.phase).toBe('Paused');
    expect(paused.status.stableRS).toBe(OLD);
    const { pauseConditions: _, ...promoted } = paused.status;
    const obs = switched('Inconclusive');
    const r = reconcileRollout({ ...obs, rollout: { ...obs.rollout, status: promoted } });
    expect(runsCreated(r).map((x) => x.metadata?.name)).toEqual([`${runName('post')}.1`]);
    expect(r.status.blueGreen?.postPromotionAnalysisRunStatus).toEqual({ name: `${runName('post')}.1`, status: 'Pending' });
    expect(r.status).toMatchObject({ stableRS: OLD, phase: 'Progressing' });
    const second = { ...analysisRun('post', 'Successful'), metadata: { ...analysisRun('post', 'Successful').metadata, name: `${runName('post')}.1` } };
    const done = reconcileRollout({ ...obs, rollout: { ...obs.rollout, status: r.status }, analysisRuns: [analysisRun('post', 'Inconclusive'), second] });
    expect(done.status).toMatchObject({ stableRS: NEW, phase: 'Healthy' });
  });
});

describe('reconcileBlueGreen: abort', () => {
  const rss = [rs('shop:1', 1, 3), rs('shop:2', 2, 3)];
  const aborted = (bg: BlueGreen, status: Partial<RolloutStatus> = {}) => rollout(bg, { status: updating({ abort: true, ...status }) });

  it('a user abort before the switch: Degraded, active on the stable, the preview annotated for abortScaleDownDelaySeconds (default 30)', () => {
    const r = reconcileRollout(observe(aborted({}), rss));
    expect(r.status).toMatchObject({ abort: true, abortedAt: at(0), phase: 'Degraded', blueGreen: { activeSelector: OLD } });
    expect(r.status.message).toBe('RolloutAborted: Rollout aborted update to revision 2');
    expect(annotations(r)).toEqual([`${NEW_RS} ${DEADLINE}=${at(30)}`]);
    expect(r.requeueAfterMs).toBe(30_000);
  });

  it('after the switch: the active Service goes back to the stable revision', () => {
    const r = reconcileRollout(observe(aborted(POST, {}), rss, { services: services(NEW, NEW), analysisTemplates: [smoke] }));
    expect(switches(r)).toEqual([`shop-active->${OLD}`]);
    expect(r.status.blueGreen?.activeSelector).toBe(OLD);
  });

  it.each([
    ['default 30 s', {}, 30],
    ['abortScaleDownDelaySeconds 10', { abortScaleDownDelaySeconds: 10 }, 10],
  ])('the preview is scaled to 0 at the deadline (%s)', (_, bg, seconds) => {
    const deadline = at(seconds);
    const status = { abortedAt: at(0) };
    const withDeadline = [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 3, { [DEADLINE]: deadline })];
    const before = reconcileRollout(observe(aborted(bg, status), withDeadline, { now: T0 + seconds * 1000 - 1000 }));
    expect(scales(before)).toEqual([]);
    expect(before.requeueAfterMs).toBe(1000);
    const after = reconcileRollout(observe(aborted(bg, status), withDeadline, { now: T0 + seconds * 1000 }));
    expect(scales(after)).toEqual([`${NEW_RS}=0`]);
  });

  it('abortScaleDownDelaySeconds 0: the preview keeps its pods for good', () => {
    const first = reconcileRollout(observe(aborted({ abortScaleDownDelaySeconds: 0 }), rss));
    expect(annotations(first)).toEqual([]);
    expect(scales(first)).toEqual([]);
    expect(first.requeueAfterMs).toBeUndefined();
    const later = reconcileRollout(observe({ ...aborted({ abortScaleDownDelaySeconds: 0 }), status: first.status }, rss, { now: T0 + 86_400_000 }));
    expect(later.intents).toEqual([]);
  });

  it('scales the stable back to full size first', () => {
    const r = reconcileRollout(observe(aborted({}), [rs('shop:1', 1, 1), rs('shop:2', 2, 3)]));
    expect(scales(r)).toEqual([`${OLD_RS}=3`]);
  });

  it('terminates a running pre-promotion analysis once, not on every reconcile', () => {
    const status = { blueGreen: { previewSelector: NEW, activeSelector: OLD, prePromotionAnalysisRunStatus: { name: runName('pre'), status: 'Running' } } };
    const obs = observe(aborted(PRE, status), rss, { analysisTemplates: [smoke], analysisRuns: [analysisRun('pre', 'Running')] });
    const r = reconcileRollout(obs);
    expect(terminated(r)).toEqual([runName('pre')]);
    const again = reconcileRollout({ ...obs, rollout: { ...obs.rollout, status: r.status }, analysisRuns: [analysisRun('pre', 'Successful', { terminate: true })] });
    expect(terminated(again)).toEqual([]);
  });

  it('retry (abort cleared): starts the update again and the preview loses its scale-down deadline', () => {
    const status = updating({ abortedAt: at(0), blueGreen: { previewSelector: NEW, activeSelector: OLD, scaleUpPreviewCheckPoint: true } });
    const ro = rollout({ previewReplicaCount: 1, autoPromotionEnabled: false }, { status });
    const r = reconcileRollout(observe(ro, [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 3, { [DEADLINE]: at(30) })], { now: T0 + 10_000 }));
    expect(r.status.abortedAt).toBeUndefined();
    expect(r.status.blueGreen?.scaleUpPreviewCheckPoint).toBeUndefined();
    expect(events(r)).not.toContain('RolloutRetry'); // upstream records no event for a retry
    expect(scales(r)).toEqual([`${NEW_RS}=1`]);
    expect(annotations(r)).toEqual([`${NEW_RS} ${DEADLINE}=null`]);
    expect(switches(r)).toEqual([]);
  });
});

describe('reconcileBlueGreen: the previous active ReplicaSets', () => {
  const promoted: RolloutStatus = { currentPodHash: NEW, stableRS: NEW, observedGeneration: '2', blueGreen: { activeSelector: NEW, previewSelector: NEW } };
  const svcs = services(NEW, NEW);

  it('the old active keeps its pods for scaleDownDelaySeconds, then goes to 0', () => {
    const old = rs('shop:1', 1, 3, 3, { [DEADLINE]: at(30) });
    const ro = rollout({}, { status: promoted });
    const during = reconcileRollout(observe(ro, [old, rs('shop:2', 2, 3)], { services: svcs, now: T0 + 10_000 }));
    expect(scales(during)).toEqual([]);
    expect(during.requeueAfterMs).toBe(20_000);
    const after = reconcileRollout(observe(ro, [old, rs('shop:2', 2, 3)], { services: svcs, now: T0 + 30_000 }));
    expect(scales(after)).toEqual([`${OLD_RS}=0`]);
    expect(annotations(after)).toEqual([`${OLD_RS} ${DEADLINE}=null`]);
  });

  it('scaleDownDelaySeconds sets the deadline at the switch', () => {
    const r = reconcileRollout(observe(rollout({ scaleDownDelaySeconds: 120 }, { status: updating() }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3)]));
    expect(switches(r)).toEqual([`shop-active->${NEW}`]);
    expect(annotations(r)).toEqual([`${OLD_RS} ${DEADLINE}=${at(120)}`]);
    expect(r.requeueAfterMs).toBe(120_000);
  });

  it('scaleDownDelayRevisionLimit: only the newest old ReplicaSets keep their pods', () => {
    const v3 = { ...template('shop:3') };
    const ro: Rollout = { ...rollout({ scaleDownDelayRevisionLimit: 1 }, { status: { ...promoted, currentPodHash: hashOf('shop:3'), stableRS: hashOf('shop:3') } }), spec: { ...rollout({ scaleDownDelayRevisionLimit: 1 }).spec, template: v3 } };
    const rss = [rs('shop:1', 1, 3, 3, { [DEADLINE]: at(20) }), rs('shop:2', 2, 3, 3, { [DEADLINE]: at(30) }), rs('shop:3', 3, 3)];
    const r = reconcileRollout(observe(ro, rss, { services: services(hashOf('shop:3'), hashOf('shop:3')), now: T0 + 5_000 }));
    expect(scales(r)).toEqual([`${OLD_RS}=0`]);
    expect(r.requeueAfterMs).toBe(25_000);
  });

  it('scaleDownDelayRevisionLimit 0: the old active goes to 0 at the switch', () => {
    const r = reconcileRollout(observe(rollout({ scaleDownDelayRevisionLimit: 0 }, { status: updating() }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3)]));
    expect(switches(r)).toEqual([`shop-active->${NEW}`]);
    expect(scales(r)).toEqual([`${OLD_RS}=0`]);
  });

  it('a newer update while the active serves an unfinished revision keeps that revision at full size', () => {
    // v2 is active (post-promotion analysis was running) when v3 arrives: v2 must keep serving.
    const v3 = hashOf('shop:3');
    const base = rollout(POST, { image: 'shop:3', status: updating({}, { activeSelector: NEW }) });
    const r = reconcileRollout(observe(base, [rs('shop:1', 1, 3), rs('shop:2', 2, 3), ], { services: services(NEW, NEW), analysisTemplates: [smoke] }));
    expect(r.status.blueGreen?.activeSelector).toBe(NEW);
    expect(scales(r)).toEqual([`+shop-${v3}=3`]);
    expect(switches(r)).toEqual([`shop-preview->${v3}`]);
  });
});

describe('reconcileBlueGreen: promote-full and fast rollback', () => {
  it('promoteFull skips the pause and analysis: full size, then the switch, and promoteFull is cleared', () => {
    const bg = { ...PRE, ...POST, autoPromotionEnabled: false, previewReplicaCount: 1 };
    const ro = rollout(bg, { status: updating({ promoteFull: true }) });
    const r = reconcileRollout(observe(ro, [rs('shop:1', 1, 3), rs('shop:2', 2, 1)], { analysisTemplates: [smoke] }));
    expect(scales(r)).toEqual([`${NEW_RS}=3`]);
    expect(runsCreated(r)).toEqual([]);
    expect(r.status.pauseConditions).toBeUndefined();
    const done = reconcileRollout(observe({ ...ro, status: r.status }, [rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { analysisTemplates: [smoke] }));
    expect(switches(done)).toEqual([`shop-active->${NEW}`]);
    expect(runsCreated(done)).toEqual([]);
    expect(done.status).toMatchObject({ stableRS: NEW, phase: 'Healthy' });
    expect(done.status.promoteFull).toBeUndefined();
  });

  it('promoteFull while paused at BlueGreenPause or mid-analysis terminates the running analysis', () => {
    const ro = rollout(PRE, { status: updating({ promoteFull: true }, { prePromotionAnalysisRunStatus: { name: runName('pre'), status: 'Running' } }) });
    const r = reconcileRollout(observe(ro, [rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { analysisTemplates: [smoke], analysisRuns: [analysisRun('pre', 'Running')] }));
    expect(switches(r)).toEqual([`shop-active->${NEW}`]);
    expect(terminated(r)).toEqual([runName('pre')]);
  });

  it('rolling back to the previous active while it still has its pods switches at once (no pause, no analysis)', () => {
    // shop:2 is stable and active; shop:1 still holds its pods until its deadline; the template goes back to shop:1.
    const status: RolloutStatus = { currentPodHash: NEW, stableRS: NEW, observedGeneration: '2', blueGreen: { activeSelector: NEW, previewSelector: NEW } };
    const ro = rollout({ ...PRE, autoPromotionEnabled: false }, { image: 'shop:1', status });
    const r = reconcileRollout(observe(ro, [rs('shop:1', 1, 3, 3, { [DEADLINE]: at(20) }), rs('shop:2', 2, 3)], { services: services(NEW, NEW), analysisTemplates: [smoke] }));
    expect(switches(r)).toEqual([`shop-active->${OLD}`, `shop-preview->${OLD}`]);
    expect(runsCreated(r)).toEqual([]);
    expect(r.status).toMatchObject({ stableRS: OLD, currentPodHash: OLD, phase: 'Healthy' });
    expect(r.status.pauseConditions).toBeUndefined();
    // the rolled-back revision loses its deadline; the one it replaces gets one
    expect(annotations(r).sort()).toEqual([`${NEW_RS} ${DEADLINE}=${at(30)}`, `${OLD_RS} ${DEADLINE}=null`].sort());
    // upstream's words (shouldFullPromote): not "Full promotion requested", nobody asked for one
    const completed = r.intents.find((i) => i._tag === 'RecordEvent' && i.eventReason === 'RolloutCompleted');
    expect(completed?._tag === 'RecordEvent' && completed.message).toBe(`Rollout completed update to revision 3 (${OLD}): Completed blue-green update`);
  });

  it('rolling back within rollbackWindow says so in RolloutCompleted; with post-promotion analysis, a rollback within scaleDownDelay says that', () => {
    const status: RolloutStatus = { currentPodHash: NEW, stableRS: NEW, observedGeneration: '2', blueGreen: { activeSelector: NEW, previewSelector: NEW } };
    const message = (r: ReconcileResult) => r.intents.flatMap((i) => (i._tag === 'RecordEvent' && i.eventReason === 'RolloutCompleted' ? [i.message] : []));
    const base = rollout({}, { image: 'shop:1', status });
    const windowed: Rollout = { ...base, spec: { ...base.spec, rollbackWindow: { revisions: 1 } } };
    const w = reconcileRollout(observe(windowed, [rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { services: services(NEW, NEW) }));
    expect(message(w)).toEqual([`Rollout completed update to revision 3 (${OLD}): Rollback within window`]);
    const post = rollout(POST, { image: 'shop:1', status });
    const d = reconcileRollout(observe(post, [rs('shop:1', 1, 3, 3, { [DEADLINE]: at(20) }), rs('shop:2', 2, 3)], { services: services(NEW, NEW), analysisTemplates: [smoke] }));
    expect(message(d)).toEqual([`Rollout completed update to revision 3 (${OLD}): Rollback to '${OLD_RS}' within scaleDownDelay`]);
  });

  it('rolling back to the stable revision mid-update scales the preview down and keeps the active', () => {
    const ro = rollout({}, { image: 'shop:1', status: updating() });
    const r = reconcileRollout(observe(ro, [rs('shop:1', 1, 3), rs('shop:2', 2, 3)]));
    expect(r.status).toMatchObject({ stableRS: OLD, currentPodHash: OLD, blueGreen: { activeSelector: OLD, previewSelector: OLD } });
    expect(scales(r)).toEqual([`${NEW_RS}=0`]);
    expect(switches(r)).toEqual([`shop-preview->${OLD}`]);
  });
});

describe('reconcileBlueGreen: phase and writes', () => {
  it('a settled, promoted Rollout writes nothing', () => {
    const ro = rollout({ previewReplicaCount: 1 }, { status: updating({ stableRS: NEW }, { activeSelector: NEW }) });
    const end = settle(observe(ro, [rs('shop:1', 1, 0), rs('shop:2', 2, 3)], { services: services(NEW, NEW) }));
    expect(end.status.phase).toBe('Healthy');
    expect(end.intents).toEqual([]);
  });

  it('is deterministic: the same observation gives the same result', () => {
    const obs = observe(rollout(PRE, { status: updating() }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { analysisTemplates: [smoke] });
    expect(reconcileRollout(obs)).toEqual(reconcileRollout(JSON.parse(JSON.stringify(obs))));
  });

  it('a missing active Service is InvalidSpec', () => {
    const r = reconcileRollout(observe(rollout({}, { status: updating() }), [rs('shop:1', 1, 3)], { services: [svc('shop-preview')] }));
    expect(r.status.phase).toBe('Degraded');
    expect(r.status.message).toContain('spec.strategy.blueGreen.activeService');
    expect(tags(r)).toEqual(['RecordEvent', 'UpdateStatus']);
  });
});

describe('blue-green: progress deadline', () => {
  // The preview never becomes available (a bad image): 0/3 pods forever.
  const stuck = [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 0)];

  it('times out, says so once, and stays timed out while nothing moves', () => {
    const ro = rollout({}, { status: updating() });
    const first = reconcileRollout(observe(ro, stuck)).status;
    const timedOut = reconcileRollout(observe({ ...ro, status: first }, stuck, { now: T0 + 600_001 }));
    expect(timedOut.status.phase).toBe('Degraded');
    expect(timedOut.status.message).toBe(`ProgressDeadlineExceeded: ReplicaSet "${NEW_RS}" has timed out progressing: 0/3 new pods available, active not switched.`);
    expect(events(timedOut)).toEqual([]); // upstream records no event for a timeout (RolloutAborted with progressDeadlineAbort)
    const later = reconcileRollout(observe({ ...ro, status: timedOut.status }, stuck, { now: T0 + 900_000 }));
    expect(later.status.phase).toBe('Degraded');
    expect(later.intents).toEqual([]);
  });

  it('with progressDeadlineAbort, aborts: the active Service stays on the old revision', () => {
    const base = rollout({}, { status: updating() });
    const ro: Rollout = { ...base, spec: { ...base.spec, progressDeadlineAbort: true, progressDeadlineSeconds: 60 } };
    const first = reconcileRollout(observe(ro, stuck)).status;
    const r = reconcileRollout(observe({ ...ro, status: first }, stuck, { now: T0 + 61_000 }));
    expect(r.status.abort).toBe(true);
    expect(switches(r)).toEqual([]);
  });
});

describe('blue-green: status counts come from the active ReplicaSet (upstream syncRolloutStatusBlueGreen)', () => {
  it('after the switch, the old revision holding its pods through scaleDownDelaySeconds does not count: Healthy at once', () => {
    const promoted: RolloutStatus = { currentPodHash: NEW, stableRS: NEW, observedGeneration: '2', blueGreen: { activeSelector: NEW, previewSelector: NEW } };
    const ro = rollout({}, { status: promoted });
    const r = reconcileRollout(observe(ro, [rs('shop:1', 1, 3, 3, { [DEADLINE]: at(30) }), rs('shop:2', 2, 3)], { services: services(NEW, NEW), now: T0 + 5_000 }));
    expect(r.status).toMatchObject({ replicas: 6, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, HPAReplicas: 3 });
    expect(r.status.selector).toBe(`app=shop,${HASH}=${NEW}`);
    expect(r.status.phase).toBe('Healthy');
    expect(r.status.conditions?.find((c) => c.type === 'Healthy')?.status).toBe('True');
    expect(r.status.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
  });

  it('before the switch, ready and available are the active (old) revision\'s, not the preview\'s (e2e PreviewReplicaCount: 2, 3, 1, 2, 2)', () => {
    const ro = rollout({ previewReplicaCount: 1, autoPromotionEnabled: false }, { replicas: 2, status: updating() });
    const old = { ...rs('shop:1', 1, 2), metadata: { ...rs('shop:1', 1, 2).metadata, annotations: { 'rollout.argoproj.io/revision': '1', 'rollout.argoproj.io/desired-replicas': '2' } } };
    const r = settle(observe(ro, [old, rs('shop:2', 2, 1)]));
    expect(r.status.phase).toBe('Paused');
    expect(r.status).toMatchObject({ replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, HPAReplicas: 2 });
    expect(r.status.selector).toBe(`app=shop,${HASH}=${OLD}`);
  });

  it('with no active ReplicaSet yet, counts every ReplicaSet and reports the Rollout\'s selector', () => {
    const ro = rollout({}, { image: 'shop:1' });
    const r = reconcileRollout(observe(ro, [], { services: services() }));
    expect(r.status).toMatchObject({ replicas: 0, readyReplicas: 0, availableReplicas: 0, HPAReplicas: 0, selector: 'app=shop' });
  });
});

describe('blue-green with workloadRef', () => {
  const withRef = (status?: RolloutStatus): Rollout => {
    const base = rollout({}, { image: 'shop:1', ...(status ? { status } : {}) });
    const { template: _t, ...specNoTemplate } = base.spec;
    return { ...base, spec: { ...specNoTemplate, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' } } } as Rollout;
  };
  const workload = (generation: number) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop', generation, replicas: 0, template: template('shop:1') as never });

  it('records status.workloadObservedGeneration from the referenced workload, and follows its changes', () => {
    const first = reconcileRollout(observe(withRef(), [], { services: services(), workload: workload(3) }));
    expect(first.status.workloadObservedGeneration).toBe('3');
    const next = reconcileRollout(observe(withRef(first.status), [rs('shop:1', 1, 3)], { services: services(OLD, OLD), workload: workload(4) }));
    expect(next.status.workloadObservedGeneration).toBe('4');
    expect(next.intents.some((i) => i._tag === 'UpdateStatus')).toBe(true);
  });
});

describe('blue-green: spec.paused on a completed Rollout (upstream checkPausedConditions skips completed Rollouts)', () => {
  it('keeps Progressing True/NewReplicaSetAvailable; the Paused condition and the phase say paused', () => {
    const ro = rollout({}, { image: 'shop:1' });
    const healthy = settle(observe(ro, [rs('shop:1', 1, 3)], { services: services(OLD, OLD) }));
    expect(healthy.status.phase).toBe('Healthy');
    const paused = settle(observe({ ...ro, spec: { ...ro.spec, paused: true }, status: healthy.status }, [rs('shop:1', 1, 3)], { services: services(OLD, OLD), now: T0 + 60_000 }));
    const progressing = paused.status.conditions?.find((c) => c.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect(paused.status.conditions?.find((c) => c.type === 'Paused')).toMatchObject({ status: 'True', reason: 'RolloutPaused' });
    expect(paused.status).toMatchObject({ phase: 'Paused', message: 'manually paused' });
  });

  it('an update under spec.paused is still Progressing Unknown/RolloutPaused', () => {
    const r = reconcileRollout(observe(rollout({}, { status: updating(), paused: true }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3)]));
    expect(r.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'RolloutPaused' });
  });
});

describe('blue-green: progressDeadlineAbort acts in the reconcile that finds the deadline passed', () => {
  const stuck = [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 0)];
  const withAbort = (ro: Rollout): Rollout => ({ ...ro, spec: { ...ro.spec, progressDeadlineAbort: true, progressDeadlineSeconds: 60 } });

  it('the reconcile that finds the deadline exceeded aborts in the same status write (abortedAt, RolloutAborted, preview scale-down deadline)', () => {
    const ro = withAbort(rollout({}, { status: updating() }));
    const first = reconcileRollout(observe(ro, stuck)).status;
    const r = reconcileRollout(observe({ ...ro, status: first }, stuck, { now: T0 + 61_000 }));
    expect(r.status).toMatchObject({ abort: true, abortedAt: at(61), phase: 'Degraded', blueGreen: { activeSelector: OLD } });
    const progressing = r.status.conditions?.find((c) => c.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'False', reason: 'RolloutAborted' });
    expect(progressing?.message).toContain('timed out progressing');
    expect(events(r)).toContain('RolloutAborted');
    expect(annotations(r)).toEqual([`${NEW_RS} ${DEADLINE}=${at(91)}`]);
    // and the next reconcile has nothing more to do about it
    const next = reconcileRollout(observe({ ...ro, status: r.status }, stuck, { now: T0 + 62_000 }));
    expect(events(next)).not.toContain('RolloutAborted');
    expect(next.status.abortedAt).toBe(at(61));
  });

  it('progressDeadlineAbort set after the deadline already passed (Progressing False/ProgressDeadlineExceeded) aborts', () => {
    const ro = rollout({}, { status: updating() });
    const shortDeadline: Rollout = { ...ro, spec: { ...ro.spec, progressDeadlineSeconds: 60 } };
    const first = reconcileRollout(observe(shortDeadline, stuck)).status;
    const timedOut = reconcileRollout(observe({ ...shortDeadline, status: first }, stuck, { now: T0 + 61_000 })).status;
    expect(timedOut.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('ProgressDeadlineExceeded');
    expect(timedOut.abort).toBeUndefined();
    const r = reconcileRollout(observe({ ...withAbort(ro), status: timedOut }, stuck, { now: T0 + 120_000 }));
    expect(r.status).toMatchObject({ abort: true, abortedAt: at(120), phase: 'Degraded' });
    expect(r.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'RolloutAborted' });
    expect(events(r)).toContain('RolloutAborted');
  });
});

describe('blue-green: promote --full after an abort (upstream: promoteFull removes the abort)', () => {
  it('clears the abort, scales the new revision up, switches once saturated and reaches Healthy', () => {
    const ro = rollout({}, { status: updating({ abort: true }) });
    // the abort: Degraded, preview held for abortScaleDownDelaySeconds then scaled to 0
    const aborted = reconcileRollout(observe(ro, [rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { services: services(OLD, NEW) }));
    expect(aborted.status.phase).toBe('Degraded');
    const down = reconcileRollout(observe({ ...ro, status: aborted.status }, [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 3, { [DEADLINE]: at(30) })], { services: services(OLD, NEW), now: T0 + 31_000 }));
    expect(scales(down)).toEqual([`${NEW_RS}=0`]);
    // promote --full: {"status":{"promoteFull":true}}
    const full = { ...down.status, promoteFull: true };
    const r = reconcileRollout(observe({ ...ro, status: full }, [rs('shop:1', 1, 3), rs('shop:2', 2, 0)], { services: services(OLD, NEW), now: T0 + 40_000 }));
    expect(r.status.abort).toBeUndefined();
    expect(r.status.abortedAt).toBeUndefined();
    expect(scales(r)).toEqual([`${NEW_RS}=3`]);
    expect(r.status.conditions?.find((c) => c.type === 'Progressing')?.reason).not.toBe('RolloutAborted');
    expect(r.status.phase).toBe('Progressing');
    const done = reconcileRollout(observe({ ...ro, status: r.status }, [rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { services: services(OLD, NEW), now: T0 + 50_000 }));
    expect(switches(done)).toEqual([`shop-active->${NEW}`]);
    expect(done.status).toMatchObject({ stableRS: NEW, phase: 'Healthy' });
    expect(done.status.promoteFull).toBeUndefined();
    expect(done.status.conditions?.find((c) => c.type === 'Healthy')?.status).toBe('True');
  });
});

describe('blue-green: a workloadRef Rollout with its own template (e2e WorkloadRefTemplate)', () => {
  it('is InvalidSpec with upstream\'s message, even once the workload is found', () => {
    const base = rollout({});
    const ro = {
      ...base,
      spec: { ...base.spec, selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'shop' } } }, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' } },
    } as Rollout;
    const workload = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop', generation: 1, replicas: 0, template: template('shop:1') as never };
    const r = reconcileRollout(observe(ro, [], { services: [], workload }));
    expect(r.status.phase).toBe('Degraded');
    expect(r.status.conditions).toHaveLength(1);
    expect(r.status.conditions?.[0]?.message?.startsWith('The Rollout "shop" is invalid: spec.template: Internal error: template must be empty for workload reference rollout')).toBe(true);
    expect(tags(r)).toEqual(['RecordEvent', 'UpdateStatus']);
  });
});

describe('blue-green: events, in upstream\'s order (e2e BlueGreenUpdate checks the exact list)', () => {
  const noPreview = (status?: RolloutStatus, image = 'shop:2') => rollout({ previewService: undefined }, { image, ...(status ? { status } : {}) });

  it('first deploy: RolloutUpdated, NewReplicaSetCreated, ScalingReplicaSet, RolloutCompleted (Initial deploy), SwitchService', () => {
    const ro = noPreview(undefined, 'shop:1');
    const r = reconcileRollout(observe(ro, [], { services: services() }));
    expect(events(r)).toEqual(['RolloutUpdated', 'NewReplicaSetCreated', 'ScalingReplicaSet', 'RolloutCompleted', 'SwitchService']);
    const messages = r.intents.flatMap((i) => (i._tag === 'RecordEvent' ? [i.message] : []));
    expect(messages).toEqual([
      'Rollout updated to revision 1',
      `Created ReplicaSet ${OLD_RS} (revision 1)`,
      `Scaled up ReplicaSet ${OLD_RS} (revision 1) from 0 to 3`,
      `Rollout completed update to revision 1 (${OLD}): Initial deploy`,
      `Switched selector for service 'shop-active' from '' to '${OLD}'`,
    ]);
    const healthy = settle(observe({ ...ro, status: r.status }, [rs('shop:1', 1, 3)], { services: services(OLD) }));
    expect(healthy.status.phase).toBe('Healthy');
    expect(events(reconcileRollout(observe({ ...ro, status: r.status }, [rs('shop:1', 1, 3)], { services: services(OLD) })))).toEqual([]);
  });

  it('an update: RolloutUpdated, NewReplicaSetCreated, RolloutNotCompleted, ScalingReplicaSet; then SwitchService, RolloutCompleted', () => {
    const done: RolloutStatus = { currentPodHash: OLD, stableRS: OLD, observedGeneration: '2', blueGreen: { activeSelector: OLD } };
    const first = settle(observe(noPreview(undefined, 'shop:1'), [rs('shop:1', 1, 3)], { services: services(OLD) }));
    const ro = noPreview({ ...done, conditions: first.status.conditions ?? [] });
    const created = reconcileRollout(observe(ro, [rs('shop:1', 1, 3)], { services: services(OLD) }));
    expect(events(created)).toEqual(['RolloutUpdated', 'NewReplicaSetCreated', 'RolloutNotCompleted', 'ScalingReplicaSet']);
    const notCompleted = created.intents.find((i) => i._tag === 'RecordEvent' && i.eventReason === 'RolloutNotCompleted');
    expect(notCompleted?._tag === 'RecordEvent' && notCompleted.message).toBe(`Rollout not completed, started update to revision 2 (${NEW})`);
    const waiting = reconcileRollout(observe({ ...ro, status: created.status }, [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 1)], { services: services(OLD) }));
    expect(events(waiting)).toEqual([]);
    const switched = reconcileRollout(observe({ ...ro, status: waiting.status }, [rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { services: services(OLD) }));
    expect(events(switched)).toEqual(['SwitchService', 'RolloutCompleted']);
  });

  it('the controller resuming from its own pause emits RolloutResumed; a pause emits RolloutPaused once; retry emits nothing of its own', () => {
    const notCompleted = [{ type: 'Completed', status: 'False' as const, reason: 'RolloutCompleted', message: 'RolloutCompleted' }];
    const timed = rollout({ autoPromotionSeconds: 30, previewReplicaCount: 1 }, { status: updating({ conditions: notCompleted }) });
    const rss = [rs('shop:1', 1, 3), rs('shop:2', 2, 1)];
    const paused = reconcileRollout(observe(timed, rss));
    expect(events(paused)).toEqual(['RolloutPaused']);
    const pausedEvent = paused.intents.find((i) => i._tag === 'RecordEvent');
    expect(pausedEvent?._tag === 'RecordEvent' && pausedEvent.message.startsWith('Rollout is paused (BlueGreenPause)')).toBe(true);
    expect(events(reconcileRollout(observe({ ...timed, status: paused.status }, rss, { now: T0 + 10_000 })))).toEqual([]);
    const due = reconcileRollout(observe({ ...timed, status: paused.status }, rss, { now: T0 + 30_000 }));
    expect(events(due)).toEqual(['ScalingReplicaSet', 'RolloutResumed']);
    // retry after an abort: no event of its own
    const aborted = { ...updating({ abortedAt: at(0), conditions: notCompleted }), abort: false };
    const retried = reconcileRollout(observe(rollout({}, { status: aborted }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 0)]));
    expect(events(retried)).toEqual([]);
  });
});

describe('blue-green: AnalysisRun<Phase> events on the Rollout (upstream emitAnalysisRunStatusChanges; notifications on-analysis-run-*)', () => {
  const withRun = (prevPhase: string, phase: string, bg: BlueGreen = PRE, kind: 'pre' | 'post' = 'pre') => {
    const key = kind === 'pre' ? 'prePromotionAnalysisRunStatus' : 'postPromotionAnalysisRunStatus';
    const status = updating({}, { ...(kind === 'post' ? { activeSelector: NEW } : {}), [key]: { name: runName(kind), status: prevPhase } });
    return observe(rollout(bg, { status }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { services: services(kind === 'post' ? NEW : OLD, NEW), analysisTemplates: [smoke], analysisRuns: [analysisRun(kind, phase)] });
  };
  const analysisEvents = (r: ReconcileResult) => r.intents.flatMap((i) => (i._tag === 'RecordEvent' && i.eventReason.startsWith('AnalysisRun') ? [[i.type, i.eventReason, i.message]] : []));

  it('a run that changed phase: one event with the new and previous phase; none while unchanged; none for a run just created', () => {
    expect(analysisEvents(reconcileRollout(withRun('Pending', 'Running')))).toEqual([
      ['Normal', 'AnalysisRunRunning', `PrePromotion Analysis Run '${runName('pre')}' Status New: 'Running' Previous: 'Pending'`],
    ]);
    expect(analysisEvents(reconcileRollout(withRun('Running', 'Running')))).toEqual([]);
    expect(analysisEvents(reconcileRollout(withRun('Running', 'Successful')))).toEqual([
      ['Normal', 'AnalysisRunSuccessful', `PrePromotion Analysis Run '${runName('pre')}' Status New: 'Successful' Previous: 'Running'`],
    ]);
    expect(analysisEvents(reconcileRollout(withRun('Running', 'Failed')))).toEqual([
      ['Warning', 'AnalysisRunFailed', `PrePromotion Analysis Run '${runName('pre')}' Status New: 'Failed' Previous: 'Running'`],
    ]);
    expect(analysisEvents(reconcileRollout(observe(rollout(PRE, { status: updating() }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { analysisTemplates: [smoke] })))).toEqual([]);
  });

  it('post-promotion runs too', () => {
    expect(analysisEvents(reconcileRollout(withRun('Running', 'Inconclusive', POST, 'post')))).toEqual([
      ['Normal', 'AnalysisRunInconclusive', `PostPromotion Analysis Run '${runName('post')}' Status New: 'Inconclusive' Previous: 'Running'`],
    ]);
  });
});

describe('blue-green: the Paused condition (upstream checkPausedConditions)', () => {
  it('is not added by an abort of an update that never paused', () => {
    const r = reconcileRollout(observe(rollout({}, { status: updating({ abort: true }) }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3)]));
    expect(r.status.phase).toBe('Degraded');
    expect(r.status.conditions?.find((c) => c.type === 'Paused')).toBeUndefined();
  });

  it('turns False once the pause ends, with upstream\'s message ("Rollout is paused" either way)', () => {
    const ro = rollout({ autoPromotionEnabled: false, previewReplicaCount: 1 }, { status: updating() });
    const rss = [rs('shop:1', 1, 3), rs('shop:2', 2, 1)];
    const paused = settle(observe(ro, rss)).status;
    expect(paused.conditions?.find((c) => c.type === 'Paused')).toMatchObject({ status: 'True', reason: 'RolloutPaused', message: 'Rollout is paused' });
    const { pauseConditions: _, ...promoted } = paused;
    const r = reconcileRollout(observe({ ...ro, status: promoted }, rss, { now: T0 + 60_000 }));
    expect(r.status.conditions?.find((c) => c.type === 'Paused')).toMatchObject({ status: 'False', reason: 'RolloutPaused', message: 'Rollout is paused' });
  });
});

describe('blue-green: the Completed condition', () => {
  it('has upstream\'s message, the reason itself, when True and when False', () => {
    const healthy = settle(observe(rollout({}, { image: 'shop:1' }), [rs('shop:1', 1, 3)], { services: services(OLD, OLD) }));
    expect(healthy.status.conditions?.find((c) => c.type === 'Completed')).toMatchObject({ status: 'True', reason: 'RolloutCompleted', message: 'RolloutCompleted' });
    const r = reconcileRollout(observe(rollout({}, { status: updating() }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 1)]));
    expect(r.status.conditions?.find((c) => c.type === 'Completed')).toMatchObject({ status: 'False', reason: 'RolloutCompleted', message: 'RolloutCompleted' });
  });
});

describe('blue-green: the Healthy condition', () => {
  it('is not written False before the Rollout was ever healthy (upstream sets False only over an existing condition), then follows health', () => {
    const first = reconcileRollout(observe(rollout({}, { image: 'shop:1' }), [], { services: services() }));
    expect(first.status.conditions?.find((c) => c.type === 'Healthy')).toBeUndefined();
    const healthy = settle(observe(rollout({}, { image: 'shop:1', status: first.status }), [rs('shop:1', 1, 3)], { services: services(OLD, OLD) }));
    expect(healthy.status.conditions?.find((c) => c.type === 'Healthy')?.status).toBe('True');
    const update = reconcileRollout(observe(rollout({}, { status: { ...healthy.status } }), [rs('shop:1', 1, 3)], { services: services(OLD, OLD) }));
    expect(update.status.conditions?.find((c) => c.type === 'Healthy')?.status).toBe('False');
  });
});

describe('blue-green: older ReplicaSets are not scaled down while an analysis holds the update (upstream scaleDownOldReplicaSetsForBlueGreen)', () => {
  const v0 = () => rs('shop:0', 0, 3, 3, { [DEADLINE]: at(-10) });
  const postStatus = (phase: string) => updating({}, { activeSelector: NEW, postPromotionAnalysisRunStatus: { name: runName('post'), status: phase } });

  it('while post-promotion analysis runs (no explicit scaleDownDelaySeconds) and while paused on an inconclusive one', () => {
    const running = reconcileRollout(observe(rollout(POST, { status: postStatus('Running') }), [v0(), rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { services: services(NEW, NEW), analysisTemplates: [smoke], analysisRuns: [analysisRun('post', 'Running')] }));
    expect(scales(running)).toEqual([]);
    const inconclusive = reconcileRollout(observe(rollout(POST, { status: postStatus('Running') }), [v0(), rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { services: services(NEW, NEW), analysisTemplates: [smoke], analysisRuns: [analysisRun('post', 'Inconclusive')] }));
    expect(inconclusive.status.pauseConditions?.map((p) => p.reason)).toEqual(['InconclusiveAnalysisRun']);
    expect(scales(inconclusive)).toEqual([]);
  });

  it('with an explicit scaleDownDelaySeconds, a post-promotion analysis does not hold them', () => {
    const r = reconcileRollout(observe(rollout({ ...POST, scaleDownDelaySeconds: 30 }, { status: postStatus('Running') }), [v0(), rs('shop:1', 1, 3), rs('shop:2', 2, 3)], { services: services(NEW, NEW), analysisTemplates: [smoke], analysisRuns: [analysisRun('post', 'Running')] }));
    expect(scales(r)).toEqual([`shop-${hashOf('shop:0')}=0`]);
  });
});

describe('blue-green: Progressing after a retry or a promote (upstream checkPausedConditions)', () => {
  it('retry: Unknown/RolloutRetry "Retrying Rollout after abort"; promote: Unknown/RolloutResumed "Rollout is resumed"; progress then: True/ReplicaSetUpdated', () => {
    const abortedStatus = updating({ abortedAt: at(0), conditions: [{ type: 'Progressing', status: 'False', reason: 'RolloutAborted', message: 'Rollout aborted update to revision 2' }] });
    const retried = reconcileRollout(observe(rollout({}, { status: abortedStatus }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 0)], { now: T0 + 10_000 }));
    expect(retried.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'RolloutRetry', message: 'Retrying Rollout after abort' });
    const moved = reconcileRollout(observe(rollout({}, { status: retried.status }), [rs('shop:1', 1, 3), rs('shop:2', 2, 3, 1)], { now: T0 + 20_000 }));
    expect(moved.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated' });

    const ro = rollout({ autoPromotionEnabled: false, previewReplicaCount: 1 }, { status: updating() });
    const rss = [rs('shop:1', 1, 3), rs('shop:2', 2, 1)];
    const paused = settle(observe(ro, rss)).status;
    const { pauseConditions: _, ...promoted } = paused;
    const r = reconcileRollout(observe({ ...ro, status: promoted }, rss, { now: T0 + 60_000 }));
    expect(r.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'RolloutResumed', message: 'Rollout is resumed' });
  });
});

describe('blue-green: e2e BlueGreenExceedProgressDeadlineAbort', () => {
  it('timed out, then progressDeadlineAbort set: aborted with exactly four conditions (Progressing, Available, Completed, Healthy)', () => {
    const v1 = rollout({ previewService: undefined, abortScaleDownDelaySeconds: 2 }, { image: 'shop:1', replicas: 1 });
    const healthy = settle(observe(v1, [rs('shop:1', 1, 1)], { services: services(OLD) })).status;
    expect(healthy.phase).toBe('Healthy');
    const v2 = (abort: boolean, status: RolloutStatus): Rollout => {
      const base = rollout({ previewService: undefined, abortScaleDownDelaySeconds: 2 }, { replicas: 1, status });
      return { ...base, spec: { ...base.spec, progressDeadlineSeconds: 1, progressDeadlineAbort: abort } };
    };
    const stuck = [rs('shop:1', 1, 1), rs('shop:2', 2, 1, 0)];
    const started = reconcileRollout(observe(v2(false, healthy), [rs('shop:1', 1, 1)], { services: services(OLD) })).status;
    const seen = settle(observe(v2(false, started), stuck, { services: services(OLD), now: T0 + 2_000 })).status;
    const degraded = settle(observe(v2(false, seen), stuck, { services: services(OLD), now: T0 + 4_000 })).status;
    expect(degraded).toMatchObject({ phase: 'Degraded' });
    expect(degraded.abort).toBeUndefined();
    const aborted = settle(observe(v2(true, degraded), stuck, { services: services(OLD), now: T0 + 6_000 })).status;
    expect(aborted).toMatchObject({ abort: true, phase: 'Degraded' });
    expect(aborted.conditions?.map((c) => c.type).sort()).toEqual(['Available', 'Completed', 'Healthy', 'Progressing']);
  });
});
