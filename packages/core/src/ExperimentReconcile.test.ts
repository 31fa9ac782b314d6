import type { AnalysisRun, AnalysisTemplate, Experiment, ExperimentSpec, ExperimentStatus, ExperimentTemplate, ExperimentTemplateStatus, ReplicaSet, Service } from '@rollouts/api';
import type { ExperimentIntent, ExperimentReconcileResult } from './ExperimentIntent';
import type { ExperimentObservation } from './ExperimentObservation';
import {
  EXPERIMENT_NAME_ANNOTATION,
  EXPERIMENT_TEMPLATE_NAME_ANNOTATION,
  REQUIRED_ANALYSIS_COMPLETED_MESSAGE,
  assessAnalyses,
  assessTemplates,
  decideExperimentPhase,
  experimentPodTemplateHash,
  experimentTerminating,
  reconcileExperiment,
  resolveExperimentArgValue,
  templateDesiredReplicas,
  type PhaseVerdict,
} from './ExperimentReconcile';
import { podTemplateHash } from './PodTemplateHash';
import { toRfc3339 } from './Time';

// ---- Fixtures: an Experiment "exp" with templates baseline and canary, and a hand-driven cluster. ----------

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number): number => T0 + s * 1000;
const iso = (s: number): string => toRfc3339(at(s));
const HASH = 'rollouts-pod-template-hash';
const DEADLINE = 'scale-down-deadline';

function template(name: string, opts: { replicas?: number; ports?: boolean; service?: { name?: string }; minReadySeconds?: number } = {}): ExperimentTemplate {
  return {
    name,
    selector: { matchLabels: { app: 'shop', role: name } },
    template: {
      metadata: { labels: { app: 'shop', role: name } },
      spec: { containers: [{ name: 'shop', image: `shop:${name}`, ...(opts.ports ? { ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090, protocol: 'UDP' }] } : {}) }] },
    },
    ...(opts.replicas != null ? { replicas: opts.replicas } : {}),
    ...(opts.service != null ? { service: opts.service } : {}),
    ...(opts.minReadySeconds != null ? { minReadySeconds: opts.minReadySeconds } : {}),
  };
}
const hashOf = (t: ExperimentTemplate): string => podTemplateHash(t.template);

function experiment(spec: Partial<ExperimentSpec> = {}, status?: ExperimentStatus): Experiment {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'exp', namespace: 'default', uid: 'uid-exp' },
    spec: { templates: [template('baseline'), template('canary')], ...spec },
    ...(status ? { status } : {}),
  };
}

const analysisTemplate = (name: string, args: string[] = []): AnalysisTemplate =>
  ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name, namespace: 'default' },
    spec: { args: args.map((a) => ({ name: a })), metrics: [{ name: 'rate', provider: { web: { url: 'http://metrics/{{args.canary-hash}}' } } }] },
  }) as AnalysisTemplate;
const TEMPLATES = [analysisTemplate('success-rate', ['canary-hash']), analysisTemplate('smoke')];

/** The ReplicaSet as a previous reconcile created it, with `available` pods. */
function rsOf(exp: Experiment, t: ExperimentTemplate, replicas: number, available = replicas, annotations: Record<string, string> = {}): ReplicaSet {
  const hash = hashOf(t);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `exp-${t.name}`,
      labels: { [HASH]: hash },
      annotations: { [EXPERIMENT_NAME_ANNOTATION]: exp.metadata?.name ?? '', [EXPERIMENT_TEMPLATE_NAME_ANNOTATION]: t.name, ...annotations },
    },
    spec: { replicas, selector: { matchLabels: { ...t.selector.matchLabels, [HASH]: hash } }, template: t.template },
    status: { replicas: available, readyReplicas: available, availableReplicas: available },
  };
}

function run(name: string, phase: string, message?: string, terminate = false): AnalysisRun {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: { name },
    spec: { metrics: [], ...(terminate ? { terminate: true } : {}) },
    status: { phase, ...(message ? { message } : {}) },
  } as AnalysisRun;
}

function observe(exp: Experiment, extra: Partial<ExperimentObservation> = {}): ExperimentObservation {
  return { experiment: exp, replicaSets: [], services: [], analysisRuns: [], analysisTemplates: TEMPLATES, clusterAnalysisTemplates: [], now: T0, ...extra };
}

const tags = (r: ExperimentReconcileResult) => r.intents.map((i) => i._tag);
const events = (r: ExperimentReconcileResult) => r.intents.flatMap((i) => (i._tag === 'RecordEvent' ? [`${i.eventReason}: ${i.message}`] : []));
const of = <K extends ExperimentIntent['_tag']>(r: ExperimentReconcileResult, tag: K) => r.intents.filter((i): i is Extract<ExperimentIntent, { _tag: K }> => i._tag === tag);
const templateStatus = (r: ExperimentReconcileResult, name: string) => (r.status.templateStatuses ?? []).find((t) => t.name === name);
const analysisStatus = (r: ExperimentReconcileResult, name: string) => (r.status.analysisRuns ?? []).find((a) => a.name === name);
const progressing = (r: ExperimentReconcileResult) => (r.status.conditions ?? []).find((c) => c.type === 'Progressing');

/** A status with both templates in `status` (available as given) and the experiment in `phase`. */
function running(phase: ExperimentStatus['phase'], extra: Partial<ExperimentStatus> = {}, templateCode = 'Running', since = 0): ExperimentStatus {
  return {
    phase,
    availableAt: iso(since),
    templateStatuses: ['baseline', 'canary'].map((name) => ({ name, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, status: templateCode, lastTransitionTime: iso(since) })),
    ...extra,
  };
}

// ---- A small in-memory cluster that applies intents, for the multi-tick tests. ---------------------------

interface Cluster {
  readonly exp: Experiment;
  readonly rss: ReadonlyArray<ReplicaSet>;
  readonly svcs: ReadonlyArray<Service>;
  readonly runs: ReadonlyArray<AnalysisRun>;
}

function apply(cl: Cluster, r: ExperimentReconcileResult): Cluster {
  let { exp, rss, svcs, runs } = cl;
  const annotate = (rs: ReplicaSet, a: Readonly<Record<string, string | null>> | undefined): ReplicaSet => {
    const merged: Record<string, string> = { ...(rs.metadata?.annotations ?? {}) };
    for (const [k, v] of Object.entries(a ?? {})) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    return { ...rs, metadata: { ...rs.metadata, annotations: merged } };
  };
  for (const i of r.intents) {
    switch (i._tag) {
      case 'CreateReplicaSet':
        rss = [...rss, { ...i.replicaSet, status: { replicas: 0, readyReplicas: 0, availableReplicas: 0 } }];
        break;
      case 'ScaleReplicaSet':
        rss = rss.map((rs) => (rs.metadata?.name === i.name ? annotate({ ...rs, spec: { ...rs.spec, replicas: i.replicas } }, i.annotations) : rs));
        break;
      case 'AnnotateReplicaSet':
        rss = rss.map((rs) => (rs.metadata?.name === i.name ? annotate(rs, i.annotations) : rs));
        break;
      case 'CreateService':
        svcs = [...svcs, i.service];
        break;
      case 'DeleteService':
        svcs = svcs.filter((s) => s.metadata?.name !== i.name);
        break;
      case 'CreateAnalysisRun':
        runs = [...runs, i.analysisRun];
        break;
      case 'TerminateAnalysisRun':
        runs = runs.map((x) => (x.metadata?.name === i.name ? { ...x, spec: { ...x.spec, terminate: true } } : x));
        break;
      case 'UpdateExperimentStatus':
        exp = { ...exp, status: i.status };
        break;
      case 'RecordEvent':
        break;
    }
  }
  return { exp, rss, svcs, runs };
}

