// @rollouts/traffic-ambassador: the Ambassador / Emissary traffic router (canary Mapping clones). (Skeleton: being written.)
export {};
