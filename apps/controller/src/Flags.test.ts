import * as E from 'fp-ts/lib/Either';
import { helpText, parseDurationMs, parseFlags, type ControllerConfig } from './Flags';

const ok = (argv: string[], env: Record<string, string> = {}): ControllerConfig => {
  const r = parseFlags(argv, env);
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};
const error = (argv: string[], env: Record<string, string> = {}): string => {
  const r = parseFlags(argv, env);
  if (E.isRight(r)) throw new Error('expected an error');
  return r.left;
};

test('defaults are upstream\'s', () => {
  expect(ok([])).toMatchObject({
    rolloutThreads: 10,
    analysisThreads: 30,
    experimentThreads: 10,
    metricsPort: 8090,
    healthzPort: 8080,
    leaderElect: true,
    leaderElectionNamespace: 'argo-rollouts',
    leaderElectionName: 'argo-rollouts-controller-lock',
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    logLevel: 'info',
    logFormat: 'text',
    rolloutResyncMs: 900_000,
    shutdownTimeoutMs: 8_000,
  });
  expect(ok([]).namespace).toBeUndefined();
});

test.each<[string[], Partial<ControllerConfig>]>([
  [['--namespace', 'shop'], { namespace: 'shop' }],
  [['--namespace=shop'], { namespace: 'shop' }],
  [['--metrics-port', '9000', '--healthz-port=9001'], { metricsPort: 9000, healthzPort: 9001 }],
  [['--metricsport', '9000', '--healthzPort', '9001'], { metricsPort: 9000, healthzPort: 9001 }],
  [['--loglevel', 'debug', '--logformat', 'json'], { logLevel: 'debug', logFormat: 'json' }],
  [['--leader-elect=false'], { leaderElect: false }],
  [['--leader-elect', 'false'], { leaderElect: false }],
  [['--leader-elect', '--namespace', 'a'], { leaderElect: true, namespace: 'a' }],
  [['--rollout-threads', '3', '--analysis-threads', '4', '--experiment-threads', '5'], { rolloutThreads: 3, analysisThreads: 4, experimentThreads: 5 }],
  [['--rollout-resync', '60'], { rolloutResyncMs: 60_000 }],
  [['--instance-id', 'blue'], { instanceId: 'blue' }],
  [['--shutdown-timeout', '5s'], { shutdownTimeoutMs: 5_000 }],
])('%j', (argv, expected) => {
  expect(ok(argv)).toMatchObject(expected);
});

test('--namespaced uses $POD_NAMESPACE, which also hosts the Lease', () => {
  expect(ok(['--namespaced'], { POD_NAMESPACE: 'rollouts' })).toMatchObject({ namespace: 'rollouts', leaderElectionNamespace: 'rollouts', namespaced: true });
  // --namespace alone keeps watching ClusterAnalysisTemplates (a ClusterRole install limited to one namespace).
  expect(ok(['--namespace', 'team'], { POD_NAMESPACE: 'rollouts' }).namespaced).toBeUndefined();
  expect(error(['--namespaced'])).toContain('POD_NAMESPACE');
});

test.each([
  [['--rollout-threads', 'many'], '--rollout-threads: expected a non-negative integer, got "many"'],
  [['--rollout-threads', '0'], '--rollout-threads: at least 1 worker is needed'],
  [['--log-level', 'loud'], '--log-level: expected debug, info, warn or error, got "loud"'],
  [['--log-format', 'xml'], '--log-format: expected text or json, got "xml"'],
  [['--frobnicate'], 'unknown flag --frobnicate'],
  [['stray'], 'unexpected argument "stray"'],
  [['--namespace'], '--namespace: a value is required'],
  [['--leader-election-lease-duration', 'soon'], '--leader-election-lease-duration: expected a duration'],
  [['--leader-election-lease-duration', '5s'], 'must exceed --leader-election-renew-deadline'],
  [['--shutdown-timeout', '0s'], '--shutdown-timeout: expected a positive duration'],
])('%j is an error', (argv, message) => {
  expect(error(argv)).toContain(message);
});

test.each([
  ['15s', 15_000],
  ['1m30s', 90_000],
  ['500ms', 500],
  ['2h', 7_200_000],
  ['45', 45_000],
  ['1.5s', 1_500],
  ['5x', undefined],
  ['', undefined],
])('duration %s = %s ms', (text, ms) => {
  expect(parseDurationMs(text)).toBe(ms);
});

test('help lists every flag with its aliases', () => {
  const h = helpText();
  for (const f of ['--kubeconfig', '--namespace', '--metrics-port, --metricsport, --metricsPort', '--healthz-port', '--leader-elect', '--log-level, --loglevel', '--log-format, --logformat', '--rollout-threads', '--shutdown-timeout'])
    expect(h).toContain(f);
});

test('$ROLLOUT_VERIFY_RETRY_INTERVAL (Argo\'s) sets how often an unverified weight is checked again', () => {
  expect(ok([]).verifyRetryMs).toBe(10_000);
  expect(ok([], { ROLLOUT_VERIFY_RETRY_INTERVAL: '3s' }).verifyRetryMs).toBe(3_000);
  expect(error([], { ROLLOUT_VERIFY_RETRY_INTERVAL: 'soon' })).toContain('ROLLOUT_VERIFY_RETRY_INTERVAL: "soon" is not a positive duration');
});

test("Argo's router flags: versions and groups the routers write, refused when unknown", () => {
  expect(ok([])).toMatchObject({ trafficSplitApiVersion: 'v1alpha1', traefikApiGroup: 'traefik.io', ambassadorApiVersion: 'getambassador.io/v2', awsVerifyTargetGroup: false });
  expect(ok(['--traffic-split-api-version', 'v1alpha3', '--traefik-api-group=traefik.containo.us', '--ambassador-api-version', 'getambassador.io/v3alpha1', '--aws-verify-target-group'])).toMatchObject({
    trafficSplitApiVersion: 'v1alpha3',
    traefikApiGroup: 'traefik.containo.us',
    ambassadorApiVersion: 'getambassador.io/v3alpha1',
    awsVerifyTargetGroup: true,
  });
  expect(ok(['--alb-verify-weight']).awsVerifyTargetGroup).toBe(true);
  expect(error(['--traffic-split-api-version', 'v2'])).toBe('--traffic-split-api-version: "v2" is not one of v1alpha1, v1alpha2, v1alpha3');
  expect(error(['--traefik-api-group', 'traefik.example'])).toContain('--traefik-api-group: "traefik.example" is not one of');
});

test('--release-traffic-finalizer (opt-in) and --release-traffic-timeout', () => {
  expect(ok([])).toMatchObject({ releaseTrafficFinalizer: false, releaseTrafficTimeoutMs: 300_000 });
  expect(ok(['--release-traffic-finalizer', '--release-traffic-timeout', '90s'])).toMatchObject({ releaseTrafficFinalizer: true, releaseTrafficTimeoutMs: 90_000 });
  expect(error(['--release-traffic-timeout', '0s'])).toContain('--release-traffic-timeout');
});

test("--self-service-notification-enabled (Argo's): off by default", () => {
  expect(ok([]).selfServiceNotificationEnabled).toBe(false);
  expect(ok(['--self-service-notification-enabled']).selfServiceNotificationEnabled).toBe(true);
});
