/**
 * Model-based property test of interruption (issue 23, deliverable 5): random sequences of template changes
 * mid-update, aborts, retries, promotes (full and not), pod readiness changes, analysis and experiment outcomes and
 * time passing, each followed by one `reconcileRollout` whose intents are applied to a model cluster
 * (`testing/InterruptionModel.ts`), over canary (basic; traffic-routed with setCanaryScale steps; traffic-routed
 * with dynamicStableScale) and blue-green (with and without preview Service, pre/post-promotion analysis,
 * autoPromotion). After every reconcile the model checks, each in its own test so a failure shrinks to a minimal
 * sequence for that rule:
 * - traffic: no Service that carries traffic and no router weight > 0 points at a revision without available
 *   pods (or, for a weight, without the pods the weight stands for); nothing is scaled below its traffic share;
 * - abortEnds: an abort ends, once pods are available and delays expire, with the stable serving everything;
 * - stepConditions: no step completes before its condition (and blue-green gates: checkpoint, active switch,
 *   completion);
 * - abandonedRuns: every AnalysisRun and Experiment of an abandoned step is terminated within two reconciles;
 * - surge: a basic canary stays within replicas + maxSurge;
 * - executor: every intent applies (no ReplicaSet created twice, nothing missing).
 * The precise definitions, and why each configuration is or is not checked, are in the model.
 *
 * fast-check's seed is random per run and printed with the counterexample (`seed`, `path`) on a failure:
 * `fc.assert(..., { seed, path })` replays it.
 */
import fc from 'fast-check';
import type { CanaryStep } from '@rollouts/api';
import type { Intent, ReconcileResult } from './Intent';
import type { RolloutObservation } from './Observation';
import { reconcileRollout } from './ReconcileRollout';
import { ALL_INVARIANTS, InterruptionModel, InvariantViolation, type Command, type InvariantName, type ModelConfig, type StrategyKind } from './testing/InterruptionModel';

const RUNS = Number(process.env['INTERRUPTION_RUNS'] ?? '250');

const ANALYSIS = { templates: [{ templateName: 'pass' }] };

const stepArb = (kind: StrategyKind, replicas: number): fc.Arbitrary<CanaryStep> => {
  const routed = kind !== 'basic';
  const arbs: Array<fc.WeightedArbitrary<CanaryStep>> = [
    {
      weight: 4,
      arbitrary: fc.oneof(fc.constantFrom(0, 10, 20, 25, 50, 80, 100), fc.integer({ min: 0, max: 100 })).map((w) => ({ setWeight: w })),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom<CanaryStep>({ pause: {} }, { pause: { duration: 0 } }, { pause: { duration: 10 } }, { pause: { duration: 60 } }),
    },
    { weight: 1, arbitrary: fc.constant<CanaryStep>({ analysis: ANALYSIS }) },
    {
      weight: 1,
      arbitrary: fc.constant({
        experiment: {
          templates: [{ name: 'exp', specRef: 'canary', replicas: 1 }],
        },
      } as CanaryStep),
    },
  ];
  if (routed)
    arbs.push({
      weight: kind === 'routed' ? 3 : 1,
      arbitrary: fc.oneof(
        fc.integer({ min: 0, max: replicas + 1 }).map((r) => ({ setCanaryScale: { replicas: r } })),
        fc.integer({ min: 0, max: 100 }).map((w) => ({ setCanaryScale: { weight: w } })),
        fc.constant({ setCanaryScale: { matchTrafficWeight: true } })
      ),
    });
  return fc.oneof(...arbs);
};

/** `value` one time in three, else `otherwise`. */
const rarely = <T>(value: T, otherwise: T): fc.Arbitrary<T> => fc.oneof({ weight: 1, arbitrary: fc.constant(value) }, { weight: 2, arbitrary: fc.constant(otherwise) });

