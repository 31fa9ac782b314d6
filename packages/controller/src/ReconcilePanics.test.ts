import * as E from 'fp-ts/lib/Either';
import type { AnalysisRun, Experiment, Rollout } from '@rollouts/api';
import { createManualClock, loadKubeConfig, type KubePatch, type KubeWriter, type ResourceKind } from '@rollouts/k8s';
import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';
import { ClusterCache } from './ClusterCache';
import { silentLogger } from './Controller';
import type { ReconcilePanic } from './ReconcileLoop';
import { MAX_PANICS, reportAnalysisRunPanic, reportExperimentPanic, reportRolloutPanic, type PanicDeps } from './ReconcilePanics';
import { reportUnreadableRollout, reportUnreadableRun } from './Unreadable';

interface Patch {
  readonly kind: string;
  readonly name: string;
  readonly body: unknown;
  readonly subresource?: string;
}

/** A writer that answers patches by merging the body into the cached object (one level under `status`). */
function harness(opts: { fail?: () => PluginError | undefined } = {}) {
  const clock = createManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const cache = new ClusterCache({ kubeConfig: loadKubeConfig({ options: { clusters: [{ name: 'c', server: 'http://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' } }), clock });
  const patches: Patch[] = [];
  const events: string[] = [];
  const views: Record<string, { get(ns: string, n: string): unknown; wrote(o: never): void }> = { Rollout: cache.rollouts, AnalysisRun: cache.analysisRuns, Experiment: cache.experiments };
  /** The objects the writer answered last: `settle` puts them into the views as the informer would. */
  const answered = new Map<string, unknown>();
  const settle = () => {
    for (const [kind, o] of answered) views[kind]!.wrote(o as never);
    answered.clear();
  };
  const unsupported = () => Promise.resolve(E.left(PluginErrors.pluginUnsupported({ message: 'not in this test' })));
  const writer: KubeWriter = {
    create: unsupported,
    replace: unsupported,
    replaceStatus: unsupported,
    delete: unsupported,
    patch: <T>(kind: ResourceKind, ns: string | undefined, name: string, patch: KubePatch, o?: { subresource?: 'status' | 'scale' }) => {
      patches.push({ kind: kind.kind, name, body: patch.body, ...(o?.subresource !== undefined ? { subresource: o.subresource } : {}) });
      const err = opts.fail?.();
      if (err !== undefined) return Promise.resolve(E.left(err));
      const current = views[kind.kind]!.get(ns ?? '', name) as { status?: object; metadata?: { resourceVersion?: string } };
      const status = { ...(current.status ?? {}), ...((patch.body as { status?: object }).status ?? {}) };
      const next = { ...current, metadata: { ...current.metadata, resourceVersion: String(Number(current.metadata?.resourceVersion ?? '1') + 1) }, status };
      answered.set(kind.kind, next);
      return Promise.resolve(E.right(next as T));
    },
  };
  const deps: PanicDeps = {
    cache,
    writer,
    clock,
    log: silentLogger,
    metrics: {},
    track: () => undefined,
    events: { record: (o, type, reason, message) => (events.push(`${o.kind}/${o.metadata.name} ${type} ${reason}: ${message}`), Promise.resolve()) },
  };
  return { cache, deps, patches, events, settle };
}

const panic = (key: string, message: string, attempts: number, newMessage: boolean): ReconcilePanic => ({ key, error: new Error(message), message, attempts, newMessage });

describe('a Rollout whose reconcile threw', () => {
  const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'prod', uid: 'u1', resourceVersion: '5' }, spec: {}, status: { phase: 'Healthy', conditions: [{ type: 'Available', status: 'True', reason: 'AvailableReason', message: 'm' }] } } as unknown as Rollout;

  it('gets the ReconciliationError condition (a status merge patch keeping the others) and one Warning event per message', async () => {
    const { cache, deps, patches, events, settle } = harness();
    cache.rollouts.wrote(rollout);
    await reportRolloutPanic(panic('prod/web', 'boom', 1, true), deps);
    settle();
    await reportRolloutPanic(panic('prod/web', 'boom', 2, false), deps);
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({ kind: 'Rollout', name: 'web', subresource: 'status' });
    expect((patches[0]!.body as { status: { conditions: unknown[] } }).status.conditions).toEqual([
      { type: 'Available', status: 'True', reason: 'AvailableReason', message: 'm' },
      { type: 'ReconciliationError', status: 'True', reason: 'ReconciliationError', message: 'Reconciliation failed with error: boom', lastTransitionTime: '2026-01-01T00:00:00Z', lastUpdateTime: '2026-01-01T00:00:00Z' },
    ]);
    expect(events).toEqual(['Rollout/web Warning ReconciliationError: Reconciliation failed with error: boom']);
    // another message: the condition says the latest, and it gets its own event
    await reportRolloutPanic(panic('prod/web', 'bang', 3, true), deps);
    settle();
    expect(patches).toHaveLength(2);
    expect(events).toHaveLength(2);
    expect(cache.rollouts.get('prod', 'web')?.status?.conditions?.find((c) => c.type === 'ReconciliationError')?.message).toBe('Reconciliation failed with error: bang');
  });

  it('a failed write is tried again at the next throw; a malformed status does not stop it; a deleted Rollout gets nothing', async () => {
    let failing = true;
    const { cache, deps, patches } = harness({ fail: () => (failing ? PluginErrors.kubeConflict({ message: 'conflict' }) : undefined) });
    cache.rollouts.wrote({ ...rollout, status: { conditions: 'nonsense' } } as unknown as Rollout);
    await reportRolloutPanic(panic('prod/web', 'boom', 1, true), deps);
    failing = false;
    await reportRolloutPanic(panic('prod/web', 'boom', 2, false), deps);
    expect(patches).toHaveLength(2);
    expect((patches[1]!.body as { status: { conditions: Array<{ type: string }> } }).status.conditions.map((c) => c.type)).toEqual(['ReconciliationError']);
    await reportRolloutPanic(panic('prod/gone', 'boom', 1, true), deps);
    expect(patches).toHaveLength(2);
  });
});

