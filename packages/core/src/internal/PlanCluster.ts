/**
 * The in-memory cluster behind `planRollout`: the objects one Rollout touches (its ReplicaSets and their pods,
 * the Services it names, its AnalysisRuns and Experiments, the traffic router's weights) and what a real
 * cluster would do to them as virtual time passes. Plain data; every function returns a new cluster.
 *
 * What the cluster does on its own ({@link settle}):
 * - pods a ReplicaSet asks for exist on the next tick, are ready `podReadyMs` after they were requested and
 *   available `minReadySeconds` after that; scaling down removes pods at once (unavailable, newest first);
 * - an AnalysisRun gets its phase on the next tick: Successful, or the outcome scripted for its step (or, for
 *   a blue-green pre- or post-promotion run, for `pre` / `post`);
 * - an Experiment is Running once its pods would be ready and Successful `spec.duration` later (on the next
 *   tick without a duration).
 */
import { POD_TEMPLATE_HASH_LABEL, parseGoDuration } from '@rollouts/api';
import type { AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate, Experiment, ReplicaSet, Rollout, Service } from '@rollouts/api';
import type { Intent } from '../Intent';
import { applyMergePatch } from '../EphemeralMetadata';
import type { ObservedWorkload, RolloutObservation, TrafficRoutingObservation } from '../Observation';

/** Pods requested together: how many, and when they become ready and available (ms since the epoch). */
export interface PodBatch {
  readonly count: number;
  readonly readyAt: number;
  readonly availableAt: number;
}

export interface SimReplicaSet {
  readonly replicaSet: ReplicaSet;
  readonly pods: ReadonlyArray<PodBatch>;
}

/** Where an AnalysisRun is created: a canary step index, or a blue-green pre- or post-promotion analysis. */
export type RunPoint = number | 'pre' | 'post';

/** An outcome the plan forces on the first AnalysisRun created at a canary step or blue-green promotion phase. */
export interface ScriptedOutcome {
  readonly phase: 'Failed' | 'Inconclusive';
  readonly step: RunPoint;
}

export interface SimAnalysisRun {
  readonly run: AnalysisRun;
  /**
   * The step it belongs to: its `step-index` label, or the step current when it was created (background runs);
   * `pre` / `post` for a blue-green run labelled `rollout-type: PrePromotion` / `PostPromotion`.
   */
  readonly step: RunPoint | null;
  /** The phase it takes on the next tick. */
  readonly outcome: 'Successful' | 'Failed' | 'Inconclusive';
  readonly decided: boolean;
}

export interface SimExperiment {
  readonly experiment: Experiment;
  /** When its pods are available (creation + pod readiness). */
  readonly availableAt: number;
  /** When it succeeds; null: on the next tick. */
  readonly succeedsAt: number | null;
}

/** What the traffic router was last told. */
export interface RouterState {
  readonly canary: number;
  readonly stable: number;
  readonly additional: ReadonlyArray<{ readonly serviceName: string; readonly podTemplateHash: string; readonly weight: number }>;
  readonly headerRoutes: Readonly<Record<string, unknown>>;
  readonly mirrorRoutes: Readonly<Record<string, unknown>>;
}

