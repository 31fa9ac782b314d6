// @rollouts/metrics-datadog: the datadog metric provider (v1 query, v2 scalar formulas). (Skeleton: being written.)
export {};
