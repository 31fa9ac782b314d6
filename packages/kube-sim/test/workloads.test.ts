// The workload simulator on a virtual clock: ReplicaSets, pod readiness and image rules, Deployments,
// Jobs, Endpoints, garbage collection and namespace termination.
import * as k8s from '@kubernetes/client-node';
import { startKubeSim, VirtualClock } from '@rollouts/kube-sim';
import { startHarness, Harness, podTemplate, mergePatch, eventually } from './harness';

let h: Harness;
let clock: VirtualClock;
beforeAll(async () => {
  h = await startHarness({
    clock: 'virtual',
    workloads: {
      readinessDelayMs: 5_000,
      podRules: [
        { image: ':crash', crashLoop: true },
        { image: ':slow', readyAfterMs: 60_000 },
        { image: 'job:fail', exit: 'fail' },
        { image: 'job:*', exit: 'succeed', runForMs: 10_000 },
      ],
    },
  });
  clock = h.sim.clock as VirtualClock;
});
afterAll(async () => {
  await h.sim.stop();
});

const ns = 'default';
const settle = () => h.sim.workloads.settle();

function rs(name: string, replicas: number, image = 'app:1', minReadySeconds = 0): k8s.V1ReplicaSet {
  return { metadata: { name }, spec: { replicas, minReadySeconds, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }, image) } };
}

async function podsOf(app: string): Promise<k8s.V1Pod[]> {
  return (await h.core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items;
}

const ready = (p: k8s.V1Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

describe('ReplicaSet controller and pod readiness', () => {
  it('creates pods that run at once and become Ready after the readiness delay', async () => {
    await h.apps.createNamespacedReplicaSet({ namespace: ns, body: rs('web', 3) });
    await settle();
    let pods = await podsOf('web');
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName === 'kube-sim-node' && p.status?.podIP)).toBe(true);
    expect(pods.some(ready)).toBe(false);
    expect(pods.every((p) => p.metadata?.ownerReferences?.[0]?.kind === 'ReplicaSet' && p.metadata?.ownerReferences?.[0]?.controller)).toBe(true);
    let status = (await h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'web' })).status;
    expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
    expect(status?.readyReplicas ?? 0).toBe(0);

    clock.advance(5_000);
    await settle();
    pods = await podsOf('web');
    expect(pods.every(ready)).toBe(true);
    status = (await h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'web' })).status;
    expect(status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });
  });

  it('scales down (terminating pods leave) and up, tracking observedGeneration', async () => {
    await h.apps.patchNamespacedReplicaSetScale({ namespace: ns, name: 'web', body: { spec: { replicas: 1 } } }, mergePatch);
    await settle();
    expect(await podsOf('web')).toHaveLength(1);
    const s = (await h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'web' })).status;
    expect(s).toMatchObject({ replicas: 1, readyReplicas: 1, observedGeneration: 2 });
    await h.apps.patchNamespacedReplicaSetScale({ namespace: ns, name: 'web', body: { spec: { replicas: 2 } } }, mergePatch);
    await settle();
    expect(await podsOf('web')).toHaveLength(2);
  });

  it('counts a pod available only after minReadySeconds', async () => {
    await h.apps.createNamespacedReplicaSet({ namespace: ns, body: rs('mrs', 1, 'app:1', 30) });
    await settle();
    clock.advance(5_000);
    await settle();
    let s = (await h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'mrs' })).status;
    expect(s?.readyReplicas).toBe(1);
    expect(s?.availableReplicas ?? 0).toBe(0);
    clock.advance(30_000);
    await settle();
    s = (await h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'mrs' })).status;
    expect(s?.availableReplicas).toBe(1);
  });

  it('keeps pods of a bad image in CrashLoopBackOff, never Ready', async () => {
    await h.apps.createNamespacedReplicaSet({ namespace: ns, body: rs('bad', 2, 'app:crash') });
    await settle();
    clock.advance(60_000);
    await settle();
    const pods = await podsOf('bad');
    expect(pods).toHaveLength(2);
    expect(pods.some(ready)).toBe(false);
    expect(pods[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(pods[0]?.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThan(1);
    expect((await h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'bad' })).status?.readyReplicas ?? 0).toBe(0);
  });

  it('lets a test flip readiness by hand', async () => {
    const [pod] = await podsOf('web');
    expect(h.sim.workloads.setPodReady(ns, pod!.metadata!.name!, false)).toBe(true);
    await settle();
    expect((await h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'web' })).status?.readyReplicas).toBe(1);
    h.sim.workloads.setPodReady(ns, pod!.metadata!.name!, true);
    await settle();
    expect((await h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'web' })).status?.readyReplicas).toBe(2);
  });
});

