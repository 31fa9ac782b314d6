export { AMBASSADOR_CRD_DIR, mappingCrd, publishedMappingCrd } from './MappingCrd';
