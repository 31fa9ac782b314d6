/**
 * Checks of a Rollout against the objects it refers to (Services, Ingresses, Istio VirtualServices), as the
 * controller runs them before acting and `kubectl-rollouts lint` runs them on the objects given with it.
 *
 * Unlike upstream's lint, every Rollout is checked against every object it names (no order-dependent early
 * stop, no last-writer-wins role assignment), paths are the true field paths, and label keys are visited in
 * sorted order so the output is deterministic.
 */
import type { Rollout } from '../Rollout';
import type { Ingress, Service } from '../Kubernetes';
import type { ValidationError } from '../Validation';

export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';
export const MANAGED_BY_ROLLOUTS_ANNOTATION = 'argo-rollouts.argoproj.io/managed-by-rollouts';

/** The objects a Rollout's references are resolved against. Absent names are not reported here. */
export interface ReferencedObjects {
  readonly services?: ReadonlyArray<Service>;
  readonly ingresses?: ReadonlyArray<Ingress>;
  /** Istio VirtualServices, kept as raw objects (networking.istio.io is not our API). */
  readonly virtualServices?: ReadonlyArray<unknown>;
}

const CANARY = 'spec.strategy.canary';
const BLUE_GREEN = 'spec.strategy.blueGreen';
const TR = `${CANARY}.trafficRouting`;

const nameOf = (o: { metadata?: { name?: string | null } | null } | undefined): string | undefined => o?.metadata?.name ?? undefined;

/** Spec-only shape checks of the routers' configuration that upstream makes while fetching (F3, F4, F6, F8, F9). */
export function validateTrafficRoutingConfig(rollout: Rollout): ValidationError[] {
  const tr = rollout.spec.strategy?.canary?.trafficRouting;
  if (tr == null) return [];
  const out: ValidationError[] = [];
  const eitherOr = (path: string, one: unknown, many: unknown, a: string, b: string, rule: string): void => {
    const hasOne = one != null && one !== '';
    const hasMany = many != null;
    if (hasOne && hasMany) out.push({ path, type: 'InternalError', rule, message: `Either ${a} or ${b} must be configured. Both are configured.` });
    if (!hasOne && !hasMany) out.push({ path, type: 'InternalError', rule, message: `Either ${a} or ${b} must be configured. Neither are configured.` });
  };
  if (tr.nginx != null) eitherOr(`${TR}.nginx`, tr.nginx.stableIngress, tr.nginx.stableIngresses, 'StableIngress', 'StableIngresses', 'F3');
  if (tr.alb != null) eitherOr(`${TR}.alb`, tr.alb.ingress, tr.alb.ingresses, 'Ingress', 'Ingresses', 'F4');
  if (tr.istio != null) {
    const one = tr.istio.virtualService != null;
    const many = tr.istio.virtualServices != null;
    if (one === many) out.push({ path: `${TR}.istio`, type: 'InternalError', rule: 'F6', message: 'either VirtualService or VirtualServices must be configured' });
  }
  if (tr.ambassador != null && tr.ambassador.mappings.length === 0)
    out.push({ path: `${TR}.ambassador.mappings`, type: 'Invalid', rule: 'F8', value: null, message: 'must provide at least one mapping' });
  if (tr.appMesh != null && tr.appMesh.virtualService == null)
    out.push({ path: `${TR}.appMesh.virtualService`, type: 'Invalid', rule: 'F9', value: null, message: 'must provide virtual-service' });
  return out;
}

/** The Services a Rollout names, with the field path that names each. */
export function serviceReferences(rollout: Rollout): Array<{ path: string; name: string }> {
  const refs: Array<{ path: string; name: string }> = [];
  const add = (path: string, name: string | null | undefined): void => {
    if (name != null && name !== '') refs.push({ path, name });
  };
  const c = rollout.spec.strategy?.canary;
  if (c != null) {
    add(`${CANARY}.stableService`, c.stableService);
    add(`${CANARY}.canaryService`, c.canaryService);
    add(`${CANARY}.pingPong.pingService`, c.pingPong?.pingService);
    add(`${CANARY}.pingPong.pongService`, c.pingPong?.pongService);
  }
  const bg = rollout.spec.strategy?.blueGreen;
  if (bg != null) {
    add(`${BLUE_GREEN}.activeService`, bg.activeService);
    add(`${BLUE_GREEN}.previewService`, bg.previewService);
  }
  return refs;
}

