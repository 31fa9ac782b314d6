/**
 * The first-party plugins the controller ships, registered by kind. A custom image composes
 * `createController` with these plus its own (see README). A Rollout naming a router kind nobody registered is
 * InvalidSpec, and a metric naming a provider nobody registered gets Error measurements, both with a message
 * that lists the registered kinds.
 */
import { graphiteMetricProvider } from '@rollouts/metrics-graphite';
import { influxdbMetricProvider } from '@rollouts/metrics-influxdb';
import { jobMetricProvider } from '@rollouts/metrics-job';
import { prometheusMetricProvider } from '@rollouts/metrics-prometheus';
import { webMetricProvider } from '@rollouts/metrics-web';
import type { MetricProviderPlugin, TrafficRouterPlugin } from '@rollouts/plugin-sdk';
import { albRouter } from '@rollouts/traffic-alb';
import { istioRouter } from '@rollouts/traffic-istio';
import { nginxRouter } from '@rollouts/traffic-nginx';
import { smiRouter } from '@rollouts/traffic-smi';

/** SMI's TrafficSplit API version, as Argo's `--traffic-split-api-version` (default v1alpha1). */
export const firstPartyTrafficRouters: ReadonlyArray<TrafficRouterPlugin<any>> = [nginxRouter, albRouter(), istioRouter, smiRouter({ apiVersion: 'split.smi-spec.io/v1alpha1' })];

export const firstPartyMetricProviders: ReadonlyArray<MetricProviderPlugin<any>> = [prometheusMetricProvider, webMetricProvider, jobMetricProvider, graphiteMetricProvider, influxdbMetricProvider];
