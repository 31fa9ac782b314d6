import * as E from 'fp-ts/lib/Either';
import type { AmbassadorTrafficRouting, Rollout } from '@rollouts/api';
import { routerCapabilities, type KubeObject, type RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, FakeKubeObjectClient, silentLogger } from '@rollouts/plugin-sdk/testing';
import { ambassadorRouter, type MappingApiVersion } from './AmbassadorRouter';

const rollout: Rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'echo', namespace: 'ns', uid: 'ro-uid' }, spec: { strategy: { canary: { trafficRouting: { ambassador: { mappings: ['echo'] } } } } } };
const ctx: RoutingContext = { rollout, namespace: 'ns', canaryService: 'echo-canary', stableService: 'echo-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal };
const owner = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'echo', uid: 'ro-uid', controller: true, blockOwnerDeletion: true };

const mapping = (name: string, spec: Record<string, unknown>, apiVersion: MappingApiVersion = 'getambassador.io/v2', metadata: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind: 'Mapping',
  metadata: { name, namespace: 'ns', labels: { 'app.kubernetes.io/instance': 'echo' }, annotations: { note: 'base' }, ...metadata },
  spec,
});
const echo = (apiVersion?: MappingApiVersion) => mapping('echo', { prefix: '/echo', rewrite: '/echo', resolver: 'endpoint', service: 'echo-stable:80' }, apiVersion);

function world(objects: KubeObject[], config: AmbassadorTrafficRouting = { mappings: ['echo'] }, apiVersion?: MappingApiVersion) {
  const kube = new FakeKubeObjectClient(objects);
  const router = ambassadorRouter(apiVersion !== undefined ? { apiVersion } : {}).make({ kube, log: silentLogger, now: () => 0 })(config);
  return { kube, router };
}
const find = (kube: FakeKubeObjectClient, name = 'echo-canary', apiVersion: MappingApiVersion = 'getambassador.io/v2') => kube.find({ apiVersion, kind: 'Mapping', namespace: 'ns', name });
const writes = (kube: FakeKubeObjectClient) => kube.calls.filter((c) => c.verb !== 'get' && c.verb !== 'list').map((c) => `${c.verb} ${c.ref.split('|').pop() ?? ''}`);
async function ok(t: () => Promise<E.Either<unknown, unknown>>): Promise<void> {
  const r = await t();
  if (E.isLeft(r)) throw new Error(`expected success: ${JSON.stringify(r.left)}`);
}

