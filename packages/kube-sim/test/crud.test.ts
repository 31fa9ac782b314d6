// Create, get, list, update and delete through @kubernetes/client-node, for the built-in resources.
import * as k8s from '@kubernetes/client-node';
import { startHarness, Harness, failure, eventually, podTemplate } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workloads: false });
});
afterAll(async () => {
  await h.sim.stop();
});

const ns = 'default';

describe('create', () => {
  it('fills in uid, timestamps, resourceVersion and generation, and returns 201', async () => {
    const r = await h.apps.createNamespacedReplicaSetWithHttpInfo({
      namespace: ns,
      body: { metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: podTemplate({ app: 'web' }) } },
    });
    expect(r.httpStatusCode).toBe(201);
    const rs = r.data;
    expect(rs.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(rs.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(rs.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(rs.metadata?.generation).toBe(1);
    expect(rs.metadata?.namespace).toBe(ns);
    // defaulted like a real server
    expect(rs.spec?.template?.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
    expect(rs.spec?.template?.spec?.restartPolicy).toBe('Always');
    expect(rs.spec?.template?.spec?.containers[0]?.ports?.[0]?.protocol).toBe('TCP');
  });

  it('generates names from generateName', async () => {
    const a = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'cfg-' }, data: { a: '1' } } });
    const b = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'cfg-' }, data: { a: '1' } } });
    expect(a.metadata?.name).toMatch(/^cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(a.metadata?.name).not.toBe(b.metadata?.name);
  });

  it('refuses a duplicate name with 409 AlreadyExists', async () => {
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'creds' }, stringData: { p: 'x' } } });
    const f = await failure(() => h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'creds' } } }));
    expect(f.code).toBe(409);
    expect(f.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', message: 'secrets "creds" already exists', details: { name: 'creds', kind: 'secrets' } });
  });

  it('refuses a namespace that does not exist with 404, and a mismatched namespace with 400', async () => {
    const missing = await failure(() => h.core.createNamespacedConfigMap({ namespace: 'nope', body: { metadata: { name: 'x' } } }));
    expect(missing.code).toBe(404);
    expect(missing.status.message).toBe('namespaces "nope" not found');
    const mismatch = await failure(() => h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x', namespace: 'kube-system' } } }));
    expect(mismatch.code).toBe(400);
    expect(mismatch.status.reason).toBe('BadRequest');
  });

  it('validates names and specs with 422 and one cause per field', async () => {
    const f = await failure(() => h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'Bad_Name' } } }));
    expect(f.code).toBe(422);
    expect(f.status.reason).toBe('Invalid');
    expect(f.status.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(f.status.details?.causes?.[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
    const d = await failure(() =>
      h.apps.createNamespacedDeployment({
        namespace: ns,
        body: { metadata: { name: 'mismatch' }, spec: { selector: { matchLabels: { app: 'a' } }, template: podTemplate({ app: 'b' }) } },
      }),
    );
    expect(d.code).toBe(422);
    expect(d.status.details?.causes?.map((c) => c.field)).toContain('spec.template.metadata.labels');
  });

  it('serves every listed built-in resource', async () => {
    await h.core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    await h.core.createNamespacedService({ namespace: 'team-a', body: { metadata: { name: 'svc' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } } });
    await h.core.createNamespacedServiceAccount({ namespace: 'team-a', body: { metadata: { name: 'robot' } } });
    await h.core.createNamespacedEndpoints({ namespace: 'team-a', body: { metadata: { name: 'manual' }, subsets: [] } });
    await h.core.createNamespacedEvent({ namespace: 'team-a', body: { metadata: { name: 'ev1' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Test', message: 'hello' } });
    await h.events.createNamespacedEvent({ namespace: 'team-a', body: { metadata: { name: 'ev2' }, eventTime: new Date() as never, reason: 'Test', action: 'Did', reportingController: 'me', reportingInstance: 'me-1' } });
    await h.batch.createNamespacedJob({ namespace: 'team-a', body: { metadata: { name: 'job' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } });
    await h.coordination.createNamespacedLease({ namespace: 'team-a', body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } } });
    await h.networking.createNamespacedIngress({ namespace: 'team-a', body: { metadata: { name: 'ing' }, spec: { rules: [{ host: 'a.example.com' }] } } });
    await h.core.createNamespacedPod({ namespace: 'team-a', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });

    const svc = await h.core.readNamespacedService({ namespace: 'team-a', name: 'svc' });
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\./);
    expect(svc.spec?.ports?.[0]?.targetPort).toBe(80);
    const job = await h.batch.readNamespacedJob({ namespace: 'team-a', name: 'job' });
    expect(job.spec?.selector?.matchLabels?.['batch.kubernetes.io/controller-uid']).toBe(job.metadata?.uid);
    expect(job.spec?.backoffLimit).toBe(6);
    const pod = await h.core.readNamespacedPod({ namespace: 'team-a', name: 'p' });
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.spec?.containers[0]?.imagePullPolicy).toBe('Always');
    expect((await h.coordination.readNamespacedLease({ namespace: 'team-a', name: 'leader' })).spec?.holderIdentity).toBe('me');
    expect((await h.networking.readNamespacedIngress({ namespace: 'team-a', name: 'ing' })).spec?.rules?.[0]?.host).toBe('a.example.com');
    expect((await h.events.listNamespacedEvent({ namespace: 'team-a' })).items.map((e) => e.metadata?.name)).toEqual(['ev2']);
    expect((await h.core.listNamespacedEvent({ namespace: 'team-a' })).items.map((e) => e.metadata?.name)).toEqual(['ev1']);
    expect((await h.core.listNamespacedServiceAccount({ namespace: 'team-a' })).items.map((s) => s.metadata?.name)).toContain('robot');
  });

  it('supports dryRun=All without storing anything', async () => {
    const cm = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dry' } }, dryRun: 'All' });
    expect(cm.metadata?.name).toBe('dry');
    expect((await failure(() => h.core.readNamespacedConfigMap({ namespace: ns, name: 'dry' }))).code).toBe(404);
  });
});

