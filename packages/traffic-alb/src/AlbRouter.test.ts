import * as E from 'fp-ts/lib/Either';
import type { ALBTrafficRouting, Rollout } from '@rollouts/api';
import { routerCapabilities, PluginErrors, type KubeObject, type RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, FakeKubeObjectClient } from '@rollouts/plugin-sdk/testing';
import { albRouter } from './AlbRouter';
import { RecordedContractTargetGroupReader, recordingFor } from '../test/RecordedContractTargetGroupReader';
import type { TargetGroupReader } from './TargetGroupReader';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const P = 'alb.ingress.kubernetes.io';
const MANAGED = 'rollouts.argoproj.io/managed-alb-annotations';

const userPath = (service: string, path = '/') => ({ path, pathType: 'Prefix', backend: { service: { name: service, port: { name: 'use-annotation' } } } });
function ingress(name: string, annotations: Record<string, string> = {}, rootService = 'web-root'): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'ns', annotations: { 'kubernetes.io/ingress.class': 'alb', [`${P}/scheme`]: 'internet-facing', ...annotations } },
    spec: { rules: [{ host: 'web.example.com', http: { paths: [userPath(rootService), userPath('cdn', '/static')] } }] },
    status: { loadBalancer: { ingress: [{ hostname: `${name}-lb.eu-west-1.elb.amazonaws.com` }] } },
  };
}

function context(extra: { managedRoutes?: string[]; pingPong?: boolean; stablePingPong?: 'ping' | 'pong' } = {}): RoutingContext {
  const rollout: Rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'ns', uid: 'ro-uid' },
    spec: {
      strategy: {
        canary: {
          ...(extra.pingPong === true ? { pingPong: { pingService: 'web-ping', pongService: 'web-pong' } } : {}),
          trafficRouting: { alb: { ingress: 'web', servicePort: 443 }, managedRoutes: (extra.managedRoutes ?? ['beta']).map((name) => ({ name })) },
        },
      },
    },
    ...(extra.stablePingPong !== undefined ? { status: { canary: { stablePingPong: extra.stablePingPong } } } : {}),
  };
  // With ping-pong the controller passes the pair in their current roles (from the status being written).
  const pongStable = extra.stablePingPong === 'pong';
  const [canaryService, stableService] = extra.pingPong !== true ? ['web-canary', 'web-stable'] : pongStable ? ['web-ping', 'web-pong'] : ['web-pong', 'web-ping'];
  return { rollout, namespace: 'ns', canaryService, stableService, canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal };
}

const CONFIG: ALBTrafficRouting = { ingress: 'web', servicePort: 443, rootService: 'web-root' };
function world(config: ALBTrafficRouting = CONFIG, objects: KubeObject[] = [ingress('web')], targetGroups?: TargetGroupReader) {
  const kube = new FakeKubeObjectClient(objects);
  const router = albRouter(targetGroups !== undefined ? { targetGroups } : {}).make({ kube, log: quiet, now: () => 0 })(config);
  return { kube, router };
}
const ref = (name = 'web') => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'ns', name });
const annotations = (kube: FakeKubeObjectClient, name = 'web') => kube.find(ref(name))!.metadata.annotations!;
async function ok<A>(t: () => Promise<E.Either<unknown, A>>): Promise<A> {
  const r = await t();
  if (E.isLeft(r)) throw new Error(`expected success: ${JSON.stringify(r.left)}`);
  return r.right;
}
const tg = (ServiceName: string, Weight: number) => ({ ServiceName, ServicePort: '443', Weight });

