import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import fc from 'fast-check';
import type { LabelSelector, Rollout } from '@rollouts/api';
import type { KubeObject, ObjectRef, PluginError, RoutingContext, TrafficRouter } from '@rollouts/plugin-sdk';
import { FakeKubeObjectClient, describeRouterConformance, silentLogger as log } from '@rollouts/plugin-sdk/testing';
import { createGatewayApiRouterPlugin, gatewayApiRouter } from './GatewayApiRouter';
import { GATEWAY_API_ROUTER_KIND, selectorQuery, type GatewayApiTrafficRouting } from './GatewayApiConfig';
import { MANAGED_ANNOTATION } from './RouteRules';

const NS = 'shop';
const V1 = 'gateway.networking.k8s.io/v1';
const V1A2 = 'gateway.networking.k8s.io/v1alpha2';
const LABEL = 'rollouts.argoproj.io/gatewayapi-canary';

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

function context(name = 'web', over: Partial<RoutingContext> = {}): RoutingContext {
  const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name, namespace: NS, uid: `uid-${name}` }, spec: {} } as unknown as Rollout;
  return { rollout, namespace: NS, canaryService: `${name}-canary`, stableService: `${name}-stable`, canaryPodHash: 'c1', stablePodHash: 's1', maxWeight: 100, signal: new AbortController().signal, ...over };
}

type Rule = Record<string, unknown>;
const ref = (name: string, weight?: number, extra: Record<string, unknown> = {}) => ({ group: '', kind: 'Service', name, port: 80, ...(weight !== undefined ? { weight } : {}), ...extra });
const route = (kind: string, name: string, rules: Rule[], apiVersion = kind === 'TCPRoute' || kind === 'TLSRoute' ? V1A2 : V1): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, namespace: NS },
  spec: { parentRefs: [{ name: 'gw' }], rules },
});
const rRef = (kind: string, name: string): ObjectRef => ({ apiVersion: kind === 'TCPRoute' || kind === 'TLSRoute' ? V1A2 : V1, kind, namespace: NS, name });

/** The user's HTTPRoute: a weighted rule for /, an admin rule of another team, a weighted rule with a foreign mirror backend. */
const adminRule: Rule = { name: 'admin', matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [ref('admin', 1)] };
const mainRule = (canary: number, stable: number): Rule => ({
  name: 'main',
  matches: [{ path: { type: 'PathPrefix', value: '/' } }, { path: { type: 'PathPrefix', value: '/api' }, method: 'GET' }],
  filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x-via', value: 'gw' }] } }],
  backendRefs: [ref('web-stable', stable), ref('web-canary', canary), ref('web-legacy', 0)],
});

const make = (kube: FakeKubeObjectClient, config: GatewayApiTrafficRouting): TrafficRouter => gatewayApiRouter.make({ kube, log, now: () => 0 })(config);
const rulesOf = (kube: FakeKubeObjectClient, kind = 'HTTPRoute', name = 'web-route') => ((kube.find(rRef(kind, name))?.['spec'] as { rules: Rule[] }).rules ?? []) as Rule[];
const weightsOf = (rule: Rule | undefined) => Object.fromEntries(((rule?.['backendRefs'] ?? []) as Array<{ name: string; weight?: number }>).map((r) => [r.name, r.weight]));

