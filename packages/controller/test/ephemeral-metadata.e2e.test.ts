// End-to-end: ephemeral metadata (canaryMetadata/stableMetadata, previewMetadata/activeMetadata) and antiAffinity,
// as Argo Rollouts' own e2e checks them (TestEphemeralMetadata of its canary and blue-green suites): the role's labels
// are on the right pods at each phase, a change of the configured metadata replaces the old keys, and promotion
// moves the labels onto the pods already running, in place (the same pod UIDs before and after). The anti-affinity
// term against the stable revision is on the new ReplicaSet's template during the update and gone after it.
import { canaryRollout, deploy, promote, replicaSetsOf, rolloutOf, setImage, startEnv, waitFor, waitHealthy, waitStatus, Resources, type Env } from './harness';

jest.setTimeout(180_000);

const HASH = 'rollouts-pod-template-hash';
const RECORD = 'rollout.argoproj.io/ephemeral-metadata';

interface PodView {
  metadata: { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: Array<{ kind: string; name: string }> };
  spec?: { nodeName?: string };
}
interface TemplateRS {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { template: { metadata?: { labels?: Record<string, string> }; spec?: { affinity?: unknown } } };
}

let env: Env;

beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 20, watch: [Resources.pods] });
});
afterAll(async () => {
  await env?.stop();
});

/** The live pods of the Rollout's ReplicaSet of revision `hash`. */
function podsOf(name: string, hash: string): PodView[] {
  const rs = replicaSetsOf(env, name).get(hash);
  if (rs === undefined) return [];
  return env.api.list<PodView>(Resources.pods).filter((p) => p.metadata.deletionTimestamp == null && (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'ReplicaSet' && o.name === rs.metadata.name));
}

/** Wait until revision `hash` has `count` pods (at least one) and every one of them satisfies `pred`. */
function waitPods(name: string, hash: string, what: string, count: number, pred: (labels: Record<string, string>) => boolean): Promise<PodView[]> {
  return waitFor(
    `${name} revision ${hash}: ${what}`,
    () => {
      const pods = podsOf(name, hash);
      return pods.length === count && pods.every((p) => pred(p.metadata.labels ?? {})) ? pods : undefined;
    },
    20_000,
    () => podsOf(name, hash).map((p) => ({ name: p.metadata.name, labels: p.metadata.labels })),
  );
}

const templateOf = (name: string, hash: string): TemplateRS => replicaSetsOf(env, name).get(hash) as unknown as TemplateRS;
const uids = (pods: PodView[]) => pods.map((p) => p.metadata.uid).sort();
const term = (stable: string) => ({ labelSelector: { matchExpressions: [{ key: HASH, operator: 'In', values: [stable] }] }, topologyKey: 'kubernetes.io/hostname' });

it('canary: stable metadata, then canary metadata on the new revision, moved in place on promotion', async () => {
  const name = 'eph-canary';
  const ro = canaryRollout(name, [{ setWeight: 50 }, { pause: {} }], {
    replicas: 2,
    canary: {
      canaryMetadata: { labels: { role: 'canary' }, annotations: { 'example.com/phase': 'canary' } },
      stableMetadata: { labels: { role: 'stable' } },
      antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 100 } },
    },
  });
  const first = await deploy(env, ro, [`${name}-canary`, `${name}-stable`]);
  const h1 = first.status!.stableRS!;
  // First deploy: every pod has the stable metadata; the pod-template hash (and the ReplicaSet's name) ignores it.
  await waitPods(name, h1, 'stable metadata', 2, (l) => l['role'] === 'stable');
  const rs1 = templateOf(name, h1);
  expect(rs1.metadata.annotations?.[RECORD]).toBe('{"labels":{"role":"stable"}}');
  expect(rs1.metadata.labels?.['role']).toBeUndefined();
  expect(rs1.spec.template.spec?.affinity).toBeUndefined();

  await setImage(env, name, 'demo:2');
  const paused = await waitStatus(env, name, 'paused at step 1', (s) => s.phase === 'Paused' && s.currentStepIndex === 1 && (s.updatedReplicas ?? 0) === 1);
  const h2 = paused.status!.currentPodHash!;
  const canaryPods = await waitPods(name, h2, 'canary metadata', 1, (l) => l['role'] === 'canary');
  expect(canaryPods[0]!.metadata.annotations?.['example.com/phase']).toBe('canary');
  await waitPods(name, h1, 'stable metadata', 1, (l) => l['role'] === 'stable'); // 50%: one stable pod left
  // The new ReplicaSet's template avoids the nodes of the stable revision's pods.
  expect(templateOf(name, h2).spec.template.spec?.affinity).toEqual({ podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term(h1) }] } });
  expect(templateOf(name, h1).spec.template.spec?.affinity).toBeUndefined();

  // The configured canary metadata changes: the old key goes, the new one comes, on the same pod.
  await env.api.patch(Resources.rollouts, name, { spec: { strategy: { canary: { canaryMetadata: { labels: { role: null, role2: 'canary2' } } } } } });
  const canary2 = await waitPods(name, h2, 'canary metadata 2', 1, (l) => l['role'] === undefined && l['role2'] === 'canary2');
  expect(uids(canary2)).toEqual(uids(canaryPods));
  expect(canary2[0]!.metadata.annotations?.['example.com/phase']).toBe('canary');
  expect(replicaSetsOf(env, name).size).toBe(2); // a change of ephemeral metadata is no new revision

  await promote(env, name);
  const healthy = await waitHealthy(env, name, 30_000);
  expect(healthy.status!.stableRS).toBe(h2);
  // Promoted: revision 2's pods (the one that ran as canary among them) carry the stable metadata, not restarted.
  // As in Argo's e2e, by the time the Rollout says Healthy (no waiting for the labels): the move is made before
  // the status that completes the update is written.
  const promotedPods = podsOf(name, h2);
  expect(promotedPods.map((p) => [p.metadata.labels?.['role'], p.metadata.labels?.['role2']])).toEqual([
    ['stable', undefined],
    ['stable', undefined],
  ]);
  for (const uid of uids(canary2)) expect(uids(promotedPods)).toContain(uid);
  for (const p of promotedPods) expect(p.metadata.annotations?.['example.com/phase']).toBeUndefined();
  const rs2 = templateOf(name, h2);
  expect(rs2.metadata.annotations?.[RECORD]).toBe('{"labels":{"role":"stable"}}');
  expect(rs2.spec.template.metadata?.labels?.['role2']).toBeUndefined();
  expect(rs2.spec.template.spec?.affinity).toBeUndefined(); // the injected term is gone with the update
  // The old stable ReplicaSet's template no longer carries the stable metadata.
  const old = templateOf(name, h1);
  if (old !== undefined) {
    expect(old.spec.template.metadata?.labels?.['role']).toBeUndefined();
    expect(old.metadata.annotations?.[RECORD]).toBeUndefined();
  }

  // A change of the stable metadata reaches the stable pods in place too.
  await env.api.patch(Resources.rollouts, name, { spec: { strategy: { canary: { stableMetadata: { labels: { role: null, role2: 'stable2' } } } } } });
  const stable2 = await waitPods(name, h2, 'stable metadata 2', 2, (l) => l['role'] === undefined && l['role2'] === 'stable2');
  expect(uids(stable2)).toEqual(uids(promotedPods));
  expect(rolloutOf(env, name)?.status?.phase).toBe('Healthy');
});

