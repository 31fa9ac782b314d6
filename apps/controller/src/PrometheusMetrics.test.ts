// The metrics against a recording stand-in for prom-client's API (the real library is exercised by the process
// test once installed): names, labels and values as Argo's dashboards expect them.
import type { AnalysisRun, Experiment, Rollout } from '@rollouts/api';
import { createPrometheusMetrics, type MetricsSource, type PromClient, type PromRegistry } from './PrometheusMetrics';

type Labels = Record<string, string | number>;
interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly labelNames: readonly string[];
  readonly values: Array<{ labels: Labels; value: number }>;
  collect?: () => void;
}

function fakeProm(): PromClient & { metrics: Map<string, Recorded>; collect(): void } {
  const metrics = new Map<string, Recorded>();
  const register = (type: string, cfg: { name: string; labelNames?: readonly string[] }): Recorded => {
    if (metrics.has(cfg.name)) throw new Error(`duplicate metric ${cfg.name}`);
    const r: Recorded = { type, name: cfg.name, labelNames: cfg.labelNames ?? [], values: [] };
    metrics.set(cfg.name, r);
    return r;
  };
  const checkLabels = (r: Recorded, labels: Labels) => expect(Object.keys(labels).sort()).toEqual([...r.labelNames].sort());
  class Registry implements PromRegistry {
    contentType = 'text/plain; version=0.0.4';
    metrics = () => Promise.resolve('');
  }
  return {
    metrics,
    collect: () => metrics.forEach((m) => m.collect?.()),
    Registry,
    Counter: class {
      private r: Recorded;
      constructor(cfg: { name: string; labelNames?: readonly string[] }) {
        this.r = register('counter', cfg);
      }
      inc(labels: Labels, v = 1) {
        checkLabels(this.r, labels);
        this.r.values.push({ labels, value: v });
      }
    },
    Gauge: class {
      private r: Recorded;
      constructor(cfg: { name: string; labelNames?: readonly string[]; collect?: (this: { set(l: Labels, v: number): void; reset(): void }) => void }) {
        const r = (this.r = register('gauge', cfg));
        const self = { set: (l: Labels, v: number) => (checkLabels(r, l), r.values.push({ labels: l, value: v })), reset: () => void r.values.splice(0) };
        if (cfg.collect !== undefined) r.collect = () => cfg.collect!.call(self);
      }
      set(labels: Labels, v: number) {
        this.r.values.push({ labels, value: v });
      }
    },
    Histogram: class {
      private r: Recorded;
      constructor(cfg: { name: string; labelNames?: readonly string[] }) {
        this.r = register('histogram', cfg);
      }
      observe(labels: Labels, v: number) {
        checkLabels(this.r, labels);
        this.r.values.push({ labels, value: v });
      }
    },
    collectDefaultMetrics: () => undefined,
  } as unknown as PromClient & { metrics: Map<string, Recorded>; collect(): void };
}

const rollout: Rollout = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: { replicas: 5, selector: {}, strategy: { canary: { trafficRouting: { nginx: { stableIngress: 'i' }, plugins: { 'acme/mesh': {} } } } } },
  status: { phase: 'Paused', replicas: 6, availableReplicas: 4, updatedReplicas: 2 },
};
const run: AnalysisRun = {
  metadata: { name: 'web-1', namespace: 'shop' },
  spec: { metrics: [{ name: 'rate', provider: { prometheus: { query: 'q' } } }, { name: 'job', provider: { plugin: { 'acme/judge': {} } } }] },
  status: { phase: 'Running', metricResults: [{ name: 'rate', phase: 'Successful', dryRun: true }] },
};
const experiment: Experiment = { metadata: { name: 'x', namespace: 'shop' }, spec: { templates: [] }, status: { phase: 'Running' } };
const source: MetricsSource = { rollouts: () => [rollout], analysisRuns: () => [run], experiments: () => [experiment] };

const values = (p: ReturnType<typeof fakeProm>, name: string) => p.metrics.get(name)?.values ?? [];

