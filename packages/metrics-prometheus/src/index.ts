export { createPrometheusMetricProvider, prometheusMetricProvider, PROMETHEUS_ADDRESS_ENV, DEFAULT_PROMETHEUS_TIMEOUT_SECONDS, RESOLVED_QUERY_KEY } from './PrometheusProvider';
export type { PrometheusProviderOptions, PrometheusRequestSigner, PrometheusSigv4SignerFactory } from './PrometheusProvider';
export { readPrometheusResponse, parseSampleValue } from './PrometheusResponse';
export type { PrometheusResult } from './PrometheusResponse';
export { evaluateTimeExpression, stepSeconds } from './TimeExpression';
