// The plugin SDK's KubeObjectClient port against kube-sim, on a CRD-defined kind and a built-in one.
import * as E from 'fp-ts/lib/Either';
import type { Either } from 'fp-ts/lib/Either';
import type { KubeObject, KubeObjectClient, PluginError } from '@rollouts/plugin-sdk';
import { createKubeObjectClient } from '../src';
import { rollout, Sim, startSim } from './harness';

async function right<A>(t: () => Promise<Either<PluginError, A>>): Promise<A> {
  const r = await t();
  if (E.isLeft(r)) throw new Error(`expected success, got ${r.left._tag}: ${r.left.message}`);
  return r.right;
}
async function left<A>(t: () => Promise<Either<PluginError, A>>): Promise<PluginError> {
  const r = await t();
  if (E.isRight(r)) throw new Error(`expected a failure, got ${JSON.stringify(r.right)}`);
  return r.left;
}

let s: Sim;
let c: KubeObjectClient;
beforeAll(async () => {
  s = await startSim({ namespaces: ['oc'] });
  c = createKubeObjectClient(s.kc);
});
afterAll(async () => {
  await s.sim.stop();
});

const ref = (name: string) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', namespace: 'oc', name });

describe('KubeObjectClient', () => {
  it('creates, gets, lists, updates, patches and deletes a Rollout (a CRD kind, resolved by discovery)', async () => {
    const created = await right(c.create(rollout('one', 'oc', { team: 'a' }) as unknown as KubeObject));
    await right(c.create(rollout('two', 'oc', { team: 'b' }) as unknown as KubeObject));
    expect(created.metadata.uid).toEqual(expect.any(String));

    const got = await right(c.get(ref('one')));
    expect(got?.metadata.uid).toBe(created.metadata.uid);
    expect(typeof got?.metadata['creationTimestamp']).toBe('string');

    const all = await right(c.list({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', namespace: 'oc' }));
    expect(all.map((o) => o.metadata.name).sort()).toEqual(['one', 'two']);
    expect(all.every((o) => o.apiVersion === 'argoproj.io/v1alpha1' && o.kind === 'Rollout')).toBe(true);
    const teamB = await right(c.list({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', namespace: 'oc', labelSelector: 'team=b' }));
    expect(teamB.map((o) => o.metadata.name)).toEqual(['two']);

    const updated = await right(c.update({ ...got!, metadata: { ...got!.metadata, annotations: { owner: 'me' } } }));
    expect(updated.metadata.annotations?.['owner']).toBe('me');
    const stale = await left(c.update({ ...got!, metadata: { ...got!.metadata, annotations: { owner: 'stale' } } }));
    expect(stale._tag).toBe('KubeConflict');
    expect(stale.message).toContain('update Rollout oc/one');

    const merged = await right(c.patch(ref('one'), { type: 'merge', body: { metadata: { labels: { patched: 'merge' } } } }));
    expect(merged.metadata.labels?.['patched']).toBe('merge');
    const jsonPatched = await right(c.patch(ref('one'), { type: 'json', body: [{ op: 'replace', path: '/spec/replicas', value: 5 }] }));
    expect((jsonPatched['spec'] as { replicas: number }).replicas).toBe(5);

    await right(c.delete(ref('one')));
    expect(await right(c.get(ref('one')))).toBeUndefined();
    await right(c.delete(ref('one')));
    expect((await left(c.patch(ref('one'), { type: 'merge', body: {} })))._tag).toBe('KubeNotFound');
  });

  it('works on built-in kinds and defaults the namespace to the context one', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } };
    const created = await right(c.create(cm));
    expect(created.metadata.namespace).toBe('default');
    expect((await right(c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg' })))?.['data']).toEqual({ a: '1' });
  });

  it('finds a kind whose CRD is installed after the client was made', async () => {
    s.sim.objects.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    const w = await right(c.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'oc' }, size: 3 }));
    expect(w['size']).toBe(3);
  });

  it('says clearly when the cluster does not serve a kind', async () => {
    const e = await left(c.get({ apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', namespace: 'oc', name: 'vs' }));
    expect(e._tag).toBe('KubeNotFound');
    expect(e.message).toContain('VirtualService');
    expect(e.message).toContain('networking.istio.io/v1beta1');
  });
});