/** An event the controller recorded, or a failure the executor met, kept for frame messages. */
export interface PlanEvent {
  readonly at: number;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface ClusterConfig {
  /** Milliseconds from a pod's request to its readiness. */
  readonly podReadyMs: number;
}

export interface PlanCluster {
  readonly config: ClusterConfig;
  readonly rollout: Rollout;
  readonly workload?: ObservedWorkload;
  readonly replicaSets: ReadonlyArray<SimReplicaSet>;
  readonly services: ReadonlyArray<Service>;
  readonly analysisRuns: ReadonlyArray<SimAnalysisRun>;
  readonly experiments: ReadonlyArray<SimExperiment>;
  readonly analysisTemplates: ReadonlyArray<AnalysisTemplate>;
  readonly clusterAnalysisTemplates: ReadonlyArray<ClusterAnalysisTemplate>;
  readonly trafficRouting?: TrafficRoutingObservation;
  /** Present when the Rollout uses traffic routing. */
  readonly router?: RouterState;
  /** Scripted analysis outcomes not used yet. */
  readonly scripted: ReadonlyArray<ScriptedOutcome>;
  /** The latest event (older ones are not needed by the plan). */
  readonly lastEvent?: PlanEvent;
}

export interface ClusterInit {
  readonly rollout: Rollout;
  readonly workload?: ObservedWorkload;
  readonly services: ReadonlyArray<Service>;
  readonly analysisTemplates: ReadonlyArray<AnalysisTemplate>;
  readonly clusterAnalysisTemplates: ReadonlyArray<ClusterAnalysisTemplate>;
  readonly scripted: ReadonlyArray<ScriptedOutcome>;
  readonly config: ClusterConfig;
}

/** Keys of `trafficRouting` that configure something other than a router. */
const NOT_ROUTERS = new Set(['managedRoutes', 'maxTrafficWeight', 'plugins']);

/**
 * The routers a Rollout configures, by kind: every key of `spec.strategy.canary.trafficRouting` that names a
 * router, and each plugin under `plugins`. In the plan every router can set header and mirror routes and none
 * verifies weights.
 */
export function trafficRoutingOf(rollout: Rollout): TrafficRoutingObservation | undefined {
  const tr = rollout.spec.strategy?.canary?.trafficRouting;
  if (tr == null) return undefined;
  const kinds: string[] = [];
  for (const [key, value] of Object.entries(tr)) {
    if (value == null || NOT_ROUTERS.has(key)) continue;
    kinds.push(key);
  }
  const plugins = tr.plugins;
  if (plugins != null && typeof plugins === 'object' && !Array.isArray(plugins)) kinds.push(...Object.keys(plugins));
  return { routers: kinds.map((kind) => ({ kind, supports: ['setHeaderRoute', 'setMirrorRoute'] as const })) };
}

/** `maxTrafficWeight`, default 100. */
export const maxWeightOf = (rollout: Rollout): number => rollout.spec.strategy?.canary?.trafficRouting?.maxTrafficWeight ?? 100;

/** A cluster holding the given objects and nothing else: no ReplicaSets, runs or experiments yet. */
export function newCluster(init: ClusterInit): PlanCluster {
  const trafficRouting = trafficRoutingOf(init.rollout);
  return {
    config: init.config,
    rollout: init.rollout,
    ...(init.workload === undefined ? {} : { workload: init.workload }),
    replicaSets: [],
    services: init.services,
    analysisRuns: [],
    experiments: [],
    analysisTemplates: init.analysisTemplates,
    clusterAnalysisTemplates: init.clusterAnalysisTemplates,
    ...(trafficRouting === undefined ? {} : { trafficRouting }),
    ...(init.rollout.spec.strategy?.canary?.trafficRouting == null
      ? {}
      : { router: { canary: 0, stable: maxWeightOf(init.rollout), additional: [], headerRoutes: {}, mirrorRoutes: {} } }),
    scripted: init.scripted,
  };
}

/** What the controller would observe now. */
export function observe(cluster: PlanCluster, now: number): RolloutObservation {
  return {
    rollout: cluster.rollout,
    replicaSets: cluster.replicaSets.map((r) => r.replicaSet),
    services: cluster.services,
    analysisRuns: cluster.analysisRuns.map((r) => r.run),
    experiments: cluster.experiments.map((e) => e.experiment),
    analysisTemplates: cluster.analysisTemplates,
    clusterAnalysisTemplates: cluster.clusterAnalysisTemplates,
    ...(cluster.workload === undefined ? {} : { workload: cluster.workload }),
    ...(cluster.trafficRouting === undefined ? {} : { trafficRouting: cluster.trafficRouting }),
    now,
  };
}

/** Everything the controller can see or change, as one string: equal strings, equal clusters. */
export function snapshot(cluster: PlanCluster): string {
  return JSON.stringify([cluster.rollout, cluster.workload ?? null, cluster.replicaSets, cluster.services, cluster.analysisRuns, cluster.experiments, cluster.router ?? null]);
}

/** RFC 3339 in UTC without fractions, as Kubernetes writes timestamps. */
export const timestamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// ---------------------------------------------------------------------------------------------------------
// Pods

const podCount = (pods: ReadonlyArray<PodBatch>): number => pods.reduce((n, b) => n + b.count, 0);

/** `status` of a ReplicaSet whose pods are `pods`, at `now`. */
function podStatus(rs: SimReplicaSet, now: number): NonNullable<ReplicaSet['status']> {
  const total = podCount(rs.pods);
  const ready = rs.pods.reduce((n, b) => n + (b.readyAt <= now ? b.count : 0), 0);
  const available = rs.pods.reduce((n, b) => n + (b.availableAt <= now ? b.count : 0), 0);
  return {
    ...rs.replicaSet.status,
    replicas: total,
    fullyLabeledReplicas: total,
    readyReplicas: ready,
    availableReplicas: available,
    ...(rs.replicaSet.metadata?.generation == null ? {} : { observedGeneration: rs.replicaSet.metadata.generation }),
  };
}

const specReplicas = (rs: ReplicaSet): number => rs.spec?.replicas ?? 1;

/** Pods after asking for `replicas`: new pods are requested now; removed pods go unavailable-first, newest first. */
function resizePods(pods: ReadonlyArray<PodBatch>, replicas: number, now: number, podReadyMs: number, minReadyMs: number): PodBatch[] {
  const total = podCount(pods);
  if (replicas > total) return [...pods, { count: replicas - total, readyAt: now + podReadyMs, availableAt: now + podReadyMs + minReadyMs }];
  let remove = total - replicas;
  const order = pods.map((b, i) => ({ b, i })).sort((x, y) => y.b.availableAt - x.b.availableAt || y.i - x.i);
  const kept = new Map<number, number>(pods.map((b, i) => [i, b.count]));
  for (const { i } of order) {
    if (remove === 0) break;
    const have = kept.get(i) ?? 0;
    const take = Math.min(have, remove);
    kept.set(i, have - take);
    remove -= take;
  }
  return pods.map((b, i) => ({ ...b, count: kept.get(i) ?? 0 })).filter((b) => b.count > 0);
}

// ---------------------------------------------------------------------------------------------------------
// Time passing

/** The cluster after everything due at `now` has happened (pods ready, runs decided, experiments done). */
export function settle(cluster: PlanCluster, now: number): PlanCluster {
  const replicaSets = cluster.replicaSets.map((rs) => ({ ...rs, replicaSet: { ...rs.replicaSet, status: podStatus(rs, now) } }));
  const analysisRuns = cluster.analysisRuns.map((r) => (r.decided ? r : decideRun(r, now)));
  const experiments = cluster.experiments.map((e) => progressExperiment(e, now));
  return { ...cluster, replicaSets, analysisRuns, experiments };
}

const TERMINAL = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

function decideRun(r: SimAnalysisRun, now: number): SimAnalysisRun {
  const phase = r.run.status?.phase ?? '';
  if (TERMINAL.has(phase)) return { ...r, decided: true };
  const message =
    r.outcome === 'Successful'
      ? 'plan: every measurement assumed successful'
      : `plan: scripted ${r.outcome} for ${r.step === 'pre' || r.step === 'post' ? `the ${r.step}-promotion analysis` : `step ${r.step ?? '?'}`} (--analysis ${r.outcome === 'Failed' ? 'fail' : 'inconclusive'}@${r.step ?? '?'})`;
  const at = timestamp(now);
  return {
    ...r,
    decided: true,
    run: { ...r.run, status: { ...r.run.status, phase: r.outcome, message, startedAt: r.run.status?.startedAt ?? at, completedAt: at } },
  };
}

function progressExperiment(e: SimExperiment, now: number): SimExperiment {
  const status = e.experiment.status ?? {};
  const phase = status.phase ?? '';
  if (TERMINAL.has(phase)) return e;
  if (e.succeedsAt === null || e.succeedsAt <= now) {
    return { ...e, experiment: { ...e.experiment, status: { ...status, phase: 'Successful', message: 'plan: experiment assumed successful', availableAt: status.availableAt ?? timestamp(e.availableAt) } } };
  }
  if (e.availableAt <= now && phase !== 'Running') {
    return { ...e, experiment: { ...e.experiment, status: { ...status, phase: 'Running', availableAt: timestamp(e.availableAt) } } };
  }
  if (phase === '') return { ...e, experiment: { ...e.experiment, status: { ...status, phase: 'Pending' } } };
  return e;
}

/** The earliest time after `now` at which something is due (a pod ready or available, an experiment done). */
export function nextDueAt(cluster: PlanCluster, now: number): number | undefined {
  const times: number[] = [];
  for (const rs of cluster.replicaSets) for (const b of rs.pods) times.push(b.readyAt, b.availableAt);
  for (const e of cluster.experiments) {
    if (TERMINAL.has(e.experiment.status?.phase ?? '')) continue;
    times.push(e.availableAt);
    if (e.succeedsAt !== null) times.push(e.succeedsAt);
  }
  const later = times.filter((t) => t > now);
  return later.length === 0 ? undefined : Math.min(...later);
}

/** Whether {@link settle} at `now` would change anything (something is due on the next tick). */
export const pendingAt = (cluster: PlanCluster, now: number): boolean => snapshot(settle(cluster, now)) !== snapshot(cluster);

// ---------------------------------------------------------------------------------------------------------
// Intents

export interface ApplyContext {
  readonly now: number;
  /** `status.currentStepIndex` as the reconcile observed it (the step of background runs it creates). */
  readonly stepIndex: number | null;
}

export interface ApplyResult {
  readonly cluster: PlanCluster;
  /** Set when an intent could not be applied; the ones after it were not applied either. */
  readonly failure?: string;
}

type Step = { readonly cluster: PlanCluster } | { readonly failure: string };

/** Apply intents in order, as the executor does: stop at the first that fails. */
export function applyIntents(cluster: PlanCluster, intents: ReadonlyArray<Intent>, ctx: ApplyContext): ApplyResult {
  let current = cluster;
  for (const intent of intents) {
    const step = applyIntent(current, intent, ctx);
    if ('failure' in step) {
      const failure = `${intent._tag} failed: ${step.failure}`;
      return { cluster: { ...current, lastEvent: { at: ctx.now, type: 'Warning', reason: 'IntentFailed', message: failure } }, failure };
    }
    current = step.cluster;
  }
  return { cluster: current };
}

const fail = (failure: string): Step => ({ failure });
const ok = (cluster: PlanCluster): Step => ({ cluster });

function withAnnotations<M extends { readonly annotations?: Readonly<Record<string, string>> | null }>(
  metadata: M,
  changes: Readonly<Record<string, string | null>> | undefined,
): M {
  if (changes === undefined) return metadata;
  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}) };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete annotations[k];
    else annotations[k] = v;
  }
  return { ...metadata, annotations };
}

