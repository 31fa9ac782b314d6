/**
 * The canary Ingress of an NGINX-routed Rollout, computed from the stable Ingress: pure functions, no I/O.
 *
 * ingress-nginx splits traffic between an Ingress and a second one marked `<prefix>/canary: "true"` for the
 * same host and path; the canary one names the canary Service and carries the weight (and, optionally, a
 * header that always selects it).
 */
import type { NginxTrafficRouting, StringMatch } from '@rollouts/api';
import type { HeaderRoute, KubeObject, PluginError, RoutingContext } from '@rollouts/plugin-sdk';
import { PluginErrors } from '@rollouts/plugin-sdk';

/** `nginx.ingress.kubernetes.io`, unless `annotationPrefix` says otherwise. */
export const DEFAULT_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io';
/** The annotation naming the managed header route a canary Ingress carries (one at most: NGINX matches one header). */
export const HEADER_ROUTE_ANNOTATION = 'argo-rollouts.argoproj.io/canary-header-route';
/** The Ingress class annotation, copied from the stable Ingress when present. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const MAX_NAME = 253;
const CANARY_SUFFIX = '-canary';

/** `<rollout>-<stableIngress>-canary`, the prefix cut so the whole name fits in 253 characters. */
export function canaryIngressName(rolloutName: string, stableIngress: string): string {
  const prefix = `${rolloutName}-${stableIngress}`;
  return `${prefix.slice(0, MAX_NAME - CANARY_SUFFIX.length)}${CANARY_SUFFIX}`;
}

/** The stable Ingresses a configuration names: `stableIngress` first, then `stableIngresses`, without repeats. */
export function stableIngressesOf(config: NginxTrafficRouting): string[] {
  const names = [...(config.stableIngress != null && config.stableIngress !== '' ? [config.stableIngress] : []), ...(config.stableIngresses ?? [])];
  return [...new Set(names)];
}

/** The annotation keys of the header route (`canary-by-header`, `-value`, `-pattern`). */
export function headerAnnotationKeys(prefix: string): readonly [string, string, string] {
  return [`${prefix}/canary-by-header`, `${prefix}/canary-by-header-value`, `${prefix}/canary-by-header-pattern`];
}

/**
 * The annotations a header route becomes: `canary-by-header` with `-value` (exact) or `-pattern` (regex).
 * NGINX matches one header per canary Ingress and has no prefix match: those are `PluginUnsupported`.
 */
export function headerAnnotations(prefix: string, route: HeaderRoute): Record<string, string> | PluginError {
  const [byHeader, byValue, byPattern] = headerAnnotationKeys(prefix);
  if (route.match.length !== 1)
    return PluginErrors.pluginUnsupported({ message: `the nginx traffic router matches exactly one header per route; setHeaderRoute ${route.name} has ${route.match.length}` });
  const m = route.match[0]!;
  const value: StringMatch = m.headerValue;
  const base = { [HEADER_ROUTE_ANNOTATION]: route.name, [byHeader]: m.headerName };
  if (value.exact != null) return { ...base, [byValue]: value.exact };
  if (value.regex != null) return { ...base, [byPattern]: value.regex };
  if (value.prefix != null) return PluginErrors.pluginUnsupported({ message: `the nginx traffic router cannot match a header by prefix (setHeaderRoute ${route.name}, header ${m.headerName}); use exact or regex` });
  return PluginErrors.pluginUnsupported({ message: `setHeaderRoute ${route.name}: header ${m.headerName} has no exact or regex value` });
}

/**
 * The annotations the router owns on a canary Ingress, except the header route: `canary`, `canary-weight`,
 * `canary-weight-total` (only with `maxTrafficWeight`), the Ingress class annotation, and the configured
 * additional (prefixed) and canary (verbatim) annotations.
 */
