/**
 * The Kubernetes shapes our CRDs embed or the controller reads: ObjectMeta, LabelSelector, the pod template,
 * and the few core objects (ReplicaSet, Service, Ingress, Deployment) the lint and the core look at.
 *
 * The pod template is typed two levels deep (PodSpec and Container field names are all known, so a typo is
 * reported by strict decoding); deeper parts (probes, volumes, affinity) are kept as raw JSON.
 */
import { array, boolean, Codec, int32, int64, json, partial, quantity, record, string, struct, type TypeOf } from './Schema';

export const StringMap = record(string());
export type StringMap = TypeOf<typeof StringMap>;

export const OwnerReference = struct(
  'OwnerReference',
  { apiVersion: string(), kind: string(), name: string(), uid: string() },
  { controller: boolean(), blockOwnerDeletion: boolean() },
);
export type OwnerReference = TypeOf<typeof OwnerReference>;

export const ObjectMeta = partial('ObjectMeta', {
  name: string(),
  generateName: string(),
  namespace: string(),
  uid: string(),
  resourceVersion: string(),
  generation: int64(),
  creationTimestamp: string(),
  deletionTimestamp: string(),
  deletionGracePeriodSeconds: int64(),
  labels: StringMap,
  annotations: StringMap,
  ownerReferences: array(OwnerReference),
  finalizers: array(string()),
  managedFields: array(json()),
  selfLink: string(),
});
export type ObjectMeta = TypeOf<typeof ObjectMeta>;

export const LabelSelectorRequirement = struct('LabelSelectorRequirement', { key: string(), operator: string() }, { values: array(string()) });
export type LabelSelectorRequirement = TypeOf<typeof LabelSelectorRequirement>;

export const LabelSelector = partial('LabelSelector', {
  matchLabels: StringMap,
  matchExpressions: array(LabelSelectorRequirement),
});
export type LabelSelector = TypeOf<typeof LabelSelector>;

export const ResourceList = record(quantity());
export type ResourceList = TypeOf<typeof ResourceList>;

export const ResourceRequirements = partial('ResourceRequirements', {
  limits: ResourceList,
  requests: ResourceList,
  claims: array(json()),
});
export type ResourceRequirements = TypeOf<typeof ResourceRequirements>;

export const ContainerPort = struct(
  'ContainerPort',
  { containerPort: int32() },
  { name: string(), hostPort: int32(), hostIP: string(), protocol: string() },
);
export type ContainerPort = TypeOf<typeof ContainerPort>;

export const EnvVar = struct('EnvVar', { name: string() }, { value: string(), valueFrom: json() });
export type EnvVar = TypeOf<typeof EnvVar>;

const containerFields = {
  image: string(),
  command: array(string()),
  args: array(string()),
  workingDir: string(),
  ports: array(ContainerPort),
  envFrom: array(json()),
  env: array(EnvVar),
  resources: ResourceRequirements,
  resizePolicy: array(json()),
  restartPolicy: string(),
  restartPolicyRules: array(json()),
  volumeMounts: array(json()),
  volumeDevices: array(json()),
  livenessProbe: json(),
  readinessProbe: json(),
  startupProbe: json(),
  lifecycle: json(),
  terminationMessagePath: string(),
  terminationMessagePolicy: string(),
  imagePullPolicy: string(),
  securityContext: json(),
  stdin: boolean(),
  stdinOnce: boolean(),
  tty: boolean(),
};

export const Container = struct('Container', { name: string() }, containerFields);
export type Container = TypeOf<typeof Container>;

export const EphemeralContainer = struct('EphemeralContainer', { name: string() }, { ...containerFields, targetContainerName: string() });
export type EphemeralContainer = TypeOf<typeof EphemeralContainer>;

