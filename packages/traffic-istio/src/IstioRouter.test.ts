import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import fc from 'fast-check';
import type { IstioTrafficRouting, Rollout } from '@rollouts/api';
import type { AdditionalDestination, KubeObject, ObjectRef, PluginError, RoutingContext, TrafficRouter } from '@rollouts/plugin-sdk';
import { FakeKubeObjectClient, describeRouterConformance } from '@rollouts/plugin-sdk/testing';
import { createIstioRouterPlugin, istioRouter, percentWeights } from './IstioRouter';

const NS = 'shop';
const API = 'networking.istio.io/v1alpha3';
const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function ok<A>(t: TaskEither<PluginError, A>): Promise<A> {
  const r = await t();
  if (E.isLeft(r)) throw new Error(`expected success, got ${r.left._tag}: ${r.left.message}`);
  return r.right;
}
async function fails<A>(t: TaskEither<PluginError, A>): Promise<PluginError> {
  const r = await t();
  if (E.isRight(r)) throw new Error('expected a failure');
  return r.left;
}

const d = (host: string, weight: number, extra: Record<string, unknown> = {}) => ({ destination: { host, ...extra }, weight });
const port = { port: { number: 80 } };

function rollout(istio: IstioTrafficRouting, managed: string[] = ['header-1', 'mirror-1'], services = true): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: NS },
    spec: {
      strategy: {
        canary: {
          ...(services ? { canaryService: 'web-canary', stableService: 'web-stable' } : {}),
          trafficRouting: { istio, managedRoutes: managed.map((name) => ({ name })) },
        },
      },
    },
  } as unknown as Rollout;
}

function context(ro: Rollout, over: Partial<RoutingContext> = {}): RoutingContext {
  const c = ro.spec.strategy?.canary;
  return {
    rollout: ro,
    namespace: NS,
    canaryService: c?.canaryService ?? '',
    stableService: c?.stableService ?? '',
    canaryPodHash: 'new111',
    stablePodHash: 'old000',
    maxWeight: 100,
    signal: new AbortController().signal,
    ...over,
  };
}

const vs = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: API, kind: 'VirtualService', metadata: { name, namespace: NS }, spec });
const vsRef = (name: string): ObjectRef => ({ apiVersion: API, kind: 'VirtualService', namespace: NS, name });
const drRef: ObjectRef = { apiVersion: API, kind: 'DestinationRule', namespace: NS, name: 'web-dr' };

// Routes somebody else wrote around ours: they must never move or change.
const adminRoute = { name: 'admin', match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'admin' } }] };
const fallback = { name: 'fallback', route: [{ destination: { host: 'legacy' } }] };
const primary = (canary: number, stable: number) => ({ name: 'primary', route: [d('web-stable.shop.svc.cluster.local', stable, port), d('web-canary', canary, port)] });

function hostWorld(managed?: string[]) {
  const ro = rollout({ virtualService: { name: 'web-vs', routes: ['primary'] } }, managed);
  const kube = new FakeKubeObjectClient([vs('web-vs', { hosts: ['web.example.com'], gateways: ['gw'], http: [adminRoute, primary(0, 100), fallback] })]);
  const router = istioRouter.make({ kube, log, now: () => 0 })({ virtualService: { name: 'web-vs', routes: ['primary'] } });
  return { ro, kube, router, ctx: context(ro), http: () => (kube.find(vsRef('web-vs'))?.['spec'] as { http: unknown[] }).http };
}

async function weigh(router: TrafficRouter, ctx: RoutingContext, w: number, additional: AdditionalDestination[] = []) {
  if (router.updateHash !== undefined) await ok(router.updateHash(ctx, ctx.canaryPodHash, ctx.stablePodHash, additional));
  await ok(router.setWeight(ctx, w, additional));
}

