import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import * as E from 'fp-ts/lib/Either';
import { decode } from '../Schema';
import { Rollout } from '../Rollout';
import { formatValidationError, type ValidationError } from '../Validation';
import { validateRollout } from './Rollout';

// ---------------------------------------------------------------------------------------------------------
// Valid bases and mutations

type Json = any; // test manifests are plain JSON, mutated freely

const canaryBase = (): Json => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'ghcr.io/example/web:1.0.0',
            ports: [{ name: 'http', containerPort: 8080 }],
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
          },
        ],
      },
    },
    strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '30s' } }, { setWeight: 60 }, { pause: {} }] } },
  },
});

const blueGreenBase = (): Json => {
  const r = canaryBase();
  r.spec.strategy = { blueGreen: { activeService: 'web-active', previewService: 'web-preview', autoPromotionEnabled: false } };
  return r;
};

const mutated = (base: () => Json, f: (r: Json) => void): Rollout => {
  const r = base();
  f(r);
  return r as Rollout;
};
const canary = (f: (c: Json, r: Json) => void): Rollout => mutated(canaryBase, (r) => f(r.spec.strategy.canary, r));
const blueGreen = (f: (bg: Json, r: Json) => void): Rollout => mutated(blueGreenBase, (r) => f(r.spec.strategy.blueGreen, r));
const spec = (f: (s: Json) => void): Rollout => mutated(canaryBase, (r) => f(r.spec));

/** A traffic-routed canary: Istio with a DestinationRule (services not needed) unless the row says otherwise. */
const routed = (c: Json, tr: Json): void => {
  c.trafficRouting = tr;
  c.canaryService = 'web-canary';
  c.stableService = 'web-stable';
};
const ISTIO = { istio: { virtualService: { name: 'web-vs', routes: ['primary'] } } };
const ISTIO_DR = { istio: { virtualService: { name: 'web-vs' }, destinationRule: { name: 'web-dr', canarySubsetName: 'canary', stableSubsetName: 'stable' } } };
const ALB = { alb: { ingress: 'web-ingress', servicePort: 80 } };
const NGINX = { nginx: { stableIngress: 'web-ingress' } };
const SMI = { smi: {} };

// ---------------------------------------------------------------------------------------------------------
// Messages (facts of the API)

const C = 'spec.strategy.canary';
const BG = 'spec.strategy.blueGreen';
const NON_NEGATIVE = 'must be greater than or equal to 0';
const SELECTOR_MISMATCH = '`selector` does not match template `labels`';
const STEP = 'Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause';
const MISSED = 'StringMatch value missed, match value must have one of the following: exact, regex, prefix';
const MULTIPLE = 'StringMatch match value must have exactly one of the following: exact, regex, prefix';
const SERVICES = 'Canary service and Stable service must to be set to use Traffic Routing';
const PING_PONG = 'Ping service and Pong service must to be set to use Ping-Pong feature';
const PING_PONG_SAME = 'This rollout uses the same service for the ping and pong services, but two different services are required.';
const MANAGED_ROUTES_MISSING = "Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes'";
const ROUTE_NOT_MANAGED = 'Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes';
const DOWNWARD = 'Analyses arguments must refer to valid object metadata supported by downwardAPI';
const ACTIVE_PREVIEW_SAME = 'This rollout uses the same service for the active and preview services, but two different services are required.';
const AA_ONE = 'AntiAffinity must have exactly one strategy listed';
const AA_WEIGHT = 'AntiAffinity weight must be between 1-100';

type Expected = { path: string; message: string };
const PERCENT_FORMAT = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
const INT32 = 'must be a 32-bit integer (from -2147483648 to 2147483647)';

const pm = (errors: ValidationError[]): Expected[] => errors.map(({ path, message }) => ({ path, message }));

// ---------------------------------------------------------------------------------------------------------
// Invalid Rollouts: each row is the full list of problems, in order.

