import * as E from 'fp-ts/lib/Either';
import { decode, type ApisixTrafficRouting, type Rollout } from '@rollouts/api';
import { routerCapabilities, type KubeObject, type RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, expectRight as ok, FakeKubeObjectClient, silentLogger } from '@rollouts/plugin-sdk/testing';
import { apisixRouter } from './ApisixRouter';
import { escapeRegex, headerExpr, selectedRuleNames } from './ApisixRouteRules';

const API = 'apisix.apache.org/v2';
const rolloutWith = (managedRoutes: string[] = []): Rollout => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'ns', uid: 'ro-uid' },
  spec: { strategy: { canary: { trafficRouting: { apisix: { route: { name: 'web-route' } }, managedRoutes: managedRoutes.map((name) => ({ name })) } } } },
});
const ctxWith = (managedRoutes: string[] = [], maxWeight = 100): RoutingContext => ({
  rollout: rolloutWith(managedRoutes),
  namespace: 'ns',
  canaryService: 'web-canary',
  stableService: 'web-stable',
  canaryPodHash: 'c',
  stablePodHash: 's',
  maxWeight,
  signal: new AbortController().signal,
});
const ctx = ctxWith(['hdr']);

const backend = (serviceName: string, weight?: number) => ({ serviceName, servicePort: 80, ...(weight !== undefined ? { weight } : {}) });
const rule = (name: string, backends: object[], extra: object = {}) => ({ name, match: { paths: ['/*'], hosts: ['web.local'] }, backends, ...extra });
const baseRoute = (http: object[]): KubeObject => ({ apiVersion: API, kind: 'ApisixRoute', metadata: { name: 'web-route', namespace: 'ns', labels: { team: 'web' } }, spec: { http } });

function world(config: ApisixTrafficRouting = { route: { name: 'web-route' } }, objects: KubeObject[] = [baseRoute([rule('web-route', [backend('web-stable'), backend('web-canary')])])]) {
  const kube = new FakeKubeObjectClient(objects);
  const router = apisixRouter.make({ kube, log: silentLogger, now: () => 0 })(config);
  const get = (name: string) => kube.find({ apiVersion: API, kind: 'ApisixRoute', namespace: 'ns', name });
  const http = (name = 'web-route') => (get(name)?.['spec'] as { http?: unknown[] } | undefined)?.http;
  return { kube, router, get, http };
}

describe('apisixRouter: configuration', () => {
  it('is the `apisix` kind, decoding route.name and route.rules', () => {
    expect(apisixRouter.kind).toBe('apisix');
    expect(decode(apisixRouter.configCodec, { route: { name: 'r', rules: ['a', 'b'] } })).toEqual(E.right({ route: { name: 'r', rules: ['a', 'b'] } }));
    const bad = decode(apisixRouter.configCodec, { route: { rules: 'a' } });
    expect(E.isLeft(bad) && bad.left.map((e) => e.path).join(' ')).toMatch(/route/);
  });

  it('can serve header routes but not mirror routes, nor verify weights', () => {
    expect(routerCapabilities(world().router)).toEqual(['setHeaderRoute']);
  });

  it('routes through the rule named like the route unless rules are listed', () => {
    expect(selectedRuleNames({ name: 'r' })).toEqual(['r']);
    expect(selectedRuleNames({ name: 'r', rules: [] })).toEqual(['r']);
    expect(selectedRuleNames({ name: 'r', rules: ['a', 'b'] })).toEqual(['a', 'b']);
  });
});

