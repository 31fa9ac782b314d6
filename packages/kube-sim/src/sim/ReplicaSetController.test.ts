// The status sequence of a scale, as the real ReplicaSet controller writes it (checked against
// kube-controller-manager v1.36 in the controller's end-to-end tests on the real target).
import { startKubeSim, type KubeSim } from '../KubeSim';

interface RsStatus {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  terminatingReplicas?: number;
  observedGeneration?: number;
}

let sim: KubeSim;
beforeAll(async () => {
  sim = await startKubeSim({ token: null, workloads: { readinessDelayMs: 30 } });
});
afterAll(async () => {
  await sim.stop();
});

/** Every status of ReplicaSet `name` the watch delivers, until `until` holds for one. */
async function statuses(name: string, act: () => void, until: (s: RsStatus) => boolean): Promise<RsStatus[]> {
  const seen: RsStatus[] = [];
  const abort = new AbortController();
  const res = await fetch(`${sim.url}/apis/apps/v1/namespaces/default/replicasets?watch=true&resourceVersion=${sim.objects.resourceVersion()}`, { signal: abort.signal });
  const reader = res.body!.getReader();
  act();
  let buffered = '';
  const deadline = Date.now() + 5000;
  try {
    while (Date.now() < deadline) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += new TextDecoder().decode(value);
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const ev = JSON.parse(buffered.slice(0, nl)) as { object: { metadata: { name: string }; status?: RsStatus } };
        buffered = buffered.slice(nl + 1);
        if (ev.object.metadata.name !== name) continue;
        const s = ev.object.status ?? {};
        const last = seen[seen.length - 1];
        if (last === undefined || JSON.stringify(last) !== JSON.stringify(s)) seen.push(s);
        if (until(s)) return seen;
      }
    }
  } finally {
    abort.abort();
  }
  throw new Error(`ReplicaSet ${name} never reached the end state; saw ${JSON.stringify(seen)}`);
}

const rs = (name: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
});

test('created: an empty status first (replicas 0), then the new generation with the old count, then the pods, then readiness', async () => {
  const seen = await statuses('up', () => sim.objects.create(rs('up', 2)), (s) => s.availableReplicas === 2);
  expect(seen.slice(0, 3)).toEqual([
    { replicas: 0 },
    { replicas: 0, observedGeneration: 1, terminatingReplicas: 0 },
    { replicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1, terminatingReplicas: 0 },
  ]);
  // The pods may become ready one by one (a status each) or together.
  expect(seen.length).toBeLessThanOrEqual(5);
  expect(seen.at(-1)).toEqual({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1, terminatingReplicas: 0 });
});

test('scaled down: the new generation with the old count, then the count with the pod terminating, then it is gone', async () => {
  const current = sim.objects.get('apps/v1', 'ReplicaSet', 'up', 'default')!;
  const seen = await statuses(
    'up',
    () => sim.objects.update({ ...current, spec: { ...(current['spec'] as object), replicas: 1 } }),
    (s) => s.replicas === 1 && s.terminatingReplicas === 0,
  );
  const full = { fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 };
  const one = { fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1 };
  expect(seen).toEqual([
    { replicas: 2, ...full, observedGeneration: 1, terminatingReplicas: 0 }, // the spec write
    { replicas: 2, ...full, observedGeneration: 2, terminatingReplicas: 0 },
    { replicas: 1, ...one, observedGeneration: 2, terminatingReplicas: 1 },
    { replicas: 1, ...one, observedGeneration: 2, terminatingReplicas: 0 },
  ]);
});
