/**
 * @rollouts/traffic-smi: canary traffic through SMI TrafficSplits (`trafficRouting.smi`).
 */
export { smiRouter } from './SmiRouter';
export type { SmiRouterOptions } from './SmiRouter';
export { DEFAULT_TRAFFIC_SPLIT_API_VERSION, parseTrafficSplitApiVersion, TRAFFIC_SPLIT_API_VERSIONS, trafficSplitSpec } from './TrafficSplit';
export type { TrafficSplitApiVersion, TrafficSplitBackend, TrafficSplitSpec } from './TrafficSplit';
