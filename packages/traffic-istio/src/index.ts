/**
 * @rollouts/traffic-istio: the Istio traffic router (kind `istio`) — VirtualService weights at host or
 * DestinationRule subset level, header and mirror routes.
 */
export { createIstioRouterPlugin, istioRouter, percentWeights, DEFAULT_ISTIO_API_VERSION } from './IstioRouter';
export type { IstioRouterOptions } from './IstioRouter';
