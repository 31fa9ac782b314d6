// @rollouts/metrics-wavefront: the wavefront metric provider (chart API). (Skeleton: being written.)
export {};
