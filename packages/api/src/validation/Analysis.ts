/**
 * Semantic validation of AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun: the checks Argo's
 * AnalysisRun controller makes before measuring (it stops at the first and puts the run in phase `Error`),
 * reported here all at once, each at its true field path.
 *
 * Rule ids (upstream's where upstream has one, see the validation catalogue §6.2 and §7):
 * - `AR1` (run) an arg with neither a value nor a secretKeyRef, or a `{{…}}` placeholder that names no declared arg;
 *   `TA2` the same placeholder check for a template (skipped when the template composes others).
 * - `AR2` (run) no metrics. `AR3` duplicate metric names. `M1`–`M10` ValidateMetric, `M11` (ours) an
 *   IntOrString count or limit that is neither an integer nor an `{{args.x}}` placeholder.
 * - `AR5` / `AR6` a dryRun / measurementRetention rule that matches no metric name; when the pattern is not a
 *   valid Go regexp, the message adds Go's reason (`error parsing regexp: …`), and it is reported even where
 *   the metrics are not all known. Upstream silently treats such a pattern as matching nothing.
 * - `TA1` an arg with both value and valueFrom. `TA3` a metric that runs indefinitely (`indefiniteMetrics`).
 * - Ours: `AN1` duplicate arg names, `AN2` empty arg name, `AN3` a template with neither metrics nor
 *   templates, `AN4` / `AN5` two dryRun / measurementRetention rules for the same metric name (upstream
 *   reports these when it builds a run from templates).
 * - Ours, numbers (`analysisSpecRanges`): `N1` a number that does not fit its integer type, `N2` a negative
 *   retention limit, TTL or provider timeout (upstream checks none of them).
 */
import * as E from 'fp-ts/lib/Either';
import { childPath, type IntOrString } from '../Schema';
import { parseGoDuration } from '../Duration';
import type { Argument, DryRun, MeasurementRetention } from '../Common';
import { AnalysisRunSpec, AnalysisTemplateSpec as AnalysisTemplateSpecCodec } from '../Analysis';
import type { AnalysisRun, AnalysisTemplate, AnalysisTemplateSpec, ClusterAnalysisTemplate, Metric, MetricProvider } from '../Analysis';
import { numericFieldProblems } from './Numbers';
import type { ValidationError } from '../Validation';
import { compileGoRegExp, type GoRegExp, type GoRegExpError } from '../GoRegExp';

// ---------------------------------------------------------------------------------------------------------
// Reading IntOrString counts and limits

const INTEGER = /^[+-]?\d+$/;
const ARGS_PLACEHOLDER = /^\{\{\s*args\.[^{}]+?\s*\}\}$/;
const ANY_PLACEHOLDER = /\{\{(.*?)\}\}/gs;

/**
 * How a count or limit reads: absent, an integer (numbers, and strings of digits as Go's `IntValue` reads
 * them), an `{{args.x}}` placeholder that only the run can resolve, or neither.
 */
export type CountReading =
  | { readonly kind: 'absent' }
  | { readonly kind: 'integer'; readonly value: number }
  | { readonly kind: 'placeholder'; readonly text: string }
  | { readonly kind: 'invalid'; readonly text: string };

/** Read a metric count or limit. */
export function readCount(v: IntOrString | null | undefined): CountReading {
  if (v == null) return { kind: 'absent' };
  if (typeof v === 'number') return { kind: 'integer', value: v };
  if (INTEGER.test(v)) return { kind: 'integer', value: Number.parseInt(v, 10) };
  if (ARGS_PLACEHOLDER.test(v)) return { kind: 'placeholder', text: v };
  return { kind: 'invalid', text: v };
}

/** The integer a reading stands for when it is known (absent reads as `absentAs`), else undefined. */
const known = (r: CountReading, absentAs: number | undefined): number | undefined =>
  r.kind === 'integer' ? r.value : r.kind === 'absent' ? absentAs : undefined;

const LIMIT_FIELDS = ['count', 'failureLimit', 'inconclusiveLimit', 'consecutiveErrorLimit', 'consecutiveSuccessLimit'] as const;

// ---------------------------------------------------------------------------------------------------------
// Metrics

/** The providers a metric configures, by name; each key of `plugin` counts as one (`plugin/<name>`). */
export function metricProviderNames(provider: MetricProvider | null | undefined): string[] {
  if (provider == null) return [];
  const names: string[] = [];
  for (const [k, v] of Object.entries(provider)) {
    if (v == null) continue;
    if (k === 'plugin') {
      if (typeof v === 'object' && !Array.isArray(v)) names.push(...Object.keys(v).map((p) => `plugin/${p}`));
      continue;
    }
    names.push(k);
  }
  return names;
}

