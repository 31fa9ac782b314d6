// End-to-end: the pods of an experiment step that runs the canary template are not the Rollout's canary pods.
// The canary Service selects `rollouts-pod-template-hash` of the Rollout's new ReplicaSet; the experiment's
// ReplicaSet, running the same pod template, must carry another hash, or the Service would select its pods too.
import { canaryRollout, deploy, selectedHash, setImage, startEnv, waitFor, Resources, type Env } from './harness';

jest.setTimeout(60_000);

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 30, watch: [Resources.pods] });
});
afterAll(async () => {
  await env?.stop();
});

interface Labelled {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string }> };
  status?: { readyReplicas?: number; phase?: string };
}
const HASH = 'rollouts-pod-template-hash';

test('the canary Service selects the canary ReplicaSet’s pods and none of the experiment’s', async () => {
  const steps = [{ setWeight: 25 }, { experiment: { duration: '1h', templates: [{ name: 'preview', specRef: 'canary', replicas: 1 }] } }];
  const ro = canaryRollout('exphash', steps);
  // Pod annotations, so that the experiment's copy of the template is the Rollout's to the byte.
  const withAnnotations = { ...ro, spec: { ...ro.spec, template: { ...ro.spec.template, metadata: { ...ro.spec.template.metadata, annotations: { team: 'shop' } } } } };
  await deploy(env, withAnnotations, ['exphash-canary', 'exphash-stable']);
  await setImage(env, 'exphash', 'demo:2');
  const experiment = await waitFor('the experiment Running', () =>
    env.api.list<Labelled>(Resources.experiments).find((x) => (x.metadata.ownerReferences ?? []).some((o) => o.kind === 'Rollout' && o.name === 'exphash') && x.status?.phase === 'Running'),
  );
  const expRs = env.api.list<Labelled>(Resources.replicaSets).find((rs) => (rs.metadata.ownerReferences ?? []).some((o) => o.kind === 'Experiment' && o.name === experiment.metadata.name));
  const canaryHash = await waitFor('the canary Service on the new revision', () => {
    const h = selectedHash(env, 'exphash-canary');
    return h !== undefined && h !== env.api.get<{ status?: { stableRS?: string } }>(Resources.rollouts, 'exphash')?.status?.stableRS ? h : undefined;
  });
  const expHash = expRs?.metadata.labels?.[HASH];
  expect(expHash).toBeDefined();
  expect(expHash).not.toBe(canaryHash);
  // The pods the canary Service selects (app=exphash and the canary hash): the Rollout's canary pod only.
  const selected = env.api.list<Labelled>(Resources.pods).filter((p) => p.metadata.labels?.['app'] === 'exphash' && p.metadata.labels?.[HASH] === canaryHash);
  expect(selected.length).toBeGreaterThan(0);
  expect(selected.every((p) => !(p.metadata.ownerReferences ?? []).some((o) => o.name === expRs?.metadata.name))).toBe(true);
  const expPods = env.api.list<Labelled>(Resources.pods).filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.name === expRs?.metadata.name));
  expect(expPods.map((p) => p.metadata.labels?.[HASH])).toEqual([expHash]);
});