/** The kubelet: every ReplicaSet's pods become (un)available to match its spec. */
const podsSettle = (cl: Cluster): Cluster => ({
  ...cl,
  rss: cl.rss.map((rs) => {
    const n = rs.spec?.replicas ?? 1;
    return { ...rs, status: { replicas: n, readyReplicas: n, availableReplicas: n } };
  }),
});

/** The analysis controller: the run `name` reaches `phase`. */
const runReaches = (cl: Cluster, name: string, phase: string, message?: string): Cluster => ({
  ...cl,
  runs: cl.runs.map((x) => (x.metadata?.name === name ? { ...x, status: { phase, ...(message ? { message } : {}) } } : x)),
});

function tick(cl: Cluster, s: number): [Cluster, ExperimentReconcileResult] {
  const r = reconcileExperiment(observe(cl.exp, { replicaSets: cl.rss, services: cl.svcs, analysisRuns: cl.runs, now: at(s) }));
  return [apply(cl, r), r];
}

// ---- The rules, one table at a time. -------------------------------------------------------------------

describe('decideExperimentPhase (§1.10)', () => {
  const v = (phase: PhaseVerdict['phase'], message = ''): PhaseVerdict => ({ phase, message });
  const cases: Array<[string, PhaseVerdict, PhaseVerdict, boolean, boolean, PhaseVerdict]> = [
    // name, templates, analyses, hasRequired, requiredSuccessful, expected
    ['templates progressing, analyses running: Pending', v('Pending', 't'), v('Running'), false, false, v('Pending', 't')],
    ['templates running, analyses running: Running', v('Running'), v('Running', 'a'), false, false, v('Running')],
    ['templates running, analysis Failed: Failed', v('Running'), v('Failed', 'metric failed'), false, false, v('Failed', 'metric failed')],
    ['templates running, analysis Error: Error', v('Running'), v('Error', 'boom'), false, false, v('Error', 'boom')],
    ['templates running, analysis Inconclusive: Inconclusive', v('Running'), v('Inconclusive', 'meh'), false, false, v('Inconclusive', 'meh')],
    ['templates progressing, analysis Failed: Failed', v('Pending'), v('Failed', 'x'), false, false, v('Failed', 'x')],
    ['templates running, analyses Successful, none required: Running', v('Running'), v('Successful'), false, false, v('Running')],
    ['templates running, required analyses Successful: Successful', v('Running'), v('Successful', REQUIRED_ANALYSIS_COMPLETED_MESSAGE), true, true, v('Successful', REQUIRED_ANALYSIS_COMPLETED_MESSAGE)],
    ['required Successful, another analysis still running: Running', v('Running'), v('Running', 'other'), true, true, v('Running', 'other')],
    ['templates Successful, analysis running, none required: Successful', v('Successful', 'tm'), v('Running', 'am'), false, false, v('Successful', 'tm')],
    ['templates Successful, required analysis running: Running', v('Successful'), v('Running', 'am'), true, false, v('Running', 'am')],
    ['templates Successful, analyses Successful: the analyses decide', v('Successful', 'tm'), v('Successful', 'am'), false, false, v('Successful', 'am')],
    ['templates Successful, analysis Failed: Failed', v('Successful'), v('Failed', 'am'), false, false, v('Failed', 'am')],
    ['templates Failed, analyses Successful: Failed', v('Failed', 'deadline'), v('Successful'), false, false, v('Failed', 'deadline')],
    ['templates Error, analysis running: Error', v('Error', 'rs'), v('Running'), true, false, v('Error', 'rs')],
    ['templates Failed, analysis Error: the templates decide', v('Failed', 'deadline'), v('Error', 'e'), false, false, v('Failed', 'deadline')],
  ];
  it.each(cases)('%s', (_name, templates, analyses, hasRequiredAnalyses, requiredAnalysesSuccessful, expected) => {
    expect(decideExperimentPhase({ templates, analyses, hasRequiredAnalyses, requiredAnalysesSuccessful })).toEqual(expected);
  });
});

describe('assessTemplates: the worst template, as a phase', () => {
  const spec = experiment().spec;
  const ts = (baseline: string | undefined, canary: string | undefined) =>
    [
      ['baseline', baseline],
      ['canary', canary],
    ].flatMap(([name, status]) => (status === undefined ? [] : [{ name: name as string, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, status: status as string, message: `${name as string} is ${status as string}` }]));
  it.each([
    // The message is the first template worse than the one before it (a Running template's, too).
    ['Running', 'Running', 'Running', 'baseline is Running'],
    ['Running', 'Progressing', 'Pending', 'canary is Progressing'],
    ['Successful', 'Running', 'Running', 'canary is Running'],
    ['Successful', 'Successful', 'Successful', ''],
    ['Failed', 'Error', 'Failed', 'baseline is Failed'],
    ['Error', 'Progressing', 'Error', 'baseline is Error'],
    ['Running', undefined, 'Pending', 'baseline is Running'],
  ])('%s + %s -> %s', (baseline, canary, phase, message) => {
    expect(assessTemplates(spec, ts(baseline, canary))).toEqual({ phase, message });
  });
  it('no templates at all is Successful', () => {
    expect(assessTemplates({ templates: [] }, [])).toEqual({ phase: 'Successful', message: '' });
  });
});

describe('assessAnalyses: the worst analysis (Successful < Running < Pending < Inconclusive < Error < Failed)', () => {
  const spec = (required: boolean[]) => experiment({ analyses: required.map((r, i) => ({ name: `a${i}`, templateName: 'smoke', ...(r ? { requiredForCompletion: true } : {}) })) }).spec;
  const st = (...phases: string[]) => phases.map((phase, i) => ({ name: `a${i}`, analysisRun: `exp-a${i}`, phase, message: `a${i} ${phase}` })) as never;
  it.each([
    [[false, false], ['Successful', 'Running'], 'Running', 'a1 Running'],
    [[false, false], ['Pending', 'Running'], 'Running', 'a0 Pending'],
    [[false, false], ['Running', 'Inconclusive'], 'Inconclusive', 'a1 Inconclusive'],
    [[false, false], ['Failed', 'Error'], 'Failed', 'a0 Failed'],
    [[false, false], ['Successful', 'Successful'], 'Successful', ''],
    [[true, false], ['Successful', 'Successful'], 'Successful', REQUIRED_ANALYSIS_COMPLETED_MESSAGE],
    [[true, false], ['Successful', 'Running'], 'Running', 'a1 Running'],
    [[true, true], ['Successful', 'Pending'], 'Running', 'a1 Pending'],
  ] as Array<[boolean[], string[], string, string]>)('required %j, phases %j -> %s', (required, phases, phase, message) => {
    expect(assessAnalyses(spec(required), st(...phases))).toEqual({ phase, message });
  });
  it('no analyses: Successful', () => expect(assessAnalyses(experiment().spec, [])).toEqual({ phase: 'Successful', message: '' }));
});

