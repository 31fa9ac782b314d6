/**
 * Semantic pod-template equality: does a ReplicaSet run the Rollout's current pod template?
 *
 * Our pod-template hash differs from Argo Rollouts' (see `PodTemplateHash.ts`), so a ReplicaSet that Argo
 * created is recognised by its template instead, as Argo itself does when its hash does not match. Two
 * templates are compared after the API server's defaults (`withPodDefaults`) and with what the controller
 * injects, what the API server rewrites, and what Go's typed decoding cannot tell apart all taken out.
 */
import * as E from 'fp-ts/lib/Either';
import { parseQuantity, POD_TEMPLATE_HASH_LABEL, type Json, type PodTemplateSpec, type ReplicaSet, type StringMap } from '@rollouts/api';
import { withPodDefaults } from './PodDefaults';
import { canonicalJson } from './PodTemplateHash';
import { fromRfc3339 } from './Time';
import { memoByContent } from './internal/Memo';

/** RS annotation in which Argo Rollouts records the canary/stable metadata it injected into the template. */
const EPHEMERAL_METADATA_ANNOTATION = 'rollout.argoproj.io/ephemeral-metadata';

/** What else to leave out of the comparison. */
export interface TemplateEqualityOptions {
  /** Template labels to ignore on both sides (ephemeral canary/stable labels the controller injects). */
  readonly ignoreLabels?: readonly string[];
  /** Template annotations to ignore on both sides (ephemeral canary/stable annotations). */
  readonly ignoreAnnotations?: readonly string[];
}

/**
 * Whether two pod templates are the same pod, as Kubernetes' semantic equality sees them after the API
 * server's defaults ({@link withPodDefaults}) are filled into both. Symmetric. Ignored on both sides:
 * - the `rollouts-pod-template-hash` label, `options.ignoreLabels` and `options.ignoreAnnotations`;
 * - pod anti-affinity terms (required or preferred) whose label selector is on `rollouts-pod-template-hash`,
 *   which the controller injects while the stable ReplicaSet is not the current one;
 * - the deprecated `spec.serviceAccount` (the API server mirrors `serviceAccountName` into it);
 * - `metadata.creationTimestamp` (written as `null` into templates by older API servers).
 *
 * Treated as equal, as after Go's typed decoding: absent, `null` and empty maps, arrays and objects
 * (`labels: {}`, `env: []`, `resources: {}`); and, for fields Go holds as plain values, absent and the zero
 * value (`readOnly: false`, `initialDelaySeconds: 0`, `hostNetwork: false`). Pointer fields where an explicit
 * zero means something (`terminationGracePeriodSeconds: 0`, `runAsUser: 0`, `optional: false`,
 * `tolerationSeconds: 0`, ...) keep it. Resource quantities (`resources.limits`/`requests`, `overhead`,
 * `sizeLimit`, `divisor`) compare by value: `"1000m"`, `"1"` and `1` are equal, as are `"1Gi"` and `"1024Mi"`;
 * `divisor: "0"` (written by the API server for an unset divisor) equals absent.
 */
export function podTemplatesEqual(a: PodTemplateSpec, b: PodTemplateSpec, options: TemplateEqualityOptions = {}): boolean {
  const key = optionsKey(options);
  return cachedComparable(a, key, options) === cachedComparable(b, key, options);
}

/** The cache key of a set of ignored labels and annotations (`NOTHING_IGNORED` for none). */
const NOTHING_IGNORED = '\u0001';
function optionsKey(options: TemplateEqualityOptions): string {
  const labels = options.ignoreLabels;
  const annotations = options.ignoreAnnotations;
  return (labels == null || labels.length === 0) && (annotations == null || annotations.length === 0)
    ? NOTHING_IGNORED
    : `${(labels ?? []).join('\u0000')}\u0001${(annotations ?? []).join('\u0000')}`;
}

// Equal comparable forms are one string (a bounded table): comparing them is comparing pointers.
let internTable = new Map<string, string>();
function interned(text: string): string {
  const known = internTable.get(text);
  if (known !== undefined) return known;
  if (internTable.size >= 1024) internTable = new Map();
  internTable.set(text, text);
  return text;
}

// Templates are immutable snapshots: each one's comparable form is computed once per set of ignored keys, kept
// by identity and then by content (a ReplicaSet's new version, after a status change, has the same template).
const comparablesOf = memoByContent((_template: PodTemplateSpec) => new Map<string, string>());
function cachedComparable(template: PodTemplateSpec, key: string, options: TemplateEqualityOptions): string {
  const byOptions = comparablesOf(template);
  let value = byOptions.get(key);
  if (value === undefined) {
    value = interned(comparableTemplate(template, options));
    byOptions.set(key, value);
  }
  return value;
}

