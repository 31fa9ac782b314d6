import type { Ingress, Service } from '../Kubernetes';
import type { Rollout } from '../Rollout';
import { parseVirtualServiceRef, validateRolloutReferences } from './References';

const template = { metadata: { labels: { app: 'shop', tier: 'web' } }, spec: { containers: [{ name: 'shop', image: 'shop:1' }] } };

const canary = (canaryStrategy: Record<string, unknown>): Rollout =>
  ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'shop', namespace: 'prod' },
    spec: { selector: { matchLabels: { app: 'shop' } }, template, strategy: { canary: { canaryService: 'shop-canary', stableService: 'shop-stable', ...canaryStrategy } } },
  }) as unknown as Rollout;

const service = (name: string, selector: Record<string, string>, annotations?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec: { selector },
});

const ingress = (name: string, backends: string[], legacy = false): Ingress => ({
  apiVersion: legacy ? 'extensions/v1beta1' : 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name },
  spec: { rules: [{ http: { paths: backends.map((b) => ({ path: '/', backend: legacy ? { serviceName: b, servicePort: 80 } : { service: { name: b, port: { number: 80 } } } })) } }] },
});

const vs = (spec: Record<string, unknown>, name = 'shop-vs') => ({ apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name }, spec });
const dest = (host: string, weight: number, subset?: string) => ({ destination: { host, ...(subset ? { subset } : {}) }, weight });
const TR = 'spec.strategy.canary.trafficRouting';

type Row = [string, Rollout, Parameters<typeof validateRolloutReferences>[1], Array<{ path: string; message: string }>];

