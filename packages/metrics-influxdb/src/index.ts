export {
  createInfluxdbMetricProvider,
  influxdbMetricProvider,
  DEFAULT_CONTROLLER_NAMESPACE,
  DEFAULT_INFLUXDB_TIMEOUT_SECONDS,
  FLUX_DIALECT,
  RESOLVED_INFLUXDB_QUERY_KEY,
} from './InfluxdbProvider';
export type { InfluxdbProviderOptions } from './InfluxdbProvider';
export { DEFAULT_INFLUXDB_PROFILE, INFLUXDB_PROFILE_KEYS, INFLUXQL_PROFILE_KEYS, readInfluxdbProfile, secretValues } from './InfluxdbProfile';
export type { FluxProfile, InfluxdbProfile, InfluxqlProfile } from './InfluxdbProfile';
export { fluxCell, parseGoDuration, readFluxAnnotatedCsv } from './FluxAnnotatedCsv';
export type { FluxReadError, FluxValue } from './FluxAnnotatedCsv';
export { checkReadOnlyInfluxql, influxqlStatements } from './InfluxqlQuery';
export { readInfluxqlResponse } from './InfluxqlResponse';
export type { InfluxqlReadError, InfluxqlResult, InfluxqlValue } from './InfluxqlResponse';
