/**
 * A model cluster for the interruption property test (`Interruption.property.test.ts`): one Rollout, its
 * ReplicaSets and their pods, its Services, a generic traffic router, its AnalysisRuns and Experiments, and a
 * virtual clock, driven by commands an operator or the environment would issue, each followed by one
 * `reconcileRollout` whose intents are applied to the model. After every reconcile the safety rules of
 * ARCHITECTURE.md are checked; the first broken one is thrown with the command sequence and the state.
 *
 * It reuses the plan simulator's intent executor ({@link applyIntents}) and its observation
 * ({@link observe}), but not its clock-driven behaviour: here nothing happens by itself. Pods are ready or
 * available only when a command says so, and an AnalysisRun or Experiment ends only when a command gives it an
 * outcome. (The plan's `settle` would decide every run Successful and make every pod ready on time.)
 *
 * Pure and deterministic: the same configuration and commands give the same trace.
 */
import { POD_TEMPLATE_HASH_LABEL } from '@rollouts/api';
import type { AnalysisTemplate, CanaryStep, Experiment, ReplicaSet, Rollout, RolloutStatus, Service } from '@rollouts/api';
import type { Intent, ReconcileResult } from '../Intent';
import type { RolloutObservation } from '../Observation';
import { reconcileRollout } from '../ReconcileRollout';
import { applyIntents, newCluster, observe, replicaSetOfHash, type PlanCluster, type PodBatch, type SimReplicaSet } from '../internal/PlanCluster';

// ---------------------------------------------------------------------------------------------------------
// Configuration and commands

export type StrategyKind = 'basic' | 'routed' | 'dynamic' | 'blueGreen';

export interface ModelConfig {
  readonly kind: StrategyKind;
  readonly replicas: number;
  /** Canary only. */
  readonly steps: ReadonlyArray<CanaryStep>;
  /** Canary: basic only (a traffic-routed canary does not use them). */
  readonly maxSurge: number | string;
  readonly maxUnavailable: number | string;
  /** Canary: a background analysis from this step (undefined: none). */
  readonly backgroundFrom?: number;
  /** Traffic-routed canary and blue-green. */
  readonly abortScaleDownDelaySeconds?: number;
  readonly blueGreen?: {
    readonly preview: boolean;
    readonly pre: boolean;
    readonly post: boolean;
    readonly autoPromotionEnabled?: boolean;
    readonly autoPromotionSeconds?: number;
    readonly previewReplicaCount?: number;
  };
}

export type RunPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export type Command =
  /** The pod template's image becomes `app:<v>` (a new revision, or back to an earlier one). */
  | { readonly c: 'image'; readonly v: number }
  /** `kubectl argo rollouts abort`. */
  | { readonly c: 'abort' }
  /** `kubectl argo rollouts retry rollout`. */
  | { readonly c: 'retry' }
  /** `kubectl argo rollouts promote`. */
  | { readonly c: 'promote' }
  /** `kubectl argo rollouts promote --full`. */
  | { readonly c: 'promoteFull' }
  /** `n` pods of the `rs`-th ReplicaSet (in creation order, modulo) become available / ready only / unready. */
  | {
      readonly c: 'pods';
      readonly rs: number;
      readonly to: 'available' | 'ready' | 'unready';
      readonly n: number;
    }
  /** Every pod becomes available. */
  | { readonly c: 'allAvailable' }
  /** The `pick`-th running AnalysisRun (modulo) ends in `phase`. */
  | { readonly c: 'analysis'; readonly pick: number; readonly phase: RunPhase }
  /** The `pick`-th running Experiment (modulo) gets `phase`. */
  | {
      readonly c: 'experiment';
      readonly pick: number;
      readonly phase: RunPhase | 'Running';
    }
  /** Time passes. */
  | { readonly c: 'time'; readonly s: number }
  /** Every pod available and 31 s pass, a dozen times, each with a reconcile: delays expire, ramps finish. */
  | { readonly c: 'settle' };

/** The invariants, by name (a test may check a subset). */
export type InvariantName = 'traffic' | 'abortEnds' | 'stepConditions' | 'abandonedRuns' | 'surge' | 'executor';
export const ALL_INVARIANTS: ReadonlyArray<InvariantName> = ['traffic', 'abortEnds', 'stepConditions', 'abandonedRuns', 'surge', 'executor'];

export class InvariantViolation extends Error {
  constructor(readonly invariant: InvariantName, message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Objects

const NAME = 'ro';
const NAMESPACE = 'default';
const APP = { app: NAME };
const T0 = Date.UTC(2026, 0, 1);
const MAX_WEIGHT = 100;
const SCALE_DOWN_DEADLINE = 'scale-down-deadline';
const TERMINAL = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

const templateOf = (v: number) => ({
  metadata: { labels: { ...APP } },
  spec: { containers: [{ name: 'app', image: `app:${v}` }] },
});

export const ANALYSIS_TEMPLATE: AnalysisTemplate = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name: 'pass', namespace: NAMESPACE },
  spec: {
    metrics: [
      {
        name: 'm',
        provider: {
          job: {
            spec: {
              template: {
                spec: {
                  containers: [{ name: 'c', image: 'x' }],
                  restartPolicy: 'Never',
                },
              },
            },
          },
        },
      },
    ],
  },
} as unknown as AnalysisTemplate;
const ANALYSIS = { templates: [{ templateName: 'pass' }] };