const invalid = (rule: string, path: string, value: unknown, message: string): ValidationError => ({ rule, path, type: 'Invalid', value, message });
const required = (rule: string, path: string, message: string): ValidationError => ({ rule, path, type: 'Required', message });

const hasPlaceholder = (s: string): boolean => /\{\{.*?\}\}/s.test(s);

function checkDuration(rule: string, path: string, value: string | null | undefined, label: string): ValidationError[] {
  if (value == null || value === '' || hasPlaceholder(value)) return [];
  const parsed = parseGoDuration(value);
  return E.isLeft(parsed) ? [invalid(rule, path, value, `invalid ${label} string: ${parsed.left}`)] : [];
}

/**
 * Upstream's ValidateMetric (rules M1–M10, exact messages), plus M11. Upstream stops at the first failing
 * check; this reports every one that applies, at `<path>.<field>`. A count or limit that is an
 * `{{args.x}}` placeholder is not checked, since its value is known only once the run resolves it.
 */
export function validateMetric(metric: Metric, path: string): ValidationError[] {
  const errors: ValidationError[] = [];
  const at = (field: string) => childPath(path, field);
  const readings = Object.fromEntries(LIMIT_FIELDS.map((f) => [f, readCount(metric[f])])) as Record<(typeof LIMIT_FIELDS)[number], CountReading>;
  for (const f of LIMIT_FIELDS) {
    const r = readings[f];
    if (r.kind === 'invalid') errors.push(invalid('M11', at(f), r.text, `${f} must be an integer or {{args.<name>}}, got ${JSON.stringify(r.text)}`));
  }
  const count = known(readings.count, 0);
  const failureLimit = known(readings.failureLimit, 0);
  const inconclusiveLimit = known(readings.inconclusiveLimit, 0);
  const consecutiveErrorLimit = known(readings.consecutiveErrorLimit, undefined);
  const consecutiveSuccessLimit = known(readings.consecutiveSuccessLimit, 0);

  if (consecutiveSuccessLimit !== undefined && consecutiveSuccessLimit < 0) {
    errors.push(invalid('M1', at('consecutiveSuccessLimit'), metric.consecutiveSuccessLimit, 'consecutiveSuccessLimit must be >= 0'));
  }
  if (failureLimit !== undefined && failureLimit < -1) {
    errors.push(invalid('M2', at('failureLimit'), metric.failureLimit, 'failureLimit must be >= 0, or -1 to be disabled'));
  }
  if (consecutiveSuccessLimit === 0 && failureLimit === -1) {
    errors.push(invalid('M3', at('failureLimit'), metric.failureLimit, 'failureLimit and consecutiveSuccessLimit cannot both be disabled'));
  }
  if (inconclusiveLimit !== undefined && inconclusiveLimit < 0) {
    errors.push(invalid('M4', at('inconclusiveLimit'), metric.inconclusiveLimit, 'inconclusiveLimit must be >= 0'));
  }
  if (consecutiveErrorLimit !== undefined && consecutiveErrorLimit < 0) {
    errors.push(invalid('M5', at('consecutiveErrorLimit'), metric.consecutiveErrorLimit, 'consecutiveErrorLimit must be >= 0'));
  }
  if (count !== undefined && count > 0) {
    if (failureLimit !== undefined && consecutiveSuccessLimit !== undefined && consecutiveSuccessLimit >= 0) {
      if (failureLimit >= 0 && count < failureLimit + consecutiveSuccessLimit) {
        errors.push(
          invalid(
            'M6',
            at('count'),
            metric.count,
            `count (${count}) must be >= failureLimit + consecutiveSuccessLimit (${failureLimit} + ${consecutiveSuccessLimit}) if both >= 0`,
          ),
        );
      } else if (failureLimit === -1 && count < consecutiveSuccessLimit) {
        errors.push(invalid('M6', at('count'), metric.count, 'count must be >= consecutiveSuccessLimit'));
      }
    }
    if (inconclusiveLimit !== undefined && count < inconclusiveLimit) {
      errors.push(invalid('M6', at('count'), metric.count, 'count must be >= inconclusiveLimit'));
    }
  }
  if (count !== undefined && count > 1 && (metric.interval == null || metric.interval === '')) {
    errors.push(required('M7', at('interval'), 'interval must be specified when count > 1'));
  }
  errors.push(...checkDuration('M8', at('interval'), metric.interval, 'interval'));
  // Upstream names initialDelay "startDelay" in this message.
  errors.push(...checkDuration('M9', at('initialDelay'), metric.initialDelay, 'startDelay'));
  const providers = metricProviderNames(metric.provider);
  if (providers.length === 0) errors.push(required('M10', at('provider'), 'no provider specified'));
  else if (providers.length > 1) errors.push(invalid('M10', at('provider'), providers, 'multiple providers specified'));
  return errors;
}

