/**
 * Prometheus metrics with Argo Rollouts' names and labels, so existing dashboards and alerts keep working:
 *
 * - per object, computed at scrape time from the controller's caches (nothing stored per object):
 *   `rollout_info{namespace,name,strategy,traffic_router,phase}`, `rollout_info_replicas_{available,unavailable,
 *   desired,updated}`, `rollout_phase{namespace,name,strategy,phase}` (deprecated upstream, kept),
 *   `analysis_run_info{namespace,name,phase}`, `analysis_run_phase`, `analysis_run_metric_type{...,metric,type}`,
 *   `analysis_run_metric_phase{...,metric,type,dry_run,phase}`, `experiment_info{namespace,name,phase}`,
 *   `experiment_phase`;
 * - per reconcile: `rollout_reconcile`, `analysis_run_reconcile`, `experiment_reconcile` (histograms, seconds)
 *   and `*_reconcile_error` (counters); `rollout_events_total{namespace,name,type,reason}`;
 * - per API request: `controller_clientset_k8s_request_total{kind,namespace,name,verb,status_code}`;
 * - `argo_rollouts_controller_info{version}` and prom-client's default process metrics.
 *
 * prom-client is loaded at start-up through the small part of its documented API used here.
 */
import type { AnalysisRun, Experiment, Rollout } from '@rollouts/api';
import type { ControllerMetrics } from '@rollouts/controller';

type Labels = Record<string, string | number>;

/** The part of prom-client's API this module uses (prom-client 15). */
export interface PromRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
}
interface GaugeThis {
  set(labels: Labels, value: number): void;
  reset(): void;
}
interface MetricConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  readonly registers: readonly PromRegistry[];
}
export interface PromClient {
  Registry: new () => PromRegistry;
  Counter: new (cfg: MetricConfig) => { inc(labels: Labels, value?: number): void };
  Gauge: new (cfg: MetricConfig & { collect?: (this: GaugeThis) => void }) => { set(labels: Labels, value: number): void };
  Histogram: new (cfg: MetricConfig & { buckets: readonly number[] }) => { observe(labels: Labels, value: number): void };
  collectDefaultMetrics(opts: { register: PromRegistry }): void;
}