describe('experimentTerminating and templateDesiredReplicas', () => {
  const base = running('Running');
  const withAnalysis = (phase: string, required = false) =>
    experiment({ analyses: [{ name: 'a', templateName: 'smoke', ...(required ? { requiredForCompletion: true } : {}) }] }, { ...base, analysisRuns: [{ name: 'a', analysisRun: 'exp-a', phase: phase as never }] });
  it.each([
    ['running normally', experiment({}, base), false],
    ['spec.terminate', experiment({ terminate: true }, base), true],
    ['a completed phase', experiment({}, { ...base, phase: 'Failed' }), true],
    ['a Failed template', experiment({}, running('Running', {}, 'Failed')), true],
    ['an Error template', experiment({}, running('Running', {}, 'Error')), true],
    ['a Successful template alone is not terminating', experiment({}, running('Running', {}, 'Successful')), false],
    ['an Inconclusive analysis', withAnalysis('Inconclusive'), true],
    ['an Error analysis', withAnalysis('Error'), true],
    ['a Successful optional analysis', withAnalysis('Successful'), false],
    ['every required analysis Successful', withAnalysis('Successful', true), true],
    ['a required analysis still Running', withAnalysis('Running', true), false],
  ] as Array<[string, Experiment, boolean]>)('%s -> %s', (_name, exp, expected) => {
    expect(experimentTerminating(exp)).toBe(expected);
  });

  it('replicas default to 1, follow spec, and drop to 0 for a finished template or a terminating experiment', () => {
    const t3 = template('canary', { replicas: 3 });
    expect(templateDesiredReplicas(experiment({}, base), template('baseline'))).toBe(1);
    expect(templateDesiredReplicas(experiment({ templates: [template('baseline'), t3] }, base), t3)).toBe(3);
    expect(templateDesiredReplicas(experiment({}, running('Running', {}, 'Successful')), template('baseline'))).toBe(0);
    expect(templateDesiredReplicas(experiment({ terminate: true }, base), template('baseline'))).toBe(0);
  });
});

describe('resolveExperimentArgValue', () => {
  const ctx = { replicaSets: new Map([['canary', { name: 'exp-canary', podTemplateHash: 'abc123' }]]), availableAt: iso(10), finishedAt: iso(70) };
  it.each([
    ['{{templates.canary.podTemplateHash}}', 'abc123'],
    ['{{ templates.canary.replicaset.name }}', 'exp-canary'],
    ['from {{experiment.availableAt}} to {{experiment.finishedAt}}', `from ${iso(10)} to ${iso(70)}`],
    ['plain value', 'plain value'],
  ])('%s -> %s', (value, expected) => {
    expect(resolveExperimentArgValue(value, ctx)).toEqual({ _tag: 'Right', right: expected });
  });
  it.each([
    ['{{templates.baseline.podTemplateHash}}', 'failed to resolve {{templates.baseline.podTemplateHash}}'],
    ['{{args.x}}', 'failed to resolve {{args.x}}'],
  ])('%s fails', (value, error) => {
    expect(resolveExperimentArgValue(value, ctx)).toEqual({ _tag: 'Left', left: error });
  });
  it('finishedAt has no value without a duration', () => {
    expect(resolveExperimentArgValue('{{experiment.finishedAt}}', { replicaSets: new Map(), availableAt: iso(10) })).toEqual({ _tag: 'Left', left: 'failed to resolve {{experiment.finishedAt}}' });
  });
});

// ---- Phase transitions, through reconcileExperiment. --------------------------------------------------

