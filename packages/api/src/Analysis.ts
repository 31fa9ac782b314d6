/**
 * AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun (`argoproj.io/v1alpha1`): metrics, their
 * providers, and the run status, every field upstream's CRDs have.
 *
 * Durations (`interval`, `initialDelay`, datadog `interval`) stay Go duration strings; count and the limit
 * fields stay IntOrString (they may hold `{{args.x}}` placeholders). `validation/Analysis.ts` checks them.
 */
import { array, boolean, int32, int64, intOrString, json, knownString, literal, partial, string, struct, type TypeOf } from './Schema';
import { LabelSelector, ObjectMeta, PodTemplateSpec, StringMap } from './Kubernetes';
import { AnalysisTemplateRef, Argument, DryRun, MeasurementRetention, PodTemplateMetadata } from './Common';

const dateTime = () => string({ format: 'date-time' });

// ---------------------------------------------------------------------------------------------------------
// Provider building blocks

/** An HTTP header sent by the prometheus and web providers. */
export const WebMetricHeader = struct('WebMetricHeader', { key: string(), value: string() }, {});
export type WebMetricHeader = TypeOf<typeof WebMetricHeader>;

/** AWS SigV4 signing (Amazon Managed Prometheus and friends). */
export const Sigv4Config = partial('Sigv4Config', { region: string(), profile: string(), roleArn: string() });
export type Sigv4Config = TypeOf<typeof Sigv4Config>;

/** OAuth2 client-credentials flow. */
export const OAuth2Config = partial('OAuth2Config', { tokenUrl: string(), clientId: string(), clientSecret: string(), scopes: array(string()) });
export type OAuth2Config = TypeOf<typeof OAuth2Config>;

export const BasicAuth = partial('BasicAuth', { username: string(), password: string() });
export type BasicAuth = TypeOf<typeof BasicAuth>;

/** How the prometheus and web providers authenticate. */
export const MetricAuthentication = partial('Authentication', { sigv4: Sigv4Config, oauth2: OAuth2Config, basicAuth: BasicAuth });
export type MetricAuthentication = TypeOf<typeof MetricAuthentication>;

// ---------------------------------------------------------------------------------------------------------
// Providers

/** A Prometheus range query; `start` and `end` are expressions such as `now() - duration("1h")`. */
export const PrometheusRangeQuery = partial('PrometheusRangeQueryArgs', { start: string(), end: string(), step: string() });
export type PrometheusRangeQuery = TypeOf<typeof PrometheusRangeQuery>;

export const PrometheusMetric = partial('PrometheusMetric', {
  address: string(),
  query: string(),
  authentication: MetricAuthentication,
  /** Seconds. */
  timeout: int64(),
  insecure: boolean(),
  headers: array(WebMetricHeader),
  rangeQuery: PrometheusRangeQuery,
});
export type PrometheusMetric = TypeOf<typeof PrometheusMetric>;

export const DatadogSecretRef = partial('SecretRef', { name: string(), namespaced: boolean() });
export type DatadogSecretRef = TypeOf<typeof DatadogSecretRef>;

export const DatadogApiVersion = literal('v1', 'v2');
export type DatadogApiVersion = TypeOf<typeof DatadogApiVersion>;

export const DatadogAggregator = literal('avg', 'min', 'max', 'sum', 'last', 'percentile', 'mean', 'l2norm', 'area');
export type DatadogAggregator = TypeOf<typeof DatadogAggregator>;

/** Datadog: `query` (v1), or `queries` plus `formula` (v2). Defaults: apiVersion v1, interval 5m, requestTimeout 10s. */
export const DatadogMetric = partial('DatadogMetric', {
  /** Go duration, default `5m`. */
  interval: string(),
  query: string(),
  queries: StringMap,
  formula: string(),
  apiVersion: DatadogApiVersion,
  aggregator: DatadogAggregator,
  secretRef: DatadogSecretRef,
  /** Go duration, default `10s`. */
  requestTimeout: string(),
});
export type DatadogMetric = TypeOf<typeof DatadogMetric>;

export const NewRelicMetric = struct('NewRelicMetric', { query: string() }, { profile: string(), timeout: int64() });
export type NewRelicMetric = TypeOf<typeof NewRelicMetric>;

