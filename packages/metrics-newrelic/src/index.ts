export {
  createNewRelicMetricProvider,
  newRelicMetricProvider,
  DEFAULT_NERDGRAPH_HTTP_TIMEOUT_MS,
  DEFAULT_NRQL_TIMEOUT_SECONDS,
  NEWRELIC_PROFILE_KEY,
  NRQL_GRAPHQL_QUERY,
  RESOLVED_NEWRELIC_QUERY_KEY,
} from './NewRelicProvider';
export type { NewRelicProviderOptions } from './NewRelicProvider';
export { controllerNamespace, DEFAULT_CONTROLLER_NAMESPACE, DEFAULT_NEWRELIC_PROFILE, NERDGRAPH_URLS, NEWRELIC_PROFILE_KEYS, readNewRelicProfile } from './NewRelicProfile';
export type { NewRelicProfile } from './NewRelicProfile';
export { graphqlErrors, readNerdGraphResponse } from './NerdGraphResponse';
export type { NerdGraphProblem, NrqlResult } from './NerdGraphResponse';
export { DEFAULT_RATE_LIMIT_WAIT_MS, MAX_RATE_LIMIT_WAIT_MS, MAX_RATE_LIMIT_WAITS, RATE_LIMIT_KEY, RATE_LIMIT_WAITS_KEY, rateLimitWait } from './RateLimit';
export type { RateLimitWait } from './RateLimit';
