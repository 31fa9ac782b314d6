/**
 * Small shapes shared by several of the argoproj.io kinds.
 */
import { boolean, int32, partial, string, struct, type TypeOf } from './Schema';
import { StringMap } from './Kubernetes';

/** Labels and annotations to put on created objects (`canaryMetadata`, `analysisRunMetadata`, ...). */
export const PodTemplateMetadata = partial('PodTemplateMetadata', { labels: StringMap, annotations: StringMap });
export type PodTemplateMetadata = TypeOf<typeof PodTemplateMetadata>;

export const DryRun = struct('DryRun', { metricName: string() }, {});
export type DryRun = TypeOf<typeof DryRun>;

export const MeasurementRetention = struct('MeasurementRetention', { metricName: string(), limit: int32() }, {});
export type MeasurementRetention = TypeOf<typeof MeasurementRetention>;

export const FieldRef = struct('FieldRef', { fieldPath: string() }, {});
export type FieldRef = TypeOf<typeof FieldRef>;

export const SecretKeyRef = struct('SecretKeyRef', { name: string(), key: string() }, {});
export type SecretKeyRef = TypeOf<typeof SecretKeyRef>;

/** An argument of an AnalysisTemplate, AnalysisRun or Experiment analysis. */
export const Argument = struct(
  'Argument',
  { name: string() },
  { value: string(), valueFrom: partial('ValueFrom', { secretKeyRef: SecretKeyRef, fieldRef: FieldRef }) },
);
export type Argument = TypeOf<typeof Argument>;

/** Condition shape shared by Rollout and Experiment status. */
export const Condition = struct(
  'Condition',
  { type: string(), status: string() },
  { lastTransitionTime: string(), lastUpdateTime: string(), message: string(), reason: string() },
);
export type Condition = TypeOf<typeof Condition>;

/** A reference to an (Cluster)AnalysisTemplate. */
export const AnalysisTemplateRef = partial('AnalysisTemplateRef', { templateName: string(), clusterScope: boolean() });
export type AnalysisTemplateRef = TypeOf<typeof AnalysisTemplateRef>;