describe('ambassador router', () => {
  it.each<[MappingApiVersion | undefined, MappingApiVersion]>([
    [undefined, 'getambassador.io/v2'],
    ['getambassador.io/v3alpha1', 'getambassador.io/v3alpha1'],
  ])('apiVersion %s: creates <base>-canary in %s, owned by the Rollout, without the base labels and annotations', async (option, apiVersion) => {
    const { kube, router } = world([echo(apiVersion)], undefined, option);
    await ok(router.setWeight(ctx, 30, []));
    expect(find(kube, 'echo-canary', apiVersion)).toEqual({
      apiVersion,
      kind: 'Mapping',
      metadata: { name: 'echo-canary', namespace: 'ns', ownerReferences: [owner], resourceVersion: expect.any(String) },
      spec: { prefix: '/echo', rewrite: '/echo', resolver: 'endpoint', service: 'echo-canary:80', weight: 30 },
    });
    // The base Mapping is read, never written.
    expect(find(kube, 'echo', apiVersion)).toEqual({ ...echo(apiVersion), metadata: { ...echo(apiVersion).metadata, resourceVersion: expect.any(String) } });
  });

  it('later weights update the canary; equal weights write nothing; weight 0 drains it and keeps it', async () => {
    const { kube, router } = world([echo()]);
    for (const w of [30, 30, 60, 100, 0, 0]) await ok(router.setWeight(ctx, w, []));
    expect(writes(kube)).toEqual(['create echo-canary', 'update echo-canary', 'update echo-canary', 'update echo-canary']);
    expect(find(kube)?.['spec']).toMatchObject({ service: 'echo-canary:80', weight: 0 });
  });

  it('weight 0 without a canary Mapping does nothing, and needs neither the base Mapping nor the Rollout uid', async () => {
    const { kube, router } = world([]);
    await ok(router.setWeight(ctx, 0, []));
    const noUid = { ...ctx, rollout: { ...rollout, metadata: { name: 'echo', namespace: 'ns' } } };
    await ok(router.setWeight(noUid, 0, []));
    expect(writes(kube)).toEqual([]);
    expect(await router.setWeight(noUid, 10, [])()).toMatchObject({ left: { _tag: 'RouterMisconfigured', message: 'the Rollout has no metadata.uid to own its canary Mappings' } });
  });

  it('the canary follows changes of the base spec on its next weight', async () => {
    const { kube, router } = world([echo()]);
    await ok(router.setWeight(ctx, 30, []));
    const base = find(kube, 'echo')!;
    kube.put({ ...base, spec: { ...(base['spec'] as object), prefix: '/echo/v2', timeout_ms: 5000 } });
    await ok(router.setWeight(ctx, 60, []));
    expect(find(kube)?.['spec']).toEqual({ prefix: '/echo/v2', rewrite: '/echo', resolver: 'endpoint', service: 'echo-canary:80', timeout_ms: 5000, weight: 60 });
  });

  it('one canary per base Mapping; every failing one is reported, the others still written', async () => {
    const api = mapping('api', { prefix: '/api', service: 'echo-stable.ns:8080' });
    const { kube, router } = world([echo(), api], { mappings: ['echo', 'missing', 'api', 'weighted'] });
    kube.put(mapping('weighted', { prefix: '/w', service: 'echo-stable', weight: 10 }));
    const r = await router.setWeight(ctx, 20, [])();
    expect(r).toMatchObject({
      left: {
        _tag: 'RouterMisconfigured',
        message: '2 errors found: [Ambassador Mapping `missing` (getambassador.io/v2) was not found in namespace ns][Ambassador Mapping `weighted`: spec.weight is 10: the base Mapping can not define weight (the canary Mapping takes its share)]',
        path: 'spec.strategy.canary.trafficRouting.ambassador.mappings[1]',
      },
    });
    expect(find(kube, 'echo-canary')?.['spec']).toMatchObject({ weight: 20 });
    expect(find(kube, 'api-canary')?.['spec']).toEqual({ prefix: '/api', service: 'echo-canary.ns:8080', weight: 20 });
    expect(find(kube, 'weighted-canary')).toBeUndefined();
  });

  it('a base Mapping that does not route to the stable Service is RouterMisconfigured naming it', async () => {
    const { router } = world([mapping('echo', { prefix: '/', service: 'echo:80' })]);
    expect(await router.setWeight(ctx, 20, [])()).toMatchObject({ left: { _tag: 'RouterMisconfigured', message: expect.stringContaining('spec.service `echo:80` does not route to the stable Service `echo-stable`') } });
  });

  it('adopts a canary Mapping left without an owner (as upstream creates them)', async () => {
    const { kube, router } = world([echo(), mapping('echo-canary', { prefix: '/echo', rewrite: '/echo', resolver: 'endpoint', service: 'echo-canary:80', weight: 0 }, undefined, { labels: undefined, annotations: undefined })]);
    await ok(router.setWeight(ctx, 0, []));
    expect(find(kube)?.metadata.ownerReferences).toEqual([owner]);
    await ok(router.setWeight(ctx, 40, []));
    expect(find(kube)?.['spec']).toMatchObject({ weight: 40 });
  });

  it('refuses a canary Mapping controlled by another object, writing nothing', async () => {
    const other = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'other', uid: 'other-uid', controller: true };
    const { kube, router } = world([echo(), mapping('echo-canary', { prefix: '/', service: 'x', weight: 5 }, undefined, { ownerReferences: [other] })]);
    expect(await router.setWeight(ctx, 20, [])()).toMatchObject({ left: { _tag: 'RouterMisconfigured', message: 'canary Mapping `echo-canary` is controlled by Rollout `other`, not by this Rollout' } });
    expect(writes(kube)).toEqual([]);
    await ok(router.release!(ctx));
    expect(find(kube)).toBeDefined();
  });

  it('release deletes the canary Mappings (base Mappings take all traffic), and succeeds when they are gone', async () => {
    const { kube, router } = world([echo()]);
    await ok(router.setWeight(ctx, 50, []));
    await ok(router.release!(ctx));
    expect(find(kube)).toBeUndefined();
    expect(find(kube, 'echo')).toBeDefined();
    await ok(router.release!(ctx));
  });

  it('experiment destinations are PluginUnsupported naming their Services; an empty mappings list is PluginConfigInvalid', async () => {
    const { kube, router } = world([echo()]);
    expect(await router.setWeight(ctx, 20, [{ serviceName: 'exp-a', podTemplateHash: 'a', weight: 10 }])()).toMatchObject({ left: { _tag: 'PluginUnsupported', message: expect.stringContaining('exp-a') } });
    expect(writes(kube)).toEqual([]);
    expect(await world([], { mappings: [] }).router.setWeight(ctx, 20, [])()).toMatchObject({ left: { _tag: 'PluginConfigInvalid', path: 'spec.strategy.canary.trafficRouting.ambassador.mappings' } });
  });

  it('a conflict on the canary update is a retryable KubeConflict', async () => {
    const { kube, router } = world([echo()]);
    await ok(router.setWeight(ctx, 10, []));
    const real = kube.get.bind(kube);
    kube.get = (ref) => async () => {
      const got = await real(ref)();
      const o = kube.find(ref);
      if (o !== undefined && o.metadata.name === 'echo-canary') kube.put({ ...o, metadata: { ...o.metadata, labels: { touched: 'yes' } } });
      return got;
    };
    expect(await router.setWeight(ctx, 20, [])()).toMatchObject({ left: { _tag: 'KubeConflict', retryable: true } });
  });

  it('has no header, mirror or verify capability, so such steps are InvalidSpec in the controller', () => {
    expect(routerCapabilities(world([]).router)).toEqual([]);
  });
});

describeRouterConformance('ambassador (FakeKubeObjectClient)', async () => {
  const neighbour = mapping('api', { prefix: '/api', service: 'api:80' });
  const { kube, router } = world([echo(), neighbour]);
  return {
    router,
    ctx,
    kube,
    foreignObjects: [echo(), neighbour].map((o) => find(kube, o.metadata.name)!),
    readWeight: async () => ((find(kube)?.['spec'] as { weight?: number } | undefined)?.weight ?? 0),
    removeBackend: async () => {
      await kube.delete({ apiVersion: 'getambassador.io/v2', kind: 'Mapping', namespace: 'ns', name: 'echo' })();
    },
  };
});
