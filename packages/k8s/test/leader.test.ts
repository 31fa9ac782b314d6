// Lease leader election against kube-sim with short durations: one leader, handover on stop, expiry of a
// silent holder, and losing the Lease to another identity.
import { createLeaderElector, LeaderElector, rfc3339Micro } from '../src';
import { eventually, memoryLogger, Sim, startSim } from './harness';

const timing = { leaseDurationMs: 800, renewDeadlineMs: 500, retryPeriodMs: 100 };

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion: string };
  spec: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string };
}

let s: Sim;
const electors: LeaderElector[] = [];
beforeAll(async () => {
  s = await startSim({ namespaces: ['le'] });
});
afterEach(async () => {
  for (const e of electors.splice(0)) await e.stop();
});
afterAll(async () => {
  await s.sim.stop();
});

function elector(name: string, identity: string) {
  const calls: string[] = [];
  const e = createLeaderElector(s.kc, {
    namespace: 'le',
    name,
    identity,
    ...timing,
    onStartedLeading: () => calls.push('started'),
    onStoppedLeading: () => calls.push('stopped'),
  });
  electors.push(e);
  return { e, calls };
}
const lease = (name: string) => s.sim.objects.get('coordination.k8s.io/v1', 'Lease', name, 'le') as unknown as Lease | undefined;

