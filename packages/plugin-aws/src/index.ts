// @rollouts/plugin-aws: AWS credentials and regions from the standard chain, SigV4 signing, and ELBv2 target-group reads. (Skeleton: being written.)
export {};
