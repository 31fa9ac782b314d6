import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either';
import { headerExpr, weighRules, type JsonObject } from './ApisixRouteRules';

const services = { canary: 'c', stable: 's' };
const backendArb = fc.record({ serviceName: fc.constantFrom('c', 's', 'x', 'y'), servicePort: fc.integer({ min: 1, max: 65535 }), weight: fc.option(fc.nat(1000), { nil: undefined }) });
/** A rule holding the canary and stable backends among others, in any order. */
const ruleArb = (name: string) =>
  fc.array(backendArb.filter((b) => b.serviceName !== 'c' && b.serviceName !== 's'), { maxLength: 3 }).chain((others) =>
    fc.shuffledSubarray([{ serviceName: 'c', servicePort: 80 }, { serviceName: 's', servicePort: 80 }, ...others], { minLength: others.length + 2 }).map((backends) => ({ name, match: { paths: ['/*'] }, backends })),
  );

describe('weighRules (properties)', () => {
  it('canary + stable = maxWeight, other backends and unselected rules untouched, same input -> same output', () => {
    fc.assert(
      fc.property(ruleArb('a'), ruleArb('b'), fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (a, b, max, share) => {
        const canary = Math.round(share * max);
        const weights = { canary, stable: max - canary };
        const out = weighRules('r', [a, b], ['a'], services, weights);
        if (E.isLeft(out)) throw new Error(out.left.message);
        const [wa, wb] = out.right as [JsonObject, JsonObject];
        const backends = wa['backends'] as Array<{ serviceName: string; weight?: number }>;
        const w = (svc: string) => backends.find((x) => x.serviceName === svc)?.weight ?? 0;
        expect(w('c') + w('s')).toBe(max);
        expect(backends.filter((x) => x.serviceName !== 'c' && x.serviceName !== 's')).toEqual(a.backends.filter((x) => x.serviceName !== 'c' && x.serviceName !== 's'));
        expect(wb).toEqual(b);
        expect(weighRules('r', out.right, ['a'], services, weights)).toEqual(out);
      }),
    );
  });
});

describe('headerExpr (properties)', () => {
  it('an escaped prefix matches exactly the values starting with it', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (prefix, rest, other) => {
        const e = headerExpr('h', { prefix }, 'p');
        if (E.isLeft(e)) throw new Error(e.left.message);
        const re = new RegExp(e.right.value, 's');
        expect(re.test(prefix + rest)).toBe(true);
        expect(re.test(other)).toBe(other.startsWith(prefix));
      }),
    );
  });
});
