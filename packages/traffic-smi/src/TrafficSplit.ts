/**
 * The SMI TrafficSplit a Rollout routes through, computed from the weights: pure functions, no I/O.
 */
import type { AdditionalDestination, RoutingContext } from '@rollouts/plugin-sdk';

/** The TrafficSplit API versions the router can write. */
export type TrafficSplitApiVersion = 'split.smi-spec.io/v1alpha1' | 'split.smi-spec.io/v1alpha2' | 'split.smi-spec.io/v1alpha3';

/** Every TrafficSplit API version the router writes. */
export const TRAFFIC_SPLIT_API_VERSIONS: ReadonlyArray<TrafficSplitApiVersion> = ['split.smi-spec.io/v1alpha1', 'split.smi-spec.io/v1alpha2', 'split.smi-spec.io/v1alpha3'];

/**
 * The API version a `--traffic-split-api-version` value names: Argo's spelling is the bare version (`v1alpha2`);
 * the full `split.smi-spec.io/v1alpha2` is accepted too. Anything else throws (a start-up error), naming the
 * versions there are.
 */
export function parseTrafficSplitApiVersion(flag: string): TrafficSplitApiVersion {
  const full = flag.includes('/') ? flag : `split.smi-spec.io/${flag}`;
  const found = TRAFFIC_SPLIT_API_VERSIONS.find((v) => v === full);
  if (found === undefined) throw new Error(`--traffic-split-api-version: "${flag}" is not a TrafficSplit version this router writes (v1alpha1, v1alpha2, v1alpha3)`);
  return found;
}

/** The default, as upstream's `--traffic-split-api-version`. */
export const DEFAULT_TRAFFIC_SPLIT_API_VERSION: TrafficSplitApiVersion = 'split.smi-spec.io/v1alpha1';

/** One backend of a TrafficSplit; v1alpha1 weights are Quantities (strings such as `"30"`), later ones integers. */
export interface TrafficSplitBackend {
  readonly service: string;
  readonly weight: number | string;
}

/** `spec` of the TrafficSplit. */
export interface TrafficSplitSpec {
  readonly service: string;
  readonly backends: ReadonlyArray<TrafficSplitBackend>;
}

/**
 * Backends: the canary Service gets `weight`, each experiment destination its weight, the stable Service
 * what is left of `ctx.maxWeight` (never below 0). `service` is `rootService`, default the stable Service.
 */
export function trafficSplitSpec(apiVersion: TrafficSplitApiVersion, rootService: string | undefined, ctx: RoutingContext, weight: number, additional: ReadonlyArray<AdditionalDestination>): TrafficSplitSpec {
  const asWeight = (w: number): number | string => (apiVersion === 'split.smi-spec.io/v1alpha1' ? String(w) : w);
  const rest = Math.max(0, ctx.maxWeight - weight - additional.reduce((sum, d) => sum + d.weight, 0));
  return {
    service: rootService ?? ctx.stableService,
    backends: [
      { service: ctx.canaryService, weight: asWeight(weight) },
      ...additional.map((d) => ({ service: d.serviceName, weight: asWeight(d.weight) })),
      { service: ctx.stableService, weight: asWeight(rest) },
    ],
  };
}
