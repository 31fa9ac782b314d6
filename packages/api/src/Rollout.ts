/**
 * Rollout (`argoproj.io/v1alpha1`, kind Rollout): spec and status, every field upstream has.
 */
import { array, boolean, int32, int64, intOrString, json, knownString, literal, partial, record, string, struct, type TypeOf } from './Schema';
import { LabelSelector, ObjectMeta, PodTemplateSpec, StringMap } from './Kubernetes';
import { AnalysisTemplateRef, Condition, DryRun, FieldRef, MeasurementRetention, PodTemplateMetadata } from './Common';

// ---------------------------------------------------------------------------------------------------------
// Analysis as a Rollout uses it (steps, background, pre/post promotion)

/** An argument passed by a Rollout to its analysis: a value, the stable/latest pod hash, or a field of the Rollout. */
export const RolloutAnalysisArgument = struct(
  'AnalysisRunArgument',
  { name: string() },
  {
    value: string(),
    valueFrom: partial('ArgumentValueFrom', { podTemplateHashValue: string(), fieldRef: FieldRef }),
  },
);
export type RolloutAnalysisArgument = TypeOf<typeof RolloutAnalysisArgument>;

const rolloutAnalysisFields = {
  templates: array(AnalysisTemplateRef),
  args: array(RolloutAnalysisArgument),
  dryRun: array(DryRun),
  measurementRetention: array(MeasurementRetention),
  analysisRunMetadata: PodTemplateMetadata,
};

export const RolloutAnalysis = partial('RolloutAnalysis', rolloutAnalysisFields);
export type RolloutAnalysis = TypeOf<typeof RolloutAnalysis>;

export const RolloutAnalysisBackground = partial('RolloutAnalysisBackground', { ...rolloutAnalysisFields, startingStep: int32() });
export type RolloutAnalysisBackground = TypeOf<typeof RolloutAnalysisBackground>;

// ---------------------------------------------------------------------------------------------------------
// Canary steps

export const RolloutPause = partial('RolloutPause', { duration: intOrString() });
export type RolloutPause = TypeOf<typeof RolloutPause>;

export const RolloutExperimentTemplate = struct(
  'RolloutExperimentTemplate',
  { name: string(), specRef: string() },
  {
    replicas: int32(),
    metadata: PodTemplateMetadata,
    selector: LabelSelector,
    weight: int32(),
    service: partial('TemplateService', { name: string() }),
  },
);
export type RolloutExperimentTemplate = TypeOf<typeof RolloutExperimentTemplate>;

export const RolloutExperimentStepAnalysisTemplateRef = struct(
  'RolloutExperimentStepAnalysisTemplateRef',
  { name: string(), templateName: string() },
  { clusterScope: boolean(), args: array(RolloutAnalysisArgument), requiredForCompletion: boolean() },
);
export type RolloutExperimentStepAnalysisTemplateRef = TypeOf<typeof RolloutExperimentStepAnalysisTemplateRef>;

export const RolloutExperimentStep = struct(
  'RolloutExperimentStep',
  { templates: array(RolloutExperimentTemplate) },
  {
    duration: string(),
    analyses: array(RolloutExperimentStepAnalysisTemplateRef),
    dryRun: array(DryRun),
    analysisRunMetadata: PodTemplateMetadata,
    scaleDownDelaySeconds: int32(),
  },
);
export type RolloutExperimentStep = TypeOf<typeof RolloutExperimentStep>;

export const SetCanaryScale = partial('SetCanaryScale', { weight: int32(), replicas: int32(), matchTrafficWeight: boolean() });
export type SetCanaryScale = TypeOf<typeof SetCanaryScale>;

export const StringMatch = partial('StringMatch', { exact: string(), prefix: string(), regex: string() });
export type StringMatch = TypeOf<typeof StringMatch>;

export const HeaderRoutingMatch = struct('HeaderRoutingMatch', { headerName: string(), headerValue: StringMatch }, {});
export type HeaderRoutingMatch = TypeOf<typeof HeaderRoutingMatch>;

export const SetHeaderRoute = partial('SetHeaderRoute', { name: string(), match: array(HeaderRoutingMatch) });
export type SetHeaderRoute = TypeOf<typeof SetHeaderRoute>;

export const RouteMatch = partial('RouteMatch', { method: StringMatch, path: StringMatch, headers: record(StringMatch) });
export type RouteMatch = TypeOf<typeof RouteMatch>;

export const SetMirrorRoute = struct('SetMirrorRoute', { name: string() }, { match: array(RouteMatch), percentage: int32() });
export type SetMirrorRoute = TypeOf<typeof SetMirrorRoute>;

