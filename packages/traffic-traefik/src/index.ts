// @rollouts/traffic-traefik: the Traefik traffic router (TraefikService weighted services). (Skeleton: being written.)
export {};
