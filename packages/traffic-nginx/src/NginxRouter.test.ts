import * as E from 'fp-ts/lib/Either';
import type { NginxTrafficRouting, Rollout } from '@rollouts/api';
import { routerCapabilities, type KubeObject, type RoutingContext, type TrafficRouter } from '@rollouts/plugin-sdk';
import { describeRouterConformance, FakeKubeObjectClient } from '@rollouts/plugin-sdk/testing';
import { nginxRouter } from './NginxRouter';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const P = 'nginx.ingress.kubernetes.io';

function stableIngress(name: string, extra: { annotations?: Record<string, string>; className?: string } = {}): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'ns', annotations: extra.annotations ?? {} },
    spec: {
      ...(extra.className !== undefined ? { ingressClassName: extra.className } : {}),
      tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
      rules: [
        {
          host: 'web.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web-stable', port: { number: 80 } } } },
              { path: '/static', pathType: 'Prefix', backend: { service: { name: 'cdn', port: { number: 80 } } } },
            ],
          },
        },
        { host: 'other.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'other', port: { number: 80 } } } }] } },
      ],
    },
  };
}

function context(maxTrafficWeight?: number): RoutingContext {
  const rollout: Rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'ns', uid: 'ro-uid' },
    spec: { strategy: { canary: { trafficRouting: { nginx: { stableIngress: 'web' }, managedRoutes: [{ name: 'beta' }], ...(maxTrafficWeight !== undefined ? { maxTrafficWeight } : {}) } } } },
  };
  return { rollout, namespace: 'ns', canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: maxTrafficWeight ?? 100, signal: new AbortController().signal };
}

function world(config: NginxTrafficRouting = { stableIngress: 'web' }, objects: KubeObject[] = [stableIngress('web')]) {
  const kube = new FakeKubeObjectClient(objects);
  const router = nginxRouter.make({ kube, log: quiet, now: () => 0 })(config);
  return { kube, router };
}

const canaryRef = (name = 'web-web-canary') => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'ns', name });
async function ok(t: () => Promise<E.Either<unknown, unknown>>): Promise<void> {
  const r = await t();
  if (E.isLeft(r)) throw new Error(`expected success: ${JSON.stringify(r.left)}`);
}

