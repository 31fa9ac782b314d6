/**
 * Properties of the whole canary state machine, checked by planning random Rollouts end to end with the real
 * reconcile: any step sequence ends Healthy (or, aborted, Degraded with the stable restored) in bounded virtual
 * time; traffic never reaches a canary without the available pods for it; a basic canary never runs more than
 * replicas + maxSurge pods.
 */
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either';
import type { CanaryStep, Rollout } from '@rollouts/api';
import { canaryFenceposts } from './Fenceposts';
import { planRollout, type PlanFrame } from './Plan';
import { trafficWeightToReplicas } from './WeightedReplicas';

const stepArb = (routed: boolean, replicas: number): fc.Arbitrary<CanaryStep> =>
  fc.oneof(
    fc.integer({ min: 0, max: 100 }).map((w) => ({ setWeight: w })),
    fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }).map((d) => (d === undefined ? { pause: {} } : { pause: { duration: `${d}s` } })),
    ...(routed
      ? [
          fc.oneof(
            fc.integer({ min: 0, max: replicas + 2 }).map((r) => ({ setCanaryScale: { replicas: r } })),
            fc.integer({ min: 0, max: 100 }).map((w) => ({ setCanaryScale: { weight: w } })),
            fc.constant({ setCanaryScale: { matchTrafficWeight: true } }),
          ),
        ]
      : []),
  );

const rolloutArb = fc
  .record({ replicas: fc.integer({ min: 1, max: 10 }), routed: fc.boolean() })
  .chain(({ replicas, routed }) =>
    fc.record({
      replicas: fc.constant(replicas),
      routed: fc.constant(routed),
      steps: fc.array(stepArb(routed, replicas), { maxLength: 6 }),
      fence: fc.constantFrom<[number | string, number | string]>([1, 0], [0, 1], ['25%', '25%'], ['50%', 0], [2, 1], [0, '25%']),
      podReadySeconds: fc.integer({ min: 0, max: 10 }),
    }),
  )
  .map(({ replicas, routed, steps, fence, podReadySeconds }) => {
    const canary: Record<string, unknown> = routed
      ? { canaryService: 'c', stableService: 's', trafficRouting: { nginx: { stableIngress: 'ing' } }, steps }
      : { maxSurge: fence[0], maxUnavailable: fence[1], steps };
    const rollout = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'prop', namespace: 'default' },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'prop' } },
        template: { metadata: { labels: { app: 'prop' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
        strategy: { canary },
      },
    } as unknown as Rollout;
    return { rollout, replicas, routed, steps, fence, podReadySeconds };
  });

const last = (frames: ReadonlyArray<PlanFrame>): PlanFrame => frames[frames.length - 1] as PlanFrame;

describe('planRollout over random canaries (property)', () => {
  it('ends Healthy with the new revision at full size; traffic only to available pods; basic canaries within maxSurge', () => {
    fc.assert(
      fc.property(rolloutArb, ({ rollout, replicas, routed, steps, fence, podReadySeconds }) => {
        const r = planRollout(rollout, { podReadySeconds, maxVirtualSeconds: 86_400 });
        if (E.isLeft(r)) throw new Error(`plan failed: ${r.left.message}`);
        const end = last(r.right.frames);
        expect(end.phase).toBe('Healthy');
        expect(end.replicaSets.canary).toBeNull();
        expect(end.replicaSets.stable).toEqual({ replicas, available: replicas });
        const scaled = steps.some((s) => s.setCanaryScale != null);
        const surge = canaryFenceposts(replicas, fence[0], fence[1]).maxSurge;
        for (const f of r.right.frames) {
          const canaryAvail = f.replicaSets.canary?.available ?? 0;
          if (routed && f.weights !== null && f.weights.canary > 0 && f.replicaSets.canary !== null) {
            expect(canaryAvail).toBeGreaterThan(0);
            if (!scaled) expect(canaryAvail).toBeGreaterThanOrEqual(trafficWeightToReplicas(replicas, f.weights.canary, 100));
          }
          if (!routed) {
            const total = (f.replicaSets.stable?.replicas ?? 0) + (f.replicaSets.canary?.replicas ?? 0);
            expect(total).toBeLessThanOrEqual(replicas + surge);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('aborted at any step: ends Degraded with the stable restored and no traffic to the canary', () => {
    let aborted = 0;
    fc.assert(
      fc.property(
        rolloutArb.filter((x) => x.steps.length > 0),
        fc.nat(),
        ({ rollout, replicas, steps, podReadySeconds }, pick) => {
          const abortAt = pick % steps.length;
          const r = planRollout(rollout, { podReadySeconds, abortAt });
          if (E.isLeft(r)) throw new Error(`plan failed: ${r.left.message}`);
          const end = last(r.right.frames);
          // An abort at a step the rollout passes within the same instant may land after completion: then Healthy.
          if (end.phase === 'Healthy') return;
          expect(end.phase).toBe('Degraded');
          expect(end.aborted).toBe(true);
          aborted += 1;
          expect(end.replicaSets.stable).toEqual({ replicas, available: replicas });
          expect(end.weights === null || end.weights.canary === 0).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
    expect(aborted).toBeGreaterThan(20); // the property is not passing vacuously
  });
});
