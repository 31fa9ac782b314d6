/**
 * `kubectl-rollouts lint`: every argoproj.io document is decoded strictly (unknown fields are errors) and
 * validated semantically; Rollouts are also checked against the Services, Ingresses and Istio
 * VirtualServices given in the same files. One problem per line, at the field it is about:
 * `FILE:LINE:COLUMN: KIND/NAME: FIELD.PATH: MESSAGE`. Every problem of a document is reported: all the fields of
 * the wrong type, and the semantic problems of the rest. Warnings (`MESSAGE` starts with `warning: `) are what
 * the controller accepts and works around, such as a quantity in a Rollout's pod template that does not parse;
 * they do not fail the lint.
 *
 * Beyond the API's validation, lint checks what the stock controller will do with the manifest: traffic routers
 * and metric providers it does not register, analysis conditions that do not parse, and resource quantities
 * the API server would refuse in Experiment and Job pod templates.
 */
import * as E from 'fp-ts/lib/Either';
import {
  AnalysisRun,
  AnalysisTemplate,
  ClusterAnalysisTemplate,
  Experiment,
  Ingress,
  Rollout,
  Service,
  type Codec,
  type FieldError,
  type PodTemplateSpec,
  type ValidationError,
  decode,
  unparsableQuantities,
  validationErrorBody,
  validateAnalysisRun,
  validateAnalysisTemplate,
  validateClusterAnalysisTemplate,
  validateExperiment,
  validateRollout,
  validateRolloutReferences,
} from '@rollouts/api';
import { evaluateCondition } from '@rollouts/core';
import { pathSegments, type SourceDocument } from './Documents';

export interface LintProblem {
  readonly file: string;
  readonly doc: string;
  /** 1-based line and column of the field (the document's start when the field is not written in it). */
  readonly line: number;
  readonly column: number;
  readonly kind: string;
  readonly name: string;
  readonly path: string;
  readonly message: string;
  /** `warning`: reported, but not a problem that fails the lint. Absent: an error. */
  readonly severity?: 'warning';
}

/** Whether a problem fails the lint. */
export const isError = (p: LintProblem): boolean => p.severity !== 'warning';

export const formatProblem = (p: LintProblem): string => `${p.file}:${p.line}:${p.column}: ${p.kind}/${p.name}: ${p.path}: ${p.message}`;

/**
 * The traffic routers and metric providers the stock controller registers (apps/controller/src/Plugins.ts; a test
 * keeps the two lists equal). A custom controller image may register more.
 */
export const STOCK_TRAFFIC_ROUTERS: ReadonlyArray<string> = ['nginx', 'alb', 'istio', 'smi', 'traefik', 'ambassador', 'apisix', 'appMesh', 'argoproj-labs/gatewayAPI'];
/**
 * The step kinds each stock router can carry out (a test checks this against the routers themselves). A
 * `setHeaderRoute` / `setMirrorRoute` step with a router that lacks it makes the Rollout InvalidSpec, as the
 * controller says: `the <kind> traffic router cannot perform <step>`.
 */
export const STOCK_ROUTER_STEPS: Readonly<Record<string, ReadonlyArray<'setHeaderRoute' | 'setMirrorRoute'>>> = {
  nginx: ['setHeaderRoute'],
  alb: ['setHeaderRoute'],
  istio: ['setHeaderRoute', 'setMirrorRoute'],
  smi: [],
  traefik: [],
  ambassador: [],
  apisix: ['setHeaderRoute'],
  appMesh: [],
  'argoproj-labs/gatewayAPI': ['setHeaderRoute', 'setMirrorRoute'],
};
export const STOCK_METRIC_PROVIDERS: ReadonlyArray<string> = ['prometheus', 'web', 'job', 'graphite', 'influxdb', 'datadog', 'newRelic', 'wavefront', 'kayenta', 'skywalking', 'cloudWatch'];
/** Settings of `trafficRouting`, not routers. */
const TRAFFIC_ROUTING_SETTINGS = new Set(['managedRoutes', 'maxTrafficWeight']);

interface KindRule {
  readonly codec: Codec<any>;
  readonly validate: (o: any) => ValidationError[];
}