/**
 * The ReplicaSet that runs `template`: among the ReplicaSets not being deleted, ordered by creation time
 * (oldest first, a missing time first, ties by name), the first whose `rollouts-pod-template-hash` label is
 * `hash` and whose template equals `template` ({@link podTemplatesEqual}); otherwise the first whose template
 * equals it; otherwise `undefined`. Besides `options`, the labels and annotations recorded in a ReplicaSet's
 * `rollout.argoproj.io/ephemeral-metadata` annotation are ignored when comparing its template.
 */
export function findReplicaSetForTemplate(
  replicaSets: readonly ReplicaSet[],
  template: PodTemplateSpec,
  hash: string,
  options: TemplateEqualityOptions = {},
): ReplicaSet | undefined {
  // Without options and ephemeral metadata (the usual case) the template's comparable form is looked up once.
  const plain = optionsKey(options) === NOTHING_IGNORED;
  let target: string | undefined;
  const runsTemplate = (rs: ReplicaSet): boolean => {
    if (plain && rs.metadata?.annotations?.[EPHEMERAL_METADATA_ANNOTATION] == null) {
      target ??= cachedComparable(template, NOTHING_IGNORED, options);
      return cachedComparable(rs.spec?.template ?? {}, NOTHING_IGNORED, options) === target;
    }
    return podTemplatesEqual(rs.spec?.template ?? {}, template, withEphemeralMetadata(rs, options));
  };
  // The earliest (byCreation) of those that match, without sorting them all: usually one carries the hash.
  let byHash: ReplicaSet | undefined;
  for (const rs of replicaSets) {
    if (rs.metadata?.deletionTimestamp != null || rs.spec?.template == null) continue;
    if (rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] !== hash) continue;
    if ((byHash === undefined || byCreation(rs, byHash) < 0) && runsTemplate(rs)) byHash = rs;
  }
  if (byHash !== undefined) return byHash;
  let any: ReplicaSet | undefined;
  for (const rs of replicaSets) {
    if (rs.metadata?.deletionTimestamp != null || rs.spec?.template == null) continue;
    if ((any === undefined || byCreation(rs, any) < 0) && runsTemplate(rs)) any = rs;
  }
  return any;
}

// ---------------------------------------------------------------------------------------------------------
// The comparable form of a template

/** Keys whose object value is a map with free-form keys: its entries are kept even when empty or zero. */
const MAP_FIELDS: ReadonlySet<string> = new Set(['labels', 'annotations', 'nodeSelector', 'limits', 'requests', 'overhead', 'matchLabels', 'volumeAttributes', 'options']);
/** Maps whose values are resource quantities. */
const QUANTITY_MAPS: ReadonlySet<string> = new Set(['limits', 'requests', 'overhead']);
/** Fields holding a single resource quantity. */
const QUANTITY_FIELDS: ReadonlySet<string> = new Set(['sizeLimit', 'divisor']);
/**
 * Go pointer fields of the pod template where an explicit zero value (`0`, `""`, `false`) differs from absent.
 * Every other field's zero value reads as absent.
 */
const POINTER_FIELDS: ReadonlySet<string> = new Set([
  // PodSpec
  'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'automountServiceAccountToken', 'shareProcessNamespace', 'priority',
  'runtimeClassName', 'enableServiceLinks', 'preemptionPolicy', 'setHostnameAsFQDN', 'hostUsers', 'hostnameOverride',
  // SecurityContext and PodSecurityContext
  'privileged', 'runAsUser', 'runAsGroup', 'runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'procMount',
  'fsGroup', 'fsGroupChangePolicy', 'supplementalGroupsPolicy', 'seLinuxChangePolicy', 'localhostProfile',
  'gmsaCredentialSpecName', 'gmsaCredentialSpec', 'runAsUserName', 'hostProcess',
  // Probes, volume mounts, tolerations, topology spread constraints
  'service', 'recursiveReadOnly', 'mountPropagation', 'tolerationSeconds', 'minDomains', 'nodeAffinityPolicy', 'nodeTaintsPolicy',
  // Volumes and env sources
  'defaultMode', 'mode', 'optional', 'sizeLimit', 'type', 'expirationSeconds', 'cachingMode', 'kind', 'volumeMode',
  'storageClassName', 'volumeAttributesClassName', 'resourceClaimName', 'resourceClaimTemplateName',
]);

function comparableTemplate(template: PodTemplateSpec, options: TemplateEqualityOptions): string {
  const defaulted = withPodDefaults(template);
  const { metadata, spec } = defaulted;
  const comparable = {
    ...defaulted,
    metadata:
      metadata == null
        ? undefined
        : {
            ...metadata,
            creationTimestamp: undefined,
            labels: without(metadata.labels, [POD_TEMPLATE_HASH_LABEL, ...(options.ignoreLabels ?? [])]),
            annotations: without(metadata.annotations, options.ignoreAnnotations ?? []),
          },
    spec: spec == null ? undefined : { ...spec, serviceAccount: undefined, affinity: withoutInjectedAntiAffinity(spec.affinity) },
  };
  return canonicalJson(normalize(comparable, undefined) ?? {});
}

