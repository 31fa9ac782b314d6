export { TRAEFIK_CRD_DIR, traefikServiceCrd } from './TraefikCrds';