export function rolloutOf(cfg: ModelConfig): Rollout {
  let strategy: Record<string, unknown>;
  if (cfg.kind === 'blueGreen') {
    const bg = cfg.blueGreen ?? { preview: false, pre: false, post: false };
    strategy = {
      blueGreen: {
        activeService: 'active',
        ...(bg.preview ? { previewService: 'preview' } : {}),
        ...(bg.pre ? { prePromotionAnalysis: ANALYSIS } : {}),
        ...(bg.post ? { postPromotionAnalysis: ANALYSIS } : {}),
        ...(bg.autoPromotionEnabled === undefined ? {} : { autoPromotionEnabled: bg.autoPromotionEnabled }),
        ...(bg.autoPromotionSeconds === undefined ? {} : { autoPromotionSeconds: bg.autoPromotionSeconds }),
        ...(bg.previewReplicaCount === undefined ? {} : { previewReplicaCount: bg.previewReplicaCount }),
        ...(cfg.abortScaleDownDelaySeconds === undefined ? {} : { abortScaleDownDelaySeconds: cfg.abortScaleDownDelaySeconds }),
      },
    };
  } else {
    const routed = cfg.kind !== 'basic';
    strategy = {
      canary: {
        canaryService: 'canary',
        stableService: 'stable',
        steps: cfg.steps,
        ...(routed
          ? {
              trafficRouting: { nginx: { stableIngress: 'ingress' } },
              ...(cfg.kind === 'dynamic' ? { dynamicStableScale: true } : {}),
              ...(cfg.abortScaleDownDelaySeconds === undefined
                ? {}
                : {
                    abortScaleDownDelaySeconds: cfg.abortScaleDownDelaySeconds,
                  }),
            }
          : { maxSurge: cfg.maxSurge, maxUnavailable: cfg.maxUnavailable }),
        ...(cfg.backgroundFrom === undefined ? {} : { analysis: { ...ANALYSIS, startingStep: cfg.backgroundFrom } }),
      },
    };
  }
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: {
      name: NAME,
      namespace: NAMESPACE,
      uid: `uid-${NAME}`,
      generation: 1,
      creationTimestamp: new Date(T0).toISOString(),
    },
    spec: {
      replicas: cfg.replicas,
      selector: { matchLabels: { ...APP } },
      template: templateOf(1),
      strategy,
    },
    status: {},
  } as unknown as Rollout;
}

const serviceOf = (name: string): Service =>
  ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NAMESPACE },
    spec: { selector: { ...APP } },
  } as Service);

// ---------------------------------------------------------------------------------------------------------
// Small readers

const hashOfRs = (rs: ReplicaSet): string => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
const specOf = (rs: ReplicaSet | undefined): number => (rs === undefined ? 0 : rs.spec?.replicas ?? 1);
const availOf = (rs: ReplicaSet | undefined): number => rs?.status?.availableReplicas ?? 0;
const statusOf = (c: PlanCluster): RolloutStatus => c.rollout.status ?? {};
const selectorOf = (c: PlanCluster, service: string): string | undefined => c.services.find((s) => s.metadata?.name === service)?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
const rsOf = (c: PlanCluster, hash: string | null | undefined): ReplicaSet | undefined => replicaSetOfHash(c, hash);
/** Replicas a weight stands for (`trafficWeightToReplicas`), written out here so the oracle is independent. */
const toReplicas = (R: number, w: number): number => Math.ceil((w * R) / MAX_WEIGHT);
const podCount = (pods: ReadonlyArray<PodBatch>): number => pods.reduce((n, b) => n + b.count, 0);
const isRunning = (phase: string | null | undefined): boolean => !TERMINAL.has(phase ?? '');

/** maxSurge of a basic canary as an absolute number (percent rounded up; a bare string is a percent). */
export function surgeOf(R: number, maxSurge: number | string): number {
  return typeof maxSurge === 'number' ? maxSurge : Math.ceil((Number.parseFloat(maxSurge) * R) / 100);
}

/** The setCanaryScale in force at step `index` (the nearest at or before it, unless that one matches the traffic weight). */
function canaryScaleAt(steps: ReadonlyArray<CanaryStep>, index: number): CanaryStep['setCanaryScale'] | undefined {
  if (index >= steps.length) return undefined;
  for (let i = index; i >= 0; i--) {
    const s = steps[i]?.setCanaryScale;
    if (s != null) return s.matchTrafficWeight === true ? undefined : s;
  }
  return undefined;
}

/** The setWeight in force at step `index` (0 before any; the maximum past the last step). */
function weightAt(steps: ReadonlyArray<CanaryStep>, index: number): number {
  if (index >= steps.length) return MAX_WEIGHT;
  for (let i = index; i >= 0; i--) {
    const w = steps[i]?.setWeight;
    if (w != null) return w;
  }
  return 0;
}

/** Canary pods a setCanaryScale asks for. */
const scaleCount = (R: number, s: NonNullable<CanaryStep['setCanaryScale']>, weight: number): number =>
  s.replicas != null ? s.replicas : s.weight != null ? toReplicas(R, s.weight) : toReplicas(R, weight);

// ---------------------------------------------------------------------------------------------------------
// The model

/** Pods of one ReplicaSet after `f` moved `n` of them from one state to another. */
function movePods(pods: ReadonlyArray<PodBatch>, n: number, pick: (b: PodBatch) => boolean, to: (b: PodBatch) => PodBatch): PodBatch[] {
  const out: PodBatch[] = [];
  let left = n;
  for (const b of pods) {
    if (left === 0 || !pick(b)) {
      out.push(b);
      continue;
    }
    const take = Math.min(left, b.count);
    left -= take;
    out.push(to({ ...b, count: take }));
    if (b.count > take) out.push({ ...b, count: b.count - take });
  }
  return out.filter((b) => b.count > 0);
}

/** ReplicaSet statuses as the pods say at `now`. */
function refresh(c: PlanCluster, now: number): PlanCluster {
  return {
    ...c,
    replicaSets: c.replicaSets.map((r): SimReplicaSet => {
      const total = podCount(r.pods);
      const ready = r.pods.reduce((n, b) => n + (b.readyAt <= now ? b.count : 0), 0);
      const available = r.pods.reduce((n, b) => n + (b.availableAt <= now ? b.count : 0), 0);
      const status = {
        ...r.replicaSet.status,
        replicas: total,
        fullyLabeledReplicas: total,
        readyReplicas: ready,
        availableReplicas: available,
        observedGeneration: r.replicaSet.metadata?.generation ?? 1,
      };
      return { ...r, replicaSet: { ...r.replicaSet, status } };
    }),
  };
}

interface Tracked {
  /** Reconcile count when first seen abandoned and still running. */
  readonly since: number;
  readonly why: string;
}

export class InterruptionModel {
  cluster: PlanCluster;
  now = T0;
  reconciles = 0;
  readonly R: number;
  readonly trace: string[] = [];
  /** Image version per pod-template hash, for readable traces. */
  private readonly versions = new Map<string, string>();
  private readonly abandoned = new Map<string, Tracked>();
  /** Blue-green: a promote cleared the pause conditions since the current update (or retry) started. */
  private promotedThisUpdate = false;
  private commandsSoFar: Command[] = [];

