// End-to-end: the history of AnalysisRuns and Experiments a Rollout keeps (`spec.analysis.successfulRunHistoryLimit`
// and `unsuccessfulRunHistoryLimit`, 5 each by default). Every update of these Rollouts runs a step analysis (or an
// experiment); the test counts what is left after each, watches the deletions to see their order, and checks that the
// run the Rollout's status names is never among them. ReplicaSets are kept (revisionHistoryLimit 10) so that only the
// limits, not a deleted revision, explain a deletion.
import { json } from '@rollouts/api';
import { defineMetricProvider } from '@rollouts/plugin-sdk';
import { canaryRollout, deploy, rolloutOf, setImage, startEnv, waitFor, waitHealthy, waitStatus, Resources, type Env } from './harness';

jest.setTimeout(180_000);

/** Recorded-contract fake of a metric provider: answers the value the test sets for the run's Rollout (label `app`). */
const answers = new Map<string, number>();
const fakeProvider = defineMetricProvider({
  kind: 'e2e/history-fake',
  configCodec: json(),
  make: () => () => ({
    run: (ctx) => () => Promise.resolve({ _tag: 'Right', right: { _tag: 'Value', value: answers.get(ctx.run.metadata?.labels?.['app'] ?? '') ?? 1 } } as const),
  }),
});

interface RunView {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: Array<{ kind: string; name: string }> };
  status?: { phase?: string };
}
interface CanaryStatusView {
  canary?: { currentStepAnalysisRunStatus?: { name?: string } | null; currentExperiment?: string | null };
}

const REVISION = 'rollout.argoproj.io/revision';
const revisionOf = (r: RunView): number => Number(r.metadata.annotations?.[REVISION] ?? NaN);

let env: Env;
/** Names of the AnalysisRuns and Experiments deleted, in the order the API server reported it. */
const deletedRuns: RunView[] = [];
const deletedExperiments: RunView[] = [];
let watches: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 20, controller: { metricProviders: [fakeProvider] } });
  await env.api.create(Resources.analysisTemplates, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'history-check' },
    spec: { metrics: [{ name: 'ok', count: 1, successCondition: 'result >= 0.95', failureLimit: 0, provider: { plugin: { 'e2e/history-fake': {} } } }] },
  });
  await env.api.create(Resources.analysisTemplates, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'history-slow' },
    spec: { metrics: [{ name: 'ok', count: 3, interval: '1s', successCondition: 'result >= 0.95', failureLimit: 0, provider: { plugin: { 'e2e/history-fake': {} } } }] },
  });
  watches = [
    await env.watch(Resources.analysisRuns, (e) => {
      if (e.type === 'DELETED') deletedRuns.push(e.object as unknown as RunView);
    }),
    await env.watch(Resources.experiments, (e) => {
      if (e.type === 'DELETED') deletedExperiments.push(e.object as unknown as RunView);
    }),
  ];
});
afterAll(async () => {
  await Promise.all(watches.map((w) => w.stop()));
  await env?.stop();
});

const analysisSteps = [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'history-check' }] } }];

const runsOf = (name: string): RunView[] => env.api.list<RunView>(Resources.analysisRuns).filter((r) => r.metadata.labels?.['app'] === name && r.metadata.deletionTimestamp == null);
const experimentsOf = (name: string): RunView[] =>
  env.api.list<RunView>(Resources.experiments).filter((x) => x.metadata.ownerReferences?.some((o) => o.kind === 'Rollout' && o.name === name) && x.metadata.deletionTimestamp == null);
const byRevision = (rs: RunView[]): Array<[number, string]> => rs.map((r): [number, string] => [revisionOf(r), r.status?.phase ?? '']).sort((a, b) => a[0] - b[0]);
const statusRun = (name: string): string | undefined => ((rolloutOf(env, name)?.status as CanaryStatusView | undefined)?.canary?.currentStepAnalysisRunStatus?.name ?? undefined) || undefined;

/** Update the image and wait until the new revision is the stable one. */
async function completeUpdate(name: string, image: string): Promise<void> {
  const before = rolloutOf(env, name)!.status!.stableRS;
  await setImage(env, name, image);
  await waitStatus(env, name, `${image} stable`, (s) => s.phase === 'Healthy' && s.stableRS !== before && s.currentPodHash === s.stableRS, 20_000);
}

