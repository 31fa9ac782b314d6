/**
 * The defaults the Kubernetes API server fills into a pod template (`SetObjectDefaults_PodTemplate`), so that
 * the template of a ReplicaSet read back from the cluster can be compared with the one in the Rollout.
 *
 * A field counts as unset when it is absent or `null`, and also, for the fields Go holds as plain values
 * rather than pointers (`dnsPolicy`, `imagePullPolicy`, probe thresholds, ...), when it holds the zero value
 * (`""`, `0`): the API server cannot tell those apart from absent and defaults them as well. Pointer fields
 * (`terminationGracePeriodSeconds`, `securityContext`, `defaultMode`, ...) keep an explicit zero.
 *
 * Not reproduced: rounding of resource quantities up to milli-units, and the `hostPort` defaulting for
 * `hostNetwork` pods, which the API server has not applied to templates since Kubernetes 1.28. Defaults the
 * API server applies to pods only (`enableServiceLinks`, requests copied from limits) do not belong here.
 */
import type { Container, EphemeralContainer, Json, PodSpec, PodTemplateSpec } from '@rollouts/api';

const DEFAULT_RESTART_POLICY = 'Always';
const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
const DEFAULT_DNS_POLICY = 'ClusterFirst';
const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';
const DEFAULT_TERMINATION_MESSAGE_POLICY = 'File';
const DEFAULT_PROTOCOL = 'TCP';
/** File mode of secret, configMap, downwardAPI and projected volumes: 0644. */
const DEFAULT_VOLUME_MODE = 0o644;

type JsonObject = { readonly [key: string]: Json };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * `template` with the API server's defaults filled in where unset (see the module comment); everything else
 * is kept as it is, unknown fields included. Returns a new object and never changes its input. A template
 * without `spec` is returned without one.
 *
 * Pod spec: `restartPolicy: Always`, `terminationGracePeriodSeconds: 30`, `dnsPolicy: ClusterFirst`,
 * `securityContext: {}`, `schedulerName: default-scheduler`, and `serviceAccount` / `serviceAccountName`
 * each copied from the other. Containers, init containers and ephemeral containers:
 * `terminationMessagePath: /dev/termination-log`, `terminationMessagePolicy: File`, `imagePullPolicy` (see
 * {@link defaultImagePullPolicy}), port `protocol: TCP`, env `valueFrom.fieldRef.apiVersion: v1`; probes
 * `timeoutSeconds: 1`, `periodSeconds: 10`, `successThreshold: 1`, `failureThreshold: 3`; `httpGet` in probes
 * and lifecycle hooks `path: /`, `scheme: HTTP`; `grpc.service: ""`. Volumes: a volume with no source becomes
 * an `emptyDir`; secret, configMap, downwardAPI and projected `defaultMode: 420`; downward API
 * `fieldRef.apiVersion: v1`; service account token `expirationSeconds: 3600`; hostPath `type: ""`; the
 * defaults of the iscsi, rbd, azureDisk and scaleIO sources; and `volumeMode: Filesystem` in ephemeral volume
 * claim templates.
 */
export function withPodDefaults(template: PodTemplateSpec): PodTemplateSpec {
  if (template.spec == null) return { ...template };
  return { ...template, spec: podSpecWithDefaults(template.spec) };
}

/**
 * The `imagePullPolicy` the API server gives a container with this image: `Always` when the tag is `latest`,
 * or when the image names neither a tag nor a digest; otherwise `IfNotPresent`, which is also what an image
 * the server's reference parser rejects (empty, upper case in the repository, malformed) gets.
 */
export function defaultImagePullPolicy(image: string | null | undefined): 'Always' | 'IfNotPresent' {
  const reference = parseImageReference(image ?? '');
  if (reference === undefined) return 'IfNotPresent';
  return reference.tag === 'latest' || (reference.tag === undefined && reference.digest === undefined) ? 'Always' : 'IfNotPresent';
}

// ---------------------------------------------------------------------------------------------------------
// Pod spec and containers