  constructor(
    readonly cfg: ModelConfig,
    readonly check: ReadonlySet<InvariantName> = new Set(ALL_INVARIANTS),
    /** The decision function under test: `reconcileRollout`, or a deliberately broken one to show a check can fail. */
    private readonly decide: (obs: RolloutObservation) => ReconcileResult = reconcileRollout
  ) {
    this.R = cfg.replicas;
    const rollout = rolloutOf(cfg);
    const names = cfg.kind === 'blueGreen' ? ['active', ...(cfg.blueGreen?.preview ? ['preview'] : [])] : ['canary', 'stable'];
    this.cluster = newCluster({
      rollout,
      services: names.map(serviceOf),
      analysisTemplates: [ANALYSIS_TEMPLATE],
      clusterAnalysisTemplates: [],
      scripted: [],
      // Pods are never ready by themselves: commands make them so.
      config: { podReadyMs: Number.POSITIVE_INFINITY },
    });
    // The initial deploy, unchecked and by `reconcileRollout`: reconcile with every pod available until the first
    // revision is Healthy and stable.
    for (let i = 0; ; i++) {
      this.reconcileRaw(reconcileRollout);
      this.allAvailable();
      const st = statusOf(this.cluster);
      if (st.phase === 'Healthy' && st.stableRS != null && st.stableRS === st.currentPodHash && i > 0) break;
      if (i > 30) throw new Error(`model: the initial deploy did not become Healthy: ${JSON.stringify(st)}`);
      this.now += 1000;
    }
    this.trace.push(`initial: ${this.describe(this.cluster)}`);
  }

  get steps(): ReadonlyArray<CanaryStep> {
    return this.cfg.steps;
  }

  // ---- Commands --------------------------------------------------------------------------------------------

  run(commands: ReadonlyArray<Command>): void {
    for (const cmd of commands) this.apply(cmd);
    // Every sequence ends with a settle, so that an abort is seen to its end.
    this.apply({ c: 'settle' });
  }

  apply(cmd: Command): void {
    this.commandsSoFar.push(cmd);
    const label = JSON.stringify(cmd);
    if (cmd.c === 'settle') {
      for (let i = 0; i < 12; i++) {
        this.allAvailable();
        this.now += 31_000;
        this.reconcile(`${label}#${i}`);
      }
      this.checkAbortEnded();
      return;
    }
    this.command(cmd);
    this.reconcile(label);
  }

  private patchRollout(f: (r: Rollout) => Rollout): void {
    this.cluster = { ...this.cluster, rollout: f(this.cluster.rollout) };
  }

  private patchStatus(f: (s: RolloutStatus) => RolloutStatus): void {
    this.patchRollout((r) => ({ ...r, status: f(r.status ?? {}) }));
  }

  private command(cmd: Exclude<Command, { c: 'settle' }>): void {
    switch (cmd.c) {
      case 'image': {
        const r = this.cluster.rollout;
        const image = `app:${cmd.v}`;
        if (r.spec.template?.spec?.containers?.[0]?.image === image) return;
        this.patchRollout((ro) => ({
          ...ro,
          metadata: {
            ...ro.metadata,
            generation: (ro.metadata?.generation ?? 1) + 1,
          },
          spec: { ...ro.spec, template: templateOf(cmd.v) },
        }));
        this.promotedThisUpdate = false;
        return;
      }
      case 'abort':
        return this.patchStatus((s) => ({ ...s, abort: true }));
      case 'retry':
        if (statusOf(this.cluster).abort === true) this.promotedThisUpdate = false;
        return this.patchStatus((s) => ({ ...s, abort: false }));
      case 'promote':
        return this.promote();
      case 'promoteFull': {
        // `promote --full`: status.promoteFull unless the current revision is already stable (apps/cli Patches.ts).
        const st = statusOf(this.cluster);
        if (st.currentPodHash != null && st.currentPodHash === st.stableRS) return;
        return this.patchStatus((s) => ({ ...s, promoteFull: true }));
      }
      case 'pods': {
        const list = this.cluster.replicaSets;
        if (list.length === 0) return;
        const i = cmd.rs % list.length;
        const target = list[i]!;
        const now = this.now;
        const INF = Number.POSITIVE_INFINITY;
        let pods: PodBatch[];
        if (cmd.to === 'available')
          pods = movePods(
            target.pods,
            cmd.n,
            (b) => b.availableAt > now,
            (b) => ({
              ...b,
              readyAt: Math.min(b.readyAt, now),
              availableAt: now,
            })
          );
        else if (cmd.to === 'ready')
          pods = movePods(
            target.pods,
            cmd.n,
            (b) => b.readyAt > now,
            (b) => ({ ...b, readyAt: now })
          );
        else
          pods = movePods(
            target.pods,
            cmd.n,
            (b) => b.readyAt <= now,
            (b) => ({ ...b, readyAt: INF, availableAt: INF })
          );
        const replicaSets = [...list];
        replicaSets[i] = { ...target, pods };
        this.cluster = { ...this.cluster, replicaSets };
        return;
      }
      case 'allAvailable':
        return this.allAvailable();
      case 'analysis': {
        const running = this.cluster.analysisRuns.filter((r) => isRunning(r.run.status?.phase) && r.run.spec.terminate !== true);
        if (running.length === 0) return;
        const target = running[cmd.pick % running.length]!;
        const at = new Date(this.now).toISOString();
        this.cluster = {
          ...this.cluster,
          analysisRuns: this.cluster.analysisRuns.map((r) =>
            r === target
              ? {
                  ...r,
                  decided: true,
                  run: {
                    ...r.run,
                    status: {
                      ...r.run.status,
                      phase: cmd.phase,
                      message: `model: ${cmd.phase}`,
                      startedAt: r.run.status?.startedAt ?? at,
                    },
                  },
                }
              : r
          ),
        };
        return;
      }
      case 'experiment': {
        const running = this.cluster.experiments.filter((e) => isRunning(e.experiment.status?.phase) && e.experiment.spec.terminate !== true);
        if (running.length === 0) return;
        const target = running[cmd.pick % running.length]!;
        this.cluster = {
          ...this.cluster,
          experiments: this.cluster.experiments.map((e) =>
            e === target
              ? {
                  ...e,
                  experiment: {
                    ...e.experiment,
                    status: {
                      ...e.experiment.status,
                      phase: cmd.phase,
                      message: `model: ${cmd.phase}`,
                    },
                  } as Experiment,
                }
              : e
          ),
        };
        return;
      }
      case 'time':
        this.now += cmd.s * 1000;
        return;
    }
  }

