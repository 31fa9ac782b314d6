export { createGraphiteMetricProvider, graphiteMetricProvider, DEFAULT_GRAPHITE_TIMEOUT_SECONDS, RESOLVED_GRAPHITE_QUERY_KEY } from './GraphiteProvider';
export type { GraphiteProviderOptions } from './GraphiteProvider';
export { graphiteRenderQuery, escapeQueryComponent, unescapeQueryComponent } from './GraphiteQuery';
export type { GraphiteRenderQuery } from './GraphiteQuery';
export { readGraphiteResponse, parseGraphiteNumber, summarizeErrorBody, MAX_ERROR_BODY_SCAN } from './GraphiteResponse';
export type { GraphiteResult } from './GraphiteResponse';
