/**
 * @rollouts/k8s: the Kubernetes adapter, and the only package that imports `@kubernetes/client-node`.
 * Informer caches, a rate-limited work queue, writes that answer `Either<PluginError, A>`, events, Lease
 * leader election, and the plugin SDK's `KubeObjectClient` port.
 */
export { KubeConfig, loadKubeConfig, apiServerAddress, checkApiServer } from './KubeConfig';
export type { KubeConfigSource, ApiServerCheck } from './KubeConfig';
export { systemClock, rfc3339, rfc3339Micro, sleep } from './Clock';
export type { Clock, Timer } from './Clock';
export { createManualClock } from './ManualClock';
export type { ManualClock } from './ManualClock';
export { Resources, apiVersionOf, resourcePath } from './Resources';
export type { ResourceKind } from './Resources';
export type { RequestMetrics } from './RequestMetrics';
export { kubeErrorFromResponse, kubeErrorFromException, describeTarget } from './KubeErrors';
export type { RequestTarget, KubeStatus, StatusCause } from './KubeErrors';
export { createInformer } from './Informer';
export type { Informer, InformerEvent, InformerOptions } from './Informer';
export { createWorkQueue } from './WorkQueue';
export type { WorkQueue, WorkQueueOptions } from './WorkQueue';
export { createItemBackoff, createTokenBucket } from './RateLimiter';
export type { ItemBackoff, TokenBucket } from './RateLimiter';
export { createKubeWriter, PATCH_CONTENT_TYPES } from './KubeWriter';
export type { KubeWriter, KubeWriterOptions, KubePatch } from './KubeWriter';
export { createEventRecorder } from './EventRecorder';
export type { EventRecorder, EventRecorderOptions, InvolvedObject } from './EventRecorder';
export { createKubeObjectClient } from './KubeObjectClient';
export type { KubeObjectClientOptions } from './KubeObjectClient';
export { createLeaderElector } from './LeaderElector';
export type { LeaderElector, LeaderElectorOptions, LeaderElectionStatus } from './LeaderElector';
export type { Logger } from '@rollouts/plugin-sdk';
