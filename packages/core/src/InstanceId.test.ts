// The controller instance id (`--instance-id`) travels with what the controller creates, as upstream's
// `analysisutil.GetInstanceID` copies it: from a Rollout onto its AnalysisRuns and Experiments, and from an
// Experiment onto its AnalysisRuns. Controllers filter their informers on that label, so an object created
// without it would never be reconciled by the controller that created it.
import type { AnalysisRun, AnalysisTemplate, Experiment, ReplicaSet, Rollout, RolloutStatus } from '@rollouts/api';
import type { Intent, ReconcileResult } from './Intent';
import type { RolloutObservation as Observation } from './Observation';
import { reconcileExperiment } from './ExperimentReconcile';
import { EXPERIMENT_NAME_ANNOTATION, EXPERIMENT_TEMPLATE_NAME_ANNOTATION } from './ExperimentReconcile';
import { podTemplateHash } from './PodTemplateHash';
import { reconcileRollout } from './ReconcileRollout';
import { toRfc3339 } from './Time';

const INSTANCE = 'argo-rollouts.argoproj.io/controller-instance-id';
const HASH = 'rollouts-pod-template-hash';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const template = (image: string) => ({ metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop', image }] } });
const hashOf = (image: string) => podTemplateHash(template(image) as never);

function rollout(strategy: Record<string, unknown>, labels: Record<string, string> | undefined, status?: RolloutStatus): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'shop', namespace: 'default', uid: 'uid-1', generation: 2, ...(labels ? { labels } : {}) },
    spec: { replicas: 5, selector: { matchLabels: { app: 'shop' } }, template: template('shop:2'), strategy },
    ...(status ? { status } : {}),
  } as Rollout;
}

function rs(image: string, revision: number, replicas: number): ReplicaSet {
  const hash = hashOf(image);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `shop-${hash}`, labels: { app: 'shop', [HASH]: hash }, annotations: { 'rollout.argoproj.io/revision': String(revision) } },
    spec: { replicas, selector: { matchLabels: { app: 'shop', [HASH]: hash } }, template: { metadata: { labels: { app: 'shop', [HASH]: hash } }, spec: template(image).spec } },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
  };
}

const analysisTemplate: AnalysisTemplate = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name: 'success-rate', namespace: 'default' },
  spec: { metrics: [{ name: 'rate', provider: { web: { url: 'http://x' } } }] },
};

function observe(ro: Rollout, replicaSets: ReplicaSet[]): Observation {
  return { rollout: ro, replicaSets, services: [], analysisRuns: [], experiments: [], analysisTemplates: [analysisTemplate], clusterAnalysisTemplates: [], now: T0 } as Observation;
}

/** The labels of the objects a reconcile creates, by kind. */
function created(r: ReconcileResult): { runs: Array<Record<string, string>>; experiments: Array<Record<string, string>> } {
  const runs: Array<Record<string, string>> = [];
  const experiments: Array<Record<string, string>> = [];
  for (const i of r.intents as Intent[]) {
    if (i._tag === 'CreateAnalysisRun') runs.push({ ...(i.analysisRun.metadata?.labels ?? {}) });
    if (i._tag === 'CreateExperiment') experiments.push({ ...(i.experiment.metadata?.labels ?? {}) });
  }
  return { runs, experiments };
}

/** The status of a canary update of shop:1 -> shop:2 at `step`, with the step hash a first reconcile computes. */
function atStep(strategy: Record<string, unknown>, step: number): RolloutStatus {
  const first = reconcileRollout(observe(rollout(strategy, undefined), [rs('shop:1', 1, 5)]));
  return { currentPodHash: hashOf('shop:2'), stableRS: hashOf('shop:1'), currentStepIndex: step, currentStepHash: first.status.currentStepHash, observedGeneration: '2' } as RolloutStatus;
}

const rss = [rs('shop:1', 1, 4), rs('shop:2', 2, 1)];

