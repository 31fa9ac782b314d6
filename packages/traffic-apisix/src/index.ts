/**
 * @rollouts/traffic-apisix: canary traffic through Apache APISIX ApisixRoutes (`trafficRouting.apisix`).
 */
export { apisixRouter, APISIX_ROUTE_API_VERSION } from './ApisixRouter';
export { escapeRegex, headerExpr, headerRouteRules, httpRulesOf, selectedRuleNames, weighRules } from './ApisixRouteRules';
export type { ApisixExpr, JsonObject, RuleProblem } from './ApisixRouteRules';