const ARGO_KINDS: Readonly<Record<string, KindRule>> = {
  Rollout: { codec: Rollout, validate: validateRollout },
  AnalysisTemplate: { codec: AnalysisTemplate, validate: validateAnalysisTemplate },
  ClusterAnalysisTemplate: { codec: ClusterAnalysisTemplate, validate: validateClusterAnalysisTemplate },
  AnalysisRun: { codec: AnalysisRun, validate: validateAnalysisRun },
  Experiment: { codec: Experiment, validate: validateExperiment },
};

type Obj = Record<string, unknown>;
const isObj = (u: unknown): u is Obj => typeof u === 'object' && u !== null && !Array.isArray(u);
const group = (apiVersion: unknown): string => (typeof apiVersion === 'string' && apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '');

function nameOf(o: Obj): string {
  const md = isObj(o.metadata) ? o.metadata : {};
  if (typeof md.name === 'string' && md.name !== '') return md.name;
  if (typeof md.generateName === 'string' && md.generateName !== '') return `${md.generateName}*`;
  return '(unnamed)';
}

/** The value at a field path (undefined when the path leads nowhere). */
export function valueAt(root: unknown, path: string): unknown {
  let v: unknown = root;
  const segments = pathSegments(path);
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string | number;
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isObj(v)) {
      // A key may contain dots: try the longest run of segments first.
      let j = segments.length;
      while (j > i + 1 && !(segments.slice(i, j).join('.') in v)) j--;
      v = v[segments.slice(i, j).join('.')];
      i = j - 1;
    } else return undefined;
  }
  return v;
}

/** A deep copy of `o` without the fields at `paths` (the fields of the wrong type, so that validation can read the rest). */
function withoutFields(o: unknown, paths: ReadonlyArray<string>): unknown {
  const copy: unknown = structuredClone(o);
  for (const path of paths) {
    const segments = pathSegments(path);
    const last = segments[segments.length - 1];
    const parentPath = segments.slice(0, -1).map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').replace(/^\./, '');
    const parent = segments.length === 1 ? copy : valueAt(copy, parentPath);
    if (isObj(parent) && typeof last === 'string') delete parent[last];
    else if (Array.isArray(parent) && typeof last === 'number') parent[last] = {};
  }
  return copy;
}

/** Within (or equal to) `parent`. */
const under = (path: string, parent: string): boolean => path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);

/** The validation error as the user wrote it: `Invalid value: "5x"`, not the number the value was read as. */
function bodyOf(e: ValidationError, object: unknown): string {
  if (e.type !== 'Invalid' && e.type !== 'NotSupported') return validationErrorBody(e);
  const written = valueAt(object, e.path);
  const scalar = typeof written === 'string' || typeof written === 'number' || typeof written === 'boolean';
  return validationErrorBody(scalar && written !== e.value ? { ...e, value: written } : e);
}

type Report = (path: string, message: string, severity?: 'warning') => void;

