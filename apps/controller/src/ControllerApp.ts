/**
 * The assembled controller: a parsed configuration in, a running controller with its endpoints out. `main`
 * runs it as a process; the demo runs it in-process against kube-sim.
 *
 * Start-up explains itself: the API server's address and whether it answers `/version` (an error within
 * 5 s when it does not), then, every 10 s until the caches are synced, which caches are still waiting and
 * their last list error (a 403 names the resource RBAC lacks). Leader election logs its own state (the
 * holder; a missing Lease namespace). `/readyz` answers 503 with the same until the replica is ready.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createController, type Controller } from '@rollouts/controller';
import { apiServerAddress, checkApiServer, createKubeObjectClient, loadKubeConfig, type ApiServerCheck, type KubeConfig } from '@rollouts/k8s';
import { notificationEngine, notificationServices } from '@rollouts/notifications';
import { checkArgoConfigMaps, type ConfigMapReader, type NotificationConfigCheck } from './ArgoConfigMaps';
import type { Logger, MetricProviderPlugin, TrafficRouterPlugin } from '@rollouts/plugin-sdk';
import { probe, serveEndpoints, type Endpoints } from './Endpoints';
import type { ControllerConfig } from './Flags';
import { DEFAULT_PLUGIN_DIR, loadConfiguredPlugins, type PluginLoaderOptions } from './PluginLoader';
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
  /** Interval of the "waiting for caches to sync" log (default 10 000 ms). */
  readonly waitingLogIntervalMs?: number;
  /** Bound of the start-up `/version` check of the API server (default 5 000 ms). */
  readonly apiCheckTimeoutMs?: number;
  /** Check Argo's notification ConfigMap at start and log its problems (default true). */
  readonly checkArgoConfigMaps?: boolean;
  /** Load the plugins named in argo-rollouts-config before composing (default true; a failure throws, naming the plugin). */
  readonly loadConfiguredPlugins?: boolean;
  /** How https:// plugin locations are fetched (default: axios with the system's CAs); tests trust their own CA here. */
  readonly pluginDownload?: PluginLoaderOptions['download'];
}

export interface ControllerApp {
  readonly controller: Controller;
  /** Ports actually listened on (0 when off). */
  readonly metricsPort: number;
  readonly healthzPort: number;
  /** Resolves once the caches are synced (the workers run then, or the replica stands for election). */
  readonly started: Promise<void>;
  /** What the replica waits for now, one phrase each (empty when it is working): for logs. */
  waitingFor(): string[];
  /** Stop gracefully; not bounded here (`main` puts the deadline around it). */
  stop(): Promise<void>;
}

/**
 * `Rollout (Forbidden: rollouts.argoproj.io is forbidden: ...); ReplicaSet, Service (no answer yet)`: the
 * caches still waiting, grouped by their last error (without the request's verb, kind and URL, which differ
 * for the same cause), so an unreachable server reads as one error and not eight.
 */
export function describeUnsynced(unsynced: ReadonlyArray<{ readonly kind: string; readonly lastError?: string }>): string {
  const groups = new Map<string, string[]>();
  for (const u of unsynced) {
    const cause = u.lastError === undefined ? 'no answer yet' : u.lastError.replace(/^(list|watch) \S+( in \S+)?: /, '').replace(/request to \S+ failed, reason: /, '');
    groups.set(cause, [...(groups.get(cause) ?? []), u.kind]);
  }
  return [...groups].map(([cause, kinds]) => `${kinds.join(', ')} (${cause})`).join('; ');
}

/** The plugins argo-rollouts-config names, read in the controller's namespace (bounded by apiCheckTimeoutMs). */
async function loadPlugins(o: ControllerAppOptions, kubeConfig: KubeConfig, routers: ReadonlyArray<TrafficRouterPlugin<any>>, providers: ReadonlyArray<MetricProviderPlugin<any>>) {
  const kube = createKubeObjectClient(kubeConfig, { log: o.log });
  const timeoutMs = o.apiCheckTimeoutMs ?? 5_000;
  const read = async <T>(kind: string, namespace: string, name: string): Promise<T | undefined | Error> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Error>((resolve) => (timer = setTimeout(() => resolve(new Error(`no answer from the API server within ${timeoutMs} ms`)), timeoutMs)));
    const got = kube.get({ apiVersion: 'v1', kind, namespace, name })().then((r) => (r._tag === 'Right' ? (r.right as T | undefined) : new Error(r.left.message)));
    return Promise.race([got, timeout]).finally(() => clearTimeout(timer));
  };
  return loadConfiguredPlugins({
    namespace: o.config.leaderElectionNamespace,
    readConfigMap: (namespace, name) => read('ConfigMap', namespace, name),
    readSecret: (namespace, name) => read('Secret', namespace, name),
    pluginDir: o.config.pluginDir ?? DEFAULT_PLUGIN_DIR,
    builtIn: { trafficRouters: routers.map((p) => p.kind), metricProviders: providers.map((p) => p.kind) },
    log: o.log,
    deps: { kube, log: o.log, now: () => Date.now(), env: o.env },
    stepPluginsSupported: true,
    ...(o.pluginDownload !== undefined ? { download: o.pluginDownload } : {}),
  });
}