describe('alb router: setWeight', () => {
  it.each<[string, ALBTrafficRouting, number, Array<{ serviceName: string; podTemplateHash: string; weight: number }>, string, string]>([
    ['rootService', CONFIG, 30, [], `${P}/actions.web-root`, JSON.stringify({ Type: 'forward', ForwardConfig: { TargetGroups: [tg('web-canary', 30), tg('web-stable', 70)] } })],
    [
      'additional destinations between canary and stable, stable gets the rest',
      CONFIG,
      20,
      [{ serviceName: 'exp-a', podTemplateHash: 'a', weight: 5 }, { serviceName: 'exp-b', podTemplateHash: 'b', weight: 10 }],
      `${P}/actions.web-root`,
      JSON.stringify({ Type: 'forward', ForwardConfig: { TargetGroups: [tg('web-canary', 20), tg('exp-a', 5), tg('exp-b', 10), tg('web-stable', 65)] } }),
    ],
    [
      'stickiness enabled',
      { ...CONFIG, stickinessConfig: { enabled: true, durationSeconds: 3600 } },
      10,
      [],
      `${P}/actions.web-root`,
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"web-canary","ServicePort":"443","Weight":10},{"ServiceName":"web-stable","ServicePort":"443","Weight":90}],"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":3600}}}',
    ],
    ['stickiness disabled: key omitted', { ...CONFIG, stickinessConfig: { enabled: false, durationSeconds: 3600 } }, 10, [], `${P}/actions.web-root`, JSON.stringify({ Type: 'forward', ForwardConfig: { TargetGroups: [tg('web-canary', 10), tg('web-stable', 90)] } })],
    ['annotationPrefix', { ...CONFIG, annotationPrefix: 'acme.io' }, 40, [], 'acme.io/actions.web-root', JSON.stringify({ Type: 'forward', ForwardConfig: { TargetGroups: [tg('web-canary', 40), tg('web-stable', 60)] } })],
  ])('exact action annotation: %s', async (_what, config, weight, additional, key, json) => {
    const { kube, router } = world(config);
    await ok(router.setWeight(context(), weight, additional));
    expect(annotations(kube)).toEqual({ 'kubernetes.io/ingress.class': 'alb', [`${P}/scheme`]: 'internet-facing', [key]: json, [MANAGED]: JSON.stringify({ web: [key] }) });
  });

  it('without rootService the action is on the stable Service', async () => {
    const { kube, router } = world({ ingress: 'web', servicePort: 80 }, [ingress('web', {}, 'web-stable')]);
    await ok(router.setWeight(context(), 50, []));
    expect(annotations(kube)[`${P}/actions.web-stable`]).toBe('{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"web-canary","ServicePort":"80","Weight":50},{"ServiceName":"web-stable","ServicePort":"80","Weight":50}]}}');
  });

  it('writes every Ingress of `ingress` + `ingresses`, even after one that needed no change', async () => {
    const { kube, router } = world({ ...CONFIG, ingresses: ['web', 'web-internal'] }, [ingress('web'), ingress('web-internal')]);
    await ok(router.setWeight(context(), 10, []));
    await kube.patch(ref('web-internal'), { type: 'merge', body: { metadata: { annotations: { [`${P}/actions.web-root`]: 'stale' } } } })();
    await ok(router.setWeight(context(), 10, []));
    for (const name of ['web', 'web-internal']) expect(JSON.parse(annotations(kube, name)[`${P}/actions.web-root`]!)).toEqual({ Type: 'forward', ForwardConfig: { TargetGroups: [tg('web-canary', 10), tg('web-stable', 90)] } });
  });

  it('patches only its own annotations (merge patch), keeps other Rollouts in the managed map, and writes nothing when nothing changed', async () => {
    const other = JSON.stringify({ api: [`${P}/actions.api`] });
    const { kube, router } = world(CONFIG, [ingress('web', { [MANAGED]: other, [`${P}/actions.api`]: '{"x":1}' })]);
    await ok(router.setWeight(context(), 10, []));
    await ok(router.setWeight(context(), 10, []));
    await ok(router.setWeight(context(), 20, []));
    const writes = kube.calls.filter((c) => c.verb !== 'get');
    expect(writes.map((c) => c.verb)).toEqual(['patch', 'patch']);
    expect(annotations(kube)[`${P}/actions.api`]).toBe('{"x":1}');
    expect(JSON.parse(annotations(kube)[MANAGED]!)).toEqual({ api: [`${P}/actions.api`], web: [`${P}/actions.web-root`] });
    expect(kube.find(ref())!.spec).toEqual(ingress('web').spec);
  });

  it.each<[string, ReturnType<typeof context>, string, string]>([
    ['ping stable (default)', context({ pingPong: true }), 'web-pong', 'web-ping'],
    ['pong stable', context({ pingPong: true, stablePingPong: 'pong' }), 'web-ping', 'web-pong'],
    // At the promotion that swaps the roles the Rollout object still says ping; the context (the new status) rules.
    ['pong stable, the Rollout object not written yet', { ...context({ pingPong: true, stablePingPong: 'pong' }), rollout: context({ pingPong: true }).rollout }, 'web-ping', 'web-pong'],
  ])('ping-pong: %s', async (_what, ctx, canary, stable) => {
    const { kube, router } = world();
    await ok(router.setWeight(ctx, 25, []));
    expect(JSON.parse(annotations(kube)[`${P}/actions.web-root`]!)).toEqual({ Type: 'forward', ForwardConfig: { TargetGroups: [tg(canary, 25), tg(stable, 75)] } });
  });

  it.each<[string, KubeObject[], string, RegExp]>([
    ['the Ingress is missing', [], 'KubeNotFound', /Ingress `web` not found/],
    ['no rule uses the root Service', [ingress('web', {}, 'other')], 'RouterMisconfigured', /ingress `web` does not have service `web-root` in rules/],
  ])('fails with a value when %s', async (_what, objects, tag, message) => {
    const { router } = world(CONFIG, objects);
    expect(await router.setWeight(context(), 10, [])()).toMatchObject({ _tag: 'Left', left: { _tag: tag, message: expect.stringMatching(message) } });
  });

  it('refuses a configuration without an Ingress at creation', () => {
    expect(() => world({ servicePort: 80 })).toThrow(/needs ingress or ingresses/);
  });
});