function podSpecWithDefaults(spec: PodSpec): PodSpec {
  const out: Mutable<PodSpec> = { ...spec };
  if (isBlank(out.restartPolicy)) out.restartPolicy = DEFAULT_RESTART_POLICY;
  if (out.terminationGracePeriodSeconds == null) out.terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (isBlank(out.dnsPolicy)) out.dnsPolicy = DEFAULT_DNS_POLICY;
  if (out.securityContext == null) out.securityContext = {};
  if (isBlank(out.schedulerName)) out.schedulerName = DEFAULT_SCHEDULER_NAME;
  // The API server keeps the deprecated alias and the real field in step, whichever one was written.
  if (isBlank(out.serviceAccountName) && !isBlank(out.serviceAccount)) out.serviceAccountName = out.serviceAccount;
  if (isBlank(out.serviceAccount) && !isBlank(out.serviceAccountName)) out.serviceAccount = out.serviceAccountName;
  if (spec.containers != null) out.containers = spec.containers.map(containerWithDefaults);
  if (spec.initContainers != null) out.initContainers = spec.initContainers.map(containerWithDefaults);
  if (spec.ephemeralContainers != null) out.ephemeralContainers = spec.ephemeralContainers.map(containerWithDefaults);
  if (spec.volumes != null) out.volumes = spec.volumes.map(volumeWithDefaults);
  return out;
}

function containerWithDefaults<C extends Container | EphemeralContainer>(container: C): C {
  const out: Mutable<C> = { ...container };
  if (isBlank(out.imagePullPolicy)) out.imagePullPolicy = defaultImagePullPolicy(out.image);
  if (isBlank(out.terminationMessagePath)) out.terminationMessagePath = DEFAULT_TERMINATION_MESSAGE_PATH;
  if (isBlank(out.terminationMessagePolicy)) out.terminationMessagePolicy = DEFAULT_TERMINATION_MESSAGE_POLICY;
  if (container.ports != null) {
    out.ports = container.ports.map((port) => (isBlank(port.protocol) ? { ...port, protocol: DEFAULT_PROTOCOL } : port));
  }
  if (container.env != null) {
    out.env = container.env.map((env) => (isObject(env.valueFrom) ? { ...env, valueFrom: valueSourceWithDefaults(env.valueFrom) } : env));
  }
  if (isObject(container.livenessProbe)) out.livenessProbe = probeWithDefaults(container.livenessProbe);
  if (isObject(container.readinessProbe)) out.readinessProbe = probeWithDefaults(container.readinessProbe);
  if (isObject(container.startupProbe)) out.startupProbe = probeWithDefaults(container.startupProbe);
  if (isObject(container.lifecycle)) out.lifecycle = lifecycleWithDefaults(container.lifecycle);
  return out;
}

/** `valueFrom` of an env var, or an item of a downward API volume: the field selector's `apiVersion`. */
function valueSourceWithDefaults(source: JsonObject): JsonObject {
  return updateObject(source, 'fieldRef', (ref) => fill(ref, { apiVersion: 'v1' }));
}

