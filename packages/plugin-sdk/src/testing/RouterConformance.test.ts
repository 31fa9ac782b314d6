import * as TE from 'fp-ts/lib/TaskEither';
import { pipe } from 'fp-ts/lib/function';
import type { Rollout } from '@rollouts/api';
import type { KubeObject, KubeObjectClient } from '../KubeObjectClient';
import { PluginErrors } from '../PluginError';
import type { RoutingContext, TrafficRouter } from '../TrafficRouter';
import { FakeKubeObjectClient } from './FakeKubeObjectClient';
import { describeRouterConformance, routerConformanceChecks, type RouterConformanceSetup } from './RouterConformance';

// A tiny router over a made-up `Route` object: spec.canaryWeight and spec.headerRoutes{name: match}.
const ROUTE = { apiVersion: 'example.com/v1', kind: 'Route', namespace: 'ns', name: 'web' };
const route: KubeObject = { apiVersion: ROUTE.apiVersion, kind: ROUTE.kind, metadata: { name: 'web', namespace: 'ns' }, spec: { canaryWeight: 0, headerRoutes: {} } };
const neighbour: KubeObject = { apiVersion: ROUTE.apiVersion, kind: ROUTE.kind, metadata: { name: 'other', namespace: 'ns' }, spec: { canaryWeight: 7, headerRoutes: {} } };

interface Faults {
  /** Write even when nothing changes. */
  readonly alwaysWrite?: boolean;
  /** removeManagedRoutes does nothing. */
  readonly keepRoutes?: boolean;
  /** setWeight also writes the neighbour's route. */
  readonly touchNeighbour?: boolean;
  /** Throw when the route is missing. */
  readonly throwWhenMissing?: boolean;
  /** verifyWeight answers false. */
  readonly neverVerified?: boolean;
  /** setWeight writes weight + 1. */
  readonly offByOne?: boolean;
}

type RouteSpec = { canaryWeight: number; headerRoutes: Record<string, unknown> };

function testRouter(kube: KubeObjectClient, faults: Faults = {}): TrafficRouter {
  // A function, not a value: FakeKubeObjectClient.get reads the store when called, not when the task runs.
  const read = pipe(
    TE.of<never, void>(undefined),
    TE.chain(() => kube.get(ROUTE)),
    TE.chain((o) => (o === undefined ? TE.left(PluginErrors.kubeNotFound({ message: 'Route "web" not found' })) : TE.right(o.spec as RouteSpec))),
  );
  const write = (body: unknown) => TE.map(() => undefined)(kube.patch(ROUTE, { type: 'merge', body: { spec: body } }));
  return {
    updateHash: () => TE.right(undefined),
    setWeight: (_ctx, weight) => {
      if (faults.throwWhenMissing === true)
        return async () => {
          const got = await kube.get(ROUTE)();
          if (got._tag === 'Right' && got.right === undefined) throw new Error('boom');
          return write({ canaryWeight: weight })();
        };
      return pipe(
        read,
        TE.chain((spec) => {
          const w = faults.offByOne === true ? weight + 1 : weight;
          const writes: Array<TE.TaskEither<never, void> | ReturnType<typeof write>> = [];
          if (faults.alwaysWrite === true || spec.canaryWeight !== w) writes.push(write({ canaryWeight: w }));
          if (faults.touchNeighbour === true) writes.push(TE.map(() => undefined)(kube.patch({ ...ROUTE, name: 'other' }, { type: 'merge', body: { spec: { canaryWeight: w } } })));
          return pipe(
            TE.sequenceSeqArray(writes),
            TE.map(() => undefined),
          );
        }),
      );
    },
    setHeaderRoute: (_ctx, r) =>
      pipe(
        read,
        TE.chain((spec) => {
          const want = r.match.length === 0 ? undefined : r.match;
          if (JSON.stringify(spec.headerRoutes[r.name]) === JSON.stringify(want)) return TE.right(undefined);
          return write({ headerRoutes: { [r.name]: want ?? null } });
        }),
      ),
    removeManagedRoutes: (ctx) =>
      pipe(
        read,
        TE.chain((spec) => {
          if (faults.keepRoutes === true) return TE.right(undefined);
          const names = (ctx.rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((m) => m.name).filter((n) => n in spec.headerRoutes);
          return names.length === 0 ? TE.right(undefined) : write({ headerRoutes: Object.fromEntries(names.map((n) => [n, null])) });
        }),
      ),
    verifyWeight: (_ctx, weight) =>
      pipe(
        read,
        TE.map((spec) => faults.neverVerified !== true && spec.canaryWeight === weight),
      ),
  };
}

const rollout: Rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'ns', uid: 'uid-1' }, spec: { strategy: { canary: { trafficRouting: {} } } } };
const ctx: RoutingContext = { rollout, namespace: 'ns', canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c1', stablePodHash: 's1', maxWeight: 100, signal: new AbortController().signal };

const setupWith =
  (faults: Faults = {}) =>
  async (): Promise<RouterConformanceSetup> => {
    const kube = new FakeKubeObjectClient([route, neighbour]);
    return {
      router: testRouter(kube, faults),
      ctx,
      kube,
      foreignObjects: [neighbour],
      readWeight: async () => (kube.find(ROUTE)?.spec as RouteSpec | undefined)?.canaryWeight,
      removeBackend: async () => {
        await kube.delete(ROUTE)();
      },
    };
  };

describeRouterConformance('the test-double router', setupWith());

describe('the conformance suite catches routers that break the contract', () => {
  const check = (start: string) => {
    const c = routerConformanceChecks.find((x) => x.title.startsWith(start));
    if (c === undefined) throw new Error(`no check starts with ${start}`);
    return c;
  };
  it.each<[string, Faults, string, RegExp]>([
    ['writes when nothing changes', { alwaysWrite: true }, 'setWeight twice', /second setWeight 30 changed objects/],
    ['writes another weight than asked', { offByOne: true }, 'weights move', /after setWeight 0 the objects carry another weight/],
    ['never verifies', { neverVerified: true }, 'verifyWeight', /verifyWeight 30 right after setWeight 30/],
    ['leaves managed routes behind', { keepRoutes: true }, 'managed routes', /did not restore the objects/],
    ['writes a neighbour it does not own', { touchNeighbour: true }, 'objects the router does not own', /does not own changed/],
    ['throws when its route is missing', { throwWhenMissing: true }, 'failures are PluginError', /threw instead of returning a PluginError/],
  ])('a router that %s fails', async (_what, faults, title, message) => {
    await expect(check(title).run(setupWith(faults))).rejects.toThrow(message);
  });

  it('a router that succeeds without its backend fails', async () => {
    const lenient = async (): Promise<RouterConformanceSetup> => {
      const s = await setupWith()();
      return { ...s, router: { ...s.router, setWeight: () => TE.right(undefined) } };
    };
    await expect(check('failures are PluginError').run(lenient)).rejects.toThrow(/succeeded although the object it routes through is missing/);
  });

  it('a router failing with something else than a PluginError fails', async () => {
    const odd = async (): Promise<RouterConformanceSetup> => {
      const s = await setupWith()();
      return { ...s, router: { ...s.router, setWeight: () => TE.left({ oops: true } as never) } };
    };
    await expect(check('weights move').run(odd)).rejects.toThrow(/not a PluginError/);
  });
});
