import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either';
import { meshWeights, ROUTE_TYPES, weighRoutes } from './VirtualRouterRoutes';

const nodes = { namespace: 'ns', canary: 'c', stable: 's' };

describe('meshWeights (properties)', () => {
  it('both in 0..100, summing to 100, monotone in the weight', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: -10, max: 100_010 }), fc.integer({ min: -10, max: 100_010 }), (max, a, b) => {
        const wa = meshWeights(a, max);
        const wb = meshWeights(b, max);
        for (const w of [wa, wb]) {
          expect(w.canary + w.stable).toBe(100);
          expect(w.canary).toBeGreaterThanOrEqual(0);
          expect(w.canary).toBeLessThanOrEqual(100);
        }
        if (a <= b) expect(wa.canary).toBeLessThanOrEqual(wb.canary);
      }),
    );
  });
});

describe('weighRoutes (properties)', () => {
  const target = (name: string, weight: number, namespace?: string) => ({ virtualNodeRef: { name, ...(namespace !== undefined ? { namespace } : {}) }, weight });
  const routeArb = fc.tuple(fc.constantFrom(...ROUTE_TYPES), fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z'), fc.nat(100)), { maxLength: 3 }), fc.boolean()).map(([type, others, canaryFirst]) => {
    const ours = canaryFirst ? [target('c', 0), target('s', 100)] : [target('s', 100), target('c', 0)];
    return { name: `r-${type}`, [type]: { action: { weightedTargets: [...ours, ...others.map(([n, w]) => target(n, w))] } } };
  });

  it('sets exactly the canary and stable targets, keeps every other target, and is idempotent', () => {
    fc.assert(
      fc.property(fc.array(routeArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 100 }), (routes, canary) => {
        const weights = { canary, stable: 100 - canary };
        const out = weighRoutes('vr', 'ns', routes, undefined, nodes, weights);
        if (E.isLeft(out)) throw new Error(out.left.message);
        const targetsOf = (r: unknown) => {
          const body = Object.values(r as Record<string, unknown>).find((v) => typeof v === 'object') as { action: { weightedTargets: Array<{ virtualNodeRef: { name: string }; weight: number }> } };
          return body.action.weightedTargets;
        };
        for (const [i, r] of out.right.entries()) {
          const after = targetsOf(r);
          const before = targetsOf(routes[i]);
          expect(after.map((t) => t.virtualNodeRef.name)).toEqual(before.map((t) => t.virtualNodeRef.name));
          for (const [j, t] of after.entries()) expect(t.weight).toBe(t.virtualNodeRef.name === 'c' ? canary : t.virtualNodeRef.name === 's' ? 100 - canary : before[j]!.weight);
        }
        expect(weighRoutes('vr', 'ns', out.right, undefined, nodes, weights)).toEqual(out);
      }),
    );
  });
});
