/**
 * Semantic validation of an Experiment. Upstream's controller checks the templates in index order and sets
 * the `InvalidSpec` condition from the first problem; this reports all of them at their field paths.
 *
 * Rule ids: `E1`–`E5` are upstream's (messages exact). Ours: `EX1` an empty or unparsable `spec.duration`
 * (upstream silently runs without a limit), `EX2` an analysis without name or templateName, `EX3` two
 * analyses with the same name (their AnalysisRuns would share the name `<experiment>-<analysis>`).
 * Numbers (ours, as for Rollouts): `N1` a number that does not fit its integer type, `N2` a negative replica
 * count, readiness, deadline, delay or retention limit, `N8` a dryRun / measurementRetention pattern that is
 * not a valid Go regexp.
 */
import * as E from 'fp-ts/lib/Either';
import { childPath } from '../Schema';
import { parseGoDuration } from '../Duration';
import type { LabelSelector } from '../Kubernetes';
import { ExperimentSpec, type Experiment } from '../Experiment';
import { numericFieldProblems } from './Numbers';
import { compileMetricNameRule } from './Analysis';
import type { ValidationError } from '../Validation';

/** Upstream's default `progressDeadlineSeconds` for experiments. */
export const EXPERIMENT_DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/**
 * Whether a selector selects every pod. Upstream compares with `{}` only, so `matchLabels: {}` slips
 * through there; we treat an empty `matchLabels` and an empty `matchExpressions` as empty too, since they
 * select every pod just the same.
 */
function selectsAllPods(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** Validate an Experiment: every problem upstream's controller would stop at, and a few it lets through. */
export function validateExperiment(exp: Experiment): ValidationError[] {
  const name = exp.metadata?.name ?? '';
  const spec = exp.spec;
  const errors: ValidationError[] = experimentRanges(spec);
  const deadline = spec.progressDeadlineSeconds ?? EXPERIMENT_DEFAULT_PROGRESS_DEADLINE_SECONDS;
  const seenTemplates = new Set<string>();
  (spec.templates ?? []).forEach((t, i) => {
    const at = childPath('spec.templates', i);
    // The schema requires a selector; this guards objects that were not decoded.
    const selector = t.selector as LabelSelector | null | undefined;
    if (selector == null) {
      errors.push({ rule: 'E1', path: childPath(at, 'selector'), type: 'Required', message: `Rollout has missing field '.Spec.Templates[${i}].Selector'` });
    } else if (selectsAllPods(selector)) {
      errors.push({
        rule: 'E2',
        path: childPath(at, 'selector'),
        type: 'Invalid',
        value: selector,
        message: `This experiment is selecting all pods at index ${i}. A non-empty selector is required.`,
      });
    }
    if ((t.minReadySeconds ?? 0) > deadline) {
      errors.push({
        rule: 'E3',
        path: childPath(at, 'minReadySeconds'),
        type: 'Invalid',
        value: t.minReadySeconds,
        message: `MinReadySeconds cannot be longer than ProgressDeadlineSeconds. Check template index ${i}`,
      });
    }
    if (!t.name) {
      errors.push({ rule: 'E4', path: childPath(at, 'name'), type: 'Required', message: `Experiment ${name} has empty template name at index ${i}` });
    } else if (seenTemplates.has(t.name)) {
      errors.push({
        rule: 'E5',
        path: childPath(at, 'name'),
        type: 'Invalid',
        value: t.name,
        message: `Experiment ${name} has repeated template name '${t.name}' in templates`,
      });
    }
    seenTemplates.add(t.name);
  });

  if (spec.duration != null) {
    if (spec.duration === '') {
      errors.push({ rule: 'EX1', path: 'spec.duration', type: 'Invalid', value: '', message: 'duration must be a Go duration such as "1h" or "30m", or be omitted to run until terminated; got an empty string' });
    } else {
      const parsed = parseGoDuration(spec.duration);
      if (E.isLeft(parsed)) {
        errors.push({ rule: 'EX1', path: 'spec.duration', type: 'Invalid', value: spec.duration, message: `duration must be a Go duration such as "1h" or "30m": ${parsed.left}` });
      }
    }
  }

  const seenAnalyses = new Set<string>();
  (spec.analyses ?? []).forEach((a, i) => {
    const at = childPath('spec.analyses', i);
    if (!a.name) errors.push({ rule: 'EX2', path: childPath(at, 'name'), type: 'Required', message: 'analysis name must not be empty (it names the AnalysisRun)' });
    else if (seenAnalyses.has(a.name)) {
      errors.push({
        rule: 'EX3',
        path: childPath(at, 'name'),
        type: 'Invalid',
        value: a.name,
        message: `analysis name '${a.name}' is used more than once; each analysis creates an AnalysisRun named '${name}-${a.name}'`,
      });
    }
    seenAnalyses.add(a.name);
    if (!a.templateName) {
      errors.push({ rule: 'EX2', path: childPath(at, 'templateName'), type: 'Required', message: `analysis '${a.name}' needs a templateName naming an AnalysisTemplate or ClusterAnalysisTemplate` });
    }
  });
  return errors;
}

/** `N1`, `N2` and `N8` of an Experiment's spec. */
function experimentRanges(spec: Experiment['spec']): ValidationError[] {
  const errors = numericFieldProblems(ExperimentSpec.node, spec, 'spec');
  const atLeast0 = (at: string, v: number | null | undefined): void => {
    if (v != null && Number.isSafeInteger(v) && v < 0) errors.push({ rule: 'N2', path: at, type: 'Invalid', value: v, message: 'must be greater than or equal to 0' });
  };
  atLeast0('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds);
  atLeast0('spec.scaleDownDelaySeconds', spec.scaleDownDelaySeconds);
  (spec.templates ?? []).forEach((t, i) => {
    atLeast0(childPath(childPath('spec.templates', i), 'replicas'), t.replicas);
    atLeast0(childPath(childPath('spec.templates', i), 'minReadySeconds'), t.minReadySeconds);
  });
  for (const field of ['dryRun', 'measurementRetention'] as const) {
    (spec[field] ?? []).forEach((rule, k) => {
      const compiled = compileMetricNameRule(rule.metricName);
      const at = childPath(childPath(childPath('spec', field), k), 'metricName');
      if (E.isLeft(compiled)) errors.push({ rule: 'N8', path: at, type: 'Invalid', value: rule.metricName, message: compiled.left.message });
    });
  }
  (spec.measurementRetention ?? []).forEach((r, k) => atLeast0(childPath(childPath('spec.measurementRetention', k), 'limit'), r.limit));
  return errors;
}
