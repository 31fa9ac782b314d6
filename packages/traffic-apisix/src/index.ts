// @rollouts/traffic-apisix: the Apache APISIX traffic router (ApisixRoute backend weights and header routes). (Skeleton: being written.)
export {};