describe('the controller instance id on what a Rollout creates', () => {
  const stepCanary = { canary: { steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'success-rate' }] } }], maxSurge: 1, maxUnavailable: 0 } };

  it('a step AnalysisRun carries the Rollout instance id', () => {
    const r = reconcileRollout(observe(rollout(stepCanary, { app: 'shop', [INSTANCE]: 'ci-1' }, atStep(stepCanary, 1)), rss));
    expect(created(r).runs).toEqual([{ app: 'shop', [HASH]: hashOf('shop:2'), 'rollout-type': 'Step', 'step-index': '1', [INSTANCE]: 'ci-1' }]);
  });

  it('a Rollout without the label gives runs without it (an empty value is no instance id)', () => {
    const none = reconcileRollout(observe(rollout(stepCanary, undefined, atStep(stepCanary, 1)), rss));
    expect(created(none).runs).toHaveLength(1);
    expect(created(none).runs[0]).not.toHaveProperty([INSTANCE]);
    const empty = reconcileRollout(observe(rollout(stepCanary, { [INSTANCE]: '' }, atStep(stepCanary, 1)), rss));
    expect(created(empty).runs[0]).not.toHaveProperty([INSTANCE]);
  });

  it('a background AnalysisRun carries it', () => {
    const bg = { canary: { steps: [{ setWeight: 20 }, { pause: {} }], analysis: { templates: [{ templateName: 'success-rate' }], startingStep: 0 }, maxSurge: 1, maxUnavailable: 0 } };
    const r = reconcileRollout(observe(rollout(bg, { [INSTANCE]: 'ci-1' }, atStep(bg, 1)), rss));
    const runs = created(r).runs;
    expect(runs.map((l) => l['rollout-type'])).toEqual(['Background']);
    expect(runs[0]?.[INSTANCE]).toBe('ci-1');
  });

  it('a blue-green pre-promotion AnalysisRun carries it', () => {
    const bg = { blueGreen: { activeService: 'active', autoPromotionEnabled: false, prePromotionAnalysis: { templates: [{ templateName: 'success-rate' }] } } };
    const ro = rollout(bg, { [INSTANCE]: 'ci-1' }, { currentPodHash: hashOf('shop:2'), stableRS: hashOf('shop:1'), observedGeneration: '2' } as RolloutStatus);
    const r = reconcileRollout({ ...observe(ro, [rs('shop:1', 1, 5), rs('shop:2', 2, 5)]), services: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'active' }, spec: { selector: { app: 'shop', [HASH]: hashOf('shop:1') } } }] });
    const runs = created(r).runs;
    expect(runs.map((l) => l['rollout-type'])).toEqual(['PrePromotion']);
    expect(runs[0]?.[INSTANCE]).toBe('ci-1');
  });

  it('the Experiment of an experiment step carries it', () => {
    const expCanary = { canary: { steps: [{ setWeight: 20 }, { experiment: { templates: [{ name: 'canary', specRef: 'canary' }] } }], maxSurge: 1, maxUnavailable: 0 } };
    const r = reconcileRollout(observe(rollout(expCanary, { [INSTANCE]: 'ci-1' }, atStep(expCanary, 1)), rss));
    expect(created(r).experiments).toEqual([{ [HASH]: hashOf('shop:2'), [INSTANCE]: 'ci-1' }]);
    const none = reconcileRollout(observe(rollout(expCanary, undefined, atStep(expCanary, 1)), rss));
    expect(created(none).experiments).toEqual([{ [HASH]: hashOf('shop:2') }]);
  });
});

describe('the controller instance id on what an Experiment creates', () => {
  const t = { name: 'canary', selector: { matchLabels: { app: 'shop' } }, template: template('shop:2') };
  const experiment = (labels: Record<string, string> | undefined, runLabels?: Record<string, string>): Experiment => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'exp', namespace: 'default', uid: 'uid-exp', ...(labels ? { labels } : {}) },
    spec: { templates: [t], analyses: [{ name: 'check', templateName: 'success-rate' }], ...(runLabels ? { analysisRunMetadata: { labels: runLabels } } : {}) },
    status: {
      phase: 'Running',
      availableAt: toRfc3339(T0),
      templateStatuses: [{ name: 'canary', replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, status: 'Running', lastTransitionTime: toRfc3339(T0) }],
    },
  });
  const expRs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'exp-canary', labels: { [HASH]: 'xyz' }, annotations: { [EXPERIMENT_NAME_ANNOTATION]: 'exp', [EXPERIMENT_TEMPLATE_NAME_ANNOTATION]: 'canary' } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'shop', [HASH]: 'xyz' } }, template: t.template },
    status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 },
  };
  const runOf = (exp: Experiment): AnalysisRun | undefined => {
    const r = reconcileExperiment({ experiment: exp, replicaSets: [expRs], services: [], analysisRuns: [], analysisTemplates: [analysisTemplate], clusterAnalysisTemplates: [], now: T0 + 1000 });
    const create = r.intents.find((i) => i._tag === 'CreateAnalysisRun');
    return create?._tag === 'CreateAnalysisRun' ? create.analysisRun : undefined;
  };

  it('its AnalysisRuns carry the Experiment instance id, with the analysisRunMetadata labels', () => {
    expect(runOf(experiment({ [INSTANCE]: 'ci-1' }, { team: 'shop' }))?.metadata?.labels).toEqual({ team: 'shop', [INSTANCE]: 'ci-1' });
  });

  it('an Experiment without the label gives runs without it', () => {
    const run = runOf(experiment(undefined));
    expect(run).toBeDefined();
    expect(run?.metadata?.labels ?? {}).not.toHaveProperty([INSTANCE]);
  });
});
