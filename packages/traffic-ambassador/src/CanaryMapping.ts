/**
 * The canary Mapping cloned from a base Mapping: its name, the Service it routes to, its spec. Pure functions,
 * no I/O.
 */

/** Longest base name kept, so that `<base>-canary` fits the 253 characters of an object name (as upstream). */
export const MAX_BASE_NAME_LENGTH = 246;

/** `<base>-canary`, the base name cut to {@link MAX_BASE_NAME_LENGTH} characters. */
export const canaryMappingName = (base: string): string => `${base.slice(0, MAX_BASE_NAME_LENGTH)}-canary`;

export type Derived<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly message: string };

/**
 * The canary's `spec.service`: the base's `[scheme://]service[.namespace][:port]` with the Service name (the
 * first label of the host) changed from the stable Service to the canary Service; scheme, namespace and port
 * are kept. A base Mapping that does not route to the stable Service is refused (upstream would keep routing
 * the "canary" Mapping to whatever it names).
 */
export function canaryService(service: unknown, stableService: string, canaryServiceName: string): Derived<string> {
  if (typeof service !== 'string' || service === '') return { ok: false, message: 'spec.service is missing' };
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^:/]+)(.*)$/.exec(service);
  const host = m?.[2] ?? '';
  const dot = host.indexOf('.');
  const name = dot < 0 ? host : host.slice(0, dot);
  if (m === null || name !== stableService)
    return { ok: false, message: `spec.service \`${service}\` does not route to the stable Service \`${stableService}\` (expected \`${stableService}\`, \`${stableService}.<namespace>\`, optionally with a scheme and a port)` };
  return { ok: true, value: `${m[1] ?? ''}${canaryServiceName}${dot < 0 ? '' : host.slice(dot)}${m[3] ?? ''}` };
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The canary Mapping's spec: the base's spec (prefix, host, rewrite, timeouts ... all kept) routing to the
 * canary Service with `weight`. A base Mapping that sets a weight itself is refused, as upstream does: the
 * base must take whatever the canary does not.
 */
export function canaryMappingSpec(baseSpec: unknown, stableService: string, canaryServiceName: string, weight: number): Derived<Record<string, unknown>> {
  const spec = isRecord(baseSpec) ? baseSpec : {};
  const baseWeight = spec['weight'];
  if (baseWeight !== undefined && baseWeight !== null && baseWeight !== 0) return { ok: false, message: `spec.weight is ${JSON.stringify(baseWeight)}: the base Mapping can not define weight (the canary Mapping takes its share)` };
  const service = canaryService(spec['service'], stableService, canaryServiceName);
  if (!service.ok) return service;
  return { ok: true, value: { ...spec, service: service.value, weight } };
}
