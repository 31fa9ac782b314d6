// Issue #15, faults: a reconcile that throws is seen on the object it stops (a condition or status message and a
// Warning Event) and retried with backoff, not silently forever; and with the Rollout's status writes answered 409
// around the step that starts an AnalysisRun or an Experiment, exactly one of each is created (a run is followed
// through the cache when the status that names it could not be written, and a create answered AlreadyExists adopts
// the controller's own object).
//
// The throws come from test doubles registered like any plugin (a reconcile of a well-formed object must not throw
// any more: hostile user input is made harmless elsewhere): a traffic router whose optional `verifyWeight` is a
// getter that throws, and a metric provider whose `configCodec` is a getter that throws, each while its fault is on.
import { json } from '@rollouts/api';
import { defineMetricProvider, defineTrafficRouter, type MetricProviderPlugin } from '@rollouts/plugin-sdk';
import { capturingLogger, controlRolloutCompletes } from './Hostile';
import { canaryRollout, deploy, rolloutOf, setImage, startEnv, waitFor, waitHealthy, waitStatus, Resources, type Env } from './harness';

jest.setTimeout(90_000);

/** Which test doubles are broken right now. */
const fault = { router: false, provider: false };

const ROUTER_ERROR = 'test double: the faulty router broke while reading verifyWeight';
const PROVIDER_ERROR = 'test double: the faulty provider cannot read its configuration codec';

/** TEST DOUBLE: a traffic router that routes nothing; reading its optional `verifyWeight` throws while `fault.router`. */
const faultyRouter = defineTrafficRouter({
  kind: 'test/faulty-router',
  configCodec: json(),
  make: () => () => {
    const router = {
      updateHash: () => async () => ({ _tag: 'Right', right: undefined }) as const,
      removeManagedRoutes: () => async () => ({ _tag: 'Right', right: undefined }) as const,
      setWeight: () => async () => ({ _tag: 'Right', right: undefined }) as const,
    };
    Object.defineProperty(router, 'verifyWeight', {
      enumerable: true,
      get() {
        if (fault.router) throw new Error(ROUTER_ERROR);
        return undefined;
      },
    });
    return router;
  },
});

/** TEST DOUBLE: a metric provider that always measures 1; reading its `configCodec` throws while `fault.provider`. */
const codec = json();
const faultyProvider: MetricProviderPlugin<unknown> = Object.defineProperty(
  {
    kind: 'test/faulty-provider',
    make: () => () => ({ run: () => async () => ({ _tag: 'Right', right: { _tag: 'Value', value: 1 } }) as const }),
  },
  'configCodec',
  {
    enumerable: true,
    get() {
      if (fault.provider) throw new Error(PROVIDER_ERROR);
      return codec;
    },
  },
) as unknown as MetricProviderPlugin<unknown>;

/** A well-behaved provider: every measurement is 1. */
const passing = defineMetricProvider({
  kind: 'test/pass',
  configCodec: json(),
  make: () => () => ({ run: () => async () => ({ _tag: 'Right', right: { _tag: 'Value', value: 1 } }) as const }),
});

interface EventView {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count?: number;
  readonly involvedObject: { readonly kind: string; readonly name: string };
}

interface Owned {
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string>; readonly ownerReferences?: ReadonlyArray<{ readonly kind: string; readonly name: string; readonly uid: string }> };
  readonly status?: { readonly phase?: string; readonly message?: string };
}

const log = capturingLogger();
let env: Env;

beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, faults: true, controller: { log, trafficRouters: [faultyRouter], metricProviders: [faultyProvider, passing], measurementTimeoutMs: 2_000 } });
  for (const [name, provider] of [
    ['pass', 'test/pass'],
    ['faulty', 'test/faulty-provider'],
  ] as const) {
    await env.api.create(Resources.analysisTemplates, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name },
      spec: { metrics: [{ name: 'm', count: 1, successCondition: 'result == 1', provider: { plugin: { [provider]: {} } } }] },
    });
  }
});
afterAll(async () => {
  fault.router = false;
  fault.provider = false;
  await env?.stop();
});

async function events(): Promise<EventView[]> {
  const list = await env.http.json<{ items?: EventView[] }>('GET', `/api/v1/namespaces/${env.ns}/events`);
  return list.items ?? [];
}

