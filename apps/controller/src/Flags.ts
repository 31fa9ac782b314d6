/**
 * The controller's command line. Names follow the issue (`--metrics-port`, `--log-level`, ...) and accept
 * Argo Rollouts' spellings as aliases (`--metricsport`, `--healthzPort`, `--loglevel`, `--logformat`,
 * `--namespaced`), so manifests written for Argo keep working. Every flag is `--name value` or `--name=value`;
 * a boolean may stand alone (`--leader-elect`) or take `true`/`false`. Unknown flags and bad values are
 * errors that name the flag, what was expected and what was found.
 */
import * as E from 'fp-ts/lib/Either';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

/** The parsed configuration. */
export interface ControllerConfig {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Watch one namespace only (default all). */
  readonly namespace?: string;
  /** `--namespaced`: a Role-only install; ClusterAnalysisTemplates (cluster-scoped) are not watched, as Argo's. */
  readonly namespaced?: boolean;
  readonly instanceId?: string;
  readonly rolloutThreads: number;
  readonly analysisThreads: number;
  readonly experimentThreads: number;
  /** 0 turns the metrics server off. */
  readonly metricsPort: number;
  /** 0 turns the health server off. */
  readonly healthzPort: number;
  readonly leaderElect: boolean;
  readonly leaderElectionNamespace: string;
  readonly leaderElectionName: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly rolloutResyncMs: number;
  readonly routerTimeoutMs: number;
  readonly measurementTimeoutMs: number;
  /** Bound of the graceful stop after SIGTERM/SIGINT; past it the process logs what is pending and exits 0. */
  readonly shutdownTimeoutMs: number;
  /** SMI TrafficSplit version written (`--traffic-split-api-version`, Argo's; default v1alpha1). */
  readonly trafficSplitApiVersion: string;
  /** TraefikService API group (`--traefik-api-group`: traefik.io, or traefik.containo.us for Traefik 2 before 2.10). */
  readonly traefikApiGroup: string;
  /** Ambassador Mapping version (`--ambassador-api-version`: getambassador.io/v2 or getambassador.io/v3alpha1). */
  readonly ambassadorApiVersion: string;
  /** Verify ALB target-group weights (and TargetGroupBinding registrations) through the AWS API (`--aws-verify-target-group`). */
  readonly awsVerifyTargetGroup: boolean;
  /** From $ROLLOUT_VERIFY_RETRY_INTERVAL (Argo's; default 10s): how often an unverified weight is checked again. */
  readonly verifyRetryMs: number;
  /** `--release-traffic-finalizer`: guarantee the release of a deleted Rollout's traffic with a finalizer (not Argo's; default false). */
  readonly releaseTrafficFinalizer: boolean;
  /** `--release-traffic-timeout`: how long a failing release may hold a deletion before the finalizer is removed anyway. */
  readonly releaseTrafficTimeoutMs: number;
  /** `--self-service-notification-enabled` (Argo's): the Rollout's own namespace's notification ConfigMap/Secret send too. */
  readonly selfServiceNotificationEnabled: boolean;
  /** Where plugins named in argo-rollouts-config are unpacked (`--plugin-dir`, else $ROLLOUTS_PLUGIN_DIR, else /tmp/rollouts-plugins). */
  readonly pluginDir?: string;
  readonly help: boolean;
  readonly version: boolean;
}

type Kind = 'string' | 'int' | 'bool' | 'duration' | 'level' | 'format';

interface FlagSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly kind: Kind;
  readonly key: keyof ControllerConfig | 'namespaced';
  readonly help: string;
  readonly default?: string;
}