describe('phase transitions', () => {
  it('"" -> Pending: creates one ReplicaSet per template, templates Progressing', () => {
    const exp = experiment();
    const r = reconcileExperiment(observe(exp));
    expect(r.status.phase).toBe('Pending');
    expect(r.status.message).toBe('Waiting for 2 of 2 templates to become available: baseline 0/1 available, canary 0/1 available');
    expect(of(r, 'CreateReplicaSet').map((i) => `${i.replicaSet.metadata?.name}=${i.replicaSet.spec?.replicas}`)).toEqual(['exp-baseline=1', 'exp-canary=1']);
    expect(templateStatus(r, 'canary')).toEqual({ name: 'canary', replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0, status: 'Progressing', lastTransitionTime: iso(0) });
    expect(r.status.availableAt).toBeUndefined();
    expect(progressing(r)).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated', message: 'Experiment "exp" is progressing.' });
    expect(tags(r).at(-1)).toBe('UpdateExperimentStatus');
    expect(events(r)).toContain("TemplateProgressing: Template 'canary' transitioned from  -> Progressing");
    expect(r.requeueAfterMs).toBe(600_000 + 1);
  });

  it('Pending stays Pending while a template is progressing, and says how far it got', () => {
    const exp = experiment({}, { phase: 'Pending' });
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1, 0)], now: at(5) }));
    expect(r.status.phase).toBe('Pending');
    expect(r.status.message).toBe('Waiting for 1 of 2 templates to become available: canary 0/1 available');
    expect(templateStatus(r, 'baseline')?.status).toBe('Running');
    expect(templateStatus(r, 'canary')?.status).toBe('Progressing');
  });

  it('Pending -> Running: every template available sets availableAt', () => {
    const exp = experiment({ duration: '1h' }, { phase: 'Pending' });
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], now: at(7) }));
    expect(r.status.phase).toBe('Running');
    expect(r.status.availableAt).toBe(iso(7));
    expect(r.status.message).toBe(`All 2 templates available since ${iso(7)}, running until ${iso(3607)} (duration 1h)`);
    expect(r.requeueAfterMs).toBe(3_600_000 + 1);
    expect(events(r)).toContain('ExperimentRunning: Experiment exp Pending -> Running: ' + r.status.message);
  });

  it('Pending -> Failed: a template misses its progress deadline', () => {
    const exp = experiment({ progressDeadlineSeconds: 120 }, {
      phase: 'Pending',
      message: 'Waiting for 1 of 2 templates to become available: canary 0/1 available',
      templateStatuses: [
        { name: 'baseline', replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, status: 'Running', lastTransitionTime: iso(0) },
        { name: 'canary', replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0, status: 'Progressing', lastTransitionTime: iso(0) },
      ],
    });
    const obs = (s: number) => observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1, 0)], now: at(s) });
    const before = reconcileExperiment(obs(120));
    expect(before.status.phase).toBe('Pending'); // the deadline is strict: 120 s is not past it
    expect(before.intents).toEqual([]);
    expect(before.requeueAfterMs).toBe(1);
    const r = reconcileExperiment(obs(121));
    expect(r.status.phase).toBe('Failed');
    expect(r.status.message).toBe("Template 'canary' exceeded its progressDeadlineSeconds (120)");
    expect(events(r)).toContain("TemplateFailed: Template 'canary' transitioned from Progressing -> Failed: Template 'canary' exceeded its progressDeadlineSeconds (120)");
    expect(r.intents.find((i) => i._tag === 'RecordEvent' && i.eventReason === 'TemplateFailed')).toMatchObject({ type: 'Warning' });
  });

  it('Running -> Successful: the templates ran for the duration (no analyses)', () => {
    const exp = experiment({ duration: '60s' }, running('Running', {}, 'Running', 0));
    const obs = (s: number) => observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], now: at(s) });
    expect(reconcileExperiment(obs(60)).status.phase).toBe('Running'); // 60 s is not past 60 s
    const r = reconcileExperiment(obs(61));
    expect(templateStatus(r, 'baseline')?.status).toBe('Successful');
    expect(r.status.phase).toBe('Successful');
    expect(r.status.message).toBe('All templates ran for the full duration (60s)');
    expect(progressing(r)).toMatchObject({ status: 'False', reason: 'ExperimentCompleted', message: 'Experiment "exp" has successfully ran and completed.' });
  });

  it('Running -> Failed: an analysis failed while the templates run', () => {
    const exp = experiment({ analyses: [{ name: 'check', templateName: 'smoke' }] }, running('Running', { analysisRuns: [{ name: 'check', analysisRun: 'exp-check', phase: 'Running' }] }));
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], analysisRuns: [run('exp-check', 'Failed', 'Metric "rate" assessed Failed due to failed (1) > failureLimit (0)')], now: at(30) }));
    expect(r.status.phase).toBe('Failed');
    expect(r.status.message).toBe('Metric "rate" assessed Failed due to failed (1) > failureLimit (0)');
    expect(analysisStatus(r, 'check')).toEqual({ name: 'check', analysisRun: 'exp-check', phase: 'Failed', message: 'Metric "rate" assessed Failed due to failed (1) > failureLimit (0)' });
    expect(events(r)).toContain("AnalysisRunFailed: AnalysisRun 'check' transitioned from Running -> Failed: Metric \"rate\" assessed Failed due to failed (1) > failureLimit (0)");
  });

  it.each([
    ['Error', 'Error'],
    ['Inconclusive', 'Inconclusive'],
  ])('Running -> %s: the analysis ends %s', (runPhase, phase) => {
    const exp = experiment({ analyses: [{ name: 'check', templateName: 'smoke' }] }, running('Running', { analysisRuns: [{ name: 'check', analysisRun: 'exp-check', phase: 'Running' }] }));
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], analysisRuns: [run('exp-check', runPhase, 'why')], now: at(30) }));
    expect(r.status.phase).toBe(phase);
    expect(r.status.message).toBe('why');
  });

  it('Pending -> Error: an analysis template does not exist', () => {
    const exp = experiment({ analyses: [{ name: 'check', templateName: 'missing' }, { name: 'cluster', templateName: 'gone', clusterScope: true }] }, { phase: 'Pending' });
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1, 0)] }));
    expect(r.status.phase).toBe('Error');
    expect(r.status.message).toBe(`AnalysisTemplate verification failed for analysis 'check': analysistemplate.argoproj.io "missing" not found`);
    expect(analysisStatus(r, 'cluster')?.message).toBe(`ClusterAnalysisTemplate verification failed for analysis 'cluster': clusteranalysistemplate.argoproj.io "gone" not found`);
  });

  it('Running -> Error: the AnalysisRun cannot be built (an argument does not resolve)', () => {
    const exp = experiment({ analyses: [{ name: 'check', templateName: 'success-rate', args: [{ name: 'canary-hash', value: '{{templates.nope.podTemplateHash}}' }] }] }, running('Running'));
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], now: at(5) }));
    expect(of(r, 'CreateAnalysisRun')).toEqual([]);
    expect(r.status.phase).toBe('Error');
    expect(r.status.message).toBe("Failed to create AnalysisRun for analysis 'check': failed to resolve {{templates.nope.podTemplateHash}}");
  });

  it('Running -> Error: the AnalysisRun the status names has disappeared', () => {
    const exp = experiment({ analyses: [{ name: 'check', templateName: 'smoke' }] }, running('Running', { analysisRuns: [{ name: 'check', analysisRun: 'exp-check', phase: 'Running' }] }));
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], now: at(5) }));
    expect(r.status.phase).toBe('Error');
    expect(r.status.message).toBe('analysisrun.argoproj.io "exp-check" not found');
  });

  it('Running -> Successful: every required analysis succeeded, before the duration ends', () => {
    const exp = experiment({ duration: '1h', analyses: [{ name: 'check', templateName: 'smoke', requiredForCompletion: true }] }, running('Running', { analysisRuns: [{ name: 'check', analysisRun: 'exp-check', phase: 'Running' }] }));
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], analysisRuns: [run('exp-check', 'Successful')], now: at(30) }));
    expect(r.status.phase).toBe('Successful');
    expect(r.status.message).toBe(REQUIRED_ANALYSIS_COMPLETED_MESSAGE);
  });

  it('Running stays Running after the duration while a required analysis is still running, and says so', () => {
    const exp = experiment({ duration: '10s', analyses: [{ name: 'check', templateName: 'smoke', requiredForCompletion: true }] }, running('Running', { analysisRuns: [{ name: 'check', analysisRun: 'exp-check', phase: 'Running' }] }));
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], analysisRuns: [run('exp-check', 'Running')], now: at(30) }));
    expect(templateStatus(r, 'canary')?.status).toBe('Successful');
    expect(r.status.phase).toBe('Running');
    expect(r.status.message).toBe(`All 2 templates available since ${iso(0)}; waiting for required analyses: check (Running)`);
  });

  it('Running -> Successful on spec.terminate: templates Successful, the running analysis terminated', () => {
    const exp = experiment({ terminate: true, analyses: [{ name: 'check', templateName: 'smoke' }] }, running('Running', { analysisRuns: [{ name: 'check', analysisRun: 'exp-check', phase: 'Running' }] }));
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], analysisRuns: [run('exp-check', 'Running')], now: at(30) }));
    expect(of(r, 'TerminateAnalysisRun').map((i) => i.name)).toEqual(['exp-check']);
    expect(templateStatus(r, 'baseline')?.status).toBe('Successful');
    expect(r.status.phase).toBe('Successful');
    expect(r.status.message).toBe('Terminated (spec.terminate)');
    // Already asked to terminate: not again.
    const again = reconcileExperiment(observe({ ...exp, status: r.status }, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], analysisRuns: [run('exp-check', 'Running', undefined, true)], now: at(31) }));
    expect(of(again, 'TerminateAnalysisRun')).toEqual([]);
  });

  it('a completed phase never changes, and its analysis status keeps following the run', () => {
    const exp = experiment({ analyses: [{ name: 'a', templateName: 'smoke' }, { name: 'b', templateName: 'smoke' }] }, running('Failed', {
      message: 'a failed',
      analysisRuns: [
        { name: 'a', analysisRun: 'exp-a', phase: 'Failed', message: 'a failed' },
        { name: 'b', analysisRun: 'exp-b', phase: 'Running' },
      ],
    }));
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], analysisRuns: [run('exp-a', 'Failed'), run('exp-b', 'Successful', 'Run Terminated')], now: at(40) }));
    expect(r.status.phase).toBe('Failed');
    expect(r.status.message).toBe('a failed');
    expect(analysisStatus(r, 'b')).toMatchObject({ phase: 'Successful', message: 'Run Terminated' });
  });
});

