/**
 * `@rollouts/api/testing`: generators for fuzz tests of anything that reads these kinds (needs `fast-check`).
 */
export {
  ANALYSIS_SPEC_BASES,
  EXPERIMENT_BASES,
  HOSTILE_INTEGERS,
  HOSTILE_STRINGS,
  ROLLOUT_BASES,
  crdSchema,
  hostileAnalysisRun,
  hostileAnalysisTemplate,
  hostileExperiment,
  hostileOverlay,
  hostileRollout,
  schemaArbitrary,
} from './HostileSpecs';
export type { HostileKind, HostileOptions } from './HostileSpecs';
