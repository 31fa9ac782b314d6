// @rollouts/metrics-skywalking: the skywalking metric provider (GraphQL query API). (Skeleton: being written.)
export {};
