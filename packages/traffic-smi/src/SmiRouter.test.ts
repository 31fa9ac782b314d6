import * as E from 'fp-ts/lib/Either';
import type { Rollout, SMITrafficRouting } from '@rollouts/api';
import { routerCapabilities, type KubeObject, type RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, FakeKubeObjectClient } from '@rollouts/plugin-sdk/testing';
import { smiRouter } from './SmiRouter';
import type { TrafficSplitApiVersion } from './TrafficSplit';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const rollout: Rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'ns', uid: 'ro-uid' }, spec: { strategy: { canary: { trafficRouting: { smi: {} } } } } };
const ctx: RoutingContext = { rollout, namespace: 'ns', canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal };

function world(config: SMITrafficRouting = {}, apiVersion?: TrafficSplitApiVersion, objects: KubeObject[] = []) {
  const kube = new FakeKubeObjectClient(objects);
  const router = smiRouter(apiVersion !== undefined ? { apiVersion } : {}).make({ kube, log: quiet, now: () => 0 })(config);
  return { kube, router };
}
const split = (kube: FakeKubeObjectClient, name = 'web', apiVersion = 'split.smi-spec.io/v1alpha1') => kube.find({ apiVersion, kind: 'TrafficSplit', namespace: 'ns', name });
async function ok(t: () => Promise<E.Either<unknown, unknown>>): Promise<void> {
  const r = await t();
  if (E.isLeft(r)) throw new Error(`expected success: ${JSON.stringify(r.left)}`);
}

describe('smi router', () => {
  it.each<[TrafficSplitApiVersion | undefined, string, unknown[]]>([
    [undefined, 'split.smi-spec.io/v1alpha1', ['30', '70']],
    ['split.smi-spec.io/v1alpha1', 'split.smi-spec.io/v1alpha1', ['30', '70']],
    ['split.smi-spec.io/v1alpha2', 'split.smi-spec.io/v1alpha2', [30, 70]],
    ['split.smi-spec.io/v1alpha3', 'split.smi-spec.io/v1alpha3', [30, 70]],
  ])('apiVersion %s writes %s with weights %j', async (option, apiVersion, weights) => {
    const { kube, router } = world({}, option);
    await ok(router.setWeight(ctx, 30, []));
    expect(split(kube, 'web', apiVersion)).toMatchObject({
      metadata: { name: 'web', namespace: 'ns', ownerReferences: [{ kind: 'Rollout', name: 'web', uid: 'ro-uid', controller: true }] },
      spec: { service: 'web-stable', backends: [{ service: 'web-canary', weight: weights[0] }, { service: 'web-stable', weight: weights[1] }] },
    });
  });

  it('honours trafficSplitName and rootService, and puts experiment destinations between canary and stable', async () => {
    const { kube, router } = world({ trafficSplitName: 'split', rootService: 'web' }, 'split.smi-spec.io/v1alpha2');
    await ok(router.setWeight(ctx, 20, [{ serviceName: 'exp-a', podTemplateHash: 'a', weight: 10 }, { serviceName: 'exp-b', podTemplateHash: 'b', weight: 5 }]));
    expect(split(kube, 'split', 'split.smi-spec.io/v1alpha2')?.['spec']).toEqual({
      service: 'web',
      backends: [
        { service: 'web-canary', weight: 20 },
        { service: 'exp-a', weight: 10 },
        { service: 'exp-b', weight: 5 },
        { service: 'web-stable', weight: 65 },
      ],
    });
  });

  it('writes nothing when the weights did not change', async () => {
    const { kube, router } = world();
    await ok(router.setWeight(ctx, 10, []));
    await ok(router.setWeight(ctx, 10, []));
    await ok(router.setWeight(ctx, 0, []));
    expect(kube.calls.filter((c) => c.verb !== 'get').map((c) => c.verb)).toEqual(['create', 'patch']);
  });

  it('refuses a TrafficSplit it does not own, as a value', async () => {
    const foreign: KubeObject = { apiVersion: 'split.smi-spec.io/v1alpha1', kind: 'TrafficSplit', metadata: { name: 'web', namespace: 'ns' }, spec: { service: 'x', backends: [] } };
    const { router } = world({}, undefined, [foreign]);
    expect(await router.setWeight(ctx, 10, [])()).toMatchObject({ left: { _tag: 'RouterMisconfigured', message: 'Rollout does not own TrafficSplit `web`' } });
  });

  it('v1alpha3: the HTTPRouteGroup matches of an owned TrafficSplit (an A/B test set up by hand) are kept; only service and backends are written', async () => {
    const owner = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'ro-uid', controller: true };
    const matches = [{ kind: 'HTTPRouteGroup', name: 'firefox-users', apiGroup: 'specs.smi-spec.io' }];
    const existing: KubeObject = {
      apiVersion: 'split.smi-spec.io/v1alpha3',
      kind: 'TrafficSplit',
      metadata: { name: 'web', namespace: 'ns', ownerReferences: [owner] },
      spec: { service: 'web-stable', matches, backends: [{ service: 'web-canary', weight: 0 }, { service: 'web-stable', weight: 100 }] },
    };
    const { kube, router } = world({}, 'split.smi-spec.io/v1alpha3', [existing]);
    await ok(router.setWeight(ctx, 40, []));
    expect(split(kube, 'web', 'split.smi-spec.io/v1alpha3')?.['spec']).toEqual({ service: 'web-stable', matches, backends: [{ service: 'web-canary', weight: 40 }, { service: 'web-stable', weight: 60 }] });
    expect(kube.calls.map((c) => c.verb)).toEqual(['get', 'patch']);
  });

  it('v1alpha1: weights are Quantity strings, so a split already at "40"/"60" is not written again', async () => {
    const owner = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'ro-uid', controller: true };
    const existing: KubeObject = {
      apiVersion: 'split.smi-spec.io/v1alpha1',
      kind: 'TrafficSplit',
      metadata: { name: 'web', namespace: 'ns', ownerReferences: [owner] },
      spec: { service: 'web-stable', backends: [{ service: 'web-canary', weight: '40' }, { service: 'web-stable', weight: '60' }] },
    };
    const { kube, router } = world({}, 'split.smi-spec.io/v1alpha1', [existing]);
    await ok(router.setWeight(ctx, 40, []));
    expect(kube.calls.map((c) => c.verb)).toEqual(['get']);
  });

  it('has no header, mirror or verify capability', () => {
    expect(routerCapabilities(world().router)).toEqual([]);
  });
});

describeRouterConformance('smi (FakeKubeObjectClient)', async () => {
  const neighbour: KubeObject = { apiVersion: 'split.smi-spec.io/v1alpha3', kind: 'TrafficSplit', metadata: { name: 'api', namespace: 'ns' }, spec: { service: 'api', backends: [{ service: 'api', weight: 100 }] } };
  const { kube, router } = world({}, 'split.smi-spec.io/v1alpha3', [neighbour]);
  return {
    router,
    ctx,
    kube,
    foreignObjects: [neighbour],
    readWeight: async () => (split(kube, 'web', 'split.smi-spec.io/v1alpha3')?.['spec'] as { backends: Array<{ weight: number }> } | undefined)?.backends[0]?.weight,
  };
});