// ---------------------------------------------------------------------------------------------------------
// dryRun / measurementRetention rules

/**
 * A dryRun or measurementRetention `metricName` rule, compiled: an unanchored Go regexp (`.*` selects all,
 * `web` selects `web-latency`), matched in linear time whatever the pattern. `Left` when Go would refuse the
 * pattern (upstream then silently selects no metric).
 */
export function compileMetricNameRule(rule: string): E.Either<GoRegExpError, (metricName: string) => boolean> {
  return E.map((re: GoRegExp) => (metricName: string) => re.test(metricName))(compileGoRegExp(rule));
}

/**
 * Whether a dryRun or measurementRetention `metricName` selects a metric: the rule is an unanchored Go
 * regexp (`.*` selects all, `web` selects `web-latency`); an invalid pattern, such as a bare `*`, selects none.
 */
export function metricNameRuleMatches(rule: string, metricName: string): boolean {
  const compiled = compileMetricNameRule(rule);
  return E.isRight(compiled) && compiled.right(metricName);
}

/** Upstream's message for a rule that selects no metric, with Go's reason when the pattern is invalid. */
export function unmatchedRuleMessage(error?: GoRegExpError): string {
  return `Rule didn't match any metric name(s)${error === undefined ? '' : `: ${error.message}`}`;
}

