// Fuzz end to end (issue #15): random Rollouts and AnalysisRuns generated from our CRD schemas
// (`@rollouts/api/testing`, the generator of the core's HostileSpec property test) are sent to the target API
// server while the real controller runs. For each object:
// - the API server accepts it or refuses it (a refusal by the CRD schema is an explanation too; kube-sim admits
//   what its schema admits, a real API server may refuse more);
// - an accepted object that validation rejects gets its explanation: a Rollout the InvalidSpec condition with a
//   message, an AnalysisRun the Error (or Failed) phase with a message;
// - no reconcile throws (no "reconcile threw" in the controller's log);
// and afterwards a control Rollout completes its update.
//
// HOSTILE_FUZZ_OBJECTS sets how many objects of each kind (default 25); HOSTILE_FUZZ_SEED replays a run (the seed
// is printed; the default is fixed, see SEED), HOSTILE_FUZZ_SEED=random draws one.
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either';
import { AnalysisRun, Rollout, decode, validateAnalysisRun, validateRollout, validateTrafficRoutingConfig } from '@rollouts/api';
import { hostileAnalysisRun, hostileRollout } from '@rollouts/api/testing';
import { Resources, startEnv, waitFor, type Env } from './harness';
import { capturingLogger, controlRolloutCompletes } from './Hostile';

jest.setTimeout(180_000);

const COUNT = Number(process.env['HOSTILE_FUZZ_OBJECTS'] ?? '25');
// A fixed seed by default, so that CI is repeatable: 1393122961 found the silent retry on a Secret name the API
// server refuses (fixed). HOSTILE_FUZZ_SEED=random explores.
const SEED = process.env['HOSTILE_FUZZ_SEED'] === 'random' ? Date.now() % 2_147_483_647 : Number(process.env['HOSTILE_FUZZ_SEED'] ?? '1393122961');

/** The rules a run controller stops a run for (see the core's HostileSpec property test). */
const RUN_RULES = /^(AR[1-6]|M([1-9]|10)|N[12])$/;

/**
 * Counts that would make the simulator (or kwok) start thousands of pods for a *valid* spec are brought down to 3:
 * the point is hostile input, not a load test. Invalid specs keep their numbers (nothing is created for them).
 */
const POD_COUNTS = new Set(['replicas', 'previewReplicaCount', 'minPodsPerReplicaSet']);
function tame(u: unknown): unknown {
  if (Array.isArray(u)) return u.map(tame);
  if (typeof u !== 'object' || u === null) return u;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(u)) out[k] = POD_COUNTS.has(k) && typeof v === 'number' && v > 5 ? 3 : tame(v);
  return out;
}

interface Outcome {
  readonly name: string;
  readonly kind: 'Rollout' | 'AnalysisRun';
  readonly refused?: string;
  readonly invalid?: string;
}

const log = capturingLogger();
let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, controller: { log } });
});
afterAll(async () => {
  await env?.stop();
});

const condition = (o: unknown): { status?: string; message?: string } | undefined =>
  (o as { status?: { conditions?: Array<{ type: string; status?: string; message?: string }> } } | undefined)?.status?.conditions?.find((c) => c.type === 'InvalidSpec');

