/**
 * The traffic-router conformance suite: checks every router must pass, whatever it routes through. A
 * router's own test file calls {@link describeRouterConformance} with a setup that builds a fresh world (a
 * fake or a kube-sim namespace holding the objects the router needs) and the router under test.
 *
 * The checks use plain assertions (they throw an `Error` with a message), so they run under any test runner
 * that has global `describe`/`it` (jest, vitest, mocha); {@link routerConformanceChecks} exposes them as
 * plain functions too.
 */
import type { KubeObject, KubeObjectClient } from '../KubeObjectClient';
import { pluginCalls, testRunnerGlobals, type PluginCalls } from './internal/PluginCalls';
import type { AdditionalDestination, HeaderRoute, MirrorRoute, RoutingContext, TrafficRouter } from '../TrafficRouter';

/** A fresh world for one check: the router, the context it routes for, and the objects around it. */
export interface RouterConformanceSetup {
  readonly router: TrafficRouter;
  readonly ctx: RoutingContext;
  /** The client the router writes through; `all()` lists every object the router could touch (for snapshots). */
  readonly kube: KubeObjectClient & { all(): ReadonlyArray<KubeObject> | Promise<ReadonlyArray<KubeObject>> };
  /** Objects the router does not own (the stable Ingress, a neighbour's route): must stay byte for byte. */
  readonly foreignObjects?: ReadonlyArray<KubeObject>;
  /** The canary weight the routing objects carry now, read back from them (`undefined`: no objects yet). */
  readonly readWeight?: () => Promise<number | undefined>;
  /**
   * Delete the object the router routes through and does not create (stable Ingress, VirtualService). Absent
   * for routers that create everything they need (SMI): then the check only asserts calls never throw.
   */
  readonly removeBackend?: () => Promise<void>;
}

/** One check of the suite, runnable on its own. */
export interface RouterConformanceCheck {
  readonly title: string;
  run(setup: () => Promise<RouterConformanceSetup>): Promise<void>;
}

/** The header route the suite sets; its name is added to the Rollout's `managedRoutes`. */
export const CONFORMANCE_HEADER_ROUTE: HeaderRoute = { name: 'conformance-header', match: [{ headerName: 'x-conformance', headerValue: { exact: 'canary' } }] };
/** The mirror route the suite sets (on routers that can). */
export const CONFORMANCE_MIRROR_ROUTE: MirrorRoute = { name: 'conformance-mirror', match: [{ path: { prefix: '/' } }], percentage: 50 };

const NO_DESTINATIONS: ReadonlyArray<AdditionalDestination> = [];
const calls: PluginCalls = pluginCalls('router conformance');
const assert: PluginCalls['assert'] = calls.assert;
const { call, succeed } = calls;

function sameJson(actual: unknown, expected: unknown, message: string): void {
  const a = JSON.stringify(actual, null, 2);
  const e = JSON.stringify(expected, null, 2);
  assert(a === e, `${message}\n--- expected\n${e}\n--- actual\n${a}`);
}