// ---- Rules of the objects the experiment makes. --------------------------------------------------------

describe('ReplicaSets', () => {
  it('are named <experiment>-<template>, annotated, hash-labelled, and select the hash', () => {
    const t = template('canary', { replicas: 3, minReadySeconds: 10 });
    const exp = experiment({ templates: [t] });
    const [create] = of(reconcileExperiment(observe(exp)), 'CreateReplicaSet');
    const hash = experimentPodTemplateHash(exp, t);
    expect(create?.replicaSet).toEqual({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'exp-canary',
        namespace: 'default',
        labels: { [HASH]: hash },
        annotations: { [EXPERIMENT_NAME_ANNOTATION]: 'exp', [EXPERIMENT_TEMPLATE_NAME_ANNOTATION]: 'canary' },
        ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Experiment', name: 'exp', uid: 'uid-exp', controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        replicas: 3,
        minReadySeconds: 10,
        selector: { matchLabels: { app: 'shop', role: 'canary', [HASH]: hash } },
        template: { metadata: { labels: { app: 'shop', role: 'canary', [HASH]: hash } }, spec: t.template.spec },
      },
    });
  });

  it('get a pod-template hash of their own, never the one a Rollout gives the same pod template', () => {
    // A canary experiment step copies the Rollout's pod template: with the Rollout's hash, the Rollout's canary
    // Service (which selects rollouts-pod-template-hash) would send traffic to the experiment's pods too.
    const t = template('canary');
    const hashIn = (name: string, tmpl: ExperimentTemplate = t) => {
      const exp = { ...experiment({ templates: [tmpl] }), metadata: { name, namespace: 'default', uid: `uid-${name}` } };
      return of(reconcileExperiment(observe(exp)), 'CreateReplicaSet')[0]?.replicaSet.metadata?.labels?.[HASH];
    };
    const hash = hashIn('exp');
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(hash).not.toBe(podTemplateHash(t.template));
    expect(hashIn('exp')).toBe(hash); // the same experiment and template: the same hash
    expect(hashIn('exp-2')).not.toBe(hash); // another experiment running the same template
    // A stable template copied from the stable ReplicaSet carries that ReplicaSet's hash label: not reused either.
    const stableHash = podTemplateHash(t.template);
    const fromStable: ExperimentTemplate = { ...t, template: { ...t.template, metadata: { labels: { ...t.template.metadata?.labels, [HASH]: stableHash } } } };
    expect(hashIn('exp', fromStable)).not.toBe(stableHash);
  });

  it('are matched by annotation, scaled to the template replicas, and not created for a terminating experiment', () => {
    const t = template('canary', { replicas: 2 });
    const exp = experiment({ templates: [t] }, { phase: 'Pending' });
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, t, 1)] }));
    expect(of(r, 'ScaleReplicaSet').map((i) => `${i.name}=${i.replicas}`)).toEqual(['exp-canary=2']);
    expect(events(r)).toContain('ScalingReplicaSet: Scaled up ReplicaSet exp-canary from 1 to 2');
    const foreign = { ...rsOf(exp, t, 1), metadata: { ...rsOf(exp, t, 1).metadata, annotations: { [EXPERIMENT_NAME_ANNOTATION]: 'other', [EXPERIMENT_TEMPLATE_NAME_ANNOTATION]: 'canary' } } };
    expect(of(reconcileExperiment(observe(exp, { replicaSets: [foreign] })), 'CreateReplicaSet')).toHaveLength(1);
    expect(of(reconcileExperiment(observe(experiment({ terminate: true }))), 'CreateReplicaSet')).toEqual([]);
  });

  it('a retried experiment scales its ReplicaSets up again and drops their old scale-down deadline', () => {
    const exp = experiment(); // status reset to null
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 0, 0, { [DEADLINE]: iso(-100) }), rsOf(exp, template('canary'), 0, 0)] }));
    expect(of(r, 'ScaleReplicaSet')).toEqual([
      expect.objectContaining({ name: 'exp-baseline', replicas: 1, annotations: { [DEADLINE]: null } }),
      expect.not.objectContaining({ annotations: expect.anything() }),
    ]);
    expect(r.status.phase).toBe('Pending');
  });

  it('two ReplicaSets claiming one template: a warning and nothing else', () => {
    const exp = experiment({}, { phase: 'Pending' });
    const dup = { ...rsOf(exp, template('canary'), 1), metadata: { ...rsOf(exp, template('canary'), 1).metadata, name: 'exp-canary-2' } };
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('canary'), 1), dup] }));
    expect(r.intents).toEqual([expect.objectContaining({ _tag: 'RecordEvent', type: 'Warning', message: 'multiple ReplicaSets match single experiment template: canary (exp-canary, exp-canary-2)' })]);
    expect(r.status).toBe(exp.status);
  });
});

describe('scale-down after the end', () => {
  const finished = (delay?: number, annotations: Record<string, string> = {}) => {
    const exp = experiment({ ...(delay != null ? { scaleDownDelaySeconds: delay } : {}) }, running('Successful', {}, 'Successful'));
    return observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1, 1, annotations), rsOf(exp, template('canary'), 0, 0)], now: at(100) });
  };

  it('first records the scale-down deadline (default 30 s), then waits for it', () => {
    const r = reconcileExperiment(finished());
    expect(of(r, 'AnnotateReplicaSet')).toEqual([expect.objectContaining({ name: 'exp-baseline', annotations: { [DEADLINE]: iso(130) } })]);
    expect(of(r, 'ScaleReplicaSet')).toEqual([]);
    expect(r.requeueAfterMs).toBe(30_000);
    expect(templateStatus(r, 'baseline')?.lastTransitionTime).toBe(iso(100));
    const waiting = reconcileExperiment({ ...finished(undefined, { [DEADLINE]: iso(130) }), now: at(110) });
    expect(tags(waiting).filter((t) => t !== 'UpdateExperimentStatus')).toEqual([]);
    expect(waiting.requeueAfterMs).toBe(20_000);
  });

  it('scales to 0 once the deadline is reached', () => {
    const r = reconcileExperiment({ ...finished(undefined, { [DEADLINE]: iso(130) }), now: at(130) });
    expect(of(r, 'ScaleReplicaSet')).toEqual([expect.objectContaining({ name: 'exp-baseline', replicas: 0 })]);
    expect(of(r, 'ScaleReplicaSet')[0]?.reason).toBe(`template baseline: scale ReplicaSet exp-baseline from 1 to 0 (scale-down deadline ${iso(130)} passed)`);
  });

  it('scaleDownDelaySeconds 0 scales down at once (and drops a stale deadline)', () => {
    const r = reconcileExperiment(finished(0, { [DEADLINE]: iso(500) }));
    expect(of(r, 'ScaleReplicaSet')).toEqual([expect.objectContaining({ name: 'exp-baseline', replicas: 0, annotations: { [DEADLINE]: null } })]);
    expect(of(r, 'AnnotateReplicaSet')).toEqual([]);
  });
});

