/**
 * @rollouts/traffic-alb: canary traffic through AWS Load Balancer Controller Ingress annotations (`trafficRouting.alb`).
 */
export { albRouter } from './AlbRouter';
export type { AlbRouterOptions } from './AlbRouter';
export { actionKey, conditionsKey, DEFAULT_ANNOTATION_PREFIX, MANAGED_ANNOTATIONS, USE_ANNOTATION } from './AlbAction';
export { RESOURCE_TAG, resourceTagOf } from './TargetGroupReader';
export type { LoadBalancerRef, TargetGroupReader, TargetGroupWeight } from './TargetGroupReader';
export { loadBalancerFullName, targetGroupFullName } from './AlbStatus';
