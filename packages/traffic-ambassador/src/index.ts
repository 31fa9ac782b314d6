/**
 * @rollouts/traffic-ambassador: canary traffic through Emissary-ingress / Ambassador canary Mappings (`trafficRouting.ambassador`).
 */
export { ambassadorRouter, DEFAULT_MAPPING_API_VERSION } from './AmbassadorRouter';
export type { AmbassadorRouterOptions, MappingApiVersion } from './AmbassadorRouter';
export { canaryMappingName, canaryMappingSpec, canaryService, MAX_BASE_NAME_LENGTH } from './CanaryMapping';
export type { Derived } from './CanaryMapping';