/** Poll an asynchronous read until it answers a non-empty list. */
async function eventually<T>(what: string, read: () => Promise<T[]>, timeoutMs = 10_000): Promise<T[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await read();
    if (got.length > 0) return got;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const eventsOf = async (kind: string, name: string, reason: string) => (await events()).filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name && e.reason === reason);

const condition = (name: string, type: string) => rolloutOf(env, name)?.status?.conditions?.find((c) => c.type === type);

const ownedBy = <T extends Owned>(kind: typeof Resources.analysisRuns, ownerKind: string, owner: string, uid?: string) =>
  env.api.list<T>(kind).filter((o) => (o.metadata.ownerReferences ?? []).some((r) => r.kind === ownerKind && r.name === owner && (uid === undefined || r.uid === uid)));

describe('a reconcile that throws', () => {
  test('a Rollout gets the ReconciliationError condition and one Warning event; others go on; the condition clears once the fault is gone', async () => {
    const routed = canaryRollout('panics', [{ setWeight: 50 }, { pause: { duration: '1s' } }], { replicas: 2, canary: { trafficRouting: { plugins: { 'test/faulty-router': {} } } } });
    const first = await deploy(env, routed, ['panics-canary', 'panics-stable']);
    fault.router = true;
    try {
      await setImage(env, 'panics', 'demo:2');
      const message = `Reconciliation failed with error: ${ROUTER_ERROR}`;
      const cond = await waitFor('the ReconciliationError condition', () => condition('panics', 'ReconciliationError'), 10_000, () => rolloutOf(env, 'panics')?.status);
      expect(cond).toMatchObject({ status: 'True', reason: 'ReconciliationError', message });
      const warnings = await eventually('the Warning event', () => eventsOf('Rollout', 'panics', 'ReconciliationError'));
      expect(warnings.map((e) => [e.type, e.message])).toEqual([['Warning', message]]);
      // The stack went to the log, not to the object or the event.
      expect(JSON.stringify(rolloutOf(env, 'panics')?.status)).not.toContain('hostile-faults.test.ts');
      expect(log.lines.some((l) => l.startsWith('error rollout reconcile threw') && l.includes(ROUTER_ERROR) && l.includes('hostile-faults.test.ts'))).toBe(true);

      // Everybody else is served meanwhile.
      await controlRolloutCompletes(env, 'control-a');

      // Retried with backoff all along, and still one Event (not one per retry).
      const threw = log.lines.filter((l) => l.startsWith('error rollout reconcile threw') && l.includes(`${env.ns}/panics`)).length;
      expect(threw).toBeGreaterThan(2);
      const again = await eventsOf('Rollout', 'panics', 'ReconciliationError');
      expect(again).toHaveLength(1);
      expect(again[0]!.count ?? 1).toBe(1);
      // nothing moved while the reconcile could not run
      expect(rolloutOf(env, 'panics')?.status?.stableRS).toBe(first.status!.stableRS);
    } finally {
      fault.router = false;
    }
    await waitFor('the condition cleared', () => condition('panics', 'ReconciliationError') === undefined, 10_000, () => rolloutOf(env, 'panics')?.status?.conditions);
    const done = await waitHealthy(env, 'panics', 20_000);
    expect(done.status!.stableRS).not.toBe(first.status!.stableRS);
  });

  test('an AnalysisRun whose reconcile keeps throwing ends in Error with the message, and the Rollout aborts instead of waiting forever', async () => {
    const ro = canaryRollout('runpanics', [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'faulty' }] } }], { replicas: 2 });
    const first = await deploy(env, ro, ['runpanics-canary', 'runpanics-stable']);
    fault.provider = true;
    try {
      await setImage(env, 'runpanics', 'demo:2');
      const aborted = await waitStatus(env, 'runpanics', 'aborted by the errored run', (s) => s.abort === true && s.phase === 'Degraded', 20_000);
      const runs = ownedBy<Owned>(Resources.analysisRuns, 'Rollout', 'runpanics').filter((r) => r.metadata.labels?.['rollouts-pod-template-hash'] !== first.status!.stableRS);
      expect(runs).toHaveLength(1);
      const run = runs[0]!;
      expect(run.status?.phase).toBe('Error');
      expect(run.status?.message).toBe(`Reconciliation failed with error: ${PROVIDER_ERROR} (5 reconciles in a row failed)`);
      expect(aborted.status!.message).toContain(PROVIDER_ERROR);
      const reconcileErrors = await eventually('the ReconciliationError event of the run', () => eventsOf('AnalysisRun', run.metadata.name, 'ReconciliationError'));
      expect(reconcileErrors.map((e) => [e.type, e.message])).toEqual([['Warning', `Reconciliation failed with error: ${PROVIDER_ERROR}`]]);
      const errored = await eventually('the AnalysisRunError event', () => eventsOf('AnalysisRun', run.metadata.name, 'AnalysisRunError'));
      expect(errored.map((e) => e.type)).toEqual(['Warning']);
      await controlRolloutCompletes(env, 'control-b');
    } finally {
      fault.provider = false;
    }
  });
});