export const RolloutPlugin = struct('PluginStep', { name: string() }, { config: json() });
export type RolloutPlugin = TypeOf<typeof RolloutPlugin>;

export const CanaryStep = partial('CanaryStep', {
  setWeight: int32(),
  pause: RolloutPause,
  experiment: RolloutExperimentStep,
  analysis: RolloutAnalysis,
  setCanaryScale: SetCanaryScale,
  setHeaderRoute: SetHeaderRoute,
  setMirrorRoute: SetMirrorRoute,
  plugin: RolloutPlugin,
});
export type CanaryStep = TypeOf<typeof CanaryStep>;

// ---------------------------------------------------------------------------------------------------------
// Traffic routing

export const NginxTrafficRouting = partial('NginxTrafficRouting', {
  annotationPrefix: string(),
  stableIngress: string(),
  stableIngresses: array(string()),
  additionalIngressAnnotations: StringMap,
  canaryIngressAnnotations: StringMap,
});
export type NginxTrafficRouting = TypeOf<typeof NginxTrafficRouting>;

export const StickinessConfig = struct('StickinessConfig', { enabled: boolean(), durationSeconds: int64() }, {});
export type StickinessConfig = TypeOf<typeof StickinessConfig>;

export const ALBTrafficRouting = struct(
  'ALBTrafficRouting',
  { servicePort: int32() },
  {
    ingress: string(),
    ingresses: array(string()),
    rootService: string(),
    annotationPrefix: string(),
    stickinessConfig: StickinessConfig,
  },
);
export type ALBTrafficRouting = TypeOf<typeof ALBTrafficRouting>;

export const TLSRoute = partial('TLSRoute', { port: int64(), sniHosts: array(string()) });
export const TCPRoute = partial('TCPRoute', { port: int64() });

export const IstioVirtualService = struct(
  'IstioVirtualService',
  { name: string() },
  { routes: array(string()), tlsRoutes: array(TLSRoute), tcpRoutes: array(TCPRoute) },
);
export type IstioVirtualService = TypeOf<typeof IstioVirtualService>;

export const IstioDestinationRule = struct(
  'IstioDestinationRule',
  { name: string(), canarySubsetName: string(), stableSubsetName: string() },
  { additionalSubsetNames: array(string()) },
);
export type IstioDestinationRule = TypeOf<typeof IstioDestinationRule>;

export const IstioTrafficRouting = partial('IstioTrafficRouting', {
  virtualService: IstioVirtualService,
  virtualServices: array(IstioVirtualService),
  destinationRule: IstioDestinationRule,
});
export type IstioTrafficRouting = TypeOf<typeof IstioTrafficRouting>;

export const SMITrafficRouting = partial('SMITrafficRouting', { rootService: string(), trafficSplitName: string() });
export type SMITrafficRouting = TypeOf<typeof SMITrafficRouting>;

export const AmbassadorTrafficRouting = struct('AmbassadorTrafficRouting', { mappings: array(string()) }, {});
export type AmbassadorTrafficRouting = TypeOf<typeof AmbassadorTrafficRouting>;

const VirtualNodeReference = struct('AppMeshVirtualNodeReference', { name: string() }, {});
export const AppMeshTrafficRouting = partial('AppMeshTrafficRouting', {
  virtualService: struct('AppMeshVirtualService', { name: string() }, { routes: array(string()) }),
  virtualNodeGroup: struct('AppMeshVirtualNodeGroup', { canaryVirtualNodeRef: VirtualNodeReference, stableVirtualNodeRef: VirtualNodeReference }, {}),
});
export type AppMeshTrafficRouting = TypeOf<typeof AppMeshTrafficRouting>;

export const TraefikTrafficRouting = struct('TraefikTrafficRouting', { weightedTraefikServiceName: string() }, {});
export type TraefikTrafficRouting = TypeOf<typeof TraefikTrafficRouting>;

export const ApisixTrafficRouting = partial('ApisixTrafficRouting', {
  route: struct('ApisixRoute', { name: string() }, { rules: array(string()) }),
});
export type ApisixTrafficRouting = TypeOf<typeof ApisixTrafficRouting>;

export const MangedRoute = struct('MangedRoutes', { name: string() }, {});