describe('an AnalysisRun or Experiment whose reconcile keeps throwing', () => {
  const run = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'r', namespace: 'prod', uid: 'r1', resourceVersion: '3' }, spec: { metrics: [] }, status: { phase: 'Running' } } as unknown as AnalysisRun;
  const exp = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Experiment', metadata: { name: 'x', namespace: 'prod', uid: 'x1', resourceVersion: '3' }, spec: { templates: [] }, status: { phase: 'Running' } } as unknown as Experiment;

  it(`gets an event per message, nothing in status before ${MAX_PANICS} throws in a row, then phase Error with the message`, async () => {
    const { cache, deps, patches, events, settle } = harness();
    cache.analysisRuns.wrote(run);
    for (let i = 1; i < MAX_PANICS; i++) await reportAnalysisRunPanic(panic('prod/r', 'boom', i, i === 1), deps);
    expect(patches).toEqual([]);
    expect(events).toEqual(['AnalysisRun/r Warning ReconciliationError: Reconciliation failed with error: boom']);
    await reportAnalysisRunPanic(panic('prod/r', 'boom', MAX_PANICS, false), deps);
    settle();
    const message = `Reconciliation failed with error: boom (${MAX_PANICS} reconciles in a row failed)`;
    expect(patches).toEqual([{ kind: 'AnalysisRun', name: 'r', body: { status: { phase: 'Error', message, completedAt: '2026-01-01T00:00:00Z' } } }]);
    expect(events.at(-1)).toBe(`AnalysisRun/r Warning AnalysisRunError: ${message}`);
    expect(cache.analysisRuns.get('prod', 'r')?.status?.phase).toBe('Error');
    // finished: never written again
    await reportAnalysisRunPanic(panic('prod/r', 'boom', MAX_PANICS + 1, false), deps);
    expect(patches).toHaveLength(1);
  });

  it('a run that already finished is not turned into Error', async () => {
    const { cache, deps, patches, events } = harness();
    cache.analysisRuns.wrote({ ...run, status: { phase: 'Successful' } } as AnalysisRun);
    await reportAnalysisRunPanic(panic('prod/r', 'boom', MAX_PANICS + 3, true), deps);
    expect(patches).toEqual([]);
    expect(events).toHaveLength(1);
  });

  it('an Experiment ends in Error the same way (no completedAt: Experiments have none)', async () => {
    const { cache, deps, patches, events } = harness();
    cache.experiments.wrote(exp);
    await reportExperimentPanic(panic('prod/x', 'boom', MAX_PANICS, true), deps);
    expect(patches).toEqual([{ kind: 'Experiment', name: 'x', body: { status: { phase: 'Error', message: `Reconciliation failed with error: boom (${MAX_PANICS} reconciles in a row failed)` } } }]);
    expect(events.map((e) => e.split(':')[0])).toEqual(['Experiment/x Warning ReconciliationError', 'Experiment/x Warning ExperimentError']);
  });
});