/** Every flag, in help order. */
export const FLAGS: readonly FlagSpec[] = [
  { name: 'kubeconfig', kind: 'string', key: 'kubeconfig', help: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)' },
  { name: 'context', kind: 'string', key: 'context', help: 'kubeconfig context to use' },
  { name: 'namespace', kind: 'string', key: 'namespace', help: 'reconcile Rollouts of this namespace only (default: all namespaces)' },
  { name: 'namespaced', kind: 'bool', key: 'namespaced', help: "reconcile only the controller's own namespace ($POD_NAMESPACE), as Argo's --namespaced" },
  { name: 'instance-id', aliases: ['instanceid'], kind: 'string', key: 'instanceId', help: 'reconcile only objects labelled argo-rollouts.argoproj.io/controller-instance-id=<id>' },
  { name: 'rollout-threads', kind: 'int', key: 'rolloutThreads', default: '10', help: 'Rollout workers' },
  { name: 'analysis-threads', kind: 'int', key: 'analysisThreads', default: '30', help: 'AnalysisRun workers' },
  { name: 'experiment-threads', kind: 'int', key: 'experimentThreads', default: '10', help: 'Experiment workers' },
  { name: 'metrics-port', aliases: ['metricsport', 'metricsPort'], kind: 'int', key: 'metricsPort', default: '8090', help: 'port of /metrics (0: off)' },
  { name: 'healthz-port', aliases: ['healthzPort', 'healthzport'], kind: 'int', key: 'healthzPort', default: '8080', help: 'port of /healthz and /readyz (0: off)' },
  { name: 'leader-elect', kind: 'bool', key: 'leaderElect', default: 'true', help: 'elect a leader among replicas through a Lease' },
  { name: 'leader-election-namespace', kind: 'string', key: 'leaderElectionNamespace', help: 'namespace of the Lease (default: $POD_NAMESPACE, else argo-rollouts)' },
  { name: 'leader-election-name', kind: 'string', key: 'leaderElectionName', default: 'argo-rollouts-controller-lock', help: "name of the Lease (Argo's, so one of the two controllers runs at a time)" },
  { name: 'leader-election-lease-duration', kind: 'duration', key: 'leaseDurationMs', default: '15s', help: 'how long a Lease lasts without renewal' },
  { name: 'leader-election-renew-deadline', kind: 'duration', key: 'renewDeadlineMs', default: '10s', help: 'how long the leader tries to renew before giving up' },
  { name: 'leader-election-retry-period', kind: 'duration', key: 'retryPeriodMs', default: '2s', help: 'interval between election attempts' },
  { name: 'log-level', aliases: ['loglevel'], kind: 'level', key: 'logLevel', default: 'info', help: 'debug, info, warn or error' },
  { name: 'log-format', aliases: ['logformat'], kind: 'format', key: 'logFormat', default: 'text', help: 'text or json' },
  { name: 'rollout-resync', kind: 'duration', key: 'rolloutResyncMs', default: '900s', help: 'interval of full resyncs (a bare number is seconds, as Argo)' },
  { name: 'router-timeout', kind: 'duration', key: 'routerTimeoutMs', default: '30s', help: 'bound of each traffic router call' },
  { name: 'measurement-timeout', kind: 'duration', key: 'measurementTimeoutMs', default: '60s', help: 'bound of each metric provider call' },
  {
    name: 'shutdown-timeout',
    kind: 'duration',
    key: 'shutdownTimeoutMs',
    default: '8s',
    help: "bound of the graceful stop on SIGTERM/SIGINT, then exit 0 anyway (keep it below the pod's terminationGracePeriodSeconds)",
  },
  { name: 'traffic-split-api-version', kind: 'string', key: 'trafficSplitApiVersion', default: 'v1alpha1', help: 'SMI TrafficSplit version: v1alpha1, v1alpha2 or v1alpha3' },
  { name: 'traefik-api-group', kind: 'string', key: 'traefikApiGroup', default: 'traefik.io', help: 'TraefikService API group: traefik.io, or traefik.containo.us (Traefik 2 before 2.10)' },
  { name: 'ambassador-api-version', kind: 'string', key: 'ambassadorApiVersion', default: 'getambassador.io/v2', help: 'Ambassador Mapping version: getambassador.io/v2 or getambassador.io/v3alpha1' },
  {
    name: 'aws-verify-target-group',
    aliases: ['alb-verify-weight'],
    kind: 'bool',
    key: 'awsVerifyTargetGroup',
    default: 'false',
    help: 'ALB: wait until the AWS load balancer carries each weight (and, with TargetGroupBinding, the pods are registered) before advancing; AWS credentials from the standard chain',
  },
  {
    name: 'self-service-notification-enabled',
    kind: 'bool',
    key: 'selfServiceNotificationEnabled',
    default: 'false',
    help: "notifications: also read argo-rollouts-notification-configmap/-secret from each Rollout's namespace (each sends on its own), as Argo's",
  },
  {
    name: 'release-traffic-finalizer',
    kind: 'bool',
    key: 'releaseTrafficFinalizer',
    default: 'false',
    help: "give Rollouts whose routers change the user's objects (ALB, Istio, ...) the finalizer rollouts.argoproj.io/traffic-release, so their traffic is released on deletion even if the controller was down (not Argo's; needs patch on rollouts)",
  },
  { name: 'release-traffic-timeout', kind: 'duration', key: 'releaseTrafficTimeoutMs', default: '5m', help: 'with --release-traffic-finalizer: how long a failing release may hold a deletion before the finalizer is removed anyway, with a Warning' },
  { name: 'plugin-dir', kind: 'string', key: 'pluginDir', help: 'where plugins named in the argo-rollouts-config ConfigMap are unpacked (default: $ROLLOUTS_PLUGIN_DIR, else /tmp/rollouts-plugins)' },
  { name: 'help', aliases: ['h'], kind: 'bool', key: 'help', default: 'false', help: 'print this help' },
  { name: 'version', kind: 'bool', key: 'version', default: 'false', help: 'print the version' },
];

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `15s`, `1m30s`, `500ms`, or a bare number of seconds. */
export function parseDurationMs(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? 's'] ?? 0), 0));
}