function probeWithDefaults(probe: JsonObject): JsonObject {
  let out = fill(probe, { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  out = updateObject(out, 'httpGet', httpGetWithDefaults);
  return updateObject(out, 'grpc', (grpc) => fill(grpc, { service: '' }, POINTER));
}

function lifecycleWithDefaults(lifecycle: JsonObject): JsonObject {
  const hook = (handler: JsonObject) => updateObject(handler, 'httpGet', httpGetWithDefaults);
  return updateObject(updateObject(lifecycle, 'postStart', hook), 'preStop', hook);
}

function httpGetWithDefaults(action: JsonObject): JsonObject {
  return fill(action, { path: '/', scheme: 'HTTP' });
}

// ---------------------------------------------------------------------------------------------------------
// Volumes

function volumeWithDefaults(volume: Json): Json {
  if (!isObject(volume)) return volume;
  // A volume that names no source at all is an emptyDir.
  if (Object.entries(volume).every(([key, value]) => key === 'name' || value == null)) return { ...volume, emptyDir: {} };
  let out = volume;
  for (const source of ['secret', 'configMap'] as const) {
    out = updateObject(out, source, (s) => fill(s, { defaultMode: DEFAULT_VOLUME_MODE }, POINTER));
  }
  out = updateObject(out, 'downwardAPI', downwardApiWithDefaults);
  out = updateObject(out, 'projected', (projected) => {
    const withMode = fill(projected, { defaultMode: DEFAULT_VOLUME_MODE }, POINTER);
    return updateArray(withMode, 'sources', (source) => {
      if (!isObject(source)) return source;
      const withDownward = updateObject(source, 'downwardAPI', (d) => updateArray(d, 'items', downwardApiItemWithDefaults));
      return updateObject(withDownward, 'serviceAccountToken', (token) => fill(token, { expirationSeconds: 3600 }, POINTER));
    });
  });
  out = updateObject(out, 'hostPath', (hostPath) => fill(hostPath, { type: '' }, POINTER));
  out = updateObject(out, 'iscsi', (iscsi) => fill(iscsi, { iscsiInterface: 'default' }));
  out = updateObject(out, 'rbd', (rbd) => fill(rbd, { pool: 'rbd', user: 'admin', keyring: '/etc/ceph/keyring' }));
  out = updateObject(out, 'azureDisk', (disk) => fill(disk, { cachingMode: 'ReadWrite', fsType: 'ext4', readOnly: false, kind: 'Shared' }, POINTER));
  out = updateObject(out, 'scaleIO', (scaleIO) => fill(scaleIO, { storageMode: 'ThinProvisioned', fsType: 'xfs' }));
  out = updateObject(out, 'ephemeral', (ephemeral) =>
    updateObject(ephemeral, 'volumeClaimTemplate', (claim) => updateObject(claim, 'spec', (spec) => fill(spec, { volumeMode: 'Filesystem' }, POINTER))),
  );
  return out;
}

function downwardApiWithDefaults(source: JsonObject): JsonObject {
  return updateArray(fill(source, { defaultMode: DEFAULT_VOLUME_MODE }, POINTER), 'items', downwardApiItemWithDefaults);
}

function downwardApiItemWithDefaults(item: Json): Json {
  return isObject(item) ? valueSourceWithDefaults(item) : item;
}

// ---------------------------------------------------------------------------------------------------------
// JSON helpers

/** Fill only absent or `null` fields (Go pointers), not zero values. */
const POINTER = true;

/** A Go plain (non-pointer) field: absent, `null`, `""` and `0` all read as unset. */
function isBlank(value: unknown): boolean {
  return value == null || value === '' || value === 0;
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `object` with each field of `defaults` set where it is unset (only absent or `null` when `pointer`). */
function fill(object: JsonObject, defaults: JsonObject, pointer = false): JsonObject {
  let out = object;
  for (const [key, value] of Object.entries(defaults)) {
    if (pointer ? object[key] == null : isBlank(object[key])) out = { ...out, [key]: value };
  }
  return out;
}

/** `object` with `object[key]` replaced by `update(object[key])` when that is an object; else `object`. */
function updateObject(object: JsonObject, key: string, update: (value: JsonObject) => JsonObject): JsonObject {
  const value = object[key];
  return isObject(value) ? { ...object, [key]: update(value) } : object;
}

/** `object` with each element of the array `object[key]` replaced by `update(element)`. */
function updateArray(object: JsonObject, key: string, update: (value: Json) => Json): JsonObject {
  const value = object[key];
  return Array.isArray(value) ? { ...object, [key]: (value as readonly Json[]).map(update) } : object;
}

// ---------------------------------------------------------------------------------------------------------
// Image references, as `github.com/distribution/reference` reads them (the parser behind the API server's
// imagePullPolicy default): [domain[:port]/]path[:tag][@digest], path components in lower case.

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const REFERENCE = new RegExp(
  `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`,
);
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const MAX_NAME_LENGTH = 255;

interface ImageReference {
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/** The tag and digest of an image reference, or `undefined` when the reference parser rejects it. */
function parseImageReference(image: string): ImageReference | undefined {
  if (/^[a-f0-9]{64}$/.test(image)) return undefined; // a bare image ID is not a repository name
  // The first component is a registry when it has a dot or a port, is `localhost`, or has upper case; the
  // rest (the repository path) must be lower case.
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasDomain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  const remainder = hasDomain ? image.slice(slash + 1) : image;
  const repository = remainder.split(/[:@]/)[0] ?? '';
  if (repository.toLowerCase() !== repository) return undefined;

  const match = REFERENCE.exec(image);
  if (match === null) return undefined;
  const [, name = '', tag, digest] = match;
  if (name.length > MAX_NAME_LENGTH) return undefined;
  if (digest !== undefined) {
    const [algorithm = '', hex = ''] = digest.split(':');
    if (DIGEST_HEX_LENGTH[algorithm] !== hex.length || !/^[a-f0-9]+$/.test(hex)) return undefined;
  }
  return { tag, digest };
}
