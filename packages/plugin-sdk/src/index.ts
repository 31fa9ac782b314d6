export { PluginErrors } from './PluginError';
export type {
  KubeConflict,
  KubeNotFound,
  KubeRejected,
  KubeUnavailable,
  PluginAborted,
  PluginConfigInvalid,
  PluginError,
  PluginUnsupported,
  ProviderResponseInvalid,
  ProviderTimeout,
  ProviderUnavailable,
  RouterMisconfigured,
  RouterUnavailable,
} from './PluginError';
export type { KubeObject, KubeObjectClient, ObjectPatch, ObjectRef } from './KubeObjectClient';
export { defineTrafficRouter, missingRouterMethods, REQUIRED_ROUTER_METHODS, routerCapabilities } from './TrafficRouter';
export type { AdditionalDestination, HeaderRoute, MirrorRoute, RouterDeps, RoutingContext, TrafficRouter, TrafficRouterPlugin } from './TrafficRouter';
export { defineMetricProvider } from './MetricProvider';
export type { MeasurementContext, MeasurementMetadata, MetricProvider, MetricProviderPlugin, ProviderDeps, ProviderObservation } from './MetricProvider';
export { createRegistry } from './Registry';
export type { Registry } from './Registry';
export type { Logger } from './Logger';
export { defineStepPlugin, missingStepMethods, REQUIRED_STEP_METHODS, STEP_PLUGIN_PHASES, stepResultProblem } from './StepPlugin';
export type { StepContext, StepExecutor, StepPlugin, StepPluginDeps, StepPluginPhase, StepResult } from './StepPlugin';
export { mergeRouterStatuses, ROUTER_STATUS_FIELDS, type RouterStatus, type RouterStatusField } from './RouterStatus';