const configArb = (kind: StrategyKind): fc.Arbitrary<ModelConfig> =>
  fc.integer({ min: 1, max: 6 }).chain((replicas) =>
    fc
      .record({
        kind: fc.constant(kind),
        replicas: fc.constant(replicas),
        steps: kind === 'blueGreen' ? fc.constant([]) : fc.array(stepArb(kind, replicas), { minLength: 1, maxLength: 5 }),
        fence: fc.constantFrom<[number | string, number | string]>([1, 0], [0, 1], ['25%', '25%'], ['50%', 0], [2, 1], [0, '25%']),
        backgroundFrom:
          kind === 'blueGreen'
            ? fc.constant(undefined)
            : fc.option(fc.integer({ min: 0, max: 2 }), {
                nil: undefined,
                freq: 3,
              }),
        abortScaleDownDelaySeconds: kind === 'basic' ? fc.constant(undefined) : fc.constantFrom(undefined, 0, 5),
        blueGreen:
          kind === 'blueGreen'
            ? // Biased towards configurations that reach the switch quickly, so that the post-switch phase (the
              // post-promotion analysis, an abort after the switch) is exercised too.
              fc.record({
                preview: fc.boolean(),
                pre: rarely(true, false),
                post: fc.boolean(),
                autoPromotionEnabled: rarely(false, undefined),
                autoPromotionSeconds: rarely(20, undefined),
                previewReplicaCount: rarely(1, undefined),
              })
            : fc.constant(undefined),
      })
      .map(
        ({ fence, backgroundFrom, abortScaleDownDelaySeconds, blueGreen, ...rest }): ModelConfig => ({
          ...rest,
          maxSurge: fence[0],
          maxUnavailable: fence[1],
          ...(backgroundFrom === undefined ? {} : { backgroundFrom }),
          ...(abortScaleDownDelaySeconds === undefined ? {} : { abortScaleDownDelaySeconds }),
          ...(blueGreen === undefined
            ? {}
            : {
                blueGreen: {
                  preview: blueGreen.preview,
                  pre: blueGreen.pre,
                  post: blueGreen.post,
                  ...(blueGreen.autoPromotionEnabled === undefined ? {} : { autoPromotionEnabled: blueGreen.autoPromotionEnabled }),
                  ...(blueGreen.autoPromotionSeconds === undefined ? {} : { autoPromotionSeconds: blueGreen.autoPromotionSeconds }),
                  ...(blueGreen.previewReplicaCount === undefined ? {} : { previewReplicaCount: blueGreen.previewReplicaCount }),
                },
              }),
        })
      )
  );

const phaseArb = fc.constantFrom('Successful', 'Successful', 'Failed', 'Inconclusive', 'Error') as fc.Arbitrary<'Successful' | 'Failed' | 'Inconclusive' | 'Error'>;

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.integer({ min: 1, max: 4 }).map((v): Command => ({ c: 'image', v })),
  },
  { weight: 2, arbitrary: fc.constant<Command>({ c: 'abort' }) },
  { weight: 2, arbitrary: fc.constant<Command>({ c: 'retry' }) },
  { weight: 3, arbitrary: fc.constant<Command>({ c: 'promote' }) },
  { weight: 1, arbitrary: fc.constant<Command>({ c: 'promoteFull' }) },
  {
    weight: 6,
    arbitrary: fc
      .record({
        rs: fc.nat({ max: 3 }),
        to: fc.constantFrom('available', 'available', 'ready', 'unready') as fc.Arbitrary<'available' | 'ready' | 'unready'>,
        n: fc.integer({ min: 1, max: 6 }),
      })
      .map((p): Command => ({ c: 'pods', ...p })),
  },
  { weight: 3, arbitrary: fc.constant<Command>({ c: 'allAvailable' }) },
  {
    weight: 3,
    arbitrary: fc.record({ pick: fc.nat({ max: 2 }), phase: phaseArb }).map((p): Command => ({ c: 'analysis', ...p })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        pick: fc.nat({ max: 2 }),
        phase: fc.constantFrom('Running', 'Successful', 'Successful', 'Failed', 'Inconclusive', 'Error') as fc.Arbitrary<
          'Running' | 'Successful' | 'Failed' | 'Inconclusive' | 'Error'
        >,
      })
      .map((p): Command => ({ c: 'experiment', ...p })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(1, 5, 11, 31, 61).map((s): Command => ({ c: 'time', s })),
  },
  { weight: 2, arbitrary: fc.constant<Command>({ c: 'settle' }) }
);

const KINDS: ReadonlyArray<[StrategyKind, string]> = [
  ['basic', 'canary, basic (no traffic routing)'],
  ['routed', 'canary, traffic-routed (setCanaryScale steps)'],
  ['dynamic', 'canary, traffic-routed with dynamicStableScale'],
  ['blueGreen', 'blue-green'],
];

/** Which invariants apply to which strategy (surge: basic canary only, see the model). */
const applies = (kind: StrategyKind, inv: InvariantName): boolean => inv !== 'surge' || kind === 'basic';

describe('interruption (model-based property)', () => {
  for (const [kind, title] of KINDS) {
    describe(title, () => {
      for (const inv of ALL_INVARIANTS) {
        if (!applies(kind, inv)) continue;
        it(`${inv} holds after every reconcile`, () => {
          fc.assert(
            fc.property(configArb(kind), fc.array(commandArb, { minLength: 1, maxLength: 20 }), (cfg, commands) => {
              new InterruptionModel(cfg, new Set([inv])).run(commands);
            }),
            { numRuns: RUNS }
          );
        });
      }
    });
  }
});

/**
 * Every check can fail: each is run against a controller broken on purpose in the way the check guards against,
 * and must find a counterexample. (These pass while the checks work; they do not depend on the real core's bugs.)
 */