/** SV1 and SV2: a Service's selector must select the Rollout's pods, and no other Rollout may manage it. */
export function validateServiceReferences(rollout: Rollout, services: ReadonlyArray<Service>): ValidationError[] {
  const out: ValidationError[] = [];
  const labels = rollout.spec.template?.metadata?.labels ?? {};
  const rolloutName = nameOf(rollout);
  for (const ref of serviceReferences(rollout)) {
    const svc = services.find((s) => nameOf(s) === ref.name && sameNamespace(s, rollout));
    if (svc === undefined) continue;
    const managedBy = svc.metadata?.annotations?.[MANAGED_BY_ROLLOUTS_ANNOTATION];
    if (managedBy != null && rolloutName !== undefined && managedBy !== rolloutName) {
      out.push({ path: ref.path, type: 'Invalid', rule: 'SV2', value: ref.name, message: `Service ${JSON.stringify(ref.name)} is managed by another Rollout` });
    }
    // With a workloadRef the template lives in the referenced object: labels cannot be checked here.
    if (rollout.spec.workloadRef != null) continue;
    const selector = svc.spec?.selector ?? {};
    for (const key of Object.keys(selector).sort()) {
      if (key === POD_TEMPLATE_HASH_LABEL) continue;
      if (labels[key] !== selector[key]) {
        out.push({ path: ref.path, type: 'Invalid', rule: 'SV1', value: ref.name, message: `Service ${JSON.stringify(ref.name)} has unmatch label ${JSON.stringify(key)} in rollout` });
      }
    }
  }
  return out;
}

function sameNamespace(o: { metadata?: { namespace?: string | null } | null }, rollout: Rollout): boolean {
  const a = o.metadata?.namespace ?? undefined;
  const b = rollout.metadata?.namespace ?? undefined;
  return a === undefined || b === undefined || a === b;
}

/** Names of the Services an Ingress's rules send traffic to (v1 `service.name`, v1beta1 `serviceName`). */
export function ingressBackendServices(ingress: Ingress): string[] {
  const names: string[] = [];
  for (const rule of ingress.spec?.rules ?? []) {
    for (const p of rule.http?.paths ?? []) {
      const b = p.backend;
      const name = b?.service?.name ?? b?.serviceName;
      if (name != null) names.push(name);
    }
  }
  return names;
}