describe('Services', () => {
  const withService = (service: { name?: string }, ports = true) => experiment({ templates: [template('baseline'), template('canary', { ports, service })] });

  it('are created with the ReplicaSet, named after it, selecting its hash, one port per container port', () => {
    const exp = withService({});
    const r = reconcileExperiment(observe(exp));
    const hash = experimentPodTemplateHash(exp, exp.spec.templates[1] as ExperimentTemplate);
    expect(of(r, 'CreateService').map((i) => i.service)).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'exp-canary',
          namespace: 'default',
          annotations: { [EXPERIMENT_NAME_ANNOTATION]: 'exp', [EXPERIMENT_TEMPLATE_NAME_ANNOTATION]: 'canary' },
          ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Experiment', name: 'exp', uid: 'uid-exp', controller: true, blockOwnerDeletion: true }],
        },
        spec: { selector: { [HASH]: hash }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }, { protocol: 'UDP', port: 9090, targetPort: 9090 }] },
      },
    ]);
    expect(templateStatus(r, 'canary')).toMatchObject({ serviceName: 'exp-canary', podTemplateHash: hash });
    expect(templateStatus(r, 'baseline')?.serviceName).toBeUndefined();
  });

  it('take service.name when set, and are not created without container ports', () => {
    expect(of(reconcileExperiment(observe(withService({ name: 'canary-preview' }))), 'CreateService').map((i) => i.service.metadata?.name)).toEqual(['canary-preview']);
    expect(of(reconcileExperiment(observe(withService({}, false))), 'CreateService')).toEqual([]);
  });

  it('an existing Service is reported in the status, and deleted once the pods are gone after the end', () => {
    const exp = withService({ name: 'canary-preview' });
    const t = exp.spec.templates[1] as ExperimentTemplate;
    const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'canary-preview', annotations: { [EXPERIMENT_NAME_ANNOTATION]: 'exp', [EXPERIMENT_TEMPLATE_NAME_ANNOTATION]: 'canary' } } };
    const live = reconcileExperiment(observe({ ...exp, status: running('Running') }, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, t, 1)], services: [svc], now: at(5) }));
    expect(of(live, 'CreateService')).toEqual([]);
    expect(templateStatus(live, 'canary')).toMatchObject({ serviceName: 'canary-preview', podTemplateHash: hashOf(t) });

    const done = { ...exp, status: running('Successful', { templateStatuses: [{ ...(templateStatus(live, 'canary') as ExperimentTemplateStatus), status: 'Successful' }] }) };
    const scaledButPodsLeft = reconcileExperiment(observe(done, { replicaSets: [rsOf(exp, t, 0, 1)], services: [svc], now: at(200) }));
    expect(of(scaledButPodsLeft, 'DeleteService')).toEqual([]);
    const gone = reconcileExperiment(observe(done, { replicaSets: [rsOf(exp, t, 0, 0)], services: [svc], now: at(210) }));
    expect(of(gone, 'DeleteService').map((i) => i.name)).toEqual(['canary-preview']);
    expect(templateStatus(gone, 'canary')?.serviceName).toBeUndefined();
    expect(templateStatus(gone, 'canary')?.podTemplateHash).toBeUndefined();
  });
});