export const RolloutTrafficRouting = partial('RolloutTrafficRouting', {
  istio: IstioTrafficRouting,
  nginx: NginxTrafficRouting,
  alb: ALBTrafficRouting,
  smi: SMITrafficRouting,
  ambassador: AmbassadorTrafficRouting,
  appMesh: AppMeshTrafficRouting,
  traefik: TraefikTrafficRouting,
  apisix: ApisixTrafficRouting,
  /** pluginName -> raw config */
  plugins: json(),
  managedRoutes: array(MangedRoute),
  maxTrafficWeight: int32(),
});
export type RolloutTrafficRouting = TypeOf<typeof RolloutTrafficRouting>;

// ---------------------------------------------------------------------------------------------------------
// Strategies

export const AntiAffinity = partial('AntiAffinity', {
  preferredDuringSchedulingIgnoredDuringExecution: struct('PreferredDuringSchedulingIgnoredDuringExecution', { weight: int32() }, {}),
  requiredDuringSchedulingIgnoredDuringExecution: partial('RequiredDuringSchedulingIgnoredDuringExecution', {}),
});
export type AntiAffinity = TypeOf<typeof AntiAffinity>;

export const PingPongSpec = struct('PingPongSpec', { pingService: string(), pongService: string() }, {});
export type PingPongSpec = TypeOf<typeof PingPongSpec>;

export const ReplicaProgressThreshold = struct('ReplicaProgressThreshold', { type: literal('Percent', 'Pods'), value: int32() }, {});
export type ReplicaProgressThreshold = TypeOf<typeof ReplicaProgressThreshold>;

export const CanaryStrategy = partial('CanaryStrategy', {
  canaryService: string(),
  stableService: string(),
  steps: array(CanaryStep),
  trafficRouting: RolloutTrafficRouting,
  maxUnavailable: intOrString(),
  maxSurge: intOrString(),
  analysis: RolloutAnalysisBackground,
  antiAffinity: AntiAffinity,
  canaryMetadata: PodTemplateMetadata,
  stableMetadata: PodTemplateMetadata,
  scaleDownDelaySeconds: int32(),
  scaleDownDelayRevisionLimit: int32(),
  abortScaleDownDelaySeconds: int32(),
  dynamicStableScale: boolean(),
  pingPong: PingPongSpec,
  minPodsPerReplicaSet: int32(),
  replicaProgressThreshold: ReplicaProgressThreshold,
});
export type CanaryStrategy = TypeOf<typeof CanaryStrategy>;

export const BlueGreenStrategy = partial('BlueGreenStrategy', {
  // Required in upstream's schema, but checked by validation (B1) so that an empty value gets Argo's message.
  activeService: string(),
  previewService: string(),
  previewReplicaCount: int32(),
  autoPromotionEnabled: boolean(),
  autoPromotionSeconds: int32(),
  maxUnavailable: intOrString(),
  scaleDownDelaySeconds: int32(),
  scaleDownDelayRevisionLimit: int32(),
  prePromotionAnalysis: RolloutAnalysis,
  antiAffinity: AntiAffinity,
  postPromotionAnalysis: RolloutAnalysis,
  previewMetadata: PodTemplateMetadata,
  activeMetadata: PodTemplateMetadata,
  abortScaleDownDelaySeconds: int32(),
});
export type BlueGreenStrategy = TypeOf<typeof BlueGreenStrategy>;

export const RolloutStrategy = partial('RolloutStrategy', { blueGreen: BlueGreenStrategy, canary: CanaryStrategy });
export type RolloutStrategy = TypeOf<typeof RolloutStrategy>;

export const ObjectRef = partial('ObjectRef', {
  apiVersion: string(),
  kind: string(),
  name: string(),
  scaleDown: literal('never', 'onsuccess', 'progressively'),
});
export type ObjectRef = TypeOf<typeof ObjectRef>;

export const RolloutSpec = partial('RolloutSpec', {
  replicas: int32(),
  selector: LabelSelector,
  template: PodTemplateSpec,
  workloadRef: ObjectRef,
  minReadySeconds: int32(),
  revisionHistoryLimit: int32(),
  paused: boolean(),
  progressDeadlineSeconds: int32(),
  progressDeadlineAbort: boolean(),
  restartAt: string({ format: 'date-time' }),
  analysis: partial('AnalysisRunStrategy', { successfulRunHistoryLimit: int32(), unsuccessfulRunHistoryLimit: int32() }),
  rollbackWindow: partial('RollbackWindowSpec', { revisions: int32() }),
  strategy: RolloutStrategy,
});
export type RolloutSpec = TypeOf<typeof RolloutSpec>;

// ---------------------------------------------------------------------------------------------------------
// Status

