import * as E from 'fp-ts/lib/Either';
import type { Rollout, TraefikTrafficRouting } from '@rollouts/api';
import { routerCapabilities, type KubeObject, type RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, FakeKubeObjectClient, silentLogger } from '@rollouts/plugin-sdk/testing';
import { traefikRouter, type TraefikApiGroup } from './TraefikRouter';

const rollout: Rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'ns', uid: 'ro-uid' }, spec: { strategy: { canary: { trafficRouting: { traefik: { weightedTraefikServiceName: 'web-ts' } } } } } };
const ctx: RoutingContext = { rollout, namespace: 'ns', canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal };

const traefikService = (services: unknown[], group: TraefikApiGroup = 'traefik.io', name = 'web-ts'): KubeObject => ({
  apiVersion: `${group}/v1alpha1`,
  kind: 'TraefikService',
  metadata: { name, namespace: 'ns', labels: { team: 'web' } },
  spec: { weighted: { services, sticky: { cookie: { name: 'lb' } } } },
});
const standard = () => [
  { name: 'web-stable', port: 80 },
  { name: 'web-canary', port: 80 },
];

function world(objects: KubeObject[], config: TraefikTrafficRouting = { weightedTraefikServiceName: 'web-ts' }, group?: TraefikApiGroup) {
  const kube = new FakeKubeObjectClient(objects);
  const router = traefikRouter(group !== undefined ? { apiGroup: group } : {}).make({ kube, log: silentLogger, now: () => 0 })(config);
  return { kube, router };
}
const spec = (kube: FakeKubeObjectClient, group: TraefikApiGroup = 'traefik.io', name = 'web-ts') => kube.find({ apiVersion: `${group}/v1alpha1`, kind: 'TraefikService', namespace: 'ns', name })?.['spec'];
async function ok(t: () => Promise<E.Either<unknown, unknown>>): Promise<void> {
  const r = await t();
  if (E.isLeft(r)) throw new Error(`expected success: ${JSON.stringify(r.left)}`);
}

