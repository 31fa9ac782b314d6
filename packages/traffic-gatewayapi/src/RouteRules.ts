/**
 * What the router does to the `spec.rules` of one Gateway API route, as pure functions: weights on the rules
 * that hold both the canary and the stable Service, header and mirror rules derived from those, and the record
 * of which rules and backends a Rollout added (kept in an annotation of the route, so it survives a restart and
 * nothing else — a rule someone else wrote, another Rollout's rules — is ever taken for ours).
 */
import type { StringMatch } from '@rollouts/api';
import type { HeaderRoute, MirrorRoute } from '@rollouts/plugin-sdk';

export type JsonObject = Record<string, unknown>;

/**
 * The annotation holding, per Rollout name, the rules it added (by managed route name) and the experiment
 * backends it added: `{"<rollout>":{"rules":{"<managed route>":["<rule>",...]},"backends":["<service>"]}}`.
 */
export const MANAGED_ANNOTATION = 'rollouts.argoproj.io/gatewayapi-managed';

/** What one Rollout added to one route. */
export interface ManagedRecord {
  /** Managed route name (from `setHeaderRoute.name` / `setMirrorRoute.name`) -> the names of the rules written for it. */
  readonly rules: Readonly<Record<string, ReadonlyArray<string>>>;
  /** Experiment Services added as backendRefs. */
  readonly backends: ReadonlyArray<string>;
}

export const EMPTY_RECORD: ManagedRecord = { rules: {}, backends: [] };

export const isObj = (u: unknown): u is JsonObject => typeof u === 'object' && u !== null && !Array.isArray(u);
const objects = (u: unknown): JsonObject[] => (Array.isArray(u) ? u.filter(isObj) : []);

/** Every Rollout's record on `route`, or a message when the annotation is not the JSON this router writes. */
export function readRecords(route: { readonly metadata: { readonly annotations?: Readonly<Record<string, string>> } }): Record<string, ManagedRecord> | string {
  const raw = route.metadata.annotations?.[MANAGED_ANNOTATION];
  if (raw === undefined || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return `annotation ${MANAGED_ANNOTATION} is not JSON`;
  }
  if (!isObj(parsed)) return `annotation ${MANAGED_ANNOTATION} is not a JSON object`;
  const out: Record<string, ManagedRecord> = {};
  for (const [rollout, rec] of Object.entries(parsed)) {
    if (!isObj(rec)) return `annotation ${MANAGED_ANNOTATION}: the entry of "${rollout}" is not an object`;
    const rules: Record<string, string[]> = {};
    if (rec['rules'] !== undefined) {
      if (!isObj(rec['rules'])) return `annotation ${MANAGED_ANNOTATION}: "${rollout}".rules is not an object`;
      for (const [route, names] of Object.entries(rec['rules'])) {
        if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) return `annotation ${MANAGED_ANNOTATION}: "${rollout}".rules["${route}"] is not a list of names`;
        rules[route] = names as string[];
      }
    }
    const backends = rec['backends'] ?? [];
    if (!Array.isArray(backends) || !backends.every((n) => typeof n === 'string')) return `annotation ${MANAGED_ANNOTATION}: "${rollout}".backends is not a list of names`;
    out[rollout] = { rules, backends: backends as string[] };
  }
  return out;
}

const isEmptyRecord = (r: ManagedRecord) => Object.keys(r.rules).length === 0 && r.backends.length === 0;

/** The annotations of a route with `rollout`'s record replaced (removed when empty; the annotation too when no record is left). */
export function withRecord(
  annotations: Readonly<Record<string, string>> | undefined,
  records: Readonly<Record<string, ManagedRecord>>,
  rollout: string,
  record: ManagedRecord,
): Record<string, string> | undefined {
  const next: Record<string, ManagedRecord> = { ...records };
  if (isEmptyRecord(record)) delete next[rollout];
  else next[rollout] = record;
  const out: Record<string, string> = { ...(annotations ?? {}) };
  const compact = Object.fromEntries(
    Object.entries(next)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, r]) => [k, { ...(Object.keys(r.rules).length > 0 ? { rules: Object.fromEntries(Object.entries(r.rules).sort(([a], [b]) => a.localeCompare(b))) } : {}), ...(r.backends.length > 0 ? { backends: r.backends } : {}) }]),
  );
  if (Object.keys(compact).length === 0) delete out[MANAGED_ANNOTATION];
  else out[MANAGED_ANNOTATION] = JSON.stringify(compact);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The names of every rule recorded by any Rollout on this route. */
