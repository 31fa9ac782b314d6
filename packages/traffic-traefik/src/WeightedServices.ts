/**
 * The weights of a TraefikService's weighted round robin (`spec.weighted.services[]`), computed from the
 * Rollout's weights: pure functions, no I/O.
 */
import type { AdditionalDestination, RoutingContext } from '@rollouts/plugin-sdk';

/** One entry of `spec.weighted.services[]`; fields the router does not read are kept as they are. */
export interface WeightedService {
  readonly name: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly weight?: number;
  readonly [field: string]: unknown;
}

/** Why the entries could not be weighted, with the field path inside the TraefikService. */
export interface WeightedServicesProblem {
  readonly path: string;
  readonly message: string;
}

export type WeightedServicesResult = { readonly ok: true; readonly services: ReadonlyArray<WeightedService> } | { readonly ok: false; readonly problem: WeightedServicesProblem };

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Whether entry `e` is the Kubernetes Service `service` of the Rollout's namespace: same name, kind `Service`
 * (the default) and no other namespace. An entry of kind `TraefikService` with the same name is another object.
 */
function names(e: Record<string, unknown>, service: string, namespace: string): boolean {
  const kind = e['kind'];
  const ns = e['namespace'];
  return e['name'] === service && (kind === undefined || kind === 'Service') && (ns === undefined || ns === '' || ns === namespace);
}

/**
 * The entries of `spec` (a TraefikService's spec) with the canary Service at `weight` and the stable Service at
 * `ctx.maxWeight - weight` (Traefik's weights are relative, so the pair keeps the Rollout's proportion). Every
 * other entry is kept unchanged. Experiment destinations cannot be expressed (their Services are not listed):
 * they are reported, never dropped.
 */
export function weightedServices(spec: unknown, ctx: RoutingContext, weight: number, additional: ReadonlyArray<AdditionalDestination>): WeightedServicesResult {
  const fail = (path: string, message: string): WeightedServicesResult => ({ ok: false, problem: { path, message } });
  if (additional.length > 0)
    return fail(
      'spec.weighted.services',
      `the traefik router cannot send traffic to experiment Services (${additional.map((d) => d.serviceName).join(', ')}): they are not entries of the TraefikService; remove \`weight\` from the experiment templates`,
    );
  const weighted = isRecord(spec) ? spec['weighted'] : undefined;
  const services = isRecord(weighted) ? weighted['services'] : undefined;
  if (!Array.isArray(services)) return fail('spec.weighted.services', 'spec.weighted.services was not found (the TraefikService must be a weighted round robin listing the canary and stable Services)');
  const entries = services as unknown[];
  const indexOf = (service: string, role: string): number | WeightedServicesResult => {
    const hits = entries.flatMap((e, i) => (isRecord(e) && names(e, service, ctx.namespace) ? [i] : []));
    if (hits.length === 0) return fail('spec.weighted.services', `traefik ${role} service was not found: no entry of spec.weighted.services names the Service \`${service}\``);
    if (hits.length > 1) return fail(`spec.weighted.services[${hits[1]}]`, `the ${role} Service \`${service}\` is listed ${hits.length} times in spec.weighted.services (entries ${hits.join(', ')}); list it once`);
    return hits[0] as number;
  };
  if (ctx.canaryService === ctx.stableService) return fail('spec.weighted.services', `the canary and stable Services are both \`${ctx.canaryService}\`: the TraefikService cannot split traffic between them`);
  const canary = indexOf(ctx.canaryService, 'canary');
  if (typeof canary !== 'number') return canary;
  const stable = indexOf(ctx.stableService, 'stable');
  if (typeof stable !== 'number') return stable;
  const stableWeight = Math.max(0, ctx.maxWeight - weight);
  return {
    ok: true,
    services: entries.map((e, i) => (i === canary ? { ...(e as WeightedService), weight } : i === stable ? { ...(e as WeightedService), weight: stableWeight } : (e as WeightedService))),
  };
}