function checkRules(
  rules: ReadonlyArray<DryRun | MeasurementRetention> | null | undefined,
  path: string,
  metricNames: readonly string[] | undefined,
  ids: { unmatched: string; duplicate: string },
  duplicateLabel: string,
): ValidationError[] {
  const errors: ValidationError[] = [];
  const seen = new Map<string, number>();
  (rules ?? []).forEach((r, k) => {
    const at = childPath(childPath(path, k), 'metricName');
    const first = seen.get(r.metricName);
    if (first !== undefined) errors.push(invalid(ids.duplicate, at, r.metricName, `two ${duplicateLabel} metric rules have the same name '${r.metricName}'`));
    else seen.set(r.metricName, k);
    // An invalid pattern is reported even when the metrics are not all known (a composing template).
    const compiled = compileMetricNameRule(r.metricName);
    if (E.isLeft(compiled)) errors.push(invalid(ids.unmatched, at, r.metricName, unmatchedRuleMessage(compiled.left)));
    else if (metricNames !== undefined && !metricNames.some(compiled.right)) errors.push(invalid(ids.unmatched, at, r.metricName, unmatchedRuleMessage()));
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------------------
// Args and placeholders

function checkArgs(args: ReadonlyArray<Argument> | null | undefined, path: string, bothPrefix: string): ValidationError[] {
  const errors: ValidationError[] = [];
  const seen = new Map<string, number>();
  (args ?? []).forEach((a, i) => {
    const at = childPath(path, i);
    if (a.name === '') errors.push(required('AN2', childPath(at, 'name'), 'argument name must not be empty'));
    const first = seen.get(a.name);
    if (first !== undefined) {
      errors.push(invalid('AN1', childPath(at, 'name'), a.name, `argument '${a.name}' is declared more than once (first at ${childPath(path, first)})`));
    } else seen.set(a.name, i);
    if (a.value != null && a.valueFrom != null) {
      errors.push(invalid('TA1', at, a.name, `${bothPrefix}arg '${a.name}' has both Value and ValueFrom fields`));
    }
  });
  return errors;
}

/** Every string in a JSON value, with its path. */
function stringLeaves(v: unknown, path: string, out: Array<{ path: string; text: string }>): void {
  if (typeof v === 'string') out.push({ path, text: v });
  else if (Array.isArray(v)) v.forEach((x, i) => stringLeaves(x, childPath(path, i), out));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) stringLeaves(x, childPath(path, k), out);
}

/**
 * Placeholders in metrics that no declared arg resolves. Upstream substitutes `{{args.<name>}}` (tag
 * trimmed) into each metric's JSON and fails on any other `{{…}}` text, Go or Helm templating included.
 */
function unresolvedPlaceholders(metrics: ReadonlyArray<Metric>, path: string, argNames: ReadonlySet<string>, rule: string, prefix: string): ValidationError[] {
  const errors: ValidationError[] = [];
  metrics.forEach((m, i) => {
    const leaves: Array<{ path: string; text: string }> = [];
    stringLeaves(m, childPath(path, i), leaves);
    for (const leaf of leaves) {
      for (const match of leaf.text.matchAll(ANY_PLACEHOLDER)) {
        const tag = (match[1] ?? '').trim();
        if (tag.startsWith('args.') && argNames.has(tag.slice('args.'.length))) continue;
        errors.push(invalid(rule, leaf.path, leaf.text, `${prefix}failed to resolve ${match[0]}`));
      }
    }
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------------------
// Specs

function checkMetrics(metrics: ReadonlyArray<Metric>, path: string, duplicateMessage: (name: string) => string): ValidationError[] {
  const errors: ValidationError[] = [];
  const seen = new Set<string>();
  metrics.forEach((m, i) => {
    const at = childPath(path, i);
    if (seen.has(m.name)) errors.push(invalid('AR3', childPath(at, 'name'), m.name, duplicateMessage(m.name)));
    seen.add(m.name);
    errors.push(...validateMetric(m, at));
  });
  return errors;
}

/**
 * The numbers of an AnalysisRun's or a template's spec (at `path`): `N1` every integer fits its type, `N2`
 * retention limits, TTLs and provider timeouts are not negative. A controller reads the run leniently, so
 * these come here rather than making the run unreadable.
 */
export function analysisSpecRanges(spec: AnalysisRun['spec'] | AnalysisTemplateSpec, path = 'spec', kind: 'run' | 'template' = 'run'): ValidationError[] {
  const errors = numericFieldProblems(kind === 'run' ? AnalysisRunSpec.node : AnalysisTemplateSpecCodec.node, spec, path);
  const atLeast0 = (at: string, v: number | null | undefined): void => {
    if (v != null && Number.isSafeInteger(v) && v < 0) errors.push(invalid('N2', at, v, 'must be greater than or equal to 0'));
  };
  (spec.measurementRetention ?? []).forEach((r, k) => atLeast0(childPath(childPath(childPath(path, 'measurementRetention'), k), 'limit'), r.limit));
  const ttl = (spec as AnalysisRun['spec']).ttlStrategy;
  if (ttl != null) for (const f of ['secondsAfterCompletion', 'secondsAfterFailure', 'secondsAfterSuccess'] as const) atLeast0(childPath(childPath(path, 'ttlStrategy'), f), ttl[f]);
  (spec.metrics ?? []).forEach((m, i) => {
    const provider = childPath(childPath(childPath(path, 'metrics'), i), 'provider');
    atLeast0(childPath(childPath(provider, 'prometheus'), 'timeout'), m.provider?.prometheus?.timeout);
    atLeast0(childPath(childPath(provider, 'newRelic'), 'timeout'), m.provider?.newRelic?.timeout);
    atLeast0(childPath(childPath(provider, 'web'), 'timeoutSeconds'), m.provider?.web?.timeoutSeconds);
  });
  return errors;
}

/** Validate an AnalysisRun's spec: every problem that would put the run in phase `Error` before measuring. */
export function validateAnalysisRun(run: AnalysisRun): ValidationError[] {
  const spec = run.spec;
  const metrics = spec.metrics ?? [];
  const errors: ValidationError[] = analysisSpecRanges(spec);
  if (metrics.length === 0) errors.push(required('AR2', 'spec.metrics', 'no metrics specified'));
  errors.push(...checkArgs(spec.args, 'spec.args', ''));
  // The run controller fills secret args in; any other arg needs its value (fieldRefs are resolved by
  // whoever creates the run, so a fieldRef left in a run is never resolved).
  (spec.args ?? []).forEach((a, i) => {
    if (a.value == null && a.valueFrom?.secretKeyRef == null) errors.push(required('AR1', childPath('spec.args', i), `argument ${JSON.stringify(a.name)} was not supplied`));
  });
  errors.push(...unresolvedPlaceholders(metrics, 'spec.metrics', new Set((spec.args ?? []).map((a) => a.name)), 'AR1', ''));
  errors.push(...checkMetrics(metrics, 'spec.metrics', (name) => `duplicate name '${name}'`));
  const names = metrics.map((m) => m.name);
  errors.push(...checkRules(spec.dryRun, 'spec.dryRun', names, { unmatched: 'AR5', duplicate: 'AN4' }, 'Dry-Run'));
  errors.push(...checkRules(spec.measurementRetention, 'spec.measurementRetention', names, { unmatched: 'AR6', duplicate: 'AN5' }, 'Measurement Retention'));
  return errors;
}

function validateTemplateSpec(spec: AnalysisTemplateSpec, templateName: string, kind: string): ValidationError[] {
  const metrics = spec.metrics ?? [];
  const composes = (spec.templates ?? []).length > 0;
  const errors: ValidationError[] = analysisSpecRanges(spec, 'spec', 'template');
  if (metrics.length === 0 && !composes) {
    errors.push(required('AN3', 'spec.metrics', `${kind} needs at least one metric in spec.metrics or one template in spec.templates; found neither`));
  }
  const prefix = `AnalysisTemplate ${templateName}: `;
  errors.push(...checkArgs(spec.args, 'spec.args', prefix));
  // A composing template's metrics may use args declared by the templates it includes.
  if (!composes) errors.push(...unresolvedPlaceholders(metrics, 'spec.metrics', new Set((spec.args ?? []).map((a) => a.name)), 'TA2', prefix));
  errors.push(...checkMetrics(metrics, 'spec.metrics', (name) => `two metrics have the same name '${name}'`));
  // Rules may target metrics of included templates, so unmatched rules are only known without includes.
  const names = composes ? undefined : metrics.map((m) => m.name);
  errors.push(...checkRules(spec.dryRun, 'spec.dryRun', names, { unmatched: 'AR5', duplicate: 'AN4' }, 'Dry-Run'));
  errors.push(...checkRules(spec.measurementRetention, 'spec.measurementRetention', names, { unmatched: 'AR6', duplicate: 'AN5' }, 'Measurement Retention'));
  return errors;
}

/**
 * Validate an AnalysisTemplate on its own: the metric checks a run from it would fail, args, and rules.
 * Upstream never validates templates standalone; these are the checks that would fail later.
 */
export function validateAnalysisTemplate(t: AnalysisTemplate): ValidationError[] {
  return validateTemplateSpec(t.spec, t.metadata?.name ?? '', 'AnalysisTemplate');
}

/** Validate a ClusterAnalysisTemplate on its own, as `validateAnalysisTemplate` does. */
export function validateClusterAnalysisTemplate(t: ClusterAnalysisTemplate): ValidationError[] {
  return validateTemplateSpec(t.spec, t.metadata?.name ?? '', 'ClusterAnalysisTemplate');
}

// ---------------------------------------------------------------------------------------------------------
// TA3

function renderCount(v: IntOrString | null | undefined): string {
  return v == null ? '<nil>' : String(v);
}

/**
 * TA3: metrics that would run until terminated (an interval, and count absent, 0 or not a number), which a
 * Rollout's step or pre/post-promotion analysis refuses. A `{{args.x}}` count is read with the template's
 * own arg value; an arg without a value stands in as `dummy-value`, which is not a number, as upstream does.
 */
export function indefiniteMetrics(spec: AnalysisTemplateSpec, options: { readonly templateName?: string; readonly path?: string } = {}): ValidationError[] {
  const templateName = options.templateName ?? '';
  const path = options.path ?? 'spec';
  const argValues = new Map((spec.args ?? []).map((a) => [a.name, a.value ?? 'dummy-value'] as const));
  const errors: ValidationError[] = [];
  (spec.metrics ?? []).forEach((m, i) => {
    if (m.interval == null || m.interval === '') return;
    let count = m.count;
    if (typeof count === 'string' && ARGS_PLACEHOLDER.test(count)) {
      const name = count.replace(/^\{\{\s*args\./, '').replace(/\s*\}\}$/, '');
      count = argValues.get(name) ?? count;
    }
    const reading = readCount(count);
    if (reading.kind === 'integer' && reading.value !== 0) return;
    errors.push(
      invalid(
        'TA3',
        childPath(childPath(childPath(path, 'metrics'), i), 'count'),
        count ?? null,
        `AnalysisTemplate ${templateName} has metric ${m.name} which runs indefinitely. Invalid value for count: ${renderCount(count)}`,
      ),
    );
  });
  return errors;
}