const header = { name: 'header-1', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }, { headerName: 'x-beta', headerValue: { prefix: 'b' } }] };
const headerRoute = {
  name: 'header-1',
  match: [{ headers: { 'x-canary': { exact: 'yes' } } }, { headers: { 'x-beta': { prefix: 'b' } } }],
  route: [{ destination: { host: 'web-canary', port: { number: 80 } }, weight: 100 }],
};
const mirror = { name: 'mirror-1', match: [{ method: { exact: 'GET' }, path: { prefix: '/api' }, headers: { 'x-m': { regex: 'a.*' } } }], percentage: 30 };
const mirrorRoute = (canary: number, stable: number) => ({
  name: 'mirror-1',
  match: [{ method: { exact: 'GET' }, uri: { prefix: '/api' }, headers: { 'x-m': { regex: 'a.*' } } }],
  route: primary(canary, stable).route,
  mirror: { host: 'web-canary', port: { number: 80 } },
  mirrorPercentage: { value: 30 },
});

describe('istio router, host-level split', () => {
  it('writes the exact routes at every step of a canary, keeping foreign routes in place', async () => {
    const w = hostWorld();
    const steps: Array<[string, () => Promise<unknown>, unknown[]]> = [
      ['weight 0', () => weigh(w.router, w.ctx, 0), [adminRoute, primary(0, 100), fallback]],
      ['weight 20', () => weigh(w.router, w.ctx, 20), [adminRoute, primary(20, 80), fallback]],
      ['header route', () => ok(w.router.setHeaderRoute!(w.ctx, header)), [headerRoute, adminRoute, primary(20, 80), fallback]],
      ['mirror route', () => ok(w.router.setMirrorRoute!(w.ctx, mirror)), [headerRoute, mirrorRoute(20, 80), adminRoute, primary(20, 80), fallback]],
      ['weight 50', () => weigh(w.router, w.ctx, 50), [headerRoute, mirrorRoute(50, 50), adminRoute, primary(50, 50), fallback]],
      ['header removed', () => ok(w.router.setHeaderRoute!(w.ctx, { name: 'header-1', match: [] })), [mirrorRoute(50, 50), adminRoute, primary(50, 50), fallback]],
      ['weight 100', () => weigh(w.router, w.ctx, 100), [mirrorRoute(100, 0), adminRoute, primary(100, 0), fallback]],
      ['managed routes removed', () => ok(w.router.removeManagedRoutes!(w.ctx)), [adminRoute, primary(100, 0), fallback]],
      ['promoted: weight 0', () => weigh(w.router, w.ctx, 0), [adminRoute, primary(0, 100), fallback]],
    ];
    for (const [what, step, expected] of steps) {
      await step();
      expect({ what, http: w.http() }).toEqual({ what, http: expected });
    }
    const spec = w.kube.find(vsRef('web-vs'))?.['spec'] as Record<string, unknown>;
    expect(spec['hosts']).toEqual(['web.example.com']);
    expect(spec['gateways']).toEqual(['gw']);
  });

  it('abort: weight 0 and the managed routes removed, in the order they were before', async () => {
    const w = hostWorld();
    await weigh(w.router, w.ctx, 40);
    await ok(w.router.setMirrorRoute!(w.ctx, mirror));
    await ok(w.router.setHeaderRoute!(w.ctx, header));
    // managedRoutes order, not call order
    expect(w.http().map((r) => (r as { name: string }).name)).toEqual(['header-1', 'mirror-1', 'admin', 'primary', 'fallback']);
    await weigh(w.router, w.ctx, 0);
    await ok(w.router.removeManagedRoutes!(w.ctx));
    expect(w.http()).toEqual([adminRoute, primary(0, 100), fallback]);
  });

  it('writes nothing when nothing changes', async () => {
    const w = hostWorld();
    await weigh(w.router, w.ctx, 0);
    await ok(w.router.removeManagedRoutes!(w.ctx));
    await ok(w.router.setHeaderRoute!(w.ctx, { name: 'header-1', match: [] }));
    expect(w.kube.calls.filter((c) => c.verb !== 'get')).toEqual([]);
  });

  it('appends experiment destinations (port of the stable one) and drops them when the experiment is over', async () => {
    const w = hostWorld();
    await weigh(w.router, w.ctx, 20, [{ serviceName: 'web-exp-a', podTemplateHash: 'a', weight: 10 }, { serviceName: 'web-exp-b', podTemplateHash: 'b', weight: 5 }]);
    expect(w.http()[1]).toEqual({ name: 'primary', route: [d('web-stable.shop.svc.cluster.local', 65, port), d('web-canary', 20, port), d('web-exp-a', 10, port), d('web-exp-b', 5, port)] });
    await weigh(w.router, w.ctx, 20, [{ serviceName: 'web-exp-b', podTemplateHash: 'b', weight: 15 }]);
    expect(w.http()[1]).toEqual({ name: 'primary', route: [d('web-stable.shop.svc.cluster.local', 65, port), d('web-canary', 20, port), d('web-exp-b', 15, port)] });
    await weigh(w.router, w.ctx, 0);
    expect(w.http()[1]).toEqual(primary(0, 100));
  });

  it('weights of any maxTrafficWeight become percentages that sum to 100', async () => {
    const w = hostWorld();
    await weigh(w.router, { ...w.ctx, maxWeight: 1000 }, 255);
    expect(w.http()[1]).toEqual(primary(26, 74));
    expect((await fails(w.router.setWeight(w.ctx, 101, [])))._tag).toBe('RouterMisconfigured');
  });

  it('a concurrent edit by someone else is a KubeConflict, and their edit survives', async () => {
    class Racing extends FakeKubeObjectClient {
      // Someone else edits the object right after each read.
      override get(ref: ObjectRef) {
        const read = super.get(ref);
        return async () => {
          const r = await read();
          const o = this.find(ref);
          if (o !== undefined) this.put({ ...o, metadata: { ...o.metadata, labels: { edited: 'by-someone' } } });
          return r;
        };
      }
    }
    const kube = new Racing([vs('web-vs', { http: [primary(0, 100)] })]);
    const router = istioRouter.make({ kube, log, now: () => 0 })({ virtualService: { name: 'web-vs' } });
    const e = await fails(router.setWeight(context(rollout({ virtualService: { name: 'web-vs' } })), 30, []));
    expect(e._tag).toBe('KubeConflict');
    expect(e.retryable).toBe(true);
    const stored = kube.find(vsRef('web-vs'))!;
    expect(stored.metadata.labels).toEqual({ edited: 'by-someone' });
    expect(stored['spec']).toEqual({ http: [primary(0, 100)] });
  });

  it('without route names, weights every unmanaged HTTP route and keeps managed ones out', async () => {
    const cfg = { virtualService: { name: 'web-vs' } };
    const kube = new FakeKubeObjectClient([vs('web-vs', { http: [primary(0, 100), { ...primary(0, 100), name: 'second' }] })]);
    const router = istioRouter.make({ kube, log, now: () => 0 })(cfg);
    const ctx = context(rollout(cfg));
    await ok(router.setHeaderRoute!(ctx, header));
    await ok(router.setWeight(ctx, 10, []));
    expect((kube.find(vsRef('web-vs'))?.['spec'] as { http: unknown[] }).http).toEqual([headerRoute, primary(10, 90), { ...primary(10, 90), name: 'second' }]);
  });

  it('reads a VirtualService in another namespace (name.namespace)', async () => {
    const cfg = { virtualService: { name: 'web-vs.mesh' } };
    const kube = new FakeKubeObjectClient([{ ...vs('web-vs', { http: [primary(0, 100)] }), metadata: { name: 'web-vs', namespace: 'mesh' } }]);
    await ok(istioRouter.make({ kube, log, now: () => 0 })(cfg).setWeight(context(rollout(cfg)), 5, []));
    expect((kube.find({ ...vsRef('web-vs'), namespace: 'mesh' })?.['spec'] as { http: unknown[] }).http).toEqual([primary(5, 95)]);
  });

  it('uses the configured API version', async () => {
    const kube = new FakeKubeObjectClient([{ ...vs('web-vs', { http: [primary(0, 100)] }), apiVersion: 'networking.istio.io/v1' }]);
    const cfg = { virtualService: { name: 'web-vs' } };
    await ok(createIstioRouterPlugin({ apiVersion: 'networking.istio.io/v1' }).make({ kube, log, now: () => 0 })(cfg).setWeight(context(rollout(cfg)), 5, []));
    expect(kube.calls.map((c) => c.verb)).toEqual(['get', 'update']);
  });
});