export function canaryAnnotations(config: NginxTrafficRouting, ctx: RoutingContext, stable: KubeObject, weight: number): Record<string, string> {
  const prefix = config.annotationPrefix ?? DEFAULT_ANNOTATION_PREFIX;
  const out: Record<string, string> = {};
  const ingressClass = stable.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (ingressClass !== undefined) out[INGRESS_CLASS_ANNOTATION] = ingressClass;
  for (const [k, v] of Object.entries(config.additionalIngressAnnotations ?? {})) out[k.startsWith(`${prefix}/`) ? k : `${prefix}/${k}`] = v;
  for (const [k, v] of Object.entries(config.canaryIngressAnnotations ?? {})) out[k] = v;
  out[`${prefix}/canary`] = 'true';
  out[`${prefix}/canary-weight`] = String(weight);
  if (ctx.rollout.spec.strategy?.canary?.trafficRouting?.maxTrafficWeight != null) out[`${prefix}/canary-weight-total`] = String(ctx.maxWeight);
  return out;
}

interface IngressBackend {
  readonly service?: { readonly name?: string; readonly [k: string]: unknown } | null;
  readonly [k: string]: unknown;
}
interface IngressPath {
  readonly backend?: IngressBackend | null;
  readonly [k: string]: unknown;
}
interface IngressRule {
  readonly http?: { readonly paths?: ReadonlyArray<IngressPath> | null; readonly [k: string]: unknown } | null;
  readonly [k: string]: unknown;
}
/** The parts of an Ingress spec the canary copies. */
export interface CanaryIngressSpec {
  readonly rules: ReadonlyArray<IngressRule>;
  readonly tls?: unknown;
  readonly ingressClassName?: unknown;
}

/**
 * The canary Ingress spec: every stable rule with a path whose backend is the stable Service, copied whole
 * with those backends switched to the canary Service; TLS and `ingressClassName` copied.
 */
export function canaryIngressSpec(stable: KubeObject, ctx: RoutingContext): CanaryIngressSpec | PluginError {
  const spec = (stable.spec ?? {}) as { rules?: ReadonlyArray<IngressRule> | null; tls?: unknown; ingressClassName?: unknown };
  const usesStable = (p: IngressPath) => p.backend?.service?.name === ctx.stableService;
  const rules = (spec.rules ?? [])
    .filter((r) => (r.http?.paths ?? []).some(usesStable))
    .map((r) => ({
      ...r,
      http: { ...r.http, paths: (r.http?.paths ?? []).map((p) => (usesStable(p) ? { ...p, backend: { ...p.backend, service: { ...p.backend?.service, name: ctx.canaryService } } } : p)) },
    }));
  if (rules.length === 0)
    return PluginErrors.routerMisconfigured({ message: `ingress \`${stable.metadata.name}\` has no rules using service ${ctx.stableService} backend`, path: 'spec.strategy.canary.trafficRouting.nginx' });
  return { rules, ...(spec.tls != null ? { tls: spec.tls } : {}), ...(spec.ingressClassName != null ? { ingressClassName: spec.ingressClassName } : {}) };
}

/** The controller ownerReference to the Rollout. */
export function rolloutOwnerReference(ctx: RoutingContext): { apiVersion: string; kind: string; name: string; uid: string; controller: true; blockOwnerDeletion: true } | PluginError {
  const uid = ctx.rollout.metadata?.uid;
  const name = ctx.rollout.metadata?.name;
  if (uid == null || uid === '' || name == null)
    return PluginErrors.routerMisconfigured({ message: `the Rollout has no metadata.uid to own its canary Ingress` });
  return { apiVersion: ctx.rollout.apiVersion ?? 'argoproj.io/v1alpha1', kind: 'Rollout', name, uid, controller: true, blockOwnerDeletion: true };
}

/** Whether `object` is controlled by the Rollout (a controller ownerReference with its uid). */
export function controlledByRollout(object: KubeObject, ctx: RoutingContext): boolean {
  return (object.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === ctx.rollout.metadata?.uid);
}

/** Whether a value is a PluginError (the pure functions return them instead of throwing). */
export function isPluginError(x: unknown): x is PluginError {
  return typeof x === 'object' && x !== null && typeof (x as { _tag?: unknown })._tag === 'string' && typeof (x as { retryable?: unknown }).retryable === 'boolean';
}
