/**
 * @rollouts/traffic-nginx: canary traffic through ingress-nginx canary Ingresses (`trafficRouting.nginx`).
 */
export { nginxRouter } from './NginxRouter';
export { canaryIngressName, DEFAULT_ANNOTATION_PREFIX, HEADER_ROUTE_ANNOTATION } from './CanaryIngress';