describe('interruption: the checks catch a broken controller', () => {
  type Decide = (obs: RolloutObservation) => ReconcileResult;
  const mutate =
    (f: (r: ReconcileResult, obs: RolloutObservation) => ReadonlyArray<Intent>): Decide =>
    (obs) => {
      const r = reconcileRollout(obs);
      return { ...r, intents: f(r, obs) };
    };
  const updating = (r: ReconcileResult) => r.status.currentPodHash != null && r.status.currentPodHash !== r.status.stableRS;
  const mutants: ReadonlyArray<[string, StrategyKind, InvariantName, Decide, ((cfg: ModelConfig) => boolean)?]> = [
    [
      'blue-green: the active Service follows the new revision at once',
      'blueGreen',
      'traffic',
      mutate((r) =>
        updating(r)
          ? [
              {
                _tag: 'PatchServiceSelector',
                service: 'active',
                podTemplateHash: r.status.currentPodHash ?? '',
                rollout: 'ro',
                reason: 'mutant',
              },
              ...r.intents,
            ]
          : r.intents
      ),
    ],
    [
      'blue-green: the active Service follows the new revision at once',
      'blueGreen',
      'stepConditions',
      mutate((r) =>
        updating(r)
          ? [
              {
                _tag: 'PatchServiceSelector',
                service: 'active',
                podTemplateHash: r.status.currentPodHash ?? '',
                rollout: 'ro',
                reason: 'mutant',
              },
              ...r.intents,
            ]
          : r.intents
      ),
    ],
    [
      'traffic-routed: the router gets weight 100 as soon as an update starts',
      'routed',
      'traffic',
      mutate((r) =>
        updating(r)
          ? [
              ...r.intents.filter((i) => i._tag !== 'SetWeight'),
              {
                _tag: 'SetWeight',
                weight: 100,
                maxWeight: 100,
                additionalDestinations: [],
                reason: 'mutant',
              },
            ]
          : r.intents
      ),
    ],
    [
      'canary: every step is skipped',
      'basic',
      'stepConditions',
      mutate((r, obs) =>
        r.intents.map((i) =>
          i._tag === 'UpdateStatus' && updating(r) && r.status.abort !== true
            ? {
                ...i,
                status: {
                  ...i.status,
                  currentStepIndex: obs.rollout.spec.strategy?.canary?.steps?.length ?? 0,
                },
              }
            : i
        )
      ),
    ],
    [
      'canary: runs and experiments are never terminated',
      'routed',
      'abandonedRuns',
      mutate((r) => r.intents.filter((i) => i._tag !== 'TerminateAnalysisRun' && i._tag !== 'TerminateExperiment')),
    ],
    [
      'blue-green: runs are never terminated',
      'blueGreen',
      'abandonedRuns',
      mutate((r) => r.intents.filter((i) => i._tag !== 'TerminateAnalysisRun' && i._tag !== 'TerminateExperiment')),
    ],
    [
      'traffic-routed: an abort leaves the weight where it is',
      'routed',
      'abortEnds',
      mutate((r, obs) => (obs.rollout.status?.abort === true ? r.intents.filter((i) => i._tag !== 'SetWeight') : r.intents)),
    ],
    [
      'blue-green: an abort leaves the active Service where it is',
      'blueGreen',
      'abortEnds',
      mutate((r, obs) => (obs.rollout.status?.abort === true ? r.intents.filter((i) => i._tag !== 'PatchServiceSelector') : r.intents)),
      // Only an abort after the switch (during the post-promotion analysis) has the active Service to move back.
      (cfg) => cfg.blueGreen?.post === true,
    ],
    [
      'basic canary: a new ReplicaSet starts at full size',
      'basic',
      'surge',
      mutate((r, obs) =>
        r.intents.map((i) =>
          i._tag === 'CreateReplicaSet'
            ? {
                ...i,
                replicaSet: {
                  ...i.replicaSet,
                  spec: {
                    ...i.replicaSet.spec!,
                    replicas: obs.rollout.spec.replicas ?? 1,
                  },
                },
              }
            : i
        )
      ),
    ],
    ['a ReplicaSet is created twice', 'basic', 'executor', mutate((r) => r.intents.flatMap((i): Intent[] => (i._tag === 'CreateReplicaSet' ? [i, i] : [i])))],
  ];
  for (const [title, kind, inv, decide, only] of mutants) {
    it(`${inv} fails for: ${title}`, () => {
      const out = fc.check(
        fc.property(only === undefined ? configArb(kind) : configArb(kind).filter(only), fc.array(commandArb, { minLength: 1, maxLength: 20 }), (cfg, commands) => {
          new InterruptionModel(cfg, new Set([inv]), decide).run(commands);
        }),
        { numRuns: 1000, endOnFailure: true }
      );
      expect(out.failed).toBe(true);
      expect(out.errorInstance).toBeInstanceOf(InvariantViolation);
      expect((out.errorInstance as InvariantViolation).invariant).toBe(inv);
    });
  }
});
