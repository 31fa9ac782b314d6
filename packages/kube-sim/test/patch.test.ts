// PATCH through @kubernetes/client-node: JSON merge patch, JSON patch, strategic merge patch for the
// lists we touch, and server-side apply with field ownership.
import * as k8s from '@kubernetes/client-node';
import { startHarness, Harness, failure, mergePatch, jsonPatch, strategicPatch, applyPatch } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workloads: false });
});
afterAll(async () => {
  await h.sim.stop();
});

const ns = 'default';

function deployment(name: string): k8s.V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'app', image: 'app:1', ports: [{ containerPort: 8080, name: 'http' }], env: [{ name: 'A', value: '1' }] },
            { name: 'sidecar', image: 'proxy:1' },
          ],
        },
      },
    },
  };
}

describe('JSON merge patch', () => {
  it('merges maps, deletes with null and replaces lists', async () => {
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'm', labels: { a: '1', b: '2' } }, data: { x: '1', y: '2' } } });
    const p = await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'm', body: { metadata: { labels: { b: null, c: '3' } }, data: { y: '20' } } }, mergePatch);
    expect(p.metadata?.labels).toEqual({ a: '1', c: '3' });
    expect(p.data).toEqual({ x: '1', y: '20' });
    await h.apps.createNamespacedDeployment({ namespace: ns, body: deployment('mp') });
    const d = await h.apps.patchNamespacedDeployment({ namespace: ns, name: 'mp', body: { spec: { template: { spec: { containers: [{ name: 'only', image: 'x:1' }] } } } } }, mergePatch);
    expect(d.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['only']);
  });

  it('treats a resourceVersion in the patch as a precondition (409 when stale)', async () => {
    const cm = await h.core.readNamespacedConfigMap({ namespace: ns, name: 'm' });
    await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'm', body: { data: { z: '1' } } }, mergePatch);
    const f = await failure(() => h.core.patchNamespacedConfigMap({ namespace: ns, name: 'm', body: { metadata: { resourceVersion: cm.metadata?.resourceVersion }, data: { z: '2' } } }, mergePatch));
    expect(f.code).toBe(409);
  });

  it('404s a patch of a missing object and 400s a body that is not an object', async () => {
    expect((await failure(() => h.core.patchNamespacedConfigMap({ namespace: ns, name: 'none', body: { data: {} } }, mergePatch))).code).toBe(404);
    const r = await fetch(`${h.sim.url}/api/v1/namespaces/default/configmaps/m`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${h.sim.token}`, 'Content-Type': 'application/merge-patch+json' },
      body: '{not json',
    });
    expect(r.status).toBe(400);
  });
});

describe('JSON patch', () => {
  it('applies add, replace, remove, move, copy and test', async () => {
    const p = await h.core.patchNamespacedConfigMap(
      {
        namespace: ns,
        name: 'm',
        body: [
          { op: 'test', path: '/data/x', value: '1' },
          { op: 'add', path: '/data/new', value: 'n' },
          { op: 'replace', path: '/data/x', value: '100' },
          { op: 'copy', from: '/data/x', path: '/data/x2' },
          { op: 'move', from: '/data/new', path: '/data/moved' },
          { op: 'remove', path: '/data/y' },
          { op: 'add', path: '/metadata/labels/with~1slash', value: 'ok' },
        ],
      },
      jsonPatch,
    );
    expect(p.data).toEqual({ x: '100', x2: '100', moved: 'n', z: '1' });
    expect(p.metadata?.labels?.['with/slash']).toBe('ok');
  });

  it('answers a failed test operation with 422 and a malformed patch with 400, changing nothing', async () => {
    const before = await h.core.readNamespacedConfigMap({ namespace: ns, name: 'm' });
    const f = await failure(() =>
      h.core.patchNamespacedConfigMap({ namespace: ns, name: 'm', body: [{ op: 'replace', path: '/data/x', value: 'changed' }, { op: 'test', path: '/data/x', value: 'nope' }] }, jsonPatch),
    );
    expect(f.code).toBe(422);
    expect(f.status.reason).toBe('Invalid');
    expect(f.status.details?.causes?.[0]?.message).toContain('testing value /data/x failed');
    const g = await failure(() => h.core.patchNamespacedConfigMap({ namespace: ns, name: 'm', body: [{ op: 'frobnicate', path: '/data' }] }, jsonPatch));
    expect(g.code).toBe(400);
    const missing = await failure(() => h.core.patchNamespacedConfigMap({ namespace: ns, name: 'm', body: [{ op: 'remove', path: '/data/absent' }] }, jsonPatch));
    expect(missing.code).toBe(422);
    const after = await h.core.readNamespacedConfigMap({ namespace: ns, name: 'm' });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });
});

describe('strategic merge patch', () => {
  beforeAll(async () => {
    await h.apps.createNamespacedDeployment({ namespace: ns, body: deployment('smp') });
  });

  it('merges containers by name, ports by containerPort and env by name', async () => {
    const d = await h.apps.patchNamespacedDeployment(
      {
        namespace: ns,
        name: 'smp',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2', ports: [{ containerPort: 9090, name: 'metrics' }], env: [{ name: 'B', value: '2' }] }] } } } },
      },
      strategicPatch,
    );
    const containers = d.spec!.template.spec!.containers;
    expect(containers.map((c) => [c.name, c.image])).toEqual([
      ['app', 'app:2'],
      ['sidecar', 'proxy:1'],
    ]);
    expect(containers[0]?.ports?.map((p) => p.containerPort)).toEqual([8080, 9090]);
    expect(containers[0]?.env?.map((e) => e.name)).toEqual(['A', 'B']);
  });

  it('deletes list elements with $patch: delete and reorders with $setElementOrder', async () => {
    const d = await h.apps.patchNamespacedDeployment(
      {
        namespace: ns,
        name: 'smp',
        body: {
          spec: {
            template: {
              spec: {
                $setElementOrder: undefined,
                '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
                containers: [{ name: 'app', env: [{ name: 'A', $patch: 'delete' }] }],
              },
            },
          },
        },
      },
      strategicPatch,
    );
    const containers = d.spec!.template.spec!.containers;
    expect(containers.map((c) => c.name)).toEqual(['sidecar', 'app']);
    expect(containers[1]?.env?.map((e) => e.name)).toEqual(['B']);
  });

  it('merges conditions by type on the status subresource and finalizers as a set', async () => {
    await h.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'cond', finalizers: ['a'] }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    await h.core.patchNamespacedPodStatus(
      { namespace: ns, name: 'cond', body: { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } } },
      strategicPatch,
    );
    const p = await h.core.patchNamespacedPodStatus({ namespace: ns, name: 'cond', body: { status: { conditions: [{ type: 'Ready', status: 'True' }] } } }, strategicPatch);
    expect(p.status?.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['Ready', 'True'],
      ['PodScheduled', 'True'],
    ]);
    const f = await h.core.patchNamespacedPod({ namespace: ns, name: 'cond', body: { metadata: { finalizers: ['b', 'a'] } } }, strategicPatch);
    expect(f.metadata?.finalizers).toEqual(['a', 'b']);
    await h.core.patchNamespacedPod({ namespace: ns, name: 'cond', body: { metadata: { $deleteFromPrimitiveList: undefined, '$deleteFromPrimitiveList/finalizers': ['a', 'b'] } } }, strategicPatch);
    expect((await h.core.readNamespacedPod({ namespace: ns, name: 'cond' })).metadata?.finalizers ?? []).toEqual([]);
  });

  it('merges Service ports by port', async () => {
    await h.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 's' }, spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80 }] } } });
    const s = await h.core.patchNamespacedService({ namespace: ns, name: 's', body: { spec: { ports: [{ name: 'https', port: 443 }] } } }, strategicPatch);
    expect(s.spec?.ports?.map((p) => p.port)).toEqual([80, 443]);
  });
});

describe('server-side apply', () => {
  const cfg = (data: Record<string, string>, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', labels }, data });

  it('requires a fieldManager', async () => {
    const f = await failure(() => h.core.patchNamespacedConfigMap({ namespace: ns, name: 'ssa', body: cfg({ a: '1' }) }, applyPatch));
    expect(f.code).toBe(422);
    expect(f.status.message).toContain('fieldManager: Required value');
  });

  it('creates on first apply (201) and records the manager', async () => {
    const r = await h.core.patchNamespacedConfigMapWithHttpInfo({ namespace: ns, name: 'ssa', body: cfg({ a: '1', b: '2' }), fieldManager: 'alice' }, applyPatch);
    expect(r.httpStatusCode).toBe(201);
    const mf = r.data.metadata?.managedFields ?? [];
    expect(mf.map((m) => [m.manager, m.operation])).toEqual([['alice', 'Apply']]);
    expect(JSON.stringify(mf[0]?.fieldsV1)).toContain('"f:a"');
  });

  it('removes fields the manager stops applying, keeps others', async () => {
    await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'ssa', body: { data: { c: '3' } }, fieldManager: 'bob' }, mergePatch);
    const r = await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'ssa', body: cfg({ a: '1' }), fieldManager: 'alice' }, applyPatch);
    expect(r.data).toEqual({ a: '1', c: '3' });
  });

  it('409s a conflict with another manager, and force takes the field over', async () => {
    const f = await failure(() => h.core.patchNamespacedConfigMap({ namespace: ns, name: 'ssa', body: cfg({ a: '1', c: '30' }), fieldManager: 'alice' }, applyPatch));
    expect(f.code).toBe(409);
    expect(f.status.message).toContain('conflict with "bob"');
    expect(f.status.details?.causes?.[0]).toMatchObject({ reason: 'FieldManagerConflict', field: '.data.c' });
    const forced = await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'ssa', body: cfg({ a: '1', c: '30' }), fieldManager: 'alice', force: true }, applyPatch);
    expect(forced.data).toEqual({ a: '1', c: '30' });
    // applying the same value another manager owns is not a conflict
    await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'ssa', body: cfg({ c: '30' }), fieldManager: 'carol' }, applyPatch);
  });

  it('merges containers by name when applying to a Deployment', async () => {
    await h.apps.createNamespacedDeployment({ namespace: ns, body: deployment('ssa-d') });
    const applied = await h.apps.patchNamespacedDeployment(
      {
        namespace: ns,
        name: 'ssa-d',
        fieldManager: 'ci',
        force: true,
        body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-d' }, spec: { template: { spec: { containers: [{ name: 'app', image: 'app:3' }] } } } },
      },
      applyPatch,
    );
    expect(applied.spec?.template.spec?.containers.map((c) => [c.name, c.image])).toEqual([
      ['app', 'app:3'],
      ['sidecar', 'proxy:1'],
    ]);
    expect(applied.metadata?.generation).toBe(2);
  });
});
