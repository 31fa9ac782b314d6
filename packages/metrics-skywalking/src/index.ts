export {
  createSkywalkingMetricProvider,
  skywalkingMetricProvider,
  DEFAULT_SKYWALKING_TIMEOUT_SECONDS,
  RESOLVED_SKYWALKING_QUERY_KEY,
  SKYWALKING_DURATION_KEY,
} from './SkyWalkingProvider';
export type { SkyWalkingProviderOptions } from './SkyWalkingProvider';
export { durationOf, formatMinute } from './SkyWalkingDuration';
export type { SkyWalkingDuration } from './SkyWalkingDuration';
