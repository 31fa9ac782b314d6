export { GATEWAY_API_CRD_VERSION, gatewayApiCrds } from './GatewayApiCrds';
export type { GatewayApiCrdKind } from './GatewayApiCrds';