  /** `kubectl argo rollouts promote` as apps/cli `promotePatches(rollout, false)` writes it (a merge patch of the status). */
  private promote(): void {
    const ro = this.cluster.rollout;
    const st = statusOf(this.cluster);
    const canary = ro.spec.strategy?.canary;
    const steps = canary?.steps ?? [];
    const idx = st.currentStepIndex ?? 0;
    const next = Math.min(idx + 1, steps.length);
    const conditions = st.pauseConditions ?? [];
    const inconclusive = st.canary?.currentStepAnalysisRunStatus?.status === 'Inconclusive';
    const { pauseConditions: _dropped, ...rest } = st;
    if (canary != null && inconclusive && conditions.length > 0 && st.controllerPause === true)
      this.patchStatus(() => ({
        ...rest,
        controllerPause: false,
        currentStepIndex: next,
      }));
    else if (conditions.length > 0) {
      this.patchStatus(() => rest);
      this.promotedThisUpdate = true;
    } else if (canary != null && steps.length > 0) this.patchStatus(() => ({ ...rest, currentStepIndex: next }));
  }

  private allAvailable(): void {
    const now = this.now;
    this.cluster = {
      ...this.cluster,
      replicaSets: this.cluster.replicaSets.map((r) => ({
        ...r,
        pods: r.pods.map((b) => (b.availableAt <= now ? b : { ...b, readyAt: Math.min(b.readyAt, now), availableAt: now })),
      })),
    };
  }

  // ---- Reconcile -------------------------------------------------------------------------------------------

  private reconcileRaw(decide: (obs: RolloutObservation) => ReconcileResult = this.decide): {
    before: PlanCluster;
    result: ReconcileResult;
    after: PlanCluster;
    failure?: string;
  } {
    const before = refresh(this.cluster, this.now);
    const result = decide(observe(before, this.now));
    const applied = applyIntents(before, result.intents, {
      now: this.now,
      stepIndex: before.rollout.status?.currentStepIndex ?? null,
    });
    const after = refresh(applied.cluster, this.now);
    for (const r of after.replicaSets) {
      const h = hashOfRs(r.replicaSet);
      if (!this.versions.has(h)) this.versions.set(h, `v${(r.replicaSet.spec?.template?.spec?.containers?.[0]?.image ?? '?').replace('app:', '')}`);
    }
    this.cluster = after;
    return {
      before,
      result,
      after,
      ...(applied.failure === undefined ? {} : { failure: applied.failure }),
    };
  }

  private reconcile(label: string): void {
    const { before, result, after, failure } = this.reconcileRaw();
    this.reconciles += 1;
    this.trace.push(`${label} -> ${this.describe(after)}${this.intentsLine(result.intents)}`);
    if (failure !== undefined) this.fail('executor', `an intent failed: ${failure}`);
    this.checkTraffic(before, result, after);
    this.checkSteps(before, after);
    this.checkAbandoned(after);
    this.checkSurge(before, after);
  }

  // ---- Reporting ----------------------------------------------------------------------------------------

  private v(hash: string | null | undefined): string {
    if (hash == null || hash === '') return '-';
    return this.versions.get(hash) ?? hash;
  }

  describe(c: PlanCluster): string {
    const st = statusOf(c);
    const rs = c.replicaSets.map((r) => `${this.v(hashOfRs(r.replicaSet))}:${specOf(r.replicaSet)}/${availOf(r.replicaSet)}`).join(' ');
    const svcs = c.services.map((s) => `${s.metadata?.name}=${this.v(s.spec?.selector?.[POD_TEMPLATE_HASH_LABEL])}`).join(' ');
    const router = c.router === undefined ? '' : ` weight=${c.router.canary}`;
    const runs = c.analysisRuns.map(
      (r) =>
        `${r.run.metadata?.labels?.['rollout-type'] ?? '?'}${r.run.metadata?.labels?.['step-index'] ?? ''}@${this.v(r.run.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL])}:${
          r.run.status?.phase ?? 'Pending'
        }${r.run.spec.terminate === true ? '(terminated)' : ''}`
    );
    const exps = c.experiments.map(
      (e) =>
        `exp@${this.v(e.experiment.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL])}:${e.experiment.status?.phase ?? 'Pending'}${
          e.experiment.spec.terminate === true ? '(terminated)' : ''
        }`
    );
    const pauses = (st.pauseConditions ?? []).map((p) => p.reason).join(',');
    return (
      `t=${(this.now - T0) / 1000}s current=${this.v(st.currentPodHash)} stable=${this.v(st.stableRS)} step=${st.currentStepIndex ?? '-'}` +
      `${st.abort === true ? ' ABORTED' : ''}${st.promoteFull === true ? ' promoteFull' : ''}${pauses ? ` paused(${pauses})` : ''}${
        st.controllerPause === true ? ' controllerPause' : ''
      } phase=${st.phase ?? '-'}` +
      ` | rs ${rs} | ${svcs}${router}${runs.length + exps.length > 0 ? ` | ${[...runs, ...exps].join(' ')}` : ''}`
    );
  }

  private intentsLine(intents: ReadonlyArray<Intent>): string {
    const shown = intents.flatMap((i): string[] => {
      switch (i._tag) {
        case 'CreateReplicaSet':
          return [`create ${this.v(hashOfRs(i.replicaSet))}=${i.replicaSet.spec?.replicas ?? 1}`];
        case 'ScaleReplicaSet': {
          const rs = this.cluster.replicaSets.find((r) => r.replicaSet.metadata?.name === i.name);
          return [`scale ${rs === undefined ? i.name : this.v(hashOfRs(rs.replicaSet))}=${i.replicas}`];
        }
        case 'PatchServiceSelector':
          return [`${i.service}->${this.v(i.podTemplateHash)}`];
        case 'SetWeight':
          return [`weight ${i.weight}`];
        case 'TerminateAnalysisRun':
        case 'TerminateExperiment':
        case 'CreateAnalysisRun':
        case 'CreateExperiment':
          return [i._tag.replace('AnalysisRun', 'Run')];
        default:
          return [];
      }
    });
    return shown.length === 0 ? '' : `   [${shown.join(', ')}]`;
  }