export const WavefrontMetric = partial('WavefrontMetric', { address: string(), query: string() });
export type WavefrontMetric = TypeOf<typeof WavefrontMetric>;

export const KayentaThreshold = struct('KayentaThreshold', { pass: int64(), marginal: int64() }, {});
export type KayentaThreshold = TypeOf<typeof KayentaThreshold>;

export const ScopeDetail = struct('ScopeDetail', { scope: string(), region: string(), step: int64() }, { start: string(), end: string() });
export type ScopeDetail = TypeOf<typeof ScopeDetail>;

export const KayentaScope = struct('KayentaScope', { name: string(), controlScope: ScopeDetail, experimentScope: ScopeDetail }, {});
export type KayentaScope = TypeOf<typeof KayentaScope>;

export const KayentaMetric = struct(
  'KayentaMetric',
  {
    address: string(),
    application: string(),
    canaryConfigName: string(),
    metricsAccountName: string(),
    configurationAccountName: string(),
    storageAccountName: string(),
    threshold: KayentaThreshold,
    scopes: array(KayentaScope),
  },
  { lookback: boolean() },
);
export type KayentaMetric = TypeOf<typeof KayentaMetric>;

/** An HTTP(S) endpoint whose JSON response (at `jsonPath`, default `{$}`) is the result. */
export const WebMetric = struct(
  'WebMetric',
  { url: string() },
  {
    method: string(),
    headers: array(WebMetricHeader),
    body: string(),
    /** Default 10. */
    timeoutSeconds: int64(),
    jsonPath: string(),
    insecure: boolean(),
    jsonBody: json(),
    authentication: MetricAuthentication,
  },
);
export type WebMetric = TypeOf<typeof WebMetric>;

export const PodFailurePolicyOnExitCodes = struct(
  'PodFailurePolicyOnExitCodesRequirement',
  { operator: string(), values: array(int32()) },
  { containerName: string() },
);
export type PodFailurePolicyOnExitCodes = TypeOf<typeof PodFailurePolicyOnExitCodes>;

export const PodFailurePolicyOnPodCondition = struct('PodFailurePolicyOnPodConditionsPattern', { type: string(), status: string() }, {});
export type PodFailurePolicyOnPodCondition = TypeOf<typeof PodFailurePolicyOnPodCondition>;

export const PodFailurePolicyRule = struct(
  'PodFailurePolicyRule',
  { action: string() },
  { onExitCodes: PodFailurePolicyOnExitCodes, onPodConditions: array(PodFailurePolicyOnPodCondition) },
);
export type PodFailurePolicyRule = TypeOf<typeof PodFailurePolicyRule>;

export const SuccessPolicyRule = partial('SuccessPolicyRule', { succeededIndexes: string(), succeededCount: int32() });
export type SuccessPolicyRule = TypeOf<typeof SuccessPolicyRule>;

/** A `batch/v1` JobSpec, as embedded in the job provider. */
export const JobSpec = struct(
  'JobSpec',
  { template: PodTemplateSpec },
  {
    parallelism: int32(),
    completions: int32(),
    activeDeadlineSeconds: int64(),
    podFailurePolicy: struct('PodFailurePolicy', { rules: array(PodFailurePolicyRule) }, {}),
    successPolicy: struct('SuccessPolicy', { rules: array(SuccessPolicyRule) }, {}),
    backoffLimit: int32(),
    backoffLimitPerIndex: int32(),
    maxFailedIndexes: int32(),
    selector: LabelSelector,
    manualSelector: boolean(),
    ttlSecondsAfterFinished: int32(),
    completionMode: string(),
    suspend: boolean(),
    podReplacementPolicy: string(),
    managedBy: string(),
  },
);
export type JobSpec = TypeOf<typeof JobSpec>;

/** A Kubernetes Job per measurement: Complete is Successful, Failed is Failed. */
export const JobMetric = struct('JobMetric', { spec: JobSpec }, { metadata: PodTemplateMetadata });
export type JobMetric = TypeOf<typeof JobMetric>;