function value(spec: FlagSpec, raw: string): E.Either<string, unknown> {
  const bad = (expected: string) => E.left(`--${spec.name}: expected ${expected}, got ${JSON.stringify(raw)}`);
  switch (spec.kind) {
    case 'string':
      return E.right(raw);
    case 'int':
      return /^\d+$/.test(raw) && Number(raw) <= 65535 * 1000 ? E.right(Number(raw)) : bad('a non-negative integer');
    case 'bool':
      return raw === 'true' ? E.right(true) : raw === 'false' ? E.right(false) : bad('true or false');
    case 'duration': {
      const ms = parseDurationMs(raw);
      return ms !== undefined ? E.right(ms) : bad('a duration such as 15s, 1m or 500ms');
    }
    case 'level':
      return ['debug', 'info', 'warn', 'error'].includes(raw) ? E.right(raw) : bad('debug, info, warn or error');
    case 'format':
      return raw === 'text' || raw === 'json' ? E.right(raw) : bad('text or json');
  }
}

/** Parse `argv` (without the program name); `env` supplies POD_NAMESPACE. */
export function parseFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): E.Either<string, ControllerConfig> {
  const byName = new Map<string, FlagSpec>();
  for (const f of FLAGS) for (const n of [f.name, ...(f.aliases ?? [])]) byName.set(n, f);
  const values: Record<string, unknown> = {};
  for (const f of FLAGS) {
    if (f.default === undefined) continue;
    const v = value(f, f.default);
    if (E.isRight(v)) values[f.key] = v.right;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/.exec(arg);
    if (m === null) return E.left(`unexpected argument ${JSON.stringify(arg)} (flags start with --)`);
    const spec = byName.get(m[1] as string);
    if (spec === undefined) return E.left(`unknown flag --${m[1] as string} (see --help)`);
    let raw = m[2];
    if (raw === undefined) {
      const next = argv[i + 1];
      if (spec.kind === 'bool' && (next === undefined || (next !== 'true' && next !== 'false'))) raw = 'true';
      else if (next === undefined) return E.left(`--${spec.name}: a value is required`);
      else {
        raw = next;
        i++;
      }
    }
    const v = value(spec, raw);
    if (E.isLeft(v)) return v;
    values[spec.key] = v.right;
  }
  const podNamespace = env['POD_NAMESPACE'];
  if (values['namespaced'] === true) {
    if (podNamespace === undefined || podNamespace === '') return E.left('--namespaced: $POD_NAMESPACE is not set (or use --namespace)');
    if (values['namespace'] === undefined) values['namespace'] = podNamespace;
  } else delete values['namespaced'];
  const verifyRetry = env['ROLLOUT_VERIFY_RETRY_INTERVAL'];
  if (verifyRetry !== undefined && verifyRetry !== '') {
    const ms = parseDurationMs(verifyRetry);
    if (ms === undefined || ms <= 0) return E.left(`$ROLLOUT_VERIFY_RETRY_INTERVAL: "${verifyRetry}" is not a positive duration such as 10s`);
    values['verifyRetryMs'] = ms;
  } else values['verifyRetryMs'] = 10_000;
  values['pluginDir'] ??= env['ROLLOUTS_PLUGIN_DIR'] !== undefined && env['ROLLOUTS_PLUGIN_DIR'] !== '' ? env['ROLLOUTS_PLUGIN_DIR'] : '/tmp/rollouts-plugins';
  values['leaderElectionNamespace'] ??= podNamespace !== undefined && podNamespace !== '' ? podNamespace : 'argo-rollouts';
  const c = values as unknown as ControllerConfig;
  if (c.leaderElect && !(c.leaseDurationMs > c.renewDeadlineMs && c.renewDeadlineMs > c.retryPeriodMs))
    return E.left('leader election: --leader-election-lease-duration must exceed --leader-election-renew-deadline, which must exceed --leader-election-retry-period');
  if (c.shutdownTimeoutMs <= 0) return E.left('--shutdown-timeout: expected a positive duration such as 8s, got 0');
  if (c.releaseTrafficTimeoutMs <= 0) return E.left('--release-traffic-timeout: expected a positive duration such as 5m, got 0');
  const oneOf = (flag: string, v: string, allowed: readonly string[]) => (allowed.includes(v) ? undefined : `--${flag}: "${v}" is not one of ${allowed.join(', ')}`);
  const bad =
    oneOf('traffic-split-api-version', c.trafficSplitApiVersion.replace(/^split\.smi-spec\.io\//, ''), ['v1alpha1', 'v1alpha2', 'v1alpha3']) ??
    oneOf('traefik-api-group', c.traefikApiGroup, ['traefik.io', 'traefik.containo.us']) ??
    oneOf('ambassador-api-version', c.ambassadorApiVersion, ['getambassador.io/v2', 'getambassador.io/v3alpha1']);
  if (bad !== undefined) return E.left(bad);
  for (const k of ['rolloutThreads', 'analysisThreads', 'experimentThreads'] as const) if (c[k] < 1) return E.left(`--${FLAGS.find((f) => f.key === k)?.name ?? k}: at least 1 worker is needed`);
  return E.right(c);
}

/** The `--help` text. */
export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const names = [f.name, ...(f.aliases ?? [])].map((n) => `--${n}`).join(', ');
    return `  ${names.padEnd(44)} ${f.help}${f.default !== undefined && f.kind !== 'bool' ? ` (default ${f.default})` : f.default === 'true' ? ' (default true)' : ''}`;
  });
  return ['Usage: rollouts-controller [flags]', '', 'Reconciles argoproj.io/v1alpha1 Rollouts, AnalysisRuns and Experiments.', '', 'Flags:', ...rows, ''].join('\n');
}
