import * as E from 'fp-ts/lib/Either';
import type { ReplicaSet, Rollout, RolloutStatus, Service } from '@rollouts/api';
import type { Intent } from './Intent';
import { planRollout, type PlanFrame, type RolloutPlan } from './Plan';
import { podTemplateHash } from './PodTemplateHash';
import { reconcileRollout } from './ReconcileRollout';
import { rolloutServiceRoles } from './ServiceRoles';

// Ping-pong (`canary.pingPong`): two Services swap the stable and canary roles at each promotion.

const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } });
const hashOf = (image: string) => podTemplateHash(template(image) as never);

function rollout(image: string, status?: RolloutStatus, router: Record<string, unknown> = { alb: { ingress: 'web', servicePort: 80, rootService: 'web-root' } }): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', generation: 3 },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: template(image),
      strategy: { canary: { pingPong: { pingService: 'web-ping', pongService: 'web-pong' }, trafficRouting: router, steps: [{ setWeight: 25 }, { pause: { duration: 10 } }, { setWeight: 75 }, { pause: { duration: 10 } }] } },
    },
    ...(status !== undefined ? { status } : {}),
  } as Rollout;
}

const svc = (name: string, hash?: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'web', ...(hash !== undefined ? { 'rollouts-pod-template-hash': hash } : {}) } } });

function rs(image: string, revision: number, replicas: number): ReplicaSet {
  const hash = hashOf(image);
  const t = template(image);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `web-${hash}`, labels: { app: 'web', 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': String(revision) } },
    spec: { replicas, selector: { matchLabels: { app: 'web', 'rollouts-pod-template-hash': hash } }, template: { ...t, metadata: { labels: { ...t.metadata.labels, 'rollouts-pod-template-hash': hash } } } },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
  };
}

const selectorPatches = (intents: ReadonlyArray<Intent>) => intents.flatMap((i) => (i._tag === 'PatchServiceSelector' ? [`${i.service}->${i.podTemplateHash}`] : []));

describe('rolloutServiceRoles', () => {
  test.each([
    [undefined, { stableService: 'web-ping', canaryService: 'web-pong' }],
    ['', { stableService: 'web-ping', canaryService: 'web-pong' }],
    ['ping', { stableService: 'web-ping', canaryService: 'web-pong' }],
    ['pong', { stableService: 'web-pong', canaryService: 'web-ping' }],
  ])('stablePingPong %p', (stablePingPong, roles) => {
    expect(rolloutServiceRoles({ pingPong: { pingService: 'web-ping', pongService: 'web-pong' }, stableService: 's', canaryService: 'c' }, stablePingPong)).toEqual(roles);
  });
  test('without pingPong: stableService and canaryService', () => {
    expect(rolloutServiceRoles({ stableService: 's', canaryService: 'c' }, 'pong')).toEqual({ stableService: 's', canaryService: 'c' });
    expect(rolloutServiceRoles({}, undefined)).toEqual({ stableService: '', canaryService: '' });
  });
});

describe('a ping-pong update, planned (ALB)', () => {
  const plan: RolloutPlan = (() => {
    const r = planRollout(rollout('web:1'), { objects: [svc('web-ping'), svc('web-pong'), svc('web-root')], podReadySeconds: 2 });
    if (E.isLeft(r)) throw new Error(r.left.message);
    return r.right;
  })();
  const frames = plan.frames;
  const first = frames[0] as PlanFrame;
  const last = frames[frames.length - 1] as PlanFrame;
  const oldHash = first.pingPong?.ping ?? '?';

  test('before the update: ping is stable and selects the running revision', () => {
    expect(first.pingPong).toMatchObject({ stable: 'ping', ping: oldHash });
    expect(oldHash).toMatch(/^[a-z0-9]+$/);
  });

  test('during the update pong selects the new revision and carries the canary weight; ping keeps the old one', () => {
    const at75 = frames.find((f) => f.weights?.canary === 75);
    expect(at75?.pingPong?.stable).toBe('ping');
    expect(at75?.pingPong?.ping).toBe(oldHash);
    expect(at75?.pingPong?.pong).not.toBe(oldHash);
    expect(at75?.pingPong?.pong).toMatch(/^[a-z0-9]+$/);
  });

  test('at promotion the roles swap: pong is stable on the new revision, all traffic stays on it, ping is not re-pointed', () => {
    const newHash = frames.find((f) => f.weights?.canary === 75)?.pingPong?.pong;
    expect(last.phase).toBe('Healthy');
    expect(last.pingPong).toEqual({ stable: 'pong', ping: oldHash, pong: newHash });
    expect(last.weights).toEqual({ canary: 0, stable: 100 });
    // No frame ever shows the new revision's traffic going back to the old pods: once pong carried 75, the
    // stable share only grows while pong is the stable role.
    const i75 = frames.findIndex((f) => f.weights?.canary === 75);
    for (const f of frames.slice(i75)) {
      const toNew = f.pingPong?.stable === 'pong' ? (f.weights?.stable ?? 0) : (f.weights?.canary ?? 0);
      expect(toNew).toBeGreaterThanOrEqual(75);
    }
  });
});

