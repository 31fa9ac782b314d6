/**
 * @rollouts/traffic-appmesh: canary traffic through AWS App Mesh VirtualRouters (`trafficRouting.appMesh`).
 */
export { appMeshRouter, APP_MESH_API_VERSION } from './AppMeshRouter';
export { meshWeights, nodeHashes, POD_TEMPLATE_HASH_LABEL, ROUTE_TYPES, weighRoutes, withPodHash } from './VirtualRouterRoutes';
export type { JsonObject, NodeGroup, RouteProblem, RouteType } from './VirtualRouterRoutes';