  private fail(invariant: InvariantName, message: string): void {
    if (!this.check.has(invariant)) return;
    throw new InvariantViolation(
      invariant,
      `${invariant}: ${message}\nconfig: ${JSON.stringify(this.cfg)}\ncommands: ${JSON.stringify(this.commandsSoFar)}\ntrace:\n  ${this.trace.join('\n  ')}`
    );
  }

  // ---- Invariant: traffic only to available pods ---------------------------------------------------------

  /**
   * The Services that carry user traffic after this reconcile:
   * - basic canary: the stable and the canary Service (clients reach both directly; nothing weighs them). Only
   *   their switches are checked: the replica arithmetic may take either revision to 0 pods by design (setWeight
   *   100 empties the stable before promotion, a later setWeight 0 empties the canary, maxUnavailable = replicas
   *   allows 0 available) while upstream leaves the Service where it is;
   * - traffic-routed canary: the stable Service while the router gives it weight > 0, the canary Service while
   *   the router gives the canary weight > 0;
   * - blue-green: the active Service. The preview Service is exempt: upstream points it at the new revision as
   *   soon as that exists, before any pod is available (`reconcilePreviewService` switches without the
   *   availability check `ensureSVCTargets` makes for canaries); it serves testers, not production traffic,
   *   and the promotion gate is the active switch, checked below.
   */
  private liveServices(after: PlanCluster): string[] {
    if (this.cfg.kind === 'blueGreen') return ['active'];
    if (this.cfg.kind === 'basic') return ['stable', 'canary'];
    return [...((after.router?.stable ?? MAX_WEIGHT) > 0 ? ['stable'] : []), ...((after.router?.canary ?? 0) > 0 ? ['canary'] : [])];
  }

  private checkTraffic(before: PlanCluster, result: ReconcileResult, after: PlanCluster): void {
    const st = statusOf(after);
    const R = this.R;
    for (const svc of this.liveServices(after)) {
      const h = selectorOf(after, svc);
      if (h === undefined) continue;
      const rsAfter = rsOf(after, h);
      if (this.cfg.kind !== 'basic' && (rsAfter === undefined || specOf(rsAfter) === 0))
        this.fail('traffic', `Service ${svc} carries traffic and selects ${this.v(h)}, whose ReplicaSet ${rsAfter === undefined ? 'does not exist' : 'is scaled to 0'}`);
      const switched = selectorOf(before, svc) !== h;
      // Back to the stable revision is exempt: it is where an abort or rollback must go, there is nowhere
      // better, and upstream does the same without checking (blue-green abort, canary fast rollback).
      if (switched && h !== st.stableRS && availOf(rsOf(before, h)) === 0) this.fail('traffic', `Service ${svc} switched to ${this.v(h)} while that revision had 0 available pods`);
    }
    if (this.cfg.kind === 'routed' || this.cfg.kind === 'dynamic') {
      const wBefore = before.router?.canary ?? 0;
      const wAfter = after.router?.canary ?? 0;
      const canaryHash = selectorOf(after, 'canary');
      const canaryRs = rsOf(before, canaryHash);
      const canarySwitched = selectorOf(before, 'canary') !== canaryHash;
      if (wAfter > 0 && (wBefore === 0 || canarySwitched) && availOf(canaryRs) === 0)
        this.fail(
          'traffic',
          `router weight ${wBefore} -> ${wAfter} to ${this.v(canaryHash)} (canary Service${canarySwitched ? ' switched in this reconcile' : ''}) with 0 available canary pods`
        );
      // Without a setCanaryScale the canary must hold the pods the weight stands for before the weight rises
      // (ARCHITECTURE.md: "never send traffic to a ReplicaSet before it has the available pods for that weight").
      const scaled = canaryScaleAt(this.steps, statusOf(before).currentStepIndex ?? 0) !== undefined || canaryScaleAt(this.steps, st.currentStepIndex ?? 0) !== undefined;
      if (!scaled && wAfter > wBefore && availOf(canaryRs) < toReplicas(R, wAfter))
        this.fail('traffic', `router weight ${wBefore} -> ${wAfter} needs ${toReplicas(R, wAfter)} available canary pods, ${this.v(canaryHash)} had ${availOf(canaryRs)}`);
      // "Never scale a ReplicaSet down before traffic has left it": each side keeps the pods its share needs.
      if (!scaled && wAfter > 0 && specOf(rsOf(after, canaryHash)) < toReplicas(R, wAfter))
        this.fail('traffic', `canary ${this.v(canaryHash)} has ${specOf(rsOf(after, canaryHash))} replicas while it serves weight ${wAfter} (needs ${toReplicas(R, wAfter)})`);
      const stableHash = selectorOf(after, 'stable');
      const sAfter = after.router?.stable ?? MAX_WEIGHT;
      const sBefore = before.router?.stable ?? MAX_WEIGHT;
      if (sAfter > 0 && specOf(rsOf(after, stableHash)) < toReplicas(R, sAfter))
        this.fail('traffic', `stable ${this.v(stableHash)} has ${specOf(rsOf(after, stableHash))} replicas while it serves weight ${sAfter} (needs ${toReplicas(R, sAfter)})`);
      // dynamicStableScale: traffic moves back to the stable only as its pods are available (upstream: "once
      // stable capacity >= M - desired, otherwise the current weight is kept"). Without it the stable is never
      // scaled down, and an abort sends everything back at once, as upstream does.
      // (Unless the revision being rolled out has no available pod: then the stable, however small, is the only
      // place for the traffic, and upstream moves it there too: `reconcileTrafficRouting`, "newRS ... has 0
      // available: never weight to canary". That includes a newer revision interrupting an update, whose canary
      // Service still selects the previous canary: docs/compatibility.md lists it.)
      const canaryLeft = availOf(rsOf(before, st.currentPodHash ?? undefined));
      if (this.cfg.kind === 'dynamic' && canaryLeft > 0 && sAfter > sBefore && stableHash === selectorOf(before, 'stable') && availOf(rsOf(before, stableHash)) < toReplicas(R, sAfter))
        this.fail(
          'traffic',
          `stable weight ${sBefore} -> ${sAfter} needs ${toReplicas(R, sAfter)} available stable pods, ${this.v(stableHash)} had ${availOf(rsOf(before, stableHash))}`
        );
    }
    void result;
  }

