/**
 * Fuzz test of issue 15 ("nothing the user can write makes a reconcile throw"): Rollouts, AnalysisTemplates,
 * AnalysisRuns and Experiments generated from our CRD schemas (`@rollouts/api/testing`: whole random specs, and
 * valid specs with hostile values overlaid: "NaN%", "-1", "101%", 2147483648, 0, negatives, fractions, empty
 * strings, backtracking patterns, deep nesting), read as the controller reads them (`lenientNumbers`), then fed
 * to `reconcileRollout` (and, when the spec is valid, to `planRollout`, which runs the whole update on a
 * simulated cluster), `reconcileAnalysisRun` (with provider reports for every measurement it asks for) and
 * `reconcileExperiment`. Properties:
 * - nothing throws;
 * - every spec that validation rejects ends with an explanation: the Rollout's `InvalidSpec` condition naming
 *   the first problem's field path (phase Degraded), the run's `Error` (or `Failed`) phase with a message, the
 *   Experiment's `InvalidSpec` condition.
 * An object the codecs refuse even leniently (an enum or date the API server's schema would refuse) is skipped.
 *
 * Runs per kind: `HOSTILE_RUNS` (default 2500; about 10-20 s in all). fast-check prints the seed and path of a
 * counterexample: `fc.assert(..., { seed, path })` replays it.
 */
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either';
import {
  AnalysisRun,
  AnalysisTemplate,
  Experiment,
  Rollout,
  decode,
  validateAnalysisRun,
  validateExperiment,
  validateRollout,
  validateTrafficRoutingConfig,
  type Codec,
} from '@rollouts/api';
import { hostileAnalysisRun, hostileAnalysisTemplate, hostileExperiment, hostileRollout } from '@rollouts/api/testing';
import type { MeasurementReport, MeasurementIntent } from './AnalysisIntent';
import { reconcileAnalysisRun } from './AnalysisRunReconcile';
import { reconcileExperiment } from './ExperimentReconcile';
import { planRollout } from './Plan';
import { reconcileRollout } from './ReconcileRollout';
import { withoutUnparseableQuantities } from './TemplateQuantities';
import type { ProviderObservation } from './Measurement';

const RUNS = Number(process.env['HOSTILE_RUNS'] ?? '2500');
/** Per property: generous, since the runs are many and the machine may be shared. */
const TIMEOUT_MS = 120_000;
const NOW = Date.UTC(2026, 0, 1);
const NS = 'fuzz';

/** Read as the controller reads cached objects; undefined when even that fails (the API server would refuse it). */
function lenient<A>(codec: Codec<A>, u: unknown): A | undefined {
  const r = decode(codec, u, { lenientNumbers: true });
  return E.isRight(r) ? r.right : undefined;
}

const named = (o: Record<string, unknown>, name: string): Record<string, unknown> => ({ ...o, metadata: { name, namespace: NS, uid: `uid-${name}`, generation: 1 } });

/** Every string value under `key` anywhere in `u` (service and template names the spec refers to). */
function namesUnder(u: unknown, keys: ReadonlySet<string>, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(u)) for (const x of u) namesUnder(x, keys, out);
  else if (typeof u === 'object' && u !== null) {
    for (const [k, v] of Object.entries(u)) {
      if (keys.has(k) && typeof v === 'string') out.add(v);
      else namesUnder(v, keys, out);
    }
  }
  return out;
}

const SERVICE_KEYS = new Set(['stableService', 'canaryService', 'activeService', 'previewService', 'pingService', 'pongService']);
const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: 'fuzz' } } });

/**
 * The rules a run controller stops a run for (upstream's AR1–AR6 and ValidateMetric M1–M10, and our numbers N1,
 * N2). `validateAnalysisRun` reports a few more for lint (M11 a count that is not a number, TA1, AN1–AN5), which
 * upstream's controller reads past (`""` as 0, the value over the valueFrom), and so does ours.
 */
const RUN_RULES = /^(AR[1-6]|M([1-9]|10)|N[12])$/;

/** The first problem's path must be named by the explanation. */
const names = (message: string | null | undefined, path: string): boolean => (message ?? '').includes(path);

// Counts of what the generators produced, printed once (a fuzz test that only skips proves nothing).
const seen = { rolloutInvalid: 0, rolloutValid: 0, rolloutSkipped: 0, runInvalid: 0, runValid: 0, runSkipped: 0, experimentInvalid: 0, experimentValid: 0, experimentSkipped: 0 };
afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(`hostile specs: ${JSON.stringify(seen)}`);
  // A property whose inputs all fail to decode checks nothing: each kind must reach the core, valid and invalid.
  for (const kind of ['rollout', 'run', 'experiment'] as const) {
    expect(seen[`${kind}Invalid`]).toBeGreaterThan(0);
    expect(seen[`${kind}Valid`]).toBeGreaterThan(0);
  }
});