export const CloudWatchMetricStatMetricDimension = partial('CloudWatchMetricStatMetricDimension', { name: string(), value: string() });
export type CloudWatchMetricStatMetricDimension = TypeOf<typeof CloudWatchMetricStatMetricDimension>;

export const CloudWatchMetricStatMetric = partial('CloudWatchMetricStatMetric', {
  dimensions: array(CloudWatchMetricStatMetricDimension),
  metricName: string(),
  namespace: string(),
});
export type CloudWatchMetricStatMetric = TypeOf<typeof CloudWatchMetricStatMetric>;

export const CloudWatchMetricStat = partial('CloudWatchMetricStat', {
  metric: CloudWatchMetricStatMetric,
  period: intOrString(),
  stat: string(),
  unit: string(),
});
export type CloudWatchMetricStat = TypeOf<typeof CloudWatchMetricStat>;

export const CloudWatchMetricDataQuery = partial('CloudWatchMetricDataQuery', {
  id: string(),
  expression: string(),
  label: string(),
  metricStat: CloudWatchMetricStat,
  period: intOrString(),
  returnData: boolean(),
});
export type CloudWatchMetricDataQuery = TypeOf<typeof CloudWatchMetricDataQuery>;

export const CloudWatchMetric = struct('CloudWatchMetric', { metricDataQueries: array(CloudWatchMetricDataQuery) }, { interval: string() });
export type CloudWatchMetric = TypeOf<typeof CloudWatchMetric>;

export const GraphiteMetric = partial('GraphiteMetric', { address: string(), query: string() });
export type GraphiteMetric = TypeOf<typeof GraphiteMetric>;

export const InfluxdbMetric = partial('InfluxdbMetric', { profile: string(), query: string() });
export type InfluxdbMetric = TypeOf<typeof InfluxdbMetric>;

export const SkyWalkingMetric = partial('SkyWalkingMetric', { address: string(), query: string(), interval: string() });
export type SkyWalkingMetric = TypeOf<typeof SkyWalkingMetric>;

/**
 * Where a metric's measurements come from. Exactly one provider must be set (validation M10); `plugin`
 * is a map from plugin name (`org/name`) to its raw config, and each key counts as one provider.
 */
export const MetricProvider = partial('MetricProvider', {
  prometheus: PrometheusMetric,
  datadog: DatadogMetric,
  newRelic: NewRelicMetric,
  wavefront: WavefrontMetric,
  kayenta: KayentaMetric,
  web: WebMetric,
  job: JobMetric,
  cloudWatch: CloudWatchMetric,
  graphite: GraphiteMetric,
  influxdb: InfluxdbMetric,
  skywalking: SkyWalkingMetric,
  /** pluginName -> raw config */
  plugin: json(),
});
export type MetricProvider = TypeOf<typeof MetricProvider>;

// ---------------------------------------------------------------------------------------------------------
// Metric and specs

/**
 * One metric: how often to measure, how many times, and the conditions and limits that decide its phase.
 * count and the limits are IntOrString so that they may be `{{args.x}}` placeholders.
 */
export const Metric = struct(
  'Metric',
  { name: string(), provider: MetricProvider },
  {
    /** Go duration between measurements; required when count > 1. */
    interval: string(),
    /** Go duration to wait before the first measurement. */
    initialDelay: string(),
    count: intOrString(),
    successCondition: string(),
    failureCondition: string(),
    /** Default 0; -1 disables. */
    failureLimit: intOrString(),
    /** Default 0. */
    inconclusiveLimit: intOrString(),
    /** Default 4. */
    consecutiveErrorLimit: intOrString(),
    /** Default 0 (off). */
    consecutiveSuccessLimit: intOrString(),
  },
);
export type Metric = TypeOf<typeof Metric>;

const analysisSpecFields = {
  args: array(Argument),
  dryRun: array(DryRun),
  measurementRetention: array(MeasurementRetention),
};

/** The spec shared by AnalysisTemplate and ClusterAnalysisTemplate; `templates` composes other templates. */
export const AnalysisTemplateSpec = partial('AnalysisTemplateSpec', {
  metrics: array(Metric),
  ...analysisSpecFields,
  templates: array(AnalysisTemplateRef),
});
export type AnalysisTemplateSpec = TypeOf<typeof AnalysisTemplateSpec>;