describe('alb router: header routes', () => {
  const routePath = (name: string) => ({ path: '/*', pathType: 'ImplementationSpecific', backend: { service: { name, port: { name: 'use-annotation' } } } });

  it('sets action, condition and a first path (several values OR-ed, headers AND-ed), kept by setWeight, removed by removeManagedRoutes', async () => {
    const { kube, router } = world();
    const ctx = context();
    await ok(router.setWeight(ctx, 10, []));
    const before = kube.find(ref());
    await ok(router.setHeaderRoute!(ctx, { name: 'beta', match: [{ headerName: 'X-Canary', headerValue: { exact: 'a' } }, { headerName: 'X-Canary', headerValue: { exact: 'b' } }, { headerName: 'X-Team', headerValue: { exact: 'web' } }] }));
    await ok(router.setWeight(ctx, 20, []));
    const a = annotations(kube);
    expect(a[`${P}/actions.beta`]).toBe('{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"web-canary","ServicePort":"443","Weight":100}]}}');
    expect(a[`${P}/conditions.beta`]).toBe(
      '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["a","b"]}},{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Team","values":["web"]}}]',
    );
    expect(JSON.parse(a[MANAGED]!)).toEqual({ web: [`${P}/actions.web-root`, `${P}/actions.beta`, `${P}/conditions.beta`] });
    expect(kube.find(ref())!.spec).toEqual({ rules: [{ host: 'web.example.com', http: { paths: [routePath('beta'), userPath('web-root'), userPath('cdn', '/static')] } }] });
    await ok(router.removeManagedRoutes!(ctx));
    await ok(router.setWeight(ctx, 10, []));
    expect(kube.find(ref())).toEqual({ ...before, metadata: { ...before!.metadata, resourceVersion: kube.find(ref())!.metadata.resourceVersion } });
  });

  it('orders route paths as managedRoutes; removing one (empty match) leaves the other', async () => {
    const { kube, router } = world();
    const ctx = context({ managedRoutes: ['alpha', 'beta'] });
    await ok(router.setHeaderRoute!(ctx, { name: 'beta', match: [{ headerName: 'x-b', headerValue: { exact: '1' } }] }));
    await ok(router.setHeaderRoute!(ctx, { name: 'alpha', match: [{ headerName: 'x-a', headerValue: { exact: '1' } }] }));
    expect((kube.find(ref())!.spec as { rules: Array<{ http: { paths: unknown[] } }> }).rules[0]!.http.paths.slice(0, 2)).toEqual([routePath('alpha'), routePath('beta')]);
    await ok(router.setHeaderRoute!(ctx, { name: 'alpha', match: [] }));
    expect((kube.find(ref())!.spec as { rules: Array<{ http: { paths: unknown[] } }> }).rules[0]!.http.paths).toEqual([routePath('beta'), userPath('web-root'), userPath('cdn', '/static')]);
    expect(annotations(kube)[`${P}/actions.alpha`]).toBeUndefined();
    expect(annotations(kube)[`${P}/conditions.beta`]).toBeDefined();
  });

  it('does not delete a route annotation it does not own', async () => {
    const { kube, router } = world(CONFIG, [ingress('web', { [`${P}/actions.beta`]: 'user-owned' })]);
    await ok(router.removeManagedRoutes!(context()));
    expect(annotations(kube)[`${P}/actions.beta`]).toBe('user-owned');
    expect(kube.calls.filter((c) => c.verb !== 'get')).toEqual([]);
  });

  it.each<[string, { prefix?: string; regex?: string }]>([
    ['prefix', { prefix: 'a' }],
    ['regex', { regex: 'a.*' }],
  ])('refuses a %s match as PluginUnsupported, writing nothing', async (_what, headerValue) => {
    const { kube, router } = world();
    const r = await router.setHeaderRoute!(context(), { name: 'beta', match: [{ headerName: 'x', headerValue }] })();
    expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'PluginUnsupported', retryable: false, message: expect.stringMatching(/exact value only/) } });
    expect(kube.calls).toEqual([]);
  });
});