describe('hostile specs (issue 15)', () => {
  it('a Rollout never makes reconcileRollout (or a planned update) throw, and an invalid one is InvalidSpec at its field', () => {
    fc.assert(
      fc.property(hostileRollout(), fc.array(hostileAnalysisTemplate(), { maxLength: 2 }), (raw, rawTemplates) => {
        const rollout = lenient(Rollout, named(raw, 'fuzz'));
        if (rollout === undefined) {
          seen.rolloutSkipped++;
          return;
        }
        // Every Service the spec names exists; every template it references exists, as a hostile template.
        const services = [...namesUnder(rollout.spec, SERVICE_KEYS)].map(service);
        const templateNames = [...namesUnder(rollout.spec, new Set(['templateName']))];
        const templates = templateNames.flatMap((name, i) => {
          const t = lenient(AnalysisTemplate, named(rawTemplates[i % Math.max(1, rawTemplates.length)] ?? { spec: {} }, name));
          return t === undefined ? [] : [t];
        });
        const result = reconcileRollout({
          rollout,
          replicaSets: [],
          services: services as never,
          analysisRuns: [],
          experiments: [],
          analysisTemplates: templates,
          clusterAnalysisTemplates: [],
          now: NOW,
        });
        // Validated as the core validates it: after dropping the quantities Kubernetes cannot decode, as upstream
        // drops them (an ephemeral container with one goes whole; the Rollout's event says so).
        const template = rollout.spec.template;
        const asDecoded = template == null ? rollout : { ...rollout, spec: { ...rollout.spec, template: withoutUnparseableQuantities(template).template } };
        const problems = [...validateRollout(asDecoded), ...validateTrafficRoutingConfig(asDecoded)];
        if (problems.length > 0) {
          seen.rolloutInvalid++;
          const condition = result.status.conditions?.find((c) => c.type === 'InvalidSpec');
          expect(condition?.status).toBe('True');
          expect(names(condition?.message, problems[0]!.path)).toBe(true);
          expect(result.status.phase).toBe('Degraded');
          return;
        }
        seen.rolloutValid++;
        // A valid spec: the whole update, on a simulated cluster, must not throw either.
        planRollout(rollout, { objects: [...services, ...templates], maxReconciles: 80, maxVirtualSeconds: 900, podReadySeconds: 1 });
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT_MS);

  it('an AnalysisRun never makes reconcileAnalysisRun throw, and an invalid one ends in Error with a message', () => {
    const observation = fc.constantFrom<ProviderObservation>(
      { _tag: 'Value', value: 1 },
      { _tag: 'Value', value: 'NaN' },
      { _tag: 'Value', value: [1, { a: null }] },
      { _tag: 'Verdict', phase: 'Failed', message: 'no' },
      { _tag: 'Pending', resumeAt: NOW + 1e15 },
      { _tag: 'ProviderError', message: 'down' },
    );
    fc.assert(
      fc.property(hostileAnalysisRun(), fc.array(observation, { minLength: 1, maxLength: 4 }), (raw, observations) => {
        const run = lenient(AnalysisRun, named(raw, 'fuzz-run'));
        if (run === undefined) {
          seen.runSkipped++;
          return;
        }
        let current = run;
        let now = NOW;
        let reports: MeasurementReport[] = [];
        for (let round = 0; round < 4; round++) {
          const r = reconcileAnalysisRun({ run: current, now, reports, secrets: {} });
          current = { ...current, status: r.status };
          const asked = r.intents.filter((i): i is MeasurementIntent => i._tag === 'TakeMeasurement' || i._tag === 'ResumeMeasurement' || i._tag === 'TerminateMeasurement');
          reports = asked.map((intent, k) => ({ intent, observation: observations[(round + k) % observations.length]!, observedAt: now }));
          now += Math.min(r.requeueAfterMs ?? 1000, 3_600_000);
        }
        if (validateAnalysisRun(run).some((p) => RUN_RULES.test(p.rule))) {
          seen.runInvalid++;
          const first = reconcileAnalysisRun({ run, now: NOW }).status;
          expect(['Error', 'Failed']).toContain(first.phase);
          expect((first.message ?? '').length).toBeGreaterThan(0);
        } else seen.runValid++;
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT_MS);

  it('an Experiment never makes reconcileExperiment throw, and an invalid one is InvalidSpec', () => {
    fc.assert(
      fc.property(hostileExperiment(), fc.array(hostileAnalysisTemplate(), { maxLength: 2 }), (raw, rawTemplates) => {
        const experiment = lenient(Experiment, named(raw, 'fuzz-exp'));
        if (experiment === undefined) {
          seen.experimentSkipped++;
          return;
        }
        const templates = [...namesUnder(experiment.spec, new Set(['templateName']))].flatMap((name, i) => {
          const t = lenient(AnalysisTemplate, named(rawTemplates[i % Math.max(1, rawTemplates.length)] ?? { spec: {} }, name));
          return t === undefined ? [] : [t];
        });
        let current = experiment;
        let now = NOW;
        let result = reconcileExperiment({ experiment: current, replicaSets: [], services: [], analysisRuns: [], analysisTemplates: templates, clusterAnalysisTemplates: [], now });
        for (let round = 0; round < 2; round++) {
          current = { ...current, status: result.status };
          now += Math.min(result.requeueAfterMs ?? 1000, 3_600_000);
          result = reconcileExperiment({ experiment: current, replicaSets: [], services: [], analysisRuns: [], analysisTemplates: templates, clusterAnalysisTemplates: [], now });
        }
        const problems = validateExperiment(experiment);
        if (problems.length > 0) {
          seen.experimentInvalid++;
          const condition = result.status.conditions?.find((c) => c.type === 'InvalidSpec');
          expect(condition?.status).toBe('True');
          expect((condition?.message ?? '').length).toBeGreaterThan(0);
        } else seen.experimentValid++;
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT_MS);
});
