/**
 * The Kubernetes API server's own checks that a Rollout inherits (label keys and values, label selectors, the
 * ReplicaSet pod template), with the API server's message texts.
 *
 * Scope: the checks a Rollout's pod template commonly trips over. The pod template is checked after
 * Kubernetes' defaults are applied (restartPolicy `Always`, port protocol `TCP`, terminationMessagePolicy
 * `File`, an imagePullPolicy), as Argo does, so leaving those out is never an error. Not covered: volumes and
 * volume mounts, probes, lifecycle hooks, security contexts, affinity, tolerations, DNS settings, resource
 * names, env `valueFrom` and the total annotation size.
 *
 * Paths are true field paths. Where Kubernetes reports a bad label value or a request above its limit at the
 * enclosing map (`…labels`, `…resources.requests`), we report it at the entry (`…labels.app`,
 * `…resources.requests.cpu`); a bad label key is reported at the map, since a key has no path of its own.
 */
import * as E from 'fp-ts/lib/Either';
import { childPath } from '../Schema';
import type { Container, ContainerPort, LabelSelector, PodSpec, PodTemplateSpec, ResourceRequirements, StringMap } from '../Kubernetes';
import type { ValidationError } from '../Validation';
import { parseQuantity } from '../Quantity';

// ---------------------------------------------------------------------------------------------------------
// Names and values (k8s.io/apimachinery/pkg/util/validation)

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MAX = 63;

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MAX = 63;

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_LABEL_MAX = 63;

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MAX = 253;

const EMPTY = 'must be non-empty';
const maxLen = (n: number): string => `must be no more than ${n} characters`;
const inclusiveRange = (lo: number, hi: number): string => `must be between ${lo} and ${hi}, inclusive`;

/** Kubernetes' regex message: `<msg> (e.g. 'a',  or 'b', regex used for validation is '<fmt>')` (its double space included). */
function regexError(msg: string, fmt: string, examples: readonly string[]): string {
  const shown = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${shown}regex used for validation is '${fmt}')`;
}

/** Length in bytes of the UTF-8 encoding, which is what Go's `len` counts. */
function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Problems of a DNS-1123 label (container names): ≤ 63 characters of `[a-z0-9-]`, alphanumeric at both ends. */
export function dns1123LabelProblems(value: string): string[] {
  const out: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX) out.push(maxLen(DNS1123_LABEL_MAX));
  if (!DNS1123_LABEL_RE.test(value)) out.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, ['my-name', '123-abc']));
  return out;
}

/** Problems of a DNS-1123 subdomain (label-key prefixes): ≤ 253 characters, dot-separated DNS-1123 labels. */
export function dns1123SubdomainProblems(value: string): string[] {
  const out: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX) out.push(maxLen(DNS1123_SUBDOMAIN_MAX));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) out.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, ['example.com']));
  return out;
}

/**
 * Problems of a qualified name (label keys, annotation keys): an optional DNS-1123 subdomain prefix and `/`,
 * then a name of ≤ 63 characters matching `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
 */