describe('nginx router', () => {
  it('creates the canary Ingress from the stable one: owned, stable-backed rules switched to canary, TLS and class copied', async () => {
    const { kube, router } = world({ stableIngress: 'web' }, [stableIngress('web', { className: 'nginx', annotations: { 'kubernetes.io/ingress.class': 'nginx', team: 'a' } })]);
    const before = kube.find(canaryRef('web'));
    await ok(router.setWeight(context(), 30, []));
    const canary = kube.find(canaryRef())!;
    expect(canary.metadata.ownerReferences).toEqual([{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'ro-uid', controller: true, blockOwnerDeletion: true }]);
    expect(canary.metadata.annotations).toEqual({ 'kubernetes.io/ingress.class': 'nginx', [`${P}/canary`]: 'true', [`${P}/canary-weight`]: '30' });
    expect(canary.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
      rules: [
        {
          host: 'web.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web-canary', port: { number: 80 } } } },
              { path: '/static', pathType: 'Prefix', backend: { service: { name: 'cdn', port: { number: 80 } } } },
            ],
          },
        },
      ],
    });
    expect(kube.find(canaryRef('web'))).toEqual(before);
  });

  it.each<[string, NginxTrafficRouting, number | undefined, Record<string, string>]>([
    ['defaults', { stableIngress: 'web' }, undefined, { [`${P}/canary`]: 'true', [`${P}/canary-weight`]: '10' }],
    ['maxTrafficWeight adds canary-weight-total', { stableIngress: 'web' }, 1000, { [`${P}/canary`]: 'true', [`${P}/canary-weight`]: '10', [`${P}/canary-weight-total`]: '1000' }],
    ['annotationPrefix', { stableIngress: 'web', annotationPrefix: 'acme.io' }, undefined, { 'acme.io/canary': 'true', 'acme.io/canary-weight': '10' }],
    [
      'additional annotations are prefixed (unless already), canary annotations verbatim',
      { stableIngress: 'web', additionalIngressAnnotations: { 'canary-by-cookie': 'beta', [`${P}/x`]: 'y' }, canaryIngressAnnotations: { 'my.io/z': '1' } },
      undefined,
      { [`${P}/canary-by-cookie`]: 'beta', [`${P}/x`]: 'y', 'my.io/z': '1', [`${P}/canary`]: 'true', [`${P}/canary-weight`]: '10' },
    ],
  ])('annotations: %s', async (_what, config, max, annotations) => {
    const { kube, router } = world(config);
    await ok(router.setWeight(context(max), 10, []));
    expect(kube.find(canaryRef())!.metadata.annotations).toEqual(annotations);
  });

  it('keeps one canary Ingress per stable Ingress (stableIngresses)', async () => {
    const { kube, router } = world({ stableIngress: 'web', stableIngresses: ['web', 'web-internal'] }, [stableIngress('web'), stableIngress('web-internal')]);
    await ok(router.setWeight(context(), 40, []));
    expect(kube.all().filter((o) => o.metadata.name.endsWith('-canary')).map((o) => [o.metadata.name, o.metadata.annotations?.[`${P}/canary-weight`]])).toEqual([
      ['web-web-canary', '40'],
      ['web-web-internal-canary', '40'],
    ]);
  });

  it('patches only what changed, and writes nothing when nothing did', async () => {
    const { kube, router } = world();
    await ok(router.setWeight(context(), 10, []));
    await ok(router.setWeight(context(), 10, []));
    await ok(router.setWeight(context(), 20, []));
    expect(kube.calls.filter((c) => c.verb !== 'get').map((c) => c.verb)).toEqual(['create', 'patch']);
    expect(kube.find(canaryRef())!.metadata.annotations?.[`${P}/canary-weight`]).toBe('20');
  });

  it.each<[string, { exact?: string; regex?: string }, Record<string, string>]>([
    ['exact', { exact: 'yes' }, { [`${P}/canary-by-header`]: 'x-beta', [`${P}/canary-by-header-value`]: 'yes' }],
    ['regex', { regex: 'y.*' }, { [`${P}/canary-by-header`]: 'x-beta', [`${P}/canary-by-header-pattern`]: 'y.*' }],
  ])('header route (%s) through canary-by-header, kept by setWeight, cleared by removeManagedRoutes', async (_what, headerValue, expected) => {
    const { kube, router } = world();
    const ctx = context();
    await ok(router.setWeight(ctx, 0, []));
    await ok(router.setHeaderRoute!(ctx, { name: 'beta', match: [{ headerName: 'x-beta', headerValue }] }));
    await ok(router.setWeight(ctx, 20, []));
    expect(kube.find(canaryRef())!.metadata.annotations).toEqual({ [`${P}/canary`]: 'true', [`${P}/canary-weight`]: '20', 'argo-rollouts.argoproj.io/canary-header-route': 'beta', ...expected });
    await ok(router.removeManagedRoutes!(ctx));
    expect(kube.find(canaryRef())!.metadata.annotations).toEqual({ [`${P}/canary`]: 'true', [`${P}/canary-weight`]: '20' });
  });

  it.each<[string, Parameters<NonNullable<TrafficRouter['setHeaderRoute']>>[1], RegExp]>([
    ['a prefix match', { name: 'beta', match: [{ headerName: 'x', headerValue: { prefix: 'a' } }] }, /cannot match a header by prefix/],
    ['two headers', { name: 'beta', match: [{ headerName: 'x', headerValue: { exact: 'a' } }, { headerName: 'y', headerValue: { exact: 'b' } }] }, /exactly one header/],
  ])('refuses %s as PluginUnsupported', async (_what, route, message) => {
    const { router } = world();
    const r = await router.setHeaderRoute!(context(), route)();
    expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'PluginUnsupported', retryable: false, message: expect.stringMatching(message) } });
  });

  it('serves one header route at a time; removing another route leaves the active one', async () => {
    const { kube, router } = world();
    const ctx = context();
    await ok(router.setHeaderRoute!(ctx, { name: 'beta', match: [{ headerName: 'x-beta', headerValue: { exact: '1' } }] }));
    expect(await router.setHeaderRoute!(ctx, { name: 'gamma', match: [{ headerName: 'x-gamma', headerValue: { exact: '1' } }] })()).toMatchObject({ left: { _tag: 'PluginUnsupported' } });
    await ok(router.setHeaderRoute!(ctx, { name: 'gamma', match: [] }));
    expect(kube.find(canaryRef())!.metadata.annotations?.[`${P}/canary-by-header`]).toBe('x-beta');
    await ok(router.setHeaderRoute!(ctx, { name: 'beta', match: [] }));
    expect(kube.find(canaryRef())!.metadata.annotations?.[`${P}/canary-by-header`]).toBeUndefined();
  });

  it.each<[string, KubeObject[], string, RegExp]>([
    ['the stable Ingress is missing', [], 'KubeNotFound', /stable Ingress `web` not found/],
    [
      'no rule uses the stable Service',
      [{ ...stableIngress('web'), spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'other' } } }] } }] } }],
      'RouterMisconfigured',
      /ingress `web` has no rules using service web-stable backend/,
    ],
    [
      'the canary Ingress belongs to someone else',
      [stableIngress('web'), { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web-web-canary', namespace: 'ns', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'other', controller: true }] } }],
      'RouterMisconfigured',
      /canary ingress `web-web-canary` controlled by different object/,
    ],
  ])('fails with a value when %s', async (_what, objects, tag, message) => {
    const { router } = world({ stableIngress: 'web' }, objects);
    expect(await router.setWeight(context(), 10, [])()).toMatchObject({ _tag: 'Left', left: { _tag: tag, message: expect.stringMatching(message) } });
  });

  it('has no setMirrorRoute and no verifyWeight, so a setMirrorRoute step on nginx is InvalidSpec', () => {
    const { router } = world();
    expect(routerCapabilities(router)).toEqual(['setHeaderRoute']);
  });

  it('refuses a configuration without a stable Ingress at creation', () => {
    expect(() => world({})).toThrow(/needs stableIngress or stableIngresses/);
  });

  it('cuts the name prefix so the canary Ingress name fits in 253 characters', async () => {
    const long = 'i'.repeat(250);
    const { kube, router } = world({ stableIngress: long }, [stableIngress(long)]);
    await ok(router.setWeight(context(), 5, []));
    const names = kube.all().map((o) => o.metadata.name).filter((n) => n.endsWith('-canary'));
    expect(names).toEqual([`web-${'i'.repeat(242)}-canary`]);
    expect(names[0]!.length).toBe(253);
  });
});

describeRouterConformance('nginx (FakeKubeObjectClient)', async () => {
  const neighbour: KubeObject = { ...stableIngress('api'), metadata: { name: 'api', namespace: 'ns', annotations: { [`${P}/canary`]: 'true' } } };
  const { kube, router } = world({ stableIngress: 'web' }, [stableIngress('web'), neighbour]);
  return {
    router,
    ctx: context(),
    kube,
    foreignObjects: [stableIngress('web'), neighbour],
    readWeight: async () => {
      const w = kube.find(canaryRef())?.metadata.annotations?.[`${P}/canary-weight`];
      return w === undefined ? undefined : Number(w);
    },
    removeBackend: async () => {
      await kube.delete(canaryRef('web'))();
    },
  };
});