/** Lint a set of documents (from one or several files) together. Problems come in document order. */
export function lintDocuments(docs: ReadonlyArray<SourceDocument>): LintProblem[] {
  const problems: LintProblem[] = [];
  const services: Service[] = [];
  const ingresses: Ingress[] = [];
  const virtualServices: unknown[] = [];
  const rollouts: Array<{ report: Report; rollout: Rollout }> = [];

  for (const d of docs) {
    const reporter =
      (kind: string, name: string): Report =>
      (path, message, severity) => {
        const pos = d.positionOf?.(path === '(root)' ? '' : path) ?? { line: d.line, column: 1 };
        problems.push({ file: d.file, doc: d.doc, line: pos.line, column: pos.column, kind, name, path, message, ...(severity === undefined ? {} : { severity }) });
      };
    if (!isObj(d.object)) {
      reporter('(none)', '(unnamed)')('(root)', 'a manifest must be an object with apiVersion and kind');
      continue;
    }
    const o = d.object;
    const kind = typeof o.kind === 'string' ? o.kind : '';
    const name = nameOf(o);
    const report = reporter(kind === '' ? '(none)' : kind, name);
    if (kind === '') {
      report('kind', 'required field is missing (every manifest needs apiVersion and kind)');
      continue;
    }
    const g = group(o.apiVersion);
    if (g === 'argoproj.io' && kind in ARGO_KINDS) {
      const rule = ARGO_KINDS[kind] as KindRule;
      const strict = decode(rule.codec, o, { strict: true });
      const errors: ReadonlyArray<FieldError> = E.isLeft(strict) ? strict.left : [];
      for (const e of errors) report(e.path, e.detail);
      const md = isObj(o.metadata) ? o.metadata : {};
      if (md.name == null && md.generateName == null) report('metadata.name', 'required field is missing (metadata.name or metadata.generateName)');
      // Semantic validation reads well-typed input: the fields of the wrong type (already reported) are left out,
      // and what validation would say about them or their parents is not repeated.
      const badPaths = errors.filter((e) => e.expected !== 'no such field').map((e) => e.path);
      const readable = badPaths.length === 0 ? o : withoutFields(o, badPaths);
      let validation: ValidationError[];
      try {
        validation = rule.validate(readable);
      } catch (e) {
        validation = badPaths.length === 0 ? [{ path: '(root)', type: 'InternalError', message: `validation failed: ${(e as Error).message}`, rule: 'lint' }] : [];
      }
      for (const e of validation) {
        if (badPaths.some((p) => under(p, e.path))) continue;
        report(e.path, bodyOf(e, o));
      }
      lintBeyondTheApi(kind, readable, report);
      if (kind === 'Rollout' && badPaths.length === 0) rollouts.push({ report, rollout: o as Rollout });
    } else if (g === 'argoproj.io') {
      report('kind', `unknown argoproj.io kind ${JSON.stringify(kind)} (expected one of ${Object.keys(ARGO_KINDS).join(', ')})`);
    } else if (kind === 'Service' && (o.apiVersion === 'v1' || o.apiVersion === undefined)) {
      if (E.isRight(decode(Service, o))) services.push(o as Service);
    } else if (kind === 'Ingress' && ['networking.k8s.io', 'extensions'].includes(g)) {
      if (E.isRight(decode(Ingress, o))) ingresses.push(o as Ingress);
    } else if (kind === 'VirtualService' && g === 'networking.istio.io') {
      virtualServices.push(o);
    }
  }

  // Cross-object checks, after all documents are read (a Service may come after its Rollout).
  for (const { report, rollout } of rollouts) {
    for (const e of validateRolloutReferences(rollout, { services, ingresses, virtualServices })) report(e.path, bodyOf(e, rollout));
  }
  const order = new Map(docs.map((d, i) => [`${d.file}\u0000${d.doc}`, i]));
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (order.get(`${a.p.file}\u0000${a.p.doc}`) ?? 0) - (order.get(`${b.p.file}\u0000${b.p.doc}`) ?? 0) || a.i - b.i)
    .map((x) => x.p);
}

// ---------------------------------------------------------------------------------------------------------
// What the stock controller does with a valid manifest

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const at = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), o);

function lintBeyondTheApi(kind: string, o: unknown, report: Report): void {
  if (kind === 'Rollout') {
    const routing = at(o, 'spec', 'strategy', 'canary', 'trafficRouting');
    // Step plugins are loaded from argo-rollouts-config (the stock controller has none built in): lint cannot see
    // that ConfigMap, so it says what the controller needs.
    list(at(o, 'spec', 'strategy', 'canary', 'steps')).forEach((step, i) => {
      const name = at(step, 'plugin', 'name');
      if (typeof name === 'string' && name !== '')
        report(`spec.strategy.canary.steps[${i}].plugin.name`, `warning: step plugin ${JSON.stringify(name)} must be listed under stepPlugins in the argo-rollouts-config ConfigMap of the controller's namespace (docs/plugins.md); otherwise the Rollout is InvalidSpec`, 'warning');
    });
    if (isObj(routing)) {
      lintRouters(routing, 'spec.strategy.canary.trafficRouting', report);
      lintRouterSteps(routing, list(at(o, 'spec', 'strategy', 'canary', 'steps')), report);
    }
    // The controller leaves such a quantity out of the ReplicaSet (as Argo's typed decoding does) and says so in an event.
    for (const e of unparsableQuantities(at(o, 'spec', 'template') as PodTemplateSpec | undefined, 'spec.template', 'R7'))
      report(e.path, `warning: ${validationErrorBody(e)} (the controller leaves it out of the ReplicaSet, with a Warning event)`, 'warning');
  }
  if (kind === 'Experiment') {
    list(at(o, 'spec', 'templates')).forEach((t, i) => {
      for (const e of unparsableQuantities(at(t, 'template') as PodTemplateSpec | undefined, `spec.templates[${i}].template`, 'E-Q'))
        report(e.path, `${validationErrorBody(e)} (the API server will refuse the Experiment's ReplicaSet)`);
    });
  }
  if (kind === 'AnalysisTemplate' || kind === 'ClusterAnalysisTemplate' || kind === 'AnalysisRun') {
    list(at(o, 'spec', 'metrics')).forEach((m, i) => lintMetric(m, `spec.metrics[${i}]`, report));
  }
}

