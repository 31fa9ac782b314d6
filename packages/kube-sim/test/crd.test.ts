// CustomResourceDefinitions: new groups appear on creation, the structural schema prunes and validates,
// status and scale subresources behave like a real server's, and deleting the CRD takes its objects.
import * as k8s from '@kubernetes/client-node';
import { startHarness, Harness, failure, argoCrds, typedCrd, mergePatch, strategicPatch, jsonPatch, collectWatch, eventually, podTemplate } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workloads: false });
});
afterAll(async () => {
  await h.sim.stop();
});

const group = 'argoproj.io';
const version = 'v1alpha1';
const ns = 'default';

function rollout(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: podTemplate({ app: name }),
      strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
      ...extra,
    },
  };
}

describe('argoproj.io CRDs', () => {
  it('serves nothing under argoproj.io before the CRDs exist', async () => {
    const f = await failure(() => h.custom.listNamespacedCustomObject({ group, version, namespace: ns, plural: 'rollouts' }));
    expect(f.code).toBe(404);
    const groups = await fetch(`${h.sim.url}/apis`, { headers: { Authorization: `Bearer ${h.sim.token}` } }).then((r) => r.json() as Promise<{ groups: Array<{ name: string }> }>);
    expect(groups.groups.map((g) => g.name)).not.toContain(group);
  });

  it('creates the generated CRDs, which become Established and discoverable', async () => {
    for (const crd of argoCrds()) {
      const created = await h.ext.createCustomResourceDefinition({ body: crd });
      expect(created.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
      expect(created.status?.acceptedNames?.kind).toBe(crd.spec.names.kind);
      expect(created.status?.storedVersions).toEqual(['v1alpha1']);
    }
    const res = await fetch(`${h.sim.url}/apis/argoproj.io/v1alpha1`, { headers: { Authorization: `Bearer ${h.sim.token}` } }).then(
      (r) => r.json() as Promise<{ resources: Array<{ name: string; kind: string; namespaced: boolean; shortNames?: string[] }> }>,
    );
    const names = res.resources.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['rollouts', 'rollouts/status', 'rollouts/scale', 'analysisruns', 'analysistemplates', 'clusteranalysistemplates', 'experiments']));
    expect(names).not.toContain('analysisruns/status');
    expect(res.resources.find((r) => r.name === 'clusteranalysistemplates')?.namespaced).toBe(false);
    expect(res.resources.find((r) => r.name === 'rollouts')?.shortNames).toEqual(['ro']);
  });

  it('creates and reads a Rollout; unknown fields are pruned (or refused under fieldValidation=Strict)', async () => {
    const body = rollout('web', { bogus: 1 });
    const response = await h.custom.createNamespacedCustomObjectWithHttpInfo({ group, version, namespace: ns, plural: 'rollouts', body });
    expect(response.headers['warning']).toBe('299 - "unknown field \\"spec.bogus\\""');
    const created = response.data as k8s.KubernetesObject & { spec: Record<string, unknown> };
    expect(created.metadata?.generation).toBe(1);
    expect(created.spec['bogus']).toBeUndefined();
    expect(created.spec['replicas']).toBe(3);
    const strict = await failure(() =>
      h.custom.createNamespacedCustomObject({ group, version, namespace: ns, plural: 'rollouts', body: rollout('strict', { bogus: 1 }), fieldValidation: 'Strict' }),
    );
    expect(strict.code).toBe(400);
    expect(strict.status.message).toBe('strict decoding error: unknown field "spec.bogus"');
  });

  it('refuses values of the wrong type with 422 and a cause naming the field', async () => {
    const f = await failure(() => h.custom.createNamespacedCustomObject({ group, version, namespace: ns, plural: 'rollouts', body: rollout('typed', { replicas: 'three' }) }));
    expect(f.code).toBe(422);
    expect(f.status.reason).toBe('Invalid');
    expect(f.status.message).toBe('Rollout.argoproj.io "typed" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    expect(f.status.details).toMatchObject({ name: 'typed', group, kind: 'Rollout', causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas' }] });
    const e = await failure(() =>
      h.custom.createNamespacedCustomObject({ group, version, namespace: ns, plural: 'rollouts', body: rollout('enum', { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', scaleDown: 'sometimes' } }) }),
    );
    expect(e.code).toBe(422);
    expect(e.status.details?.causes?.[0]).toMatchObject({ reason: 'FieldValueNotSupported', field: 'spec.workloadRef.scaleDown' });
  });

  it('ignores status on create and on main-resource writes; /status writes only status', async () => {
    const created = (await h.custom.createNamespacedCustomObject({
      group, version, namespace: ns, plural: 'rollouts', body: { ...rollout('st'), status: { phase: 'Healthy' } },
    })) as Record<string, unknown> & k8s.KubernetesObject;
    expect(created['status']).toBeUndefined();
    const withStatus = (await h.custom.replaceNamespacedCustomObjectStatus({
      group, version, namespace: ns, plural: 'rollouts', name: 'st',
      body: { ...created, spec: { ...(created['spec'] as object), replicas: 9 }, status: { phase: 'Progressing', HPAReplicas: 2, selector: 'app=st' } },
    })) as Record<string, any> & k8s.KubernetesObject;
    expect(withStatus['status']).toEqual({ phase: 'Progressing', HPAReplicas: 2, selector: 'app=st' });
    expect(withStatus['spec'].replicas).toBe(3);
    expect(withStatus.metadata?.generation).toBe(1);
    const main = (await h.custom.patchNamespacedCustomObject({ group, version, namespace: ns, plural: 'rollouts', name: 'st', body: { status: { phase: 'Degraded' } } }, mergePatch)) as Record<string, any>;
    expect(main['status'].phase).toBe('Progressing');
    expect(main['metadata'].resourceVersion).toBe(withStatus.metadata?.resourceVersion);
  });

  it('bumps generation only on spec changes', async () => {
    const patched = (await h.custom.patchNamespacedCustomObject({ group, version, namespace: ns, plural: 'rollouts', name: 'st', body: { metadata: { labels: { a: 'b' } } } }, mergePatch)) as k8s.KubernetesObject;
    expect(patched.metadata?.generation).toBe(1);
    const spec = (await h.custom.patchNamespacedCustomObject({ group, version, namespace: ns, plural: 'rollouts', name: 'st', body: { spec: { paused: true } } }, mergePatch)) as k8s.KubernetesObject;
    expect(spec.metadata?.generation).toBe(2);
    const status = (await h.custom.patchNamespacedCustomObjectStatus({ group, version, namespace: ns, plural: 'rollouts', name: 'st', body: { status: { observedGeneration: '2' } } }, mergePatch)) as k8s.KubernetesObject;
    expect(status.metadata?.generation).toBe(2);
  });

  it('serves the scale subresource from the CRD paths', async () => {
    const scale = (await h.custom.getNamespacedCustomObjectScale({ group, version, namespace: ns, plural: 'rollouts', name: 'st' })) as k8s.V1Scale;
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=st' } });
    const updated = (await h.custom.replaceNamespacedCustomObjectScale({
      group, version, namespace: ns, plural: 'rollouts', name: 'st', body: { ...scale, spec: { replicas: 5 } },
    })) as k8s.V1Scale;
    expect(updated.spec?.replicas).toBe(5);
    const ro = (await h.custom.getNamespacedCustomObject({ group, version, namespace: ns, plural: 'rollouts', name: 'st' })) as Record<string, any>;
    expect(ro['spec'].replicas).toBe(5);
    expect(ro['metadata'].generation).toBe(3);
    const stale = await failure(() => h.custom.replaceNamespacedCustomObjectScale({ group, version, namespace: ns, plural: 'rollouts', name: 'st', body: { ...scale, spec: { replicas: 1 } } }));
    expect(stale.code).toBe(409);
    const patched = (await h.custom.patchNamespacedCustomObjectScale({ group, version, namespace: ns, plural: 'rollouts', name: 'st', body: { spec: { replicas: 0 } } }, mergePatch)) as k8s.V1Scale;
    expect(patched.spec?.replicas).toBe(0);
    const neg = await failure(() => h.custom.patchNamespacedCustomObjectScale({ group, version, namespace: ns, plural: 'rollouts', name: 'st', body: { spec: { replicas: -1 } } }, mergePatch));
    expect(neg.code).toBe(422);
    const none = await failure(() => h.custom.getNamespacedCustomObjectScale({ group, version, namespace: ns, plural: 'analysisruns', name: 'x' }));
    expect(none.code).toBe(404);
  });

  it('serves the typed scale subresource of built-in Deployments', async () => {
    await h.apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: 'd' }, spec: { replicas: 2, selector: { matchLabels: { app: 'd' } }, template: podTemplate({ app: 'd' }) } } });
    const s = await h.apps.readNamespacedDeploymentScale({ namespace: ns, name: 'd' });
    expect(s.spec?.replicas).toBe(2);
    expect(s.status?.selector).toBe('app=d');
    const r = await h.apps.replaceNamespacedDeploymentScale({ namespace: ns, name: 'd', body: { metadata: { name: 'd' }, spec: { replicas: 4 } } });
    expect(r.spec?.replicas).toBe(4);
    expect((await h.apps.readNamespacedDeployment({ namespace: ns, name: 'd' })).metadata?.generation).toBe(2);
  });

  it('refuses strategic merge patch on custom resources with 415, accepts JSON patch', async () => {
    const f = await failure(() => h.custom.patchNamespacedCustomObject({ group, version, namespace: ns, plural: 'rollouts', name: 'st', body: { spec: { paused: false } } }, strategicPatch));
    expect(f.code).toBe(415);
    const j = (await h.custom.patchNamespacedCustomObject(
      { group, version, namespace: ns, plural: 'rollouts', name: 'st', body: [{ op: 'replace', path: '/spec/paused', value: false }] },
      jsonPatch,
    )) as Record<string, any>;
    expect(j['spec'].paused).toBe(false);
  });

  it('serves cluster-scoped custom resources at the cluster path', async () => {
    await h.custom.createClusterCustomObject({
      group, version, plural: 'clusteranalysistemplates',
      body: { apiVersion: 'argoproj.io/v1alpha1', kind: 'ClusterAnalysisTemplate', metadata: { name: 'success-rate' }, spec: { metrics: [{ name: 'm', provider: { job: { spec: { template: {} } } } }] } },
    });
    const list = (await h.custom.listClusterCustomObject({ group, version, plural: 'clusteranalysistemplates' })) as { items: k8s.KubernetesObject[] };
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['success-rate']);
    expect(list.items[0]?.metadata?.namespace).toBeUndefined();
  });
});