/** prom-client, or the reason it cannot be loaded. */
export function loadPromClient(): PromClient | Error {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('prom-client') as PromClient;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** What the metrics read at scrape time. */
export interface MetricsSource {
  rollouts(): ReadonlyArray<Rollout>;
  analysisRuns(): ReadonlyArray<AnalysisRun>;
  experiments(): ReadonlyArray<Experiment>;
}

const ROLLOUT_PHASES = ['Progressing', 'Paused', 'Healthy', 'Degraded'];
const RUN_PHASES = ['Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive'];

const strategyOf = (ro: Rollout): string => (ro.spec?.strategy?.blueGreen != null ? 'blueGreen' : 'canary');
const routersOf = (ro: Rollout): string => {
  const tr = ro.spec?.strategy?.canary?.trafficRouting;
  if (tr == null) return '';
  const kinds = Object.entries(tr)
    .filter(([k, v]) => v != null && k !== 'managedRoutes' && k !== 'maxTrafficWeight' && k !== 'plugins')
    .map(([k]) => k);
  const plugins = tr.plugins != null && typeof tr.plugins === 'object' && !Array.isArray(tr.plugins) ? Object.keys(tr.plugins) : [];
  return [...kinds, ...plugins].join(',');
};
const providerOf = (m: { provider?: Record<string, unknown> | null }): string => {
  const p = m.provider ?? {};
  const key = Object.keys(p).find((k) => p[k] != null) ?? '';
  const plugin = p['plugin'];
  return key === 'plugin' && plugin != null && typeof plugin === 'object' ? (Object.keys(plugin)[0] ?? 'plugin') : key;
};
const meta = (o: { metadata?: { namespace?: string | null; name?: string | null } | null }) => ({ namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });

/** The metrics and the sink the controller reports to. */
export interface PrometheusMetrics {
  readonly registry: PromRegistry;
  readonly sink: ControllerMetrics;
}

/** Register every metric on a new registry; `source` is read at scrape time (undefined before the controller exists). */
export function createPrometheusMetrics(prom: PromClient, source: () => MetricsSource | undefined, version: string): PrometheusMetrics {
  const registry = new prom.Registry();
  const registers = [registry];
  prom.collectDefaultMetrics({ register: registry });
  const gauge = (name: string, help: string, labelNames: readonly string[], fill: (set: (labels: Labels, v: number) => void, s: MetricsSource) => void) =>
    new prom.Gauge({
      name,
      help,
      labelNames,
      registers,
      collect(this: GaugeThis) {
        this.reset();
        const s = source();
        if (s !== undefined) fill((l, v) => this.set(l, v), s);
      },
    });

  gauge('rollout_info', 'Information about a Rollout (value 1).', ['namespace', 'name', 'strategy', 'traffic_router', 'phase'], (set, s) => {
    for (const ro of s.rollouts()) set({ ...meta(ro), strategy: strategyOf(ro), traffic_router: routersOf(ro), phase: ro.status?.phase ?? '' }, 1);
  });
  const replicas = (suffix: string, help: string, f: (ro: Rollout) => number) =>
    gauge(`rollout_info_replicas_${suffix}`, help, ['namespace', 'name'], (set, s) => {
      for (const ro of s.rollouts()) set(meta(ro), f(ro));
    });
  replicas('available', 'Available pods of a Rollout.', (ro) => ro.status?.availableReplicas ?? 0);
  replicas('unavailable', 'Pods of a Rollout that are not available.', (ro) => Math.max(0, (ro.status?.replicas ?? 0) - (ro.status?.availableReplicas ?? 0)));
  replicas('desired', 'Pods a Rollout asks for.', (ro) => ro.spec?.replicas ?? 1);
  replicas('updated', 'Pods of a Rollout that run the current template.', (ro) => ro.status?.updatedReplicas ?? 0);
  gauge('rollout_phase', 'Phase of a Rollout, 1 for the current one (deprecated: use rollout_info).', ['namespace', 'name', 'strategy', 'phase'], (set, s) => {
    for (const ro of s.rollouts()) for (const phase of ROLLOUT_PHASES) set({ ...meta(ro), strategy: strategyOf(ro), phase }, ro.status?.phase === phase ? 1 : 0);
  });
  gauge('analysis_run_info', 'Information about an AnalysisRun (value 1).', ['namespace', 'name', 'phase'], (set, s) => {
    for (const r of s.analysisRuns()) set({ ...meta(r), phase: r.status?.phase ?? '' }, 1);
  });
  gauge('analysis_run_phase', 'Phase of an AnalysisRun, 1 for the current one (deprecated: use analysis_run_info).', ['namespace', 'name', 'phase'], (set, s) => {
    for (const r of s.analysisRuns()) for (const phase of RUN_PHASES) set({ ...meta(r), phase }, r.status?.phase === phase ? 1 : 0);
  });
  gauge('analysis_run_metric_type', 'The provider type of each metric of an AnalysisRun (value 1).', ['namespace', 'name', 'metric', 'type'], (set, s) => {
    for (const r of s.analysisRuns()) for (const m of r.spec?.metrics ?? []) set({ ...meta(r), metric: m.name, type: providerOf(m as never) }, 1);
  });
  gauge('analysis_run_metric_phase', 'The phase of each metric of an AnalysisRun (value 1).', ['namespace', 'name', 'metric', 'type', 'dry_run', 'phase'], (set, s) => {
    for (const r of s.analysisRuns()) {
      const types = new Map((r.spec?.metrics ?? []).map((m) => [m.name, providerOf(m as never)]));
      for (const mr of r.status?.metricResults ?? []) set({ ...meta(r), metric: mr.name, type: types.get(mr.name) ?? '', dry_run: String(mr.dryRun === true), phase: mr.phase ?? '' }, 1);
    }
  });
  gauge('experiment_info', 'Information about an Experiment (value 1).', ['namespace', 'name', 'phase'], (set, s) => {
    for (const x of s.experiments()) set({ ...meta(x), phase: x.status?.phase ?? '' }, 1);
  });
  gauge('experiment_phase', 'Phase of an Experiment, 1 for the current one (deprecated: use experiment_info).', ['namespace', 'name', 'phase'], (set, s) => {
    for (const x of s.experiments()) for (const phase of RUN_PHASES) set({ ...meta(x), phase }, x.status?.phase === phase ? 1 : 0);
  });
  new prom.Gauge({ name: 'argo_rollouts_controller_info', help: 'The controller version (value 1).', labelNames: ['version'], registers }).set({ version }, 1);

  const buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  const histogram = (name: string, help: string) => new prom.Histogram({ name, help, labelNames: ['namespace', 'name'], buckets, registers });
  const counter = (name: string, help: string, labelNames: readonly string[]) => new prom.Counter({ name, help, labelNames, registers });
  const reconcile = {
    Rollout: { duration: histogram('rollout_reconcile', 'Rollout reconcile duration in seconds.'), errors: counter('rollout_reconcile_error', 'Rollout reconciles that failed and were retried.', ['namespace', 'name']) },
    AnalysisRun: {
      duration: histogram('analysis_run_reconcile', 'AnalysisRun reconcile duration in seconds.'),
      errors: counter('analysis_run_reconcile_error', 'AnalysisRun reconciles that failed and were retried.', ['namespace', 'name']),
    },
    Experiment: {
      duration: histogram('experiment_reconcile', 'Experiment reconcile duration in seconds.'),
      errors: counter('experiment_reconcile_error', 'Experiment reconciles that failed and were retried.', ['namespace', 'name']),
    },
  };
  const events = counter('rollout_events_total', 'Kubernetes Events recorded about Rollouts.', ['namespace', 'name', 'type', 'reason']);
  // Argo's notification series: counters labelled as rollout_events_total, histogram with Argo's buckets.
  const notificationLabels = ['namespace', 'name', 'type', 'reason'];
  const notificationSuccess = counter('notification_send_success', 'Notifications sent (after retries).', notificationLabels);
  const notificationError = counter('notification_send_error', 'Notifications that could not be sent (after retries).', notificationLabels);
  const notificationSend = new prom.Histogram({ name: 'notification_send', help: 'Notification send duration in seconds, retries included.', labelNames: ['namespace', 'name'], buckets: [0.01, 0.15, 0.25, 0.5, 1], registers });
  const requests = counter('controller_clientset_k8s_request_total', 'Requests to the Kubernetes API.', ['kind', 'namespace', 'name', 'verb', 'status_code']);

  return {
    registry,
    sink: {
      reconciled: (r) => {
        const m = reconcile[r.kind];
        m.duration.observe({ namespace: r.namespace, name: r.name }, r.durationMs / 1000);
        if (r.error) m.errors.inc({ namespace: r.namespace, name: r.name });
      },
      event: (e) => {
        if (e.kind === 'Rollout') events.inc({ namespace: e.namespace, name: e.name, type: e.type, reason: e.reason });
      },
      notificationSent: (n) => {
        const labels = { namespace: n.namespace, name: n.name, type: n.type, reason: n.reason };
        (n.error ? notificationError : notificationSuccess).inc(labels);
        notificationSend.observe({ namespace: n.namespace, name: n.name }, n.durationMs / 1000);
      },
      requests: {
        record: (r) => requests.inc({ kind: r.kind, namespace: r.namespace ?? '', name: r.name ?? '', verb: r.verb, status_code: String(r.code) }),
      },
    },
  };
}
