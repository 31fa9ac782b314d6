// KubeWriter against kube-sim: create, the three patch flavours, subresources, replaceStatus with a stale
// resourceVersion, delete, and each error class.
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import type { PluginError } from '@rollouts/plugin-sdk';
import { createKubeWriter, KubeWriter, loadKubeConfig, Resources } from '../src';
import { recordingMetrics, replicaSet, rollout, Sim, startSim } from './harness';

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown> & { replicas?: number };
  status?: Record<string, unknown>;
}

function right<A>(r: Either<PluginError, A>): A {
  if (E.isLeft(r)) throw new Error(`expected success, got ${r.left._tag}: ${r.left.message}`);
  return r.right;
}
function left<A>(r: Either<PluginError, A>): PluginError {
  if (E.isRight(r)) throw new Error(`expected a failure, got ${JSON.stringify(r.right)}`);
  return r.left;
}

let s: Sim;
let w: KubeWriter;
const metrics = recordingMetrics();
beforeAll(async () => {
  s = await startSim();
  w = createKubeWriter(s.kc, { metrics, fieldManager: 'test-writer' });
});
afterAll(async () => {
  await s.sim.stop();
});

describe('KubeWriter', () => {
  it('creates an object and answers it as the server stored it', async () => {
    const rs = right(await w.create<Obj>(Resources.replicaSets, 'default', replicaSet('created')));
    expect(rs.metadata.uid).toEqual(expect.any(String));
    expect(rs.metadata.resourceVersion).toEqual(expect.any(String));
    expect(s.sim.objects.get('apps/v1', 'ReplicaSet', 'created', 'default')?.metadata.uid).toBe(rs.metadata.uid);
    expect(metrics.records).toContainEqual({ verb: 'create', kind: 'ReplicaSet', namespace: 'default', name: 'created', code: 201 });
  });

  it('answers KubeConflict when the object already exists', async () => {
    const e = left(await w.create(Resources.replicaSets, 'default', replicaSet('created')));
    expect(e._tag).toBe('KubeConflict');
    expect(e.message).toContain('create ReplicaSet default/created');
    expect(e.message).toContain('AlreadyExists');
  });

  it.each([
    ['merge', { metadata: { labels: { flavour: 'merge' } } }],
    ['json', [{ op: 'add', path: '/metadata/labels/flavour', value: 'json' }]],
    ['strategic', { metadata: { labels: { flavour: 'strategic' } } }],
  ] as const)('patches with a %s patch', async (type, body) => {
    const rs = right(await w.patch<Obj>(Resources.replicaSets, 'default', 'created', { type, body }));
    expect(rs.metadata.labels?.['flavour']).toBe(type);
    expect(s.sim.objects.get('apps/v1', 'ReplicaSet', 'created', 'default')?.metadata.labels?.['flavour']).toBe(type);
  });

  it('patches the scale subresource and answers the Scale', async () => {
    const scale = right(await w.patch<Obj>(Resources.replicaSets, 'default', 'created', { type: 'merge', body: { spec: { replicas: 4 } } }, { subresource: 'scale' }));
    expect(scale.kind).toBe('Scale');
    expect(scale.spec?.replicas).toBe(4);
    expect((s.sim.objects.get('apps/v1', 'ReplicaSet', 'created', 'default')?.['spec'] as { replicas: number }).replicas).toBe(4);
  });

  it('rejects an invalid write with KubeRejected, naming the object and the field', async () => {
    const e = left(await w.patch(Resources.replicaSets, 'default', 'created', { type: 'merge', body: { spec: { replicas: -1 } } }, { subresource: 'scale' }));
    expect(e._tag).toBe('KubeRejected');
    expect(e._tag === 'KubeRejected' && e.status).toBe(422);
    expect(e.message).toContain('patch scale of ReplicaSet default/created');
    expect(e.message).toContain('spec.replicas');
  });

  it('patches the status subresource of a custom resource without touching the spec', async () => {
    right(await w.create(Resources.rollouts, 'default', rollout('patched')));
    const r = right(await w.patch<Obj>(Resources.rollouts, 'default', 'patched', { type: 'merge', body: { status: { phase: 'Progressing' }, spec: { replicas: 9 } } }, { subresource: 'status' }));
    expect(r.status?.['phase']).toBe('Progressing');
    expect(r.spec?.replicas).toBe(2);
  });

  it('replaces the status with the current resourceVersion, and answers KubeConflict with a stale one', async () => {
    const created = right(await w.create<Obj>(Resources.rollouts, 'default', rollout('guestbook')));
    const first = right(await w.replaceStatus<Obj>(Resources.rollouts, 'default', { ...created, status: { phase: 'Progressing', message: 'first' } }));
    expect(first.status?.['message']).toBe('first');
    expect(first.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    // writing again from the old copy: the object changed underneath
    const stale = left(await w.replaceStatus<Obj>(Resources.rollouts, 'default', { ...created, status: { phase: 'Healthy', message: 'stale' } }));
    expect(stale._tag).toBe('KubeConflict');
    expect(stale.retryable).toBe(true);
    expect(stale.message).toContain('update status of Rollout default/guestbook');
    expect((s.sim.objects.get('argoproj.io/v1alpha1', 'Rollout', 'guestbook', 'default')?.['status'] as { message: string }).message).toBe('first');
    expect(metrics.records).toContainEqual({ verb: 'update', kind: 'Rollout', namespace: 'default', name: 'guestbook', code: 409 });
  });

  it('replaces a whole object with optimistic concurrency', async () => {
    const current = s.sim.objects.get('argoproj.io/v1alpha1', 'Rollout', 'guestbook', 'default') as unknown as Obj;
    const updated = right(await w.replace<Obj>(Resources.rollouts, 'default', { ...current, metadata: { ...current.metadata, annotations: { note: 'x' } } }));
    expect(updated.metadata.annotations?.['note']).toBe('x');
    expect(left(await w.replace(Resources.rollouts, 'default', current))._tag).toBe('KubeConflict');
  });

  it('answers KubeNotFound for a missing object', async () => {
    const e = left(await w.patch(Resources.replicaSets, 'default', 'missing', { type: 'merge', body: { metadata: { labels: { a: 'b' } } } }));
    expect(e._tag).toBe('KubeNotFound');
    expect(e.message).toContain('patch ReplicaSet default/missing');
  });

  it('deletes (Background by default, or the policy given), and counts an object already gone as deleted', async () => {
    right(await w.create(Resources.replicaSets, 'default', replicaSet('doomed')));
    right(await w.create(Resources.replicaSets, 'default', replicaSet('foreground')));
    expect(E.isRight(await w.delete(Resources.replicaSets, 'default', 'doomed'))).toBe(true);
    expect(s.sim.objects.get('apps/v1', 'ReplicaSet', 'doomed', 'default')).toBeUndefined();
    expect(E.isRight(await w.delete(Resources.replicaSets, 'default', 'doomed'))).toBe(true);
    // Foreground: the server keeps the object with a finalizer until its dependents are gone
    expect(E.isRight(await w.delete(Resources.replicaSets, 'default', 'foreground', { propagationPolicy: 'Foreground' }))).toBe(true);
    expect(s.sim.objects.get('apps/v1', 'ReplicaSet', 'foreground', 'default')?.metadata.finalizers).toEqual(['foregroundDeletion']);
  });

  it.each([
    [503, 'KubeUnavailable'],
    [429, 'KubeUnavailable'],
    [500, 'KubeUnavailable'],
    [403, 'KubeRejected'],
  ])('maps an injected %i to %s', async (code, tag) => {
    const fault = s.sim.inject.error({ verb: 'patch', resource: 'replicasets', code, times: 1 });
    const e = left(await w.patch(Resources.replicaSets, 'default', 'created', { type: 'merge', body: {} }));
    expect(fault.hits()).toBe(1);
    expect(e._tag).toBe(tag);
    expect(e.message).toContain('patch ReplicaSet default/created');
  });

  it('answers KubeUnavailable when the server cannot be reached', async () => {
    const dead = loadKubeConfig({ options: { ...s.sim.kubeConfig, clusters: [{ name: 'kube-sim', server: 'http://127.0.0.1:1', skipTLSVerify: true }] } });
    const m = recordingMetrics();
    const e = left(await createKubeWriter(dead, { metrics: m }).create(Resources.replicaSets, 'default', replicaSet('x')));
    expect(e._tag).toBe('KubeUnavailable');
    expect(e.message).toContain('create ReplicaSet default/x');
    expect(m.records).toEqual([{ verb: 'create', kind: 'ReplicaSet', namespace: 'default', name: 'x', code: 0 }]);
  });

  it('sends its field manager', async () => {
    const rs = s.sim.objects.get('apps/v1', 'ReplicaSet', 'created', 'default') as unknown as { metadata: { managedFields?: Array<{ manager: string }> } };
    expect(rs.metadata.managedFields?.map((f) => f.manager)).toContain('test-writer');
  });
});
