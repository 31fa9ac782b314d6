/** @rollouts/metrics-cloudwatch: the `cloudWatch` metric provider (Amazon CloudWatch `GetMetricData`). */
export { CLOUDWATCH_SERVICE_ID, cloudWatchMetricProvider, createCloudWatchMetricProvider, DEFAULT_CLOUDWATCH_TIMEOUT_MS } from './CloudWatchProvider';
export type { CloudWatchProviderOptions, CloudWatchResult } from './CloudWatchProvider';
export { DEFAULT_CLOUDWATCH_INTERVAL, planCloudWatchQuery } from './CloudWatchQuery';
export type { CloudWatchRequest } from './CloudWatchQuery';
