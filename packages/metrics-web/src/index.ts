export { webMetricProvider, readWebBody, DEFAULT_WEB_TIMEOUT_SECONDS, DEFAULT_JSON_PATH } from './WebProvider';
export { parseJsonPath, evaluateJsonPath } from './JsonPath';
export type { JsonPath, JsonPathStep } from './JsonPath';
