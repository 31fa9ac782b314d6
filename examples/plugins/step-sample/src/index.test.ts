import type { Rollout } from '@rollouts/api';
import type { KubeObject } from '@rollouts/plugin-sdk';
import { describeStepPluginConformance, FakeKubeObjectClient, fixedClock, silentLogger } from '@rollouts/plugin-sdk/testing';
import plugin, { NAME } from './index';

const gates: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'release-gates', namespace: 'default' }, data: { approved: 'true', verdict: 'no', pending: 'maybe' } };
const deps = () => ({ kube: new FakeKubeObjectClient([gates]), log: silentLogger, now: fixedClock().now, env: {} });
const rollout = { metadata: { name: 'shop', namespace: 'default' }, spec: {} } as unknown as Rollout;
const ctx = (status?: unknown) => ({ rollout, stepIndex: 1, signal: new AbortController().signal, now: 0, ...(status !== undefined ? { status } : {}) });

describeStepPluginConformance(NAME, async () => ({
  plugin,
  deps: deps(),
  config: { configMap: 'release-gates', key: 'approved' },
  unreachableConfig: { configMap: 'no-such-configmap', key: 'approved' },
  invalidConfig: { value: { configMap: 'release-gates' }, path: 'config.key' },
}));

describe(NAME, () => {
  const run = (config: Record<string, unknown>, status?: unknown) => plugin.make(deps())(config as never).run(ctx(status))();

  it('Successful on the pass value, Failed on the fail value, Running otherwise, counting its looks', async () => {
    expect(await run({ configMap: 'release-gates', key: 'approved' })).toMatchObject({ _tag: 'Right', right: { phase: 'Successful', status: { checks: 1, lastValue: 'true' } } });
    expect(await run({ configMap: 'release-gates', key: 'verdict', pass: 'yes', fail: 'no' })).toMatchObject({ _tag: 'Right', right: { phase: 'Failed', message: expect.stringContaining('"no"') } });
    expect(await run({ configMap: 'release-gates', key: 'pending', pollSeconds: 15 }, { checks: 4 })).toMatchObject({
      _tag: 'Right',
      right: { phase: 'Running', requeueAfterMs: 15_000, status: { checks: 5, lastValue: 'maybe' }, message: expect.stringContaining('waiting for "true"') },
    });
    expect(await run({ configMap: 'release-gates', key: 'absent' })).toMatchObject({ _tag: 'Right', right: { phase: 'Running', message: 'waiting for key "absent" in ConfigMap default/release-gates' } });
  });

  it('a missing ConfigMap is KubeNotFound naming it', async () => {
    expect(await run({ configMap: 'gone', key: 'k' })).toMatchObject({ _tag: 'Left', left: { _tag: 'KubeNotFound', message: expect.stringContaining('ConfigMap default/gone does not exist') } });
  });
});