describe('analyses', () => {
  const analyses = [{ name: 'check', templateName: 'success-rate', args: [{ name: 'canary-hash', value: '{{templates.canary.podTemplateHash}}' }, { name: 'ignored' }] }];

  it('wait for availableAt, then create <experiment>-<analysis> with templated args, the experiment as owner', () => {
    const exp = experiment({ analyses, dryRun: [{ metricName: 'rate' }], measurementRetention: [{ metricName: 'rate', limit: 5 }], analysisRunMetadata: { labels: { team: 'shop' } } }, { phase: 'Pending' });
    const rss = [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)];
    const first = reconcileExperiment(observe(exp, { replicaSets: rss, now: at(10) }));
    expect(of(first, 'CreateAnalysisRun')).toEqual([]); // availableAt is set in this reconcile, the run comes next
    expect(first.status.availableAt).toBe(iso(10));
    expect(analysisStatus(first, 'check')).toEqual({ name: 'check', analysisRun: '', phase: '' });

    const second = reconcileExperiment(observe({ ...exp, status: first.status }, { replicaSets: rss, now: at(11) }));
    const [create] = of(second, 'CreateAnalysisRun');
    expect(create?.analysisRun.metadata).toMatchObject({
      name: 'exp-check',
      namespace: 'default',
      labels: { team: 'shop' },
      ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Experiment', name: 'exp', uid: 'uid-exp', controller: true, blockOwnerDeletion: true }],
    });
    expect(create?.analysisRun.spec).toMatchObject({
      args: [{ name: 'canary-hash', value: hashOf(template('canary')) }],
      dryRun: [{ metricName: 'rate' }],
      measurementRetention: [{ metricName: 'rate', limit: 5 }],
    });
    expect(analysisStatus(second, 'check')).toEqual({ name: 'check', analysisRun: 'exp-check', phase: 'Pending' });
  });

  it('the Rollout experiment step: args name the pod hash and ReplicaSet of a template, and the experiment window', () => {
    // As a canary `experiment` step makes it: templates from the canary and stable pod templates.
    const exp = experiment(
      {
        duration: '5m',
        analyses: [
          {
            name: 'compare',
            templateName: 'compare',
            args: [
              { name: 'canary-hash', value: '{{templates.canary.podTemplateHash}}' },
              { name: 'stable-rs', value: '{{templates.baseline.replicaset.name}}' },
              { name: 'window', value: '{{experiment.availableAt}}/{{experiment.finishedAt}}' },
            ],
          },
        ],
      },
      running('Running', {}, 'Running', 20),
    );
    const compare = analysisTemplate('compare', ['canary-hash', 'stable-rs', 'window']);
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], analysisTemplates: [compare], now: at(21) }));
    expect(of(r, 'CreateAnalysisRun')[0]?.analysisRun.spec.args).toEqual([
      { name: 'canary-hash', value: hashOf(template('canary')) },
      { name: 'stable-rs', value: 'exp-baseline' },
      { name: 'window', value: `${iso(20)}/${iso(320)}` },
    ]);
  });

  it('an argument from a fieldRef reads the Experiment (metadata as the downward API reads it, other paths from its JSON)', () => {
    const args = [
      { name: 'canary-hash', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'team', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
      { name: 'duration', valueFrom: { fieldRef: { fieldPath: 'spec.duration' } } },
    ];
    const exp = { ...experiment({ duration: '5m', analyses: [{ name: 'check', templateName: 'fields', args }] }, running('Running')), metadata: { name: 'exp', namespace: 'default', uid: 'uid-exp', labels: { team: 'shop' } } };
    const rss = [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)];
    const r = reconcileExperiment(observe(exp, { replicaSets: rss, analysisTemplates: [analysisTemplate('fields', ['canary-hash', 'team', 'duration'])], now: at(5) }));
    expect(of(r, 'CreateAnalysisRun')[0]?.analysisRun.spec.args).toEqual([
      { name: 'canary-hash', value: 'exp' },
      { name: 'team', value: 'shop' },
      { name: 'duration', value: '5m' },
    ]);
  });

  it.each([
    ['spec.nothing', 'arg "x": fieldPath "spec.nothing" not found in the Experiment'],
    ['metadata.generateName', 'arg "x": unsupported fieldPath: metadata.generateName'],
  ])('an argument whose fieldRef %s does not resolve fails the analysis (Error), with no run and no empty value', (fieldPath, message) => {
    const withDefault = { ...analysisTemplate('fields'), spec: { ...analysisTemplate('fields').spec, args: [{ name: 'x', value: 'template-default' }] } } as AnalysisTemplate;
    const exp = experiment({ analyses: [{ name: 'check', templateName: 'fields', args: [{ name: 'x', valueFrom: { fieldRef: { fieldPath } } }] }] }, running('Running'));
    const rss = [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)];
    const r = reconcileExperiment(observe(exp, { replicaSets: rss, analysisTemplates: [withDefault], now: at(5) }));
    expect(of(r, 'CreateAnalysisRun')).toEqual([]);
    expect(analysisStatus(r, 'check')).toMatchObject({ phase: 'Error', message: `Failed to create AnalysisRun for analysis 'check': ${message}` });
    expect(r.status.phase).toBe('Error');
  });

  it('take a free name when <experiment>-<analysis> is taken by a completed run, and adopt a live one', () => {
    const exp = experiment({ analyses: [{ name: 'check', templateName: 'smoke' }] }, running('Running'));
    const rss = [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)];
    const taken = reconcileExperiment(observe(exp, { replicaSets: rss, analysisRuns: [run('exp-check', 'Successful')], now: at(5) }));
    expect(of(taken, 'CreateAnalysisRun').map((i) => i.analysisRun.metadata?.name)).toEqual(['exp-check.1']);
    // A live run as the controller made it (owned by this Experiment, the same spec) is followed.
    const made = of(taken, 'CreateAnalysisRun')[0]!.analysisRun;
    const live = (name: string, patch: Partial<AnalysisRun> = {}): AnalysisRun => ({ ...made, metadata: { ...made.metadata, name }, status: { phase: 'Running' }, ...patch }) as AnalysisRun;
    const adopted = reconcileExperiment(observe(exp, { replicaSets: rss, analysisRuns: [live('exp-check')], now: at(5) }));
    expect(of(adopted, 'CreateAnalysisRun')).toEqual([]);
    expect(analysisStatus(adopted, 'check')).toEqual({ name: 'check', analysisRun: 'exp-check', phase: 'Running' });
    // also under a collision name
    const second = reconcileExperiment(observe(exp, { replicaSets: rss, analysisRuns: [run('exp-check', 'Successful'), live('exp-check.1')], now: at(5) }));
    expect(of(second, 'CreateAnalysisRun')).toEqual([]);
    expect(analysisStatus(second, 'check')?.analysisRun).toBe('exp-check.1');
  });

  it("a live run of the same name is not followed when it is not this Experiment's, is terminated, or has another spec", () => {
    const exp = experiment({ analyses: [{ name: 'check', templateName: 'smoke' }] }, running('Running'));
    const rss = [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)];
    const made = of(reconcileExperiment(observe(exp, { replicaSets: rss, now: at(5) })), 'CreateAnalysisRun')[0]!.analysisRun;
    const cases: Record<string, AnalysisRun> = {
      'another owner': { ...made, metadata: { ...made.metadata, ownerReferences: [{ ...made.metadata!.ownerReferences![0]!, uid: 'uid-other' }] }, status: { phase: 'Running' } } as AnalysisRun,
      'no owner': { ...made, metadata: { ...made.metadata, ownerReferences: undefined }, status: { phase: 'Running' } } as AnalysisRun,
      terminated: { ...made, spec: { ...made.spec, terminate: true }, status: { phase: 'Running' } } as AnalysisRun,
      'another spec': { ...made, spec: { ...made.spec, args: [{ name: 'x', value: 'y' }] }, status: { phase: 'Running' } } as AnalysisRun,
    };
    for (const [why, existing] of Object.entries(cases)) {
      const r = reconcileExperiment(observe(exp, { replicaSets: rss, analysisRuns: [existing], now: at(5) }));
      expect([why, of(r, 'CreateAnalysisRun').map((i) => i.analysisRun.metadata?.name)]).toEqual([why, ['exp-check.1']]);
    }
  });

  it('no run is created once the experiment is terminating, and a run still at phase "" counts as Pending', () => {
    const exp = experiment({ terminate: true, analyses: [{ name: 'check', templateName: 'smoke' }] }, running('Running'));
    const rss = [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)];
    expect(of(reconcileExperiment(observe(exp, { replicaSets: rss, now: at(5) })), 'CreateAnalysisRun')).toEqual([]);
    const fresh = experiment({ analyses: [{ name: 'check', templateName: 'smoke' }] }, running('Running', { analysisRuns: [{ name: 'check', analysisRun: 'exp-check', phase: 'Pending' }] }));
    const r = reconcileExperiment(observe(fresh, { replicaSets: rss, analysisRuns: [run('exp-check', '')], now: at(5) }));
    expect(analysisStatus(r, 'check')?.phase).toBe('Pending');
  });
});

describe('invalid spec, deletion, minimum writes', () => {
  it('an invalid spec gets the InvalidSpec condition and nothing else; a second reconcile writes nothing', () => {
    const exp = experiment({ templates: [template('canary'), template('canary')] });
    const r = reconcileExperiment(observe(exp));
    const message = "Experiment exp has repeated template name 'canary' in templates";
    expect(tags(r)).toEqual(['RecordEvent', 'UpdateExperimentStatus']);
    expect(r.status).toEqual({ conditions: [{ type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message, lastTransitionTime: iso(0), lastUpdateTime: iso(0) }] });
    expect(reconcileExperiment(observe({ ...exp, status: r.status }, { now: at(20) })).intents).toEqual([]);
  });

  it('our own rules name the field, and further problems are counted', () => {
    const exp = experiment({ duration: 'forever', templates: [{ ...template('canary'), selector: {} }] });
    const r = reconcileExperiment(observe(exp));
    expect(r.status.conditions?.[0]?.message).toBe('This experiment is selecting all pods at index 0. A non-empty selector is required. (and 1 more problem)');
    const own = reconcileExperiment(observe(experiment({ duration: 'forever' })));
    expect(own.status.conditions?.[0]?.message).toBe('spec.duration: Invalid value: "forever": duration must be a Go duration such as "1h" or "30m": time: invalid duration "forever"');
  });

  it('a fixed spec drops InvalidSpec and starts', () => {
    const bad = reconcileExperiment(observe(experiment({ templates: [template('canary'), template('canary')] })));
    const r = reconcileExperiment(observe(experiment({}, bad.status), { now: at(5) }));
    expect(r.status.conditions?.map((c) => c.type)).toEqual(['Progressing']);
    expect(r.status.phase).toBe('Pending');
  });

  it('an experiment being deleted is left alone', () => {
    const exp = { ...experiment(), metadata: { name: 'exp', deletionTimestamp: iso(0) } };
    expect(reconcileExperiment(observe(exp))).toEqual({ status: {}, intents: [] });
  });

  it('a running experiment with nothing new writes nothing, and is requeued for the end of its duration', () => {
    const exp = experiment({ duration: '10m' }, running('Running'));
    const replicaSets = [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)];
    const first = reconcileExperiment(observe(exp, { replicaSets, now: at(50) }));
    expect(tags(first)).toEqual(['UpdateExperimentStatus']); // the message and the Progressing condition
    const settled = { ...exp, status: first.status };
    const r = reconcileExperiment(observe(settled, { replicaSets, now: at(100) }));
    expect(r.intents).toEqual([]);
    expect(r.status).toBe(settled.status);
    expect(r.requeueAfterMs).toBe(500_000 + 1);
  });

  it('the Progressing condition: running while available within the duration', () => {
    const exp = experiment({ duration: '10m' }, running('Running', { conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'Experiment "exp" is progressing.', lastTransitionTime: iso(0), lastUpdateTime: iso(0) }] }));
    const r = reconcileExperiment(observe(exp, { replicaSets: [rsOf(exp, template('baseline'), 1), rsOf(exp, template('canary'), 1)], now: at(100) }));
    expect(progressing(r)).toEqual({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'Experiment "exp" is running.', lastTransitionTime: iso(0), lastUpdateTime: iso(100) });
  });
});