function without(map: StringMap | null | undefined, keys: readonly string[]): StringMap | null | undefined {
  if (map == null) return map;
  const out: Record<string, string> = { ...map };
  for (const key of keys) delete out[key];
  return out;
}

function withoutInjectedAntiAffinity(affinity: Json | null | undefined): Json | null | undefined {
  if (!isObject(affinity) || !isObject(affinity.podAntiAffinity)) return affinity;
  const anti = affinity.podAntiAffinity;
  const required = anti.requiredDuringSchedulingIgnoredDuringExecution;
  const preferred = anti.preferredDuringSchedulingIgnoredDuringExecution;
  return {
    ...affinity,
    podAntiAffinity: {
      ...anti,
      ...(Array.isArray(required)
        ? { requiredDuringSchedulingIgnoredDuringExecution: required.filter((term) => !(isObject(term) && selectsOnHash(term.labelSelector))) }
        : {}),
      ...(Array.isArray(preferred)
        ? {
            preferredDuringSchedulingIgnoredDuringExecution: preferred.filter(
              (term) => !(isObject(term) && isObject(term.podAffinityTerm) && selectsOnHash(term.podAffinityTerm.labelSelector)),
            ),
          }
        : {}),
    },
  };
}

function selectsOnHash(selector: Json | undefined): boolean {
  if (!isObject(selector)) return false;
  const expressions = selector.matchExpressions;
  if (Array.isArray(expressions) && expressions.some((e) => isObject(e) && e.key === POD_TEMPLATE_HASH_LABEL)) return true;
  return isObject(selector.matchLabels) && Object.prototype.hasOwnProperty.call(selector.matchLabels, POD_TEMPLATE_HASH_LABEL);
}

/**
 * The comparable form of a value found under `key`, or `undefined` for "as good as absent": null, an empty
 * object or array, and (inside objects, for non-pointer fields) a zero scalar.
 */
function normalize(value: unknown, key: string | undefined): unknown {
  if (value == null) return undefined;
  if (Array.isArray(value)) {
    // Elements keep their places: an element that normalizes to nothing stays as `null`.
    return value.length === 0 ? undefined : value.map((item: unknown) => normalize(item, undefined) ?? null);
  }
  if (typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  if (key !== undefined && MAP_FIELDS.has(key)) {
    for (const [k, v] of Object.entries(value)) {
      const n = QUANTITY_MAPS.has(key) ? normalizeQuantity(v) : normalize(v, undefined);
      if (n !== undefined) out[k] = n;
    }
  } else {
    for (const [k, v] of Object.entries(value)) {
      const n = QUANTITY_FIELDS.has(k) ? normalizeQuantity(v) : normalize(v, k);
      if (n === undefined || (isZero(n) && !POINTER_FIELDS.has(k))) continue;
      out[k] = n;
    }
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** A quantity as its value in base units; text that does not parse is kept as it is. */
function normalizeQuantity(value: unknown): unknown {
  if (typeof value !== 'string' && typeof value !== 'number') return normalize(value, undefined);
  const parsed = parseQuantity(value);
  return E.isRight(parsed) ? parsed.right.value : value;
}

function isZero(value: unknown): boolean {
  return value === 0 || value === '' || value === false;
}

function isObject(value: unknown): value is { readonly [key: string]: Json } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------------
// ReplicaSets

function withEphemeralMetadata(rs: ReplicaSet, options: TemplateEqualityOptions): TemplateEqualityOptions {
  const recorded = rs.metadata?.annotations?.[EPHEMERAL_METADATA_ANNOTATION];
  if (recorded == null) return options;
  let metadata: unknown;
  try {
    metadata = JSON.parse(recorded);
  } catch {
    return options; // not ours to judge: compare without it
  }
  if (!isObject(metadata)) return options;
  const keys = (map: unknown): readonly string[] => (isObject(map) ? Object.keys(map) : []);
  return {
    ignoreLabels: [...(options.ignoreLabels ?? []), ...keys(metadata.labels)],
    ignoreAnnotations: [...(options.ignoreAnnotations ?? []), ...keys(metadata.annotations)],
  };
}

function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = creationTime(a);
  const tb = creationTime(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Milliseconds since the epoch; a missing or unreadable time sorts first, like Go's zero time. */
function creationTime(rs: ReplicaSet): number {
  const text = rs.metadata?.creationTimestamp;
  const time = text == null ? undefined : fromRfc3339(text);
  return time ?? Number.NEGATIVE_INFINITY;
}