describe('registration', () => {
  it('is registered under the key Argo users have under trafficRouting.plugins', () => {
    expect(gatewayApiRouter.kind).toBe('argoproj-labs/gatewayAPI');
    expect(GATEWAY_API_ROUTER_KIND).toBe('argoproj-labs/gatewayAPI');
    expect(createGatewayApiRouterPlugin({ kind: 'gatewayAPI' }).kind).toBe('gatewayAPI');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no routes', {}, /plugins\.argoproj-labs\/gatewayAPI: no routes configured/],
    ['an empty label selector', { httpRouteSelector: {} }, /\.httpRouteSelector: an empty selector would select every route of the namespace/],
    ['a selector operator', { tcpRouteSelector: { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] } }, /\.tcpRouteSelector\.matchExpressions\[0\]\.operator: expected In, NotIn, Exists or DoesNotExist, got "Equals"/],
    ['a misspelt field', { httpRoute: 'r', httproutes: [] }, /\.httproutes: unknown field "httproutes"/],
    ['the legacy ConfigMap', { httpRoute: 'r', configMap: 'argo-gatewayapi-configmap' }, /\.configMap: managed routes are recorded on the routes themselves/],
    ['a route named twice', { httpRoute: 'r', httpRoutes: [{ name: 'r' }] }, /\.httpRoutes\[0\]\.name: HTTPRoute "r" is named twice/],
    ['an empty list entry', { tcpRoutes: [{ name: '' }] }, /\.tcpRoutes\[0\]\.name: the route name is empty/],
    ['a bad label key', { httpRoute: 'r', inProgressLabelKey: 'not a key' }, /\.inProgressLabelKey: "not a key" is not a valid label key/],
  ])('rejects %s with the field path (the controller reports it as InvalidSpec)', (_, config, message) => {
    expect(() => make(new FakeKubeObjectClient(), config as GatewayApiTrafficRouting)).toThrow(message);
  });

  it('offers header routes only when a route can take them, mirror routes only with an HTTPRoute', () => {
    const kube = new FakeKubeObjectClient();
    const caps = (c: GatewayApiTrafficRouting) => {
      const r = make(kube, c);
      return [r.setHeaderRoute !== undefined, r.setMirrorRoute !== undefined, r.verifyWeight !== undefined];
    };
    expect(caps({ httpRoute: 'a' })).toEqual([true, true, false]);
    expect(caps({ httpRoutes: [{ name: 'a' }] })).toEqual([false, false, false]);
    expect(caps({ httpRoutes: [{ name: 'a', useHeaderRoutes: true }] })).toEqual([true, true, false]);
    expect(caps({ grpcRoute: 'a' })).toEqual([true, false, false]);
    expect(caps({ tcpRoute: 'a', tlsRoutes: [{ name: 'b' }] })).toEqual([false, false, false]);
  });
});