describe('alb router: verifyWeight', () => {
  const recordingOf = (kube: FakeKubeObjectClient, names: string[], lag?: { weight: number }) => () =>
    recordingFor(
      names.map((name) => {
        const o = kube.find(ref(name))!;
        const action = o.metadata.annotations?.[`${P}/actions.web-root`];
        return { namespace: 'ns', ingress: name, dnsName: `${name}-lb.eu-west-1.elb.amazonaws.com`, action: lag !== undefined && action !== undefined ? action.replace(/"Weight":\d+/, `"Weight":${lag.weight}`) : action };
      }),
    );

  it('is a capability: absent without a TargetGroupReader, present with one', () => {
    expect(routerCapabilities(world().router)).toEqual(['setHeaderRoute']);
    const reader = new RecordedContractTargetGroupReader(() => recordingFor([]));
    expect(routerCapabilities(world(CONFIG, [ingress('web')], reader).router)).toEqual(['setHeaderRoute', 'verifyWeight']);
  });

  it('true when every Ingress load balancer carries the canary and additional weights (recorded-contract fake)', async () => {
    const config = { ...CONFIG, ingresses: ['web', 'web-internal'] };
    const kube = new FakeKubeObjectClient([ingress('web'), ingress('web-internal')]);
    const reader = new RecordedContractTargetGroupReader(recordingOf(kube, ['web', 'web-internal']));
    const router = albRouter({ targetGroups: reader }).make({ kube, log: quiet, now: () => 0 })(config);
    const dests = [{ serviceName: 'exp', podTemplateHash: 'e', weight: 5 }];
    await ok(router.setWeight(context(), 30, dests));
    expect(await ok(router.verifyWeight!(context(), 30, dests))).toBe(true);
    expect(await ok(router.verifyWeight!(context(), 40, dests))).toBe(false);
    expect(await ok(router.verifyWeight!(context(), 30, [{ serviceName: 'exp', podTemplateHash: 'e', weight: 6 }]))).toBe(false);
    expect(reader.calls).toEqual(['web-lb.eu-west-1.elb.amazonaws.com', 'web-internal-lb.eu-west-1.elb.amazonaws.com', 'web-lb.eu-west-1.elb.amazonaws.com', 'web-lb.eu-west-1.elb.amazonaws.com']);
  });

  it('false while AWS still applies the old weight', async () => {
    const kube = new FakeKubeObjectClient([ingress('web')]);
    const router = albRouter({ targetGroups: new RecordedContractTargetGroupReader(recordingOf(kube, ['web'], { weight: 10 })) }).make({ kube, log: quiet, now: () => 0 })(CONFIG);
    await ok(router.setWeight(context(), 30, []));
    expect(await ok(router.verifyWeight!(context(), 30, []))).toBe(false);
  });

  it('undefined (cannot tell yet) without a load balancer in the Ingress status or unknown to AWS', async () => {
    const noStatus = { ...ingress('web'), status: {} };
    const a = world(CONFIG, [noStatus], new RecordedContractTargetGroupReader(() => recordingFor([])));
    expect(await ok(a.router.verifyWeight!(context(), 0, []))).toBeUndefined();
    const b = world(CONFIG, [ingress('web')], new RecordedContractTargetGroupReader(() => recordingFor([])));
    expect(await ok(b.router.verifyWeight!(context(), 0, []))).toBeUndefined();
  });

  it('passes reader failures on as values', async () => {
    const failure = PluginErrors.routerUnavailable({ message: 'elasticloadbalancing unreachable' });
    const { router } = world(CONFIG, [ingress('web')], new RecordedContractTargetGroupReader(() => recordingFor([]), failure));
    expect(await router.verifyWeight!(context(), 0, [])()).toEqual(E.left(failure));
  });
});

