import * as TE from 'fp-ts/lib/TaskEither';
import type { Rollout } from '@rollouts/api';
import { PluginErrors, type TrafficRouter } from '@rollouts/plugin-sdk';
import { routerStatuses } from './RouterStatuses';
import type { ConfiguredRouter } from './TrafficRouters';

const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'ns' }, spec: { strategy: { canary: { canaryService: 'c', stableService: 's' } } } } as Rollout;
const base: TrafficRouter = { setWeight: () => TE.right(undefined), updateHash: () => TE.right(undefined), removeManagedRoutes: () => TE.right(undefined) };
const alb = { loadBalancer: { name: 'lb' } };

function deps() {
  const warnings: string[] = [];
  const log = { debug: () => undefined, info: () => undefined, warn: (m: string, f?: Readonly<Record<string, unknown>>) => void warnings.push(`${m}${f?.['error'] !== undefined ? `: ${String(f['error'])}` : ''}`), error: () => undefined };
  return { warnings, deps: { log, signal: new AbortController().signal, routerTimeoutMs: 1_000 } };
}
const configured = (kind: string, router: TrafficRouter): ConfiguredRouter => ({ kind, path: `spec.strategy.canary.trafficRouting.${kind}`, router });

describe('routerStatuses', () => {
  test('routers without status: nothing asked, nothing reported', async () => {
    const d = deps();
    expect(await routerStatuses(rollout, [configured('smi', base)], d.deps)).toBeUndefined();
    expect(d.warnings).toEqual([]);
  });

  test("a router's report is returned; a failing or throwing router is logged and reports nothing", async () => {
    const d = deps();
    const failing = { ...base, status: () => TE.left(PluginErrors.routerUnavailable({ message: 'ELBv2 unreachable' })) };
    const throwing = {
      ...base,
      status: () => () => {
        throw new Error('boom');
      },
    };
    const reporting = { ...base, status: () => TE.right({ alb }) };
    expect(await routerStatuses(rollout, [configured('acme/a', failing), configured('acme/b', throwing as unknown as TrafficRouter), configured('alb', reporting)], d.deps)).toEqual({ alb });
    expect(d.warnings).toEqual(['traffic router could not report its status: ELBv2 unreachable', 'traffic router status threw: boom']);
  });

  test('a field routers may not write is refused and logged', async () => {
    const d = deps();
    const sneaky = { ...base, status: () => TE.right({ phase: 'Healthy' } as never) };
    expect(await routerStatuses(rollout, [configured('acme/sneaky', sneaky)], d.deps)).toBeUndefined();
    expect(d.warnings).toEqual(['traffic router acme/sneaky reported status.phase, which routers may not write (only status.alb, status.albs)']);
  });
});