describe('setWeight', () => {
  it('weights canary and stable in the rules holding both; other rules, backends and routes untouched; label while the canary has traffic', async () => {
    const neighbour = route('HTTPRoute', 'neighbour', [{ backendRefs: [ref('web-stable', 5), ref('web-canary', 5)] }]);
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [adminRule, mainRule(0, 100)]), neighbour]);
    const router = make(kube, { httpRoute: 'web-route' });
    await ok(router.setWeight(context(), 30, []));
    const [admin, main] = rulesOf(kube);
    expect(admin).toEqual(adminRule);
    expect(main).toEqual({ ...mainRule(30, 70) });
    expect(weightsOf(main)).toEqual({ 'web-stable': 70, 'web-canary': 30, 'web-legacy': 0 });
    expect(kube.find(rRef('HTTPRoute', 'web-route'))!.metadata.labels).toEqual({ [LABEL]: 'in-progress' });
    expect(kube.find(rRef('HTTPRoute', 'neighbour'))).toEqual({ ...neighbour, metadata: { ...neighbour.metadata, resourceVersion: expect.any(String) } });

    await ok(router.setWeight(context(), 0, []));
    expect(weightsOf(rulesOf(kube)[1])).toEqual({ 'web-stable': 100, 'web-canary': 0, 'web-legacy': 0 });
    expect(kube.find(rRef('HTTPRoute', 'web-route'))!.metadata.labels).toBeUndefined();
  });

  it('writes nothing when the weights are already there', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(20, 80)])]);
    const router = make(kube, { httpRoute: 'web-route', disableInProgressLabel: true });
    await ok(router.setWeight(context(), 20, []));
    expect(kube.calls.filter((c) => c.verb === 'update')).toEqual([]);
  });

  it('honours maxTrafficWeight: Gateway API weights are proportions, not percentages', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 1000)])]);
    await ok(make(kube, { httpRoute: 'web-route' }).setWeight(context('web', { maxWeight: 1000 }), 125, []));
    expect(weightsOf(rulesOf(kube)[0])).toMatchObject({ 'web-canary': 125, 'web-stable': 875 });
  });

  it('weights every listed kind: HTTPRoute list, GRPCRoute, TCPRoute, TLSRoute, in the configured namespace', async () => {
    const other = 'edge';
    const inEdge = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, namespace: other } });
    const svcRefs = [ref('web-stable', 1, { namespace: NS }), ref('web-canary', 0, { namespace: NS })];
    const kube = new FakeKubeObjectClient([
      inEdge(route('HTTPRoute', 'h1', [{ backendRefs: svcRefs }])),
      inEdge(route('HTTPRoute', 'h2', [{ backendRefs: svcRefs }])),
      inEdge(route('GRPCRoute', 'g', [{ matches: [{ method: { service: 'shop.Cart' } }], backendRefs: svcRefs }])),
      inEdge(route('TCPRoute', 't', [{ backendRefs: svcRefs }, { backendRefs: [ref('db', 1)] }])),
      inEdge(route('TLSRoute', 's', [{ backendRefs: svcRefs }])),
    ]);
    const router = make(kube, { namespace: other, httpRoutes: [{ name: 'h1' }, { name: 'h2' }], grpcRoute: 'g', tcpRoute: 't', tlsRoutes: [{ name: 's' }] });
    await ok(router.setWeight(context(), 40, []));
    for (const [kind, name] of [['HTTPRoute', 'h1'], ['HTTPRoute', 'h2'], ['GRPCRoute', 'g'], ['TCPRoute', 't'], ['TLSRoute', 's']] as const) {
      const rules = (kube.find({ ...rRef(kind, name), namespace: other })!['spec'] as { rules: Rule[] }).rules;
      expect([kind, name, weightsOf(rules[0])]).toEqual([kind, name, { 'web-stable': 60, 'web-canary': 40 }]);
    }
    const tcp = (kube.find({ ...rRef('TCPRoute', 't'), namespace: other })!['spec'] as { rules: Rule[] }).rules;
    expect(weightsOf(tcp[1])).toEqual({ db: 1 });
  });

  it('is an error naming the route when it is missing, or has no rule with both Services', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [adminRule, { backendRefs: [ref('web-canary', 1)] }])]);
    expect(await fails(make(kube, { httpRoute: 'nope' }).setWeight(context(), 10, []))).toMatchObject({ _tag: 'RouterMisconfigured', message: 'HTTPRoute shop/nope not found', path: 'spec.strategy.canary.trafficRouting.plugins.argoproj-labs/gatewayAPI.httpRoute' });
    expect(await fails(make(kube, { httpRoute: 'web-route' }).setWeight(context(), 10, []))).toMatchObject({
      _tag: 'RouterMisconfigured',
      message: 'HTTPRoute shop/web-route has no rule with backendRefs to both Service web-canary and Service web-stable (namespace shop)',
    });
  });

  it('a concurrent edit is a retryable KubeConflict, never overwritten', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 100)])]);
    const racing = Object.create(kube) as FakeKubeObjectClient;
    racing.update = (o) => {
      kube.put(kube.find(rRef('HTTPRoute', 'web-route'))!); // someone else wrote in between
      return kube.update(o);
    };
    const err = await fails(gatewayApiRouter.make({ kube: racing, log, now: () => 0 })({ httpRoute: 'web-route' }).setWeight(context(), 10, []));
    expect(err).toMatchObject({ _tag: 'KubeConflict', retryable: true });
  });

  it('adds experiment Services on their http port next to the canary and removes them afterwards; recorded on the route', async () => {
    const svc = (name: string, ports: Array<{ name?: string; port: number }>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports } });
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 100)]), svc('exp-a', [{ name: 'metrics', port: 9090 }, { name: 'http', port: 8080 }]), svc('exp-b', [{ port: 7000 }])]);
    const router = make(kube, { httpRoute: 'web-route' });
    await ok(router.setWeight(context(), 20, [{ serviceName: 'exp-a', podTemplateHash: 'a', weight: 10 }, { serviceName: 'exp-b', podTemplateHash: 'b', weight: 5 }]));
    const refs = rulesOf(kube)[0]!['backendRefs'] as Array<Record<string, unknown>>;
    expect(refs.slice(3)).toEqual([ref('exp-a', 10, { port: 8080 }), ref('exp-b', 5, { port: 7000 })]);
    expect(weightsOf(rulesOf(kube)[0])).toMatchObject({ 'web-stable': 65, 'web-canary': 20 });
    expect(JSON.parse(kube.find(rRef('HTTPRoute', 'web-route'))!.metadata.annotations![MANAGED_ANNOTATION]!)).toEqual({ web: { backends: ['exp-a', 'exp-b'] } });
    await ok(router.setWeight(context(), 20, []));
    expect(rulesOf(kube)[0]).toEqual(mainRule(20, 80));
    expect(kube.find(rRef('HTTPRoute', 'web-route'))!.metadata.annotations).toBeUndefined();
    expect(await fails(router.setWeight(context(), 20, [{ serviceName: 'exp-missing', podTemplateHash: 'm', weight: 1 }]))).toMatchObject({ _tag: 'RouterUnavailable', retryable: true });
  });

  it('property: every weight 0..max splits a rule into canary w and stable max - w, other refs unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10_000 }), fc.nat(), async (max, raw) => {
        const w = raw % (max + 1);
        const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, max)])]);
        await ok(make(kube, { httpRoute: 'web-route' }).setWeight(context('web', { maxWeight: max }), w, []));
        expect(weightsOf(rulesOf(kube)[0])).toEqual({ 'web-stable': max - w, 'web-canary': w, 'web-legacy': 0 });
      }),
      { numRuns: 50 },
    );
  });
});