it('blue-green: active metadata, preview metadata on the new revision, active after promotion, in place', async () => {
  const name = 'eph-bluegreen';
  const ro = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'demo:1', ports: [{ name: 'http', containerPort: 8080 }] }] } },
      strategy: {
        blueGreen: {
          activeService: `${name}-active`,
          previewService: `${name}-preview`,
          autoPromotionEnabled: false,
          activeMetadata: { labels: { role: 'active' } },
          previewMetadata: { labels: { role: 'preview' } },
          antiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} },
        },
      },
    },
  };
  const first = await deploy(env, ro, [`${name}-active`, `${name}-preview`]);
  const h1 = first.status!.stableRS!;
  const active1 = await waitPods(name, h1, 'active metadata', 1, (l) => l['role'] === 'active');

  await setImage(env, name, 'demo:2');
  const paused = await waitStatus(env, name, 'paused before promotion', (s) => s.phase === 'Paused' && s.currentPodHash !== h1, 30_000);
  const h2 = paused.status!.currentPodHash!;
  const preview = await waitPods(name, h2, 'preview metadata', 1, (l) => l['role'] === 'preview');
  await waitPods(name, h1, 'still active metadata', 1, (l) => l['role'] === 'active');
  expect(uids(podsOf(name, h1))).toEqual(uids(active1));
  expect(templateOf(name, h2).spec.template.spec?.affinity).toEqual({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(h1)] } });
  if (env.target === 'real') {
    // The scheduler honoured the injected term: the preview pod is not on the active pod's node.
    const node = (p: PodView) => env.api.list<PodView>(Resources.pods).find((q) => q.metadata.uid === p.metadata.uid)?.spec?.nodeName;
    expect(node(preview[0]!)).toBeDefined();
    expect(node(preview[0]!)).not.toBe(node(active1[0]!));
  }

  // The configured preview metadata changes on the running preview pod.
  await env.api.patch(Resources.rollouts, name, { spec: { strategy: { blueGreen: { previewMetadata: { labels: { role: null, role2: 'preview2' } } } } } });
  const preview2 = await waitPods(name, h2, 'preview metadata 2', 1, (l) => l['role'] === undefined && l['role2'] === 'preview2');
  expect(uids(preview2)).toEqual(uids(preview));

  await promote(env, name);
  await waitHealthy(env, name, 30_000);
  const promoted = podsOf(name, h2); // relabelled by the time the Rollout says Healthy, as Argo's e2e expects
  expect(promoted.map((p) => [p.metadata.labels?.['role'], p.metadata.labels?.['role2']])).toEqual([['active', undefined]]);
  expect(uids(promoted)).toEqual(uids(preview)); // the same pod: relabelled, not restarted
  expect(templateOf(name, h2).spec.template.spec?.affinity).toBeUndefined();
  expect(templateOf(name, h2).metadata.annotations?.[RECORD]).toBe('{"labels":{"role":"active"}}');

  await env.api.patch(Resources.rollouts, name, { spec: { strategy: { blueGreen: { activeMetadata: { labels: { role: null, role2: 'active2' } } } } } });
  const active2 = await waitPods(name, h2, 'active metadata 2', 1, (l) => l['role'] === undefined && l['role2'] === 'active2');
  expect(uids(active2)).toEqual(uids(preview));
});
