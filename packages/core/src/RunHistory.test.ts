import type { AnalysisRun, Experiment, ReplicaSet, Rollout, RolloutStatus } from '@rollouts/api';
import type { RolloutObservation } from './Observation';
import { runHistoryDeletions } from './RunHistory';

const HASH = 'rollouts-pod-template-hash';
const rs = (hash: string, deleting = false): ReplicaSet => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `web-${hash}`, labels: { [HASH]: hash }, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } }) as ReplicaSet;
const run = (name: string, phase: string, minute: number, hash: string | null = 'h1'): AnalysisRun =>
  ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name, creationTimestamp: `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z`, ...(hash !== null ? { labels: { [HASH]: hash } } : {}) }, spec: { metrics: [] }, status: { phase } }) as unknown as AnalysisRun;
const experiment = (name: string, phase: string, minute: number, hash = 'h1'): Experiment =>
  ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Experiment', metadata: { name, creationTimestamp: `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z`, labels: { [HASH]: hash } }, spec: { templates: [] }, status: { phase } }) as unknown as Experiment;

function rollout(analysis?: { successfulRunHistoryLimit?: number; unsuccessfulRunHistoryLimit?: number }, status: RolloutStatus = {}): Rollout {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web' }, spec: { ...(analysis ? { analysis } : {}), strategy: { canary: {} } }, status } as Rollout;
}
const obs = (ro: Rollout, analysisRuns: AnalysisRun[], experiments: Experiment[] = [], replicaSets = [rs('h1')]): RolloutObservation =>
  ({ rollout: ro, replicaSets, services: [], analysisRuns, experiments, analysisTemplates: [], clusterAnalysisTemplates: [], now: 0 }) as RolloutObservation;
const deleted = (intents: ReturnType<typeof runHistoryDeletions>) => intents.map((i) => `${i._tag === 'DeleteAnalysisRun' ? 'run' : 'exp'}:${(i as { name: string }).name}`);

describe('runHistoryDeletions', () => {
  test('keeps the newest 5 Successful and 5 unsuccessful by default; deletes older ones, oldest first; never a run still going', () => {
    const runs = [
      ...[0, 1, 2, 3, 4, 5, 6].map((m) => run(`ok-${m}`, 'Successful', m)),
      ...[10, 11, 12, 13, 14, 15].map((m) => run(`bad-${m}`, m % 3 === 0 ? 'Error' : m % 3 === 1 ? 'Failed' : 'Inconclusive', m)),
      run('running-0', 'Running', 0),
      run('pending-0', '', 0),
    ];
    expect(deleted(runHistoryDeletions(rollout(), obs(rollout(), runs), {}))).toEqual(['run:ok-0', 'run:ok-1', 'run:bad-10']);
  });

  test('limits from spec.analysis; 0 keeps none', () => {
    const ro = rollout({ successfulRunHistoryLimit: 1, unsuccessfulRunHistoryLimit: 0 });
    const runs = [run('a', 'Successful', 1), run('b', 'Successful', 2), run('c', 'Failed', 3)];
    const r = runHistoryDeletions(ro, obs(ro, runs), {});
    expect(deleted(r)).toEqual(['run:a', 'run:c']);
    expect(r[1]?.reason).toBe('AnalysisRun c deleted: more than unsuccessfulRunHistoryLimit 0 unsuccessful');
  });

  test('runs the status names (this reconcile or the last) are kept whatever their phase and count', () => {
    const ro = rollout({ successfulRunHistoryLimit: 0, unsuccessfulRunHistoryLimit: 0 }, { canary: { currentStepAnalysisRunStatus: { name: 'old-step', status: 'Successful' } } });
    const runs = [run('old-step', 'Successful', 1), run('bg', 'Failed', 2), run('x', 'Successful', 3)];
    const next: RolloutStatus = { canary: { currentBackgroundAnalysisRunStatus: { name: 'bg', status: 'Failed' } } };
    expect(deleted(runHistoryDeletions(ro, obs(ro, runs), next))).toEqual(['run:x']);
  });

  test("a run whose revision's ReplicaSet is gone or being deleted goes, as does one without a revision label", () => {
    const runs = [run('of-h1', 'Successful', 1), run('of-h2', 'Successful', 2, 'h2'), run('of-h3', 'Running', 3, 'h3'), run('no-label', 'Failed', 4, null)];
    expect(deleted(runHistoryDeletions(rollout(), obs(rollout(), runs, [], [rs('h1'), rs('h2', true)]), {}))).toEqual(['run:of-h2', 'run:of-h3', 'run:no-label']);
  });

  test('Experiments count separately with the same limits; the current experiment is kept', () => {
    const ro = rollout({ successfulRunHistoryLimit: 1 }, { canary: { currentExperiment: 'x-3' } });
    const exps = [experiment('x-1', 'Successful', 1), experiment('x-2', 'Successful', 2), experiment('x-3', 'Successful', 3)];
    expect(deleted(runHistoryDeletions(ro, obs(ro, [run('r', 'Successful', 9)], exps), {}))).toEqual(['exp:x-1']);
  });

  test('runs created within the same second are ordered by their revision, not by their name', () => {
    const at = (name: string, revision: string): AnalysisRun => {
      const r = run(name, 'Successful', 1);
      return { ...r, metadata: { ...r.metadata, annotations: { 'rollout.argoproj.io/revision': revision } } } as AnalysisRun;
    };
    // names sort the other way round (z... > a...): only the revision puts rev 9 newest and rev 2 oldest
    const runs = [at('web-zzz-2-1', '2'), at('web-aaa-9-1', '9'), at('web-mmm-10-1', '10'), at('web-bbb-3-1', '3')];
    const ro = rollout({ successfulRunHistoryLimit: 2 });
    expect(deleted(runHistoryDeletions(ro, obs(ro, runs), {}))).toEqual(['run:web-zzz-2-1', 'run:web-bbb-3-1']);
  });

  test('nothing to look at: no intents', () => {
    expect(runHistoryDeletions(rollout(), obs(rollout(), []), {})).toEqual([]);
  });
});
