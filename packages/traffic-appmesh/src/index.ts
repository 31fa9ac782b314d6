// @rollouts/traffic-appmesh: the AWS App Mesh traffic router (VirtualRouter route weights). (Skeleton: being written.)
export {};