  // ---- Invariant: an abort ends with the stable serving everything ------------------------------------------

  private checkAbortEnded(): void {
    const c = this.cluster;
    const st = statusOf(c);
    if (st.abort !== true || st.stableRS == null || st.stableRS === st.currentPodHash) return;
    const stable = st.stableRS;
    // Canary `promote --full` after an abort (or an abort after it): upstream clears the abort and completes the
    // update (`syncRolloutStatusCanary`: `if PromoteFull { ClearPauseConditions(); RemoveAbort() }`), so the Rollout
    // must not stay aborted with the promotion half done. (Blue-green: not verified against upstream, so either
    // ending is accepted there: promoted, or the abort checked below.)
    if (st.promoteFull === true && this.cfg.kind !== 'blueGreen') {
      this.fail(
        'abortEnds',
        `promote --full after an abort left the Rollout aborted (stable ${this.v(stable)} at ${specOf(rsOf(c, stable))}/${availOf(rsOf(c, stable))}, ${this.v(
          st.currentPodHash
        )} at ${specOf(rsOf(c, st.currentPodHash))}/${availOf(rsOf(c, st.currentPodHash))} replicas/available); upstream clears the abort and promotes`
      );
      return;
    }
    const problems: string[] = [];
    const stableRs = rsOf(c, stable);
    // dynamicStableScale with abortScaleDownDelaySeconds: 0 is exempt from "weight 0, stable at full size": upstream's
    // abort weight (semantics §2.6, `calculateDesiredWeightOnAbortOrStableRollback`) counts the canary's available
    // pods when the delay is not > 0; with 0 the canary keeps its pods for ever, so the last setWeight below them
    // keeps its traffic and the stable stays sized for the rest (e.g. 25 and 3 of 4). There only the Services are
    // checked (and the traffic invariant keeps each side sized for its weight). Every other configuration must end
    // at weight 0 with the stable at full size.
    const keepsWeight = this.cfg.kind === 'dynamic' && this.cfg.abortScaleDownDelaySeconds === 0;
    if (!keepsWeight && (specOf(stableRs) !== this.R || availOf(stableRs) < this.R))
      problems.push(`stable ${this.v(stable)} has ${specOf(stableRs)}/${availOf(stableRs)} (replicas/available), not ${this.R}`);
    const keep = this.cfg.abortScaleDownDelaySeconds === 0 && this.cfg.kind !== 'basic';
    const canaryRs = rsOf(c, st.currentPodHash);
    if (!keep && specOf(canaryRs) !== 0) problems.push(`aborted ${this.v(st.currentPodHash)} still has ${specOf(canaryRs)} replicas`);
    if (this.cfg.kind === 'blueGreen') {
      if (selectorOf(c, 'active') !== stable) problems.push(`active Service selects ${this.v(selectorOf(c, 'active'))}`);
    } else {
      if (selectorOf(c, 'stable') !== stable) problems.push(`stable Service selects ${this.v(selectorOf(c, 'stable'))}`);
      // Basic canary: the canary Service is reached directly, so it goes back to the stable (upstream
      // `ensureSVCTargets(canaryService, stableRS)` on abort). Traffic-routed: it may keep the canary, with weight 0.
      if (this.cfg.kind === 'basic' && selectorOf(c, 'canary') !== stable) problems.push(`canary Service selects ${this.v(selectorOf(c, 'canary'))}`);
      if (c.router !== undefined && !keepsWeight && (c.router.canary !== 0 || c.router.additional.some((d) => d.weight > 0)))
        problems.push(`router still gives the canary weight ${c.router.canary}`);
    }
    if (problems.length > 0)
      this.fail('abortEnds', `an abort did not end with the stable serving everything (after 12 reconciles with every pod available, 31 s apart): ${problems.join('; ')}`);
  }

  // ---- Invariant: no step completes before its condition ----------------------------------------------------

  private checkSteps(before: PlanCluster, after: PlanCluster): void {
    if (this.cfg.kind === 'blueGreen') return this.checkBlueGreenGates(before, after);
    const S = statusOf(before);
    const S2 = statusOf(after);
    const steps = this.steps;
    const hash = S2.currentPodHash;
    if (hash == null || S.promoteFull === true || S2.abort === true) return;
    const sameUpdate = S.currentPodHash === hash && S.currentStepHash === S2.currentStepHash;
    const retried = S.abortedAt != null && S2.abortedAt == null;
    // Already promoted (or a rollback to the stable revision): there is no update, the index just sits at the end.
    if (S.stableRS === hash) return;
    const fresh = !sameUpdate || retried;
    const from = fresh ? 0 : S.currentStepIndex ?? 0;
    const to = S2.currentStepIndex ?? steps.length;
    const newBefore = rsOf(before, hash);
    const R = this.R;
    if (S2.stableRS === hash && availOf(newBefore) < R) this.fail('stepConditions', `promoted ${this.v(hash)} to stable with ${availOf(newBefore)}/${R} available pods`);
    let k = from;
    // A promote: the operator cleared the pause conditions of a controller pause; the step at the index is skipped.
    if (!fresh && S.controllerPause === true && (S.pauseConditions ?? []).length === 0 && before.rollout.spec.paused !== true) {
      const s = steps[from];
      if (s?.pause != null || s?.analysis != null || s?.experiment != null) k = from + 1;
    }
    for (; k < to && k < steps.length; k++) {
      const why = this.stepNotDone(steps[k]!, k, before, after, hash);
      if (why !== undefined) this.fail('stepConditions', `step ${k} (${JSON.stringify(steps[k])}) completed before its condition: ${why}`);
    }
  }

