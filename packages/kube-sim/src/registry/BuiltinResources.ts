import { ResourceType } from './ResourceType';

type Spec = Partial<ResourceType> & Pick<ResourceType, 'group' | 'resource' | 'kind'>;

function builtin(s: Spec): ResourceType {
  return {
    versions: ['v1'],
    singular: s.kind.toLowerCase(),
    listKind: `${s.kind}List`,
    namespaced: true,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    generation: false,
    returnDeletedObject: false,
    fieldSelectors: [],
    createOnUpdate: false,
    custom: false,
    ...s,
  };
}

/** The built-in resources the simulator serves. */
export const BUILTIN_RESOURCES: readonly ResourceType[] = [
  builtin({ group: '', resource: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], statusSubresource: true, returnDeletedObject: true, fieldSelectors: ['status.phase'] }),
  builtin({
    group: '', resource: 'pods', kind: 'Pod', shortNames: ['po'], categories: ['all'], statusSubresource: true, returnDeletedObject: true,
    fieldSelectors: ['status.phase', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.podIP', 'status.nominatedNodeName'],
  }),
  builtin({ group: '', resource: 'services', kind: 'Service', shortNames: ['svc'], categories: ['all'], statusSubresource: true, returnDeletedObject: true }),
  builtin({ group: '', resource: 'endpoints', kind: 'Endpoints', singular: 'endpoints', listKind: 'EndpointsList', shortNames: ['ep'], createOnUpdate: true }),
  builtin({ group: '', resource: 'secrets', kind: 'Secret', fieldSelectors: ['type'] }),
  builtin({ group: '', resource: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] }),
  builtin({
    group: '', resource: 'events', kind: 'Event', shortNames: ['ev'], createOnUpdate: true,
    fieldSelectors: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion',
      'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  }),
  builtin({ group: '', resource: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'] }),
  builtin({
    group: 'apps', resource: 'deployments', kind: 'Deployment', shortNames: ['deploy'], categories: ['all'], statusSubresource: true, generation: true,
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' },
  }),
  builtin({
    group: 'apps', resource: 'replicasets', kind: 'ReplicaSet', shortNames: ['rs'], categories: ['all'], statusSubresource: true, generation: true,
    fieldSelectors: ['status.replicas'],
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' },
  }),
  builtin({ group: 'batch', resource: 'jobs', kind: 'Job', categories: ['all'], statusSubresource: true, generation: true, fieldSelectors: ['status.successful'] }),
  builtin({ group: 'coordination.k8s.io', resource: 'leases', kind: 'Lease' }),
  builtin({ group: 'networking.k8s.io', resource: 'ingresses', kind: 'Ingress', shortNames: ['ing'], statusSubresource: true, generation: true }),
  builtin({
    group: 'events.k8s.io', resource: 'events', kind: 'Event', shortNames: ['ev'], createOnUpdate: true,
    fieldSelectors: ['regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid', 'reason', 'reportingController', 'type'],
  }),
  builtin({
    group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false,
    shortNames: ['crd', 'crds'], categories: ['api-extensions'], statusSubresource: true, generation: true,
  }),
];