describe('Rollout status writes answered 409 around the step that starts work', () => {
  test('one AnalysisRun for the analysis step, and the rollout completes', async () => {
    const ro = canaryRollout('dup-run', [{ analysis: { templates: [{ templateName: 'pass' }] } }, { setWeight: 50 }], { replicas: 2 });
    const first = await deploy(env, ro, ['dup-run-canary', 'dup-run-stable']);
    const injector = env.faults!;
    const since = injector.requestLog.mark();
    // The status writes that would name the run fail, several times; the run's own status writes too, twice.
    const faults = [injector.conflict({ resource: 'rollouts', subresource: 'status', times: 8 }), injector.conflict({ resource: 'analysisruns', times: 2 })];
    try {
      await setImage(env, 'dup-run', 'demo:2');
      const done = await waitHealthy(env, 'dup-run', 30_000);
      expect(done.status!.stableRS).not.toBe(first.status!.stableRS);
    } finally {
      for (const f of faults) f.remove();
    }
    const conflicts = injector.requestLog.count({ since, userAgent: 'rollouts-controller', code: 409 });
    expect(conflicts).toBeGreaterThanOrEqual(8);
    const uid = rolloutOf(env, 'dup-run')!.metadata.uid;
    const runs = ownedBy<Owned>(Resources.analysisRuns, 'Rollout', 'dup-run', uid);
    expect(runs.map((r) => [r.metadata.labels?.['step-index'], r.status?.phase])).toEqual([['0', 'Successful']]);
  });

  test('one Experiment for the experiment step, one AnalysisRun for its analysis, and the rollout completes', async () => {
    const steps = [{ experiment: { duration: '1s', scaleDownDelaySeconds: 0, templates: [{ name: 'preview', specRef: 'canary', replicas: 1 }], analyses: [{ name: 'check', templateName: 'pass' }] } }, { setWeight: 50 }];
    const first = await deploy(env, canaryRollout('dup-exp', steps, { replicas: 2 }), ['dup-exp-canary', 'dup-exp-stable']);
    const injector = env.faults!;
    const since = injector.requestLog.mark();
    // The Rollout's status writes fail several times; so do the Experiment's (its status is written with the object).
    const faults = [injector.conflict({ resource: 'rollouts', subresource: 'status', times: 8 }), injector.conflict({ resource: 'experiments', times: 4 })];
    try {
      await setImage(env, 'dup-exp', 'demo:2');
      const done = await waitHealthy(env, 'dup-exp', 30_000);
      expect(done.status!.stableRS).not.toBe(first.status!.stableRS);
    } finally {
      for (const f of faults) f.remove();
    }
    expect(injector.requestLog.count({ since, userAgent: 'rollouts-controller', code: 409 })).toBeGreaterThanOrEqual(8);
    const uid = rolloutOf(env, 'dup-exp')!.metadata.uid;
    const experiments = ownedBy<Owned>(Resources.experiments, 'Rollout', 'dup-exp', uid);
    expect(experiments.map((x) => x.status?.phase)).toEqual(['Successful']);
    const runs = ownedBy<Owned>(Resources.analysisRuns, 'Experiment', experiments[0]!.metadata.name);
    expect(runs.map((r) => r.status?.phase)).toEqual(['Successful']);
  });

  test('ReplicaSets are adopted by template equality: one per revision', async () => {
    const uid = rolloutOf(env, 'dup-exp')!.metadata.uid;
    const ownedRs = env.api.list<Owned>(Resources.replicaSets).filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.kind === 'Rollout' && r.uid === uid));
    expect(ownedRs).toHaveLength(2);
  });
});