  private stepNotDone(step: CanaryStep, k: number, before: PlanCluster, after: PlanCluster, hash: string): string | undefined {
    const R = this.R;
    const routed = this.cfg.kind !== 'basic';
    const canaryAvail = availOf(rsOf(before, hash));
    if (step.setWeight != null) {
      const w = step.setWeight;
      const scale = routed ? canaryScaleAt(this.steps, k) : undefined;
      const need = scale != null ? scaleCount(R, scale, w) : routed ? toReplicas(R, w) : Math.floor((R * w) / MAX_WEIGHT);
      if (canaryAvail < need) return `the canary had ${canaryAvail} available pods, the weight needs ${need}`;
      if (routed) {
        const routedWeight = need === 0 && scale != null ? 0 : w;
        // Served before this reconcile, or set by it (the SetWeight intent precedes the status write, so a failed
        // write leaves the step undone); a later step completed in the same reconcile may have moved it on.
        const was = before.router?.canary ?? 0;
        const is = after.router?.canary ?? 0;
        if (was !== routedWeight && is !== routedWeight) return `the router served weight ${was} and now ${is}, never ${routedWeight}`;
      }
      return undefined;
    }
    if (step.setCanaryScale != null) {
      const need = scaleCount(R, step.setCanaryScale, weightAt(this.steps, k));
      // Upstream waits for AtDesiredReplicaCountsForCanary.
      if (canaryAvail < need) return `the canary had ${canaryAvail} available pods, setCanaryScale asks for ${need}`;
      return undefined;
    }
    if (step.pause != null) {
      const d = step.pause.duration;
      const seconds = d == null ? undefined : typeof d === 'number' ? d : Number.parseInt(d, 10);
      if (seconds === 0) return undefined;
      if (seconds === undefined) return 'an indefinite pause ended without a promote';
      const cond = (statusOf(before).pauseConditions ?? []).find((p) => p.reason === 'CanaryPauseStep');
      if (cond === undefined) return `a ${seconds}s pause ended without having started`;
      const started = Date.parse(cond.startTime);
      if (this.now < started + seconds * 1000) return `a ${seconds}s pause started at t=${(started - T0) / 1000}s ended at t=${(this.now - T0) / 1000}s`;
      return undefined;
    }
    if (step.analysis != null) {
      const ok = before.analysisRuns.some(
        (r) =>
          r.run.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash &&
          r.run.metadata?.labels?.['step-index'] === String(k) &&
          r.run.status?.phase === 'Successful' &&
          r.run.spec.terminate !== true
      );
      return ok ? undefined : 'no Successful AnalysisRun of this step';
    }
    if (step.experiment != null) {
      const re = new RegExp(`^${NAME}-${hash}-\\d+-${k}(\\.\\d+)?$`);
      const ok = before.experiments.some((e) => re.test(e.experiment.metadata?.name ?? '') && e.experiment.status?.phase === 'Successful' && e.experiment.spec.terminate !== true);
      return ok ? undefined : 'no Successful Experiment of this step';
    }
    return undefined;
  }

  /**
   * Blue-green has no steps; its gates are (upstream `reconcileActiveService`, semantics §2.8):
   * - the scale-up checkpoint (pause and pre-promotion analysis done) needs the pre-promotion run Successful and
   *   the pause over (a promote when autoPromotionEnabled is false; autoPromotionSeconds elapsed);
   * - the active switch needs the new ReplicaSet saturated (R replicas, R available) and the checkpoint;
   * - completion (stable := new) needs the active switch and the post-promotion run Successful.
   * promoteFull and a fast rollback (the new ReplicaSet still holds pods under a scale-down deadline) skip the
   * pause and analyses, never the saturation.
   */
  private checkBlueGreenGates(before: PlanCluster, after: PlanCluster): void {
    const S = statusOf(before);
    const S2 = statusOf(after);
    const hash = S2.currentPodHash;
    const bg = this.cfg.blueGreen ?? {
      preview: false,
      pre: false,
      post: false,
    };
    if (hash == null || S2.abort === true || S.stableRS === hash) return;
    const R = this.R;
    const newBefore = rsOf(before, hash);
    const isNew = S.currentPodHash !== hash;
    const fastTrack = isNew && (newBefore?.metadata?.annotations?.[SCALE_DOWN_DEADLINE] ?? '') !== '';
    const full = S.promoteFull === true || S2.promoteFull === true || fastTrack;
    const runOk = (type: string) =>
      before.analysisRuns.some(
        (r) =>
          r.run.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash &&
          r.run.metadata?.labels?.['rollout-type'] === type &&
          r.run.status?.phase === 'Successful' &&
          r.run.spec.terminate !== true
      );
    const cpBefore = !isNew && S.blueGreen?.scaleUpPreviewCheckPoint === true;
    const cpAfter = S2.blueGreen?.scaleUpPreviewCheckPoint === true;
    const activeBefore = selectorOf(before, 'active');
    const activeAfter = selectorOf(after, 'active');
    const switchedNow = activeAfter === hash && activeBefore !== hash;
    // The checkpoint is passed in this reconcile when it flips, or when the switch happens without it having been
    // recorded (the switch and the completion in one reconcile clear it again).
    if (!full && !cpBefore && ((cpAfter && !switchedNow) || switchedNow)) {
      if (bg.pre && !runOk('PrePromotion')) this.fail('stepConditions', 'blue-green pause/analysis gate passed without a Successful pre-promotion AnalysisRun');
      if (bg.autoPromotionEnabled === false && !this.promotedThisUpdate)
        this.fail('stepConditions', 'blue-green pause gate passed without a promote (autoPromotionEnabled: false)');
      if (bg.autoPromotionEnabled !== false && (bg.autoPromotionSeconds ?? 0) > 0 && !this.promotedThisUpdate) {
        const cond = (S.pauseConditions ?? []).find((p) => p.reason === 'BlueGreenPause');
        if (cond === undefined || this.now < Date.parse(cond.startTime) + (bg.autoPromotionSeconds ?? 0) * 1000)
          this.fail('stepConditions', `blue-green pause gate passed before autoPromotionSeconds ${bg.autoPromotionSeconds} passed`);
      }
      const want = bg.previewReplicaCount ?? R;
      if (availOf(newBefore) < want) this.fail('stepConditions', `blue-green pause/analysis gate passed with ${availOf(newBefore)}/${want} preview pods available`);
    }
    if (switchedNow && (specOf(newBefore) !== R || availOf(newBefore) < R))
      this.fail('stepConditions', `active Service switched to ${this.v(hash)} with ${specOf(newBefore)}/${availOf(newBefore)} (replicas/available), not saturated at ${R}`);
    if (S2.stableRS === hash) {
      if (activeAfter !== hash) this.fail('stepConditions', `${this.v(hash)} became stable while the active Service selects ${this.v(activeAfter)}`);
      if (bg.post && !full && !runOk('PostPromotion')) this.fail('stepConditions', `${this.v(hash)} became stable without a Successful post-promotion AnalysisRun`);
    }
  }

