import * as E from 'fp-ts/lib/Either';
import type { AnalysisRun, AnalysisTemplate, Rollout } from '@rollouts/api';
import type { RolloutObservation } from './Observation';
import { adoptable, controllerUid, followOrCreateRun, inFamily, sameSpec, type RunRequest } from './RolloutAnalysisRuns';

const tmpl: AnalysisTemplate = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name: 'success-rate' },
  spec: { args: [{ name: 'svc' }], metrics: [{ name: 'rate', provider: { web: { url: 'http://x/{{args.svc}}' } } }] },
};

const rollout: Rollout = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'shop', namespace: 'default', uid: 'uid-1' },
  spec: { selector: { matchLabels: { app: 'shop' } } },
} as Rollout;

function request(analysisRuns: AnalysisRun[], current?: string): RunRequest {
  const obs: RolloutObservation = { rollout, replicaSets: [], services: [], analysisRuns, experiments: [], analysisTemplates: [tmpl], clusterAnalysisTemplates: [], now: 0 };
  return {
    obs,
    current: current !== undefined ? { name: current, status: 'Running' } : undefined,
    suffix: '1',
    analysis: { templates: [{ templateName: 'success-rate' }], args: [{ name: 'svc', value: 'shop-canary' }] },
    selectorLabels: { app: 'shop' },
    type: 'Step',
    stepIndex: 1,
    revision: 2,
    stableHash: 'old',
    latestHash: 'new',
  };
}

/** The run the Rollout creates when there is none (as the API server would keep it: name set, status added). */
function made(): AnalysisRun {
  const r = followOrCreateRun(request([]));
  if (E.isLeft(r) || r.right.create === undefined) throw new Error('expected a run to create');
  return r.right.create;
}

const named = (run: AnalysisRun, name: string, phase = 'Running', patch: Partial<AnalysisRun> = {}): AnalysisRun => ({ ...run, metadata: { ...run.metadata, name }, status: { phase }, ...patch }) as AnalysisRun;

const outcome = (runs: AnalysisRun[], current?: string) => {
  const r = followOrCreateRun(request(runs, current));
  if (E.isLeft(r)) throw new Error(r.left);
  return { follows: r.right.status.name, creates: r.right.create?.metadata?.name };
};

describe('followOrCreateRun: a run the status does not name (its status write failed)', () => {
  const run = made();

  it('creates <rollout>-<hash>-<revision>-<step> when there is none', () => {
    expect(run.metadata?.name).toBe('shop-new-2-1');
    expect(controllerUid(run)).toBe('uid-1');
  });

  it('follows one that is this Rollout’s, still going and with the same spec, also under a collision name', () => {
    expect(outcome([named(run, 'shop-new-2-1')])).toEqual({ follows: 'shop-new-2-1', creates: undefined });
    expect(outcome([named(run, 'shop-new-2-1', 'Failed'), named(run, 'shop-new-2-1.1', '')])).toEqual({ follows: 'shop-new-2-1.1', creates: undefined });
  });

  it('does not follow one whose controller is another object, or that has no controller', () => {
    const other = { ...run.metadata!.ownerReferences![0]!, uid: 'uid-2' };
    expect(outcome([named(run, 'shop-new-2-1', 'Running', { metadata: { ...run.metadata, name: 'shop-new-2-1', ownerReferences: [other] } })])).toEqual({ follows: 'shop-new-2-1.1', creates: 'shop-new-2-1.1' });
    expect(outcome([named(run, 'shop-new-2-1', 'Running', { metadata: { ...run.metadata, name: 'shop-new-2-1', ownerReferences: [{ ...run.metadata!.ownerReferences![0]!, controller: false }] } })]).creates).toBe('shop-new-2-1.1');
  });

  it('does not follow a finished or terminated one: the next free name', () => {
    for (const phase of ['Successful', 'Failed', 'Error', 'Inconclusive']) expect(outcome([named(run, 'shop-new-2-1', phase)]).creates).toBe('shop-new-2-1.1');
    expect(outcome([named(run, 'shop-new-2-1', 'Running', { spec: { ...run.spec, terminate: true } })]).creates).toBe('shop-new-2-1.1');
  });

  it('does not follow one with another spec (the template or the arguments changed since)', () => {
    expect(outcome([named(run, 'shop-new-2-1', 'Running', { spec: { ...run.spec, args: [{ name: 'svc', value: 'elsewhere' }] } })]).creates).toBe('shop-new-2-1.1');
  });

  it('does not follow one made for another step or revision, or outside the name family', () => {
    const labels = { ...run.metadata!.labels, 'step-index': '3' };
    expect(outcome([named(run, 'shop-new-2-1', 'Running', { metadata: { ...run.metadata, name: 'shop-new-2-1', labels } })]).creates).toBe('shop-new-2-1.1');
    expect(outcome([named(run, 'shop-new-2-10')]).creates).toBe('shop-new-2-1');
    expect(outcome([named(run, 'shop-new-2-1.x')]).creates).toBe('shop-new-2-1');
  });

  it('the run the status names is followed as before (made for this revision and step)', () => {
    expect(outcome([named(run, 'shop-new-2-1', 'Successful')], 'shop-new-2-1')).toEqual({ follows: 'shop-new-2-1', creates: undefined });
  });
});

