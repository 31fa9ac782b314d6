/**
 * What the APISIX router does to an ApisixRoute's `spec.http[]` rules, as pure functions: the weights of the
 * canary and stable backends in the selected rules, and the rules of a header route cloned from them.
 */
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import type { StringMatch } from '@rollouts/api';
import type { HeaderRoute } from '@rollouts/plugin-sdk';

/** A JSON object as read from the API server. */
export type JsonObject = { readonly [key: string]: unknown };

/** A problem with the objects or the step, `path` naming the field. */
export interface RuleProblem {
  readonly message: string;
  readonly path: string;
}

/** One `match.exprs[]` entry of an ApisixRoute rule. */
export interface ApisixExpr {
  readonly subject: { readonly scope: 'Header'; readonly name: string };
  readonly op: 'Equal' | 'RegexMatch';
  readonly value: string;
}

const isObj = (u: unknown): u is JsonObject => typeof u === 'object' && u !== null && !Array.isArray(u);

/** The rules a Rollout routes through: `route.rules`, or the rule named like the route when none are listed. */
export function selectedRuleNames(route: { readonly name: string; readonly rules?: ReadonlyArray<string> | null }): ReadonlyArray<string> {
  return route.rules != null && route.rules.length > 0 ? route.rules : [route.name];
}

/** The `spec.http[]` rules of an ApisixRoute (`[]` when it has none). */
export function httpRulesOf(spec: unknown): ReadonlyArray<JsonObject> {
  const http = isObj(spec) ? spec['http'] : undefined;
  return Array.isArray(http) ? http.filter(isObj) : [];
}

/** The index of each selected rule in `http`, or the first one missing. */
function indexRules(routeName: string, http: ReadonlyArray<JsonObject>, names: ReadonlyArray<string>): Either<RuleProblem, ReadonlyArray<number>> {
  const out: number[] = [];
  for (const name of names) {
    const i = http.findIndex((r) => r['name'] === name);
    if (i < 0) return E.left({ message: `ApisixRoute \`${routeName}\` has no spec.http[] rule named \`${name}\``, path: 'spec.strategy.canary.trafficRouting.apisix.route.rules' });
    out.push(i);
  }
  return E.right(out);
}

const backendsOf = (rule: JsonObject): ReadonlyArray<JsonObject> => (Array.isArray(rule['backends']) ? rule['backends'].filter(isObj) : []);

/**
 * `http` with, in each rule named in `names`, the canary backend at `canaryWeight` and the stable backend at
 * `stableWeight`. Other backends and other rules are kept as they are. A selected rule without a canary or a
 * stable backend is a problem naming the rule and the Service.
 */
export function weighRules(
  routeName: string,
  http: ReadonlyArray<JsonObject>,
  names: ReadonlyArray<string>,
  services: { readonly canary: string; readonly stable: string },
  weights: { readonly canary: number; readonly stable: number },
): Either<RuleProblem, ReadonlyArray<JsonObject>> {
  const indexed = indexRules(routeName, http, names);
  if (E.isLeft(indexed)) return indexed;
  const out = [...http];
  for (const i of indexed.right) {
    const rule = out[i]!;
    const backends = backendsOf(rule);
    for (const [role, svc] of [['canary', services.canary], ['stable', services.stable]] as const) {
      if (!backends.some((b) => b['serviceName'] === svc))
        return E.left({ message: `ApisixRoute \`${routeName}\` rule \`${String(rule['name'])}\`: the ${role} backend \`${svc}\` was not found in backends`, path: `spec.http[${i}].backends` });
    }
    const weighed = backends.map((b) => (b['serviceName'] === services.canary ? { ...b, weight: weights.canary } : b['serviceName'] === services.stable ? { ...b, weight: weights.stable } : b));
    out[i] = { ...rule, backends: weighed };
  }
  return E.right(out);
}

/** Regular-expression metacharacters escaped, so a `prefix` matches literally. */
export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** One header match as an APISIX expression; a value with none of exact/prefix/regex is a problem at `path`. */
export function headerExpr(headerName: string, value: StringMatch, path: string): Either<RuleProblem, ApisixExpr> {
  const subject = { scope: 'Header' as const, name: headerName };
  if (value.exact != null) return E.right({ subject, op: 'Equal', value: value.exact });
  if (value.regex != null) return E.right({ subject, op: 'RegexMatch', value: value.regex });
  // Upstream writes `^<prefix>.*` without escaping, so a prefix holding `.` or `+` matches more than asked.
  if (value.prefix != null) return E.right({ subject, op: 'RegexMatch', value: `^${escapeRegex(value.prefix)}.*` });
  return E.left({ message: `header \`${headerName}\` has no exact, prefix or regex value`, path });
}

/**
 * The `spec.http[]` of a header route cloned from the base route: only the selected rules, each sending
 * everything to the canary backend (the other backends dropped), one priority above the base rule, matching
 * the base rule's paths/hosts/methods plus the route's headers (instead of the base rule's `exprs`).
 */
export function headerRouteRules(
  routeName: string,
  http: ReadonlyArray<JsonObject>,
  names: ReadonlyArray<string>,
  canaryService: string,
  route: HeaderRoute,
  stepPath: string,
): Either<RuleProblem, ReadonlyArray<JsonObject>> {
  const indexed = indexRules(routeName, http, names);
  if (E.isLeft(indexed)) return indexed;
  const exprs: ApisixExpr[] = [];
  for (const [j, m] of route.match.entries()) {
    if (m.headerName === '') return E.left({ message: 'headerName is empty', path: `${stepPath}.match[${j}].headerName` });
    const expr = headerExpr(m.headerName, m.headerValue, `${stepPath}.match[${j}].headerValue`);
    if (E.isLeft(expr)) return expr;
    exprs.push(expr.right);
  }
  const out: JsonObject[] = [];
  for (const i of indexed.right) {
    const rule = http[i]!;
    const canary = backendsOf(rule).find((b) => b['serviceName'] === canaryService);
    if (canary === undefined)
      return E.left({ message: `ApisixRoute \`${routeName}\` rule \`${String(rule['name'])}\`: the canary backend \`${canaryService}\` was not found in backends`, path: `spec.http[${i}].backends` });
    const match = isObj(rule['match']) ? rule['match'] : {};
    const priority = typeof rule['priority'] === 'number' ? rule['priority'] : 0;
    // `upstreams` (ApisixUpstream references) would take a share of the header route's traffic: dropped.
    const { upstreams: _upstreams, ...kept } = rule;
    out.push({ ...kept, priority: priority + 1, match: { ...match, exprs }, backends: [{ ...canary, weight: 100 }] });
  }
  return E.right(out);
}
