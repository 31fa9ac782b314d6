/**
 * Traffic routers: what turns `SetWeight`, `SetHeaderRoute` ... intents into changes in an ingress
 * controller or service mesh. A router is data plus functions, registered by kind (`nginx`, `istio`, or a
 * third party's `acme/router`). Optional methods are capabilities: a router without `setHeaderRoute` cannot
 * serve a `setHeaderRoute` step, and the Rollout is reported InvalidSpec before anything happens.
 */
import type { Rollout, StringMatch } from '@rollouts/api';
import type { Codec } from '@rollouts/api';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import type { KubeObjectClient } from './KubeObjectClient';
import type { PluginError } from './PluginError';
import type { Logger } from './Logger';
import type { RouterStatus } from './RouterStatus';

/** Where traffic goes besides canary and stable (experiment templates with a weight). */
export interface AdditionalDestination {
  readonly serviceName: string;
  readonly podTemplateHash: string;
  readonly weight: number;
}

/** What a router knows about the Rollout it routes for, on every call. */
export interface RoutingContext {
  readonly rollout: Rollout;
  readonly namespace: string;
  readonly canaryService: string;
  readonly stableService: string;
  readonly canaryPodHash: string;
  readonly stablePodHash: string;
  /** `trafficRouting.maxTrafficWeight`, default 100. */
  readonly maxWeight: number;
  /** Cancelled on shutdown or when leadership is lost. */
  readonly signal: AbortSignal;
}

export interface HeaderRoute {
  readonly name: string;
  /** Empty: remove the route. */
  readonly match: ReadonlyArray<{ readonly headerName: string; readonly headerValue: StringMatch }>;
}

export interface MirrorRoute {
  readonly name: string;
  /** Empty: remove the route. */
  readonly match: ReadonlyArray<{ readonly method?: StringMatch; readonly path?: StringMatch; readonly headers?: Readonly<Record<string, StringMatch>> }>;
  readonly percentage: number;
}

export interface TrafficRouter {
  /** Send `weight` (of `ctx.maxWeight`) to the canary, the additional destinations their weights, the rest to stable. */
  setWeight(ctx: RoutingContext, weight: number, additional: ReadonlyArray<AdditionalDestination>): TaskEither<PluginError, void>;
  setHeaderRoute?(ctx: RoutingContext, route: HeaderRoute): TaskEither<PluginError, void>;
  setMirrorRoute?(ctx: RoutingContext, route: MirrorRoute): TaskEither<PluginError, void>;
  /**
   * Remove every route the Rollout's `managedRoutes` name (called on promotion, abort and Rollout deletion).
   * A router that cannot make header or mirror routes has none to remove and answers `right`.
   */
  removeManagedRoutes(ctx: RoutingContext): TaskEither<PluginError, void>;
  /**
   * The Rollout was deleted: put what this router changed in objects it does not own (the user's Ingress or
   * VirtualService) back to all traffic on the stable Service, without this Rollout's managed routes. Objects the
   * router created with the Rollout as their owner (a canary Ingress, a TrafficSplit) are left to the garbage
   * collector, so routers with only such objects do not need this method. Called once, best effort, by the
   * controller that sees the deletion; `ctx` is built from the Rollout's last known status.
   */
  release?(ctx: RoutingContext): TaskEither<PluginError, void>;
  /**
   * Whether the backend really applies `weight` (ALB target groups, for example). `undefined` when it cannot
   * tell yet. A router with this method makes the Rollout wait for `true` before advancing.
   */
  verifyWeight?(ctx: RoutingContext, weight: number, additional: ReadonlyArray<AdditionalDestination>): TaskEither<PluginError, boolean | undefined>;
  /**
   * Point subset-level routing (DestinationRule subsets, AppMesh nodes) at new pod hashes; called before each
   * `setWeight`. A router that routes by Service name (NGINX, ALB, SMI) has no hashes to follow and answers `right`.
   */
  updateHash(ctx: RoutingContext, canaryPodHash: string, stablePodHash: string, additional: ReadonlyArray<AdditionalDestination>): TaskEither<PluginError, void>;
  /**
   * What this router reports into the Rollout's status (`status.alb` / `status.albs` for the ALB router), asked on
   * every reconcile of a Rollout it routes for; `undefined` when it has nothing to report (the status keeps what it
   * had). See RouterStatus.ts for the fields a router may report.
   */
  status?(ctx: RoutingContext): TaskEither<PluginError, RouterStatus | undefined>;
}

/** What a router plugin gets to build itself. */
export interface RouterDeps {
  readonly kube: KubeObjectClient;
  readonly log: Logger;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/**
 * A router plugin: `kind` is the key under `trafficRouting` (first-party: `nginx`, `alb`, `istio`, `smi`, ...;
 * third parties: the key under `trafficRouting.plugins`, e.g. `acme/router`). `configCodec` decodes that
 * key's value, with errors at their field paths.
 */
export interface TrafficRouterPlugin<C> {
  readonly kind: string;
  readonly configCodec: Codec<C>;
  make(deps: RouterDeps): (config: C) => TrafficRouter;
}

/** Identity with the types spelled out, so an author gets help from the compiler. */
export const defineTrafficRouter = <C>(plugin: TrafficRouterPlugin<C>): TrafficRouterPlugin<C> => plugin;

/** The methods every router must have (a plugin written in plain JavaScript is checked at run time). */
export const REQUIRED_ROUTER_METHODS = ['setWeight', 'updateHash', 'removeManagedRoutes'] as const;

/** The required methods `router` lacks (empty when it has them all). */
export function missingRouterMethods(router: unknown): string[] {
  const r = (typeof router === 'object' && router !== null ? router : {}) as Record<string, unknown>;
  return REQUIRED_ROUTER_METHODS.filter((m) => typeof r[m] !== 'function');
}

/** The optional capabilities a router implements, as reconcileRollout's observation names them. */
export function routerCapabilities(router: TrafficRouter): Array<'setHeaderRoute' | 'setMirrorRoute' | 'verifyWeight'> {
  const caps: Array<'setHeaderRoute' | 'setMirrorRoute' | 'verifyWeight'> = [];
  if (router.setHeaderRoute !== undefined) caps.push('setHeaderRoute');
  if (router.setMirrorRoute !== undefined) caps.push('setMirrorRoute');
  if (router.verifyWeight !== undefined) caps.push('verifyWeight');
  return caps;
}
