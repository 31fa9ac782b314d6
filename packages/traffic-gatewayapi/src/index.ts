/**
 * @rollouts/traffic-gatewayapi: canary traffic through Gateway API routes (HTTPRoute, GRPCRoute, TCPRoute,
 * TLSRoute), configured as Argo users already do under `trafficRouting.plugins["argoproj-labs/gatewayAPI"]`.
 */
export { createGatewayApiRouterPlugin, gatewayApiRouter, MAX_BACKEND_WEIGHT, MAX_RULES } from './GatewayApiRouter';
export type { GatewayApiRouterOptions } from './GatewayApiRouter';
export {
  CONFIG_PATH,
  DEFAULT_IN_PROGRESS_LABEL_KEY,
  DEFAULT_IN_PROGRESS_LABEL_VALUE,
  DEFAULT_ROUTE_API_VERSIONS,
  GATEWAY_API_ROUTER_KIND,
  GatewayApiTrafficRouting,
  resolveRoutes,
  selectorQuery,
} from './GatewayApiConfig';
export type { ResolvedConfig, RouteApiVersions, RouteKind, RouteSelector, RouteTarget } from './GatewayApiConfig';
export { MANAGED_ANNOTATION, readRecords } from './RouteRules';
export type { ManagedRecord } from './RouteRules';
