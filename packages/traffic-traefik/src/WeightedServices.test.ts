import type { RoutingContext } from '@rollouts/plugin-sdk';
import { weightedServices } from './WeightedServices';

const ctx = (maxWeight = 100) => ({ namespace: 'ns', canaryService: 'c', stableService: 's', maxWeight }) as unknown as RoutingContext;
const spec = (services: unknown) => ({ weighted: { services } });

describe('weightedServices', () => {
  it.each<[number, number, number, number]>([
    [0, 100, 0, 100],
    [1, 100, 1, 99],
    [50, 100, 50, 50],
    [100, 100, 100, 0],
    [30, 1000, 30, 970],
  ])('canary %i of %i: canary %i, stable %i', (w, max, canary, stable) => {
    const r = weightedServices(spec([{ name: 's', weight: 7 }, { name: 'c' }]), ctx(max), w, []);
    expect(r).toEqual({ ok: true, services: [{ name: 's', weight: stable }, { name: 'c', weight: canary }] });
  });

  it.each<[string, unknown, string]>([
    ['no weighted', { mirroring: {} }, 'spec.weighted.services was not found'],
    ['services not a list', spec({ name: 'c' }), 'spec.weighted.services was not found'],
    ['spec not an object', 'x', 'spec.weighted.services was not found'],
    ['canary missing', spec([{ name: 's' }]), 'traefik canary service was not found'],
    ['stable missing', spec([{ name: 'c' }, 'junk']), 'traefik stable service was not found'],
  ])('%s: a problem, not an exception', (_what, s, message) => {
    const r = weightedServices(s, ctx(), 10, []);
    expect(r).toMatchObject({ ok: false, problem: { message: expect.stringContaining(message) } });
  });

  it('the same Service as canary and stable cannot be split', () => {
    const r = weightedServices(spec([{ name: 'c' }]), { ...ctx(), stableService: 'c' }, 10, []);
    expect(r).toMatchObject({ ok: false, problem: { message: expect.stringContaining('both `c`') } });
  });
});