describe('the next update after a swap (reconcileRollout)', () => {
  const v2 = hashOf('web:2');
  const v3 = hashOf('web:3');
  const status: RolloutStatus = { stableRS: v2, currentPodHash: v2, currentStepIndex: 4, observedGeneration: '3', canary: { stablePingPong: 'pong', weights: { canary: { weight: 0, serviceName: 'web-ping', podTemplateHash: v2 }, stable: { weight: 100, serviceName: 'web-pong', podTemplateHash: v2 } } } };
  const obs = {
    rollout: rollout('web:3', status),
    replicaSets: [rs('web:2', 2, 4)],
    services: [svc('web-ping', hashOf('web:1')), svc('web-pong', v2), svc('web-root')],
    analysisRuns: [],
    experiments: [],
    analysisTemplates: [],
    clusterAnalysisTemplates: [],
    now: Date.UTC(2026, 0, 1),
    trafficRouting: { routers: [{ kind: 'alb', supports: [] }] },
  };
  const r = reconcileRollout(obs as never);

  test('ping, now the canary role, is pointed at the new revision; pong stays stable', () => {
    expect(r.status.canary?.stablePingPong).toBe('pong');
    expect(selectorPatches(r.intents)).toEqual([`web-ping->${v3}`]);
  });

  test('the weights name ping as the canary and pong as the stable Service', () => {
    expect(r.status.canary?.weights?.canary.serviceName).toBe('web-ping');
    expect(r.status.canary?.weights?.stable.serviceName).toBe('web-pong');
  });

  test('an aborted update keeps the roles: pong stays stable and gets all traffic back', () => {
    const aborted = reconcileRollout({
      ...obs,
      rollout: rollout('web:3', { ...status, currentPodHash: v3, currentStepIndex: 1, abort: true, canary: { ...status.canary, weights: { canary: { weight: 25, serviceName: 'web-ping', podTemplateHash: v3 }, stable: { weight: 75, serviceName: 'web-pong', podTemplateHash: v2 } } } }),
      replicaSets: [rs('web:2', 2, 4), rs('web:3', 3, 1)],
      services: [svc('web-ping', v3), svc('web-pong', v2), svc('web-root')],
    } as never);
    expect(aborted.status.canary?.stablePingPong).toBe('pong');
    expect(aborted.intents.filter((i) => i._tag === 'SetWeight').map((i) => (i as { weight: number }).weight)).toEqual([0]);
    expect(aborted.status.canary?.weights?.stable).toMatchObject({ serviceName: 'web-pong', weight: 100 });
  });
});

test('pingPong with a router that cannot ping-pong (nginx) is InvalidSpec naming the router field', () => {
  const r = reconcileRollout({
    rollout: rollout('web:1', undefined, { nginx: { stableIngress: 'web' } }),
    replicaSets: [],
    services: [svc('web-ping'), svc('web-pong')],
    analysisRuns: [],
    experiments: [],
    analysisTemplates: [],
    clusterAnalysisTemplates: [],
    now: 0,
  } as never);
  const invalid = (r.status.conditions ?? []).find((c) => c.type === 'InvalidSpec');
  expect(invalid?.message).toMatch(/Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only/);
});

test('promote --full from weight 0: the roles swap and the router is told, although the canary weight stays 0', () => {
  const v1 = hashOf('web:1');
  const v2 = hashOf('web:2');
  const status: RolloutStatus = {
    stableRS: v1,
    currentPodHash: v2,
    currentStepIndex: 0,
    promoteFull: true,
    observedGeneration: '3',
    canary: { weights: { canary: { weight: 0, serviceName: 'web-pong', podTemplateHash: v2 }, stable: { weight: 100, serviceName: 'web-ping', podTemplateHash: v1 } } },
  };
  const r = reconcileRollout({
    rollout: rollout('web:2', status),
    replicaSets: [rs('web:1', 1, 4), rs('web:2', 2, 4)],
    services: [svc('web-ping', v1), svc('web-pong', v2), svc('web-root')],
    analysisRuns: [],
    experiments: [],
    analysisTemplates: [],
    clusterAnalysisTemplates: [],
    now: Date.UTC(2026, 0, 1),
    trafficRouting: { routers: [{ kind: 'alb', supports: [] }] },
  } as never);
  expect(r.status.canary?.stablePingPong).toBe('pong');
  expect(r.status.stableRS).toBe(v2);
  expect(r.intents.filter((i) => i._tag === 'SetWeight').map((i) => (i as { weight: number }).weight)).toEqual([0]);
  expect(r.status.canary?.weights?.stable).toMatchObject({ serviceName: 'web-pong', weight: 100 });
});