function lintRouters(routing: Obj, path: string, report: Report): void {
  const available = `it has ${STOCK_TRAFFIC_ROUTERS.join(', ')}; a custom controller image can register more`;
  for (const key of Object.keys(routing)) {
    if (TRAFFIC_ROUTING_SETTINGS.has(key) || STOCK_TRAFFIC_ROUTERS.includes(key)) continue;
    if (key === 'plugins') {
      for (const plugin of Object.keys(isObj(routing.plugins) ? routing.plugins : {}))
        if (!STOCK_TRAFFIC_ROUTERS.includes(plugin))
          report(`${path}.plugins.${plugin}`, `traffic router plugin ${JSON.stringify(plugin)} is not registered in the stock controller (${available}): the Rollout would be InvalidSpec`);
      continue;
    }
    report(`${path}.${key}`, `traffic router ${JSON.stringify(key)} is not registered in the stock controller (${available}): the Rollout would be InvalidSpec`);
  }
}

function lintRouterSteps(routing: Obj, steps: unknown[], report: Report): void {
  const kinds = [...Object.keys(routing).filter((k) => !TRAFFIC_ROUTING_SETTINGS.has(k) && k !== 'plugins'), ...Object.keys(isObj(routing.plugins) ? routing.plugins : {})].filter(
    (k) => STOCK_ROUTER_STEPS[k] !== undefined,
  );
  steps.forEach((step, i) => {
    for (const capability of ['setHeaderRoute', 'setMirrorRoute'] as const) {
      if (!isObj(step) || step[capability] == null) continue;
      for (const kind of kinds)
        if (!STOCK_ROUTER_STEPS[kind]!.includes(capability))
          report(`spec.strategy.canary.steps[${i}].${capability}`, `the ${kind} traffic router cannot perform ${capability}: the Rollout would be InvalidSpec`);
    }
  });
}

function lintMetric(metric: unknown, path: string, report: Report): void {
  const provider = at(metric, 'provider');
  const available = `it has ${STOCK_METRIC_PROVIDERS.join(', ')}; a custom controller image can register more`;
  if (isObj(provider)) {
    for (const key of Object.keys(provider)) {
      if (STOCK_METRIC_PROVIDERS.includes(key)) continue;
      const names = key === 'plugin' ? Object.keys(isObj(provider.plugin) ? provider.plugin : {}) : [key];
      for (const n of names)
        report(
          key === 'plugin' ? `${path}.provider.plugin.${n}` : `${path}.provider.${n}`,
          `metric provider ${key === 'plugin' ? 'plugin ' : ''}${JSON.stringify(n)} is not registered in the stock controller (${available}): every measurement would be Error`,
        );
    }
    const job = at(provider, 'job', 'spec', 'template') as PodTemplateSpec | undefined;
    for (const e of unparsableQuantities(job, `${path}.provider.job.spec.template`, 'M-Q')) report(e.path, `${validationErrorBody(e)} (the API server will refuse the Job: every measurement would be Error)`);
  }
  for (const field of ['successCondition', 'failureCondition'] as const) {
    const condition = at(metric, field);
    if (typeof condition !== 'string' || condition.trim() === '') continue;
    // `{{args.x}}` is replaced before evaluation; a number stands in for it here.
    const checked = evaluateCondition(condition.replace(/\{\{[^}]*\}\}/g, '0'), null);
    if (E.isLeft(checked) && checked.left._tag === 'ConditionSyntaxError')
      report(`${path}.${field}`, `Invalid value: ${JSON.stringify(condition)}: the condition does not parse: ${checked.left.message}`);
  }
}