export const AnalysisTemplate = struct(
  'AnalysisTemplate',
  { spec: AnalysisTemplateSpec },
  { apiVersion: string(), kind: string(), metadata: ObjectMeta },
  { description: 'AnalysisTemplate holds the metrics, and their arguments, that an AnalysisRun measures.' },
);
export type AnalysisTemplate = TypeOf<typeof AnalysisTemplate>;

export const ClusterAnalysisTemplate = struct(
  'ClusterAnalysisTemplate',
  { spec: AnalysisTemplateSpec },
  { apiVersion: string(), kind: string(), metadata: ObjectMeta },
  { description: 'ClusterAnalysisTemplate is a cluster-scoped AnalysisTemplate.' },
);
export type ClusterAnalysisTemplate = TypeOf<typeof ClusterAnalysisTemplate>;

/** How long a completed AnalysisRun is kept, by outcome. */
export const TTLStrategy = partial('TTLStrategy', {
  secondsAfterCompletion: int32(),
  secondsAfterFailure: int32(),
  secondsAfterSuccess: int32(),
});
export type TTLStrategy = TypeOf<typeof TTLStrategy>;

export const AnalysisRunSpec = struct(
  'AnalysisRunSpec',
  { metrics: array(Metric) },
  { ...analysisSpecFields, terminate: boolean(), ttlStrategy: TTLStrategy },
);
export type AnalysisRunSpec = TypeOf<typeof AnalysisRunSpec>;

// ---------------------------------------------------------------------------------------------------------
// Status

/** The phase of a measurement, a metric, a run, or an experiment. */
export const AnalysisPhase = knownString('Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive');
export type AnalysisPhase = TypeOf<typeof AnalysisPhase>;

/**
 * A run's phase as stored: one of `AnalysisPhase`, or `""` before the controller first reconciles it
 * (upstream's status has no subresource and always writes `phase`, so a new run carries `phase: ""`).
 */
export const AnalysisRunPhase = knownString('', 'Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive');
export type AnalysisRunPhase = TypeOf<typeof AnalysisRunPhase>;

export const Measurement = struct(
  'Measurement',
  { phase: AnalysisPhase },
  {
    message: string(),
    startedAt: dateTime(),
    finishedAt: dateTime(),
    /** The measured value, as text. */
    value: string(),
    metadata: StringMap,
    /** When an in-flight measurement should be resumed. */
    resumeAt: dateTime(),
  },
);
export type Measurement = TypeOf<typeof Measurement>;

export const MetricResult = struct(
  'MetricResult',
  { name: string(), phase: AnalysisPhase },
  {
    measurements: array(Measurement),
    message: string(),
    count: int32(),
    successful: int32(),
    failed: int32(),
    inconclusive: int32(),
    error: int32(),
    consecutiveError: int32(),
    consecutiveSuccess: int32(),
    dryRun: boolean(),
    metadata: StringMap,
  },
);
export type MetricResult = TypeOf<typeof MetricResult>;

export const RunSummary = partial('RunSummary', {
  count: int32(),
  successful: int32(),
  failed: int32(),
  inconclusive: int32(),
  error: int32(),
});
export type RunSummary = TypeOf<typeof RunSummary>;

export const AnalysisRunStatus = struct(
  'AnalysisRunStatus',
  { phase: AnalysisRunPhase },
  {
    message: string(),
    metricResults: array(MetricResult),
    startedAt: dateTime(),
    completedAt: dateTime(),
    runSummary: RunSummary,
    dryRunSummary: RunSummary,
  },
);
export type AnalysisRunStatus = TypeOf<typeof AnalysisRunStatus>;

export const AnalysisRun = struct(
  'AnalysisRun',
  { spec: AnalysisRunSpec },
  { apiVersion: string(), kind: string(), metadata: ObjectMeta, status: AnalysisRunStatus },
  { description: 'AnalysisRun takes the measurements of its metrics and decides a phase from them.' },
);
export type AnalysisRun = TypeOf<typeof AnalysisRun>;