describe('apisixRouter: setWeight', () => {
  it('weighs canary and stable in the default rule, keeping other backends and rules as they are', async () => {
    const other = rule('other', [backend('web-stable', 7), backend('web-canary', 3)]);
    const { router, http } = world(undefined, [baseRoute([rule('web-route', [backend('web-stable'), backend('web-canary'), backend('legacy', 5)]), other])]);
    await ok(router.setWeight(ctx, 30, []));
    expect(http()).toEqual([rule('web-route', [backend('web-stable', 70), backend('web-canary', 30), backend('legacy', 5)]), other]);
  });

  it('weighs every listed rule', async () => {
    const { router, http } = world({ route: { name: 'web-route', rules: ['a', 'b'] } }, [
      baseRoute([rule('a', [backend('web-canary'), backend('web-stable')]), rule('keep', [backend('web-stable', 100)]), rule('b', [backend('web-stable'), backend('web-canary')])]),
    ]);
    await ok(router.setWeight(ctx, 40, []));
    expect(http()).toEqual([rule('a', [backend('web-canary', 40), backend('web-stable', 60)]), rule('keep', [backend('web-stable', 100)]), rule('b', [backend('web-stable', 60), backend('web-canary', 40)])]);
  });

  it('gives stable the rest of maxTrafficWeight (not of 100)', async () => {
    const { router, http } = world();
    await ok(router.setWeight(ctxWith([], 1000), 250, []));
    expect(http()).toEqual([rule('web-route', [backend('web-stable', 750), backend('web-canary', 250)])]);
  });

  it('writes nothing when the weights are already there', async () => {
    const { kube, router } = world();
    await ok(router.setWeight(ctx, 20, []));
    const writes = () => kube.calls.filter((c) => c.verb !== 'get').length;
    expect(writes()).toBe(1);
    await ok(router.setWeight(ctx, 20, []));
    expect(writes()).toBe(1);
  });

  it.each<[string, KubeObject[], ApisixTrafficRouting, RegExp]>([
    ['the route missing', [], { route: { name: 'web-route' } }, /ApisixRoute `web-route` not found in namespace `ns`/],
    ['a listed rule missing', [baseRoute([rule('web-route', [backend('web-stable'), backend('web-canary')])])], { route: { name: 'web-route', rules: ['nope'] } }, /no spec.http\[\] rule named `nope`/],
    ['the canary backend missing', [baseRoute([rule('web-route', [backend('web-stable')])])], { route: { name: 'web-route' } }, /canary backend `web-canary` was not found/],
    ['the stable backend missing', [baseRoute([rule('web-route', [backend('web-canary')])])], { route: { name: 'web-route' } }, /stable backend `web-stable` was not found/],
  ])('is RouterMisconfigured with %s', async (_what, objects, config, message) => {
    const { router } = world(config, objects);
    const r = await router.setWeight(ctx, 10, [])();
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: 'RouterMisconfigured', retryable: false, message: expect.stringMatching(message) })));
  });

  it('a Rollout without route.name is PluginConfigInvalid naming the field', async () => {
    const { router } = world({});
    expect(await router.setWeight(ctx, 10, [])()).toEqual(E.left(expect.objectContaining({ _tag: 'PluginConfigInvalid', path: 'spec.strategy.canary.trafficRouting.apisix.route.name' })));
  });

  it('experiment Services with a weight are PluginUnsupported (nothing written)', async () => {
    const { kube, router } = world();
    const r = await router.setWeight(ctx, 10, [{ serviceName: 'web-exp', podTemplateHash: 'e', weight: 5 }])();
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: 'PluginUnsupported', message: expect.stringContaining('web-exp') })));
    expect(kube.calls.filter((c) => c.verb !== 'get')).toEqual([]);
  });

  it('a concurrent edit is a retryable KubeConflict, not overwritten', async () => {
    const { kube, router } = world();
    const original = kube.update.bind(kube);
    kube.update = (o) => {
      kube.put(kube.find({ apiVersion: API, kind: 'ApisixRoute', namespace: 'ns', name: 'web-route' })!); // someone else writes first
      return original(o);
    };
    expect(await router.setWeight(ctx, 10, [])()).toEqual(E.left(expect.objectContaining({ _tag: 'KubeConflict', retryable: true })));
  });
});

