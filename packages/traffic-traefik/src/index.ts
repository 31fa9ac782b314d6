/**
 * @rollouts/traffic-traefik: canary traffic through Traefik's weighted TraefikServices (`trafficRouting.traefik`).
 */
export { DEFAULT_TRAEFIK_API_GROUP, traefikRouter } from './TraefikRouter';
export type { TraefikApiGroup, TraefikRouterOptions } from './TraefikRouter';
export { weightedServices } from './WeightedServices';
export type { WeightedService, WeightedServicesProblem, WeightedServicesResult } from './WeightedServices';