describe('LeaderElector', () => {
  it('elects one of two; when the leader stops, it releases the Lease and the other leads within the lease duration', async () => {
    const a = elector('pair', 'a');
    const b = elector('pair', 'b');
    void a.e.run();
    await eventually(() => a.e.isLeader());
    void b.e.run();
    // b stays a candidate while a renews
    await new Promise((r) => setTimeout(r, timing.leaseDurationMs + 200));
    expect(a.e.isLeader()).toBe(true);
    expect(b.e.isLeader()).toBe(false);
    expect(lease('pair')?.spec.holderIdentity).toBe('a');

    const stoppedAt = Date.now();
    await a.e.stop();
    expect(a.e.isLeader()).toBe(false);
    expect(a.calls).toEqual(['started', 'stopped']);
    await eventually(() => b.e.isLeader(), timing.leaseDurationMs, 5);
    expect(Date.now() - stoppedAt).toBeLessThan(timing.leaseDurationMs);
    expect(b.calls).toEqual(['started']);
    expect(lease('pair')?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1, leaseDurationSeconds: 1 });
  });

  it('waits out a holder that stopped renewing without releasing, then takes over', async () => {
    const now = Date.now();
    s.sim.objects.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'ghost', namespace: 'le' },
      spec: { holderIdentity: 'crashed', leaseDurationSeconds: 1, acquireTime: rfc3339Micro(now), renewTime: rfc3339Micro(now), leaseTransitions: 4 },
    });
    const c = elector('ghost', 'c');
    const started = Date.now();
    void c.e.run();
    await new Promise((r) => setTimeout(r, timing.leaseDurationMs / 2));
    expect(c.e.isLeader()).toBe(false);
    await eventually(() => c.e.isLeader(), 3 * timing.leaseDurationMs);
    expect(Date.now() - started).toBeGreaterThanOrEqual(timing.leaseDurationMs);
    expect(lease('ghost')?.spec).toMatchObject({ holderIdentity: 'c', leaseTransitions: 5 });
  });

  it('stops leading when another identity takes the Lease', async () => {
    const d = elector('stolen', 'd');
    void d.e.run();
    await eventually(() => d.e.isLeader());
    const l = lease('stolen')!;
    s.sim.objects.update({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...l, spec: { ...l.spec, holderIdentity: 'thief', renewTime: rfc3339Micro(Date.now()) } } as never);
    await eventually(() => !d.e.isLeader(), timing.renewDeadlineMs * 2);
    expect(d.calls).toEqual(['started', 'stopped']);
    expect(lease('stolen')?.spec.holderIdentity).toBe('thief');
  });

  it('keeps leading through a short outage and gives up after the renew deadline', async () => {
    const f = elector('outage', 'f');
    void f.e.run();
    await eventually(() => f.e.isLeader());
    const brief = s.sim.inject.error({ verb: ['get', 'update'], resource: 'leases', name: 'outage', code: 503, times: 2 });
    await eventually(() => brief.hits() >= 2);
    await new Promise((r) => setTimeout(r, timing.retryPeriodMs * 2));
    expect(f.e.isLeader()).toBe(true);
    expect(f.calls).toEqual(['started']);
    const down = s.sim.inject.error({ verb: ['get', 'update'], resource: 'leases', name: 'outage', code: 503 });
    const downAt = Date.now();
    await eventually(() => !f.e.isLeader(), 3 * timing.renewDeadlineMs);
    expect(Date.now() - downAt).toBeGreaterThanOrEqual(timing.renewDeadlineMs - timing.retryPeriodMs);
    expect(f.calls).toEqual(['started', 'stopped']);
    down.remove();
    // still standing: it leads again once the server answers
    await eventually(() => f.e.isLeader(), 3 * timing.leaseDurationMs);
    expect(f.calls).toEqual(['started', 'stopped', 'started']);
  });

  it('says when the Lease namespace does not exist (an error naming it, status().problem), and leads once it is created', async () => {
    const log = memoryLogger();
    const calls: string[] = [];
    const g = createLeaderElector(s.kc, {
      namespace: 'le-missing',
      name: 'nsless',
      identity: 'g',
      ...timing,
      log,
      namespaceHint: 'set --leader-election-namespace',
      onStartedLeading: () => calls.push('started'),
      onStoppedLeading: () => calls.push('stopped'),
    });
    electors.push(g);
    void g.run();
    const line = await eventually(() => log.lines.find((l) => l.startsWith('error') && l.includes('le-missing')));
    expect(line).toContain('set --leader-election-namespace');
    expect(g.status().problem).toBe('the Lease\'s namespace "le-missing" does not exist');
    // repeated with backoff, not on every retry: one line over several retry periods
    await new Promise((r) => setTimeout(r, timing.retryPeriodMs * 5));
    expect(log.lines.filter((l) => l.includes('le-missing'))).toHaveLength(1);
    expect(g.isLeader()).toBe(false);

    s.sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'le-missing' } });
    await eventually(() => g.isLeader(), 3 * timing.leaseDurationMs);
    expect(g.status()).toEqual({ leading: true, holder: 'g' });
  });

  it('reports the holder while standing by, and the server refusing the Lease (403) as a problem', async () => {
    const a = elector('watched', 'holder-a');
    void a.e.run();
    await eventually(() => a.e.isLeader());
    const log = memoryLogger();
    const b = createLeaderElector(s.kc, { namespace: 'le', name: 'watched', identity: 'b', ...timing, log, onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    electors.push(b);
    void b.run();
    await eventually(() => b.status().holder === 'holder-a');
    expect(b.status()).toEqual({ leading: false, holder: 'holder-a' });

    const forbidden = s.sim.inject.error({ verb: 'get', resource: 'leases', name: 'watched', code: 403 });
    await eventually(() => b.status().problem);
    expect(b.status().problem).toBe('the API server refuses to read the Lease');
    expect(log.lines.some((l) => l.startsWith('error leader election: the API server refuses to read the Lease'))).toBe(true);
    forbidden.remove();
    await eventually(() => b.status().problem === undefined);
  });

  it('stop() is bounded when the API server hangs: it gives up on the release after releaseTimeoutMs', async () => {
    const h = createLeaderElector(s.kc, { namespace: 'le', name: 'hang', identity: 'h', ...timing, releaseTimeoutMs: 200, onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    void h.run();
    await eventually(() => h.isLeader());
    const slow = s.sim.inject.latency({ verb: ['get', 'update'], resource: 'leases', name: 'hang', ms: 1_200 });
    await new Promise((r) => setTimeout(r, timing.retryPeriodMs * 2));
    const at = Date.now();
    await h.stop();
    const took = Date.now() - at;
    slow.remove();
    // at most one wait for the attempt in flight and one for the release
    expect(took).toBeLessThan(2 * 200 + 300);
    expect(h.isLeader()).toBe(false);
    // let the delayed requests end on the server before it stops
    await new Promise((r) => setTimeout(r, 1_300));
  });

  it('refuses inconsistent durations', () => {
    expect(() => createLeaderElector(s.kc, { namespace: 'le', name: 'x', identity: 'x', leaseDurationMs: 1000, renewDeadlineMs: 1000, onStartedLeading: () => undefined, onStoppedLeading: () => undefined })).toThrow(
      /leaseDurationMs \(1000\) must be greater than renewDeadlineMs \(1000\)/,
    );
  });
});
