/**
 * Semantic validation of a Rollout: every rule that makes Argo Rollouts mark a Rollout `InvalidSpec` without
 * looking at other objects (catalogue §1–§4 and W2), reported all together, in upstream's order, with
 * upstream's messages.
 *
 * Where we differ from upstream, on purpose:
 *  - Paths are true field paths. Upstream hands both strategy validators `spec.strategy` and so reports
 *    `spec.strategy.maxSurge`; we report `spec.strategy.canary.maxSurge`. "No strategy" and "both strategies"
 *    go to `spec.strategy` (upstream: `spec.strategy.strategy`). More generally an error is reported at the
 *    field its value comes from: a header match at `…match[j].headerValue` (upstream: `…match[j]`), a
 *    mirror match at `…match[j].method` / `.path`, a missing managed route at `…setHeaderRoute.name`, the
 *    anti-affinity weight at `…antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight`
 *    (upstream: the non-existent `…antiAffinity.weight`), a bad analysis argument at
 *    `…args[k].valueFrom.fieldRef.fieldPath` (upstream: the non-existent `…steps[i].analyses`, with every
 *    argument of the step as the value; we give the bad field path).
 *  - ST2's value lists the step fields with `true` = set, as ST1's does (upstream inverts it in ST2).
 *  - ST12 checks a mirror match's `method` once and its `path` once (upstream checks `method` twice, so its
 *    errors come out twice).
 *  - "Plugins configured" means `trafficRouting.plugins` has at least one entry (`plugins: {}` is none).
 *  - B1 fires when activeService equals previewService, including both empty, as upstream does: activeService
 *    is required, so an empty one deserves an error anyway. An absent activeService next to a previewService
 *    is reported as Required (the API server's schema requires the field; our codec leaves it to us).
 */
import * as E from 'fp-ts/lib/Either';
import { childPath } from '../Schema';
import type { IntOrString } from '../Schema';
import type { ValidationError } from '../Validation';
import type {
  BlueGreenStrategy,
  CanaryStep,
  CanaryStrategy,
  AntiAffinity,
  Rollout,
  RolloutAnalysisArgument,
  RolloutTrafficRouting,
  StringMatch,
} from '../Rollout';
import { pauseDurationSeconds } from '../Duration';
import { DEFAULT_MAX_SURGE, DEFAULT_MAX_UNAVAILABLE, maxTrafficWeightOrDefault, progressDeadlineSecondsOrDefault, replicasOrDefault, revisionHistoryLimitOrDefault } from '../Defaults';
import { parseLabelSelector, qualifiedNameProblems, validateLabelSelector, validatePodTemplateSpecForReplicaSet } from './Kubernetes';
import { RolloutSpec } from '../Rollout';
import type { RolloutAnalysis, RolloutAnalysisBackground } from '../Rollout';
import { numericFieldProblems } from './Numbers';
import { compileMetricNameRule } from './Analysis';

/** How far the Rollout has been processed before validation. */
export interface ValidateRolloutOptions {
  /**
   * `spec.template` has been filled in from `spec.workloadRef` (the controller's state after resolving the
   * reference). Then R5 (template must be empty) is skipped and the pod template is checked (R7). Without it
   * — a manifest as written, as `lint` sees it — a workloadRef Rollout's template is not checked.
   */
  readonly templateResolvedFromRef?: boolean;
}

const SPEC = 'spec';
const STRATEGY = 'spec.strategy';
const CANARY = 'spec.strategy.canary';
const BLUE_GREEN = 'spec.strategy.blueGreen';

const NON_NEGATIVE = 'must be greater than or equal to 0';
const STEP_MESSAGE = 'Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause';
const STRING_MATCH_MISSING = 'StringMatch value missed, match value must have one of the following: exact, regex, prefix';
const STRING_MATCH_MULTIPLE = 'StringMatch match value must have exactly one of the following: exact, regex, prefix';
const TRAFFIC_ROUTING_SERVICES = 'Canary service and Stable service must to be set to use Traffic Routing';
const PING_PONG_SERVICES = 'Ping service and Pong service must to be set to use Ping-Pong feature';

