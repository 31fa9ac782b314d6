export {
  datadogMetricProvider,
  datadogRequest,
  planDatadogQuery,
  DEFAULT_DATADOG_AGGREGATOR,
  DEFAULT_DATADOG_INTERVAL,
  DEFAULT_DATADOG_REQUEST_TIMEOUT,
  RESOLVED_DATADOG_QUERY_KEY,
} from './DatadogProvider';
export type { DatadogQueryPlan } from './DatadogProvider';
export {
  controllerNamespace,
  DATADOG_ENV,
  DATADOG_SECRET_KEYS,
  DEFAULT_CONTROLLER_NAMESPACE,
  DEFAULT_DATADOG_ADDRESS,
  DEFAULT_DATADOG_SECRET,
} from './DatadogCredentials';
export type { DatadogCredentials } from './DatadogCredentials';
export { readV1Response, readV2Response, MAX_GROUPS_IN_METADATA } from './DatadogResponse';
export type { DatadogResult } from './DatadogResponse';
export { DEFAULT_RATE_LIMIT_WAIT_MS, MAX_RATE_LIMIT_WAIT_MS, MAX_RATE_LIMIT_WAITS, RATE_LIMIT_KEY, RATE_LIMIT_WAITS_KEY, rateLimitWait } from './RateLimit';
export type { RateLimitWait } from './RateLimit';