/** IG1: each Ingress the NGINX or ALB router will use must route to the expected Service. */
export function validateIngressReferences(rollout: Rollout, ingresses: ReadonlyArray<Ingress>): ValidationError[] {
  const c = rollout.spec.strategy?.canary;
  const tr = c?.trafficRouting;
  if (c == null || tr == null) return [];
  const out: ValidationError[] = [];
  const check = (path: string, ingressName: string, service: string | null | undefined): void => {
    const ing = ingresses.find((i) => nameOf(i) === ingressName && sameNamespace(i, rollout));
    if (ing === undefined || service == null || service === '') return;
    if (!ingressBackendServices(ing).includes(service)) {
      out.push({ path, type: 'Invalid', rule: 'IG1', value: ingressName, message: `ingress \`${ingressName}\` has no rules using service ${service} backend` });
    }
  };
  if (tr.nginx != null) {
    if (tr.nginx.stableIngress != null && tr.nginx.stableIngress !== '') check(`${TR}.nginx.stableIngress`, tr.nginx.stableIngress, c.stableService);
    (tr.nginx.stableIngresses ?? []).forEach((n, i) => check(`${TR}.nginx.stableIngresses[${i}]`, n, c.stableService));
  }
  if (tr.alb != null) {
    const expected = tr.alb.rootService != null && tr.alb.rootService !== '' ? tr.alb.rootService : c.stableService;
    if (tr.alb.ingress != null && tr.alb.ingress !== '') check(`${TR}.alb.ingress`, tr.alb.ingress, expected);
    (tr.alb.ingresses ?? []).forEach((n, i) => check(`${TR}.alb.ingresses[${i}]`, n, expected));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Istio VirtualService

type Obj = Record<string, unknown>;
const isObj = (u: unknown): u is Obj => typeof u === 'object' && u !== null && !Array.isArray(u);
const arr = (u: unknown): unknown[] | undefined => (Array.isArray(u) ? u : undefined);
const str = (u: unknown): string | undefined => (typeof u === 'string' ? u : undefined);

/** A reference `name` or `name.namespace` (a trailing `.svc.cluster.local` or `.cluster.local` ignored). */
export function parseVirtualServiceRef(ref: string): { name: string; namespace?: string } {
  const trimmed = ref.replace(/\.svc\.cluster\.local$|\.cluster\.local$/, '');
  const dot = trimmed.lastIndexOf('.');
  return dot < 0 ? { name: trimmed } : { name: trimmed.slice(0, dot), namespace: trimmed.slice(dot + 1) };
}

const firstLabel = (host: string): string => host.split('.')[0] ?? host;

interface RouteCheckContext {
  readonly canaryService?: string;
  readonly stableService?: string;
  readonly canarySubset?: string;
  readonly stableSubset?: string;
}

/** The destination check shared by HTTP, TLS and TCP routes; the first missing destination's message. */
function destinationProblem(route: Obj, ctx: RouteCheckContext): string | undefined {
  const dests = (arr(route.route) ?? []).filter(isObj).map((d) => (isObj(d.destination) ? d.destination : {}));
  const hosts = dests.map((d) => firstLabel(str(d.host) ?? ''));
  const subsets = dests.map((d) => str(d.subset));
  if (ctx.canarySubset !== undefined || ctx.stableSubset !== undefined) {
    if (ctx.canarySubset !== undefined && !subsets.includes(ctx.canarySubset)) return `Canary DestinationRule subset '${ctx.canarySubset}' not found in route`;
    if (ctx.stableSubset !== undefined && !subsets.includes(ctx.stableSubset)) return `Stable DestinationRule subset '${ctx.stableSubset}' not found in route`;
    return undefined;
  }
  if (ctx.canaryService !== undefined && !hosts.includes(firstLabel(ctx.canaryService))) return `Canary Service '${ctx.canaryService}' not found in route`;
  if (ctx.stableService !== undefined && !hosts.includes(firstLabel(ctx.stableService))) return `Stable Service '${ctx.stableService}' not found in route`;
  return undefined;
}

/** The single port a TLS/TCP route matches on: 0 without match blocks, undefined when it names several. */
function routePort(route: Obj): number | undefined {
  const ports = new Set((arr(route.match) ?? []).filter(isObj).map((m) => (typeof m.port === 'number' ? m.port : 0)));
  if (ports.size === 0) return 0;
  return ports.size === 1 ? [...ports][0] : undefined;
}

function sniHostsOf(route: Obj): string[] {
  return [...new Set((arr(route.match) ?? []).filter(isObj).flatMap((m) => (arr(m.sniHosts) ?? []).filter((h): h is string => typeof h === 'string')))].sort();
}

/** VS1 and VS2 for one VirtualService object against the Rollout's istio configuration for it. */
export function validateVirtualService(rollout: Rollout, vsRef: { path: string; routes?: readonly string[] | null; tlsRoutes?: ReadonlyArray<{ port?: number | null; sniHosts?: readonly string[] | null }> | null; tcpRoutes?: ReadonlyArray<{ port?: number | null }> | null }, vs: unknown): ValidationError[] {
  const c = rollout.spec.strategy?.canary;
  const spec = isObj(vs) && isObj(vs.spec) ? vs.spec : {};
  const vsName = isObj(vs) && isObj(vs.metadata) ? (str(vs.metadata.name) ?? '') : '';
  const err = (message: string, rule: string): ValidationError => ({ path: vsRef.path, type: 'Invalid', rule, value: vsName, message });
  const http = spec.http;
  const tls = spec.tls;
  const tcp = spec.tcp;
  if (http === undefined && tls === undefined && tcp === undefined) return [err('Unable to get any of the HTTP, TCP or TLS routes for the Istio VirtualService', 'VS1')];

  const dr = c?.trafficRouting?.istio?.destinationRule;
  const usePingPong = (c?.stableService ?? '') === '' && (c?.canaryService ?? '') === '' && c?.pingPong != null;
  const ctx: RouteCheckContext =
    dr != null
      ? { canarySubset: dr.canarySubsetName, stableSubset: dr.stableSubsetName }
      : usePingPong
        ? { canaryService: c?.pingPong?.pongService, stableService: c?.pingPong?.pingService }
        : { ...(c?.canaryService ? { canaryService: c.canaryService } : {}), ...(c?.stableService ? { stableService: c.stableService } : {}) };
  const managed = new Set((c?.trafficRouting?.managedRoutes ?? []).map((m) => m.name));
  const out: ValidationError[] = [];

  const section = (value: unknown, label: 'HTTP' | 'TLS' | 'TCP', problem: (routes: Obj[]) => string | undefined): void => {
    if (value === undefined) return;
    const routes = arr(value);
    if (routes === undefined || !routes.every(isObj)) {
      out.push(err(`Unable to get ${label} routes for Istio VirtualService`, 'VS2'));
      return;
    }
    const p = problem(routes as Obj[]);
    if (p !== undefined) out.push(err(`Istio VirtualService has invalid ${label} routes. Error: ${p}`, 'VS2'));
  };

  section(http, 'HTTP', (routes) => {
    const listed = vsRef.routes ?? [];
    let checked: Obj[];
    if (listed.length > 0) {
      checked = [];
      for (const name of listed) {
        const r = routes.find((x) => str(x.name) === name);
        if (r === undefined) return `HTTP Route '${name}' is not found in the defined Virtual Service.`;
        checked.push(r);
      }
    } else {
      const unmanaged = routes.filter((r) => !managed.has(str(r.name) ?? ''));
      if (unmanaged.length > 1)
        return 'spec.http[] should be set in VirtualService and it must have exactly one route when omitting spec.strategy.canary.trafficRouting.istio.virtualService.routes';
      checked = unmanaged.slice(0, 1);
    }
    for (const r of checked) {
      const p = destinationProblem(r, ctx);
      if (p !== undefined) return p;
    }
    return undefined;
  });

  const portRoutes = (label: 'TLS' | 'TCP', listed: ReadonlyArray<{ port?: number | null; sniHosts?: readonly string[] | null }>) => (routes: Obj[]) => {
    let checked: Obj[];
    if (listed.length > 0) {
      checked = [];
      for (const want of listed) {
        const wantHosts = [...new Set(want.sniHosts ?? [])].sort();
        const match = routes.find((r) => routePort(r) === (want.port ?? 0) && (label === 'TCP' || JSON.stringify(sniHostsOf(r)) === JSON.stringify(wantHosts)));
        if (match === undefined) return `No matching ${label} routes found in the defined Virtual Service.`;
        checked.push(match);
      }
    } else {
      if (routes.length > 1) {
        const key = label === 'TLS' ? 'tls' : 'tcp';
        return `spec.${key}[] should be set in VirtualService and it must have exactly one route when omitting spec.strategy.canary.trafficRouting.istio.virtualService.${key}Routes`;
      }
      checked = routes.slice(0, 1);
    }
    for (const r of checked) {
      const p = destinationProblem(r, ctx);
      if (p !== undefined) return p;
    }
    return undefined;
  };
  section(tls, 'TLS', portRoutes('TLS', vsRef.tlsRoutes ?? []));
  section(tcp, 'TCP', portRoutes('TCP', vsRef.tcpRoutes ?? []));
  return out;
}

/** VS1/VS2 for every VirtualService the Rollout names that is among `virtualServices`. */
export function validateVirtualServiceReferences(rollout: Rollout, virtualServices: ReadonlyArray<unknown>): ValidationError[] {
  const istio = rollout.spec.strategy?.canary?.trafficRouting?.istio;
  if (istio == null) return [];
  const refs = [
    ...(istio.virtualService != null ? [{ ...istio.virtualService, path: `${TR}.istio.virtualService.name` }] : []),
    ...(istio.virtualServices ?? []).map((v, i) => ({ ...v, path: `${TR}.istio.virtualServices[${i}].name` })),
  ];
  const out: ValidationError[] = [];
  for (const ref of refs) {
    const { name, namespace } = parseVirtualServiceRef(ref.name);
    const ns = namespace ?? rollout.metadata?.namespace ?? undefined;
    const vs = virtualServices.find((v) => {
      const md = isObj(v) && isObj(v.metadata) ? v.metadata : {};
      const vns = str(md.namespace);
      return str(md.name) === name && (vns === undefined || ns === undefined || vns === ns);
    });
    if (vs !== undefined) out.push(...validateVirtualService(rollout, ref, vs));
  }
  return out;
}

/** Every reference check for one Rollout: routing configuration shape, Services, Ingresses, VirtualServices. */
export function validateRolloutReferences(rollout: Rollout, objects: ReferencedObjects): ValidationError[] {
  return [
    ...validateTrafficRoutingConfig(rollout),
    ...validateServiceReferences(rollout, objects.services ?? []),
    ...validateIngressReferences(rollout, objects.ingresses ?? []),
    ...validateVirtualServiceReferences(rollout, objects.virtualServices ?? []),
  ];
}