describe('apisixRouter: header routes', () => {
  const step = (match: Array<{ headerName: string; headerValue: object }>) => ({ name: 'hdr', match });
  const hdrRule = (exprs: object[], extra: object = {}) => ({ name: 'web-route', match: { paths: ['/*'], hosts: ['web.local'], exprs }, backends: [backend('web-canary', 100)], priority: 1, ...extra });

  it('creates an ApisixRoute owned by the Rollout, sending requests with the headers to the canary', async () => {
    const { router, get, http } = world();
    await ok(router.setWeight(ctx, 20, []));
    await ok(router.setHeaderRoute!(ctx, step([{ headerName: 'trace', headerValue: { exact: 'debug' } }])));
    const hdr = get('hdr')!;
    expect(hdr.metadata).toMatchObject({ name: 'hdr', namespace: 'ns', ownerReferences: [{ kind: 'Rollout', name: 'web', uid: 'ro-uid', controller: true }] });
    // The base route's labels (a GitOps tool's tracking label among them) are not copied.
    expect(hdr.metadata.labels).toBeUndefined();
    expect(http('hdr')).toEqual([hdrRule([{ subject: { scope: 'Header', name: 'trace' }, op: 'Equal', value: 'debug' }])]);
    // The base route keeps its weights.
    expect(http()).toEqual([rule('web-route', [backend('web-stable', 80), backend('web-canary', 20)])]);
  });

  it('keeps only the selected rules, one priority above the base rule, without upstreams', async () => {
    const { router, http } = world({ route: { name: 'web-route', rules: ['b'] } }, [
      baseRoute([rule('a', [backend('web-stable'), backend('web-canary')]), rule('b', [backend('web-stable'), backend('web-canary')], { priority: 5, upstreams: [{ name: 'up' }], match: { paths: ['/b'], exprs: [{ subject: { scope: 'Query', name: 'q' }, op: 'Equal', value: '1' }] } })]),
    ]);
    await ok(router.setHeaderRoute!(ctx, step([{ headerName: 'x-a', headerValue: { regex: 'a+' } }, { headerName: 'x-b', headerValue: { prefix: 'v1.2' } }])));
    expect(http('hdr')).toEqual([
      {
        name: 'b',
        priority: 6,
        match: {
          paths: ['/b'],
          exprs: [
            { subject: { scope: 'Header', name: 'x-a' }, op: 'RegexMatch', value: 'a+' },
            { subject: { scope: 'Header', name: 'x-b' }, op: 'RegexMatch', value: '^v1\\.2.*' },
          ],
        },
        backends: [backend('web-canary', 100)],
      },
    ]);
  });

  it('escapes a prefix (upstream writes it unescaped, so `v1.2` also matched `v1x2`)', () => {
    expect(escapeRegex('a.b*c+(d)')).toBe('a\\.b\\*c\\+\\(d\\)');
    const e = headerExpr('h', { prefix: 'v1.2' }, 'p');
    expect(E.isRight(e) && new RegExp(e.right.value).test('v1x2')).toBe(false);
    expect(E.isRight(e) && new RegExp(e.right.value).test('v1.2.3')).toBe(true);
  });

  it('a header value with no exact/prefix/regex is PluginConfigInvalid naming the step field', async () => {
    const { router, get } = world();
    const r = await router.setHeaderRoute!(ctx, step([{ headerName: 'trace', headerValue: {} }]))();
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: 'PluginConfigInvalid', path: 'setHeaderRoute.match[0].headerValue', message: expect.stringContaining('trace') })));
    expect(get('hdr')).toBeUndefined();
  });

  it('is idempotent, updates when the match changes, and an empty match deletes it', async () => {
    const { kube, router, get, http } = world();
    await ok(router.setHeaderRoute!(ctx, step([{ headerName: 'trace', headerValue: { exact: 'debug' } }])));
    const writes = () => kube.calls.filter((c) => c.verb !== 'get').length;
    const after = writes();
    await ok(router.setHeaderRoute!(ctx, step([{ headerName: 'trace', headerValue: { exact: 'debug' } }])));
    expect(writes()).toBe(after);
    await ok(router.setHeaderRoute!(ctx, step([{ headerName: 'trace', headerValue: { exact: 'other' } }])));
    expect(http('hdr')).toEqual([hdrRule([{ subject: { scope: 'Header', name: 'trace' }, op: 'Equal', value: 'other' }])]);
    await ok(router.setHeaderRoute!(ctx, { name: 'hdr', match: [] }));
    expect(get('hdr')).toBeUndefined();
  });

  it('refuses to take over an ApisixRoute of that name it does not own', async () => {
    const theirs: KubeObject = { apiVersion: API, kind: 'ApisixRoute', metadata: { name: 'hdr', namespace: 'ns' }, spec: { http: [rule('x', [backend('x')])] } };
    const { router, get } = world(undefined, [baseRoute([rule('web-route', [backend('web-stable'), backend('web-canary')])]), theirs]);
    const r = await router.setHeaderRoute!(ctx, step([{ headerName: 'trace', headerValue: { exact: 'debug' } }]))();
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: 'RouterMisconfigured', message: expect.stringContaining('not owned by this Rollout') })));
    // Neither removeManagedRoutes nor release deletes it.
    await ok(router.removeManagedRoutes(ctx));
    await ok(router.release!(ctx));
    expect(get('hdr')?.['spec']).toEqual(theirs['spec']);
  });

  it('refuses a header route named like the base route', async () => {
    const { router } = world();
    const r = await router.setHeaderRoute!(ctx, { name: 'web-route', match: [{ headerName: 'a', headerValue: { exact: 'b' } }] })();
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: 'PluginConfigInvalid', path: 'setHeaderRoute.name' })));
  });

  it('removeManagedRoutes deletes the owned header routes named in managedRoutes, and only those', async () => {
    const { router, get } = world();
    await ok(router.setHeaderRoute!(ctx, step([{ headerName: 'trace', headerValue: { exact: 'debug' } }])));
    await ok(router.removeManagedRoutes(ctxWith([])));
    expect(get('hdr')).toBeDefined();
    await ok(router.removeManagedRoutes(ctx));
    expect(get('hdr')).toBeUndefined();
    expect(get('web-route')).toBeDefined();
  });
});

