/**
 * @rollouts/kube-sim: a Kubernetes API emulator and workload simulator over HTTP, for tests, demos and
 * benchmarks. Not a product: see the README for what it does not emulate.
 */
export { startKubeSim } from './KubeSim';
export type { KubeSim, KubeSimOptions, Inject, ObjectAccess } from './KubeSim';
export { RealClock, VirtualClock, rfc3339 } from './Clock';
export type { Clock, CancelTimer } from './Clock';
export { RequestLog, bucketOf, WRITE_VERBS } from './log/RequestLog';
export type { RequestRecord, RequestFilter, BucketCounts, Verb } from './log/RequestLog';
export type { ErrorFault, LatencyFault, FaultMatch, FaultHandle } from './faults/FaultInjector';
export type { WorkloadOptions, Workloads } from './sim/WorkloadSimulator';
export type { PodRule } from './sim/Kubelet';
export type { SyncFailure } from './sim/WorkQueue';
export type { KubeConfigOptions } from './KubeConfig';
export { kubeConfigOptions, kubeConfigYaml } from './KubeConfig';
export type { KubeObject, ObjectMeta, OwnerReference } from './store/KubeObject';
export type { Status, StatusCause } from './api/ApiError';