test("8 completed updates: the 5 newest Successful AnalysisRuns remain, the oldest went first, the current revision's stays", async () => {
  const ro = canaryRollout('hist', analysisSteps, { replicas: 2, extra: { revisionHistoryLimit: 10 } });
  await deploy(env, ro, ['hist-canary', 'hist-stable']);
  const seen = new Set<string>();
  for (let i = 2; i <= 9; i++) {
    await completeUpdate('hist', `demo:${i}`);
    for (const r of runsOf('hist')) seen.add(r.metadata.name);
    // The run of the update that just completed (the current revision's) is the newest, and survives the pruning.
    const newest = runsOf('hist').find((r) => revisionOf(r) === i);
    expect(newest?.status?.phase).toBe('Successful');
    await waitFor(`at most 5 AnalysisRuns after revision ${i}`, () => runsOf('hist').length === Math.min(i - 1, 5), 10_000, () => byRevision(runsOf('hist')));
    expect(runsOf('hist').map((r) => r.metadata.name)).toContain(newest!.metadata.name);
  }
  expect(seen.size).toBe(8);
  expect(byRevision(runsOf('hist'))).toEqual([5, 6, 7, 8, 9].map((r) => [r, 'Successful']));
  // Deleted one at a time as each update completed, oldest first.
  expect(deletedRuns.filter((r) => r.metadata.labels?.['app'] === 'hist').map(revisionOf)).toEqual([2, 3, 4]);
});

test('an unsuccessful AnalysisRun counts against unsuccessfulRunHistoryLimit; the run the status names counts against neither', async () => {
  const ro = canaryRollout('hist-bad', analysisSteps, { replicas: 2, extra: { revisionHistoryLimit: 10, analysis: { successfulRunHistoryLimit: 1, unsuccessfulRunHistoryLimit: 1 } } });
  await deploy(env, ro, ['hist-bad-canary', 'hist-bad-stable']);
  const failedUpdate = async (image: string, revision: number): Promise<void> => {
    answers.set('hist-bad', 0.5);
    await setImage(env, 'hist-bad', image);
    await waitStatus(env, 'hist-bad', `revision ${revision} aborted by its analysis`, (s) => s.abort === true && s.phase === 'Degraded', 20_000);
    await waitFor(`the Failed run of revision ${revision}`, () => runsOf('hist-bad').find((r) => revisionOf(r) === revision && r.status?.phase === 'Failed'));
  };
  const goodUpdate = async (image: string): Promise<void> => {
    answers.set('hist-bad', 1);
    await completeUpdate('hist-bad', image);
  };
  const settle = (what: string, want: Array<[number, string]>) => waitFor(what, () => JSON.stringify(byRevision(runsOf('hist-bad'))) === JSON.stringify(want), 10_000, () => byRevision(runsOf('hist-bad')));
  await goodUpdate('demo:2');
  await failedUpdate('demo:3', 3);
  await goodUpdate('demo:4'); // rev 2 goes: 1 Successful kept (rev 4); rev 3 is the 1 unsuccessful kept
  await settle('rev 2 deleted', [
    [3, 'Failed'],
    [4, 'Successful'],
  ]);
  // rev 5 fails: the aborted Rollout's status names its run, so it counts against no limit and rev 3 is still the kept one
  await failedUpdate('demo:5', 5);
  expect(statusRun('hist-bad')).toBe(runsOf('hist-bad').find((r) => revisionOf(r) === 5)?.metadata.name);
  await settle('nothing deleted while rev 5 is in use', [
    [3, 'Failed'],
    [4, 'Successful'],
    [5, 'Failed'],
  ]);
  await goodUpdate('demo:6'); // rev 5 no longer in use: rev 4 and rev 3 go, oldest first
  await settle('rev 3 and rev 4 deleted', [
    [5, 'Failed'],
    [6, 'Successful'],
  ]);
  expect(deletedRuns.filter((r) => r.metadata.labels?.['app'] === 'hist-bad').map((r) => [revisionOf(r), r.status?.phase])).toEqual([
    [2, 'Successful'],
    [3, 'Failed'],
    [4, 'Successful'],
  ]);
});

