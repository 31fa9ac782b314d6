/**
 * The first-party plugins the controller ships, registered by kind. A custom image composes
 * `createController` with these plus its own (see README). A Rollout naming a router kind nobody registered is
 * InvalidSpec, and a metric naming a provider nobody registered gets Error measurements, both with a message
 * that lists the registered kinds.
 *
 * The routers' API versions follow Argo's controller flags (`--traffic-split-api-version`, `--traefik-api-group`,
 * `--ambassador-api-version`); ALB weight verification through AWS is on with `--aws-verify-target-group`, as in Argo.
 */
import { cloudWatchMetricProvider } from '@rollouts/metrics-cloudwatch';
import { datadogMetricProvider } from '@rollouts/metrics-datadog';
import { graphiteMetricProvider } from '@rollouts/metrics-graphite';
import { influxdbMetricProvider } from '@rollouts/metrics-influxdb';
import { jobMetricProvider } from '@rollouts/metrics-job';
import { kayentaMetricProvider } from '@rollouts/metrics-kayenta';
import { newRelicMetricProvider } from '@rollouts/metrics-newrelic';
import { createPrometheusMetricProvider } from '@rollouts/metrics-prometheus';
import { skywalkingMetricProvider } from '@rollouts/metrics-skywalking';
import { wavefrontMetricProvider } from '@rollouts/metrics-wavefront';
import { webMetricProvider } from '@rollouts/metrics-web';
import { createSigV4Signer, elbv2TargetGroupReader } from '@rollouts/plugin-aws';
import type { MetricProviderPlugin, TrafficRouterPlugin } from '@rollouts/plugin-sdk';
import { albRouter } from '@rollouts/traffic-alb';
import { ambassadorRouter, type MappingApiVersion } from '@rollouts/traffic-ambassador';
import { apisixRouter } from '@rollouts/traffic-apisix';
import { appMeshRouter } from '@rollouts/traffic-appmesh';
import { gatewayApiRouter } from '@rollouts/traffic-gatewayapi';
import { istioRouter } from '@rollouts/traffic-istio';
import { nginxRouter } from '@rollouts/traffic-nginx';
import { parseTrafficSplitApiVersion, smiRouter } from '@rollouts/traffic-smi';
import { traefikRouter, type TraefikApiGroup } from '@rollouts/traffic-traefik';

/** What the flags choose about the first-party plugins (defaults: Argo's). */
export interface PluginSettings {
  readonly trafficSplitApiVersion?: string;
  readonly traefikApiGroup?: string;
  readonly ambassadorApiVersion?: string;
  readonly awsVerifyTargetGroup?: boolean;
  /** Environment for AWS credentials and regions (the standard chain reads it). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The traffic routers. Throws on a setting no router accepts (the flags are checked before, with exit code 2). */
export function firstPartyTrafficRouters(s: PluginSettings = {}): ReadonlyArray<TrafficRouterPlugin<any>> {
  return [
    nginxRouter,
    albRouter(awsTargetGroupReader(s)),
    istioRouter,
    smiRouter({ apiVersion: parseTrafficSplitApiVersion(s.trafficSplitApiVersion ?? 'v1alpha1') }),
    traefikRouter({ apiGroup: (s.traefikApiGroup ?? 'traefik.io') as TraefikApiGroup }),
    ambassadorRouter({ apiVersion: (s.ambassadorApiVersion ?? 'getambassador.io/v2') as MappingApiVersion }),
    apisixRouter,
    appMeshRouter,
    gatewayApiRouter,
  ];
}

export function firstPartyMetricProviders(s: PluginSettings = {}): ReadonlyArray<MetricProviderPlugin<any>> {
  void s;
  return [
    // authentication.sigv4 (Amazon Managed Prometheus): requests signed for the `aps` service with the standard chain's credentials.
    createPrometheusMetricProvider({
      sigv4: (c, env, path) => createSigV4Signer({ service: 'aps', region: c.region ?? undefined, profile: c.profile ?? undefined, roleArn: c.roleArn ?? undefined, env, path }),
    }),
    webMetricProvider,
    jobMetricProvider,
    graphiteMetricProvider,
    influxdbMetricProvider,
    datadogMetricProvider,
    newRelicMetricProvider,
    wavefrontMetricProvider,
    kayentaMetricProvider,
    skywalkingMetricProvider,
    cloudWatchMetricProvider,
  ];
}

/** ALB verification through ELBv2, only with --aws-verify-target-group (as Argo: no AWS call otherwise). */
function awsTargetGroupReader(s: PluginSettings): Parameters<typeof albRouter>[0] {
  if (s.awsVerifyTargetGroup !== true) return {};
  // Throws at start-up when no region can be found (AWS_REGION / AWS_DEFAULT_REGION): the message names them.
  return { targetGroups: elbv2TargetGroupReader(s.env !== undefined ? { env: s.env } : {}) };
}