test(`${COUNT} random Rollouts and ${COUNT} random AnalysisRuns: refused, explained or run; no reconcile throws; a control Rollout completes`, async () => {
  // eslint-disable-next-line no-console
  console.log(`hostile-fuzz seed ${SEED} (HOSTILE_FUZZ_SEED replays it)`);
  const rollouts = fc.sample(hostileRollout(), { numRuns: COUNT, seed: SEED });
  const runs = fc.sample(hostileAnalysisRun(), { numRuns: COUNT, seed: SEED + 1 });
  const outcomes: Outcome[] = [];

  const send = async (kind: 'Rollout' | 'AnalysisRun', name: string, raw: Record<string, unknown>): Promise<void> => {
    const object = { ...(tame(raw) as Record<string, unknown>), metadata: { name } };
    try {
      await env.api.create(kind === 'Rollout' ? Resources.rollouts : Resources.analysisRuns, object);
    } catch (e) {
      outcomes.push({ name, kind, refused: e instanceof Error ? e.message : String(e) });
      return;
    }
    // What validation says of it, read as the controller reads it.
    if (kind === 'Rollout') {
      const r = decode(Rollout, object, { lenientNumbers: true });
      const problems = E.isRight(r) ? [...validateRollout(r.right), ...validateTrafficRoutingConfig(r.right)] : [];
      outcomes.push({ name, kind, ...(problems[0] !== undefined ? { invalid: problems[0].path } : E.isLeft(r) ? { invalid: r.left[0]?.path ?? '' } : {}) });
    } else {
      const r = decode(AnalysisRun, object, { lenientNumbers: true });
      const problems = E.isRight(r) ? validateAnalysisRun(r.right).filter((p) => RUN_RULES.test(p.rule)) : [];
      outcomes.push({ name, kind, ...(problems[0] !== undefined ? { invalid: problems[0].path } : E.isLeft(r) ? { invalid: r.left[0]?.path ?? '' } : {}) });
    }
  };
  for (const [i, raw] of rollouts.entries()) await send('Rollout', `fuzz-rollout-${i}`, raw);
  for (const [i, raw] of runs.entries()) await send('AnalysisRun', `fuzz-run-${i}`, raw);

  // Every refusal says something; every accepted invalid object gets its explanation.
  // A refusal is the API server's 4xx answer naming what it refuses (never a 5xx).
  for (const o of outcomes.filter((x) => x.refused !== undefined)) expect(o.refused).toMatch(/: 4\d\d .*(spec|metadata)/);
  for (const o of outcomes.filter((x) => x.refused === undefined && x.invalid !== undefined)) {
    if (o.kind === 'Rollout') {
      const explained = await waitFor(
        `Rollout ${o.name} InvalidSpec (first problem at ${o.invalid})`,
        () => {
          const c = condition(env.api.get(Resources.rollouts, o.name));
          return c?.status === 'True' && (c.message ?? '') !== '' ? c : undefined;
        },
        30_000,
        () => (env.api.get(Resources.rollouts, o.name) as { status?: unknown } | undefined)?.status,
      );
      expect(explained.message).toMatch(/^The Rollout "fuzz-rollout-\d+" is invalid: /);
    } else {
      // Error with a message; or, when its own ttlStrategy says so (0 seconds), gone at once after an Event saying why.
      const run = await waitFor(
        `AnalysisRun ${o.name} Error (first problem at ${o.invalid})`,
        () => {
          const r = env.api.get<{ status?: { phase?: string; message?: string } }>(Resources.analysisRuns, o.name);
          if (r === undefined) return 'deleted';
          return ['Error', 'Failed'].includes(r.status?.phase ?? '') && (r.status?.message ?? '') !== '' ? r : undefined;
        },
        30_000,
        () => env.api.get<{ status?: unknown }>(Resources.analysisRuns, o.name)?.status,
      );
      if (run === 'deleted') {
        const events = (await env.http.json<{ items?: Array<{ type?: string; message?: string; involvedObject?: { name?: string } }> }>('GET', `/api/v1/namespaces/${env.ns}/events`)).items ?? [];
        expect(events.some((e) => e.involvedObject?.name === o.name && e.type === 'Warning' && (e.message ?? '') !== '')).toBe(true);
      } else expect(run.status?.message).not.toBe('');
    }
  }

  // The controller still serves everybody else, and never threw.
  await controlRolloutCompletes(env, 'fuzz-control', 60_000);
  expect(log.lines.filter((l) => l.includes('reconcile threw'))).toEqual([]);
  const tally = (kind: string) => {
    const of = outcomes.filter((o) => o.kind === kind);
    return `${of.length} (${of.filter((o) => o.refused !== undefined).length} refused, ${of.filter((o) => o.refused === undefined && o.invalid !== undefined).length} explained, ${of.filter((o) => o.refused === undefined && o.invalid === undefined).length} valid)`;
  };
  // eslint-disable-next-line no-console
  console.log(`hostile-fuzz: Rollouts ${tally('Rollout')}, AnalysisRuns ${tally('AnalysisRun')}`);
  expect(outcomes).toHaveLength(2 * COUNT);
});