describe('traefik router', () => {
  it.each<[TraefikApiGroup | undefined, TraefikApiGroup]>([
    [undefined, 'traefik.io'],
    ['traefik.io', 'traefik.io'],
    ['traefik.containo.us', 'traefik.containo.us'],
  ])('apiGroup %s: sets canary and stable weights in %s, keeping every other field', async (option, group) => {
    const { kube, router } = world([traefikService(standard(), group)], undefined, option);
    await ok(router.setWeight(ctx, 30, []));
    expect(spec(kube, group)).toEqual({
      weighted: {
        services: [
          { name: 'web-stable', port: 80, weight: 70 },
          { name: 'web-canary', port: 80, weight: 30 },
        ],
        sticky: { cookie: { name: 'lb' } },
      },
    });
    expect(kube.find({ apiVersion: `${group}/v1alpha1`, kind: 'TraefikService', namespace: 'ns', name: 'web-ts' })?.metadata.labels).toEqual({ team: 'web' });
  });

  it('leaves entries for other Services alone, and gives stable maxTrafficWeight minus the canary weight', async () => {
    const services = [{ name: 'web-canary', port: 'http' }, { name: 'legacy', port: 80, weight: 5 }, { name: 'web-stable', port: 'http', weight: 1 }];
    const { kube, router } = world([traefikService(services)]);
    await ok(router.setWeight({ ...ctx, maxWeight: 1000 }, 250, []));
    expect((spec(kube) as { weighted: { services: unknown[] } }).weighted.services).toEqual([
      { name: 'web-canary', port: 'http', weight: 250 },
      { name: 'legacy', port: 80, weight: 5 },
      { name: 'web-stable', port: 'http', weight: 750 },
    ]);
  });

  it('an entry of kind TraefikService or of another namespace with the same name is not the Service', async () => {
    const services = [{ name: 'web-canary', kind: 'TraefikService' }, { name: 'web-canary', namespace: 'other', port: 80 }, { name: 'web-stable', port: 80 }];
    const { router } = world([traefikService(services)]);
    expect(await router.setWeight(ctx, 10, [])()).toMatchObject({ left: { _tag: 'RouterMisconfigured', message: expect.stringContaining('traefik canary service was not found') } });
  });

  it('accepts entries that name the Rollout namespace or kind Service explicitly', async () => {
    const services = [{ name: 'web-canary', namespace: 'ns', kind: 'Service', port: 80 }, { name: 'web-stable', kind: 'Service', port: 80 }];
    const { kube, router } = world([traefikService(services)]);
    await ok(router.setWeight(ctx, 40, []));
    expect((spec(kube) as { weighted: { services: Array<{ weight: number }> } }).weighted.services.map((s) => s.weight)).toEqual([40, 60]);
  });

  it('writes nothing when the weights are already there (one update for two equal calls)', async () => {
    const { kube, router } = world([traefikService(standard())]);
    await ok(router.setWeight(ctx, 10, []));
    await ok(router.setWeight(ctx, 10, []));
    expect(kube.calls.filter((c) => c.verb !== 'get').map((c) => c.verb)).toEqual(['update']);
  });

  it.each<[string, KubeObject[], TraefikTrafficRouting, string, string]>([
    ['the TraefikService is missing', [], { weightedTraefikServiceName: 'web-ts' }, 'TraefikService `web-ts` (traefik.io/v1alpha1) was not found in namespace ns', 'spec.strategy.canary.trafficRouting.traefik.weightedTraefikServiceName'],
    ['it is a mirroring TraefikService', [{ ...traefikService([]), spec: { mirroring: { name: 'web-stable' } } }], { weightedTraefikServiceName: 'web-ts' }, 'spec.weighted.services was not found', 'spec.weighted.services'],
    ['the stable entry is missing', [traefikService([{ name: 'web-canary' }])], { weightedTraefikServiceName: 'web-ts' }, 'traefik stable service was not found', 'spec.weighted.services'],
    ['the canary Service is listed twice', [traefikService([{ name: 'web-canary', port: 80 }, { name: 'web-stable' }, { name: 'web-canary', port: 81 }])], { weightedTraefikServiceName: 'web-ts' }, 'listed 2 times', 'spec.weighted.services[2]'],
  ])('%s: RouterMisconfigured naming the object and field, nothing written', async (_what, objects, config, message, path) => {
    const { kube, router } = world(objects, config);
    const r = await router.setWeight(ctx, 20, [])();
    expect(r).toMatchObject({ left: { _tag: 'RouterMisconfigured', retryable: false, message: expect.stringContaining(message), path } });
    expect(kube.calls.filter((c) => c.verb !== 'get')).toEqual([]);
  });

  it('an empty weightedTraefikServiceName is PluginConfigInvalid naming the field', async () => {
    const { router } = world([], { weightedTraefikServiceName: '' });
    expect(await router.setWeight(ctx, 20, [])()).toMatchObject({ left: { _tag: 'PluginConfigInvalid', path: 'spec.strategy.canary.trafficRouting.traefik.weightedTraefikServiceName' } });
  });

  it('experiment destinations are PluginUnsupported naming their Services, never silently dropped', async () => {
    const { kube, router } = world([traefikService(standard())]);
    const r = await router.setWeight(ctx, 20, [{ serviceName: 'exp-a', podTemplateHash: 'a', weight: 10 }])();
    expect(r).toMatchObject({ left: { _tag: 'PluginUnsupported', message: expect.stringContaining('exp-a') } });
    expect(kube.calls.filter((c) => c.verb !== 'get')).toEqual([]);
  });

  it('a stale resourceVersion is a retryable KubeConflict (the update carries the version it read)', async () => {
    const { kube, router } = world([traefikService(standard())]);
    const real = kube.get.bind(kube);
    // Someone writes the TraefikService between our read and our update.
    kube.get = (ref) => async () => {
      const got = await real(ref)();
      const o = kube.find(ref);
      if (o !== undefined) kube.put({ ...o, metadata: { ...o.metadata, labels: { changed: 'yes' } } });
      return got;
    };
    expect(await router.setWeight(ctx, 20, [])()).toMatchObject({ left: { _tag: 'KubeConflict', retryable: true } });
  });

  it('release puts all traffic on stable, and succeeds when the TraefikService is already gone', async () => {
    const { kube, router } = world([traefikService(standard())]);
    await ok(router.setWeight(ctx, 60, []));
    await ok(router.release!(ctx));
    expect((spec(kube) as { weighted: { services: Array<{ weight: number }> } }).weighted.services.map((s) => s.weight)).toEqual([100, 0]);
    await ok(world([]).router.release!(ctx));
  });

  it('has no header, mirror or verify capability, so such steps are InvalidSpec in the controller', () => {
    expect(routerCapabilities(world([]).router)).toEqual([]);
  });
});

describeRouterConformance('traefik (FakeKubeObjectClient)', async () => {
  const neighbour = traefikService([{ name: 'api-stable', port: 80, weight: 100 }], 'traefik.io', 'api-ts');
  const { kube, router } = world([traefikService(standard()), neighbour]);
  return {
    router,
    ctx,
    kube,
    foreignObjects: [neighbour],
    readWeight: async () => (spec(kube) as { weighted: { services: Array<{ name: string; weight?: number }> } } | undefined)?.weighted.services.find((s) => s.name === 'web-canary')?.weight,
    removeBackend: async () => {
      await kube.delete({ apiVersion: 'traefik.io/v1alpha1', kind: 'TraefikService', namespace: 'ns', name: 'web-ts' })();
    },
  };
});