export const PauseReason = knownString('InconclusiveAnalysisRun', 'InconclusiveExperiment', 'CanaryPauseStep', 'BlueGreenPause');
export type PauseReason = TypeOf<typeof PauseReason>;

export const PauseCondition = struct('PauseCondition', { reason: PauseReason, startTime: string() }, {});
export type PauseCondition = TypeOf<typeof PauseCondition>;

export const RolloutAnalysisRunStatus = struct('RolloutAnalysisRunStatus', { name: string(), status: string() }, { message: string() });
export type RolloutAnalysisRunStatus = TypeOf<typeof RolloutAnalysisRunStatus>;

export const WeightDestination = partial('WeightDestination', { weight: int32(), serviceName: string(), podTemplateHash: string() });
export type WeightDestination = TypeOf<typeof WeightDestination>;

export const TrafficWeights = struct(
  'TrafficWeights',
  { canary: WeightDestination, stable: WeightDestination },
  { additional: array(WeightDestination), verified: boolean() },
);
export type TrafficWeights = TypeOf<typeof TrafficWeights>;

export const StepPluginStatus = partial('StepPluginStatus', {
  index: int32(),
  name: string(),
  operation: string(),
  phase: string(),
  message: string(),
  startedAt: string(),
  updatedAt: string(),
  finishedAt: string(),
  backoff: string(),
  executions: int32(),
  disabled: boolean(),
  status: json(),
});
export type StepPluginStatus = TypeOf<typeof StepPluginStatus>;

export const CanaryStatus = partial('CanaryStatus', {
  currentStepAnalysisRunStatus: RolloutAnalysisRunStatus,
  currentBackgroundAnalysisRunStatus: RolloutAnalysisRunStatus,
  currentExperiment: string(),
  weights: TrafficWeights,
  stablePingPong: knownString('ping', 'pong'),
  stepPluginStatuses: array(StepPluginStatus),
});
export type CanaryStatus = TypeOf<typeof CanaryStatus>;

export const BlueGreenStatus = partial('BlueGreenStatus', {
  previewSelector: string(),
  activeSelector: string(),
  scaleUpPreviewCheckPoint: boolean(),
  prePromotionAnalysisRunStatus: RolloutAnalysisRunStatus,
  postPromotionAnalysisRunStatus: RolloutAnalysisRunStatus,
});
export type BlueGreenStatus = TypeOf<typeof BlueGreenStatus>;

const AwsResourceRef = partial('AwsResourceRef', { name: string(), arn: string(), fullName: string() });
export const ALBStatus = partial('ALBStatus', {
  loadBalancer: AwsResourceRef,
  canaryTargetGroup: AwsResourceRef,
  stableTargetGroup: AwsResourceRef,
  ingress: string(),
});
export type ALBStatus = TypeOf<typeof ALBStatus>;

export const RolloutDuration = partial('RolloutDuration', {
  rolloutStartedAt: string(),
  manualPauseStartedAt: string(),
  totalManualPauseDurationSeconds: int64(),
  finishedAt: string(),
  completionStatus: string(),
});
export type RolloutDuration = TypeOf<typeof RolloutDuration>;

export const RolloutStatus = partial('RolloutStatus', {
  abort: boolean(),
  pauseConditions: array(PauseCondition),
  controllerPause: boolean(),
  abortedAt: string(),
  currentPodHash: string(),
  currentStepHash: string(),
  replicas: int32(),
  updatedReplicas: int32(),
  readyReplicas: int32(),
  availableReplicas: int32(),
  currentStepIndex: int32(),
  collisionCount: int32(),
  /** A string, as upstream writes it. */
  observedGeneration: string(),
  conditions: array(Condition),
  canary: CanaryStatus,
  blueGreen: BlueGreenStatus,
  HPAReplicas: int32(),
  selector: string(),
  stableRS: string(),
  restartedAt: string(),
  promoteFull: boolean(),
  phase: knownString('Progressing', 'Paused', 'Healthy', 'Degraded'),
  message: string(),
  workloadObservedGeneration: string(),
  alb: ALBStatus,
  albs: array(ALBStatus),
  duration: RolloutDuration,
});
export type RolloutStatus = TypeOf<typeof RolloutStatus>;

export const Rollout = struct(
  'Rollout',
  { spec: RolloutSpec },
  { apiVersion: string(), kind: string(), metadata: ObjectMeta, status: RolloutStatus },
  { description: 'Rollout is a Kubernetes workload that replaces a Deployment with blue-green and canary updates.' },
);
export type Rollout = TypeOf<typeof Rollout>;