describe('routes found by label selector', () => {
  it.each<[Record<string, unknown>, string]>([
    [{ matchLabels: { team: 'web', tier: 'edge' } }, 'team=web,tier=edge'],
    [{ matchExpressions: [{ key: 'team', operator: 'In', values: ['web', 'api'] }, { key: 'legacy', operator: 'DoesNotExist' }] }, 'team in (web,api),!legacy'],
    [{ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['y'] }, { key: 'z', operator: 'Exists' }] }, 'a=b,x notin (y),z'],
  ])('%j is sent as labelSelector %s', (sel, query) => {
    expect(selectorQuery(sel as LabelSelector, 'p')).toBe(query);
  });

  it('weights every route the selector finds at each call, together with the named ones; header rules only on named routes', async () => {
    const labelled = (name: string, labels: Record<string, string>) => ({ ...route('HTTPRoute', name, [mainRule(0, 100)]), metadata: { name, namespace: NS, labels } });
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 100)]), labelled('edge-a', { rollout: 'web' }), labelled('edge-b', { rollout: 'other' })]);
    const router = make(kube, { httpRoute: 'web-route', httpRouteSelector: { matchLabels: { rollout: 'web' } } });
    await ok(router.setWeight(context(), 30, []));
    expect([rulesOf(kube), rulesOf(kube, 'HTTPRoute', 'edge-a'), rulesOf(kube, 'HTTPRoute', 'edge-b')].map((rs) => weightsOf(rs[0])['web-canary'])).toEqual([30, 30, 0]);
    // A route labelled later is found by the next call.
    kube.put(labelled('edge-c', { rollout: 'web' }));
    await ok(router.setWeight(context(), 40, []));
    expect(weightsOf(rulesOf(kube, 'HTTPRoute', 'edge-c')[0])['web-canary']).toBe(40);
    await ok(router.setHeaderRoute!(context(), { name: 'beta', match: [{ headerName: 'x', headerValue: { exact: 'y' } }] }));
    expect([rulesOf(kube).length, rulesOf(kube, 'HTTPRoute', 'edge-a').length]).toEqual([2, 1]);
  });

  it('a selector that finds nothing is an error naming it (release and removal then have nothing to do)', async () => {
    const kube = new FakeKubeObjectClient([]);
    const router = make(kube, { tcpRouteSelector: { matchLabels: { rollout: 'web' } } });
    expect(await fails(router.setWeight(context(), 30, []))).toMatchObject({
      _tag: 'RouterMisconfigured',
      message: 'no TCPRoute in namespace shop matches the selector rollout=web',
      path: 'spec.strategy.canary.trafficRouting.plugins.argoproj-labs/gatewayAPI.tcpRouteSelector',
    });
    await ok(router.removeManagedRoutes(context()));
    await ok(router.release!(context()));
  });
});

