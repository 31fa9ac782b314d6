// @rollouts/traffic-gatewayapi: the Gateway API traffic router (HTTPRoute, GRPCRoute, TCPRoute weights and header routes). (Skeleton: being written.)
export {};
