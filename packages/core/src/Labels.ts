/**
 * The label and annotation keys the controller writes, exactly as Argo Rollouts writes them, so either
 * controller can take over objects the other created.
 */

import { MANAGED_BY_ROLLOUTS_ANNOTATION, POD_TEMPLATE_HASH_LABEL } from '@rollouts/api';

// Constants rather than re-exports: a re-export compiles to a getter, read on every use in the hot path.
/** On ReplicaSets, their pods, and in Service selectors / DestinationRule subsets: which revision. */
export const POD_TEMPLATE_HASH = POD_TEMPLATE_HASH_LABEL;
/** On Services the Rollout selects, value = rollout name. */
export const MANAGED_BY = MANAGED_BY_ROLLOUTS_ANNOTATION;
/** Revision number, on the Rollout, its ReplicaSets and AnalysisRuns. */
export const REVISION = 'rollout.argoproj.io/revision';
/** `spec.replicas` of the Rollout when the ReplicaSet was last scaled (used by saturation checks). */
export const DESIRED_REPLICAS = 'rollout.argoproj.io/desired-replicas';
/** JSON of the ephemeral metadata injected into a ReplicaSet's template. */
export const EPHEMERAL_METADATA = 'rollout.argoproj.io/ephemeral-metadata';
/** Bare key (no prefix), as upstream: RFC 3339 time after which an old ReplicaSet is scaled to 0. */
export const SCALE_DOWN_DEADLINE = 'scale-down-deadline';
/** AnalysisRun labels. */
export const ROLLOUT_TYPE = 'rollout-type';
export const STEP_INDEX = 'step-index';
export const ROLLOUT_TYPE_STEP = 'Step';
export const ROLLOUT_TYPE_BACKGROUND = 'Background';
export const ROLLOUT_TYPE_PRE_PROMOTION = 'PrePromotion';
export const ROLLOUT_TYPE_POST_PROMOTION = 'PostPromotion';

/**
 * On Rollouts, AnalysisRuns and Experiments: the controller that reconciles them (`--instance-id`; a controller
 * without one takes the objects without the label). Copied from a Rollout onto the AnalysisRuns and Experiments
 * made for it, and from an Experiment onto its AnalysisRuns, as upstream's `analysisutil.GetInstanceID` does, so
 * the controller that created them is the one that reconciles them.
 */
export const INSTANCE_ID = 'argo-rollouts.argoproj.io/controller-instance-id';

type Labelled = { readonly metadata?: { readonly labels?: Readonly<Record<string, string>> | null } | null };

/** Set, in `labels`, the instance id `owner` carries (nothing when it has none or an empty one); `labels` back. */
export function withInstanceIdOf(owner: Labelled, labels: Record<string, string>): Record<string, string> {
  const id = owner.metadata?.labels?.[INSTANCE_ID];
  if (id != null && id !== '') labels[INSTANCE_ID] = id;
  return labels;
}

/** The labels of the Experiment of a Rollout's experiment step: the revision's pod-template hash and the instance id. */
export const stepExperimentLabels = (rollout: Labelled, podTemplateHash: string): Record<string, string> =>
  withInstanceIdOf(rollout, { [POD_TEMPLATE_HASH]: podTemplateHash });
