import * as E from 'fp-ts/lib/Either';
import type { KubeObject } from '../KubeObjectClient';
import { FakeKubeObjectClient } from './FakeKubeObjectClient';

const ingress: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'ns', labels: { app: 'web' } }, spec: { rules: [] } };
const ref = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'ns', name: 'web' };

describe('FakeKubeObjectClient (test double)', () => {
  it('gets, lists by label, patches (merge and JSON) and deletes', async () => {
    const kube = new FakeKubeObjectClient([ingress]);
    expect(E.isRight(await kube.get(ref)()) && (await kube.get(ref)())).toMatchObject({ right: { metadata: { name: 'web', resourceVersion: '1' } } });
    expect(await kube.list({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', labelSelector: 'app=web' })()).toMatchObject({ right: [{ metadata: { name: 'web' } }] });
    expect(await kube.list({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', labelSelector: 'app=db' })()).toEqual(E.right([]));
    const merged = await kube.patch(ref, { type: 'merge', body: { metadata: { annotations: { a: '1' } }, spec: { rules: null } } })();
    expect(merged).toMatchObject({ right: { metadata: { annotations: { a: '1' }, resourceVersion: '2' } } });
    expect(E.isRight(merged) && 'rules' in (merged.right.spec as object)).toBe(false);
    const patched = await kube.patch(ref, { type: 'json', body: [{ op: 'add', path: '/metadata/annotations/b', value: '2' }] })();
    expect(patched).toMatchObject({ right: { metadata: { annotations: { a: '1', b: '2' } } } });
    expect(await kube.patch(ref, { type: 'json', body: [{ op: 'replace', path: '/spec/nope', value: 1 }] })()).toMatchObject({ left: { _tag: 'KubeRejected', retryable: false } });
    await kube.delete(ref)();
    expect(await kube.get(ref)()).toEqual(E.right(undefined));
    expect(kube.calls.map((c) => c.verb)).toEqual(['get', 'get', 'list', 'list', 'patch', 'patch', 'patch', 'delete', 'get']);
  });

  it('refuses a stale update with a retryable KubeConflict, and a duplicate create', async () => {
    const kube = new FakeKubeObjectClient([ingress]);
    const current = kube.find(ref)!;
    await kube.patch(ref, { type: 'merge', body: { metadata: { labels: { v: '2' } } } })();
    expect(await kube.update(current)()).toMatchObject({ left: { _tag: 'KubeConflict', retryable: true } });
    expect(await kube.create(ingress)()).toMatchObject({ left: { _tag: 'KubeRejected' } });
    expect(await kube.patch({ ...ref, name: 'other' }, { type: 'merge', body: {} })()).toMatchObject({ left: { _tag: 'KubeNotFound', retryable: false } });
  });
});