describe('adoptable: what a create answered AlreadyExists may take over', () => {
  const run = made();
  it('the same controller, unfinished, semantically equal spec', () => {
    expect(adoptable(named(run, 'x', ''), run)).toBe(true);
    // nulls count as absent (a server drops the nulls of fields that are not nullable)
    expect(adoptable({ ...named(run, 'x', 'Running'), spec: { ...run.spec, dryRun: null } as never }, run)).toBe(true);
    expect(adoptable(named(run, 'x', 'Successful'), run)).toBe(false);
    expect(adoptable({ ...named(run, 'x'), metadata: { ownerReferences: [] } }, run)).toBe(false);
    expect(adoptable({ ...named(run, 'x'), spec: { metrics: [] } as never }, run)).toBe(false);
    // a desired object without a controller adopts nothing
    expect(adoptable(named(run, 'x'), { ...run, metadata: { name: 'x' } } as AnalysisRun)).toBe(false);
  });
});

describe('sameSpec and inFamily', () => {
  it.each([
    [{ a: 1, b: null }, { a: 1 }, true],
    [{ a: [1, { b: undefined }] }, { a: [1, {}] }, true],
    [{ a: [1] }, { a: [1, 2] }, false],
    [{ a: '1' }, { a: 1 }, false],
    [{ a: {} }, { a: [] }, false],
    [null, undefined, true],
  ])('sameSpec(%j, %j) = %s', (a, b, want) => {
    expect(sameSpec(a, b)).toBe(want);
    expect(sameSpec(b, a)).toBe(want);
  });
  it.each([
    ['x-1', true],
    ['x-1.1', true],
    ['x-1.12', true],
    ['x-10', false],
    ['x-1.', false],
    ['x-1.a', false],
  ])('inFamily(%s, x-1) = %s', (name, want) => expect(inFamily(name, 'x-1')).toBe(want));
});

describe('a finished run made on the decision the Rollout is reconciled on again (its status write failed)', () => {
  const at = (rv: string): RunRequest => {
    const r = request([]);
    return { ...r, obs: { ...r.obs, rollout: { ...rollout, metadata: { ...rollout.metadata, resourceVersion: rv } } } };
  };
  const madeAt = (rv: string): AnalysisRun => {
    const r = followOrCreateRun(at(rv));
    if (E.isLeft(r) || r.right.create === undefined) throw new Error('expected a run to create');
    return r.right.create;
  };

  it('carries the Rollout version it was decided on', () => {
    expect(madeAt('5').metadata?.annotations).toEqual({ 'rollout.argoproj.io/revision': '2', 'rollouts.argoproj.io/owner-resource-version': '5' });
  });

  it('is followed while the Rollout still has that version, also when it already finished', () => {
    const req = at('5');
    for (const phase of ['Successful', 'Failed']) {
      const r = followOrCreateRun({ ...req, obs: { ...req.obs, analysisRuns: [named(madeAt('5'), 'shop-new-2-1', phase)] } });
      expect(E.isRight(r) && [r.right.status, r.right.create]).toEqual([{ name: 'shop-new-2-1', status: phase }, undefined]);
    }
  });

  it('once the Rollout was written since (a retry, a change of steps), a finished one is left and a new run made', () => {
    const req = at('6');
    const r = followOrCreateRun({ ...req, obs: { ...req.obs, analysisRuns: [named(madeAt('5'), 'shop-new-2-1', 'Successful')] } });
    expect(E.isRight(r) && r.right.create?.metadata?.name).toBe('shop-new-2-1.1');
  });

  it('adoptable after AlreadyExists: finished is fine when both carry the same owner version', () => {
    expect(adoptable(named(madeAt('5'), 'x', 'Successful'), madeAt('5'))).toBe(true);
    expect(adoptable(named(madeAt('5'), 'x', 'Successful'), madeAt('6'))).toBe(false);
    expect(adoptable(named(madeAt('5'), 'x', 'Running'), madeAt('6'))).toBe(true);
  });
});