test('limits of 0 keep only the runs the status names (a running step analysis, an aborting Failed run), as upstream', async () => {
  const steps = [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'history-slow' }] } }, { pause: {} }];
  const ro = canaryRollout('hist-zero', steps, { replicas: 2, extra: { revisionHistoryLimit: 10, analysis: { successfulRunHistoryLimit: 0, unsuccessfulRunHistoryLimit: 0 } } });
  await deploy(env, ro, ['hist-zero-canary', 'hist-zero-stable']);
  // rev 2 fails: its Failed run is named by the aborted Rollout's status and stays
  answers.set('hist-zero', 0.5);
  await setImage(env, 'hist-zero', 'demo:2');
  await waitStatus(env, 'hist-zero', 'revision 2 aborted', (s) => s.abort === true && s.phase === 'Degraded', 20_000);
  const failed = await waitFor('the Failed run of revision 2', () => runsOf('hist-zero').find((r) => r.status?.phase === 'Failed'));
  expect(statusRun('hist-zero')).toBe(failed.metadata.name);
  expect(byRevision(runsOf('hist-zero'))).toEqual([[2, 'Failed']]);
  // rev 3: while its analysis runs, it is the current run and rev 2's (no longer named) goes
  answers.set('hist-zero', 1);
  await setImage(env, 'hist-zero', 'demo:3');
  const running = await waitFor('the running analysis of revision 3', () => runsOf('hist-zero').find((r) => revisionOf(r) === 3 && r.status?.phase === 'Running'));
  expect(statusRun('hist-zero')).toBe(running.metadata.name);
  await waitFor('rev 2 deleted while rev 3 runs', () => deletedRuns.some((r) => r.metadata.name === failed.metadata.name), 10_000, () => byRevision(runsOf('hist-zero')));
  expect(runsOf('hist-zero').map((r) => r.metadata.name)).toEqual([running.metadata.name]);
  // Once the step is over (paused at the next one), the status names no run: a limit of 0 deletes the Successful run
  await waitStatus(env, 'hist-zero', 'paused after the analysis', (s) => s.currentStepIndex === 2 && (s.pauseConditions?.length ?? 0) > 0, 20_000);
  expect(statusRun('hist-zero')).toBeUndefined();
  await waitFor('rev 3 deleted once no longer in use', () => runsOf('hist-zero').length === 0, 10_000, () => byRevision(runsOf('hist-zero')));
  // The store has it gone; the watch that records deletions may deliver the event a moment later.
  await waitFor('the deletion of rev 3 seen by the watch', () => deletedRuns.some((r) => r.metadata.name === running.metadata.name), 10_000, () => deletedRuns.map((r) => r.metadata.name));
  expect(deletedRuns.filter((r) => r.metadata.labels?.['app'] === 'hist-zero').map((r) => [revisionOf(r), r.status?.phase])).toEqual([
    [2, 'Failed'],
    [3, 'Successful'],
  ]);
  await env.api.patch(Resources.rollouts, 'hist-zero', { status: { pauseConditions: null } }, 'status');
  await waitHealthy(env, 'hist-zero', 20_000);
});

test('Experiments count on their own: with successfulRunHistoryLimit 1 only the newest Successful one remains', async () => {
  const steps = [{ setWeight: 25 }, { experiment: { duration: '1s', scaleDownDelaySeconds: 0, templates: [{ name: 'preview', specRef: 'canary', replicas: 1 }] } }];
  const ro = canaryRollout('hist-exp', steps, { replicas: 2, extra: { revisionHistoryLimit: 10, analysis: { successfulRunHistoryLimit: 1 } } });
  await deploy(env, ro, ['hist-exp-canary', 'hist-exp-stable']);
  for (let i = 2; i <= 4; i++) {
    await completeUpdate('hist-exp', `demo:${i}`);
    await waitFor(`one Experiment after revision ${i}`, () => experimentsOf('hist-exp').length === 1, 10_000, () => byRevision(experimentsOf('hist-exp')));
    expect(byRevision(experimentsOf('hist-exp'))).toEqual([[i, 'Successful']]);
  }
  expect(deletedExperiments.filter((x) => x.metadata.ownerReferences?.some((o) => o.name === 'hist-exp')).map(revisionOf)).toEqual([2, 3]);
});