const rows: Array<[string, Rollout, Expected[]]> = [
  // §1 Rollout spec
  ['R1 negative replicas', spec((s) => (s.replicas = -1)), [{ path: 'spec.replicas', message: NON_NEGATIVE }]],
  [
    'R2 no selector (and so the template labels are not matched)',
    spec((s) => delete s.selector),
    [
      { path: 'spec.selector', message: "Rollout has missing field '.spec.selector'" },
      { path: 'spec.template.metadata.labels', message: SELECTOR_MISMATCH },
    ],
  ],
  [
    'R3 In without values (the selector cannot be converted either)',
    spec((s) => (s.selector.matchExpressions = [{ key: 'tier', operator: 'In' }])),
    [
      { path: 'spec.selector.matchExpressions[0].values', message: "must be specified when `operator` is 'In' or 'NotIn'" },
      { path: 'spec.selector', message: 'invalid label selector' },
    ],
  ],
  [
    'R3 bad matchLabels value',
    spec((s) => (s.selector.matchLabels.tier = '-front')),
    [
      {
        path: 'spec.selector.matchLabels.tier',
        message:
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      },
      { path: 'spec.selector', message: 'invalid label selector' },
    ],
  ],
  ['R4 empty selector', spec((s) => (s.selector = {})), [{ path: 'spec.selector', message: 'empty selector is invalid for deployment' }]],
  [
    'R4 empty matchLabels and matchExpressions',
    spec((s) => (s.selector = { matchLabels: {}, matchExpressions: [] })),
    [{ path: 'spec.selector', message: 'empty selector is invalid for deployment' }],
  ],
  [
    'R5 workloadRef with a labelled template',
    spec((s) => (s.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' })),
    [{ path: 'spec.template', message: 'template must be empty for workload reference rollout' }],
  ],
  [
    'R5 workloadRef with an annotated template',
    spec((s) => {
      s.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
      s.template = { metadata: { annotations: { team: 'a' } } };
      delete s.selector;
    }),
    [{ path: 'spec.template', message: 'template must be empty for workload reference rollout' }],
  ],
  [
    'R6 unknown selector operator',
    spec((s) => (s.selector.matchExpressions = [{ key: 'tier', operator: 'Equals', values: ['a'] }])),
    [
      { path: 'spec.selector.matchExpressions[0].operator', message: 'not a valid selector operator' },
      { path: 'spec.selector', message: 'invalid label selector' },
    ],
  ],
  [
    'R6 with a workloadRef: the selector is still converted, R3 is not run',
    spec((s) => {
      s.workloadRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web' };
      delete s.template;
      s.selector = { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['x'] }] };
    }),
    [{ path: 'spec.selector', message: 'invalid label selector' }],
  ],
  [
    'R7 selector does not match the template labels',
    spec((s) => (s.template.metadata.labels = { app: 'api' })),
    [{ path: 'spec.template.metadata.labels', message: SELECTOR_MISMATCH }],
  ],
  ['R7 no containers', spec((s) => (s.template.spec.containers = [])), [{ path: 'spec.template.spec.containers', message: '' }]],
  [
    'R7 restartPolicy Never',
    spec((s) => (s.template.spec.restartPolicy = 'Never')),
    [{ path: 'spec.template.spec.restartPolicy', message: 'supported values: "Always"' }],
  ],
  [
    'R7 activeDeadlineSeconds',
    spec((s) => (s.template.spec.activeDeadlineSeconds = 60)),
    [{ path: 'spec.template.spec.activeDeadlineSeconds', message: 'activeDeadlineSeconds in ReplicaSet is not Supported' }],
  ],
  [
    'R7 memory request above its limit',
    spec((s) => (s.template.spec.containers[0].resources.requests.memory = '256Mi')),
    [{ path: 'spec.template.spec.containers[0].resources.requests.memory', message: 'must be less than or equal to memory limit of 128Mi' }],
  ],
  [
    'R7 container without image, duplicate init container name',
    spec((s) => {
      delete s.template.spec.containers[0].image;
      s.template.spec.initContainers = [{ name: 'web', image: 'busybox' }];
    }),
    [
      { path: 'spec.template.spec.containers[0].image', message: '' },
      { path: 'spec.template.spec.initContainers[0].name', message: 'Duplicate value' },
    ],
  ],
  [
    'R7 ports and env',
    spec((s) => {
      const c = s.template.spec.containers[0];
      c.ports = [{ name: 'http', containerPort: 8080, protocol: 'HTTP' }, { name: 'http', containerPort: 0 }];
      c.env = [{ name: '' }];
    }),
    [
      { path: 'spec.template.spec.containers[0].ports[0].protocol', message: 'supported values: "SCTP", "TCP", "UDP"' },
      { path: 'spec.template.spec.containers[0].ports[1].name', message: 'Duplicate value' },
      { path: 'spec.template.spec.containers[0].ports[1].containerPort', message: '' },
      { path: 'spec.template.spec.containers[0].env[0].name', message: '' },
    ],
  ],
  ['R8 negative minReadySeconds', spec((s) => (s.minReadySeconds = -1)), [{ path: 'spec.minReadySeconds', message: NON_NEGATIVE }]],
  ['R9 negative revisionHistoryLimit', spec((s) => (s.revisionHistoryLimit = -1)), [{ path: 'spec.revisionHistoryLimit', message: NON_NEGATIVE }]],
  [
    'R10 negative progressDeadlineSeconds (so also not above minReadySeconds)',
    spec((s) => (s.progressDeadlineSeconds = -1)),
    [
      { path: 'spec.progressDeadlineSeconds', message: NON_NEGATIVE },
      { path: 'spec.progressDeadlineSeconds', message: 'must be greater than minReadySeconds' },
    ],
  ],
  [
    'R11 minReadySeconds 600 against the default deadline',
    spec((s) => (s.minReadySeconds = 600)),
    [{ path: 'spec.progressDeadlineSeconds', message: 'must be greater than minReadySeconds' }],
  ],
  [
    'R11 deadline equal to minReadySeconds',
    spec((s) => Object.assign(s, { minReadySeconds: 30, progressDeadlineSeconds: 30 })),
    [{ path: 'spec.progressDeadlineSeconds', message: 'must be greater than minReadySeconds' }],
  ],

  // §2 Strategy
  [
    'S1 no strategy',
    spec((s) => (s.strategy = {})),
    [{ path: 'spec.strategy', message: "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'" }],
  ],
  [
    'S1 strategy absent',
    spec((s) => delete s.strategy),
    [{ path: 'spec.strategy', message: "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'" }],
  ],
  [
    'S2 both strategies (neither is then validated)',
    spec((s) => {
      s.strategy.canary.steps = [{}];
      s.strategy.blueGreen = { activeService: 'x', previewService: 'x' };
    }),
    [{ path: 'spec.strategy', message: 'Multiple Strategies can not be listed' }],
  ],

  // §3 Canary
  ['C1 both limits 0', canary((c) => Object.assign(c, { maxSurge: 0, maxUnavailable: 0 })), [{ path: `${C}.maxSurge`, message: 'MaxSurge and MaxUnavailable both can not be zero' }]],
  ['C1 "0%" and "0"', canary((c) => Object.assign(c, { maxSurge: '0%', maxUnavailable: '0' })), [{ path: `${C}.maxSurge`, message: 'MaxSurge and MaxUnavailable both can not be zero' }]],
  [
    'C1 a non-numeric string reads as 0 (and is not a percentage, N7)',
    canary((c) => Object.assign(c, { maxSurge: 'none', maxUnavailable: 0 })),
    [
      { path: `${C}.maxSurge`, message: 'MaxSurge and MaxUnavailable both can not be zero' },
      { path: `${C}.maxSurge`, message: PERCENT_FORMAT },
    ],
  ],
  [
    'C2 same canary and stable service',
    canary((c) => Object.assign(c, { canaryService: 'web', stableService: 'web' })),
    [{ path: `${C}.stableService`, message: 'This rollout uses the same service for the stable and canary services, but two different services are required.' }],
  ],
  [
    'C3 ping-pong with nginx',
    canary((c) => {
      routed(c, NGINX);
      c.pingPong = { pingService: 'ping', pongService: 'pong' };
    }),
    [{ path: `${C}.trafficRouting.alb`, message: 'Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only' }],
  ],
  [
    'C4, C5 and C6 together for two empty ping-pong services',
    canary((c) => {
      c.trafficRouting = { alb: { ...ALB.alb, rootService: 'web-root' } };
      c.pingPong = { pingService: '', pongService: '' };
    }),
    [
      { path: `${C}.pingPong.pingService`, message: PING_PONG },
      { path: `${C}.pingPong.pongService`, message: PING_PONG },
      { path: `${C}.pingPong.pingService`, message: PING_PONG_SAME },
    ],
  ],
  [
    'C5 empty pong service',
    canary((c) => {
      c.trafficRouting = ISTIO;
      c.pingPong = { pingService: 'ping', pongService: '' };
    }),
    [{ path: `${C}.pingPong.pongService`, message: PING_PONG }],
  ],
  [
    'C6 same ping and pong service',
    canary((c) => {
      c.trafficRouting = ISTIO;
      c.pingPong = { pingService: 'svc', pongService: 'svc' };
    }),
    [{ path: `${C}.pingPong.pingService`, message: PING_PONG_SAME }],
  ],
  [
    'C7 ALB ping-pong without rootService',
    canary((c) => {
      c.trafficRouting = ALB;
      c.pingPong = { pingService: 'ping', pongService: 'pong' };
    }),
    [{ path: `${C}.trafficRouting.alb.rootService`, message: 'Root service field is required for the configuration with ALB and ping-pong feature enabled' }],
  ],
  [
    'C8, C9 nginx without services',
    canary((c) => (c.trafficRouting = NGINX)),
    [
      { path: `${C}.stableService`, message: SERVICES },
      { path: `${C}.canaryService`, message: SERVICES },
    ],
  ],
  [
    'C9 SMI without a canary service',
    canary((c) => Object.assign(c, { trafficRouting: SMI, stableService: 'web-stable' })),
    [{ path: `${C}.canaryService`, message: SERVICES }],
  ],
  [
    'C8 Istio without a DestinationRule and no stable service',
    canary((c) => Object.assign(c, { trafficRouting: ISTIO, canaryService: 'web-canary' })),
    [{ path: `${C}.stableService`, message: SERVICES }],
  ],
  [
    'C10 scaleDownDelaySeconds without traffic routing',
    canary((c) => (c.scaleDownDelaySeconds = 30)),
    [{ path: `${C}.scaleDownDelaySeconds`, message: 'Canary scaleDownDelaySeconds can only be used with traffic routing' }],
  ],
  [
    'C11 dynamicStableScale without traffic routing',
    canary((c) => (c.dynamicStableScale = true)),
    [{ path: `${C}.dynamicStableScale`, message: 'Canary dynamicStableScale can only be used with traffic routing' }],
  ],
  [
    'C12 dynamicStableScale with scaleDownDelaySeconds',
    canary((c) => {
      routed(c, SMI);
      Object.assign(c, { dynamicStableScale: true, scaleDownDelaySeconds: 10 });
    }),
    [{ path: `${C}.dynamicStableScale`, message: 'Canary dynamicStableScale cannot be used with scaleDownDelaySeconds' }],
  ],
  [
    'C13 maxTrafficWeight with Istio',
    canary((c) => routed(c, { ...ISTIO, maxTrafficWeight: 1000 })),
    [{ path: `${C}.trafficRouting.maxTrafficWeight`, message: 'Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins' }],
  ],
  [
    'C13 and ST3: an empty plugins map counts as no plugins; the weight bound still follows maxTrafficWeight',
    canary((c) => {
      routed(c, { ...ISTIO, plugins: {}, maxTrafficWeight: 50 });
      c.steps[2].setWeight = 60;
    }),
    [
      { path: `${C}.trafficRouting.maxTrafficWeight`, message: 'Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins' },
      { path: `${C}.steps[2].setWeight`, message: 'SetWeight needs to be between 0 and 50' },
    ],
  ],

  // §3.1 Steps
  ['ST1 setWeight and pause in one step', canary((c) => (c.steps[0].pause = {})), [{ path: `${C}.steps[0]`, message: STEP }]],
  [
    'ST1 experiment and analysis in one step',
    canary((c) => (c.steps[1] = { experiment: { templates: [{ name: 'c', specRef: 'canary' }] }, analysis: { templates: [{ templateName: 'ok' }] } })),
    [{ path: `${C}.steps[1]`, message: STEP }],
  ],
  ['ST2 empty step', canary((c) => (c.steps[1] = {})), [{ path: `${C}.steps[1]`, message: STEP }]],
  ['ST3 setWeight above 100', canary((c) => (c.steps[2].setWeight = 101)), [{ path: `${C}.steps[2].setWeight`, message: 'SetWeight needs to be between 0 and 100' }]],
  ['ST3 negative setWeight', canary((c) => (c.steps[0].setWeight = -10)), [{ path: `${C}.steps[0].setWeight`, message: 'SetWeight needs to be between 0 and 100' }]],
  [
    'ST3 setWeight above a raised maxTrafficWeight',
    canary((c) => {
      routed(c, { ...NGINX, maxTrafficWeight: 1000 });
      c.steps[2].setWeight = 1001;
    }),
    [{ path: `${C}.steps[2].setWeight`, message: 'SetWeight needs to be between 0 and 1000' }],
  ],
  ['ST4 negative pause', canary((c) => (c.steps[1].pause.duration = '-5s')), [{ path: `${C}.steps[1].pause.duration`, message: 'Duration needs to be greater than 0' }]],
  ['ST4 unparsable pause', canary((c) => (c.steps[1].pause.duration = 'soon')), [{ path: `${C}.steps[1].pause.duration`, message: 'Duration needs to be greater than 0' }]],
  [
    'ST4 digits beyond 32 bits are not seconds but a duration without a unit, as in Go',
    canary((c) => (c.steps[1].pause.duration = '3000000000')),
    [{ path: `${C}.steps[1].pause.duration`, message: 'Duration needs to be greater than 0' }],
  ],
  [
    'ST4 a duration beyond 32 bits of seconds',
    canary((c) => (c.steps[1].pause.duration = '1000000h')),
    [{ path: `${C}.steps[1].pause.duration`, message: 'Duration needs to be greater than 0' }],
  ],
  [
    'ST5 setCanaryScale without traffic routing, once per step',
    canary((c) => c.steps.push({ setCanaryScale: { weight: 50 } }, { setCanaryScale: { matchTrafficWeight: true } })),
    [
      { path: `${C}.trafficRouting`, message: 'SetCanaryScale requires TrafficRouting to be set' },
      { path: `${C}.trafficRouting`, message: 'SetCanaryScale requires TrafficRouting to be set' },
    ],
  ],
  [
    'ST6 setHeaderRoute without traffic routing',
    canary((c) => c.steps.push({ setHeaderRoute: { name: 'hdr', match: [{ headerName: 'x', headerValue: { exact: 'y' } }] } })),
    [{ path: `${C}.steps[4].setHeaderRoute`, message: 'SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix' }],
  ],
  [
    'ST6 and ST13 setHeaderRoute with nginx and no managedRoutes',
    canary((c) => {
      routed(c, NGINX);
      c.steps.push({ setHeaderRoute: { name: 'hdr' } });
    }),
    [
      { path: `${C}.steps[4].setHeaderRoute`, message: 'SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix' },
      { path: `${C}.trafficRouting.managedRoutes`, message: MANAGED_ROUTES_MISSING },
    ],
  ],
  [
    'ST7 ALB header match without a value',
    canary((c) => {
      routed(c, { ...ALB, managedRoutes: [{ name: 'hdr' }] });
      c.steps.push({ setHeaderRoute: { name: 'hdr', match: [{ headerName: 'x' }] } });
    }),
    [{ path: `${C}.steps[4].setHeaderRoute.match[0].headerValue`, message: MISSED }],
  ],
  [
    'ST8 ALB header match by prefix',
    canary((c) => {
      routed(c, { ...ALB, managedRoutes: [{ name: 'hdr' }] });
      c.steps.push({
        setHeaderRoute: {
          name: 'hdr',
          match: [
            { headerName: 'x', headerValue: { exact: 'ok' } },
            { headerName: 'y', headerValue: { prefix: 'p' } },
          ],
        },
      });
    }),
    [{ path: `${C}.steps[4].setHeaderRoute.match[1].headerValue`, message: "SetHeaderRoute match value invalid. ALB supports 'exact' value only" }],
  ],
  [
    'ST9 Istio header match with an empty value',
    canary((c) => {
      routed(c, { ...ISTIO, managedRoutes: [{ name: 'hdr' }] });
      c.steps.push({ setHeaderRoute: { name: 'hdr', match: [{ headerName: 'x', headerValue: {} }] } });
    }),
    [{ path: `${C}.steps[4].setHeaderRoute.match[0].headerValue`, message: MISSED }],
  ],
  [
    'ST10 Istio header match with two values',
    canary((c) => {
      routed(c, { ...ISTIO, managedRoutes: [{ name: 'hdr' }] });
      c.steps.push({ setHeaderRoute: { name: 'hdr', match: [{ headerName: 'x', headerValue: { exact: 'a', regex: 'b.*' } }] } });
    }),
    [{ path: `${C}.steps[4].setHeaderRoute.match[0].headerValue`, message: MULTIPLE }],
  ],
  [
    'ST11 setMirrorRoute with ALB',
    canary((c) => {
      routed(c, { ...ALB, managedRoutes: [{ name: 'mirror' }] });
      c.steps.push({ setMirrorRoute: { name: 'mirror' } });
    }),
    [{ path: `${C}.steps[4].setMirrorRoute`, message: 'SetMirrorRoute requires TrafficRouting, supports Istio and Plugins' }],
  ],
  [
    'ST12 mirror match: method with two values, path with none (each reported once)',
    canary((c) => {
      routed(c, { ...ISTIO, managedRoutes: [{ name: 'mirror' }] });
      c.steps.push({ setMirrorRoute: { name: 'mirror', match: [{ method: { exact: 'GET', prefix: 'P' }, path: {}, headers: { a: {} } }] } });
    }),
    [
      { path: `${C}.steps[4].setMirrorRoute.match[0].method`, message: MULTIPLE },
      { path: `${C}.steps[4].setMirrorRoute.match[0].path`, message: MISSED },
    ],
  ],
  [
    'ST11 and ST12 without traffic routing: validation goes on',
    canary((c) => c.steps.push({ setMirrorRoute: { name: 'mirror', match: [{ path: {} }] } })),
    [
      { path: `${C}.steps[4].setMirrorRoute`, message: 'SetMirrorRoute requires TrafficRouting, supports Istio and Plugins' },
      { path: `${C}.steps[4].setMirrorRoute.match[0].path`, message: MISSED },
    ],
  ],
  [
    'ST13 header and mirror routes without managedRoutes, once per step',
    canary((c) => {
      routed(c, ISTIO);
      c.steps.push({ setHeaderRoute: { name: 'hdr' } }, { setMirrorRoute: { name: 'mirror' } });
    }),
    [
      { path: `${C}.trafficRouting.managedRoutes`, message: MANAGED_ROUTES_MISSING },
      { path: `${C}.trafficRouting.managedRoutes`, message: MANAGED_ROUTES_MISSING },
    ],
  ],
  [
    'ST14 routes missing from managedRoutes ([] counts as present)',
    canary((c) => {
      routed(c, { ...ISTIO, managedRoutes: [] });
      c.steps.push({ setHeaderRoute: { name: 'hdr' } }, { setMirrorRoute: { name: 'mirror' } });
    }),
    [
      { path: `${C}.steps[4].setHeaderRoute.name`, message: ROUTE_NOT_MANAGED },
      { path: `${C}.steps[5].setMirrorRoute.name`, message: ROUTE_NOT_MANAGED },
    ],
  ],
  [
    'ST15 experiment weight without traffic routing',
    canary((c) => (c.steps[1] = { experiment: { templates: [{ name: 'a', specRef: 'stable' }, { name: 'b', specRef: 'canary', weight: 10 }] } })),
    [{ path: `${C}.steps[1].experiment.templates[1].weight`, message: 'Experiment template weight cannot be set unless TrafficRouting is enabled' }],
  ],
  [
    'ST16 experiment weight with nginx',
    canary((c) => {
      routed(c, NGINX);
      c.steps[1] = { experiment: { templates: [{ name: 'b', specRef: 'canary', weight: 10 }] } };
    }),
    [
      {
        path: `${C}.steps[1].experiment.templates[0].weight`,
        message: 'Experiment template weight is only available for TrafficRouting with SMI, ALB, Istio and Plugins at this time',
      },
    ],
  ],
  [
    'ST17 analysis argument from an unsupported metadata field',
    canary(
      (c) =>
        (c.steps[1] = {
          analysis: {
            templates: [{ templateName: 'success-rate' }],
            args: [
              { name: 'svc', value: 'web' },
              { name: 'app', valueFrom: { fieldRef: { fieldPath: 'metadata.labels.app' } } },
              { name: 'image', valueFrom: { fieldRef: { fieldPath: 'spec.template.spec.containers[0].image' } } },
            ],
          },
        }),
    ),
    [{ path: `${C}.steps[1].analysis.args[1].valueFrom.fieldRef.fieldPath`, message: DOWNWARD }],
  ],
  [
    'ST17 experiment analysis arguments, one error per bad argument',
    canary(
      (c) =>
        (c.steps[1] = {
          experiment: {
            templates: [{ name: 'c', specRef: 'canary' }],
            analyses: [
              {
                name: 'a',
                templateName: 't',
                args: [
                  { name: 'n', valueFrom: { fieldRef: { fieldPath: 'metadata.nam' } } },
                  { name: 'l', valueFrom: { fieldRef: { fieldPath: "metadata.labels['bad key']" } } },
                  { name: 'g', valueFrom: { fieldRef: { fieldPath: "metadata.generation['x']" } } },
                ],
              },
            ],
          },
        }),
    ),
    [
      { path: `${C}.steps[1].experiment.analyses[0].args[0].valueFrom.fieldRef.fieldPath`, message: DOWNWARD },
      { path: `${C}.steps[1].experiment.analyses[0].args[1].valueFrom.fieldRef.fieldPath`, message: DOWNWARD },
      { path: `${C}.steps[1].experiment.analyses[0].args[2].valueFrom.fieldRef.fieldPath`, message: DOWNWARD },
    ],
  ],

  // §3.2 Anti-affinity
  ['AA1 canary anti-affinity with neither term', canary((c) => (c.antiAffinity = {})), [{ path: `${C}.antiAffinity`, message: AA_ONE }]],
  [
    'AA1 and AA2 both terms, bad weight',
    canary(
      (c) =>
        (c.antiAffinity = {
          preferredDuringSchedulingIgnoredDuringExecution: { weight: 0 },
          requiredDuringSchedulingIgnoredDuringExecution: {},
        }),
    ),
    [
      { path: `${C}.antiAffinity`, message: AA_ONE },
      { path: `${C}.antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight`, message: AA_WEIGHT },
    ],
  ],
  [
    'AA2 blue-green weight above 100',
    blueGreen((bg) => (bg.antiAffinity = { preferredDuringSchedulingIgnoredDuringExecution: { weight: 101 } })),
    [{ path: `${BG}.antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight`, message: AA_WEIGHT }],
  ],

  // §4 Blue-green
  ['B1 same active and preview service', blueGreen((bg) => (bg.previewService = 'web-active')), [{ path: `${BG}.activeService`, message: ACTIVE_PREVIEW_SAME }]],
  [
    'B1 empty activeService and no preview service',
    blueGreen((bg) => {
      bg.activeService = '';
      delete bg.previewService;
    }),
    [{ path: `${BG}.activeService`, message: ACTIVE_PREVIEW_SAME }],
  ],
  ['B1 activeService absent', blueGreen((bg) => delete bg.activeService), [{ path: `${BG}.activeService`, message: '' }]],
  [
    'B2 scale-down revision limit above the default history limit',
    blueGreen((bg) => (bg.scaleDownDelayRevisionLimit = 11)),
    [{ path: `${BG}.scaleDownDelayRevisionLimit`, message: "This rollout's revision history limit can not be smaller than the rollout's scale down limit" }],
  ],
  [
    'B2 against an explicit history limit',
    blueGreen((bg, r) => {
      r.spec.revisionHistoryLimit = 2;
      bg.scaleDownDelayRevisionLimit = 3;
    }),
    [{ path: `${BG}.scaleDownDelayRevisionLimit`, message: "This rollout's revision history limit can not be smaller than the rollout's scale down limit" }],
  ],

  // §5 workloadRef
  [
    'W2 StatefulSet',
    spec((s) => {
      s.workloadRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web' };
      delete s.template;
    }),
    [{ path: 'spec.workloadRef', message: 'workload of type apps/StatefulSet is not supported' }],
  ],
  [
    'W2 core Pod',
    spec((s) => {
      s.workloadRef = { apiVersion: 'v1', kind: 'Pod', name: 'web' };
      delete s.template;
    }),
    [{ path: 'spec.workloadRef', message: 'workload of type /Pod is not supported' }],
  ],
  [
    'W2 Deployment of another group',
    spec((s) => {
      s.workloadRef = { apiVersion: 'extensions/v1beta1', kind: 'Deployment', name: 'web' };
      delete s.template;
    }),
    [{ path: 'spec.workloadRef', message: 'workload of type extensions/Deployment is not supported' }],
  ],

  // Several problems reported together, in upstream's order
  [
    'several spec problems',
    spec((s) => Object.assign(s, { replicas: -2, minReadySeconds: -5, revisionHistoryLimit: -1 })),
    [
      { path: 'spec.replicas', message: NON_NEGATIVE },
      { path: 'spec.minReadySeconds', message: NON_NEGATIVE },
      { path: 'spec.revisionHistoryLimit', message: NON_NEGATIVE },
    ],
  ],
  [
    'W2 and R5 together',
    spec((s) => (s.workloadRef = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'web' })),
    [
      { path: 'spec.workloadRef', message: 'workload of type apps/DaemonSet is not supported' },
      { path: 'spec.template', message: 'template must be empty for workload reference rollout' },
    ],
  ],
  [
    'spec, pod template and canary problems together',
    mutated(canaryBase, (r) => {
      r.spec.replicas = -1;
      r.spec.template.metadata.labels = { app: 'other' };
      r.spec.template.spec.restartPolicy = 'OnFailure';
      r.spec.minReadySeconds = 700;
      Object.assign(r.spec.strategy.canary, { maxSurge: 0, maxUnavailable: '0%', canaryService: 's', stableService: 's', scaleDownDelaySeconds: 5 });
      r.spec.strategy.canary.steps = [{ setWeight: 200, pause: { duration: -1 } }, {}, { setCanaryScale: { replicas: 1 } }];
      r.spec.strategy.canary.antiAffinity = {};
    }),
    [
      { path: 'spec.replicas', message: NON_NEGATIVE },
      { path: 'spec.template.metadata.labels', message: SELECTOR_MISMATCH },
      { path: 'spec.template.spec.restartPolicy', message: 'supported values: "Always"' },
      { path: 'spec.progressDeadlineSeconds', message: 'must be greater than minReadySeconds' },
      { path: `${C}.maxSurge`, message: 'MaxSurge and MaxUnavailable both can not be zero' },
      { path: `${C}.stableService`, message: 'This rollout uses the same service for the stable and canary services, but two different services are required.' },
      { path: `${C}.scaleDownDelaySeconds`, message: 'Canary scaleDownDelaySeconds can only be used with traffic routing' },
      { path: `${C}.steps[0]`, message: STEP },
      { path: `${C}.steps[0].setWeight`, message: 'SetWeight needs to be between 0 and 100' },
      { path: `${C}.steps[0].pause.duration`, message: 'Duration needs to be greater than 0' },
      { path: `${C}.steps[1]`, message: STEP },
      { path: `${C}.trafficRouting`, message: 'SetCanaryScale requires TrafficRouting to be set' },
      { path: `${C}.antiAffinity`, message: AA_ONE },
    ],
  ],
  [
    'blue-green problems together',
    blueGreen((bg) => {
      bg.previewService = bg.activeService;
      bg.scaleDownDelayRevisionLimit = 20;
      bg.antiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: {}, preferredDuringSchedulingIgnoredDuringExecution: { weight: 50 } };
    }),
    [
      { path: `${BG}.activeService`, message: ACTIVE_PREVIEW_SAME },
      { path: `${BG}.scaleDownDelayRevisionLimit`, message: "This rollout's revision history limit can not be smaller than the rollout's scale down limit" },
      { path: `${BG}.antiAffinity`, message: AA_ONE },
    ],
  ],
  [
    'routing problems together',
    canary((c) => {
      c.trafficRouting = { ...NGINX, maxTrafficWeight: 10 };
      c.pingPong = { pingService: 'p', pongService: 'p' };
      c.steps = [
        { setWeight: 20 },
        { setHeaderRoute: { name: 'h', match: [{ headerName: 'a', headerValue: { exact: 'b' } }] } },
        { setMirrorRoute: { name: 'm' } },
        { experiment: { templates: [{ name: 'x', specRef: 'canary', weight: 5 }] } },
      ];
    }),
    [
      { path: `${C}.trafficRouting.alb`, message: 'Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only' },
      { path: `${C}.pingPong.pingService`, message: PING_PONG_SAME },
      { path: `${C}.stableService`, message: SERVICES },
      { path: `${C}.canaryService`, message: SERVICES },
      { path: `${C}.steps[0].setWeight`, message: 'SetWeight needs to be between 0 and 10' },
      { path: `${C}.steps[1].setHeaderRoute`, message: 'SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix' },
      { path: `${C}.trafficRouting.managedRoutes`, message: MANAGED_ROUTES_MISSING },
      { path: `${C}.steps[2].setMirrorRoute`, message: 'SetMirrorRoute requires TrafficRouting, supports Istio and Plugins' },
      { path: `${C}.trafficRouting.managedRoutes`, message: MANAGED_ROUTES_MISSING },
      {
        path: `${C}.steps[3].experiment.templates[0].weight`,
        message: 'Experiment template weight is only available for TrafficRouting with SMI, ALB, Istio and Plugins at this time',
      },
    ],
  ],
  // Numbers and ranges (ours, N1–N8): what upstream leaves unchecked and our controller must not act on.
  ['N1 replicas beyond 32 bits', spec((s) => (s.replicas = 2147483648)), [{ path: 'spec.replicas', message: INT32 }]],
  ['N1 a fraction where an integer is required', spec((s) => (s.minReadySeconds = 1.5)), [{ path: 'spec.minReadySeconds', message: INT32 }]],
  [
    'N1 an integer pause duration beyond 32 bits',
    canary((c) => (c.steps[1].pause.duration = 3e9)),
    [{ path: `${C}.steps[1].pause.duration`, message: 'must be a 32-bit integer (from -2147483648 to 2147483647) or a string' }],
  ],
  [
    'N1 deep in the pod template (next to the API server\'s own port check)',
    spec((s) => (s.template.spec.containers[0].ports[0].containerPort = 80.5)),
    [
      { path: 'spec.template.spec.containers[0].ports[0].containerPort', message: INT32 },
      { path: 'spec.template.spec.containers[0].ports[0].containerPort', message: 'must be between 1 and 65535, inclusive' },
    ],
  ],
  [
    'N2 negative delays, limits and counts',
    canary((c, r) => {
      Object.assign(c, { abortScaleDownDelaySeconds: -5, minPodsPerReplicaSet: -1, scaleDownDelayRevisionLimit: -1 });
      r.spec.analysis = { successfulRunHistoryLimit: -1 };
      r.spec.rollbackWindow = { revisions: -2 };
    }),
    [
      { path: 'spec.analysis.successfulRunHistoryLimit', message: NON_NEGATIVE },
      { path: 'spec.rollbackWindow.revisions', message: NON_NEGATIVE },
      { path: `${C}.scaleDownDelayRevisionLimit`, message: NON_NEGATIVE },
      { path: `${C}.abortScaleDownDelaySeconds`, message: NON_NEGATIVE },
      { path: `${C}.minPodsPerReplicaSet`, message: NON_NEGATIVE },
    ],
  ],
  [
    'N2 negative blue-green counts and delays',
    blueGreen((bg) => Object.assign(bg, { previewReplicaCount: -1, autoPromotionSeconds: -30, abortScaleDownDelaySeconds: -5 })),
    [
      { path: `${BG}.previewReplicaCount`, message: NON_NEGATIVE },
      { path: `${BG}.autoPromotionSeconds`, message: NON_NEGATIVE },
      { path: `${BG}.abortScaleDownDelaySeconds`, message: NON_NEGATIVE },
    ],
  ],
  [
    'N2/N3 setCanaryScale weight and replicas',
    canary((c) => {
      routed(c, ISTIO);
      c.steps = [{ setCanaryScale: { weight: -50 } }, { setCanaryScale: { weight: 150 } }, { setCanaryScale: { replicas: -1 } }];
    }),
    [
      { path: `${C}.steps[0].setCanaryScale.weight`, message: 'must be between 0 and 100' },
      { path: `${C}.steps[1].setCanaryScale.weight`, message: 'must be between 0 and 100' },
      { path: `${C}.steps[2].setCanaryScale.replicas`, message: NON_NEGATIVE },
    ],
  ],
  [
    'N3 a Percent progress threshold above 100',
    canary((c) => (c.replicaProgressThreshold = { type: 'Percent', value: 101 })),
    [{ path: `${C}.replicaProgressThreshold.value`, message: 'must be between 0 and 100' }],
  ],
  [
    'N4 maxTrafficWeight 0',
    canary((c) => {
      routed(c, { ...NGINX, maxTrafficWeight: 0 });
      c.steps = [{ setCanaryScale: { replicas: 1 } }];
    }),
    [{ path: `${C}.trafficRouting.maxTrafficWeight`, message: 'must be greater than 0' }],
  ],
  ['N5 an ALB service port out of range', canary((c) => routed(c, { alb: { ingress: 'web-ingress', servicePort: 70000 } })), [{ path: `${C}.trafficRouting.alb.servicePort`, message: 'must be between 1 and 65535, inclusive' }]],
  [
    'N6 ALB stickiness beyond a week',
    canary((c) => routed(c, { alb: { ingress: 'web-ingress', servicePort: 80, stickinessConfig: { enabled: true, durationSeconds: 604801 } } })),
    [{ path: `${C}.trafficRouting.alb.stickinessConfig.durationSeconds`, message: 'must be between 1 and 604800 (seconds, the ALB limit)' }],
  ],
  ['N7 maxSurge "NaN%"', canary((c) => (c.maxSurge = 'NaN%')), [{ path: `${C}.maxSurge`, message: PERCENT_FORMAT }]],
  ['N7 maxSurge "-50%"', canary((c) => (c.maxSurge = '-50%')), [{ path: `${C}.maxSurge`, message: NON_NEGATIVE }]],
  ['N7 maxUnavailable above 100%', canary((c) => (c.maxUnavailable = '101%')), [{ path: `${C}.maxUnavailable`, message: 'must not be greater than 100%' }]],
  ['N7 maxUnavailable -1', blueGreen((bg) => (bg.maxUnavailable = -1)), [{ path: `${BG}.maxUnavailable`, message: NON_NEGATIVE }]],
  [
    'N8 an invalid dryRun pattern in a step analysis',
    canary((c) => (c.steps = [{ analysis: { templates: [{ templateName: 't' }], dryRun: [{ metricName: '(a+' }] } }])),
    [{ path: `${C}.steps[0].analysis.dryRun[0].metricName`, message: 'error parsing regexp: missing closing ): `(a+`' }],
  ],
];