  // ---- Invariant: runs and experiments of abandoned steps are terminated -------------------------------

  /**
   * Abandoned (upstream cancels every AnalysisRun and Experiment that is not current: `cancelAnalysisRuns(otherArs)`,
   * `cancelExperiments(otherExs)`): made for another revision than the current one; the update aborted; a step run
   * or experiment that is not the one the status follows (promoted past, steps restarted); anything once the
   * revision is fully promoted. Terminated means `spec.terminate` or a terminal phase. The reconcile that
   * abandons it and the next one may still be running it; after that it must be terminated.
   */
  private checkAbandoned(after: PlanCluster): void {
    const st = statusOf(after);
    const current = st.currentPodHash;
    const promoted = st.stableRS != null && st.stableRS === current;
    const aborted = st.abort === true && !promoted;
    // `promote --full` skips every analysis and step: upstream cancels all runs while status.promoteFull is set
    // (`reconcileAnalysisRuns`: "Skipping analysis ... promoteFull"), and the experiment step it skips is abandoned.
    const full = st.promoteFull === true && !promoted;
    const seen = new Set<string>();
    const consider = (key: string, running: boolean, why: string | undefined) => {
      if (!running || why === undefined) return;
      seen.add(key);
      const t = this.abandoned.get(key);
      if (t === undefined) this.abandoned.set(key, { since: this.reconciles, why });
      else if (this.reconciles - t.since >= 2) this.fail('abandonedRuns', `${key} is still running ${this.reconciles - t.since} reconciles after it was abandoned (${t.why})`);
    };
    for (const r of after.analysisRuns) {
      const labels = r.run.metadata?.labels ?? {};
      const name = r.run.metadata?.name ?? '';
      const type = labels['rollout-type'] ?? '';
      const following =
        type === 'Step'
          ? st.canary?.currentStepAnalysisRunStatus?.name
          : type === 'Background'
          ? st.canary?.currentBackgroundAnalysisRunStatus?.name
          : type === 'PrePromotion'
          ? st.blueGreen?.prePromotionAnalysisRunStatus?.name
          : st.blueGreen?.postPromotionAnalysisRunStatus?.name;
      const why =
        labels[POD_TEMPLATE_HASH_LABEL] !== current
          ? `made for ${this.v(labels[POD_TEMPLATE_HASH_LABEL])}, the current revision is ${this.v(current)}`
          : aborted
          ? 'the update was aborted'
          : promoted
          ? 'the revision is fully promoted'
          : full
          ? 'promote --full skips the analyses'
          : type === 'Step' && labels['step-index'] !== String(st.currentStepIndex ?? '')
          ? `made for step ${labels['step-index']}, the Rollout is at step ${st.currentStepIndex ?? '-'}`
          : following !== name
          ? `the status follows ${following ?? 'no run'} for this purpose`
          : undefined;
      consider(`AnalysisRun ${type}${labels['step-index'] ?? ''} ${name}`, isRunning(r.run.status?.phase) && r.run.spec.terminate !== true, why);
    }
    for (const e of after.experiments) {
      const name = e.experiment.metadata?.name ?? '';
      const h = e.experiment.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
      const why =
        h !== current
          ? `made for ${this.v(h)}, the current revision is ${this.v(current)}`
          : aborted
          ? 'the update was aborted'
          : promoted
          ? 'the revision is fully promoted'
          : full
          ? 'promote --full skips the experiment step'
          : !new RegExp(`-${st.currentStepIndex ?? 'none'}(\\.\\d+)?$`).test(name)
          ? `made for another step, the Rollout is at step ${st.currentStepIndex ?? '-'}`
          : st.canary?.currentExperiment !== name
          ? `the status follows ${st.canary?.currentExperiment ?? 'no experiment'}`
          : undefined;
      consider(`Experiment ${name}`, isRunning(e.experiment.status?.phase) && e.experiment.spec.terminate !== true, why);
    }
    for (const key of [...this.abandoned.keys()]) if (!seen.has(key)) this.abandoned.delete(key);
  }

  // ---- Invariant: replicas within replicas + maxSurge (basic canary) --------------------------------------

  /**
   * Only the basic canary promises a bound: upstream's `CalculateReplicaCountsForBasicCanary` never scales up past
   * `replicas + maxSurge` summed over every ReplicaSet (spec counts), also when a newer revision interrupts or the
   * template goes back to the stable one. A traffic-routed canary keeps the stable at full size and adds the canary
   * (maxSurge is not used, §2.5); with dynamicStableScale the stable shrinks one reconcile behind the weight;
   * blue-green runs up to 2x replicas plus old revisions in their scale-down delay (§2.8): none promises the bound.
   * The check is on scale-ups: a controller that inherits a total above the bound (it cannot, in this model)
   * is only asked not to add to it.
   */
  private checkSurge(before: PlanCluster, after: PlanCluster): void {
    if (this.cfg.kind !== 'basic') return;
    const bound = this.R + surgeOf(this.R, this.cfg.maxSurge);
    const total = (c: PlanCluster) => c.replicaSets.reduce((n, r) => n + specOf(r.replicaSet), 0);
    const t1 = total(after);
    const st = statusOf(after);
    const back = st.stableRS === st.currentPodHash ? ' (the current revision is the stable one: a rollback or a completed update)' : '';
    if (t1 > bound && t1 > total(before)) this.fail('surge', `the ReplicaSets ask for ${t1} pods in total, more than replicas ${this.R} + maxSurge = ${bound}${back}`);
  }
}