describe('the Eviction API', () => {
  it('evicts a pod (deleted, then replaced by its ReplicaSet); a body that is not an Eviction of that pod is a 400', async () => {
    await h.apps.createNamespacedReplicaSet({ namespace: ns, body: rs('evict', 2) });
    await settle();
    const [victim] = await podsOf('evict');
    const name = victim!.metadata!.name!;
    await expect(h.core.createNamespacedPodEviction({ namespace: ns, name, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'another-pod', namespace: ns } } })).rejects.toMatchObject({ code: 400 });
    expect((await podsOf('evict')).map((p) => p.metadata?.name)).toContain(name);
    await h.core.createNamespacedPodEviction({ namespace: ns, name, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } } });
    await settle();
    const after = (await podsOf('evict')).map((p) => p.metadata?.name);
    expect(after).toHaveLength(2);
    expect(after).not.toContain(name);
    const logged = h.sim.requestLog.entries({ verb: 'create', resource: 'pods', subresource: 'eviction' });
    expect(logged.map((e) => [e.name, e.code])).toEqual([
      [name, 400],
      [name, 201],
    ]);
  });
});

describe('garbage collection', () => {
  it('deletes dependents in the background when their owner goes', async () => {
    await h.apps.deleteNamespacedReplicaSet({ namespace: ns, name: 'bad' });
    await settle();
    expect(await podsOf('bad')).toHaveLength(0);
  });

  it('orphans dependents with propagationPolicy=Orphan', async () => {
    await h.apps.createNamespacedReplicaSet({ namespace: ns, body: rs('orph', 2) });
    await settle();
    await h.apps.deleteNamespacedReplicaSet({ namespace: ns, name: 'orph', propagationPolicy: 'Orphan' });
    await settle();
    const pods = await podsOf('orph');
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => (p.metadata?.ownerReferences ?? []).length === 0)).toBe(true);
    await expect(h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'orph' })).rejects.toMatchObject({ code: 404 });
    // a new ReplicaSet with the same selector adopts them
    await h.apps.createNamespacedReplicaSet({ namespace: ns, body: rs('orph', 2) });
    await settle();
    const adopted = await podsOf('orph');
    expect(adopted).toHaveLength(2);
    expect(adopted.every((p) => p.metadata?.ownerReferences?.[0]?.name === 'orph')).toBe(true);
  });

  it('deletes dependents first with propagationPolicy=Foreground', async () => {
    const r = await h.apps.deleteNamespacedReplicaSetWithHttpInfo({ namespace: ns, name: 'orph', propagationPolicy: 'Foreground' });
    expect(r.httpStatusCode).toBe(202);
    await settle();
    expect(await podsOf('orph')).toHaveLength(0);
    await expect(h.apps.readNamespacedReplicaSet({ namespace: ns, name: 'orph' })).rejects.toMatchObject({ code: 404 });
  });

  it('empties and removes a terminating namespace', async () => {
    await h.core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await settle();
    expect((await h.core.listNamespacedServiceAccount({ namespace: 'doomed' })).items.map((s) => s.metadata?.name)).toEqual(['default']);
    await h.core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'cm' } } });
    await h.apps.createNamespacedReplicaSet({ namespace: 'doomed', body: rs('x', 1) });
    await settle();
    // the typed client declares V1Status, the server answers with the terminating Namespace (202)
    const ns1 = (await h.core.deleteNamespaceWithHttpInfo({ name: 'doomed' })) as unknown as { httpStatusCode: number; data: k8s.V1Namespace };
    expect(ns1.httpStatusCode).toBe(202);
    expect(ns1.data.status?.phase).toBe('Terminating');
    await settle();
    await expect(h.core.readNamespace({ name: 'doomed' })).rejects.toMatchObject({ code: 404 });
    expect((await h.core.listPodForAllNamespaces({ fieldSelector: 'metadata.namespace=doomed' })).items).toHaveLength(0);
  });
});