export function qualifiedNameProblems(value: string): string[] {
  const parts = value.split('/');
  const out: string[] = [];
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') out.push(`prefix part ${EMPTY}`);
    else out.push(...dns1123SubdomainProblems(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, ['MyName', 'my.name', '123-abc'])} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name === '') out.push(`name part ${EMPTY}`);
  else if (byteLength(name) > QUALIFIED_NAME_MAX) out.push(`name part ${maxLen(QUALIFIED_NAME_MAX)}`);
  if (!QUALIFIED_NAME_RE.test(name)) out.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, ['MyName', 'my.name', '123-abc'])}`);
  return out;
}

/** Problems of a label value: empty, or ≤ 63 characters with the qualified-name pattern. */
export function labelValueProblems(value: string): string[] {
  const out: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX) out.push(maxLen(LABEL_VALUE_MAX));
  if (!LABEL_VALUE_RE.test(value)) out.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, ['MyValue', 'my_value', '12345']));
  return out;
}

/** Problems of a port name (an IANA service name): ≤ 15 characters of `[a-z0-9-]`, a letter, no `--`, no `-` at either end. */
export function portNameProblems(name: string): string[] {
  const out: string[] = [];
  if (byteLength(name) > 15) out.push(maxLen(15));
  if (!/^[-a-z0-9]+$/.test(name)) out.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) out.push('must contain at least one letter (a-z)');
  if (name.includes('--')) out.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) out.push('must not begin or end with a hyphen');
  return out;
}

/** Problems of a port number: 1..65535. */
export function portNumberProblems(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRange(1, 65535)];
}

// ---------------------------------------------------------------------------------------------------------
// Error constructors

const invalid = (rule: string, path: string, value: unknown, message: string): ValidationError => ({ rule, path, type: 'Invalid', value, message });
/** Kubernetes' `Required value` with no detail. */
const required = (rule: string, path: string, message = ''): ValidationError => ({ rule, path, type: 'Required', message });
const forbidden = (rule: string, path: string, message: string): ValidationError => ({ rule, path, type: 'Forbidden', message });
const notSupported = (rule: string, path: string, value: unknown, supported: readonly string[]): ValidationError => ({
  rule,
  path,
  type: 'NotSupported',
  value,
  message: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});
/** Kubernetes' `Duplicate value: "<v>"`. */
const duplicate = (rule: string, path: string, value: unknown): ValidationError => ({ path, type: 'Duplicate', rule, value, message: 'Duplicate value' });

// ---------------------------------------------------------------------------------------------------------
// Labels, annotations, selectors (k8s.io/apimachinery/pkg/apis/meta/v1/validation)

/** Checks of a label map: keys are qualified names (reported at the map), values label values (reported at the entry). */
export function validateLabels(labels: StringMap | null | undefined, path: string, rule: string): ValidationError[] {
  const out: ValidationError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of qualifiedNameProblems(k)) out.push(invalid(rule, path, k, m));
    for (const m of labelValueProblems(v)) out.push(invalid(rule, childPath(path, k), v, m));
  }
  return out;
}

/** Checks of an annotation map: keys are qualified names, case aside (reported at the map). */
export function validateAnnotations(annotations: StringMap | null | undefined, path: string, rule: string): ValidationError[] {
  const out: ValidationError[] = [];
  for (const k of Object.keys(annotations ?? {})) {
    for (const m of qualifiedNameProblems(k.toLowerCase())) out.push(invalid(rule, path, k, m));
  }
  return out;
}

const SET_OPERATORS = ['In', 'NotIn'];
const EXISTENCE_OPERATORS = ['Exists', 'DoesNotExist'];

/**
 * The API server's checks of a LabelSelector: matchLabels as labels; each matchExpression has a known
 * operator, a qualified-name key, values for In/NotIn, none for Exists/DoesNotExist, and valid values.
 */
export function validateLabelSelector(selector: LabelSelector | null | undefined, path: string, rule: string): ValidationError[] {
  if (selector == null) return [];
  const out = validateLabels(selector.matchLabels, childPath(path, 'matchLabels'), rule);
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const at = childPath(childPath(path, 'matchExpressions'), i);
    const values = expr.values ?? [];
    if (SET_OPERATORS.includes(expr.operator)) {
      if (values.length === 0) out.push(required(rule, childPath(at, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (EXISTENCE_OPERATORS.includes(expr.operator)) {
      if (values.length > 0) out.push(forbidden(rule, childPath(at, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      out.push(invalid(rule, childPath(at, 'operator'), expr.operator, 'not a valid selector operator'));
    }
    for (const m of qualifiedNameProblems(expr.key)) out.push(invalid(rule, childPath(at, 'key'), expr.key, m));
    values.forEach((v, j) => {
      for (const m of labelValueProblems(v)) out.push(invalid(rule, childPath(childPath(at, 'values'), j), v, m));
    });
  });
  return out;
}

/** One requirement of a parsed selector; a matchLabels entry becomes `In` with one value. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

/**
 * A LabelSelector as Kubernetes evaluates it: a missing selector selects nothing, an empty one (no
 * matchLabels, no matchExpressions) selects everything.
 */
export type ParsedLabelSelector =
  | { readonly kind: 'nothing' }
  | { readonly kind: 'everything' }
  | { readonly kind: 'requirements'; readonly requirements: readonly LabelRequirement[] };

/**
 * Convert a LabelSelector into requirements, failing where Kubernetes' conversion fails (an unknown
 * operator, a bad key or value, values missing for In/NotIn or present for Exists/DoesNotExist). The error
 * text names the first offending requirement.
 */
export function parseLabelSelector(selector: LabelSelector | null | undefined): E.Either<string, ParsedLabelSelector> {
  if (selector == null) return E.right({ kind: 'nothing' });
  const matchLabels = Object.entries(selector.matchLabels ?? {});
  const expressions = selector.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return E.right({ kind: 'everything' });
  const requirements: LabelRequirement[] = [];
  const check = (r: LabelRequirement): string | undefined => {
    const problems = [
      ...qualifiedNameProblems(r.key).map((m) => `key: Invalid value: ${JSON.stringify(r.key)}: ${m}`),
      ...(SET_OPERATORS.includes(r.operator) && r.values.length === 0 ? ["values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"] : []),
      ...(EXISTENCE_OPERATORS.includes(r.operator) && r.values.length > 0
        ? [`values: Invalid value: ${JSON.stringify(r.values)}: values set must be empty for exists and does not exist`]
        : []),
      ...r.values.flatMap((v, j) => labelValueProblems(v).map((m) => `values[${j}]: Invalid value: ${JSON.stringify(v)}: ${m}`)),
    ];
    return problems.length === 0 ? undefined : problems.join('; ');
  };
  for (const [key, value] of matchLabels) {
    const r: LabelRequirement = { key, operator: 'In', values: [value] };
    const problem = check(r);
    if (problem !== undefined) return E.left(problem);
    requirements.push(r);
  }
  for (const expr of expressions) {
    const operator = expr.operator;
    if (!SET_OPERATORS.includes(operator) && !EXISTENCE_OPERATORS.includes(operator)) {
      return E.left(`${JSON.stringify(operator)} is not a valid label selector operator`);
    }
    const r: LabelRequirement = { key: expr.key, operator: operator as LabelRequirement['operator'], values: expr.values ?? [] };
    const problem = check(r);
    if (problem !== undefined) return E.left(problem);
    requirements.push(r);
  }
  return E.right({ kind: 'requirements', requirements });
}

function requirementMatches(r: LabelRequirement, labels: StringMap): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'In':
      return has && value !== undefined && r.values.includes(value);
    case 'NotIn':
      return !has || value === undefined || !r.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/**
 * Whether `selector` selects an object with `labels`. A missing selector selects nothing, an empty one
 * everything; a selector that cannot be converted (see {@link parseLabelSelector}) selects nothing.
 */
export function selectorMatchesLabels(selector: LabelSelector | null | undefined, labels: StringMap | null | undefined): boolean {
  const parsed = parseLabelSelector(selector);
  if (E.isLeft(parsed)) return false;
  const p = parsed.right;
  if (p.kind === 'nothing') return false;
  if (p.kind === 'everything') return true;
  return p.requirements.every((r) => requirementMatches(r, labels ?? {}));
}

// ---------------------------------------------------------------------------------------------------------
// Resources

const quantityText = (q: string | number): string => (typeof q === 'number' ? String(q) : q);

/** Whether requests may be below limits: native resources except huge pages (extended resources must be equal). */
function overcommitAllowed(resource: string): boolean {
  const native = !resource.includes('/') || resource.includes('kubernetes.io/');
  return native && !resource.startsWith('hugepages-');
}

/** How the pod-template checks treat what only the API server can judge. */
export interface PodTemplateValidationOptions {
  /**
   * `true`: a resource quantity that does not parse is not reported (the checks that need its value are
   * skipped). Upstream's Rollout holds a typed pod template, so such a quantity never reaches its validation:
   * the Rollout is accepted and the API server refuses the ReplicaSet. Default `false` (reported).
   */
  readonly skipUnparsableQuantities?: boolean;
}

/**
 * Checks of a container's resources: every quantity parses (unless `skipUnparsableQuantities`) and is not
 * negative; each request is at most its limit (equal to it for huge pages and extended resources, which also
 * need a limit). Quantities are shown as written (Kubernetes shows them in canonical form: `0.5` as `500m`).
 */
export function validateResourceRequirements(
  resources: ResourceRequirements | null | undefined,
  path: string,
  rule: string,
  opts: PodTemplateValidationOptions = {},
): ValidationError[] {
  const out: ValidationError[] = [];
  const limitsPath = childPath(path, 'limits');
  const requestsPath = childPath(path, 'requests');
  const limits = resources?.limits ?? {};
  const parsedLimits = new Map<string, number>();
  const checkQuantity = (at: string, q: string | number): number | undefined => {
    const parsed = parseQuantity(q);
    if (E.isLeft(parsed)) {
      if (opts.skipUnparsableQuantities !== true) out.push(invalid(rule, at, q, parsed.left));
      return undefined;
    }
    if (parsed.right.value < 0) out.push(invalid(rule, at, quantityText(q), 'must be greater than or equal to 0'));
    return parsed.right.value;
  };
  for (const [name, q] of Object.entries(limits)) {
    const value = checkQuantity(childPath(limitsPath, name), q);
    if (value !== undefined) parsedLimits.set(name, value);
  }
  for (const [name, q] of Object.entries(resources?.requests ?? {})) {
    const at = childPath(requestsPath, name);
    const value = checkQuantity(at, q);
    const limit = limits[name];
    if (limit !== undefined) {
      const limitValue = parsedLimits.get(name);
      if (value === undefined || limitValue === undefined) continue;
      if (!overcommitAllowed(name) && value !== limitValue) {
        out.push(invalid(rule, at, quantityText(q), `must be equal to ${name} limit of ${quantityText(limit)}`));
      } else if (value > limitValue) {
        out.push(invalid(rule, at, quantityText(q), `must be less than or equal to ${name} limit of ${quantityText(limit)}`));
      }
    } else if (!overcommitAllowed(name)) {
      out.push(required(rule, childPath(limitsPath, name), 'Limit must be set for non overcommitable resources'));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Containers and the pod template (k8s.io/kubernetes/pkg/apis/core/validation, apps/validation)

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const INT32_MAX = 2147483647;

/** A field Kubernetes defaults when it is empty: only a non-empty value is checked. */
const setValue = (v: string | null | undefined): string | undefined => (v == null || v === '' ? undefined : v);

function validateContainerPorts(ports: ReadonlyArray<ContainerPort> | null | undefined, path: string, rule: string): ValidationError[] {
  const out: ValidationError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const at = childPath(path, i);
    const name = port.name ?? '';
    if (name !== '') {
      const problems = portNameProblems(name);
      if (problems.length > 0) for (const m of problems) out.push(invalid(rule, childPath(at, 'name'), name, m));
      else if (names.has(name)) out.push(duplicate(rule, childPath(at, 'name'), name));
      else names.add(name);
    }
    const containerPort = port.containerPort ?? 0;
    if (containerPort === 0) out.push(required(rule, childPath(at, 'containerPort')));
    else for (const m of portNumberProblems(containerPort)) out.push(invalid(rule, childPath(at, 'containerPort'), containerPort, m));
    const hostPort = port.hostPort ?? 0;
    if (hostPort !== 0) for (const m of portNumberProblems(hostPort)) out.push(invalid(rule, childPath(at, 'hostPort'), hostPort, m));
    const protocol = setValue(port.protocol);
    if (protocol !== undefined && !PROTOCOLS.includes(protocol)) out.push(notSupported(rule, childPath(at, 'protocol'), protocol, PROTOCOLS));
  });
  return out;
}

/** The checks shared by containers and init containers, in Kubernetes' order. */
function validateContainerCommon(c: Container, path: string, rule: string, opts: PodTemplateValidationOptions): ValidationError[] {
  const out: ValidationError[] = [];
  const name = c.name ?? '';
  if (name === '') out.push(required(rule, childPath(path, 'name')));
  else for (const m of dns1123LabelProblems(name)) out.push(invalid(rule, childPath(path, 'name'), name, m));
  if ((c.image ?? '') === '') out.push(required(rule, childPath(path, 'image')));
  const tmp = setValue(c.terminationMessagePolicy);
  if (tmp !== undefined && !TERMINATION_MESSAGE_POLICIES.includes(tmp)) {
    out.push(notSupported(rule, childPath(path, 'terminationMessagePolicy'), tmp, TERMINATION_MESSAGE_POLICIES));
  }
  out.push(...validateContainerPorts(c.ports, childPath(path, 'ports'), rule));
  (c.env ?? []).forEach((env, i) => {
    if ((env.name ?? '') === '') out.push(required(rule, childPath(childPath(childPath(path, 'env'), i), 'name')));
  });
  const pull = setValue(c.imagePullPolicy);
  if (pull !== undefined && !PULL_POLICIES.includes(pull)) out.push(notSupported(rule, childPath(path, 'imagePullPolicy'), pull, PULL_POLICIES));
  out.push(...validateResourceRequirements(c.resources, childPath(path, 'resources'), rule, opts));
  return out;
}

/**
 * Checks of a pod spec: at least one container; every container and init container has a DNS-1123 name,
 * unique across both lists, and an image; ports, env names, pull and termination-message policies and
 * resources are well-formed; restartPolicy is known; nodeSelector is a label map; activeDeadlineSeconds is
 * positive.
 */
export function validatePodSpec(spec: Partial<PodSpec> | null | undefined, path: string, rule: string, opts: PodTemplateValidationOptions = {}): ValidationError[] {
  const out: ValidationError[] = [];
  const containers = spec?.containers ?? [];
  const names = new Set<string>();
  const containersPath = childPath(path, 'containers');
  if (containers.length === 0) {
    out.push(required(rule, containersPath));
  } else {
    containers.forEach((c, i) => {
      const at = childPath(containersPath, i);
      out.push(...validateContainerCommon(c, at, rule, opts));
      const name = c.name ?? '';
      if (names.has(name)) out.push(duplicate(rule, childPath(at, 'name'), name));
      else names.add(name);
    });
  }
  const initPath = childPath(path, 'initContainers');
  (spec?.initContainers ?? []).forEach((c, i) => {
    const at = childPath(initPath, i);
    out.push(...validateContainerCommon(c, at, rule, opts));
    const name = c.name ?? '';
    if (names.has(name)) out.push(duplicate(rule, childPath(at, 'name'), name));
    else if (name !== '') names.add(name);
  });
  const restartPolicy = setValue(spec?.restartPolicy);
  if (restartPolicy !== undefined && !RESTART_POLICIES.includes(restartPolicy)) {
    out.push(notSupported(rule, childPath(path, 'restartPolicy'), restartPolicy, RESTART_POLICIES));
  }
  out.push(...validateLabels(spec?.nodeSelector, childPath(path, 'nodeSelector'), rule));
  const deadline = spec?.activeDeadlineSeconds;
  if (deadline != null && (deadline < 1 || deadline > INT32_MAX)) {
    out.push(invalid(rule, childPath(path, 'activeDeadlineSeconds'), deadline, inclusiveRange(1, INT32_MAX)));
  }
  return out;
}

/**
 * The API server's checks of a ReplicaSet's pod template, which Argo applies to `spec.template`:
 * the selector (unless empty, which selects everything) must match the template's labels — a missing
 * selector matches nothing, so it always fails here; a selector that cannot be converted is not compared —
 * then labels, annotations and the pod spec are checked; restartPolicy must be `Always` and
 * activeDeadlineSeconds must not be set.
 */
export function validatePodTemplateSpecForReplicaSet(
  template: PodTemplateSpec | null | undefined,
  selector: LabelSelector | null | undefined,
  path: string,
  rule: string,
  opts: PodTemplateValidationOptions = {},
): ValidationError[] {
  const out: ValidationError[] = [];
  const metadataPath = childPath(path, 'metadata');
  const specPath = childPath(path, 'spec');
  const labels = template?.metadata?.labels;
  const parsed = parseLabelSelector(selector);
  if (E.isRight(parsed) && parsed.right.kind !== 'everything' && !selectorMatchesLabels(selector, labels)) {
    out.push(invalid(rule, childPath(metadataPath, 'labels'), labels ?? null, '`selector` does not match template `labels`'));
  }
  out.push(...validateLabels(labels, childPath(metadataPath, 'labels'), rule));
  out.push(...validateAnnotations(template?.metadata?.annotations, childPath(metadataPath, 'annotations'), rule));
  const spec = template?.spec;
  out.push(...validatePodSpec(spec, specPath, rule, opts));
  if ((spec?.ephemeralContainers ?? []).length > 0) {
    out.push(forbidden(rule, childPath(specPath, 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  const restartPolicy = setValue(spec?.restartPolicy) ?? 'Always';
  if (restartPolicy !== 'Always') out.push(notSupported(rule, childPath(specPath, 'restartPolicy'), restartPolicy, ['Always']));
  if (spec?.activeDeadlineSeconds != null) {
    out.push(forbidden(rule, childPath(specPath, 'activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return out;
}

/**
 * The resource quantities of a pod template that do not parse (containers, then init containers): what
 * `skipUnparsableQuantities` leaves out. For `kubectl-rollouts lint`, which warns about them.
 */
export function unparsableQuantities(template: PodTemplateSpec | null | undefined, path: string, rule: string): ValidationError[] {
  const out: ValidationError[] = [];
  const specPath = childPath(path, 'spec');
  const scan = (list: ReadonlyArray<Container> | null | undefined, field: string): void => {
    (list ?? []).forEach((c, i) => {
      const resourcesPath = childPath(childPath(childPath(specPath, field), i), 'resources');
      for (const kind of ['limits', 'requests'] as const) {
        for (const [name, q] of Object.entries(c.resources?.[kind] ?? {})) {
          const parsed = parseQuantity(q);
          if (E.isLeft(parsed)) out.push(invalid(rule, childPath(childPath(resourcesPath, kind), name), q, parsed.left));
        }
      }
    });
  };
  scan(template?.spec?.containers, 'containers');
  scan(template?.spec?.initContainers, 'initContainers');
  return out;
}
