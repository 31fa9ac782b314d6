import * as E from 'fp-ts/lib/Either';
import { loadKubeConfig, systemClock, type KubePatch, type KubeWriter, type ResourceKind } from '@rollouts/k8s';
import { PluginErrors, type KubeObject, type KubeObjectClient, type PluginError } from '@rollouts/plugin-sdk';
import { ClusterCache } from './ClusterCache';
import { applyEphemeralMetadata, pending } from './EphemeralMetadataSync';

interface Call {
  readonly verb: string;
  readonly kind: string;
  readonly name?: string;
  readonly body?: unknown;
  readonly labelSelector?: string;
}

/** Recorded-contract fake of the writer: records patches, answers the patch body (or the scripted error). */
function fakeWriter(calls: Call[], fail: (c: Call) => PluginError | undefined = () => undefined): KubeWriter {
  const unused = () => Promise.reject(new Error('not used by this test'));
  return {
    patch: <T>(kind: ResourceKind, _ns: string | undefined, name: string, patch: KubePatch) => {
      const c = { verb: `patch:${patch.type}`, kind: kind.kind, name, body: patch.body };
      calls.push(c);
      const err = fail(c);
      return Promise.resolve(err !== undefined ? E.left(err) : E.right({ ...(patch.body as object), metadata: { name, namespace: 'prod' } } as T));
    },
    create: unused,
    replace: unused,
    replaceStatus: unused,
    delete: unused,
  } as unknown as KubeWriter;
}

/** Recorded-contract fake of the object client: lists the pods the test gives, one list per call. */
function fakeObjects(calls: Call[], lists: KubeObject[][]): KubeObjectClient {
  let i = 0;
  return {
    list: (q: { kind: string; labelSelector?: string }) => () => {
      calls.push({ verb: 'list', kind: q.kind, ...(q.labelSelector !== undefined ? { labelSelector: q.labelSelector } : {}) });
      return Promise.resolve(E.right(lists[Math.min(i++, lists.length - 1)] ?? []));
    },
  } as unknown as KubeObjectClient;
}

const cache = () =>
  new ClusterCache({ kubeConfig: loadKubeConfig({ options: { clusters: [{ name: 'c', server: 'http://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' } }), clock: systemClock });

const pod = (name: string, labels: Record<string, string>, owner = 'web-abc', extra: Partial<KubeObject['metadata']> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'prod', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: 'u' }], ...extra } }) as KubeObject;

const intent = {
  name: 'web-abc',
  podTemplateHash: 'abc',
  replicaSetPatch: { metadata: { annotations: { 'rollout.argoproj.io/ephemeral-metadata': '{"labels":{"role":"stable"}}' } }, spec: { template: { metadata: { labels: { role: 'stable' } } } } },
  pods: { labels: { role: 'stable', old: null }, annotations: {} },
};

describe('applyEphemeralMetadata', () => {
  it('patches the pods the ReplicaSet owns, then the ReplicaSet, then the pods created meanwhile; only what differs', async () => {
    const calls: Call[] = [];
    const first = [
      pod('p1', { app: 'web', role: 'canary', old: 'x' }),
      pod('p2', { app: 'web', role: 'stable' }), // already right
      pod('p3', { app: 'web', role: 'canary' }, 'someone-else'), // not the ReplicaSet's
      pod('p4', { app: 'web', role: 'canary' }, 'web-abc', { deletionTimestamp: '2026-01-01T00:00:00Z' }), // going away
    ];
    const second = [pod('p1', { app: 'web', role: 'stable' }), pod('p2', { app: 'web', role: 'stable' }), pod('p5', { app: 'web', role: 'canary' })];
    const r = await applyEphemeralMetadata('prod', intent, { writer: fakeWriter(calls), cache: cache(), objects: fakeObjects(calls, [first, second]) });
    expect(E.isRight(r)).toBe(true);
    expect(calls).toEqual([
      { verb: 'list', kind: 'Pod', labelSelector: 'rollouts-pod-template-hash=abc' },
      { verb: 'patch:merge', kind: 'Pod', name: 'p1', body: { metadata: { labels: { role: 'stable', old: null } } } },
      { verb: 'patch:merge', kind: 'ReplicaSet', name: 'web-abc', body: intent.replicaSetPatch },
      { verb: 'list', kind: 'Pod', labelSelector: 'rollouts-pod-template-hash=abc' },
      { verb: 'patch:merge', kind: 'Pod', name: 'p5', body: { metadata: { labels: { role: 'stable' } } } },
    ]);
  });

  it('without pod changes only the ReplicaSet is patched and no pod is listed', async () => {
    const calls: Call[] = [];
    const { pods: _pods, ...rsOnly } = intent;
    const r = await applyEphemeralMetadata('prod', rsOnly, { writer: fakeWriter(calls), cache: cache(), objects: fakeObjects(calls, [[]]) });
    expect(E.isRight(r)).toBe(true);
    expect(calls.map((c) => `${c.verb} ${c.kind}`)).toEqual(['patch:merge ReplicaSet']);
  });

  it('a pod gone meanwhile is skipped; another failure stops before the ReplicaSet is changed', async () => {
    const gone: Call[] = [];
    const ok = await applyEphemeralMetadata('prod', intent, {
      writer: fakeWriter(gone, (c) => (c.name === 'p1' ? PluginErrors.kubeNotFound({ message: 'pods "p1" not found', status: 404 } as never) : undefined)),
      cache: cache(),
      objects: fakeObjects(gone, [[pod('p1', { role: 'canary' })], []]),
    });
    expect(E.isRight(ok)).toBe(true);
    expect(gone.some((c) => c.kind === 'ReplicaSet')).toBe(true);

    const calls: Call[] = [];
    const forbidden = PluginErrors.kubeRejected({ message: 'pods "p1" is forbidden: cannot patch resource "pods"', status: 403 });
    const r = await applyEphemeralMetadata('prod', intent, { writer: fakeWriter(calls, (c) => (c.kind === 'Pod' ? forbidden : undefined)), cache: cache(), objects: fakeObjects(calls, [[pod('p1', { role: 'canary' })]]) });
    expect(E.isLeft(r) && r.left.message).toBe('pod p1 of ReplicaSet web-abc: pods "p1" is forbidden: cannot patch resource "pods"');
    expect(calls.some((c) => c.kind === 'ReplicaSet')).toBe(false);
  });

  it('without an object client a pod change is an error naming the ReplicaSet, not a silent skip', async () => {
    const calls: Call[] = [];
    const r = await applyEphemeralMetadata('prod', intent, { writer: fakeWriter(calls), cache: cache() });
    expect(E.isLeft(r) && r.left._tag).toBe('PluginUnsupported');
    expect(E.isLeft(r) && r.left.message).toContain('ReplicaSet web-abc');
    expect(calls).toEqual([]);
  });
});

describe('pending', () => {
  it('lists the values a map lacks and the keys to remove it has', () => {
    expect(pending({ a: '1', b: '2', c: '3' }, { a: '1', b: 'x', c: null, d: null, e: '5' })).toEqual({ b: 'x', c: null, e: '5' });
    expect(pending(undefined, { a: null })).toEqual({});
  });
});