describe('Deployment controller', () => {
  it('creates a ReplicaSet per template and rolls to a new one', async () => {
    await h.apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: 'dep' }, spec: { replicas: 4, selector: { matchLabels: { app: 'dep' } }, template: podTemplate({ app: 'dep' }, 'dep:1') } } });
    await settle();
    clock.advance(5_000);
    await settle();
    let d = await h.apps.readNamespacedDeployment({ namespace: ns, name: 'dep' });
    expect(d.status).toMatchObject({ replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4, observedGeneration: 1 });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    const first = (await h.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=dep' })).items;
    expect(first).toHaveLength(1);
    expect(first[0]?.metadata?.name).toMatch(/^dep-[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    expect(first[0]?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');

    await h.apps.patchNamespacedDeployment({ namespace: ns, name: 'dep', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'dep:2' }] } } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
    for (let i = 0; i < 10; i++) {
      await settle();
      clock.advance(5_000);
    }
    await settle();
    d = await h.apps.readNamespacedDeployment({ namespace: ns, name: 'dep' });
    expect(d.status).toMatchObject({ replicas: 4, updatedReplicas: 4, availableReplicas: 4, observedGeneration: 2 });
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    const sets = (await h.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=dep' })).items;
    expect(sets).toHaveLength(2);
    const byRevision = Object.fromEntries(sets.map((s) => [s.metadata?.annotations?.['deployment.kubernetes.io/revision'], s.spec?.replicas]));
    expect(byRevision).toEqual({ '1': 0, '2': 4 });
    const pods = await podsOf('dep');
    expect(pods.map((p) => p.spec?.containers[0]?.image)).toEqual(['dep:2', 'dep:2', 'dep:2', 'dep:2']);
  });

  it('scales to zero (as a workloadRef Rollout asks)', async () => {
    await h.apps.patchNamespacedDeploymentScale({ namespace: ns, name: 'dep', body: { spec: { replicas: 0 } } }, mergePatch);
    await settle();
    expect(await podsOf('dep')).toHaveLength(0);
    expect((await h.apps.readNamespacedDeployment({ namespace: ns, name: 'dep' })).status?.replicas ?? 0).toBe(0);
  });
});

describe('Job controller', () => {
  function job(name: string, image: string, backoffLimit = 1): k8s.V1Job {
    return { metadata: { name }, spec: { backoffLimit, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image }] } } } };
  }
  const condition = (j: k8s.V1Job, type: string) => j.status?.conditions?.find((c) => c.type === type)?.status;

  it('completes a job whose pods succeed', async () => {
    await h.batch.createNamespacedJob({ namespace: ns, body: job('ok', 'job:ok') });
    await settle();
    let j = await h.batch.readNamespacedJob({ namespace: ns, name: 'ok' });
    expect(j.status?.active).toBe(1);
    expect(j.status?.startTime).toBeInstanceOf(Date);
    clock.advance(10_000);
    await settle();
    j = await h.batch.readNamespacedJob({ namespace: ns, name: 'ok' });
    expect(condition(j, 'Complete')).toBe('True');
    expect(j.status?.succeeded).toBe(1);
    expect(j.status?.completionTime).toBeInstanceOf(Date);
  });

  it('fails a job after backoffLimit failed pods', async () => {
    await h.batch.createNamespacedJob({ namespace: ns, body: job('ko', 'job:fail', 1) });
    for (let i = 0; i < 5; i++) {
      await settle();
      clock.advance(1);
    }
    await settle();
    const j = await h.batch.readNamespacedJob({ namespace: ns, name: 'ko' });
    expect(condition(j, 'Failed')).toBe('True');
    expect(j.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
    expect(j.status?.failed).toBe(2);
  });
});

describe('Endpoints controller', () => {
  it('lists ready pod IPs as addresses and the others as notReadyAddresses, resolving named ports', async () => {
    await h.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' as never }] } } });
    await settle();
    let ep = await h.core.readNamespacedEndpoints({ namespace: ns, name: 'web' });
    expect(ep.subsets?.[0]?.addresses).toHaveLength(2);
    expect(ep.subsets?.[0]?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const pods = await podsOf('web');
    expect(ep.subsets?.[0]?.addresses?.map((a) => a.ip).sort()).toEqual(pods.map((p) => p.status?.podIP).sort());
    h.sim.workloads.setPodReady(ns, pods[0]!.metadata!.name!, false);
    await settle();
    ep = await h.core.readNamespacedEndpoints({ namespace: ns, name: 'web' });
    expect(ep.subsets?.[0]?.addresses).toHaveLength(1);
    expect(ep.subsets?.[0]?.notReadyAddresses?.[0]?.targetRef?.name).toBe(pods[0]!.metadata!.name);
    await h.core.deleteNamespacedService({ namespace: ns, name: 'web' });
    await eventually(async () => (await h.core.listNamespacedEndpoints({ namespace: ns })).items.every((e) => e.metadata?.name !== 'web'));
  });

  it('reports no controller failures', () => {
    expect(h.sim.workloads.failures()).toEqual([]);
  });
});

describe('objects given at start', () => {
  it('are picked up by the controllers like an informer\'s initial list', async () => {
    const sim = await startKubeSim({
      objects: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'pre', namespace: 'default' }, spec: { replicas: 2, selector: { matchLabels: { app: 'pre' } }, template: podTemplate({ app: 'pre' }) } },
      ],
    });
    try {
      await sim.workloads.settle();
      expect(sim.objects.list('v1', 'Pod', 'default')).toHaveLength(2);
      expect(sim.objects.get('apps/v1', 'ReplicaSet', 'pre', 'default')?.['status']).toMatchObject({ replicas: 2, readyReplicas: 2 });
    } finally {
      await sim.stop();
    }
  });
});