const rows: Row[] = [
  ['matching services are clean', canary({}), { services: [service('shop-stable', { app: 'shop', 'rollouts-pod-template-hash': 'abc' }), service('shop-canary', { app: 'shop' })] }, []],
  [
    'SV1: a selector label the template lacks, reported per key in sorted order',
    canary({}),
    { services: [service('shop-stable', { zone: 'a', app: 'shop', color: 'x' })] },
    [
      { path: 'spec.strategy.canary.stableService', message: 'Service "shop-stable" has unmatch label "color" in rollout' },
      { path: 'spec.strategy.canary.stableService', message: 'Service "shop-stable" has unmatch label "zone" in rollout' },
    ],
  ],
  [
    'SV1: a selector value that differs',
    canary({}),
    { services: [service('shop-canary', { app: 'shopping' })] },
    [{ path: 'spec.strategy.canary.canaryService', message: 'Service "shop-canary" has unmatch label "app" in rollout' }],
  ],
  [
    'SV1 on ping-pong services',
    canary({ canaryService: undefined, stableService: undefined, pingPong: { pingService: 'ping', pongService: 'pong' } }),
    { services: [service('pong', { app: 'nope' })] },
    [{ path: 'spec.strategy.canary.pingPong.pongService', message: 'Service "pong" has unmatch label "app" in rollout' }],
  ],
  [
    'SV2: a Service managed by another Rollout',
    canary({}),
    { services: [service('shop-stable', { app: 'shop' }, { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'cart' })] },
    [{ path: 'spec.strategy.canary.stableService', message: 'Service "shop-stable" is managed by another Rollout' }],
  ],
  ['a Service in another namespace is not this Rollout\'s', canary({}), { services: [{ ...service('shop-stable', { app: 'x' }), metadata: { name: 'shop-stable', namespace: 'dev' } }] }, []],
  ['absent services are not reported (they may be in the cluster)', canary({}), { services: [] }, []],
  [
    'IG1: nginx stable ingress without the stable service',
    canary({ trafficRouting: { nginx: { stableIngress: 'shop' } } }),
    { ingresses: [ingress('shop', ['other'])] },
    [{ path: `${TR}.nginx.stableIngress`, message: 'ingress `shop` has no rules using service shop-stable backend' }],
  ],
  ['IG1: nginx ingress routing to the stable service (v1beta1 backend form)', canary({ trafficRouting: { nginx: { stableIngress: 'shop' } } }), { ingresses: [ingress('shop', ['shop-stable'], true)] }, []],
  [
    'IG1: nginx stableIngresses, reported with the index',
    canary({ trafficRouting: { nginx: { stableIngresses: ['a', 'b'] } } }),
    { ingresses: [ingress('a', ['shop-stable']), ingress('b', ['x'])] },
    [{ path: `${TR}.nginx.stableIngresses[1]`, message: 'ingress `b` has no rules using service shop-stable backend' }],
  ],
  [
    'IG1: ALB expects rootService when set',
    canary({ trafficRouting: { alb: { ingress: 'shop', servicePort: 80, rootService: 'shop-root' } } }),
    { ingresses: [ingress('shop', ['shop-stable'])] },
    [{ path: `${TR}.alb.ingress`, message: 'ingress `shop` has no rules using service shop-root backend' }],
  ],
  [
    'F3: nginx with both stableIngress and stableIngresses',
    canary({ trafficRouting: { nginx: { stableIngress: 'a', stableIngresses: [] } } }),
    {},
    [{ path: `${TR}.nginx`, message: 'Either StableIngress or StableIngresses must be configured. Both are configured.' }],
  ],
  ['F3: nginx with neither', canary({ trafficRouting: { nginx: {} } }), {}, [{ path: `${TR}.nginx`, message: 'Either StableIngress or StableIngresses must be configured. Neither are configured.' }]],
  ['F4: ALB with neither', canary({ trafficRouting: { alb: { servicePort: 80 } } }), {}, [{ path: `${TR}.alb`, message: 'Either Ingress or Ingresses must be configured. Neither are configured.' }]],
  ['F6: istio with neither', canary({ trafficRouting: { istio: {} } }), {}, [{ path: `${TR}.istio`, message: 'either VirtualService or VirtualServices must be configured' }]],
  ['F8: ambassador without mappings', canary({ trafficRouting: { ambassador: { mappings: [] } } }), {}, [{ path: `${TR}.ambassador.mappings`, message: 'must provide at least one mapping' }]],
  ['F9: appMesh without virtualService', canary({ trafficRouting: { appMesh: {} } }), {}, [{ path: `${TR}.appMesh.virtualService`, message: 'must provide virtual-service' }]],
  [
    'VS1: a VirtualService with no routes at all',
    canary({ trafficRouting: { istio: { virtualService: { name: 'shop-vs' } } } }),
    { virtualServices: [vs({ hosts: ['shop'] })] },
    [{ path: `${TR}.istio.virtualService.name`, message: 'Unable to get any of the HTTP, TCP or TLS routes for the Istio VirtualService' }],
  ],
  [
    'VS2: host split with the only HTTP route naming both services is clean',
    canary({ trafficRouting: { istio: { virtualService: { name: 'shop-vs' } } } }),
    { virtualServices: [vs({ http: [{ route: [dest('shop-stable.prod.svc.cluster.local', 100), dest('shop-canary', 0)] }] })] },
    [],
  ],
  [
    'VS2: a listed HTTP route that does not exist',
    canary({ trafficRouting: { istio: { virtualService: { name: 'shop-vs', routes: ['primary'] } } } }),
    { virtualServices: [vs({ http: [{ name: 'other', route: [dest('shop-stable', 100), dest('shop-canary', 0)] }] })] },
    [{ path: `${TR}.istio.virtualService.name`, message: "Istio VirtualService has invalid HTTP routes. Error: HTTP Route 'primary' is not found in the defined Virtual Service." }],
  ],
  [
    'VS2: canary service missing from the route',
    canary({ trafficRouting: { istio: { virtualServices: [{ name: 'shop-vs', routes: ['primary'] }] } } }),
    { virtualServices: [vs({ http: [{ name: 'primary', route: [dest('shop-stable', 100)] }] })] },
    [{ path: `${TR}.istio.virtualServices[0].name`, message: "Istio VirtualService has invalid HTTP routes. Error: Canary Service 'shop-canary' not found in route" }],
  ],
  [
    'VS2: subset split checks subsets, not hosts',
    canary({ canaryService: undefined, stableService: undefined, trafficRouting: { istio: { virtualService: { name: 'shop-vs' }, destinationRule: { name: 'dr', canarySubsetName: 'canary', stableSubsetName: 'stable' } } } }),
    { virtualServices: [vs({ http: [{ route: [dest('shop', 100, 'stable'), dest('shop', 0, 'blue')] }] })] },
    [{ path: `${TR}.istio.virtualService.name`, message: "Istio VirtualService has invalid HTTP routes. Error: Canary DestinationRule subset 'canary' not found in route" }],
  ],
  [
    'VS2: several HTTP routes and none listed',
    canary({ trafficRouting: { istio: { virtualService: { name: 'shop-vs' } } } }),
    { virtualServices: [vs({ http: [{ name: 'a', route: [] }, { name: 'b', route: [] }] })] },
    [
      {
        path: `${TR}.istio.virtualService.name`,
        message:
          'Istio VirtualService has invalid HTTP routes. Error: spec.http[] should be set in VirtualService and it must have exactly one route when omitting spec.strategy.canary.trafficRouting.istio.virtualService.routes',
      },
    ],
  ],
  [
    'VS2: managed routes do not count towards "exactly one route"',
    canary({ trafficRouting: { managedRoutes: [{ name: 'header' }], istio: { virtualService: { name: 'shop-vs' } } } }),
    { virtualServices: [vs({ http: [{ name: 'header', route: [] }, { name: 'main', route: [dest('shop-stable', 100), dest('shop-canary', 0)] }] })] },
    [],
  ],
  [
    'VS2: TLS route matched by port and SNI hosts',
    canary({ trafficRouting: { istio: { virtualService: { name: 'shop-vs', tlsRoutes: [{ port: 443, sniHosts: ['shop.example.com'] }] } } } }),
    { virtualServices: [vs({ tls: [{ match: [{ port: 443, sniHosts: ['shop.example.com'] }], route: [dest('shop-stable', 100), dest('shop-canary', 0)] }] })] },
    [],
  ],
  [
    'VS2: no TLS route with the listed port',
    canary({ trafficRouting: { istio: { virtualService: { name: 'shop-vs', tlsRoutes: [{ port: 8443 }] } } } }),
    { virtualServices: [vs({ tls: [{ match: [{ port: 443 }], route: [dest('shop-stable', 100), dest('shop-canary', 0)] }] })] },
    [{ path: `${TR}.istio.virtualService.name`, message: 'Istio VirtualService has invalid TLS routes. Error: No matching TLS routes found in the defined Virtual Service.' }],
  ],
  [
    'VS2: TCP section present is checked even when the rollout only names HTTP routes',
    canary({ trafficRouting: { istio: { virtualService: { name: 'shop-vs' } } } }),
    { virtualServices: [vs({ http: [{ route: [dest('shop-stable', 100), dest('shop-canary', 0)] }], tcp: [{ route: [dest('db', 100)] }] })] },
    [{ path: `${TR}.istio.virtualService.name`, message: "Istio VirtualService has invalid TCP routes. Error: Canary Service 'shop-canary' not found in route" }],
  ],
  [
    'VS2: an undecodable section',
    canary({ trafficRouting: { istio: { virtualService: { name: 'shop-vs' } } } }),
    { virtualServices: [vs({ http: 'oops' })] },
    [{ path: `${TR}.istio.virtualService.name`, message: 'Unable to get HTTP routes for Istio VirtualService' }],
  ],
  [
    'a name.namespace reference finds the VirtualService in that namespace only',
    canary({ trafficRouting: { istio: { virtualService: { name: 'shop-vs.mesh' } } } }),
    { virtualServices: [{ ...vs({}), metadata: { name: 'shop-vs', namespace: 'other' } }, { ...vs({}), metadata: { name: 'shop-vs', namespace: 'mesh' } }] },
    [{ path: `${TR}.istio.virtualService.name`, message: 'Unable to get any of the HTTP, TCP or TLS routes for the Istio VirtualService' }],
  ],
];

describe('validateRolloutReferences', () => {
  it.each(rows)('%s', (_name, rollout, objects, expected) => {
    expect(validateRolloutReferences(rollout, objects).map(({ path, message }) => ({ path, message }))).toEqual(expected);
  });
});

describe('parseVirtualServiceRef', () => {
  it.each([
    ['vs', { name: 'vs' }],
    ['vs.ns', { name: 'vs', namespace: 'ns' }],
    ['vs.ns.svc.cluster.local', { name: 'vs', namespace: 'ns' }],
  ])('%s', (ref, expected) => expect(parseVirtualServiceRef(ref)).toEqual(expected));
});
