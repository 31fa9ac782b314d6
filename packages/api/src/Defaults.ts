/**
 * Argo Rollouts' defaults: the value a field takes when the manifest leaves it out (absent or `null`).
 *
 * Decoding never fills these in (a decoded object is exactly what the user wrote), so every reader that needs
 * the effective value asks one of these functions. None of them changes its input.
 */
import type { IntOrString } from './Schema';

// ---------------------------------------------------------------------------------------------------------
// Rollout spec

/** `spec.replicas` of a Rollout (also the size percentages of canary weights and fenceposts are taken of). */
export const DEFAULT_REPLICAS = 1;

/** `spec.revisionHistoryLimit`: old ReplicaSets kept; also the upper bound of blue-green `scaleDownDelayRevisionLimit`. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** `spec.progressDeadlineSeconds`: seconds without progress before the Rollout is `Degraded`; must exceed `minReadySeconds`. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/** `spec.analysis.successfulRunHistoryLimit`: Successful AnalysisRuns and Experiments kept per Rollout. */
export const DEFAULT_SUCCESSFUL_RUN_HISTORY_LIMIT = 5;

/** `spec.analysis.unsuccessfulRunHistoryLimit`: Failed, Error or Inconclusive AnalysisRuns and Experiments kept per Rollout. */
export const DEFAULT_UNSUCCESSFUL_RUN_HISTORY_LIMIT = 5;

/** `spec.workloadRef.scaleDown`: the referenced Deployment is left as it is. */
export const DEFAULT_WORKLOAD_REF_SCALE_DOWN = 'never';

interface SpecLike {
  readonly replicas?: number | null;
  readonly revisionHistoryLimit?: number | null;
  readonly progressDeadlineSeconds?: number | null;
  readonly analysis?: { readonly successfulRunHistoryLimit?: number | null; readonly unsuccessfulRunHistoryLimit?: number | null } | null;
}

/** `spec.replicas`, or {@link DEFAULT_REPLICAS}. */
export const replicasOrDefault = (spec: SpecLike): number => spec.replicas ?? DEFAULT_REPLICAS;

/** `spec.revisionHistoryLimit`, or {@link DEFAULT_REVISION_HISTORY_LIMIT}. */
export const revisionHistoryLimitOrDefault = (spec: SpecLike): number => spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;

/** `spec.progressDeadlineSeconds`, or {@link DEFAULT_PROGRESS_DEADLINE_SECONDS}. */
export const progressDeadlineSecondsOrDefault = (spec: SpecLike): number => spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;

/** `spec.analysis.successfulRunHistoryLimit`, or {@link DEFAULT_SUCCESSFUL_RUN_HISTORY_LIMIT}. */
export const successfulRunHistoryLimitOrDefault = (spec: SpecLike): number =>
  spec.analysis?.successfulRunHistoryLimit ?? DEFAULT_SUCCESSFUL_RUN_HISTORY_LIMIT;

/** `spec.analysis.unsuccessfulRunHistoryLimit`, or {@link DEFAULT_UNSUCCESSFUL_RUN_HISTORY_LIMIT}. */
export const unsuccessfulRunHistoryLimitOrDefault = (spec: SpecLike): number =>
  spec.analysis?.unsuccessfulRunHistoryLimit ?? DEFAULT_UNSUCCESSFUL_RUN_HISTORY_LIMIT;

// ---------------------------------------------------------------------------------------------------------
// Strategies

/** Canary `maxSurge`. Any string is a percentage (`"25"` reads as `"25%"`); rounded up against `replicas`. */
export const DEFAULT_MAX_SURGE: IntOrString = '25%';

/** Canary and blue-green `maxUnavailable`; rounded down against `replicas`. Blue-green uses it only for restarts. */
export const DEFAULT_MAX_UNAVAILABLE: IntOrString = '25%';

/**
 * `scaleDownDelaySeconds`: how long the previous stable (canary with traffic routing) or previous active
 * (blue-green) ReplicaSet keeps its pods after the switch. A canary without traffic routing has no delay.
 * Blue-green with `postPromotionAnalysis` and no explicit delay instead waits for that analysis to succeed.
 */
export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;

/** Canary `scaleDownDelaySeconds` (traffic-routed canaries only; see {@link DEFAULT_SCALE_DOWN_DELAY_SECONDS}). */
export const DEFAULT_CANARY_SCALE_DOWN_DELAY_SECONDS = DEFAULT_SCALE_DOWN_DELAY_SECONDS;

/** Blue-green `scaleDownDelaySeconds` (see {@link DEFAULT_SCALE_DOWN_DELAY_SECONDS}). */
export const DEFAULT_BLUE_GREEN_SCALE_DOWN_DELAY_SECONDS = DEFAULT_SCALE_DOWN_DELAY_SECONDS;

/**
 * `abortScaleDownDelaySeconds`: after an abort, the canary (traffic-routed canaries only) or preview
 * (blue-green) ReplicaSet is scaled down this many seconds later. An explicit `0` means never.
 */
export const DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS = 30;

/** Blue-green `autoPromotionEnabled`: promote as soon as the preview is ready (false pauses with `BlueGreenPause`). */
export const DEFAULT_AUTO_PROMOTION_ENABLED = true;

/** Canary `trafficRouting.maxTrafficWeight`: the total weight, and the upper bound of `setWeight`. */
export const DEFAULT_MAX_TRAFFIC_WEIGHT = 100;

/** `setMirrorRoute.percentage`: share of matching traffic mirrored to the canary. */
export const DEFAULT_MIRROR_PERCENTAGE = 100;

/** Canary `replicaProgressThreshold`: a step may proceed once all of its desired canary pods are available. */
export const DEFAULT_REPLICA_PROGRESS_THRESHOLD: { readonly type: 'Percent'; readonly value: number } = { type: 'Percent', value: 100 };