describeRouterConformance('alb (FakeKubeObjectClient, recorded-contract target groups)', async () => {
  const neighbour = ingress('api', { [`${P}/actions.api`]: '{"Type":"forward"}', [MANAGED]: JSON.stringify({ api: [`${P}/actions.api`] }) }, 'api');
  const kube = new FakeKubeObjectClient([ingress('web'), neighbour]);
  const reader = new RecordedContractTargetGroupReader(() => {
    const o = kube.find(ref());
    return recordingFor(o === undefined ? [] : [{ namespace: 'ns', ingress: 'web', dnsName: 'web-lb.eu-west-1.elb.amazonaws.com', action: o.metadata.annotations?.[`${P}/actions.web-root`] }]);
  });
  const router = albRouter({ targetGroups: reader }).make({ kube, log: quiet, now: () => 0 })(CONFIG);
  return {
    router,
    ctx: context(),
    kube,
    foreignObjects: [neighbour],
    readWeight: async () => {
      const a = kube.find(ref())?.metadata.annotations?.[`${P}/actions.web-root`];
      return a === undefined ? undefined : (JSON.parse(a) as { ForwardConfig: { TargetGroups: Array<{ Weight: number }> } }).ForwardConfig.TargetGroups[0]!.Weight;
    },
    removeBackend: async () => {
      await kube.delete(ref())();
    },
  };
});

describe('alb router: release (the Rollout was deleted)', () => {
  it('sends everything to the stable Service, removes the routes and this Rollout\'s managed entry, leaves other owners alone', async () => {
    const other = JSON.stringify({ api: [`${P}/actions.api-root`] });
    const { kube, router } = world(CONFIG, [ingress('web', { [MANAGED]: other, [`${P}/actions.api-root`]: '{"Type":"fixed-response"}' })]);
    const ctx = context();
    await ok(router.setWeight(ctx, 40, []));
    await ok(router.setHeaderRoute!(ctx, { name: 'beta', match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }] }));
    await ok(router.release!(ctx));
    const a = annotations(kube);
    expect(JSON.parse(a[`${P}/actions.web-root`]!)).toEqual({ Type: 'forward', ForwardConfig: { TargetGroups: [tg('web-canary', 0), tg('web-stable', 100)] } });
    expect(a[`${P}/actions.beta`]).toBeUndefined();
    expect(a[`${P}/conditions.beta`]).toBeUndefined();
    expect(JSON.parse(a[MANAGED]!)).toEqual({ api: [`${P}/actions.api-root`] });
    expect(a[`${P}/actions.api-root`]).toBe('{"Type":"fixed-response"}');
    expect((kube.find(ref())!.spec as { rules: Array<{ http: { paths: unknown[] } }> }).rules[0]!.http.paths).toEqual([userPath('web-root'), userPath('cdn', '/static')]);
  });

  it('with no other owner the managed-annotations key goes away, and a second release changes nothing', async () => {
    const { kube, router } = world();
    const ctx = context();
    await ok(router.setWeight(ctx, 25, []));
    await ok(router.release!(ctx));
    expect(annotations(kube)[MANAGED]).toBeUndefined();
    const after = kube.find(ref());
    await ok(router.release!(ctx));
    expect(kube.find(ref())).toEqual(after);
  });
});