describe('validateRollout: invalid Rollouts', () => {
  it.each(rows)('%s', (_, rollout, expected) => {
    expect(pm(validateRollout(rollout))).toEqual(expected);
  });

  it('covers every rule of the catalogue', () => {
    const seen = new Set(rows.flatMap(([, r]) => validateRollout(r).map((e) => e.rule)));
    const catalogue = [
      ...Array.from({ length: 11 }, (_, i) => `R${i + 1}`),
      'S1',
      'S2',
      ...Array.from({ length: 13 }, (_, i) => `C${i + 1}`),
      ...Array.from({ length: 17 }, (_, i) => `ST${i + 1}`),
      'AA1',
      'AA2',
      'B1',
      'B2',
      'W2',
      ...Array.from({ length: 8 }, (_, i) => `N${i + 1}`),
    ];
    expect(catalogue.filter((id) => !seen.has(id))).toEqual([]);
    expect([...seen].filter((id) => !catalogue.includes(id))).toEqual([]);
  });
});

describe('validateRollout: kinds, values and rule ids', () => {
  it('renders like Go field errors', () => {
    const errors = validateRollout(
      canary((c, r) => {
        r.spec.replicas = -1;
        Object.assign(c, { maxSurge: '0%', maxUnavailable: 0 });
        c.steps = [{ setWeight: 10, pause: {} }, {}, { setCanaryScale: { weight: 1 } }];
      }),
    );
    expect(errors.map(formatValidationError)).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.strategy.canary.maxSurge: Invalid value: "0%": MaxSurge and MaxUnavailable both can not be zero',
      `spec.strategy.canary.steps[0]: Invalid value: "step.Experiment: false step.Pause: true step.SetWeight: true step.Analysis: false": ${STEP}`,
      `spec.strategy.canary.steps[1]: Invalid value: "step.Experiment: false step.Pause: false step.SetWeight: false step.Analysis: false step.SetCanaryScale: false step.SetHeaderRoute: false step.SetMirrorRoute: false step.Plugin: false": ${STEP}`,
      'spec.strategy.canary.trafficRouting: Required value: SetCanaryScale requires TrafficRouting to be set',
    ]);
    expect(errors.map((e) => e.rule)).toEqual(['R1', 'C1', 'ST1', 'ST2', 'ST5']);
  });

  it('gives each error its Go kind and value', () => {
    const pick = (r: Rollout) => validateRollout(r).map(({ rule, type, value }) => ({ rule, type, value }));
    expect(pick(spec((s) => delete s.selector))).toEqual([
      { rule: 'R2', type: 'Required', value: undefined },
      { rule: 'R7', type: 'Invalid', value: { app: 'web' } },
    ]);
    expect(pick(spec((s) => (s.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' })))).toEqual([
      { rule: 'R5', type: 'InternalError', value: undefined },
    ]);
    expect(pick(spec((s) => (s.template.spec.restartPolicy = 'Never')))).toEqual([{ rule: 'R7', type: 'NotSupported', value: 'Never' }]);
    expect(pick(spec((s) => (s.strategy.blueGreen = {})))).toEqual([{ rule: 'S2', type: 'Invalid', value: 'blueGreen: true canary: true' }]);
    expect(pick(canary((c) => (c.steps[1].pause.duration = '-90s')))).toEqual([{ rule: 'ST4', type: 'Invalid', value: -90 }]);
    expect(pick(canary((c) => (c.antiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: {}, preferredDuringSchedulingIgnoredDuringExecution: { weight: 5 } })))).toEqual([
      {
        rule: 'AA1',
        type: 'Invalid',
        value: 'antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution: true antiAffinity.RequiredDuringSchedulingIgnoredDuringExecution: true',
      },
    ]);
    const ref = { apiVersion: 'apps/v1', kind: 'Job', name: 'x' };
    expect(pick(spec((s) => Object.assign(s, { workloadRef: ref, template: undefined })))).toEqual([{ rule: 'W2', type: 'Invalid', value: ref }]);
    expect(pick(canary((c) => (c.steps[1] = { analysis: { args: [{ name: 'a', valueFrom: { fieldRef: { fieldPath: 'metadata.x' } } }] } })))).toEqual([
      { rule: 'ST17', type: 'Invalid', value: 'metadata.x' },
    ]);
  });

  it('checks the pod template of a workloadRef Rollout once it has been resolved', () => {
    const r = spec((s) => {
      s.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
      s.template.spec.containers[0].image = '';
    });
    expect(pm(validateRollout(r))).toEqual([{ path: 'spec.template', message: 'template must be empty for workload reference rollout' }]);
    expect(pm(validateRollout(r, { templateResolvedFromRef: true }))).toEqual([{ path: 'spec.template.spec.containers[0].image', message: '' }]);
    const noSelector = spec((s) => {
      s.workloadRef = { apiVersion: 'v1', kind: 'PodTemplate', name: 'web' };
      delete s.selector;
    });
    expect(pm(validateRollout(noSelector, { templateResolvedFromRef: true }))).toEqual([{ path: 'spec.template.metadata.labels', message: SELECTOR_MISMATCH }]);
  });

  it('does not change the Rollout', () => {
    const r = canary((c) => Object.assign(c, { maxSurge: 0, maxUnavailable: 0 }));
    const before = structuredClone(r);
    validateRollout(r);
    expect(r).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Valid Rollouts

describe('validateRollout: valid Rollouts', () => {
  it.each<[string, Rollout]>([
    ['the canary base', canaryBase()],
    // Upstream's Rollout holds a typed pod template: a quantity that does not parse never reaches its validation,
    // and the Rollout goes on (Argo's e2e reaches Healthy); the API server is the one to refuse it in a ReplicaSet.
    ['an unparsable resource quantity (memory: invalid)', spec((s) => (s.template.spec.containers[0].resources.limits.memory = 'invalid'))],
    ['the blue-green base', blueGreenBase()],
    ['maxSurge 0 alone (maxUnavailable defaults to 25%)', canary((c) => (c.maxSurge = 0))],
    [
      'setWeight with setCanaryScale (only four step kinds are counted)',
      canary((c) => {
        c.steps[0].setCanaryScale = { weight: 10 };
        c.trafficRouting = ISTIO_DR;
      }),
    ],
    ['Istio with a DestinationRule needs no services', canary((c) => (c.trafficRouting = ISTIO_DR))],
    ['plugins alone need no services', canary((c) => (c.trafficRouting = { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'r' } }, maxTrafficWeight: 1000 }))],
    ['an empty trafficRouting needs no services', canary((c) => (c.trafficRouting = {}))],
    ['pause 0 and numeric-string pauses', canary((c) => c.steps.push({ pause: { duration: 0 } }, { pause: { duration: '10' } }, { pause: { duration: '1h30m' } }))],
    [
      'downward-API arguments',
      canary(
        (c) =>
          (c.steps[1] = {
            analysis: {
              templates: [{ templateName: 't' }],
              args: [
                { name: 'a', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'b', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/name']" } } },
                { name: 'c', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['Example.com/Team']" } } },
                { name: 'd', valueFrom: { fieldRef: { fieldPath: 'status.stableRS' } } },
                { name: 'e', valueFrom: { podTemplateHashValue: 'Latest' } },
              ],
            },
          }),
      ),
    ],
    ['workloadRef with an empty template and no selector', spec((s) => Object.assign(s, { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, template: undefined, selector: undefined }))],
    [
      'workloadRef whose template has a spec but no labels (only labels and annotations count)',
      spec((s) => {
        s.workloadRef = { kind: 'PodTemplate', name: 'web' };
        s.template = { spec: { containers: [] } };
      }),
    ],
    ['privileged containers', spec((s) => (s.template.spec.containers[0].securityContext = { privileged: true }))],
    [
      'B2 within an explicit history limit',
      blueGreen((bg, r) => {
        bg.scaleDownDelayRevisionLimit = 20;
        r.spec.revisionHistoryLimit = 20;
      }),
    ],
    ['replicas 0', spec((s) => (s.replicas = 0))],
  ])('%s', (_, rollout) => {
    expect(pm(validateRollout(rollout))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Manifests on disk: our fixtures, and upstream's examples when the reference copy is present

function yamlFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return yamlFilesUnder(full);
    return /\.ya?ml$/.test(d.name) ? [full] : [];
  });
}

function rolloutsIn(file: string): Array<{ name: string; doc: unknown }> {
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null)
    .filter((d): d is { kind: string; metadata?: { name?: string } } => d?.kind === 'Rollout')
    .map((d) => ({ name: `${path.basename(file)}:${d.metadata?.name ?? '?'}`, doc: d }));
}

function expectClean(docs: Array<{ name: string; doc: unknown }>, strict: boolean): void {
  const problems = docs.flatMap(({ name, doc }) => {
    const decoded = decode(Rollout, doc, { strict });
    if (E.isLeft(decoded)) return decoded.left.map((e) => `${name}: ${e.message}`);
    return validateRollout(decoded.right).map((e) => `${name}: ${formatValidationError(e)}`);
  });
  expect(problems).toEqual([]);
}

describe('manifests on disk', () => {
  it('our rollout-*.yaml fixtures decode strictly and validate clean', () => {
    const dir = path.resolve(__dirname, '../../test/fixtures');
    const files = fs.readdirSync(dir).filter((f) => /^rollout-.*\.ya?ml$/.test(f));
    const docs = files.flatMap((f) => rolloutsIn(path.join(dir, f)));
    expect(docs.length).toBeGreaterThanOrEqual(5);
    expectClean(docs, true);
  });

  it("upstream's examples validate clean", () => {
    const candidates = [path.resolve(__dirname, '../../../../../shared/reference/argo-rollouts/examples'), '/work/shared/reference/argo-rollouts/examples'];
    const dir = candidates.find((d) => fs.existsSync(d));
    if (dir === undefined) {
      console.log('argo-rollouts examples not found; skipped the upstream examples check');
      return;
    }
    const docs = yamlFilesUnder(dir).flatMap(rolloutsIn);
    expect(docs.length).toBeGreaterThan(10);
    expectClean(docs, false);
  });
});