describe('header routes', () => {
  const header = (name: string, value: Record<string, string>, headerName = 'x-canary') => ({ name, match: [{ headerName, headerValue: value }] });

  it('adds one rule per weighted rule, ANDing the headers into each match, sending everything to the canary with the source filters', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [adminRule, mainRule(10, 90)])]);
    const router = make(kube, { httpRoute: 'web-route' });
    await ok(router.setHeaderRoute!(context(), { name: 'beta', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }, { headerName: 'x-user', headerValue: { prefix: 'a.b' } }] }));
    const rules = rulesOf(kube);
    expect(rules.slice(0, 2)).toEqual([adminRule, mainRule(10, 90)]);
    const hdrs = [
      { name: 'x-canary', type: 'Exact', value: 'yes' },
      { name: 'x-user', type: 'RegularExpression', value: 'a\\.b.*' },
    ];
    expect(rules[2]).toEqual({
      name: 'beta',
      matches: [
        { path: { type: 'PathPrefix', value: '/' }, headers: hdrs },
        { path: { type: 'PathPrefix', value: '/api' }, method: 'GET', headers: hdrs },
      ],
      filters: mainRule(0, 0)['filters'],
      backendRefs: [ref('web-canary', 1)],
    });
    // Setting it again writes nothing; weights skip the header rule (its only backend never goes to 0).
    const before = kube.find(rRef('HTTPRoute', 'web-route'));
    await ok(router.setHeaderRoute!(context(), { name: 'beta', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }, { headerName: 'x-user', headerValue: { prefix: 'a.b' } }] }));
    expect(kube.find(rRef('HTTPRoute', 'web-route'))).toEqual(before);
    await ok(router.setWeight(context(), 0, []));
    expect(weightsOf(rulesOf(kube)[2])).toEqual({ 'web-canary': 1 });
  });

  it('two header routes on the same header with different values both stay (upstream #215), and names rules <name>-1 for a second weighted rule', async () => {
    const second: Rule = { name: 'second', matches: [{ path: { type: 'Exact', value: '/x' } }], backendRefs: [ref('web-canary', 0), ref('web-stable', 100)] };
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 100), second])]);
    const router = make(kube, { httpRoute: 'web-route' });
    await ok(router.setHeaderRoute!(context(), header('h-one', { exact: '1' })));
    await ok(router.setHeaderRoute!(context(), header('h-two', { exact: '2' })));
    expect(rulesOf(kube).map((r) => r['name'])).toEqual(['main', 'second', 'h-one', 'h-one-1', 'h-two', 'h-two-1']);
    // Changing h-one keeps its place.
    await ok(router.setHeaderRoute!(context(), header('h-one', { regex: '1|11' })));
    expect(rulesOf(kube).map((r) => r['name'])).toEqual(['main', 'second', 'h-one', 'h-one-1', 'h-two', 'h-two-1']);
    expect((rulesOf(kube)[2]!['matches'] as Array<{ headers: unknown }>)[0]!.headers).toEqual([{ name: 'x-canary', type: 'RegularExpression', value: '1|11' }]);
    // An empty match removes just that route.
    await ok(router.setHeaderRoute!(context(), { name: 'h-two', match: [] }));
    expect(rulesOf(kube).map((r) => r['name'])).toEqual(['main', 'second', 'h-one', 'h-one-1']);
  });

  it("never removes the user's own canary-only rules (upstream #217) nor another Rollout's rules on a shared route", async () => {
    const usersCanaryRule: Rule = { name: 'qa', matches: [{ headers: [{ name: 'x-canary', value: 'qa' }] }], backendRefs: [ref('web-canary', 1)] };
    const otherMain: Rule = { name: 'other-main', backendRefs: [ref('api-canary', 0), ref('api-stable', 100)] };
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 100), otherMain, usersCanaryRule])]);
    const web = make(kube, { httpRoute: 'web-route' });
    const api = make(kube, { httpRoute: 'web-route' });
    await ok(web.setHeaderRoute!(context('web'), header('web-hdr', { exact: 'x' })));
    await ok(api.setHeaderRoute!(context('api'), header('api-hdr', { exact: 'x' })));
    expect(JSON.parse(kube.find(rRef('HTTPRoute', 'web-route'))!.metadata.annotations![MANAGED_ANNOTATION]!)).toEqual({ api: { rules: { 'api-hdr': ['api-hdr'] } }, web: { rules: { 'web-hdr': ['web-hdr'] } } });
    await ok(web.removeManagedRoutes(context('web')));
    expect(rulesOf(kube).map((r) => r['name'])).toEqual(['main', 'other-main', 'qa', 'api-hdr']);
    await ok(api.removeManagedRoutes(context('api')));
    expect(rulesOf(kube)).toEqual([mainRule(0, 100), otherMain, usersCanaryRule]);
    expect(kube.find(rRef('HTTPRoute', 'web-route'))!.metadata.annotations).toBeUndefined();
  });

  it('the record lives on the route: a new router (a controller restart) removes what the old one added', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 100)])]);
    await ok(make(kube, { httpRoute: 'web-route' }).setHeaderRoute!(context(), header('beta', { exact: 'on' })));
    expect(rulesOf(kube)).toHaveLength(2);
    await ok(make(kube, { httpRoute: 'web-route' }).removeManagedRoutes(context()));
    expect(rulesOf(kube)).toEqual([mainRule(0, 100)]);
  });

  it('a managed rule deleted by hand is put back by the next setHeaderRoute, and weights keep working meanwhile', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 100)])]);
    const router = make(kube, { httpRoute: 'web-route' });
    await ok(router.setHeaderRoute!(context(), header('beta', { exact: 'on' })));
    const r = kube.find(rRef('HTTPRoute', 'web-route'))!;
    kube.put({ ...r, spec: { ...(r['spec'] as object), rules: [mainRule(0, 100)] } });
    await ok(router.setWeight(context(), 10, []));
    expect(rulesOf(kube)).toEqual([mainRule(10, 90)]);
    await ok(router.setHeaderRoute!(context(), header('beta', { exact: 'on' })));
    expect(rulesOf(kube).map((x) => x['name'])).toEqual(['main', 'beta']);
    await ok(router.removeManagedRoutes(context()));
    expect(rulesOf(kube)).toEqual([mainRule(10, 90)]);
  });

  it('refuses to take over a rule of the same name it did not write, and names that are not rule names', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 100), { ...adminRule, name: 'beta' }])]);
    const router = make(kube, { httpRoute: 'web-route' });
    expect(await fails(router.setHeaderRoute!(context(), header('beta', { exact: 'on' })))).toMatchObject({
      _tag: 'RouterMisconfigured',
      message: 'HTTPRoute shop/web-route: a rule named "beta" exists that Rollout web did not write for route "beta"; rename it or the managed route',
    });
    expect(await fails(router.setHeaderRoute!(context(), header('Beta_1', { exact: 'on' })))).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'spec.strategy.canary.steps[].setHeaderRoute.name' });
    expect(await fails(router.setHeaderRoute!(context(), { name: 'b', match: [{ headerName: 'x', headerValue: {} }] }))).toMatchObject({
      _tag: 'PluginConfigInvalid',
      message: 'HTTPRoute shop/web-route: setHeaderRoute "b" match[0].headerValue: exactly one of exact, prefix, regex must be set (found 0)',
    });
  });

  it('a header matched twice (by the step, or already by the weighted rule) is refused: the API server would reject it', async () => {
    const withHeader: Rule = { ...mainRule(0, 100), matches: [{ headers: [{ name: 'X-Canary', value: 'a' }] }] };
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [withHeader])]);
    const router = make(kube, { httpRoute: 'web-route' });
    expect((await fails(router.setHeaderRoute!(context(), header('beta', { exact: 'on' })))).message).toBe(
      'HTTPRoute shop/web-route: setHeaderRoute "beta": the weighted rule already matches header X-Canary; a Gateway API match names each header once',
    );
    expect(
      (await fails(router.setHeaderRoute!(context(), { name: 'b', match: [{ headerName: 'x-a', headerValue: { exact: '1' } }, { headerName: 'X-A', headerValue: { exact: '2' } }] }))).message,
    ).toBe('HTTPRoute shop/web-route: setHeaderRoute "b": header X-A is matched twice (a Gateway API match names each header once)');
    expect(rulesOf(kube)).toEqual([withHeader]);
  });

  it('stops at the 16 rules a route may have, naming the limit', async () => {
    const many = Array.from({ length: 9 }, (_, i) => ({ name: `r${i}`, matches: [{ path: { type: 'Exact', value: `/${i}` } }], backendRefs: [ref('web-canary', 0), ref('web-stable', 100)] }));
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', many)]);
    expect(await fails(make(kube, { httpRoute: 'web-route' }).setHeaderRoute!(context(), header('beta', { exact: 'on' })))).toMatchObject({ message: 'HTTPRoute shop/web-route would have 18 rules; the Gateway API allows 16' });
    expect(rulesOf(kube)).toHaveLength(9);
  });

  it('GRPCRoute header rules keep the gRPC method match and add header matches', async () => {
    const grpcMain: Rule = { matches: [{ method: { type: 'Exact', service: 'shop.Cart', method: 'Get' } }], backendRefs: [ref('web-canary', 0), ref('web-stable', 100)] };
    const kube = new FakeKubeObjectClient([route('GRPCRoute', 'g', [grpcMain])]);
    await ok(make(kube, { grpcRoute: 'g' }).setHeaderRoute!(context(), header('beta', { exact: 'on' })));
    expect(rulesOf(kube, 'GRPCRoute', 'g')[1]).toEqual({
      name: 'beta',
      matches: [{ method: { type: 'Exact', service: 'shop.Cart', method: 'Get' }, headers: [{ name: 'x-canary', type: 'Exact', value: 'on' }] }],
      backendRefs: [ref('web-canary', 1)],
    });
  });

  it('reports a CRD that drops rules[].name (the v1.2 standard channel) instead of losing track of its rules', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 100)])]);
    const pruning = Object.create(kube) as FakeKubeObjectClient;
    pruning.update = (o) => {
      const spec = o['spec'] as { rules: Rule[] };
      return kube.update({ ...o, spec: { ...spec, rules: spec.rules.map(({ name: _n, ...r }) => r) } });
    };
    const err = await fails(gatewayApiRouter.make({ kube: pruning, log, now: () => 0 })({ httpRoute: 'web-route' }).setHeaderRoute!(context(), header('beta', { exact: 'on' })));
    expect(err.message).toMatch(/^HTTPRoute shop\/web-route: the API server dropped the rule name beta \(the rules were taken out again\); the HTTPRoute CRD must have rules\[\]\.name/);
    // No nameless canary rule is left behind to catch traffic after the canary is gone.
    expect(rulesOf(kube)).toEqual([(({ name: _n, ...r }) => r)(mainRule(0, 100))]);
    expect(kube.find(rRef('HTTPRoute', 'web-route'))!.metadata.annotations).toBeUndefined();
  });
});

