// @rollouts/metrics-kayenta: the kayenta metric provider (asynchronous canary judge). (Skeleton: being written.)
export {};