describe('get and list', () => {
  beforeAll(async () => {
    await h.core.createNamespace({ body: { metadata: { name: 'sel' } } });
    const pods: Array<[string, Record<string, string>]> = [
      ['a', { app: 'web', tier: 'front', rank: '1' }],
      ['b', { app: 'web', tier: 'back', rank: '5' }],
      ['c', { app: 'db', rank: '9' }],
      ['d', { app: 'cache' }],
    ];
    for (const [name, labels] of pods)
      await h.core.createNamespacedPod({ namespace: 'sel', body: { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
  });

  it('404s a missing object with a NotFound Status', async () => {
    const f = await failure(() => h.core.readNamespacedPod({ namespace: 'sel', name: 'zzz' }));
    expect(f.code).toBe(404);
    expect(f.status).toMatchObject({ reason: 'NotFound', message: 'pods "zzz" not found', details: { name: 'zzz', kind: 'pods' } });
  });

  it.each([
    ['app=web', ['a', 'b']],
    ['app==web', ['a', 'b']],
    ['app!=web', ['c', 'd']],
    ['app in (web,db)', ['a', 'b', 'c']],
    ['app notin (web,db)', ['d']],
    ['tier', ['a', 'b']],
    ['!tier', ['c', 'd']],
    ['rank>3', ['b', 'c']],
    ['rank<3', ['a']],
    ['app=web,tier=back', ['b']],
    ['app in (web),!rank', []],
    ['', ['a', 'b', 'c', 'd']],
  ])('labelSelector %j', async (selector, names) => {
    const list = await h.core.listNamespacedPod({ namespace: 'sel', labelSelector: selector });
    expect(list.items.map((p) => p.metadata?.name)).toEqual(names);
  });

  it('400s a malformed label selector', async () => {
    const f = await failure(() => h.core.listNamespacedPod({ namespace: 'sel', labelSelector: 'app in (a' }));
    expect(f.code).toBe(400);
    expect(f.status.reason).toBe('BadRequest');
  });

  it('filters by field selectors, and 400s unsupported fields', async () => {
    expect((await h.core.listNamespacedPod({ namespace: 'sel', fieldSelector: 'metadata.name=c' })).items.map((p) => p.metadata?.name)).toEqual(['c']);
    expect((await h.core.listNamespacedPod({ namespace: 'sel', fieldSelector: 'metadata.name!=c,status.phase=Pending' })).items).toHaveLength(3);
    expect((await h.core.listNamespacedPod({ namespace: 'sel', fieldSelector: 'status.phase=Running' })).items).toHaveLength(0);
    const all = await h.core.listPodForAllNamespaces({ fieldSelector: 'metadata.namespace=sel' });
    expect(all.items).toHaveLength(4);
    const f = await failure(() => h.core.listNamespacedConfigMap({ namespace: 'sel', fieldSelector: 'data.x=1' }));
    expect(f.code).toBe(400);
    expect(f.status.message).toBe('field label not supported: data.x');
  });

  it('paginates with limit and continue as one consistent snapshot', async () => {
    const first = await h.core.listNamespacedPod({ namespace: 'sel', limit: 3 });
    expect(first.items.map((p) => p.metadata?.name)).toEqual(['a', 'b', 'c']);
    expect(first.metadata?.remainingItemCount).toBe(1);
    expect(first.metadata?._continue).toBeTruthy();
    // a change after the first page does not show in the next page
    await h.core.createNamespacedPod({ namespace: 'sel', body: { metadata: { name: 'e' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
    const second = await h.core.listNamespacedPod({ namespace: 'sel', limit: 3, _continue: first.metadata?._continue });
    expect(second.items.map((p) => p.metadata?.name)).toEqual(['d']);
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    expect(second.metadata?._continue).toBeFalsy();
    await h.core.deleteNamespacedPod({ namespace: 'sel', name: 'e' });
  });

  it('answers an unknown continue token with 410 Expired', async () => {
    const token = Buffer.from(JSON.stringify({ v: 'kube-sim/1', id: '999999', rv: 1, offset: 1 })).toString('base64url');
    const f = await failure(() => h.core.listNamespacedPod({ namespace: 'sel', limit: 1, _continue: token }));
    expect(f.code).toBe(410);
    expect(f.status.reason).toBe('Expired');
  });

  it('gives the list the global resourceVersion and items their own', async () => {
    const list = await h.core.listNamespacedPod({ namespace: 'sel' });
    const listRv = Number(list.metadata?.resourceVersion);
    for (const p of list.items) expect(Number(p.metadata?.resourceVersion)).toBeLessThanOrEqual(listRv);
  });
});

describe('update', () => {
  it('bumps resourceVersion, and 409s a stale resourceVersion', async () => {
    const cm = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'upd' }, data: { v: '1' } } });
    const updated = await h.core.replaceNamespacedConfigMap({ namespace: ns, name: 'upd', body: { ...cm, data: { v: '2' } } });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(cm.metadata?.resourceVersion));
    const stale = await failure(() => h.core.replaceNamespacedConfigMap({ namespace: ns, name: 'upd', body: { ...cm, data: { v: '3' } } }));
    expect(stale.code).toBe(409);
    expect(stale.status).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "upd": the object has been modified; please apply your changes to the latest version and try again',
    });
    // without a resourceVersion the update is unconditional
    const { resourceVersion: _rv, ...metaWithoutRv } = updated.metadata!;
    const forced = await h.core.replaceNamespacedConfigMap({ namespace: ns, name: 'upd', body: { ...updated, metadata: metaWithoutRv, data: { v: '4' } } });
    expect(forced.data).toEqual({ v: '4' });
  });

  it('keeps server-owned metadata and does not write when nothing changed', async () => {
    const cm = await h.core.readNamespacedConfigMap({ namespace: ns, name: 'upd' });
    const same = await h.core.replaceNamespacedConfigMap({ namespace: ns, name: 'upd', body: { ...cm, metadata: { ...cm.metadata, uid: undefined, creationTimestamp: undefined } } });
    expect(same.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
    expect(same.metadata?.uid).toBe(cm.metadata?.uid);
  });

  it('404s an update of a missing object, 400s a name mismatch', async () => {
    expect((await failure(() => h.core.replaceNamespacedConfigMap({ namespace: ns, name: 'ghost', body: { metadata: { name: 'ghost' } } }))).code).toBe(404);
    const f = await failure(() => h.core.replaceNamespacedConfigMap({ namespace: ns, name: 'upd', body: { metadata: { name: 'other' } } }));
    expect(f.code).toBe(400);
  });

  it('rejects changes to immutable fields with 422', async () => {
    const rs = await h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'web' });
    const f = await failure(() =>
      h.apps.replaceNamespacedReplicaSet({ namespace: ns, name: 'web', body: { ...rs, spec: { ...rs.spec!, selector: { matchLabels: { app: 'web', x: 'y' } } } } }),
    );
    expect(f.code).toBe(422);
    expect(f.status.message).toContain('field is immutable');
  });

  it('bumps generation on spec changes only', async () => {
    const rs = await h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'web' });
    const labelled = await h.apps.replaceNamespacedReplicaSet({ namespace: ns, name: 'web', body: { ...rs, metadata: { ...rs.metadata, labels: { x: 'y' } } } });
    expect(labelled.metadata?.generation).toBe(rs.metadata?.generation);
    const scaled = await h.apps.replaceNamespacedReplicaSet({ namespace: ns, name: 'web', body: { ...labelled, spec: { ...labelled.spec!, replicas: 5 } } });
    expect(scaled.metadata?.generation).toBe((rs.metadata?.generation ?? 0) + 1);
  });
});