describe('mirror routes', () => {
  const oneMatch = (c: number, s: number): Rule => ({ ...mainRule(c, s), matches: [{ path: { type: 'PathPrefix', value: '/' } }] });

  it('adds a rule weighted like the source with a RequestMirror filter to the canary, follows the weights, and goes away', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [oneMatch(10, 90)])]);
    const router = make(kube, { httpRoute: 'web-route' });
    await ok(router.setMirrorRoute!(context(), { name: 'mirror', percentage: 25, match: [{ method: { exact: 'POST' }, headers: { 'x-team': { exact: 'a' } } }] }));
    const m = rulesOf(kube)[1]!;
    expect(m).toEqual({
      name: 'mirror',
      matches: [{ path: { type: 'PathPrefix', value: '/' }, method: 'POST', headers: [{ name: 'x-team', type: 'Exact', value: 'a' }] }],
      filters: [...(mainRule(0, 0)['filters'] as unknown[]), { type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'web-canary', port: 80 }, percent: 25 } }],
      backendRefs: oneMatch(10, 90)['backendRefs'],
    });
    await ok(router.setWeight(context(), 50, []));
    expect(weightsOf(rulesOf(kube)[1])).toEqual({ 'web-stable': 50, 'web-canary': 50, 'web-legacy': 0 });
    await ok(router.setMirrorRoute!(context(), { name: 'mirror', percentage: 100, match: [] }));
    expect(rulesOf(kube)).toEqual([oneMatch(50, 50)]);
  });

  it('ANDs a mirror path into the weighted matches: the narrower prefix wins, disjoint combinations are dropped', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(10, 90)])]);
    await ok(make(kube, { httpRoute: 'web-route' }).setMirrorRoute!(context(), { name: 'm', percentage: 100, match: [{ path: { prefix: '/api/v2' } }, { path: { exact: '/health' } }] }));
    const m = rulesOf(kube)[1]!;
    expect(m['matches']).toEqual([
      { path: { type: 'PathPrefix', value: '/api/v2' } },
      { path: { type: 'Exact', value: '/health' } },
      { path: { type: 'PathPrefix', value: '/api/v2' }, method: 'GET' },
    ]);
    expect((m['filters'] as Array<Record<string, unknown>>)[1]).toEqual({ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'web-canary', port: 80 } } });
  });

  it('is an error for what an HTTPRoute cannot express (a method prefix, two regex-bearing paths) and on header-enabled GRPCRoutes', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(10, 90)]), route('GRPCRoute', 'g', [{ backendRefs: [ref('web-canary', 0), ref('web-stable', 100)] }])]);
    const router = make(kube, { httpRoute: 'web-route' });
    expect((await fails(router.setMirrorRoute!(context(), { name: 'm', percentage: 100, match: [{ path: { regex: '/a.*' } }] }))).message).toMatch(
      /match\[0\]\.path: \{"type":"RegularExpression","value":"\/a\.\*"\} and the weighted rule's path \{"type":"PathPrefix","value":"\/api"\} cannot be combined/,
    );
    expect((await fails(router.setMirrorRoute!(context(), { name: 'm', percentage: 100, match: [{ headers: { a: { exact: 'b' } } }, { method: { prefix: 'P' } }] }))).message).toMatch(/match\[1\]\.method: the Gateway API matches methods exactly only/);
    const both = make(kube, { httpRoute: 'web-route', grpcRoute: 'g' });
    expect(await fails(both.setMirrorRoute!(context(), { name: 'm', percentage: 100, match: [{ path: { prefix: '/' } }] }))).toMatchObject({ _tag: 'PluginUnsupported', message: expect.stringContaining('GRPCRoute g') });
    expect(rulesOf(kube)).toEqual([mainRule(10, 90)]);
  });
});