describe('istio router, ping-pong (the controller passes the ping and pong Services in their current roles)', () => {
  it('weights go to whichever of ping and pong is the canary now; after the swap the other way round', async () => {
    const ro = rollout({ virtualService: { name: 'web-vs', routes: ['primary'] } }, [], false);
    const pp = (canary: number, stable: number, canaryHost: string, stableHost: string) => ({ name: 'primary', route: [d(stableHost, stable), d(canaryHost, canary)] });
    const kube = new FakeKubeObjectClient([vs('web-vs', { http: [pp(0, 100, 'web-pong', 'web-ping')] })]);
    const router = istioRouter.make({ kube, log, now: () => 0 })({ virtualService: { name: 'web-vs', routes: ['primary'] } });
    const http = () => (kube.find(vsRef('web-vs'))?.['spec'] as { http: unknown[] }).http;
    await weigh(router, context(ro, { canaryService: 'web-pong', stableService: 'web-ping' }), 30);
    expect(http()).toEqual([pp(30, 70, 'web-pong', 'web-ping')]);
    // promoted: pong is stable now, ping the canary (weight 0): all traffic stays on pong
    await weigh(router, context(ro, { canaryService: 'web-ping', stableService: 'web-pong' }), 0);
    expect(http()).toEqual([{ name: 'primary', route: [d('web-ping', 0), d('web-pong', 100)] }]);
  });
});

