/**
 * The assembled controller: a parsed configuration in, a running controller with its endpoints out. `main`
 * runs it as a process; the demo runs it in-process against kube-sim.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createController, type Controller } from '@rollouts/controller';
import { loadKubeConfig, type KubeConfig } from '@rollouts/k8s';
import type { Logger, MetricProviderPlugin, TrafficRouterPlugin } from '@rollouts/plugin-sdk';
import { probe, serveEndpoints, type Endpoints } from './Endpoints';
import type { ControllerConfig } from './Flags';
import { firstPartyMetricProviders, firstPartyTrafficRouters } from './Plugins';
import { createPrometheusMetrics, loadPromClient } from './PrometheusMetrics';

/** The package version, for `--version` and `argo_rollouts_controller_info`. */
export const VERSION = '0.1.0';

export interface ControllerAppOptions {
  readonly config: ControllerConfig;
  readonly log: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A kubeconfig to use instead of the configured one (the demo). */
  readonly kubeConfig?: KubeConfig;
  /** Plugins besides the first-party ones (a custom image). */
  readonly trafficRouters?: ReadonlyArray<TrafficRouterPlugin<any>>;
  readonly metricProviders?: ReadonlyArray<MetricProviderPlugin<any>>;
  /** Interface of the endpoints (default 0.0.0.0; the demo uses 127.0.0.1). */
  readonly host?: string;
  /** Leadership lost while running: the process should exit. */
  readonly onLeadershipLost?: () => void;
}

export interface ControllerApp {
  readonly controller: Controller;
  /** Ports actually listened on (0 when off). */
  readonly metricsPort: number;
  readonly healthzPort: number;
  stop(): Promise<void>;
}

/** Load the kubeconfig, compose, listen, and start (resolves once the caches are synced). Throws on a start-up error. */
export async function startControllerApp(o: ControllerAppOptions): Promise<ControllerApp> {
  const c = o.config;
  const log = o.log;
  const kubeConfig = o.kubeConfig ?? loadKubeConfig({ ...(c.kubeconfig !== undefined ? { kubeconfig: c.kubeconfig } : {}), ...(c.context !== undefined ? { context: c.context } : {}) });
  let controller: Controller | undefined;
  const prom = loadPromClient();
  if (prom instanceof Error) log.error('prom-client cannot be loaded: /metrics answers 503', { error: prom.message });
  const metrics = prom instanceof Error ? undefined : createPrometheusMetrics(prom, () => controller, VERSION);
  const identity = `${o.env['POD_NAME'] ?? hostname()}_${randomBytes(4).toString('hex')}`;
  controller = createController({
    kubeConfig,
    log,
    env: o.env,
    trafficRouters: [...firstPartyTrafficRouters, ...(o.trafficRouters ?? [])],
    metricProviders: [...firstPartyMetricProviders, ...(o.metricProviders ?? [])],
    workers: { rollouts: c.rolloutThreads, analysisRuns: c.analysisThreads, experiments: c.experimentThreads },
    resyncMs: c.rolloutResyncMs,
    routerTimeoutMs: c.routerTimeoutMs,
    measurementTimeoutMs: c.measurementTimeoutMs,
    ...(metrics !== undefined ? { metrics: metrics.sink } : {}),
    ...(c.namespace !== undefined ? { namespace: c.namespace } : {}),
    ...(c.instanceId !== undefined ? { instanceId: c.instanceId } : {}),
    ...(c.leaderElect
      ? {
          leaderElection: {
            namespace: c.leaderElectionNamespace,
            name: c.leaderElectionName,
            identity,
            leaseDurationMs: c.leaseDurationMs,
            renewDeadlineMs: c.renewDeadlineMs,
            retryPeriodMs: c.retryPeriodMs,
            ...(o.onLeadershipLost !== undefined ? { onLost: o.onLeadershipLost } : {}),
          },
        }
      : {}),
  });
  const ctl = controller;
  let stopping = false;
  const host = o.host ?? '0.0.0.0';
  const health = {
    '/healthz': probe(() => (stopping ? 'stopping' : undefined)),
    '/readyz': probe(() => (stopping ? 'stopping' : ctl.hasSynced() ? undefined : 'caches not synced yet')),
  };
  const metricsRoute = {
    '/metrics': async () =>
      metrics === undefined
        ? { code: 503, contentType: 'text/plain', body: 'prom-client is not installed\n' }
        : { code: 200, contentType: metrics.registry.contentType, body: await metrics.registry.metrics() },
  };
  const servers: Endpoints[] = [];
  let healthzPort = 0;
  let metricsPort = 0;
  try {
    if (c.healthzPort !== 0 && c.healthzPort === c.metricsPort) {
      const s = await serveEndpoints(c.healthzPort, host, { ...health, ...metricsRoute });
      servers.push(s);
      healthzPort = metricsPort = s.port;
    } else {
      if (c.healthzPort !== 0) servers.push(await serveEndpoints(c.healthzPort, host, health));
      healthzPort = servers[0]?.port ?? 0;
      if (c.metricsPort !== 0) {
        const s = await serveEndpoints(c.metricsPort, host, metricsRoute);
        servers.push(s);
        metricsPort = s.port;
      }
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }
  log.info('rollouts controller starting', {
    version: VERSION,
    namespace: c.namespace ?? '(all)',
    leaderElect: c.leaderElect,
    healthzPort,
    metricsPort,
    trafficRouters: [...firstPartyTrafficRouters, ...(o.trafficRouters ?? [])].map((p) => p.kind).join(',') || '(none)',
    metricProviders: [...firstPartyMetricProviders, ...(o.metricProviders ?? [])].map((p) => p.kind).join(',') || '(none)',
  });
  await ctl.start();
  return {
    controller: ctl,
    metricsPort,
    healthzPort,
    async stop() {
      stopping = true;
      await ctl.stop();
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