describe('release (the Rollout was deleted)', () => {
  it('removes the managed rules and experiment backends and puts all traffic on stable, label off', async () => {
    const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [mainRule(0, 100)]), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'exp', namespace: NS }, spec: { ports: [{ port: 80 }] } }]);
    const router = make(kube, { httpRoute: 'web-route' });
    await ok(router.setWeight(context(), 40, [{ serviceName: 'exp', podTemplateHash: 'e', weight: 10 }]));
    await ok(router.setHeaderRoute!(context(), { name: 'beta', match: [{ headerName: 'x', headerValue: { exact: 'y' } }] }));
    await ok(router.release!(context()));
    const after = kube.find(rRef('HTTPRoute', 'web-route'))!;
    expect(after['spec']).toEqual({ parentRefs: [{ name: 'gw' }], rules: [mainRule(0, 100)] });
    expect(after.metadata.labels).toBeUndefined();
    expect(after.metadata.annotations).toBeUndefined();
    // A route already gone is nothing to release.
    await ok(make(kube, { httpRoute: 'gone' }).release!(context()));
  });
});

describeRouterConformance('gatewayAPI (FakeKubeObjectClient)', async () => {
  const neighbour = route('HTTPRoute', 'neighbour', [{ backendRefs: [ref('web-stable', 3), ref('web-canary', 1)] }]);
  const kube = new FakeKubeObjectClient([route('HTTPRoute', 'web-route', [adminRule, mainRule(0, 100)]), neighbour]);
  const router = make(kube, { httpRoute: 'web-route' });
  return {
    router,
    ctx: context(),
    kube,
    foreignObjects: [kube.find(rRef('HTTPRoute', 'neighbour'))!],
    readWeight: async () => weightsOf(rulesOf(kube).find((r) => r['name'] === 'main'))['web-canary'],
    removeBackend: async () => {
      await kube.delete(rRef('HTTPRoute', 'web-route'))();
    },
  };
});