const invalid = (rule: string, path: string, value: unknown, message: string): ValidationError => ({ rule, path, type: 'Invalid', value, message });
const required = (rule: string, path: string, message: string): ValidationError => ({ rule, path, type: 'Required', message });
const p = childPath;

/** Every problem Argo reports for this Rollout's spec (empty when valid). */
export function validateRollout(rollout: Rollout, options: ValidateRolloutOptions = {}): ValidationError[] {
  const spec = rollout.spec;
  const resolved = options.templateResolvedFromRef ?? false;
  const out: ValidationError[] = [];

  // N1: every number fits its type (a controller decodes leniently, so that these reach validation).
  out.push(...numericFieldProblems(RolloutSpec.node, spec, SPEC));

  // W2 (the controller checks the reference's kind before anything else).
  const ref = spec.workloadRef;
  if (ref != null) {
    const kind = ref.kind ?? '';
    const group = apiGroupOf(ref.apiVersion ?? '');
    const supported = (group === '' && kind === 'PodTemplate') || (group === 'apps' && (kind === 'Deployment' || kind === 'ReplicaSet'));
    if (!supported) out.push(invalid('W2', p(SPEC, 'workloadRef'), ref, `workload of type ${group}/${kind} is not supported`));
  }

  const replicas = replicasOrDefault(spec);
  if (replicas < 0) out.push(invalid('R1', p(SPEC, 'replicas'), replicas, NON_NEGATIVE));

  const selector = spec.selector;
  const selectorPath = p(SPEC, 'selector');
  if (ref == null) {
    if (selector == null) {
      out.push(required('R2', selectorPath, "Rollout has missing field '.spec.selector'"));
    } else {
      out.push(...validateLabelSelector(selector, selectorPath, 'R3'));
      if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
        out.push(invalid('R4', selectorPath, selector, 'empty selector is invalid for deployment'));
      }
    }
  }

  // R5: only labels and annotations make a template "non-empty" here, as upstream reads it.
  const templateMetadata = spec.template?.metadata;
  const emptyTemplate = Object.keys(templateMetadata?.labels ?? {}).length === 0 && Object.keys(templateMetadata?.annotations ?? {}).length === 0;
  if (!resolved && ref != null && !emptyTemplate) {
    out.push({ rule: 'R5', path: p(SPEC, 'template'), type: 'InternalError', message: 'template must be empty for workload reference rollout' });
  }

  if (E.isLeft(parseLabelSelector(selector))) {
    out.push(invalid('R6', selectorPath, selector, 'invalid label selector'));
  } else if (resolved || ref == null) {
    // A quantity that does not parse is left to the API server, as upstream's typed template leaves it.
    out.push(...validatePodTemplateSpecForReplicaSet(spec.template, selector, p(SPEC, 'template'), 'R7', { skipUnparsableQuantities: true }));
  }

  const minReadySeconds = spec.minReadySeconds ?? 0;
  if (minReadySeconds < 0) out.push(invalid('R8', p(SPEC, 'minReadySeconds'), minReadySeconds, NON_NEGATIVE));
  const revisionHistoryLimit = revisionHistoryLimitOrDefault(spec);
  if (revisionHistoryLimit < 0) out.push(invalid('R9', p(SPEC, 'revisionHistoryLimit'), revisionHistoryLimit, NON_NEGATIVE));
  const progressDeadlineSeconds = progressDeadlineSecondsOrDefault(spec);
  if (progressDeadlineSeconds < 0) out.push(invalid('R10', p(SPEC, 'progressDeadlineSeconds'), progressDeadlineSeconds, NON_NEGATIVE));
  if (progressDeadlineSeconds <= minReadySeconds) {
    out.push(invalid('R11', p(SPEC, 'progressDeadlineSeconds'), progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }

  const canary = spec.strategy?.canary;
  const blueGreen = spec.strategy?.blueGreen;
  if (canary == null && blueGreen == null) {
    out.push(required('S1', STRATEGY, "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'"));
  } else if (canary != null && blueGreen != null) {
    out.push(invalid('S2', STRATEGY, 'blueGreen: true canary: true', 'Multiple Strategies can not be listed'));
  } else if (blueGreen != null) {
    out.push(...validateBlueGreen(blueGreen, revisionHistoryLimit));
  } else if (canary != null) {
    out.push(...validateCanary(canary));
  }
  out.push(...rolloutRanges(rollout));
  return out;
}

/** The API group of an `apiVersion` as Kubernetes parses it (`v1` → core `""`, `apps/v1` → `apps`, malformed → `""`). */
function apiGroupOf(apiVersion: string): string {
  const slashes = apiVersion.split('/').length - 1;
  return slashes === 1 ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

// ---------------------------------------------------------------------------------------------------------
// Blue-green (§4)

function validateBlueGreen(bg: BlueGreenStrategy, revisionHistoryLimit: number): ValidationError[] {
  const out: ValidationError[] = [];
  const active = bg.activeService ?? '';
  const preview = bg.previewService ?? '';
  if (active === preview) {
    out.push(
      invalid('B1', p(BLUE_GREEN, 'activeService'), active, 'This rollout uses the same service for the active and preview services, but two different services are required.'),
    );
  } else if (bg.activeService == null) {
    out.push(required('B1', p(BLUE_GREEN, 'activeService'), ''));
  }
  const limit = bg.scaleDownDelayRevisionLimit;
  if (limit != null && revisionHistoryLimit < limit) {
    out.push(
      invalid('B2', p(BLUE_GREEN, 'scaleDownDelayRevisionLimit'), limit, "This rollout's revision history limit can not be smaller than the rollout's scale down limit"),
    );
  }
  out.push(...validateAntiAffinity(bg.antiAffinity, p(BLUE_GREEN, 'antiAffinity')));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Anti-affinity (§3.2)

function validateAntiAffinity(aa: AntiAffinity | null | undefined, path: string): ValidationError[] {
  if (aa == null) return [];
  const out: ValidationError[] = [];
  const preferred = aa.preferredDuringSchedulingIgnoredDuringExecution;
  const requiredTerm = aa.requiredDuringSchedulingIgnoredDuringExecution;
  if ((preferred == null) === (requiredTerm == null)) {
    const value = `antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution: ${preferred != null} antiAffinity.RequiredDuringSchedulingIgnoredDuringExecution: ${requiredTerm != null}`;
    out.push(invalid('AA1', path, value, 'AntiAffinity must have exactly one strategy listed'));
  }
  if (preferred != null && (preferred.weight < 1 || preferred.weight > 100)) {
    out.push(invalid('AA2', p(p(path, 'preferredDuringSchedulingIgnoredDuringExecution'), 'weight'), preferred.weight, 'AntiAffinity weight must be between 1-100'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Canary (§3, §3.1)

const hasPlugins = (tr: RolloutTrafficRouting): boolean => typeof tr.plugins === 'object' && tr.plugins !== null && Object.keys(tr.plugins).length > 0;
const nonEmpty = (s: string | null | undefined): boolean => s != null && s !== '';

/**
 * C1's reading of maxSurge/maxUnavailable: a number as is; `"N%"` (digits then `%`) as N; any other string as
 * the integer it spells, or 0 when it spells none (`"abc"`, `"-5%"`). Only whether it is 0 matters.
 */
function c1Value(v: IntOrString): number {
  if (typeof v === 'number') return v;
  if (/^[0-9]+%$/.test(v)) return Number(v.slice(0, -1));
  return /^[+-]?[0-9]+$/.test(v) ? Number(v) : 0;
}

/** Whether canaryService and stableService are needed: some router besides plugins, unless ping-pong or an Istio DestinationRule takes their place. */
function requiresCanaryStableServices(canary: CanaryStrategy): boolean {
  const tr = canary.trafficRouting;
  if (tr == null) return false;
  const pingPong = canary.pingPong != null;
  return (
    (tr.alb != null && !pingPong) ||
    (tr.istio != null && tr.istio.destinationRule == null && !pingPong) ||
    tr.smi != null ||
    tr.apisix != null ||
    tr.ambassador != null ||
    tr.nginx != null ||
    tr.appMesh != null ||
    tr.traefik != null
  );
}

function validateCanary(canary: CanaryStrategy): ValidationError[] {
  const out: ValidationError[] = [];
  const tr = canary.trafficRouting;
  const trPath = p(CANARY, 'trafficRouting');

  // C1
  if (c1Value(canary.maxSurge ?? DEFAULT_MAX_SURGE) === 0 && c1Value(canary.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE) === 0) {
    out.push(invalid('C1', p(CANARY, 'maxSurge'), canary.maxSurge ?? null, 'MaxSurge and MaxUnavailable both can not be zero'));
  }
  // C2
  if (nonEmpty(canary.canaryService) && nonEmpty(canary.stableService) && canary.canaryService === canary.stableService) {
    out.push(
      invalid('C2', p(CANARY, 'stableService'), canary.stableService, 'This rollout uses the same service for the stable and canary services, but two different services are required.'),
    );
  }
  // C3–C7
  const pingPong = canary.pingPong;
  if (pingPong != null) {
    const pingPath = p(p(CANARY, 'pingPong'), 'pingService');
    const ping = pingPong.pingService ?? '';
    const pong = pingPong.pongService ?? '';
    if (tr != null && tr.alb == null && tr.istio == null && !hasPlugins(tr)) {
      out.push(invalid('C3', p(trPath, 'alb'), null, 'Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only'));
    }
    if (ping === '') out.push(invalid('C4', pingPath, ping, PING_PONG_SERVICES));
    if (pong === '') out.push(invalid('C5', p(p(CANARY, 'pingPong'), 'pongService'), pong, PING_PONG_SERVICES));
    if (ping === pong) {
      out.push(invalid('C6', pingPath, ping, 'This rollout uses the same service for the ping and pong services, but two different services are required.'));
    }
    if (tr?.alb != null && (tr.alb.rootService ?? '') === '') {
      out.push(invalid('C7', p(p(trPath, 'alb'), 'rootService'), '', 'Root service field is required for the configuration with ALB and ping-pong feature enabled'));
    }
  }
  // C8, C9
  if (requiresCanaryStableServices(canary)) {
    if (!nonEmpty(canary.stableService)) out.push(invalid('C8', p(CANARY, 'stableService'), '', TRAFFIC_ROUTING_SERVICES));
    if (!nonEmpty(canary.canaryService)) out.push(invalid('C9', p(CANARY, 'canaryService'), '', TRAFFIC_ROUTING_SERVICES));
  }
  // C10–C13
  if (tr == null) {
    if (canary.scaleDownDelaySeconds != null) {
      out.push(invalid('C10', p(CANARY, 'scaleDownDelaySeconds'), canary.scaleDownDelaySeconds, 'Canary scaleDownDelaySeconds can only be used with traffic routing'));
    }
    if (canary.dynamicStableScale === true) {
      out.push(invalid('C11', p(CANARY, 'dynamicStableScale'), true, 'Canary dynamicStableScale can only be used with traffic routing'));
    }
  } else {
    if (canary.scaleDownDelaySeconds != null && canary.dynamicStableScale === true) {
      out.push(invalid('C12', p(CANARY, 'dynamicStableScale'), true, 'Canary dynamicStableScale cannot be used with scaleDownDelaySeconds'));
    }
    if (tr.maxTrafficWeight != null && tr.nginx == null && !hasPlugins(tr)) {
      out.push(invalid('C13', p(trPath, 'maxTrafficWeight'), tr.maxTrafficWeight, 'Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins'));
    }
  }

  (canary.steps ?? []).forEach((step, i) => out.push(...validateStep(canary, step, p(p(CANARY, 'steps'), i))));
  out.push(...validateAntiAffinity(canary.antiAffinity, p(CANARY, 'antiAffinity')));
  return out;
}

/** ST9 / ST10 (and ST12): a StringMatch needs exactly one of exact, regex, prefix. */
function stringMatchProblem(m: StringMatch | null | undefined): string | undefined {
  if (m == null) return STRING_MATCH_MISSING;
  const set = [m.exact, m.regex, m.prefix].filter(nonEmpty).length;
  if (set === 0) return STRING_MATCH_MISSING;
  if (set > 1) return STRING_MATCH_MULTIPLE;
  return undefined;
}

function validateStep(canary: CanaryStrategy, step: CanaryStep, stepPath: string): ValidationError[] {
  const out: ValidationError[] = [];
  const tr = canary.trafficRouting;
  const trPath = p(CANARY, 'trafficRouting');
  const set = (v: unknown): boolean => v != null;

  // ST1: only these four are counted.
  if ([step.setWeight, step.pause, step.experiment, step.analysis].filter(set).length > 1) {
    const value = `step.Experiment: ${set(step.experiment)} step.Pause: ${set(step.pause)} step.SetWeight: ${set(step.setWeight)} step.Analysis: ${set(step.analysis)}`;
    out.push(invalid('ST1', stepPath, value, STEP_MESSAGE));
  }
  // ST2
  const kinds = {
    Experiment: step.experiment,
    Pause: step.pause,
    SetWeight: step.setWeight,
    Analysis: step.analysis,
    SetCanaryScale: step.setCanaryScale,
    SetHeaderRoute: step.setHeaderRoute,
    SetMirrorRoute: step.setMirrorRoute,
    Plugin: step.plugin,
  };
  if (!Object.values(kinds).some(set)) {
    const value = Object.entries(kinds)
      .map(([k, v]) => `step.${k}: ${set(v)}`)
      .join(' ');
    out.push(invalid('ST2', stepPath, value, STEP_MESSAGE));
  }
  // ST3
  const maxWeight = maxTrafficWeightOrDefault(canary);
  if (step.setWeight != null && (step.setWeight < 0 || step.setWeight > maxWeight)) {
    out.push(invalid('ST3', p(stepPath, 'setWeight'), step.setWeight, `SetWeight needs to be between 0 and ${maxWeight}`));
  }
  // ST4: an absent duration is 0 seconds, which is allowed.
  if (step.pause != null) {
    const seconds = step.pause.duration == null ? 0 : pauseDurationSeconds(step.pause.duration);
    if (seconds < 0) out.push(invalid('ST4', p(p(stepPath, 'pause'), 'duration'), seconds, 'Duration needs to be greater than 0'));
  }
  // ST5
  if (step.setCanaryScale != null && tr == null) out.push(required('ST5', trPath, 'SetCanaryScale requires TrafficRouting to be set'));

  // ST6–ST10
  const header = step.setHeaderRoute;
  if (header != null) {
    const headerPath = p(stepPath, 'setHeaderRoute');
    if (tr == null || (tr.istio == null && tr.alb == null && tr.apisix == null && !hasPlugins(tr))) {
      out.push(invalid('ST6', headerPath, header, 'SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix'));
    } else {
      (header.match ?? []).forEach((match, j) => {
        const valuePath = p(p(p(headerPath, 'match'), j), 'headerValue');
        const hv = match.headerValue;
        if (tr.alb != null) {
          if (hv == null) out.push(invalid('ST7', valuePath, null, STRING_MATCH_MISSING));
          else if (!nonEmpty(hv.exact) || nonEmpty(hv.regex) || nonEmpty(hv.prefix)) {
            out.push(invalid('ST8', valuePath, hv, "SetHeaderRoute match value invalid. ALB supports 'exact' value only"));
          }
        } else {
          const problem = stringMatchProblem(hv);
          if (problem !== undefined) out.push(invalid(problem === STRING_MATCH_MISSING ? 'ST9' : 'ST10', valuePath, hv ?? null, problem));
        }
      });
    }
  }

  // ST11, ST12
  const mirror = step.setMirrorRoute;
  if (mirror != null) {
    const mirrorPath = p(stepPath, 'setMirrorRoute');
    if (tr == null || (tr.istio == null && !hasPlugins(tr))) {
      out.push(invalid('ST11', mirrorPath, mirror, 'SetMirrorRoute requires TrafficRouting, supports Istio and Plugins'));
    }
    (mirror.match ?? []).forEach((match, j) => {
      const matchPath = p(p(mirrorPath, 'match'), j);
      for (const field of ['method', 'path'] as const) {
        const m = match[field];
        if (m == null) continue;
        const problem = stringMatchProblem(m);
        if (problem !== undefined) out.push(invalid('ST12', p(matchPath, field), m, problem));
      }
    });
  }

  // ST13, ST14
  if (tr != null && (header != null || mirror != null) && tr.managedRoutes == null) {
    out.push(required('ST13', p(trPath, 'managedRoutes'), "Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes'"));
  }
  if (tr?.managedRoutes != null) {
    const managed = new Set(tr.managedRoutes.map((r) => r.name));
    const routes: Array<[string, { readonly name?: string | null } | null | undefined]> = [
      ['setHeaderRoute', header],
      ['setMirrorRoute', mirror],
    ];
    for (const [field, route] of routes) {
      if (route == null) continue;
      const name = route.name ?? '';
      if (!managed.has(name)) {
        out.push(invalid('ST14', p(p(stepPath, field), 'name'), name, 'Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes'));
      }
    }
  }

  // ST15, ST16
  const experiment = step.experiment;
  (experiment?.templates ?? []).forEach((template, k) => {
    if (template.weight == null) return;
    const weightPath = p(p(p(p(stepPath, 'experiment'), 'templates'), k), 'weight');
    if (tr == null) {
      out.push(invalid('ST15', weightPath, template.weight, 'Experiment template weight cannot be set unless TrafficRouting is enabled'));
    } else if (tr.alb == null && tr.smi == null && tr.istio == null && !hasPlugins(tr)) {
      out.push(
        invalid('ST16', weightPath, template.weight, 'Experiment template weight is only available for TrafficRouting with SMI, ALB, Istio and Plugins at this time'),
      );
    }
  });

  // ST17: experiment analyses' arguments first, then the analysis step's, as upstream collects them.
  const args: Array<[string, RolloutAnalysisArgument]> = [];
  (experiment?.analyses ?? []).forEach((analysis, a) => {
    const analysisPath = p(p(p(stepPath, 'experiment'), 'analyses'), a);
    (analysis.args ?? []).forEach((arg, k) => args.push([p(p(analysisPath, 'args'), k), arg]));
  });
  (step.analysis?.args ?? []).forEach((arg, k) => args.push([p(p(p(stepPath, 'analysis'), 'args'), k), arg]));
  for (const [argPath, arg] of args) {
    const fieldPath = arg.valueFrom?.fieldRef?.fieldPath;
    if (fieldPath == null || !fieldPath.startsWith('metadata') || isDownwardApiFieldPath(fieldPath)) continue;
    out.push(
      invalid('ST17', p(p(p(argPath, 'valueFrom'), 'fieldRef'), 'fieldPath'), fieldPath, 'Analyses arguments must refer to valid object metadata supported by downwardAPI'),
    );
  }
  return out;
}

const DOWNWARD_API_FIELDS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations'];

/**
 * Whether Kubernetes' downward API can read `fieldPath` from an object: one of the metadata fields above, or
 * `metadata.labels['k']` / `metadata.annotations['k']` with a qualified-name key (case aside for annotations).
 */
function isDownwardApiFieldPath(fieldPath: string): boolean {
  if (fieldPath.endsWith("']")) {
    const body = fieldPath.slice(0, -2);
    const open = body.indexOf("['");
    if (open > 0) {
      const path = body.slice(0, open);
      const key = body.slice(open + 2);
      if (path === 'metadata.labels') return qualifiedNameProblems(key).length === 0;
      if (path === 'metadata.annotations') return qualifiedNameProblems(key.toLowerCase()).length === 0;
      return false;
    }
  }
  return DOWNWARD_API_FIELDS.includes(fieldPath);
}

// ---------------------------------------------------------------------------------------------------------
// Ranges (ours: upstream checks none of these, and its controller misbehaves or fails on each)

/**
 * The ranges upstream leaves unchecked, for every number and IntOrString of the spec that reaches arithmetic:
 *  - `N2` a count, a delay or a limit below 0: `must be greater than or equal to 0`;
 *  - `N3` a percentage outside 0–100 (`setCanaryScale.weight`, `setMirrorRoute.percentage`, an experiment
 *    template's `weight`, a `Percent` progress threshold): `must be between 0 and 100`;
 *  - `N4` `trafficRouting.maxTrafficWeight` 0 or less: `must be greater than 0`;
 *  - `N5` ports: `alb.servicePort` 1–65535, Istio TLS/TCP route ports 0–65535 (0: any port);
 *  - `N6` `alb.stickinessConfig.durationSeconds` outside ALB's 1–604800;
 *  - `N7` `maxSurge` / `maxUnavailable` that are not a count or a percentage (Kubernetes' message), negative,
 *    or (maxUnavailable) above 100%;
 *  - `N8` a dryRun or measurementRetention `metricName` that is not a valid Go regexp (Go's message).
 * A value that is not a 32-bit integer at all is `N1`'s, and is not reported again here.
 */
function rolloutRanges(rollout: Rollout): ValidationError[] {
  const spec = rollout.spec;
  const out: ValidationError[] = [];
  const atLeast0 = (path: string, v: number | null | undefined): void => {
    if (isInt32(v) && v < 0) out.push(invalid('N2', path, v, NON_NEGATIVE));
  };
  const percent = (path: string, v: number | null | undefined): void => {
    if (isInt32(v) && (v < 0 || v > 100)) out.push(invalid('N3', path, v, 'must be between 0 and 100'));
  };
  const port = (path: string, v: number | null | undefined, min: number): void => {
    if (v != null && Number.isSafeInteger(v) && (v < min || v > 65535)) out.push(invalid('N5', path, v, `must be between ${min} and 65535, inclusive`));
  };

  atLeast0(p(p(SPEC, 'analysis'), 'successfulRunHistoryLimit'), spec.analysis?.successfulRunHistoryLimit);
  atLeast0(p(p(SPEC, 'analysis'), 'unsuccessfulRunHistoryLimit'), spec.analysis?.unsuccessfulRunHistoryLimit);
  atLeast0(p(p(SPEC, 'rollbackWindow'), 'revisions'), spec.rollbackWindow?.revisions);

  const canary = spec.strategy?.canary;
  if (canary != null) {
    out.push(...intOrPercentProblems(p(CANARY, 'maxSurge'), canary.maxSurge, false));
    out.push(...intOrPercentProblems(p(CANARY, 'maxUnavailable'), canary.maxUnavailable, true));
    for (const f of ['scaleDownDelaySeconds', 'scaleDownDelayRevisionLimit', 'abortScaleDownDelaySeconds', 'minPodsPerReplicaSet'] as const) atLeast0(p(CANARY, f), canary[f]);
    const threshold = canary.replicaProgressThreshold;
    if (threshold != null) {
      const at = p(p(CANARY, 'replicaProgressThreshold'), 'value');
      if (threshold.type === 'Percent') percent(at, threshold.value);
      else atLeast0(at, threshold.value);
    }
    const tr = canary.trafficRouting;
    if (tr != null) {
      const trPath = p(CANARY, 'trafficRouting');
      if (isInt32(tr.maxTrafficWeight) && tr.maxTrafficWeight <= 0) out.push(invalid('N4', p(trPath, 'maxTrafficWeight'), tr.maxTrafficWeight, 'must be greater than 0'));
      if (tr.alb != null) {
        port(p(p(trPath, 'alb'), 'servicePort'), tr.alb.servicePort, 1);
        const seconds = tr.alb.stickinessConfig?.durationSeconds;
        if (seconds != null && Number.isSafeInteger(seconds) && (seconds < 1 || seconds > 604800)) {
          out.push(invalid('N6', p(p(p(trPath, 'alb'), 'stickinessConfig'), 'durationSeconds'), seconds, 'must be between 1 and 604800 (seconds, the ALB limit)'));
        }
      }
      const istio = tr.istio;
      const virtualServices = [
        ...(istio?.virtualService != null ? [[p(p(trPath, 'istio'), 'virtualService'), istio.virtualService] as const] : []),
        ...(istio?.virtualServices ?? []).map((vs, i) => [p(p(p(trPath, 'istio'), 'virtualServices'), i), vs] as const),
      ];
      for (const [at, vs] of virtualServices) {
        (vs.tlsRoutes ?? []).forEach((r, i) => port(p(p(p(at, 'tlsRoutes'), i), 'port'), r.port, 0));
        (vs.tcpRoutes ?? []).forEach((r, i) => port(p(p(p(at, 'tcpRoutes'), i), 'port'), r.port, 0));
      }
    }
    if (canary.analysis != null) {
      atLeast0(p(p(CANARY, 'analysis'), 'startingStep'), canary.analysis.startingStep);
      out.push(...analysisRefRanges(canary.analysis, p(CANARY, 'analysis')));
    }
    (canary.steps ?? []).forEach((step, i) => {
      const at = p(p(CANARY, 'steps'), i);
      if (step.setCanaryScale != null) {
        percent(p(p(at, 'setCanaryScale'), 'weight'), step.setCanaryScale.weight);
        atLeast0(p(p(at, 'setCanaryScale'), 'replicas'), step.setCanaryScale.replicas);
      }
      if (step.setMirrorRoute != null) percent(p(p(at, 'setMirrorRoute'), 'percentage'), step.setMirrorRoute.percentage);
      if (step.analysis != null) out.push(...analysisRefRanges(step.analysis, p(at, 'analysis')));
      const experiment = step.experiment;
      if (experiment != null) {
        atLeast0(p(p(at, 'experiment'), 'scaleDownDelaySeconds'), experiment.scaleDownDelaySeconds);
        (experiment.templates ?? []).forEach((t, k) => {
          const tp = p(p(p(at, 'experiment'), 'templates'), k);
          atLeast0(p(tp, 'replicas'), t.replicas);
          percent(p(tp, 'weight'), t.weight);
        });
      }
    });
  }

  const bg = spec.strategy?.blueGreen;
  if (bg != null) {
    out.push(...intOrPercentProblems(p(BLUE_GREEN, 'maxUnavailable'), bg.maxUnavailable, true));
    for (const f of ['previewReplicaCount', 'autoPromotionSeconds', 'scaleDownDelaySeconds', 'scaleDownDelayRevisionLimit', 'abortScaleDownDelaySeconds'] as const) atLeast0(p(BLUE_GREEN, f), bg[f]);
    if (bg.prePromotionAnalysis != null) out.push(...analysisRefRanges(bg.prePromotionAnalysis, p(BLUE_GREEN, 'prePromotionAnalysis')));
    if (bg.postPromotionAnalysis != null) out.push(...analysisRefRanges(bg.postPromotionAnalysis, p(BLUE_GREEN, 'postPromotionAnalysis')));
  }
  return out;
}

const isInt32 = (v: number | null | undefined): v is number => v != null && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;

/** A Rollout's analysis: retention limits (N2) and dryRun / retention patterns (N8). */
function analysisRefRanges(analysis: RolloutAnalysis | RolloutAnalysisBackground, path: string): ValidationError[] {
  const out: ValidationError[] = [];
  const rules: Array<[string, ReadonlyArray<{ readonly metricName: string }> | null | undefined]> = [
    ['dryRun', analysis.dryRun],
    ['measurementRetention', analysis.measurementRetention],
  ];
  for (const [field, list] of rules) {
    (list ?? []).forEach((rule, k) => {
      const compiled = compileMetricNameRule(rule.metricName);
      if (E.isLeft(compiled)) out.push(invalid('N8', p(p(p(path, field), k), 'metricName'), rule.metricName, compiled.left.message));
    });
  }
  (analysis.measurementRetention ?? []).forEach((r, k) => {
    if (isInt32(r.limit) && r.limit < 0) out.push(invalid('N2', p(p(p(path, 'measurementRetention'), k), 'limit'), r.limit, NON_NEGATIVE));
  });
  return out;
}

/** Kubernetes' message for a string that is not a percentage. */
const PERCENT_FORMAT = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/**
 * `N7`: maxSurge / maxUnavailable must be a count or a percentage, as Kubernetes' Deployment validation says:
 * a non-negative integer, or digits with an optional `%` (upstream's legacy reading takes any string as a
 * percentage, so `"25"` is 25%) whose number fits 32 bits; maxUnavailable at most 100%.
 */
function intOrPercentProblems(path: string, v: IntOrString | null | undefined, atMost100Percent: boolean): ValidationError[] {
  if (v == null) return [];
  if (typeof v === 'number') return isInt32(v) && v < 0 ? [invalid('N7', path, v, NON_NEGATIVE)] : [];
  const m = /^(-?)([0-9]+)%?$/.exec(v);
  if (m === null) return [invalid('N7', path, v, PERCENT_FORMAT)];
  if (m[1] === '-') return [invalid('N7', path, v, NON_NEGATIVE)];
  const n = Number(m[2]);
  if (n > 2147483647) return [invalid('N7', path, v, 'must be at most 2147483647 (or 2147483647%)')];
  if (atMost100Percent && n > 100) return [invalid('N7', path, v, 'must not be greater than 100%')];
  return [];
}
