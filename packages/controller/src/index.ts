/**
 * @rollouts/controller: `createController` wires `@rollouts/core`, `@rollouts/k8s` and plugins into the
 * Rollout, AnalysisRun and Experiment loops (observe -> decide -> act).
 */
export { createController, silentLogger } from './Controller';
export type { Controller, ControllerOptions, LeaderElectionOptions } from './Controller';
export type { ControllerMetrics, ReconciledKind } from './ControllerMetrics';
export { INSTANCE_ID_LABEL } from './ClusterCache';
export { createNotifier, NOTIFICATION_CONFIG_MAP, NOTIFICATION_SECRET, NOTIFIED_ANNOTATION } from './Notifications';
export type { NotificationOptions, Notifier, RecordedEvent } from './Notifications';
