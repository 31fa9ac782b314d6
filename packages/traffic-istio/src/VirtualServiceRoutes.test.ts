import fc from 'fast-check';
import { arrangeManagedRoutes, destinationProblem, firstLabel, headerRoute, selectRoutes, weightDestinations, type JsonObject, type TrafficSplit } from './VirtualServiceRoutes';

const host: TrafficSplit = { level: 'host', canaryService: 'web-canary', stableService: 'web-stable' };
const subset: TrafficSplit = { level: 'subset', canarySubset: 'canary', stableSubset: 'stable', additionalSubsets: ['pinned'] };
const d = (h: string, weight?: number, extra: JsonObject = {}): JsonObject => ({ destination: { host: h, ...extra }, ...(weight !== undefined ? { weight } : {}) });
const sum = (ds: ReadonlyArray<JsonObject>): number => ds.reduce((s, x) => s + (typeof x['weight'] === 'number' ? x['weight'] : 0), 0);

describe('firstLabel', () => {
  it.each([
    ['web', 'web'],
    ['web.shop', 'web'],
    ['web.shop.svc.cluster.local', 'web'],
  ])('%s -> %s', (h, expected) => expect(firstLabel(h)).toBe(expected));
});

describe('weightDestinations', () => {
  it.each<[string, TrafficSplit, JsonObject[], number, Array<{ serviceName: string; weight: number }>, JsonObject[] | undefined]>([
    ['host split, FQDN hosts', host, [d('web-stable.shop.svc.cluster.local', 100), d('web-canary.shop', 0)], 30, [], [d('web-stable.shop.svc.cluster.local', 70), d('web-canary.shop', 30)]],
    ['weights missing on input', host, [d('web-canary'), d('web-stable')], 10, [], [d('web-canary', 10), d('web-stable', 90)]],
    ['subset split keeps additional subsets', subset, [d('web', 90, { subset: 'stable' }), d('web', 0, { subset: 'canary' }), d('web', 10, { subset: 'pinned' })], 50, [], [d('web', 40, { subset: 'stable' }), d('web', 50, { subset: 'canary' }), d('web', 10, { subset: 'pinned' })]],
    ['experiment appended without a port when stable has none', host, [d('web-stable', 100), d('web-canary', 0)], 10, [{ serviceName: 'exp', weight: 20 }], [d('web-stable', 70), d('web-canary', 10), d('exp', 20)]],
    ['existing experiment destination reweighted in place', host, [d('exp', 5), d('web-stable', 95), d('web-canary', 0)], 10, [{ serviceName: 'exp', weight: 20 }], [d('exp', 20), d('web-stable', 70), d('web-canary', 10)]],
    ['a stale destination is dropped', host, [d('web-stable', 80), d('web-canary', 10), d('old-exp', 10)], 10, [], [d('web-stable', 90), d('web-canary', 10)]],
    ['no room left', subset, [d('web', 90, { subset: 'stable' }), d('web', 0, { subset: 'canary' }), d('web', 10, { subset: 'pinned' })], 95, [], undefined],
  ])('%s', (_what, split, dests, canary, additional, expected) => {
    expect(weightDestinations(dests, split, { canary, additional })).toEqual(expected);
  });

  it('always sums to 100, canary gets its weight, and leaves the input alone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.boolean(), (canary, exp, pinned, withExperiment) => {
        fc.pre(canary + pinned <= 100 && (!withExperiment || canary + pinned + exp <= 100));
        const input = [d('web', 100 - pinned, { subset: 'stable' }), d('web', 0, { subset: 'canary' }), d('web', pinned, { subset: 'pinned' })];
        const copy = JSON.stringify(input);
        const out = weightDestinations(input, subset, { canary, additional: withExperiment ? [{ serviceName: 'exp', weight: exp }] : [] });
        return out !== undefined && sum(out) === 100 && out[1]?.['weight'] === canary && JSON.stringify(input) === copy;
      }),
    );
  });
});

describe('selectRoutes', () => {
  const spec = {
    http: [{ name: 'hdr' }, { name: 'primary' }, { match: [{ uri: { prefix: '/x' } }] }],
    tls: [{ match: [{ port: 443, sniHosts: ['b', 'a'] }] }, { match: [{ port: 443, sniHosts: ['c'] }] }],
    tcp: [{ match: [{ port: 1 }, { port: 2 }] }, { match: [{ port: 5432 }] }],
  };
  it.each<[string, Parameters<typeof selectRoutes>[1], string[] | string]>([
    ['named HTTP routes', { name: 'vs', routes: ['primary'] }, ['http 1', 'tls 0', 'tls 1', 'tcp 0', 'tcp 1']],
    ['all unmanaged HTTP routes', { name: 'vs' }, ['http 1', 'http 2', 'tls 0', 'tls 1', 'tcp 0', 'tcp 1']],
    ['TLS by port and SNI set, TCP by single port', { name: 'vs', routes: ['primary'], tlsRoutes: [{ port: 443, sniHosts: ['a', 'b'] }], tcpRoutes: [{ port: 5432 }] }, ['http 1', 'tls 0', 'tcp 1']],
    ['a TCP route naming two ports matches none', { name: 'vs', tcpRoutes: [{ port: 1 }] }, 'TCP route on port 1 not found'],
    ['a missing named route', { name: 'vs', routes: ['hdr2'] }, "HTTP route 'hdr2' not found"],
  ])('%s', (_what, config, expected) => {
    const r = selectRoutes(spec, config, new Set(['hdr']));
    expect('problem' in r ? r.problem : r.routes.map((s) => `${s.section} ${s.index}`)).toEqual(expected);
  });
});

describe('destinationProblem', () => {
  it.each<[TrafficSplit, JsonObject, string | undefined]>([
    [host, { route: [d('web-canary'), d('web-stable')] }, undefined],
    [host, { route: [d('web-stable')] }, "canary Service 'web-canary' not found among the route's destinations"],
    [host, {}, "canary Service 'web-canary' not found among the route's destinations"],
    [subset, { route: [d('web', 0, { subset: 'canary' }), d('web', 0, { subset: 'other' })] }, "stable DestinationRule subset 'stable' not found among the route's destinations"],
  ])('%#', (split, route, expected) => expect(destinationProblem(route, split)).toBe(expected));
});

describe('arrangeManagedRoutes', () => {
  it('puts managed routes first in managedRoutes order and keeps the others (unnamed included) in their order', () => {
    const http = [{ name: 'b' }, { match: 1 }, { name: 'm2' }, { name: 'a' }, { name: 'm1' }, { match: 2 }];
    expect(arrangeManagedRoutes(http, ['m1', 'm2'])).toEqual([{ name: 'm1' }, { name: 'm2' }, { name: 'b' }, { match: 1 }, { name: 'a' }, { match: 2 }]);
  });
});

describe('headerRoute', () => {
  it('refuses a header without a value to match', () => {
    expect(headerRoute('h', [{ headerName: 'x', headerValue: {} }], { host: 'c' })).toBe("header 'x' of route 'h' has no exact, prefix or regex value");
  });
  it('matches regex values', () => {
    expect(headerRoute('h', [{ headerName: 'x', headerValue: { regex: '^a' } }], { host: 'c' })).toEqual({ name: 'h', match: [{ headers: { x: { regex: '^a' } } }], route: [{ destination: { host: 'c' }, weight: 100 }] });
  });
});