/** `trafficRouting.nginx.annotationPrefix`. */
export const DEFAULT_NGINX_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io';

/** `trafficRouting.alb.annotationPrefix`. */
export const DEFAULT_ALB_ANNOTATION_PREFIX = 'alb.ingress.kubernetes.io';

interface TrafficRoutingLike {
  readonly maxTrafficWeight?: number | null;
}
interface CanaryLike {
  readonly maxSurge?: IntOrString | null;
  readonly maxUnavailable?: IntOrString | null;
  readonly trafficRouting?: TrafficRoutingLike | null;
  readonly scaleDownDelaySeconds?: number | null;
  readonly abortScaleDownDelaySeconds?: number | null;
}
interface BlueGreenLike {
  readonly maxUnavailable?: IntOrString | null;
  readonly scaleDownDelaySeconds?: number | null;
  readonly abortScaleDownDelaySeconds?: number | null;
  readonly autoPromotionEnabled?: boolean | null;
}
interface StrategySpecLike {
  readonly strategy?: { readonly canary?: CanaryLike | null; readonly blueGreen?: BlueGreenLike | null } | null;
}

/** Canary `maxSurge`, or {@link DEFAULT_MAX_SURGE} (also for a blue-green Rollout, which does not surge). */
export const maxSurgeOrDefault = (spec: StrategySpecLike): IntOrString => spec.strategy?.canary?.maxSurge ?? DEFAULT_MAX_SURGE;

/** `maxUnavailable` of the blue-green strategy, else of the canary strategy, else {@link DEFAULT_MAX_UNAVAILABLE}. */
export const maxUnavailableOrDefault = (spec: StrategySpecLike): IntOrString =>
  spec.strategy?.blueGreen?.maxUnavailable ?? spec.strategy?.canary?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;

/**
 * Seconds the previous stable/active ReplicaSet keeps its pods after a switch: blue-green and traffic-routed
 * canary use the field or {@link DEFAULT_SCALE_DOWN_DELAY_SECONDS}; a canary without traffic routing uses 0.
 */
export function scaleDownDelaySecondsOrDefault(spec: StrategySpecLike): number {
  const blueGreen = spec.strategy?.blueGreen;
  if (blueGreen != null) return blueGreen.scaleDownDelaySeconds ?? DEFAULT_BLUE_GREEN_SCALE_DOWN_DELAY_SECONDS;
  const canary = spec.strategy?.canary;
  if (canary?.trafficRouting != null) return canary.scaleDownDelaySeconds ?? DEFAULT_CANARY_SCALE_DOWN_DELAY_SECONDS;
  return 0;
}

/**
 * Seconds after an abort before the canary/preview ReplicaSet is scaled down, or `null` for "not delayed by
 * this setting": an explicit 0 (never scale down) or a canary without traffic routing (scaled down at once by
 * the rolling update). Blue-green and traffic-routed canary default to {@link DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS}.
 */
export function abortScaleDownDelaySecondsOrDefault(spec: StrategySpecLike): number | null {
  const blueGreen = spec.strategy?.blueGreen;
  const canary = spec.strategy?.canary;
  let seconds: number;
  if (blueGreen != null) seconds = blueGreen.abortScaleDownDelaySeconds ?? DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS;
  else if (canary?.trafficRouting != null) seconds = canary.abortScaleDownDelaySeconds ?? DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS;
  else return null;
  return seconds === 0 ? null : seconds;
}

/** Blue-green `autoPromotionEnabled`, or {@link DEFAULT_AUTO_PROMOTION_ENABLED}. */
export const autoPromotionEnabledOrDefault = (blueGreen: BlueGreenLike): boolean => blueGreen.autoPromotionEnabled ?? DEFAULT_AUTO_PROMOTION_ENABLED;

/** `trafficRouting.maxTrafficWeight`, or {@link DEFAULT_MAX_TRAFFIC_WEIGHT} (also when there is no traffic routing). */
export const maxTrafficWeightOrDefault = (canary: CanaryLike | null | undefined): number =>
  canary?.trafficRouting?.maxTrafficWeight ?? DEFAULT_MAX_TRAFFIC_WEIGHT;

// ---------------------------------------------------------------------------------------------------------
// Analysis metrics

/** A metric's `consecutiveErrorLimit`: measurements in phase `Error` in a row before the metric is `Error`. */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

/** A metric's `failureLimit`: any failed measurement fails the metric. */
export const DEFAULT_FAILURE_LIMIT = 0;

/** A metric's `inconclusiveLimit`: any inconclusive measurement makes the metric Inconclusive. */
export const DEFAULT_INCONCLUSIVE_LIMIT = 0;

/**
 * A metric's `consecutiveErrorLimit` as written (it may still be an `{{args.x}}` string until the run's
 * arguments are resolved), or {@link DEFAULT_CONSECUTIVE_ERROR_LIMIT}.
 */
export const consecutiveErrorLimitOrDefault = (metric: { readonly consecutiveErrorLimit?: IntOrString | null }): IntOrString =>
  metric.consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT;

/** A metric's `failureLimit` as written, or {@link DEFAULT_FAILURE_LIMIT}. */
export const failureLimitOrDefault = (metric: { readonly failureLimit?: IntOrString | null }): IntOrString => metric.failureLimit ?? DEFAULT_FAILURE_LIMIT;

/** A metric's `inconclusiveLimit` as written, or {@link DEFAULT_INCONCLUSIVE_LIMIT}. */
export const inconclusiveLimitOrDefault = (metric: { readonly inconclusiveLimit?: IntOrString | null }): IntOrString =>
  metric.inconclusiveLimit ?? DEFAULT_INCONCLUSIVE_LIMIT;