describe('apisixRouter: release (the Rollout was deleted)', () => {
  it('sends everything to stable and deletes the header routes', async () => {
    const { router, get, http } = world();
    await ok(router.setWeight(ctx, 60, []));
    await ok(router.setHeaderRoute!(ctx, { name: 'hdr', match: [{ headerName: 'trace', headerValue: { exact: 'debug' } }] }));
    await ok(router.release!(ctx));
    expect(http()).toEqual([rule('web-route', [backend('web-stable', 100), backend('web-canary', 0)])]);
    expect(get('hdr')).toBeUndefined();
  });

  it('succeeds when the ApisixRoute is already gone', async () => {
    const { router } = world(undefined, []);
    await ok(router.release!(ctx));
  });
});

describeRouterConformance('apisix (recorded-contract fake: FakeKubeObjectClient)', async () => {
  const neighbour: KubeObject = { apiVersion: API, kind: 'ApisixRoute', metadata: { name: 'neighbour', namespace: 'ns' }, spec: { http: [rule('n', [backend('web-stable', 1)])] } };
  const { kube, router, http } = world(undefined, [baseRoute([rule('web-route', [backend('web-stable'), backend('web-canary')])]), neighbour]);
  return {
    router,
    ctx: ctxWith(),
    kube,
    foreignObjects: [neighbour],
    readWeight: async () => (http() as Array<{ backends: Array<{ serviceName: string; weight?: number }> }> | undefined)?.[0]?.backends.find((b) => b.serviceName === 'web-canary')?.weight,
    removeBackend: async () => {
      await kube.delete({ apiVersion: API, kind: 'ApisixRoute', namespace: 'ns', name: 'web-route' })();
    },
  };
});