describe('istio router, release (the Rollout was deleted)', () => {
  it('mid-canary with a header route: routes removed, all traffic back on stable, foreign routes untouched', async () => {
    const w = hostWorld();
    await weigh(w.router, w.ctx, 60);
    await ok(w.router.setHeaderRoute!(w.ctx, header));
    await ok(w.router.release!(w.ctx));
    expect(w.http()).toEqual([adminRoute, primary(0, 100), fallback]);
  });

  it('a VirtualService that is gone is an error naming it (the controller logs it), not a pass', async () => {
    const w = hostWorld();
    await w.kube.delete(vsRef('web-vs'))();
    const e = await fails(w.router.release!(w.ctx));
    expect(e.message).toMatch(/web-vs/);
  });
});

describe('istio router, misconfiguration', () => {
  const cases: Array<[string, IstioTrafficRouting, KubeObject[], RegExp]> = [
    ['VirtualService missing', { virtualService: { name: 'web-vs' } }, [], /VirtualService shop\/web-vs not found/],
    ['named route missing', { virtualService: { name: 'web-vs', routes: ['nope'] } }, [vs('web-vs', { http: [primary(0, 100)] })], /VirtualService shop\/web-vs: HTTP route 'nope' not found/],
    ['canary destination missing', { virtualService: { name: 'web-vs', routes: ['primary'] } }, [vs('web-vs', { http: [{ name: 'primary', route: [d('web-stable', 100)] }] })], /web-vs: HTTP route 'primary': canary Service 'web-canary' not found/],
    ['stable destination missing', { virtualService: { name: 'web-vs' } }, [vs('web-vs', { http: [{ name: 'primary', route: [d('web-canary', 100)] }] })], /web-vs: HTTP route 'primary': stable Service 'web-stable' not found/],
    ['TLS route missing', { virtualService: { name: 'web-vs', tlsRoutes: [{ port: 443, sniHosts: ['a.example.com'] }] } }, [vs('web-vs', { tls: [] })], /TLS route on port 443 and SNI hosts \[a.example.com\] not found/],
    ['no routes at all', { virtualService: { name: 'web-vs' } }, [vs('web-vs', {})], /no HTTP, TLS or TCP route/],
    ['subset missing in the DestinationRule', { virtualService: { name: 'web-vs' }, destinationRule: { name: 'web-dr', canarySubsetName: 'canary', stableSubsetName: 'stable' } }, [vs('web-vs', {}), { apiVersion: API, kind: 'DestinationRule', metadata: { name: 'web-dr', namespace: NS }, spec: { subsets: [{ name: 'stable' }] } }], /DestinationRule shop\/web-dr: subset 'canary' not found/],
  ];
  it.each(cases)('%s is RouterMisconfigured naming the object and route', async (_what, cfg, objects, message) => {
    const kube = new FakeKubeObjectClient(objects);
    const router = istioRouter.make({ kube, log, now: () => 0 })(cfg);
    const ctx = context(rollout(cfg));
    const e = router.updateHash !== undefined && cfg.destinationRule != null ? await fails(router.updateHash(ctx, 'a', 'b', [])) : await fails(router.setWeight(ctx, 10, []));
    expect(e._tag).toBe('RouterMisconfigured');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(message);
    expect(kube.calls.filter((c) => c.verb !== 'get')).toEqual([]);
  });

  it('refuses a header route that managedRoutes does not list', async () => {
    const w = hostWorld(['mirror-1']);
    const e = await fails(w.router.setHeaderRoute!(w.ctx, header));
    expect(e._tag).toBe('RouterMisconfigured');
    expect(e.message).toContain("route 'header-1' is not listed");
  });

  it('refuses a configuration with neither or both of virtualService and virtualServices', () => {
    const make = istioRouter.make({ kube: new FakeKubeObjectClient(), log, now: () => 0 });
    expect(() => make({})).toThrow(/either virtualService or virtualServices/);
    expect(() => make({ virtualService: { name: 'a' }, virtualServices: [{ name: 'b' }] })).toThrow(/either virtualService or virtualServices/);
  });

  it('removeManagedRoutes succeeds when the VirtualService is gone', async () => {
    const cfg = { virtualService: { name: 'web-vs' } };
    await ok(istioRouter.make({ kube: new FakeKubeObjectClient(), log, now: () => 0 })(cfg).removeManagedRoutes!(context(rollout(cfg))));
  });
});

