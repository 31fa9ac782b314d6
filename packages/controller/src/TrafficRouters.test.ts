import * as E from 'fp-ts/lib/Either';
import { int32, json, partial, string } from '@rollouts/api';
import { defineTrafficRouter, type TrafficRouter } from '@rollouts/plugin-sdk';
import { silentLogger } from './Controller';
import { createTrafficRouters, routingObservation } from './TrafficRouters';

const made: unknown[] = [];
const serviceLevel = { updateHash: () => async () => E.right(undefined), removeManagedRoutes: () => async () => E.right(undefined) };
const nginx = defineTrafficRouter({
  kind: 'nginx',
  configCodec: partial('Nginx', { stableIngress: string(), port: int32() }),
  make: () => (config) => {
    made.push(config);
    const r: TrafficRouter = { ...serviceLevel, setWeight: () => async () => E.right(undefined), setHeaderRoute: () => async () => E.right(undefined) };
    return r;
  },
});
const mesh = defineTrafficRouter({ kind: 'acme/mesh', configCodec: partial('Mesh', { host: string() }), make: () => () => ({ ...serviceLevel, setWeight: () => async () => E.right(undefined) }) });
const routers = createTrafficRouters([nginx, mesh], { kube: {} as never, log: silentLogger, now: () => 0 });

test('each configured kind resolves to its plugin; plugin keys come from trafficRouting.plugins', () => {
  const r = routers.resolve({ nginx: { stableIngress: 'web' }, plugins: { 'acme/mesh': { host: 'h' } }, maxTrafficWeight: 100 });
  expect(r.map((x) => [x.kind, x.path, x.router !== undefined])).toEqual([
    ['nginx', 'spec.strategy.canary.trafficRouting.nginx', true],
    ['acme/mesh', 'spec.strategy.canary.trafficRouting.plugins.acme/mesh', true],
  ]);
  expect(routingObservation(r, undefined)).toEqual({ routers: [{ kind: 'nginx', supports: ['setHeaderRoute'] }, { kind: 'acme/mesh', supports: [] }] });
});

test('an unregistered kind or a config the codec rejects is a problem with the path, not a router', () => {
  const [istio] = routers.resolve({ istio: { virtualService: { name: 'vs' } } });
  expect(istio).toEqual({ kind: 'istio', path: 'spec.strategy.canary.trafficRouting.istio', problem: 'no traffic router of kind "istio" is registered with this controller (registered: acme/mesh, nginx)' });
  const [bad] = routers.resolve({ nginx: { stableIngress: 'web', port: 'eighty' } as never });
  expect(bad?.router).toBeUndefined();
  expect(bad?.problem).toContain('spec.strategy.canary.trafficRouting.nginx.port');
  expect(routingObservation([istio!], true)).toEqual({ routers: [{ kind: 'istio', supports: [], problem: istio!.problem, path: 'spec.strategy.canary.trafficRouting.istio' }], weightVerified: true });
});

test('routers are made once per trafficRouting object', () => {
  const tr = { nginx: { stableIngress: 'once' } };
  const before = made.length;
  routers.resolve(tr);
  routers.resolve(tr);
  expect(made.length - before).toBe(1);
  expect(routers.resolve(null)).toEqual([]);
});

test('registering a kind twice is a start-up error', () => {
  expect(() => createTrafficRouters([nginx, nginx], { kube: {} as never, log: silentLogger, now: () => 0 })).toThrow('kind "nginx" is registered twice');
});

test('a plugin (plain JavaScript, say) whose router lacks a required method is a problem naming the methods', () => {
  const partialRouter = defineTrafficRouter({ kind: 'acme/old', configCodec: json(), make: () => () => ({ setWeight: () => async () => E.right(undefined) }) as unknown as TrafficRouter });
  const [r] = createTrafficRouters([partialRouter], { kube: {} as never, log: silentLogger, now: () => 0 }).resolve({ plugins: { 'acme/old': {} } });
  expect(r?.router).toBeUndefined();
  expect(r?.problem).toBe('the acme/old traffic router lacks the required methods updateHash, removeManagedRoutes (plugin-sdk TrafficRouter)');
});
