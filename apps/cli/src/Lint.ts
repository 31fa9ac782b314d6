/**
 * `kubectl-rollouts lint`: every argoproj.io document is decoded strictly (unknown fields are errors) and
 * validated semantically; Rollouts are also checked against the Services, Ingresses and Istio
 * VirtualServices given in the same files. One problem per line:
 * `FILE:DOC KIND/NAME: FIELD.PATH: MESSAGE`. Warnings (`MESSAGE` starts with `warning: `) are what the controller
 * accepts but the cluster will refuse later, such as a resource quantity that does not parse; they do not fail
 * the lint.
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
  type ValidationError,
  decode,
  unparsableQuantities,
  formatValidationError,
  validateAnalysisRun,
  validateAnalysisTemplate,
  validateClusterAnalysisTemplate,
  validateExperiment,
  validateRollout,
  validateRolloutReferences,
} from '@rollouts/api';
import type { SourceDocument } from './Documents';

export interface LintProblem {
  readonly file: string;
  readonly doc: string;
  readonly kind: string;
  readonly name: string;
  readonly path: string;
  readonly message: string;
  /** `warning`: reported, but not a problem that fails the lint. Absent: an error. */
  readonly severity?: 'warning';
}

/** Whether a problem fails the lint. */
export const isError = (p: LintProblem): boolean => p.severity !== 'warning';

export const formatProblem = (p: LintProblem): string => `${p.file}:${p.doc} ${p.kind}/${p.name}: ${p.path}: ${p.message}`;

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

const fromFieldError = (d: SourceDocument, kind: string, name: string) => (e: FieldError): LintProblem => ({ file: d.file, doc: d.doc, kind, name, path: e.path, message: e.detail });
const fromValidationError = (d: SourceDocument, kind: string, name: string) => (e: ValidationError): LintProblem => ({
  file: d.file,
  doc: d.doc,
  kind,
  name,
  path: e.path,
  message: formatValidationError(e).slice(e.path.length + 2),
});

/** Lint a set of documents (from one or several files) together. Problems come in document order. */
export function lintDocuments(docs: ReadonlyArray<SourceDocument>): LintProblem[] {
  const problems: LintProblem[] = [];
  const services: Service[] = [];
  const ingresses: Ingress[] = [];
  const virtualServices: unknown[] = [];
  const rollouts: Array<{ doc: SourceDocument; rollout: Rollout; name: string }> = [];

  for (const d of docs) {
    if (!isObj(d.object)) {
      problems.push({ file: d.file, doc: d.doc, kind: '(none)', name: '(unnamed)', path: '(root)', message: 'a manifest must be an object with apiVersion and kind' });
      continue;
    }
    const o = d.object;
    const kind = typeof o.kind === 'string' ? o.kind : '';
    const name = nameOf(o);
    if (kind === '') {
      problems.push({ file: d.file, doc: d.doc, kind: '(none)', name, path: 'kind', message: 'required field is missing (every manifest needs apiVersion and kind)' });
      continue;
    }
    const g = group(o.apiVersion);
    if (g === 'argoproj.io' && kind in ARGO_KINDS) {
      const rule = ARGO_KINDS[kind] as KindRule;
      const strict = decode(rule.codec, o, { strict: true });
      const errors = E.isLeft(strict) ? strict.left : [];
      problems.push(...errors.map(fromFieldError(d, kind, name)));
      const md = isObj(o.metadata) ? o.metadata : {};
      if (md.name == null && md.generateName == null)
        problems.push({ file: d.file, doc: d.doc, kind, name, path: 'metadata.name', message: 'required field is missing (metadata.name or metadata.generateName)' });
      // Semantic validation needs well-typed input; unknown fields alone do not prevent it.
      if (errors.every((e) => e.expected === 'no such field')) {
        problems.push(...rule.validate(o).map(fromValidationError(d, kind, name)));
        if (kind === 'Rollout') {
          rollouts.push({ doc: d, rollout: o as Rollout, name });
          // The Rollout's validation leaves unparsable quantities to the API server, as upstream does: warn here.
          for (const e of unparsableQuantities((o as Rollout).spec.template, 'spec.template', 'R7')) {
            const p = fromValidationError(d, kind, name)(e);
            problems.push({ ...p, severity: 'warning', message: `warning: ${p.message} (the controller accepts the Rollout; the API server will refuse its ReplicaSet)` });
          }
        }
      }
    } else if (g === 'argoproj.io') {
      problems.push({ file: d.file, doc: d.doc, kind, name, path: 'kind', message: `unknown argoproj.io kind ${JSON.stringify(kind)} (expected one of ${Object.keys(ARGO_KINDS).join(', ')})` });
    } else if (kind === 'Service' && (o.apiVersion === 'v1' || o.apiVersion === undefined)) {
      if (E.isRight(decode(Service, o))) services.push(o as Service);
    } else if (kind === 'Ingress' && ['networking.k8s.io', 'extensions'].includes(g)) {
      if (E.isRight(decode(Ingress, o))) ingresses.push(o as Ingress);
    } else if (kind === 'VirtualService' && g === 'networking.istio.io') {
      virtualServices.push(o);
    }
  }

  // Cross-object checks, after all documents are read (a Service may come after its Rollout).
  for (const { doc, rollout, name } of rollouts) {
    problems.push(...validateRolloutReferences(rollout, { services, ingresses, virtualServices }).map(fromValidationError(doc, 'Rollout', name)));
  }
  const order = new Map(docs.map((d, i) => [`${d.file}\u0000${d.doc}`, i]));
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (order.get(`${a.p.file}\u0000${a.p.doc}`) ?? 0) - (order.get(`${b.p.file}\u0000${b.p.doc}`) ?? 0) || a.i - b.i)
    .map((x) => x.p);
}
