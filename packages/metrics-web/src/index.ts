export { webMetricProvider, readWebBody, jsonDepth, DEFAULT_WEB_TIMEOUT_SECONDS, DEFAULT_JSON_PATH, MAX_WEB_JSON_DEPTH, MAX_WEB_RESPONSE_BYTES } from './WebProvider';
export { parseJsonPath, evaluateJsonPath } from './JsonPath';
export type { JsonPath, JsonPathStep } from './JsonPath';
