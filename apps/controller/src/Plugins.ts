/**
 * The first-party plugins the controller ships, registered by kind. A custom image composes
 * `createController` with these plus its own (see README). None exist yet: the traffic routers
 * (`@rollouts/traffic-*`) and metric providers (`@rollouts/metrics-*`) are listed here as they land. Until then
 * a Rollout naming a router kind is InvalidSpec, and a metric naming a provider gets Error measurements,
 * both with a message that lists the registered kinds.
 */
import type { MetricProviderPlugin, TrafficRouterPlugin } from '@rollouts/plugin-sdk';

export const firstPartyTrafficRouters: ReadonlyArray<TrafficRouterPlugin<any>> = [];

export const firstPartyMetricProviders: ReadonlyArray<MetricProviderPlugin<any>> = [];