describe('istio router, TLS and TCP routes', () => {
  const tls = (port: number, hosts: string[], canary: number, stable: number) => ({ match: [{ port, sniHosts: hosts }], route: [d('web-stable', stable), d('web-canary', canary)] });
  const tcp = (port: number, canary: number, stable: number) => ({ match: [{ port }], route: [d('web-stable', stable), d('web-canary', canary)] });
  const foreignTls = { match: [{ port: 443, sniHosts: ['other.example.com'] }], route: [{ destination: { host: 'other' } }] };

  it('weights the TLS route matching port and SNI hosts, and the TCP route matching the port', async () => {
    const cfg = { virtualService: { name: 'web-vs', tlsRoutes: [{ port: 443, sniHosts: ['web.example.com'] }], tcpRoutes: [{ port: 5432 }] } };
    const kube = new FakeKubeObjectClient([vs('web-vs', { tls: [foreignTls, tls(443, ['web.example.com'], 0, 100)], tcp: [tcp(6379, 0, 100), tcp(5432, 0, 100)] })]);
    const router = istioRouter.make({ kube, log, now: () => 0 })(cfg);
    await ok(router.setWeight(context(rollout(cfg)), 30, []));
    expect(kube.find(vsRef('web-vs'))?.['spec']).toEqual({ tls: [foreignTls, tls(443, ['web.example.com'], 30, 70)], tcp: [tcp(6379, 0, 100), tcp(5432, 30, 70)] });
  });

  it('without TLS/TCP route configuration weights every route of both lists', async () => {
    const cfg = { virtualService: { name: 'web-vs' } };
    const kube = new FakeKubeObjectClient([vs('web-vs', { tls: [tls(443, ['a'], 0, 100)], tcp: [tcp(0, 0, 100)] })]);
    await ok(istioRouter.make({ kube, log, now: () => 0 })(cfg).setWeight(context(rollout(cfg)), 60, []));
    expect(kube.find(vsRef('web-vs'))?.['spec']).toEqual({ tls: [tls(443, ['a'], 60, 40)], tcp: [tcp(0, 60, 40)] });
  });

  it('header routes need an HTTP route', async () => {
    const cfg = { virtualService: { name: 'web-vs' } };
    const kube = new FakeKubeObjectClient([vs('web-vs', { tcp: [tcp(0, 0, 100)] })]);
    const e = await fails(istioRouter.make({ kube, log, now: () => 0 })(cfg).setHeaderRoute!(context(rollout(cfg)), header));
    expect(e._tag).toBe('RouterMisconfigured');
    expect(e.message).toContain("no VirtualService has a weighted HTTP route to base route 'header-1' on");
  });
});

