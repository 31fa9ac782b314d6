// @rollouts/metrics-newrelic: the newRelic metric provider (NRQL through NerdGraph). (Skeleton: being written.)
export {};
