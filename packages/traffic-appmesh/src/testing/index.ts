export { APP_MESH_CRD_DIR, appMeshCrds, virtualNodeCrd, virtualRouterCrd, virtualServiceCrd } from './AppMeshCrds';