describe('istio router, subset-level split with a DestinationRule', () => {
  const cfg: IstioTrafficRouting = { virtualService: { name: 'web-vs', routes: ['primary'] }, destinationRule: { name: 'web-dr', canarySubsetName: 'canary', stableSubsetName: 'stable', additionalSubsetNames: ['pinned'] } };
  const sub = (subset: string, weight: number) => d('web', weight, { subset });
  const dr = (): KubeObject => ({
    apiVersion: API,
    kind: 'DestinationRule',
    metadata: { name: 'web-dr', namespace: NS },
    spec: { host: 'web', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } }, subsets: [{ name: 'stable', labels: { app: 'web' } }, { name: 'canary', labels: { app: 'web' } }, { name: 'pinned', labels: { track: 'pinned' } }] },
  });
  const subsets = (canary: string, stable: string) => [
    { name: 'stable', labels: { app: 'web', 'rollouts-pod-template-hash': stable } },
    { name: 'canary', labels: { app: 'web', 'rollouts-pod-template-hash': canary } },
    { name: 'pinned', labels: { track: 'pinned' } },
  ];
  function world() {
    const ro = rollout(cfg, ['header-1'], false);
    const kube = new FakeKubeObjectClient([vs('web-vs', { http: [{ name: 'primary', route: [sub('stable', 95), sub('canary', 0), sub('pinned', 5)] }] }), dr()]);
    const router = istioRouter.make({ kube, log, now: () => 0 })(cfg);
    return { kube, router, ctx: context(ro), http: () => (kube.find(vsRef('web-vs'))?.['spec'] as { http: unknown[] }).http, dr: () => kube.find(drRef)! };
  }

  it('labels the subsets with the pod hashes, weights subsets, keeps additional subsets, and restores the stable hash on abort', async () => {
    const w = world();
    await weigh(w.router, w.ctx, 20);
    expect(w.dr()['spec']).toEqual({ ...(dr()['spec'] as object), subsets: subsets('new111', 'old000') });
    expect(w.dr().metadata.annotations).toEqual({ 'argo-rollouts.argoproj.io/managed-by-rollouts': 'web' });
    expect(w.http()).toEqual([{ name: 'primary', route: [sub('stable', 75), sub('canary', 20), sub('pinned', 5)] }]);

    await ok(w.router.setHeaderRoute!(w.ctx, { name: 'header-1', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] }));
    expect(w.http()[0]).toEqual({ name: 'header-1', match: [{ headers: { 'x-canary': { exact: 'yes' } } }], route: [{ destination: { host: 'web', subset: 'canary' }, weight: 100 }] });

    // abort: all traffic back to the stable subset, which still selects the stable pods
    await weigh(w.router, w.ctx, 0);
    await ok(w.router.removeManagedRoutes!(w.ctx));
    expect(w.http()).toEqual([{ name: 'primary', route: [sub('stable', 95), sub('canary', 0), sub('pinned', 5)] }]);
    expect((w.dr()['spec'] as { subsets: unknown }).subsets).toEqual(subsets('new111', 'old000'));

    // promoted: the new pods are stable
    const promoted = { ...w.ctx, stablePodHash: 'new111' };
    await weigh(w.router, promoted, 0);
    expect((w.dr()['spec'] as { subsets: unknown }).subsets).toEqual(subsets('new111', 'new111'));
  });

  it('refuses a DestinationRule another Rollout manages', async () => {
    const w = world();
    w.kube.put({ ...dr(), metadata: { ...dr().metadata, annotations: { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'other' } } });
    const e = await fails(w.router.updateHash!(w.ctx, 'a', 'b', []));
    expect(e._tag).toBe('RouterMisconfigured');
    expect(e.message).toContain("managed by Rollout 'other'");
  });

  it('fails when the kept subsets leave no room for the canary weight', async () => {
    const w = world();
    const e = await fails(w.router.setWeight(w.ctx, 100, []));
    expect(e._tag).toBe('RouterMisconfigured');
    expect(w.http()).toEqual([{ name: 'primary', route: [sub('stable', 95), sub('canary', 0), sub('pinned', 5)] }]);
  });
});

