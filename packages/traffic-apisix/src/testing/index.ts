export { APISIX_CRD_DIR, apisixRouteCrd } from './ApisixCrds';