// ---- Whole lives, driven tick by tick with the objects fed back. -----------------------------------------

describe('multi-tick', () => {
  const spec: Partial<ExperimentSpec> = {
    duration: '1m',
    templates: [template('baseline'), template('canary', { ports: true, service: {} })],
    analyses: [{ name: 'check', templateName: 'success-rate', args: [{ name: 'canary-hash', value: '{{templates.canary.podTemplateHash}}' }] }],
  };
  const start = (): Cluster => ({ exp: experiment(spec), rss: [], svcs: [], runs: [] });

  it('creation -> Pending -> Running -> Successful, then scaled down after the delay', () => {
    const phases: string[] = [];
    let cl = start();
    let r: ExperimentReconcileResult;

    [cl, r] = tick(cl, 0);
    phases.push(r.status.phase ?? '');
    expect(tags(r).filter((t) => t !== 'RecordEvent')).toEqual(['CreateReplicaSet', 'CreateReplicaSet', 'CreateService', 'UpdateExperimentStatus']);

    [cl, r] = tick(cl, 2); // pods not ready yet: nothing changes
    expect(r.intents).toEqual([]);
    phases.push(r.status.phase ?? '');

    cl = podsSettle(cl);
    [cl, r] = tick(cl, 10);
    phases.push(r.status.phase ?? '');
    expect(r.status.availableAt).toBe(iso(10));

    [cl, r] = tick(cl, 11);
    expect(of(r, 'CreateAnalysisRun').map((i) => i.analysisRun.spec.args)).toEqual([[{ name: 'canary-hash', value: experimentPodTemplateHash(cl.exp, template('canary', { ports: true })) }]]);

    cl = runReaches(cl, 'exp-check', 'Running');
    [cl, r] = tick(cl, 20);
    expect(analysisStatus(r, 'check')?.phase).toBe('Running');
    expect(r.status.phase).toBe('Running');
    expect(r.requeueAfterMs).toBe(50_000 + 1); // availableAt 10 s + 1 m

    cl = runReaches(cl, 'exp-check', 'Successful');
    [cl, r] = tick(cl, 40);
    expect(r.status.phase).toBe('Running'); // analyses done, templates still within the duration

    [cl, r] = tick(cl, 71);
    phases.push(r.status.phase ?? '');
    expect(r.status.message).toBe('All templates ran for the full duration (1m)');
    expect(r.status.templateStatuses?.map((t) => t.status)).toEqual(['Successful', 'Successful']);

    [cl, r] = tick(cl, 72);
    expect(of(r, 'AnnotateReplicaSet').map((i) => i.annotations[DEADLINE])).toEqual([iso(102), iso(102)]);
    [cl, r] = tick(cl, 102);
    expect(of(r, 'ScaleReplicaSet').map((i) => `${i.name}=${i.replicas}`)).toEqual(['exp-baseline=0', 'exp-canary=0']);
    cl = podsSettle(cl);
    [cl, r] = tick(cl, 110);
    expect(of(r, 'DeleteService').map((i) => i.name)).toEqual(['exp-canary']);
    expect(r.status.phase).toBe('Successful');
    expect(progressing(r)?.reason).toBe('ExperimentCompleted');
    [cl, r] = tick(cl, 120);
    expect(r.intents).toEqual([]);
    expect(cl.svcs).toEqual([]);
    expect(phases).toEqual(['Pending', 'Pending', 'Running', 'Successful']);
  });

  it('creation -> Pending -> Running -> Failed when the analysis fails; templates then wind down', () => {
    let cl = start();
    let r: ExperimentReconcileResult;
    [cl] = tick(cl, 0);
    cl = podsSettle(cl);
    [cl] = tick(cl, 10);
    [cl] = tick(cl, 11);
    cl = runReaches(cl, 'exp-check', 'Running');
    [cl] = tick(cl, 20);
    cl = runReaches(cl, 'exp-check', 'Failed', 'Metric "rate" assessed Failed due to failed (2) > failureLimit (1)');
    [cl, r] = tick(cl, 30);
    expect(r.status.phase).toBe('Failed');
    expect(r.status.message).toBe('Metric "rate" assessed Failed due to failed (2) > failureLimit (1)');
    expect(events(r)).toContain('ExperimentFailed: Experiment exp Running -> Failed: Metric "rate" assessed Failed due to failed (2) > failureLimit (1)');

    [cl, r] = tick(cl, 31); // terminating: templates done, scale-down scheduled
    expect(r.status.templateStatuses?.map((t) => t.status)).toEqual(['Successful', 'Successful']);
    expect(of(r, 'AnnotateReplicaSet')).toHaveLength(2);
    [cl, r] = tick(cl, 61);
    expect(of(r, 'ScaleReplicaSet').map((i) => i.replicas)).toEqual([0, 0]);
    cl = podsSettle(cl);
    [cl, r] = tick(cl, 70);
    expect(r.status.phase).toBe('Failed');
    expect(r.status.message).toBe('Metric "rate" assessed Failed due to failed (2) > failureLimit (1)');
    [, r] = tick(cl, 80);
    expect(r.intents).toEqual([]);
  });

  it('creation -> Pending -> Failed when a template never becomes available', () => {
    let cl = start();
    let r: ExperimentReconcileResult;
    [cl] = tick(cl, 0);
    cl = { ...cl, rss: cl.rss.map((rs) => (rs.metadata?.name === 'exp-baseline' ? { ...rs, status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 } } : rs)) };
    [cl, r] = tick(cl, 5);
    expect(r.status.phase).toBe('Pending');
    [cl, r] = tick(cl, 601);
    expect(r.status.phase).toBe('Failed');
    expect(r.status.message).toBe("Template 'canary' exceeded its progressDeadlineSeconds (600)");
    expect(of(r, 'CreateAnalysisRun')).toEqual([]);
    [, r] = tick(cl, 602);
    expect(r.status.templateStatuses?.map((t) => t.status)).toEqual(['Successful', 'Failed']);
    expect(of(r, 'AnnotateReplicaSet').map((i) => i.name)).toEqual(['exp-baseline', 'exp-canary']);
  });
});