// The same writer double serves the reports of objects that do not decode (Unreadable.ts).
describe('an object the API server admitted that our codecs cannot read', () => {
  const errors = [{ path: 'spec.replicas', message: 'spec.replicas: expected integer, got "three"' }, { path: 'spec.paused', message: 'spec.paused: expected boolean' }] as never;

  test('a Rollout: InvalidSpec condition and phase Degraded naming the field, one write and one Warning per message', async () => {
    const { cache, deps, patches, events, settle } = harness();
    const raw = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'prod', uid: 'u1', resourceVersion: '5' }, spec: { replicas: 'three' }, status: { phase: 'Healthy' } } as unknown as Rollout;
    cache.rollouts.wrote(raw);
    await reportUnreadableRollout(raw, errors, deps);
    settle();
    const message = 'The Rollout "web" cannot be read: spec.replicas: expected integer, got "three" (and 1 more)';
    expect(patches).toEqual([{ kind: 'Rollout', name: 'web', subresource: 'status', body: { status: { phase: 'Degraded', message: `InvalidSpec: ${message}`, conditions: [expect.objectContaining({ type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message })] } } }]);
    expect(events).toEqual([`Rollout/web Warning InvalidSpec: ${message}`]);
    // Reconciled again (a resync, another event): nothing more is written or recorded.
    await reportUnreadableRollout(cache.rollouts.get('prod', 'web')!, errors, deps);
    expect(patches).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  test('an unfinished AnalysisRun or Experiment ends in Error with the message; a finished one is left alone', async () => {
    const { cache, deps, patches, events } = harness();
    const run = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'r', namespace: 'prod', uid: 'u2', resourceVersion: '3' }, spec: { metrics: 'nope' }, status: { phase: 'Running' } } as unknown as AnalysisRun;
    const exp = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Experiment', metadata: { name: 'x', namespace: 'prod', uid: 'u3', resourceVersion: '3' }, spec: { templates: 7 } } as unknown as Experiment;
    const done = { ...run, metadata: { ...run.metadata, name: 'old' }, status: { phase: 'Successful' } } as unknown as AnalysisRun;
    cache.analysisRuns.wrote(run);
    cache.analysisRuns.wrote(done);
    cache.experiments.wrote(exp);
    await reportUnreadableRun('AnalysisRun', run, errors, deps);
    await reportUnreadableRun('Experiment', exp, errors, deps);
    await reportUnreadableRun('AnalysisRun', done, errors, deps);
    expect(patches.map((p) => [p.kind, p.name, (p.body as { status: { phase: string; message: string } }).status.phase, (p.body as { status: { message: string } }).status.message])).toEqual([
      ['AnalysisRun', 'r', 'Error', 'The AnalysisRun "r" cannot be read: spec.replicas: expected integer, got "three" (and 1 more)'],
      ['Experiment', 'x', 'Error', 'The Experiment "x" cannot be read: spec.replicas: expected integer, got "three" (and 1 more)'],
    ]);
    expect(events.map((e) => e.split(':')[0])).toEqual(['AnalysisRun/r Warning InvalidSpec', 'Experiment/x Warning InvalidSpec']);
  });
});