export function allManagedRuleNames(records: Readonly<Record<string, ManagedRecord>>): Set<string> {
  const out = new Set<string>();
  for (const r of Object.values(records)) for (const names of Object.values(r.rules)) for (const n of names) out.add(n);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Backend references

/** The Services of the Rollout, as backendRefs of a route in `routeNamespace` name them. */
export interface Services {
  readonly canary: string;
  readonly stable: string;
  /** The Rollout's namespace (where its Services are). */
  readonly namespace: string;
  /** The route's namespace (a backendRef without `namespace` points there). */
  readonly routeNamespace: string;
}

/** Whether `ref` points at Service `name` of `svc.namespace`. */
export function refersTo(ref: JsonObject, name: string, svc: Services): boolean {
  const group = ref['group'];
  const kind = ref['kind'];
  const ns = typeof ref['namespace'] === 'string' && ref['namespace'] !== '' ? ref['namespace'] : svc.routeNamespace;
  return ref['name'] === name && (group === undefined || group === '' || group === 'core') && (kind === undefined || kind === 'Service') && ns === svc.namespace;
}

const refsOf = (rule: JsonObject): JsonObject[] => objects(rule['backendRefs']);
const ruleName = (rule: JsonObject): string | undefined => (typeof rule['name'] === 'string' ? rule['name'] : undefined);

/** Whether the rule is one the weights apply to: it holds both the canary and the stable Service. */
export function isWeightedRule(rule: JsonObject, svc: Services): boolean {
  const refs = refsOf(rule);
  return refs.some((r) => refersTo(r, svc.canary, svc)) && refs.some((r) => refersTo(r, svc.stable, svc));
}

/** An experiment Service added next to the canary and stable ones, with the port to reach it on. */
export interface ExperimentBackend {
  readonly service: string;
  readonly port: number;
  readonly weight: number;
}

/** The weights of one route: the canary's, the stable's, and the experiments'. */
export interface RuleWeights {
  readonly canary: number;
  readonly stable: number;
  readonly experiments: ReadonlyArray<ExperimentBackend>;
}

/**
 * Weights written into every weighted rule (header rules, which hold the canary alone, and rules without both
 * Services are left as they are). Experiment backends this Rollout added before (`previous`) and no longer
 * wants are removed; every other backendRef stays byte for byte.
 */
export function weighRules(rules: ReadonlyArray<JsonObject>, svc: Services, weights: RuleWeights, previous: ReadonlyArray<string>): JsonObject[] {
  const ours = new Set([...previous, ...weights.experiments.map((e) => e.service)]);
  return rules.map((rule) => {
    if (!isWeightedRule(rule, svc)) return rule;
    const refs = refsOf(rule);
    const canaryRef = refs.find((r) => refersTo(r, svc.canary, svc)) ?? {};
    const kept = refs
      .filter((r) => !(ours.has(String(r['name'])) && !refersTo(r, svc.canary, svc) && !refersTo(r, svc.stable, svc) && refersTo(r, String(r['name']), svc)))
      .map((r) => (refersTo(r, svc.canary, svc) ? { ...r, weight: weights.canary } : refersTo(r, svc.stable, svc) ? { ...r, weight: weights.stable } : r));
    const added = weights.experiments.map((e) => {
      const { filters: _f, ...base } = canaryRef;
      return { ...base, name: e.service, port: e.port, weight: e.weight };
    });
    return { ...rule, backendRefs: [...kept, ...added] };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Header and mirror rules

/** A valid rule name (a Gateway API SectionName). */
const SECTION_NAME = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;

/** Why `name` cannot name a rule, or `undefined`. */
export function ruleNameProblem(name: string): string | undefined {
  if (name.length > 240 || !SECTION_NAME.test(name)) return `"${name}" cannot name a Gateway API rule (lowercase letters, digits and '-', starting and ending alphanumeric, at most 240 characters)`;
  return undefined;
}

/** The names of the rules written for managed route `name`: `name`, `name-1`, `name-2`, ... */
export const derivedRuleNames = (name: string, count: number): string[] => Array.from({ length: count }, (_, i) => (i === 0 ? name : `${name}-${i}`));

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A Gateway API string match for a Rollouts StringMatch (prefix as an escaped regular expression), or a problem. */
export function stringMatch(m: StringMatch, what: string): { readonly type: 'Exact' | 'RegularExpression'; readonly value: string } | string {
  const set = [m.exact, m.prefix, m.regex].filter((v) => v != null);
  if (set.length !== 1) return `${what}: exactly one of exact, prefix, regex must be set (found ${set.length})`;
  if (m.exact != null) return { type: 'Exact', value: m.exact };
  if (m.prefix != null) return { type: 'RegularExpression', value: `${escapeRegex(m.prefix)}.*` };
  return { type: 'RegularExpression', value: m.regex! };
}

/** The canary backendRef of a rule with weight 1 and no per-backend filters: where a managed rule sends everything. */
function canaryOnly(rule: JsonObject, svc: Services): JsonObject {
  const ref = refsOf(rule).find((r) => refersTo(r, svc.canary, svc)) ?? { name: svc.canary };
  return { ...ref, weight: 1 };
}

/** The source rule's matches, the default (`/` prefix, every method) when it has none. */
const matchesOf = (rule: JsonObject): JsonObject[] => {
  const ms = objects(rule['matches']);
  return ms.length > 0 ? ms : [{}];
};

/**
 * The rules of a header route: one per weighted source rule, named `<name>`, `<name>-1`, ..., matching what the
 * source matches AND every header of the route, sending everything to the canary, with the source's filters.
 */
export function headerRules(sources: ReadonlyArray<JsonObject>, route: HeaderRoute, svc: Services): JsonObject[] | string {
  const headers: JsonObject[] = [];
  for (const [i, m] of route.match.entries()) {
    const sm = stringMatch(m.headerValue, `setHeaderRoute "${route.name}" match[${i}].headerValue`);
    if (typeof sm === 'string') return sm;
    if (m.headerName === '') return `setHeaderRoute "${route.name}" match[${i}].headerName is empty`;
    headers.push({ name: m.headerName, type: sm.type, value: sm.value });
  }
  const names = derivedRuleNames(route.name, sources.length);
  const lower = (h: JsonObject) => String(h['name']).toLowerCase();
  const seen = new Set<string>();
  for (const h of headers) {
    if (seen.has(lower(h))) return `setHeaderRoute "${route.name}": header ${String(h['name'])} is matched twice (a Gateway API match names each header once)`;
    seen.add(lower(h));
  }
  const out: JsonObject[] = [];
  for (const [i, source] of sources.entries()) {
    const matches: JsonObject[] = [];
    for (const m of matchesOf(source)) {
      const own = objects(m['headers']);
      const clash = own.find((h) => seen.has(lower(h)));
      if (clash !== undefined) return `setHeaderRoute "${route.name}": the weighted rule already matches header ${String(clash['name'])}; a Gateway API match names each header once`;
      matches.push({ ...m, headers: [...own, ...headers] });
    }
    const filters = objects(source['filters']);
    out.push({ name: names[i], matches, ...(filters.length > 0 ? { filters } : {}), backendRefs: [canaryOnly(source, svc)] });
  }
  return out;
}

const PATH_DEFAULT = (p: unknown) => p === undefined || (isObj(p) && (p['type'] ?? 'PathPrefix') === 'PathPrefix' && (p['value'] ?? '/') === '/');
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

type PathMatch = { readonly type: string; readonly value: string };

/** Whether `path` lies under prefix `prefix` (Gateway API PathPrefix matches whole path elements). */
const underPrefix = (path: string, prefix: string): boolean => {
  const p = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return p === '/' || path === p || path.startsWith(`${p}/`);
};

/**
 * The path both `a` and `b` match (the narrower one), `null` when no path matches both, or a problem when the
 * intersection cannot be written as one Gateway API path match (regular expressions).
 */
function intersectPaths(a: PathMatch, b: PathMatch, what: string): PathMatch | null | string {
  if (a.type === 'PathPrefix' && b.type === 'PathPrefix') return underPrefix(a.value, b.value) ? a : underPrefix(b.value, a.value) ? b : null;
  if (a.type === 'Exact' && b.type === 'Exact') return a.value === b.value ? a : null;
  if (a.type === 'Exact' && b.type === 'PathPrefix') return underPrefix(a.value, b.value) ? a : null;
  if (a.type === 'PathPrefix' && b.type === 'Exact') return underPrefix(b.value, a.value) ? b : null;
  return `${what}.path: ${JSON.stringify(a)} and the weighted rule's path ${JSON.stringify(b)} cannot be combined into one HTTPRoute path match`;
}

/** One Rollouts mirror match ANDed into an HTTPRoute match of `source`; `null` when nothing matches both; or a problem. */
function mirrorMatch(source: JsonObject, m: MirrorRoute['match'][number], what: string): JsonObject | null | string {
  const out: JsonObject = { ...source };
  if (m.path != null) {
    let path: PathMatch;
    if (m.path.exact != null) path = { type: 'Exact', value: m.path.exact };
    else if (m.path.prefix != null) path = { type: 'PathPrefix', value: m.path.prefix };
    else if (m.path.regex != null) path = { type: 'RegularExpression', value: m.path.regex };
    else return `${what}.path: one of exact, prefix, regex must be set`;
    const have = source['path'];
    const sourcePath: PathMatch = isObj(have) ? { type: String(have['type'] ?? 'PathPrefix'), value: String(have['value'] ?? '/') } : { type: 'PathPrefix', value: '/' };
    const both = PATH_DEFAULT(have) ? path : intersectPaths(path, sourcePath, what);
    if (both === null || typeof both === 'string') return both;
    out['path'] = both;
  }
  if (m.method != null) {
    const method = m.method.exact;
    if (method == null || m.method.prefix != null || m.method.regex != null) return `${what}.method: the Gateway API matches methods exactly only (method.exact)`;
    if (!HTTP_METHODS.has(method)) return `${what}.method.exact: "${method}" is not an HTTP method the Gateway API knows (${[...HTTP_METHODS].join(', ')})`;
    if (source['method'] !== undefined && source['method'] !== method) return null;
    out['method'] = method;
  }
  const headers = objects(source['headers']);
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    const sm = stringMatch(value, `${what}.headers.${name}`);
    if (typeof sm === 'string') return sm;
    if (headers.some((h) => String(h['name']).toLowerCase() === name.toLowerCase())) return `${what}.headers.${name}: the header is matched already; a Gateway API match names each header once`;
    headers.push({ name, type: sm.type, value: sm.value });
  }
  if (headers.length > 0) out['headers'] = headers;
  return out;
}

/**
 * The rules of a mirror route (HTTPRoute only): one per weighted source rule, named like header rules, matching
 * the source AND the mirror's match, weighted like the source, with a RequestMirror filter to the canary.
 */
export function mirrorRules(sources: ReadonlyArray<JsonObject>, route: MirrorRoute, svc: Services): JsonObject[] | string {
  const pct = route.percentage;
  if (!Number.isInteger(pct) || pct < 0 || pct > 100) return `setMirrorRoute "${route.name}".percentage: expected an integer 0..100, got ${pct}`;
  const names = derivedRuleNames(route.name, sources.length);
  const out: JsonObject[] = [];
  for (const source of sources) {
    const matches: JsonObject[] = [];
    for (const sm of matchesOf(source)) {
      for (const [j, m] of route.match.entries()) {
        const mm = mirrorMatch(sm, m, `setMirrorRoute "${route.name}" match[${j}]`);
        if (typeof mm === 'string') return mm;
        if (mm !== null) matches.push(mm);
      }
    }
    // Nothing the weighted rule matches is mirrored: no rule (an HTTPRoute rule needs a match to mean "none").
    if (matches.length === 0) continue;
    const canary = refsOf(source).find((r) => refersTo(r, svc.canary, svc)) ?? { name: svc.canary };
    const backendRef: JsonObject = { name: canary['name'] };
    for (const k of ['group', 'kind', 'namespace', 'port']) if (canary[k] !== undefined) backendRef[k] = canary[k];
    const mirror: JsonObject = { type: 'RequestMirror', requestMirror: { backendRef, ...(pct < 100 ? { percent: pct } : {}) } };
    out.push({ name: names[out.length], matches, filters: [...objects(source['filters']), mirror], backendRefs: refsOf(source) });
  }
  if (out.length === 0) return `setMirrorRoute "${route.name}": its matches select nothing the weighted rules match`;
  return out;
}

/**
 * `rules` with `replaced` (the rules formerly written for one managed route) swapped for `next`: in place of
 * the first of them when there was one, appended otherwise, so setting the same routes again moves nothing.
 */
export function putRules(rules: ReadonlyArray<JsonObject>, replaced: ReadonlySet<string>, next: ReadonlyArray<JsonObject>): JsonObject[] {
  const at = rules.findIndex((r) => replaced.has(ruleName(r) ?? '\u0000'));
  const kept = rules.filter((r) => !replaced.has(ruleName(r) ?? '\u0000'));
  if (at < 0) return [...kept, ...next];
  const before = rules.slice(0, at).filter((r) => !replaced.has(ruleName(r) ?? '\u0000')).length;
  return [...kept.slice(0, before), ...next, ...kept.slice(before)];
}

/** The rules other than those named in `names`. */
export const removeRules = (rules: ReadonlyArray<JsonObject>, names: ReadonlySet<string>): JsonObject[] => rules.filter((r) => !names.has(ruleName(r) ?? '\u0000'));

export { ruleName, objects };
