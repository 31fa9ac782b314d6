/**
 * End-to-end: canary plugin steps (`steps[].plugin`) through the controller, with the sample step plugin of
 * examples/plugins/step-sample (`sample/configmap-gate`: a step that waits until a ConfigMap key says go or no-go)
 * registered with `createController({ stepPlugins })`. The scenarios are Argo's step-plugin e2e suite: a Rollout
 * completes when its plugin steps are Successful, aborts when one Fails (the steps that ran are aborted, latest
 * first), retries a step in Error until it succeeds, and a promote-full terminates a running step; an unknown
 * plugin is InvalidSpec, a disabled one is skipped. `status.canary.stepPluginStatuses` is checked as Argo's e2e
 * checks it (index, name, operation, phase), plus what the plugin kept in `status`.
 * Backoffs are shortened (stepPluginTiming) so that the suite runs in seconds.
 */
import type { ResourceKind } from '@rollouts/k8s';
import stepSample from '../../../examples/plugins/step-sample/src/index';
import { abort, canaryRollout, CONTROLLER_AUTH, deploy, promoteFull, RBAC_NAMESPACE, Resources, retryRollout, rolloutOf, serverSideApply, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(90_000);

const GATE = 'sample/configmap-gate';
type Applied = Parameters<typeof serverSideApply>[1];
const CONFIG_MAPS: ResourceKind = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

interface Entry {
  readonly index?: number;
  readonly name?: string;
  readonly operation?: string;
  readonly phase?: string;
  readonly message?: string;
  readonly executions?: number;
  readonly backoff?: string;
  readonly startedAt?: string;
  readonly updatedAt?: string;
  readonly finishedAt?: string;
  readonly status?: { readonly checks?: number; readonly lastValue?: string };
}

const entriesOf = (env: Env, name: string): Entry[] => ((rolloutOf(env, name)?.status as { canary?: { stepPluginStatuses?: Entry[] } } | undefined)?.canary?.stepPluginStatuses ?? []) as Entry[];
const summary = (es: ReadonlyArray<Entry>) => es.map((e) => `${e.operation} ${e.index} ${e.name} ${e.phase}`);
const gate = (configMap: string, key: string, extra: Record<string, unknown> = {}) => ({ plugin: { name: GATE, config: { configMap, key, ...extra } } });

describe('step plugins (sample/configmap-gate)', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv({
      readinessDelayMs: 20,
      controller: { stepPlugins: [stepSample], disabledStepPlugins: ['sample/off'], stepPluginTiming: { runningBackoffMs: 300, minRequeueMs: 200, errorBackoffMs: 400 }, routerTimeoutMs: 5_000 },
    });
    // The gate reads ConfigMaps, which install.yaml's ClusterRole does not grant (a plugin's own reads are its
    // installer's to grant, as with Argo): with the install's ServiceAccount, the test grants them as a user would.
    if (CONTROLLER_AUTH === 'serviceaccount') {
      await serverSideApply(env.http, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'rollouts-step-sample' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } as unknown as Applied);
      await serverSideApply(env.http, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'rollouts-step-sample' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rollouts-step-sample' },
        subjects: [{ kind: 'ServiceAccount', name: 'rollouts-controller', namespace: RBAC_NAMESPACE }],
      } as unknown as Applied);
    }
    await env.api.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gates' }, data: { go: 'true', nogo: 'no' } });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('CompletesWhenStepSuccessful: the update waits at a Running gate and completes once both plugin steps are Successful', async () => {
    const name = 'sp-ok';
    await env.api.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-gates` }, data: {} });
    await deploy(env, canaryRollout(name, [gate('gates', 'go'), { setWeight: 50 }, gate(`${name}-gates`, 'approved')]), [`${name}-stable`, `${name}-canary`]);
    await setImage(env, name, 'demo:2');
    await waitFor('the second gate Running and run again', () => {
      const e = entriesOf(env, name)[1];
      return e?.phase === 'Running' && (e.executions ?? 0) >= 2 ? e : undefined;
    }, 20_000, () => entriesOf(env, name));
    const waiting = rolloutOf(env, name)!;
    expect(waiting.status?.phase).toBe('Progressing');
    expect(waiting.status?.currentStepIndex).toBe(2);
    expect(entriesOf(env, name)[1]).toMatchObject({ index: 2, name: GATE, operation: 'Run', phase: 'Running', message: expect.stringContaining('waiting for key "approved"'), status: { checks: expect.any(Number) } });
    await env.api.patch(CONFIG_MAPS, `${name}-gates`, { data: { approved: 'true' } });
    const done = await waitHealthy(env, name, 20_000);
    expect(done.status?.currentStepIndex).toBe(3);
    const es = entriesOf(env, name);
    expect(summary(es)).toEqual([`Run 0 ${GATE} Successful`, `Run 2 ${GATE} Successful`]);
    expect(es[1]).toMatchObject({ message: expect.stringContaining('key "approved" is "true"'), status: { lastValue: 'true' } });
    expect(es[1]!.executions).toBeGreaterThanOrEqual(3);
    for (const e of es) for (const field of ['startedAt', 'updatedAt', 'finishedAt'] as const) expect(e[field]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // StatusIsNotUsedOnNewRollout: the next update starts from no entries (its own gate runs again).
    await env.api.patch(Resources.rollouts, name, { spec: { strategy: { canary: { steps: [gate('gates', 'go')] } } } });
    await setImage(env, name, 'demo:3');
    await waitHealthy(env, name, 20_000);
    expect(summary(entriesOf(env, name))).toEqual([`Run 0 ${GATE} Successful`]);
  });

  it('AbortWhenStepFails: a Failed gate aborts the update, the stable keeps serving and the gate before it is aborted; RetryAbortedRollout', async () => {
    const name = 'sp-fail';
    const first = await deploy(env, canaryRollout(name, [gate('gates', 'go'), gate('gates', 'nogo', { pass: 'yes', fail: 'no' })]), [`${name}-stable`, `${name}-canary`]);
    await setImage(env, name, 'demo:2');
    const aborted = await waitStatus(env, name, 'aborted with the abort entry', (s) => s.phase === 'Degraded' && s.abort === true && entriesOf(env, name).length === 3, 20_000);
    expect(aborted.status?.stableRS).toBe(first.status?.stableRS);
    expect(aborted.status?.message).toContain(`Step plugin ${GATE} at step 2 failed: ConfigMap ${env.ns}/gates key "nogo" is "no"`);
    const es = entriesOf(env, name);
    expect(summary(es)).toEqual([`Run 0 ${GATE} Successful`, `Run 1 ${GATE} Failed`, `Abort 0 ${GATE} Successful`]);
    expect(es[2]!.message).toContain('nothing to undo');

    // RetryAbortedRollout: once the gate says go, a retry runs both gates again from clean entries and completes.
    await env.api.patch(CONFIG_MAPS, 'gates', { data: { nogo: 'yes' } });
    await retryRollout(env, name);
    await waitHealthy(env, name, 20_000);
    expect(summary(entriesOf(env, name))).toEqual([`Run 0 ${GATE} Successful`, `Run 1 ${GATE} Successful`]);
    await env.api.patch(CONFIG_MAPS, 'gates', { data: { nogo: 'no' } });
  });

  it('RetriesWhenError: a gate whose ConfigMap is missing is Error with the reason, retried after its backoff, and passes once the ConfigMap exists', async () => {
    const name = 'sp-error';
    await deploy(env, canaryRollout(name, [gate(`${name}-gates`, 'go')]), [`${name}-stable`, `${name}-canary`]);
    await setImage(env, name, 'demo:2');
    const retried = await waitFor('the gate retried in Error', () => {
      const e = entriesOf(env, name)[0];
      return e?.phase === 'Error' && (e.executions ?? 0) >= 2 ? e : undefined;
    }, 20_000, () => entriesOf(env, name));
    expect(retried).toMatchObject({ index: 0, operation: 'Run', backoff: '400ms', message: `${GATE}: ConfigMap ${env.ns}/${name}-gates does not exist` });
    expect(rolloutOf(env, name)?.status?.abort).toBeUndefined();
    await env.api.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-gates` }, data: { go: 'true' } });
    await waitHealthy(env, name, 20_000);
    expect(summary(entriesOf(env, name))).toEqual([`Run 0 ${GATE} Successful`]);
  });

  it('CompletesWhenPromotedAndStepRunning: promote-full terminates the running gate and the update completes', async () => {
    const name = 'sp-promote';
    await deploy(env, canaryRollout(name, [gate('gates', 'go'), gate('gates', 'never')]), [`${name}-stable`, `${name}-canary`]);
    await setImage(env, name, 'demo:2');
    await waitFor('the second gate Running', () => entriesOf(env, name)[1]?.phase === 'Running', 20_000, () => entriesOf(env, name));
    await promoteFull(env, name);
    await waitHealthy(env, name, 20_000);
    const es = await waitFor('the terminate entry', () => (entriesOf(env, name).length === 3 ? entriesOf(env, name) : undefined), 10_000, () => entriesOf(env, name));
    expect(summary(es)).toEqual([`Run 0 ${GATE} Successful`, `Run 1 ${GATE} Running`, `Terminate 1 ${GATE} Successful`]);
  });

  it('AbortStepsWhenAborted: an abort during a running gate aborts it and the gate before it, latest first', async () => {
    const name = 'sp-abort';
    await deploy(env, canaryRollout(name, [gate('gates', 'go'), gate('gates', 'never')]), [`${name}-stable`, `${name}-canary`]);
    await setImage(env, name, 'demo:2');
    await waitFor('the second gate Running', () => entriesOf(env, name)[1]?.phase === 'Running', 20_000, () => entriesOf(env, name));
    await abort(env, name);
    await waitStatus(env, name, 'aborted, both gates aborted', (s) => s.phase === 'Degraded' && entriesOf(env, name).length === 4, 20_000);
    expect(summary(entriesOf(env, name))).toEqual([`Run 0 ${GATE} Successful`, `Run 1 ${GATE} Running`, `Abort 1 ${GATE} Successful`, `Abort 0 ${GATE} Successful`]);
  });

  it('ErrorWhenStepPluginNotConfigured: an unknown plugin is InvalidSpec naming the step; SkipPluginWhenDisabled: a disabled one is skipped', async () => {
    const name = 'sp-unknown';
    const first = await deploy(env, canaryRollout(name, [gate('gates', 'go')]), [`${name}-stable`, `${name}-canary`]);
    await env.api.patch(Resources.rollouts, name, { spec: { strategy: { canary: { steps: [{ plugin: { name: 'acme/unknown', config: {} } }] } } } });
    await setImage(env, name, 'demo:2');
    const invalid = await waitStatus(env, name, 'InvalidSpec', (s) => s.phase === 'Degraded', 15_000);
    expect(invalid.status?.message).toContain('spec.strategy.canary.steps[0].plugin.name: Invalid value: "acme/unknown": step plugin "acme/unknown" is not configured in this controller');
    expect(invalid.status?.stableRS).toBe(first.status?.stableRS);
    expect(entriesOf(env, name)).toEqual([]);

    const skip = 'sp-disabled';
    await deploy(env, canaryRollout(skip, [{ plugin: { name: 'sample/off', config: {} } }, gate('gates', 'go')]), [`${skip}-stable`, `${skip}-canary`]);
    await setImage(env, skip, 'demo:2');
    await waitHealthy(env, skip, 20_000);
    expect(summary(entriesOf(env, skip))).toEqual([`Run 1 ${GATE} Successful`]);
  });
});