export const PodSpec = struct(
  'PodSpec',
  { containers: array(Container) },
  {
    volumes: array(json()),
    initContainers: array(Container),
    ephemeralContainers: array(EphemeralContainer),
    restartPolicy: string(),
    terminationGracePeriodSeconds: int64(),
    activeDeadlineSeconds: int64(),
    dnsPolicy: string(),
    nodeSelector: StringMap,
    serviceAccountName: string(),
    serviceAccount: string(),
    automountServiceAccountToken: boolean(),
    nodeName: string(),
    hostNetwork: boolean(),
    hostPID: boolean(),
    hostIPC: boolean(),
    shareProcessNamespace: boolean(),
    securityContext: json(),
    imagePullSecrets: array(json()),
    hostname: string(),
    hostnameOverride: string(),
    subdomain: string(),
    affinity: json(),
    schedulerName: string(),
    tolerations: array(json()),
    hostAliases: array(json()),
    priorityClassName: string(),
    priority: int32(),
    dnsConfig: json(),
    readinessGates: array(json()),
    runtimeClassName: string(),
    enableServiceLinks: boolean(),
    preemptionPolicy: string(),
    overhead: ResourceList,
    topologySpreadConstraints: array(json()),
    setHostnameAsFQDN: boolean(),
    os: json(),
    hostUsers: boolean(),
    schedulingGates: array(json()),
    resourceClaims: array(json()),
    resources: ResourceRequirements,
  },
);
export type PodSpec = TypeOf<typeof PodSpec>;

/** A pod template. `spec` is optional at the type level so that a workloadRef Rollout may leave it empty. */
export const PodTemplateSpec = partial('PodTemplateSpec', { metadata: ObjectMeta, spec: PodSpec });
export type PodTemplateSpec = TypeOf<typeof PodTemplateSpec>;

// ---------------------------------------------------------------------------------------------------------
// Core objects read by the lint and the core (typed loosely beyond what we use; unknown fields are kept).

const objectOf = <S extends Codec<any>, T extends Codec<any>>(name: string, spec: S, status: T) =>
  struct(name, {}, { apiVersion: string(), kind: string(), metadata: ObjectMeta, spec, status });

export const ServicePort = partial(
  'ServicePort',
  { name: string(), protocol: string(), appProtocol: string(), port: int32(), targetPort: json(), nodePort: int32() },
  { preserveUnknown: true },
);
export const Service = objectOf(
  'Service',
  partial('ServiceSpec', { selector: StringMap, ports: array(ServicePort), type: string(), clusterIP: string() }, { preserveUnknown: true }),
  json(),
);
export type Service = TypeOf<typeof Service>;

const IngressBackendV1 = partial(
  'IngressBackend',
  {
    service: partial('IngressServiceBackend', { name: string(), port: partial('ServiceBackendPort', { name: string(), number: int32() }) }),
    resource: json(),
    // networking.k8s.io/v1beta1 and extensions/v1beta1
    serviceName: string(),
    servicePort: json(),
  },
);
export const IngressRule = partial('IngressRule', {
  host: string(),
  http: struct('HTTPIngressRuleValue', { paths: array(partial('HTTPIngressPath', { path: string(), pathType: string(), backend: IngressBackendV1 })) }, {}),
});
export type IngressRule = TypeOf<typeof IngressRule>;
export const Ingress = objectOf(
  'Ingress',
  partial('IngressSpec', {
    ingressClassName: string(),
    defaultBackend: IngressBackendV1,
    backend: IngressBackendV1,
    tls: array(json()),
    rules: array(IngressRule),
  }),
  json(),
);
export type Ingress = TypeOf<typeof Ingress>;

export const ReplicaSet = objectOf(
  'ReplicaSet',
  partial('ReplicaSetSpec', { replicas: int32(), minReadySeconds: int32(), selector: LabelSelector, template: PodTemplateSpec }),
  partial(
    'ReplicaSetStatus',
    {
      replicas: int32(),
      fullyLabeledReplicas: int32(),
      readyReplicas: int32(),
      availableReplicas: int32(),
      terminatingReplicas: int32(),
      observedGeneration: int64(),
      conditions: array(json()),
    },
  ),
);
export type ReplicaSet = TypeOf<typeof ReplicaSet>;

export const Deployment = objectOf(
  'Deployment',
  partial(
    'DeploymentSpec',
    {
      replicas: int32(),
      selector: LabelSelector,
      template: PodTemplateSpec,
      minReadySeconds: int32(),
      strategy: json(),
      revisionHistoryLimit: int32(),
      paused: boolean(),
      progressDeadlineSeconds: int32(),
    },
  ),
  json(),
);
export type Deployment = TypeOf<typeof Deployment>;