describe('delete', () => {
  it('deletes and returns a Status (or the object for pods)', async () => {
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'gone' } } });
    const r = await h.core.deleteNamespacedConfigMapWithHttpInfo({ namespace: ns, name: 'gone' });
    expect(r.httpStatusCode).toBe(200);
    expect(r.data).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'gone', kind: 'configmaps' } });
    expect((await failure(() => h.core.deleteNamespacedConfigMap({ namespace: ns, name: 'gone' }))).code).toBe(404);
  });

  it('waits for finalizers: deletionTimestamp first, removal when the last finalizer goes', async () => {
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'fin', finalizers: ['example.com/hold'] } } });
    const r = await h.core.deleteNamespacedConfigMapWithHttpInfo({ namespace: ns, name: 'fin' });
    expect(r.httpStatusCode).toBe(202);
    const held = await h.core.readNamespacedConfigMap({ namespace: ns, name: 'fin' });
    expect(held.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const f = await failure(() =>
      h.core.replaceNamespacedConfigMap({ namespace: ns, name: 'fin', body: { ...held, metadata: { ...held.metadata, finalizers: ['example.com/hold', 'example.com/new'] } } }),
    );
    expect(f.code).toBe(422);
    await h.core.replaceNamespacedConfigMap({ namespace: ns, name: 'fin', body: { ...held, metadata: { ...held.metadata, finalizers: [] } } });
    expect((await failure(() => h.core.readNamespacedConfigMap({ namespace: ns, name: 'fin' }))).code).toBe(404);
  });

  it('checks delete preconditions', async () => {
    const cm = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'pre' } } });
    const f = await failure(() => h.core.deleteNamespacedConfigMap({ namespace: ns, name: 'pre', body: { preconditions: { uid: 'not-it' } } }));
    expect(f.code).toBe(409);
    expect(f.status.message).toContain('Precondition failed: UID in precondition: not-it');
    await h.core.deleteNamespacedConfigMap({ namespace: ns, name: 'pre', body: { preconditions: { uid: cm.metadata?.uid, resourceVersion: cm.metadata?.resourceVersion } } });
  });

  it('deletes a collection by label', async () => {
    for (const n of ['c1', 'c2', 'c3']) await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: n, labels: { batch: n === 'c3' ? 'keep' : 'drop' } } } });
    await h.core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: 'batch=drop' });
    const left = await h.core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'batch' });
    expect(left.items.map((c) => c.metadata?.name)).toEqual(['c3']);
  });

  it('refuses to delete the default namespace with 403', async () => {
    const f = await failure(() => h.core.deleteNamespace({ name: 'default' }));
    expect(f.code).toBe(403);
    expect(f.status.reason).toBe('Forbidden');
  });
});

describe('generic clients', () => {
  it('works with KubernetesObjectApi (discovery-driven)', async () => {
    const created = await h.objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: ns }, data: { k: 'v' } } as k8s.KubernetesObject);
    expect(created.metadata?.uid).toBeTruthy();
    const read = await h.objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: ns } });
    expect((read as k8s.V1ConfigMap).data).toEqual({ k: 'v' });
    const listed = await h.objects.list('apps/v1', 'ReplicaSet', ns);
    expect(listed.items.map((i) => i.metadata?.name)).toContain('web');
    await eventually(() => h.sim.requestLog.count({ verb: 'discovery' }) > 0);
  });
});