test('per-object series come from the caches at scrape time, with Argo names and labels', () => {
  const prom = fakeProm();
  createPrometheusMetrics(prom, () => source, '1.2.3');
  prom.collect();
  expect(values(prom, 'rollout_info')).toEqual([{ labels: { namespace: 'shop', name: 'web', strategy: 'canary', traffic_router: 'nginx,acme/mesh', phase: 'Paused' }, value: 1 }]);
  expect(values(prom, 'rollout_info_replicas_available')[0]?.value).toBe(4);
  expect(values(prom, 'rollout_info_replicas_unavailable')[0]?.value).toBe(2);
  expect(values(prom, 'rollout_info_replicas_desired')[0]?.value).toBe(5);
  expect(values(prom, 'rollout_info_replicas_updated')[0]?.value).toBe(2);
  expect(values(prom, 'rollout_phase').filter((v) => v.value === 1).map((v) => v.labels['phase'])).toEqual(['Paused']);
  expect(values(prom, 'analysis_run_info')).toEqual([{ labels: { namespace: 'shop', name: 'web-1', phase: 'Running' }, value: 1 }]);
  expect(values(prom, 'analysis_run_metric_type').map((v) => `${v.labels['metric']}=${v.labels['type']}`)).toEqual(['rate=prometheus', 'job=acme/judge']);
  expect(values(prom, 'analysis_run_metric_phase')).toEqual([{ labels: { namespace: 'shop', name: 'web-1', metric: 'rate', type: 'prometheus', dry_run: 'true', phase: 'Successful' }, value: 1 }]);
  expect(values(prom, 'experiment_info')).toEqual([{ labels: { namespace: 'shop', name: 'x', phase: 'Running' }, value: 1 }]);
  expect(values(prom, 'argo_rollouts_controller_info')).toEqual([{ labels: { version: '1.2.3' }, value: 1 }]);
});

test('the sink turns reconciles, events and API requests into counters and histograms', () => {
  const prom = fakeProm();
  const { sink } = createPrometheusMetrics(prom, () => undefined, '1');
  sink.reconciled?.({ kind: 'Rollout', namespace: 'shop', name: 'web', durationMs: 250, error: true });
  sink.reconciled?.({ kind: 'AnalysisRun', namespace: 'shop', name: 'r', durationMs: 10, error: false });
  sink.event?.({ kind: 'Rollout', namespace: 'shop', name: 'web', type: 'Normal', reason: 'RolloutStepCompleted' });
  sink.requests?.record({ verb: 'update', kind: 'Rollout', namespace: 'shop', name: 'web', code: 409 });
  expect(values(prom, 'rollout_reconcile')).toEqual([{ labels: { namespace: 'shop', name: 'web' }, value: 0.25 }]);
  expect(values(prom, 'rollout_reconcile_error')).toEqual([{ labels: { namespace: 'shop', name: 'web' }, value: 1 }]);
  expect(values(prom, 'analysis_run_reconcile')).toHaveLength(1);
  expect(values(prom, 'analysis_run_reconcile_error')).toHaveLength(0);
  expect(values(prom, 'rollout_events_total')).toEqual([{ labels: { namespace: 'shop', name: 'web', type: 'Normal', reason: 'RolloutStepCompleted' }, value: 1 }]);
  expect(values(prom, 'controller_clientset_k8s_request_total')).toEqual([{ labels: { kind: 'Rollout', namespace: 'shop', name: 'web', verb: 'update', status_code: '409' }, value: 1 }]);
  prom.collect();
  expect(values(prom, 'rollout_info')).toEqual([]);
});

test('notification sends: notification_send_success / _error by namespace, name, type, reason; notification_send in seconds', () => {
  const prom = fakeProm();
  const { sink } = createPrometheusMetrics(prom, () => undefined, '1');
  sink.notificationSent?.({ namespace: 'shop', name: 'web', type: 'Normal', reason: 'RolloutCompleted', durationMs: 120, error: false });
  sink.notificationSent?.({ namespace: 'shop', name: 'web', type: 'Warning', reason: 'RolloutAborted', durationMs: 3000, error: true });
  expect(values(prom, 'notification_send_success')).toEqual([{ labels: { namespace: 'shop', name: 'web', type: 'Normal', reason: 'RolloutCompleted' }, value: 1 }]);
  expect(values(prom, 'notification_send_error')).toEqual([{ labels: { namespace: 'shop', name: 'web', type: 'Warning', reason: 'RolloutAborted' }, value: 1 }]);
  expect(values(prom, 'notification_send')).toEqual([
    { labels: { namespace: 'shop', name: 'web' }, value: 0.12 },
    { labels: { namespace: 'shop', name: 'web' }, value: 3 },
  ]);
});
