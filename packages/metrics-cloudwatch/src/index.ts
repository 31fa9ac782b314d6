// @rollouts/metrics-cloudwatch: the cloudWatch metric provider (GetMetricData). (Skeleton: being written.)
export {};
