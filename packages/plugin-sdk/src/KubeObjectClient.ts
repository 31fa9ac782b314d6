/**
 * The only way a plugin reaches the cluster: a narrow port over arbitrary objects (Ingresses, VirtualServices,
 * TrafficSplits, Jobs, Secrets ...). The controller implements it on its informer caches and API client;
 * `@rollouts/plugin-sdk/testing` has an in-memory fake. Plugins never import `@kubernetes/client-node`.
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import type { PluginError } from './PluginError';

/** Any Kubernetes object, as JSON. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
    readonly generation?: number;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly ownerReferences?: ReadonlyArray<{ readonly apiVersion: string; readonly kind: string; readonly name: string; readonly uid: string; readonly controller?: boolean }>;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** Which object: `apiVersion` + `kind` name the resource (`networking.istio.io/v1beta1`, `VirtualService`). */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** RFC 7386 merge patch, or RFC 6902 JSON patch. */
export type ObjectPatch = { readonly type: 'merge'; readonly body: unknown } | { readonly type: 'json'; readonly body: ReadonlyArray<{ readonly op: string; readonly path: string; readonly value?: unknown; readonly from?: string }> };

export interface KubeObjectClient {
  /** The object, or `undefined` when it does not exist. */
  get(ref: ObjectRef): TaskEither<PluginError, KubeObject | undefined>;
  list(query: { readonly apiVersion: string; readonly kind: string; readonly namespace?: string; readonly labelSelector?: string }): TaskEither<PluginError, ReadonlyArray<KubeObject>>;
  create(object: KubeObject): TaskEither<PluginError, KubeObject>;
  /** Replace; fails with `KubeConflict` when `metadata.resourceVersion` is stale. */
  update(object: KubeObject): TaskEither<PluginError, KubeObject>;
  patch(ref: ObjectRef, patch: ObjectPatch): TaskEither<PluginError, KubeObject>;
  /** Deleting an object that does not exist succeeds. */
  delete(ref: ObjectRef): TaskEither<PluginError, void>;
}
