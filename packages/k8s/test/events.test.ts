// EventRecorder against kube-sim: core/v1 Events, repeats aggregated into count, never throws.
import { createEventRecorder, createManualClock, loadKubeConfig } from '../src';
import { memoryLogger, recordingMetrics, Sim, startSim } from './harness';

interface Ev {
  metadata: { name: string; namespace: string };
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string };
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string };
}

let s: Sim;
beforeAll(async () => {
  s = await startSim({ namespaces: ['ev'] });
});
afterAll(async () => {
  await s.sim.stop();
});

const events = (): Ev[] => s.sim.objects.list('v1', 'Event', 'ev') as unknown as Ev[];
const guestbook = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'guestbook', namespace: 'ev', uid: 'uid-gb' } };

describe('EventRecorder', () => {
  it('creates an Event, then counts repeats on it, and starts another for a different message', async () => {
    const clock = createManualClock(Date.UTC(2024, 4, 1, 12, 0, 0));
    const metrics = recordingMetrics();
    const rec = createEventRecorder(s.kc, { component: 'rollouts-controller', clock, metrics });
    await rec.record(guestbook, 'Normal', 'RolloutStepCompleted', 'Rollout step 1/4 completed (setWeight: 20)');
    clock.advance(5_000);
    await rec.record(guestbook, 'Normal', 'RolloutStepCompleted', 'Rollout step 1/4 completed (setWeight: 20)');
    clock.advance(5_000);
    await rec.record(guestbook, 'Normal', 'RolloutStepCompleted', 'Rollout step 1/4 completed (setWeight: 20)');
    await rec.record(guestbook, 'Warning', 'RolloutAborted', 'Rollout aborted: metric error-rate 0.12 > 0.05');
    const all = events();
    expect(all).toHaveLength(2);
    const step = all.find((e) => e.reason === 'RolloutStepCompleted')!;
    expect(step).toMatchObject({
      type: 'Normal',
      count: 3,
      message: 'Rollout step 1/4 completed (setWeight: 20)',
      involvedObject: { kind: 'Rollout', name: 'guestbook', namespace: 'ev', uid: 'uid-gb' },
      firstTimestamp: '2024-05-01T12:00:00Z',
      lastTimestamp: '2024-05-01T12:00:10Z',
      source: { component: 'rollouts-controller' },
    });
    expect(step.metadata.name.startsWith('guestbook.')).toBe(true);
    expect(all.find((e) => e.reason === 'RolloutAborted')).toMatchObject({ type: 'Warning', count: 1 });
    expect(metrics.records.map((r) => r.verb)).toEqual(['create', 'patch', 'patch', 'create']);
  });

  it('creates the Events of one object in the order they were recorded, also when nobody waits between them', async () => {
    const rec = createEventRecorder(s.kc, { component: 'rollouts-controller', clock: createManualClock(Date.UTC(2024, 4, 2, 12, 0, 0)) });
    const ordered = { ...guestbook, metadata: { ...guestbook.metadata, name: 'ordered', uid: 'uid-ordered' } };
    const reasons = ['RolloutUpdated', 'NewReplicaSetCreated', 'RolloutNotCompleted', 'ScalingReplicaSet', 'RolloutCompleted'];
    // A server that answers in its own time (random delays), as a real API server under load does.
    const slow = s.sim.inject.latency({ resource: 'events', verb: 'create', ms: 0, jitterMs: 40 });
    try {
      await Promise.all(reasons.map((r) => rec.record(ordered, 'Normal', r, `${r} happened`)));
    } finally {
      slow.remove();
    }
    const mine = (events() as Array<Ev & { metadata: { resourceVersion?: string } }>).filter((e) => e.involvedObject.name === 'ordered');
    mine.sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
    expect(mine.map((e) => e.reason)).toEqual(reasons);
  });

  it('aggregates concurrent repeats into one Event', async () => {
    const rec = createEventRecorder(s.kc, { component: 'c' });
    const obj = { ...guestbook, metadata: { ...guestbook.metadata, name: 'burst', uid: 'uid-burst' } };
    await Promise.all(Array.from({ length: 5 }, () => rec.record(obj, 'Normal', 'Scaled', 'scaled up to 3')));
    const burst = events().filter((e) => e.involvedObject.name === 'burst');
    expect(burst).toHaveLength(1);
    expect(burst[0]!.count).toBe(5);
  });

  it('starts a new Event when the one it counted on has expired', async () => {
    const rec = createEventRecorder(s.kc, { component: 'c' });
    const obj = { ...guestbook, metadata: { ...guestbook.metadata, name: 'ttl', uid: 'uid-ttl' } };
    await rec.record(obj, 'Normal', 'R', 'm');
    const first = events().find((e) => e.involvedObject.name === 'ttl')!;
    s.sim.objects.delete('v1', 'Event', first.metadata.name, 'ev');
    await rec.record(obj, 'Normal', 'R', 'm');
    const now = events().filter((e) => e.involvedObject.name === 'ttl');
    expect(now).toHaveLength(1);
    expect(now[0]!.count).toBe(1);
    expect(now[0]!.metadata.name).not.toBe(first.metadata.name);
  });

  it('never throws: a failure is logged and the promise resolves', async () => {
    const log = memoryLogger();
    const dead = loadKubeConfig({ options: { ...s.sim.kubeConfig, clusters: [{ name: 'kube-sim', server: 'http://127.0.0.1:1', skipTLSVerify: true }] } });
    const rec = createEventRecorder(dead, { component: 'c', log });
    await expect(rec.record(guestbook, 'Warning', 'R', 'm')).resolves.toBeUndefined();
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toContain('could not record event');
    expect(log.lines[0]).toContain('create Event ev/guestbook.');
  });
});