describe('istio router, several VirtualServices', () => {
  const cfg: IstioTrafficRouting = { virtualServices: [{ name: 'web-vs', routes: ['primary'] }, { name: 'web-internal' }] };
  it('weights each, and writes none when one of them is misconfigured', async () => {
    const kube = new FakeKubeObjectClient([vs('web-vs', { http: [adminRoute, primary(0, 100)] }), vs('web-internal', { http: [primary(0, 100)] })]);
    const router = istioRouter.make({ kube, log, now: () => 0 })(cfg);
    const ctx = context(rollout(cfg));
    await ok(router.setWeight(ctx, 25, []));
    await ok(router.setHeaderRoute!(ctx, header));
    const httpOf = (n: string) => (kube.find(vsRef(n))?.['spec'] as { http: unknown[] }).http;
    expect(httpOf('web-vs')).toEqual([headerRoute, adminRoute, primary(25, 75)]);
    expect(httpOf('web-internal')).toEqual([headerRoute, primary(25, 75)]);

    kube.put(vs('web-internal', { http: [{ name: 'primary', route: [d('web-stable', 100)] }] }));
    const e = await fails(router.setWeight(ctx, 50, []));
    expect(e.message).toContain('VirtualService shop/web-internal');
    expect(e._tag === 'RouterMisconfigured' ? e.path : undefined).toBe('spec.strategy.canary.trafficRouting.istio.virtualServices[1]');
    expect(httpOf('web-vs')).toEqual([headerRoute, adminRoute, primary(25, 75)]);
  });
});

describe('percentWeights', () => {
  it.each([
    [100, 30, [10], { canary: 30, additional: [10] }],
    [1000, 255, [], { canary: 26, additional: [] }],
    [8, 5, [3], { canary: 63, additional: [37] }],
    [3, 1, [1, 1], { canary: 33, additional: [34, 33] }],
  ])('max %d, canary %d, experiments %j -> %j', (max, weight, exp, expected) => {
    const r = percentWeights(max, weight, exp.map((w, i) => ({ serviceName: `e${i}`, podTemplateHash: '', weight: w })));
    expect(typeof r === 'string' ? r : { canary: r.canary, additional: r.additional.map((a) => a.weight) }).toEqual(expected);
  });

  it('never gives more than 100 in all, and exactly the weights when max is 100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }), (max, f, fs) => {
        const weight = Math.floor(f * max);
        let room = max - weight;
        const additional = fs.map((g, i) => {
          const w = Math.floor(g * room);
          room -= w;
          return { serviceName: `exp-${i}`, podTemplateHash: `h${i}`, weight: w };
        });
        const r = percentWeights(max, weight, additional);
        if (typeof r === 'string') return false;
        const used = r.canary + r.additional.reduce((s, a) => s + a.weight, 0);
        const exact = max !== 100 || (r.canary === weight && r.additional.every((a, i) => a.weight === additional[i]?.weight));
        return r.additional.every((a) => a.weight >= 0) && used <= 100 && exact;
      }),
    );
  });

  it('refuses weights that do not fit', () => {
    expect(percentWeights(100, 90, [{ serviceName: 'e', podTemplateHash: '', weight: 20 }])).toMatch(/do not fit in 100/);
    expect(percentWeights(100, -1, [])).toMatch(/do not fit/);
  });
});

// The shared router contract, on the fake.
describeRouterConformance('istio (FakeKubeObjectClient)', async () => {
  const cfg: IstioTrafficRouting = { virtualService: { name: 'web-vs', routes: ['primary'] } };
  const neighbour = vs('neighbour', { http: [{ route: [d('elsewhere', 100)] }] });
  const kube = new FakeKubeObjectClient([vs('web-vs', { http: [adminRoute, primary(0, 100), fallback] }), neighbour]);
  const router = istioRouter.make({ kube, log, now: () => 0 })(cfg);
  return {
    router,
    ctx: context(rollout(cfg, [])),
    kube,
    foreignObjects: [kube.find(vsRef('neighbour'))!],
    readWeight: async () => {
      const http = (kube.find(vsRef('web-vs'))?.['spec'] as { http: Array<{ name?: string; route: Array<{ destination: { host: string }; weight: number }> }> }).http;
      return http.find((r) => r.name === 'primary')?.route.find((x) => x.destination.host === 'web-canary')?.weight;
    },
    removeBackend: async () => {
      await kube.delete(vsRef('web-vs'))();
    },
  };
});