describe('any CRD', () => {
  const vs = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'virtualservices.networking.istio.io' },
    spec: {
      group: 'networking.istio.io',
      scope: 'Namespaced',
      names: { plural: 'virtualservices', singular: 'virtualservice', kind: 'VirtualService', listKind: 'VirtualServiceList', shortNames: ['vs'] },
      versions: [
        { name: 'v1beta1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } },
        { name: 'v1', served: true, storage: false, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } },
      ],
    },
  };

  it('makes Istio VirtualServices available at once, preserving unknown fields, at every served version', async () => {
    await h.ext.createCustomResourceDefinition({ body: typedCrd(vs) });
    const body = { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'vs' }, spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'stable' }, weight: 100 }] }] } };
    await h.custom.createNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1beta1', namespace: ns, plural: 'virtualservices', body });
    const v1 = (await h.custom.getNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace: ns, plural: 'virtualservices', name: 'vs' })) as Record<string, any>;
    expect(v1['apiVersion']).toBe('networking.istio.io/v1');
    expect(v1['spec'].http[0].route[0].weight).toBe(100);
  });

  it('applies schema defaults and required fields', async () => {
    const crd = {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 }, color: { type: 'string', default: 'blue' }, tags: { type: 'array', items: { type: 'string' }, maxItems: 2 } } } } } },
        }],
      },
    };
    await h.ext.createCustomResourceDefinition({ body: typedCrd(crd) });
    const w = (await h.custom.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: ns, plural: 'widgets', body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2 } } })) as Record<string, any>;
    expect(w['spec']).toEqual({ size: 2, color: 'blue' });
    const bad = await failure(() =>
      h.custom.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: ns, plural: 'widgets', body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' }, spec: { size: 0, tags: ['a', 'b', 'c'] } } }),
    );
    expect(bad.code).toBe(422);
    expect(bad.status.details?.causes?.map((c) => c.field).sort()).toEqual(['spec.size', 'spec.tags']);
    const missing = await failure(() =>
      h.custom.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: ns, plural: 'widgets', body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'y' }, spec: {} } }),
    );
    expect(missing.status.details?.causes?.[0]).toMatchObject({ reason: 'FieldValueRequired', field: 'spec.size' });
  });

  it('refuses an invalid CRD with 422', async () => {
    const f = await failure(() =>
      h.ext.createCustomResourceDefinition({
        body: { metadata: { name: 'wrong.example.com' }, spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'gadgets', kind: 'Gadget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] } },
      }),
    );
    expect(f.code).toBe(422);
    expect(f.status.details?.causes?.[0]?.field).toBe('metadata.name');
  });

  it('deleting a CRD deletes its objects (watchers see DELETED) and stops serving the resource', async () => {
    const w = await collectWatch(h.kc, '/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices', { resourceVersion: String(h.sim.objects.resourceVersion()) });
    await h.ext.deleteCustomResourceDefinition({ name: 'virtualservices.networking.istio.io' });
    await w.done;
    expect(w.events.map((e) => [e.type, e.object.metadata?.name])).toEqual([['DELETED', 'vs']]);
    await eventually(async () => (await failure(() => h.custom.listNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1beta1', namespace: ns, plural: 'virtualservices' }))).code === 404);
    expect((await failure(() => h.ext.readCustomResourceDefinition({ name: 'virtualservices.networking.istio.io' }))).code).toBe(404);
    // and it can be created again, empty
    await h.ext.createCustomResourceDefinition({ body: typedCrd(vs) });
    const list = (await h.custom.listNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1beta1', namespace: ns, plural: 'virtualservices' })) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });
});