/** Every object, sorted, as JSON. */
async function snapshot(kube: RouterConformanceSetup['kube']): Promise<unknown[]> {
  const all = await kube.all();
  const keyOf = (o: KubeObject) => `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
  return [...all].sort((a, b) => keyOf(a).localeCompare(keyOf(b))).map((o) => JSON.parse(JSON.stringify(o)) as unknown);
}

/** A snapshot without what the server changes on every write (resourceVersion, generation, managedFields). */
function withoutWriteMarks(objects: unknown[]): unknown[] {
  return objects.map((o) => {
    const obj = o as { metadata?: Record<string, unknown> };
    if (obj.metadata === undefined) return o;
    const { resourceVersion: _rv, generation: _g, managedFields: _m, ...metadata } = obj.metadata;
    return { ...obj, metadata };
  });
}

/** The context with the suite's routes listed in `trafficRouting.managedRoutes`. */
function withSuiteRoutes(ctx: RoutingContext): RoutingContext {
  const spec = ctx.rollout.spec;
  const canary = spec.strategy?.canary ?? {};
  const tr = canary.trafficRouting ?? {};
  const names = [CONFORMANCE_HEADER_ROUTE.name, CONFORMANCE_MIRROR_ROUTE.name];
  const managedRoutes = [...(tr.managedRoutes ?? []).filter((r) => !names.includes(r.name)), ...names.map((name) => ({ name }))];
  return { ...ctx, rollout: { ...ctx.rollout, spec: { ...spec, strategy: { ...spec.strategy, canary: { ...canary, trafficRouting: { ...tr, managedRoutes } } } } } };
}

/** Set the suite's header and mirror routes, through the capabilities the router has. */
async function setRoutes(s: RouterConformanceSetup, ctx: RoutingContext): Promise<void> {
  const { router } = s;
  if (router.setHeaderRoute !== undefined) await succeed('setHeaderRoute', () => router.setHeaderRoute!(ctx, CONFORMANCE_HEADER_ROUTE)());
  if (router.setMirrorRoute !== undefined) await succeed('setMirrorRoute', () => router.setMirrorRoute!(ctx, CONFORMANCE_MIRROR_ROUTE)());
}

/** Remove managed routes as the controller does. */
async function removeRoutes(s: RouterConformanceSetup, ctx: RoutingContext): Promise<void> {
  await succeed('removeManagedRoutes', () => s.router.removeManagedRoutes(ctx)());
}

async function setWeight(s: RouterConformanceSetup, ctx: RoutingContext, weight: number): Promise<void> {
  const { router } = s;
  await succeed('updateHash', () => router.updateHash(ctx, ctx.canaryPodHash, ctx.stablePodHash, NO_DESTINATIONS)());
  await succeed(`setWeight ${weight}`, () => router.setWeight(ctx, weight, NO_DESTINATIONS)());
}

async function foreignState(s: RouterConformanceSetup): Promise<string[]> {
  const out: string[] = [];
  for (const o of s.foreignObjects ?? []) {
    const ref = { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace !== undefined ? { namespace: o.metadata.namespace } : {}) };
    const got = await succeed(`get ${o.kind} ${o.metadata.name}`, () => s.kube.get(ref)());
    out.push(JSON.stringify(got));
  }
  return out;
}

/** The checks of the suite, in the order they are registered. */
export const routerConformanceChecks: ReadonlyArray<RouterConformanceCheck> = [
  {
    title: 'setWeight twice with the same weight changes nothing the second time',
    async run(setup) {
      const s = await setup();
      await setWeight(s, s.ctx, 30);
      const first = await snapshot(s.kube);
      await setWeight(s, s.ctx, 30);
      sameJson(await snapshot(s.kube), first, 'the second setWeight 30 changed objects');
    },
  },
  {
    title: 'weights move 0 -> 30 -> 100 -> 0 and read back as set',
    async run(setup) {
      const s = await setup();
      for (const w of [0, 30, 100, 0]) {
        await setWeight(s, s.ctx, w);
        if (s.readWeight !== undefined) sameJson(await s.readWeight(), w, `after setWeight ${w} the objects carry another weight`);
      }
    },
  },
  {
    title: 'verifyWeight (when the router has it) is true after setWeight',
    async run(setup) {
      const s = await setup();
      const verify = s.router.verifyWeight;
      for (const w of [30, 100, 0]) {
        await setWeight(s, s.ctx, w);
        if (verify !== undefined) sameJson(await succeed(`verifyWeight ${w}`, () => verify(s.ctx, w, NO_DESTINATIONS)()), true, `verifyWeight ${w} right after setWeight ${w}`);
      }
    },
  },
  {
    title: 'managed routes: set idempotently, and removeManagedRoutes leaves nothing of them behind',
    async run(setup) {
      const s = await setup();
      const ctx = withSuiteRoutes(s.ctx);
      await setWeight(s, ctx, 30);
      const before = await snapshot(s.kube);
      await setRoutes(s, ctx);
      const withRoutes = await snapshot(s.kube);
      if (s.router.setHeaderRoute !== undefined || s.router.setMirrorRoute !== undefined) {
        assert(JSON.stringify(withRoutes) !== JSON.stringify(before), 'setting a header/mirror route changed no object');
        await setRoutes(s, ctx);
        sameJson(await snapshot(s.kube), withRoutes, 'setting the same routes again changed objects');
      }
      await removeRoutes(s, ctx);
      sameJson(withoutWriteMarks(await snapshot(s.kube)), withoutWriteMarks(before), 'removing the managed routes did not restore the objects as they were before');
      const removed = await snapshot(s.kube);
      await removeRoutes(s, ctx);
      sameJson(await snapshot(s.kube), removed, 'removing the managed routes a second time changed objects');
      if (s.readWeight !== undefined) sameJson(await s.readWeight(), 30, 'removing the managed routes changed the canary weight');
    },
  },
  {
    title: 'objects the router does not own are unchanged byte for byte',
    async run(setup) {
      const s = await setup();
      const ctx = withSuiteRoutes(s.ctx);
      const before = await foreignState(s);
      await setWeight(s, ctx, 0);
      await setWeight(s, ctx, 30);
      await setRoutes(s, ctx);
      await setWeight(s, ctx, 100);
      await removeRoutes(s, ctx);
      await setWeight(s, ctx, 0);
      sameJson(await foreignState(s), before, 'an object the router does not own changed');
    },
  },
  {
    title: 'failures are PluginError values, never exceptions (the object it routes through missing)',
    async run(setup) {
      const s = await setup();
      const ctx = withSuiteRoutes(s.ctx);
      if (s.removeBackend === undefined) {
        // Routers that create everything: the happy path already proves calls resolve to Eithers.
        await setWeight(s, ctx, 30);
        return;
      }
      await s.removeBackend();
      const r = await call('setWeight 30 without its backend', () => s.router.setWeight(ctx, 30, NO_DESTINATIONS)());
      assert(!r.ok, 'setWeight succeeded although the object it routes through is missing');
      if (s.router.setHeaderRoute !== undefined) await call('setHeaderRoute without its backend', () => s.router.setHeaderRoute!(ctx, CONFORMANCE_HEADER_ROUTE)());
      if (s.router.verifyWeight !== undefined) await call('verifyWeight without its backend', () => s.router.verifyWeight!(ctx, 30, NO_DESTINATIONS)());
      await call('removeManagedRoutes without its backend', () => s.router.removeManagedRoutes(ctx)());
    },
  },
];

/**
 * Register the suite as `describe(<name> conforms to the traffic router contract)` with one `it` per
 * check, using the test runner's global `describe` and `it`. `setup` is called once per check and must
 * return a fresh world each time.
 */
export function describeRouterConformance(name: string, setup: () => Promise<RouterConformanceSetup>, options: { readonly timeoutMs?: number } = {}): void {
  const { describe, it } = testRunnerGlobals('describeRouterConformance');
  describe(`${name} conforms to the traffic router contract`, () => {
    for (const check of routerConformanceChecks) it(check.title, () => check.run(setup), options.timeoutMs);
  });
}