function updateReplicaSet(cluster: PlanCluster, name: string, f: (rs: SimReplicaSet) => SimReplicaSet): Step {
  const i = cluster.replicaSets.findIndex((r) => r.replicaSet.metadata?.name === name);
  const rs = cluster.replicaSets[i];
  if (rs === undefined) return fail(`ReplicaSet "${name}" not found`);
  const replicaSets = [...cluster.replicaSets];
  replicaSets[i] = f(rs);
  return ok({ ...cluster, replicaSets });
}

function applyIntent(cluster: PlanCluster, intent: Intent, ctx: ApplyContext): Step {
  const { now } = ctx;
  const podReadyMs = cluster.config.podReadyMs;
  switch (intent._tag) {
    case 'CreateReplicaSet': {
      const rs = intent.replicaSet;
      const name = rs.metadata?.name;
      if (name == null || name === '') return fail('the ReplicaSet has no metadata.name');
      if (cluster.replicaSets.some((r) => r.replicaSet.metadata?.name === name)) return fail(`ReplicaSet "${name}" already exists`);
      const replicaSet: ReplicaSet = {
        ...rs,
        metadata: {
          ...rs.metadata,
          namespace: rs.metadata?.namespace ?? cluster.rollout.metadata?.namespace ?? 'default',
          uid: rs.metadata?.uid ?? `plan-uid-${name}`,
          generation: 1,
          creationTimestamp: rs.metadata?.creationTimestamp ?? timestamp(now),
        },
        status: { replicas: 0, readyReplicas: 0, availableReplicas: 0 },
      };
      const minReadyMs = (rs.spec?.minReadySeconds ?? 0) * 1000;
      const pods = resizePods([], specReplicas(replicaSet), now, podReadyMs, minReadyMs);
      return ok({ ...cluster, replicaSets: [...cluster.replicaSets, { replicaSet, pods }] });
    }
    case 'ScaleReplicaSet':
      return updateReplicaSet(cluster, intent.name, (r) => {
        const before = specReplicas(r.replicaSet);
        const metadata = withAnnotations(r.replicaSet.metadata ?? {}, intent.annotations);
        const generation = (metadata.generation ?? 1) + (before === intent.replicas ? 0 : 1);
        const replicaSet: ReplicaSet = { ...r.replicaSet, metadata: { ...metadata, generation }, spec: { ...r.replicaSet.spec, replicas: intent.replicas } };
        const pods = resizePods(r.pods, intent.replicas, now, podReadyMs, (r.replicaSet.spec?.minReadySeconds ?? 0) * 1000);
        const next = { replicaSet, pods };
        // Scaling down takes effect at once; new pods show up on the next tick.
        return intent.replicas < before ? { ...next, replicaSet: { ...replicaSet, status: podStatus(next, now) } } : next;
      });
    case 'AnnotateReplicaSet':
      return updateReplicaSet(cluster, intent.name, (r) => ({ ...r, replicaSet: { ...r.replicaSet, metadata: withAnnotations(r.replicaSet.metadata ?? {}, intent.annotations) } }));
    case 'DeleteReplicaSet': {
      if (!cluster.replicaSets.some((r) => r.replicaSet.metadata?.name === intent.name)) return fail(`ReplicaSet "${intent.name}" not found`);
      return ok({ ...cluster, replicaSets: cluster.replicaSets.filter((r) => r.replicaSet.metadata?.name !== intent.name) });
    }
    case 'PatchServiceSelector': {
      const i = cluster.services.findIndex((s) => s.metadata?.name === intent.service);
      const svc = cluster.services[i];
      if (svc === undefined) return fail(`Service "${intent.service}" not found`);
      const services = [...cluster.services];
      services[i] = {
        ...svc,
        metadata: withAnnotations(svc.metadata ?? {}, { 'argo-rollouts.argoproj.io/managed-by-rollouts': intent.rollout }),
        spec: { ...svc.spec, selector: { ...(svc.spec?.selector ?? {}), [POD_TEMPLATE_HASH_LABEL]: intent.podTemplateHash } },
      };
      return ok({ ...cluster, services });
    }
    case 'SetWeight': {
      if (cluster.router === undefined) return fail('the Rollout configures no traffic router');
      const additional = intent.additionalDestinations.map((d) => ({ serviceName: d.serviceName, podTemplateHash: d.podTemplateHash, weight: d.weight }));
      const stable = intent.maxWeight - intent.weight - additional.reduce((n, d) => n + d.weight, 0);
      return ok({ ...cluster, router: { ...cluster.router, canary: intent.weight, stable, additional } });
    }
    case 'SetHeaderRoute':
    case 'SetMirrorRoute': {
      if (cluster.router === undefined) return fail('the Rollout configures no traffic router');
      const key = intent._tag === 'SetHeaderRoute' ? 'headerRoutes' : 'mirrorRoutes';
      const routes: Record<string, unknown> = { ...cluster.router[key] };
      if (intent.match.length === 0) delete routes[intent.name];
      else routes[intent.name] = intent._tag === 'SetHeaderRoute' ? intent.match : { match: intent.match, percentage: intent.percentage };
      return ok({ ...cluster, router: { ...cluster.router, [key]: routes } });
    }
    case 'RemoveManagedRoutes':
      if (cluster.router === undefined) return fail('the Rollout configures no traffic router');
      return ok({ ...cluster, router: { ...cluster.router, headerRoutes: {}, mirrorRoutes: {} } });
    case 'CreateAnalysisRun': {
      const run = intent.analysisRun;
      const name = run.metadata?.name;
      if (name == null || name === '') return fail('the AnalysisRun has no metadata.name');
      if (cluster.analysisRuns.some((r) => r.run.metadata?.name === name)) return fail(`AnalysisRun "${name}" already exists`);
      const labels = run.metadata?.labels ?? {};
      const label = labels['step-index'];
      const type = labels['rollout-type'];
      const step: RunPoint | null =
        type === 'PrePromotion' ? 'pre' : type === 'PostPromotion' ? 'post' : label != null && /^\d+$/.test(label) ? Number(label) : ctx.stepIndex;
      const scriptIndex = step === null ? -1 : cluster.scripted.findIndex((s) => s.step === step);
      const script = cluster.scripted[scriptIndex];
      const created: SimAnalysisRun = {
        run: { ...run, metadata: { ...run.metadata, creationTimestamp: run.metadata?.creationTimestamp ?? timestamp(now), uid: run.metadata?.uid ?? `plan-uid-${name}` } },
        step,
        outcome: script?.phase ?? 'Successful',
        decided: false,
      };
      const scripted = script === undefined ? cluster.scripted : cluster.scripted.filter((_, i) => i !== scriptIndex);
      return ok({ ...cluster, analysisRuns: [...cluster.analysisRuns, created], scripted });
    }
    case 'TerminateAnalysisRun': {
      const i = cluster.analysisRuns.findIndex((r) => r.run.metadata?.name === intent.name);
      const r = cluster.analysisRuns[i];
      if (r === undefined) return fail(`AnalysisRun "${intent.name}" not found`);
      const phase = r.run.status?.phase ?? '';
      const run: AnalysisRun = {
        ...r.run,
        spec: { ...r.run.spec, terminate: true },
        ...(TERMINAL.has(phase) ? {} : { status: { ...r.run.status, phase: 'Successful', message: 'Run Terminated', completedAt: timestamp(now) } }),
      };
      const analysisRuns = [...cluster.analysisRuns];
      analysisRuns[i] = { ...r, run, decided: true };
      return ok({ ...cluster, analysisRuns });
    }
    case 'CreateExperiment': {
      const ex = intent.experiment;
      const name = ex.metadata?.name;
      if (name == null || name === '') return fail('the Experiment has no metadata.name');
      if (cluster.experiments.some((e) => e.experiment.metadata?.name === name)) return fail(`Experiment "${name}" already exists`);
      const availableAt = now + podReadyMs;
      let succeedsAt: number | null = null;
      const duration = ex.spec.duration;
      if (duration != null && duration !== '') {
        const parsed = parseGoDuration(duration);
        if (parsed._tag === 'Left') return fail(`Experiment "${name}" has an invalid spec.duration: ${parsed.left}`);
        succeedsAt = availableAt + Math.max(0, parsed.right);
      }
      const experiment: Experiment = { ...ex, metadata: { ...ex.metadata, creationTimestamp: ex.metadata?.creationTimestamp ?? timestamp(now), uid: ex.metadata?.uid ?? `plan-uid-${name}` } };
      return ok({ ...cluster, experiments: [...cluster.experiments, { experiment, availableAt, succeedsAt }] });
    }
    case 'TerminateExperiment': {
      const i = cluster.experiments.findIndex((e) => e.experiment.metadata?.name === intent.name);
      const e = cluster.experiments[i];
      if (e === undefined) return fail(`Experiment "${intent.name}" not found`);
      const phase = e.experiment.status?.phase ?? '';
      const experiment: Experiment = {
        ...e.experiment,
        spec: { ...e.experiment.spec, terminate: true },
        ...(TERMINAL.has(phase) ? {} : { status: { ...e.experiment.status, phase: 'Successful', message: 'Experiment terminated' } }),
      };
      const experiments = [...cluster.experiments];
      experiments[i] = { ...e, experiment };
      return ok({ ...cluster, experiments });
    }
    case 'DeleteAnalysisRun': {
      if (!cluster.analysisRuns.some((r) => r.run.metadata?.name === intent.name)) return fail(`AnalysisRun "${intent.name}" not found`);
      return ok({ ...cluster, analysisRuns: cluster.analysisRuns.filter((r) => r.run.metadata?.name !== intent.name) });
    }
    case 'DeleteExperiment': {
      if (!cluster.experiments.some((e) => e.experiment.metadata?.name === intent.name)) return fail(`Experiment "${intent.name}" not found`);
      return ok({ ...cluster, experiments: cluster.experiments.filter((e) => e.experiment.metadata?.name !== intent.name) });
    }
    case 'ScaleWorkload':
      if (cluster.workload === undefined) return fail('the Rollout references no workload');
      return ok({ ...cluster, workload: { ...cluster.workload, replicas: intent.replicas } });
    case 'SyncEphemeralMetadata':
      // The ReplicaSet's template and record change; pods are not simulated (the patch of pods is the controller's).
      return updateReplicaSet(cluster, intent.name, (r) => ({ ...r, replicaSet: applyMergePatch(r.replicaSet, intent.replicaSetPatch) }));
    case 'EvictPod':
      // The plan models ReplicaSets, not individual pods: the observation carries none, so the core never
      // asks for an eviction here. Receiving one means the contract changed.
      return fail(`pod "${intent.name}": the plan does not simulate pods`);
    case 'RecordEvent':
      return ok({ ...cluster, lastEvent: { at: now, type: intent.type, reason: intent.eventReason, message: intent.message } });
    case 'UpdateStatus':
      return ok({ ...cluster, rollout: { ...cluster.rollout, status: intent.status } });
  }
}

/** The ReplicaSet of one revision: labelled with its pod-template hash (or, failing that, named `<rollout>-<hash>`). */
export function replicaSetOfHash(cluster: PlanCluster, hash: string | null | undefined): ReplicaSet | undefined {
  if (hash == null || hash === '') return undefined;
  const byLabel = cluster.replicaSets.find((r) => r.replicaSet.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash);
  if (byLabel !== undefined) return byLabel.replicaSet;
  const name = `${cluster.rollout.metadata?.name ?? ''}-${hash}`;
  return cluster.replicaSets.find((r) => r.replicaSet.metadata?.name === name)?.replicaSet;
}

/** `spec.replicas` and `status.availableReplicas` of a ReplicaSet. */
export const replicaCounts = (rs: ReplicaSet): { replicas: number; available: number } => ({ replicas: specReplicas(rs), available: rs.status?.availableReplicas ?? 0 });