/** Load the kubeconfig, compose, listen, and start (resolves once the caches are synced). Throws on a start-up error. */
export async function startControllerApp(o: ControllerAppOptions): Promise<ControllerApp> {
  const app = await openControllerApp(o);
  await app.started;
  return app;
}

/**
 * Load the kubeconfig, compose, listen, and start the controller without waiting for its caches (see
 * `started`): a process can then stop at any time, even while the API server is unreachable. Throws on a
 * start-up error (kubeconfig, port in use).
 */
export async function openControllerApp(o: ControllerAppOptions): Promise<ControllerApp> {
  const c = o.config;
  const log = o.log;
  const kubeConfig = o.kubeConfig ?? loadKubeConfig({ ...(c.kubeconfig !== undefined ? { kubeconfig: c.kubeconfig } : {}), ...(c.context !== undefined ? { context: c.context } : {}) });
  let controller: Controller | undefined;
  const prom = loadPromClient();
  if (prom instanceof Error) log.error('prom-client cannot be loaded: /metrics answers 503', { error: prom.message });
  const metrics = prom instanceof Error ? undefined : createPrometheusMetrics(prom, () => controller, VERSION);
  const identity = `${o.env['POD_NAME'] ?? hostname()}_${randomBytes(4).toString('hex')}`;
  const settings = { trafficSplitApiVersion: c.trafficSplitApiVersion, traefikApiGroup: c.traefikApiGroup, ambassadorApiVersion: c.ambassadorApiVersion, awsVerifyTargetGroup: c.awsVerifyTargetGroup, env: o.env };
  const builtInRouters = [...firstPartyTrafficRouters(settings), ...(o.trafficRouters ?? [])];
  const builtInProviders = [...firstPartyMetricProviders(settings), ...(o.metricProviders ?? [])];
  // Third-party plugins named in Argo's argo-rollouts-config (PluginLoader.ts): loaded before the controller is
  // composed; a plugin that cannot be loaded throws here, naming it, and the start stops.
  const configured = o.loadConfiguredPlugins === false ? undefined : await loadPlugins(o, kubeConfig, builtInRouters, builtInProviders);
  const trafficRouters = [...builtInRouters, ...(configured?.trafficRouters ?? [])];
  const metricProviders = [...builtInProviders, ...(configured?.metricProviders ?? [])];
  controller = createController({
    kubeConfig,
    log,
    env: o.env,
    trafficRouters,
    metricProviders,
    ...(configured !== undefined && configured.stepPlugins.length > 0 ? { stepPlugins: configured.stepPlugins } : {}),
    ...(configured !== undefined && configured.disabledStepPlugins.length > 0 ? { disabledStepPlugins: configured.disabledStepPlugins } : {}),
    workers: { rollouts: c.rolloutThreads, analysisRuns: c.analysisThreads, experiments: c.experimentThreads },
    resyncMs: c.rolloutResyncMs,
    routerTimeoutMs: c.routerTimeoutMs,
    measurementTimeoutMs: c.measurementTimeoutMs,
    verifyRetryMs: c.verifyRetryMs,
    releaseTrafficFinalizer: c.releaseTrafficFinalizer,
    releaseTimeoutMs: c.releaseTrafficTimeoutMs,
    // Argo's notification ConfigMap/Secret, read from the controller's namespace (and each Rollout's with self-service).
    notifications: { engine: notificationEngine, services: notificationServices, configNamespace: o.env['POD_NAMESPACE'] || c.leaderElectionNamespace, selfService: c.selfServiceNotificationEnabled },
    ...(metrics !== undefined ? { metrics: metrics.sink } : {}),
    ...(c.namespace !== undefined ? { namespace: c.namespace } : {}),
    ...(c.namespaced === true ? { clusterAnalysisTemplates: false } : {}),
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
            namespaceHint: 'create it, or choose another with --leader-election-namespace (default: $POD_NAMESPACE, else argo-rollouts)',
          },
        }
      : {}),
  });
  const ctl = controller;
  let stopping = false;
  const host = o.host ?? '0.0.0.0';
  const server = apiServerAddress(kubeConfig);
  const notReady = (): string | undefined => {
    if (stopping) return 'stopping';
    const s = ctl.status();
    if (s.unsynced.length > 0) return `waiting for caches to sync: ${describeUnsynced(s.unsynced)}`;
    if (s.election?.problem !== undefined) return `cannot stand for leader election: ${s.election.problem}`;
    if (c.leaderElect && s.election === undefined) return 'leader election not started yet';
    return undefined;
  };
  const readyAs = (): string | undefined => {
    const e = ctl.status().election;
    if (e === undefined) return undefined;
    if (e.leading) return 'leading';
    return e.holder !== undefined && e.holder !== '' ? `standing by (the Lease is held by ${e.holder})` : 'standing by';
  };
  const health = {
    '/healthz': probe(() => (stopping ? 'stopping' : undefined)),
    '/readyz': probe(notReady, readyAs),
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
    apiServer: server,
    namespace: c.namespace ?? '(all)',
    leaderElect: c.leaderElect,
    healthzPort,
    metricsPort,
    trafficRouters: trafficRouters.map((p) => p.kind).join(',') || '(none)',
    metricProviders: metricProviders.map((p) => p.kind).join(',') || '(none)',
  });
  // Argo's notification ConfigMap: a configuration with problems is said at start (an error naming each key), not
  // at the first event. (argo-rollouts-config's plugins were loaded above, or the start stopped naming the one that failed.)
  if (o.checkArgoConfigMaps !== false) {
    const objects = createKubeObjectClient(kubeConfig, { log });
    const readConfigMap: ConfigMapReader = async (namespace, name) => {
      const r = await objects.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name })();
      return r._tag === 'Right' ? (r.right as { data?: Record<string, string> } | undefined) : new Error(r.left.message);
    };
    const checkNotifications: NotificationConfigCheck = async (data) => {
      const secret = await objects.get({ apiVersion: 'v1', kind: 'Secret', namespace: c.leaderElectionNamespace, name: 'argo-rollouts-notification-secret' })();
      if (secret._tag === 'Left') throw new Error(secret.left.message);
      const secretData: Record<string, string> = {};
      for (const [k, v] of Object.entries((secret.right as { data?: Record<string, string> } | undefined)?.data ?? {})) secretData[k] = Buffer.from(v, 'base64').toString('utf8');
      const parsed = notificationEngine.parseConfig(data, secretData);
      return parsed._tag === 'Left' ? { problems: parsed.left } : { services: parsed.right.services.map((s) => s.name), triggers: parsed.right.triggers, templates: parsed.right.templates };
    };
    void checkArgoConfigMaps(readConfigMap, c.leaderElectionNamespace, checkNotifications).then((found) => {
      for (const f of found) log[f.level](f.message, f.fields);
    });
  }

  // Is the API server there at all? Said within apiCheckTimeoutMs, not after the first list times out (30 s).
  let lastCheck: ApiServerCheck | undefined;
  let checking = false;
  const checkServer = async (): Promise<ApiServerCheck> => {
    checking = true;
    const r = await checkApiServer(kubeConfig, { timeoutMs: o.apiCheckTimeoutMs ?? 5_000 }).finally(() => (checking = false));
    const changed = lastCheck === undefined || lastCheck._tag !== r._tag;
    lastCheck = r;
    if (stopping || !changed) return r;
    if (r._tag === 'Reachable') log.info('API server reachable', { apiServer: r.server, serverVersion: r.version });
    else if (r._tag === 'Refused') log.warn('API server answers with an error', { apiServer: r.server, code: r.code, error: r.error });
    else log.error('cannot reach the API server', { apiServer: r.server, error: r.error });
    return r;
  };
  void checkServer();

  // Until the caches are synced: every waitingLogIntervalMs, which ones and why.
  const intervalMs = o.waitingLogIntervalMs ?? 10_000;
  const startedAt = Date.now();
  let waitingTimer: NodeJS.Timeout | undefined;
  const reportWaiting = (): void => {
    waitingTimer = undefined;
    if (stopping || ctl.hasSynced()) return;
    const check = lastCheck;
    // check again for the next line (not awaited: a hanging server would delay this one by the check's timeout)
    if (check?._tag !== 'Reachable' && !checking) void checkServer();
    const unsynced = ctl.status().unsynced;
    if (unsynced.length === 0) return;
    log.warn('waiting for caches to sync', {
      waitingFor: describeUnsynced(unsynced),
      apiServer: server,
      ...(check !== undefined && check._tag !== 'Reachable' ? { apiServerError: check.error } : {}),
      waitedMs: Date.now() - startedAt,
    });
    waitingTimer = setTimeout(reportWaiting, intervalMs);
  };
  waitingTimer = setTimeout(reportWaiting, intervalMs);

  const started = ctl.start().finally(() => {
    if (waitingTimer !== undefined) clearTimeout(waitingTimer);
    waitingTimer = undefined;
    // the lists went through: an earlier failed check is stale
    if (ctl.hasSynced() && lastCheck?._tag === 'Unreachable') lastCheck = undefined;
  });
  return {
    controller: ctl,
    metricsPort,
    healthzPort,
    started,
    waitingFor() {
      const s = ctl.status();
      const out: string[] = [];
      if (s.stopping !== undefined) out.push(s.stopping);
      if (s.unsynced.length > 0) out.push(`caches not synced: ${describeUnsynced(s.unsynced)}`);
      if (s.election?.problem !== undefined) out.push(`leader election: ${s.election.problem}`);
      if (lastCheck !== undefined && lastCheck._tag !== 'Reachable') out.push(`API server ${server}: ${lastCheck.error}`);
      return out;
    },
    async stop() {
      stopping = true;
      if (waitingTimer !== undefined) clearTimeout(waitingTimer);
      waitingTimer = undefined;
      await ctl.stop();
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
