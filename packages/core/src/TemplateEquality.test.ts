import fc from 'fast-check';
import type { Container, Json, PodSpec, PodTemplateSpec, ReplicaSet } from '@rollouts/api';
import { withPodDefaults } from './PodDefaults';
import { findReplicaSetForTemplate, podTemplatesEqual } from './TemplateEquality';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** The Rollout's template, as the user wrote it. */
const rolloutTemplate: PodTemplateSpec = {
  metadata: { labels: { app: 'guestbook' } },
  spec: {
    serviceAccountName: 'guestbook',
    containers: [
      {
        name: 'guestbook',
        image: 'argoproj/rollouts-demo:blue',
        ports: [{ name: 'http', containerPort: 8080 }],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'MODE', value: 'fast' },
        ],
        resources: { requests: { cpu: '0.5', memory: '1Gi' }, limits: { cpu: 1 } },
        readinessProbe: { httpGet: { port: 'http', path: '/healthz' }, initialDelaySeconds: 0 },
        volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: false }],
      },
    ],
    volumes: [{ name: 'config', configMap: { name: 'guestbook' } }],
    hostNetwork: false,
    tolerations: [],
  },
};

/** The same template as a ReplicaSet created by Argo Rollouts holds it when read back from the cluster. */
const argoReplicaSetTemplate: PodTemplateSpec = {
  metadata: {
    creationTimestamp: null,
    labels: { app: 'guestbook', 'rollouts-pod-template-hash': '6c9f8d7b5', role: 'canary' },
    annotations: { 'canary.example.com/injected': 'yes' },
  },
  spec: {
    containers: [
      {
        name: 'guestbook',
        image: 'argoproj/rollouts-demo:blue',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'MODE', value: 'fast' },
        ],
        resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1' } },
        readinessProbe: {
          httpGet: { port: 'http', path: '/healthz', scheme: 'HTTP' },
          timeoutSeconds: 1,
          periodSeconds: 10,
          successThreshold: 1,
          failureThreshold: 3,
        },
        volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
        imagePullPolicy: 'IfNotPresent',
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
    ],
    volumes: [{ name: 'config', configMap: { name: 'guestbook', defaultMode: 420 } }],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'guestbook',
    serviceAccount: 'guestbook',
    securityContext: {},
    schedulerName: 'default-scheduler',
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 1,
            podAffinityTerm: {
              labelSelector: { matchExpressions: [{ key: 'rollouts-pod-template-hash', operator: 'In', values: ['5f7d8c9b6'] }] },
              topologyKey: 'kubernetes.io/hostname',
            },
          },
        ],
      },
    },
  },
};

/** The term the controller injects (`antiAffinity.requiredDuringSchedulingIgnoredDuringExecution`). */
const requiredAntiAffinityOnHash: Json = {
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchExpressions: [{ key: 'rollouts-pod-template-hash', operator: 'In', values: ['abc'] }] }, topologyKey: 'kubernetes.io/hostname' },
    ],
  },
};

/** A user-written preferred term on `app` and an injected required term on the hash. */
const userAndInjectedAntiAffinity: Json = {
  podAntiAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [
      { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'kubernetes.io/hostname' } },
    ],
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchLabels: { 'rollouts-pod-template-hash': 'abc' } }, topologyKey: 'kubernetes.io/hostname' },
    ],
  },
};

const ephemeral = { ignoreLabels: ['role'], ignoreAnnotations: ['canary.example.com/injected'] };

const withSpec = (t: PodTemplateSpec, s: Partial<PodSpec>): PodTemplateSpec => ({ ...t, spec: { ...t.spec!, ...s } });
const withContainer = (t: PodTemplateSpec, c: Partial<Container>): PodTemplateSpec =>
  withSpec(t, { containers: [{ ...t.spec!.containers[0]!, ...c }, ...t.spec!.containers.slice(1)] });

describe('podTemplatesEqual', () => {
  it('recognises the template of a ReplicaSet created by Argo Rollouts, both ways round', () => {
    expect(podTemplatesEqual(argoReplicaSetTemplate, rolloutTemplate, ephemeral)).toBe(true);
    expect(podTemplatesEqual(rolloutTemplate, argoReplicaSetTemplate, ephemeral)).toBe(true);
  });

  it('does not ignore ephemeral metadata unless told to', () => {
    expect(podTemplatesEqual(argoReplicaSetTemplate, rolloutTemplate)).toBe(false);
    expect(podTemplatesEqual(argoReplicaSetTemplate, rolloutTemplate, { ignoreLabels: ['role'] })).toBe(false);
    expect(podTemplatesEqual(argoReplicaSetTemplate, rolloutTemplate, { ignoreAnnotations: ['canary.example.com/injected'] })).toBe(false);
  });

  it.each<[string, PodTemplateSpec]>([
    ['image', withContainer(rolloutTemplate, { image: 'argoproj/rollouts-demo:green' })],
    ['env value', withContainer(rolloutTemplate, { env: [rolloutTemplate.spec!.containers[0]!.env![0]!, { name: 'MODE', value: 'slow' }] })],
    ['env order', withContainer(rolloutTemplate, { env: [...rolloutTemplate.spec!.containers[0]!.env!].reverse() })],
    ['port', withContainer(rolloutTemplate, { ports: [{ name: 'http', containerPort: 8081 }] })],
    ['port protocol', withContainer(rolloutTemplate, { ports: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] })],
    ['resource', withContainer(rolloutTemplate, { resources: { requests: { cpu: '0.5', memory: '2Gi' }, limits: { cpu: 1 } } })],
    ['resource removed', withContainer(rolloutTemplate, { resources: { requests: { cpu: '0.5', memory: '1Gi' } } })],
    ['image pull policy', withContainer(rolloutTemplate, { imagePullPolicy: 'Always' })],
    ['probe period', withContainer(rolloutTemplate, { readinessProbe: { httpGet: { port: 'http', path: '/healthz' }, periodSeconds: 5 } })],
    ['read-only mount', withContainer(rolloutTemplate, { volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }] })],
    ['label', { ...rolloutTemplate, metadata: { labels: { app: 'guestbook', tier: 'web' } } }],
    ['label with an empty value', { ...rolloutTemplate, metadata: { labels: { app: 'guestbook', tier: '' } } }],
    ['service account', withSpec(rolloutTemplate, { serviceAccountName: 'other' })],
    ['grace period 0 (a pointer: 0 is not absent)', withSpec(rolloutTemplate, { terminationGracePeriodSeconds: 0 })],
    ['runAsUser 0', withSpec(rolloutTemplate, { securityContext: { runAsUser: 0 } })],
    ['an extra container', withSpec(rolloutTemplate, { containers: [...rolloutTemplate.spec!.containers, { name: 'sidecar', image: 'envoy' }] })],
    ['a volume mode', withSpec(rolloutTemplate, { volumes: [{ name: 'config', configMap: { name: 'guestbook', defaultMode: 0o600 } }] })],
    ['a user-written anti-affinity', withSpec(rolloutTemplate, { affinity: antiAffinityOn('app') })],
    ['tolerationSeconds 0', withSpec(rolloutTemplate, { tolerations: [{ key: 'k', operator: 'Exists', tolerationSeconds: 0 }] })],
  ])('sees a changed %s', (_name, changed) => {
    expect(podTemplatesEqual(changed, rolloutTemplate, ephemeral)).toBe(false);
    expect(podTemplatesEqual(changed, argoReplicaSetTemplate, ephemeral)).toBe(false);
    expect(podTemplatesEqual(argoReplicaSetTemplate, changed, ephemeral)).toBe(false);
  });

  it.each<[string, Json, Json]>([
    ['"500m" and 0.5', '500m', 0.5],
    ['"1000m", "1"', '1000m', '1'],
    ['"1" and 1', '1', 1],
    ['"1Gi" and "1024Mi"', '1Gi', '1024Mi'],
    ['"1.5Gi" and "1536Mi"', '1.5Gi', '1536Mi'],
    ['"1k" and "1000"', '1k', '1000'],
    ['"100m" and "0.1"', '100m', '0.1'],
    ['"1e3" and "1k"', '1e3', '1k'],
  ])('compares quantities by value: %s', (_name, a, b) => {
    const cpu = (q: Json) => withContainer(rolloutTemplate, { resources: { limits: { cpu: q as string } } });
    expect(podTemplatesEqual(cpu(a), cpu(b))).toBe(true);
  });

  it.each<[string, Json, Json]>([
    ['"500m" and "5"', '500m', '5'],
    ['"1Gi" and "1G"', '1Gi', '1G'],
    ['unparseable text against a number', 'lots', 1],
  ])('tells different quantities apart: %s', (_name, a, b) => {
    const memory = (q: Json) => withContainer(rolloutTemplate, { resources: { requests: { memory: q as string } } });
    expect(podTemplatesEqual(memory(a), memory(b))).toBe(false);
  });

  it.each<[string, PodTemplateSpec, PodTemplateSpec]>([
    ['labels {} and absent', { metadata: { labels: {} }, spec: { containers: [] } }, { spec: { containers: [] } }],
    ['metadata {} and absent', { metadata: {}, spec: { containers: [] } }, { spec: { containers: [] } }],
    ['env [] and absent', withContainer(rolloutTemplate, { env: [] }), withContainer(rolloutTemplate, { env: null })],
    ['resources {} and absent', withContainer(rolloutTemplate, { resources: {} }), withContainer(rolloutTemplate, { resources: undefined })],
    ['null and absent', withSpec(rolloutTemplate, { nodeSelector: null }), rolloutTemplate],
    ['creationTimestamp', { ...rolloutTemplate, metadata: { ...rolloutTemplate.metadata, creationTimestamp: '2024-01-01T00:00:00Z' } }, rolloutTemplate],
    ['a stale deprecated serviceAccount', withSpec(rolloutTemplate, { serviceAccount: 'old' }), rolloutTemplate],
    ['serviceAccount alone and serviceAccountName', withSpec(rolloutTemplate, { serviceAccountName: null, serviceAccount: 'guestbook' }), rolloutTemplate],
    ['dnsPolicy "" and the default', withSpec(rolloutTemplate, { dnsPolicy: '' }), withSpec(rolloutTemplate, { dnsPolicy: 'ClusterFirst' })],
    ['hostPort 0 and absent', withContainer(rolloutTemplate, { ports: [{ name: 'http', containerPort: 8080, hostPort: 0 }] }), rolloutTemplate],
    ['divisor "0" and absent', divisor('0'), divisor(undefined)],
    ['divisor "1m" and 0.001', divisor('1m'), divisor(0.001)],
    ['an injected required anti-affinity', withSpec(rolloutTemplate, { affinity: requiredAntiAffinityOnHash }), rolloutTemplate],
    [
      'an injected term next to a user-written one',
      withSpec(rolloutTemplate, { affinity: userAndInjectedAntiAffinity }),
      withSpec(rolloutTemplate, { affinity: antiAffinityOn('app') }),
    ],
  ])('treats as equal: %s', (_name, a, b) => {
    expect(podTemplatesEqual(a, b)).toBe(true);
    expect(podTemplatesEqual(b, a)).toBe(true);
  });

  it.each<[string, Partial<PodSpec>, Partial<PodSpec>]>([
    ['tolerationSeconds', { tolerations: [{ key: 'k', operator: 'Exists', tolerationSeconds: 0 }] }, { tolerations: [{ key: 'k', operator: 'Exists' }] }],
    ['secret optional', { volumes: [{ name: 's', secret: { secretName: 's', optional: false } }] }, { volumes: [{ name: 's', secret: { secretName: 's' } }] }],
    ['automountServiceAccountToken', { automountServiceAccountToken: false }, {}],
    ['runAsNonRoot', { securityContext: { runAsNonRoot: false } }, {}],
    ['enableServiceLinks', { enableServiceLinks: false }, {}],
  ])('keeps an explicit zero of a pointer field: %s', (_name, a, b) => {
    expect(podTemplatesEqual(withSpec(rolloutTemplate, a), withSpec(rolloutTemplate, b))).toBe(false);
  });

  it.each<[string, Partial<PodSpec>, Partial<PodSpec>]>([
    ['hostNetwork false', { hostNetwork: false }, { hostNetwork: null }],
    ['subdomain ""', { subdomain: '' }, {}],
    ['toleration value ""', { tolerations: [{ key: 'k', operator: 'Exists', value: '' }] }, { tolerations: [{ key: 'k', operator: 'Exists' }] }],
    ['mount readOnly false', { volumes: [{ name: 'h', hostPath: { path: '/x', readOnly: false } }] }, { volumes: [{ name: 'h', hostPath: { path: '/x' } }] }],
  ])('reads the zero value of a plain field as absent: %s', (_name, a, b) => {
    expect(podTemplatesEqual(withSpec(rolloutTemplate, a), withSpec(rolloutTemplate, b))).toBe(true);
  });

  it('does not change its inputs', () => {
    const a = JSON.stringify(argoReplicaSetTemplate);
    const b = JSON.stringify(rolloutTemplate);
    podTemplatesEqual(deepFreeze(argoReplicaSetTemplate), deepFreeze(rolloutTemplate), ephemeral);
    expect(JSON.stringify(argoReplicaSetTemplate)).toBe(a);
    expect(JSON.stringify(rolloutTemplate)).toBe(b);
  });
});

function antiAffinityOn(label: string): Json {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { [label]: 'x' } }, topologyKey: 'kubernetes.io/hostname' } },
      ],
    },
  };
}

function divisor(value: Json | undefined): PodTemplateSpec {
  const resourceFieldRef: { [key: string]: Json } = { resource: 'limits.cpu', ...(value === undefined ? {} : { divisor: value }) };
  return withContainer(rolloutTemplate, { env: [{ name: 'CPU', valueFrom: { resourceFieldRef } }] });
}

// ---------------------------------------------------------------------------------------------------------

const replicaSet = (name: string, created: string | undefined, template: PodTemplateSpec | undefined, extra: { hash?: string; deleting?: boolean; annotations?: Record<string, string> } = {}): ReplicaSet => ({
  metadata: {
    name,
    ...(created === undefined ? {} : { creationTimestamp: created }),
    ...(extra.hash === undefined ? {} : { labels: { 'rollouts-pod-template-hash': extra.hash } }),
    ...(extra.deleting ? { deletionTimestamp: '2024-05-01T00:00:00Z' } : {}),
    ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }),
  },
  spec: { replicas: 1, ...(template === undefined ? {} : { template }) },
});

describe('findReplicaSetForTemplate', () => {
  const other = withContainer(rolloutTemplate, { image: 'argoproj/rollouts-demo:green' });
  const names = (rs: ReplicaSet | undefined) => rs?.metadata?.name;

  it('prefers the ReplicaSet labelled with the hash whose template equals', () => {
    const rss = [
      replicaSet('old-equal', '2024-01-01T00:00:00Z', rolloutTemplate, { hash: 'aaa' }),
      replicaSet('mine', '2024-02-01T00:00:00Z', rolloutTemplate, { hash: 'hhh' }),
    ];
    expect(names(findReplicaSetForTemplate(rss, rolloutTemplate, 'hhh'))).toBe('mine');
  });

  it('does not trust the hash label alone', () => {
    const rss = [replicaSet('labelled', '2024-01-01T00:00:00Z', other, { hash: 'hhh' }), replicaSet('equal', '2024-03-01T00:00:00Z', rolloutTemplate, { hash: 'zzz' })];
    expect(names(findReplicaSetForTemplate(rss, rolloutTemplate, 'hhh'))).toBe('equal');
    expect(findReplicaSetForTemplate([rss[0]!], rolloutTemplate, 'hhh')).toBeUndefined();
  });

  it('adopts the oldest semantically equal ReplicaSet, ties by name, missing time first', () => {
    const rss = [
      replicaSet('c', '2024-03-01T00:00:00Z', argoReplicaSetTemplate),
      replicaSet('b', '2024-02-01T00:00:00Z', argoReplicaSetTemplate),
      replicaSet('a', '2024-02-01T00:00:00Z', argoReplicaSetTemplate),
      replicaSet('z', '2024-01-01T00:00:00Z', other),
    ];
    expect(names(findReplicaSetForTemplate(rss, rolloutTemplate, 'hhh', ephemeral))).toBe('a');
    expect(names(findReplicaSetForTemplate([...rss, replicaSet('y', undefined, rolloutTemplate)], rolloutTemplate, 'hhh', ephemeral))).toBe('y');
    expect(names(findReplicaSetForTemplate(rss, rolloutTemplate, 'hhh'))).toBeUndefined();
  });

  it('skips ReplicaSets being deleted and ReplicaSets without a template', () => {
    const rss = [
      replicaSet('deleting', '2024-01-01T00:00:00Z', rolloutTemplate, { hash: 'hhh', deleting: true }),
      replicaSet('empty', '2024-01-02T00:00:00Z', undefined, { hash: 'hhh' }),
      replicaSet('live', '2024-01-03T00:00:00Z', rolloutTemplate),
    ];
    expect(names(findReplicaSetForTemplate(rss, rolloutTemplate, 'hhh'))).toBe('live');
    expect(findReplicaSetForTemplate(rss.slice(0, 2), rolloutTemplate, 'hhh')).toBeUndefined();
    expect(findReplicaSetForTemplate([], rolloutTemplate, 'hhh')).toBeUndefined();
  });

  it('ignores the metadata recorded in the ephemeral-metadata annotation', () => {
    const recorded = JSON.stringify({ labels: { role: 'canary' }, annotations: { 'canary.example.com/injected': 'yes' } });
    const annotated = replicaSet('argo', '2024-01-01T00:00:00Z', argoReplicaSetTemplate, { annotations: { 'rollout.argoproj.io/ephemeral-metadata': recorded } });
    expect(names(findReplicaSetForTemplate([annotated], rolloutTemplate, 'hhh'))).toBe('argo');
    const broken = replicaSet('argo', '2024-01-01T00:00:00Z', argoReplicaSetTemplate, { annotations: { 'rollout.argoproj.io/ephemeral-metadata': '{not json' } });
    expect(findReplicaSetForTemplate([broken], rolloutTemplate, 'hhh')).toBeUndefined();
    expect(names(findReplicaSetForTemplate([broken], rolloutTemplate, 'hhh', ephemeral))).toBe('argo');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties over generated templates

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 4 });
const quantity = fc.oneof(fc.constantFrom('100m', '0.5', '500m', '1', '2', '1Gi', '512Mi', '1024Mi', '0'), fc.integer({ min: 0, max: 4 }));
const image = fc.constantFrom('nginx', 'nginx:latest', 'nginx:1.25', 'registry.local:5000/team/app:v2', `app@sha256:${'ab'.repeat(32)}`, 'Bad/Image');
const probe: fc.Arbitrary<Json> = fc.record(
  {
    httpGet: fc.record({ port: fc.oneof(fc.integer({ min: 1, max: 9000 }), fc.constant('http')), path: fc.constantFrom('/', '/healthz'), scheme: fc.constantFrom('HTTP', 'HTTPS') }, { requiredKeys: ['port'] }),
    initialDelaySeconds: fc.integer({ min: 0, max: 5 }),
    timeoutSeconds: fc.integer({ min: 0, max: 3 }),
    periodSeconds: fc.integer({ min: 0, max: 20 }),
    failureThreshold: fc.integer({ min: 0, max: 5 }),
  },
  { requiredKeys: ['httpGet'] },
);
const envVar = fc.oneof(
  fc.record({ name, value: fc.string({ maxLength: 4 }) }, { requiredKeys: ['name'] }),
  fc.record({ name, valueFrom: fc.record({ fieldRef: fc.record({ fieldPath: fc.constant('metadata.name'), apiVersion: fc.constant('v1') }, { requiredKeys: ['fieldPath'] }) }) }),
);
const container: fc.Arbitrary<Container> = fc.record(
  {
    name,
    image,
    imagePullPolicy: fc.constantFrom('Always', 'IfNotPresent', 'Never', ''),
    ports: maybe(fc.array(fc.record({ containerPort: fc.integer({ min: 1, max: 9000 }), protocol: fc.constantFrom('TCP', 'UDP', ''), hostPort: fc.constantFrom(0, 80) }, { requiredKeys: ['containerPort'] }), { maxLength: 2 })),
    env: maybe(fc.array(envVar, { maxLength: 3 })),
    resources: fc.record({ limits: fc.dictionary(fc.constantFrom('cpu', 'memory'), quantity), requests: fc.dictionary(fc.constantFrom('cpu', 'memory'), quantity) }, { requiredKeys: [] }),
    livenessProbe: maybe(probe),
    readinessProbe: probe,
    terminationMessagePolicy: fc.constantFrom('File', 'FallbackToLogsOnError'),
    volumeMounts: fc.array(fc.record({ name, mountPath: fc.constant('/m'), readOnly: fc.boolean() }, { requiredKeys: ['name', 'mountPath'] }), { maxLength: 2 }),
  },
  { requiredKeys: ['name'] },
);
const volume: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ name }),
  fc.record({ name, emptyDir: fc.constantFrom<Json>({}, { medium: 'Memory' }) }),
  fc.record({ name, configMap: fc.record({ name, defaultMode: fc.constantFrom(0, 420, 256) }, { requiredKeys: ['name'] }) }),
  fc.record({ name, secret: fc.record({ secretName: name, optional: fc.boolean() }, { requiredKeys: ['secretName'] }) }),
  fc.record({ name, hostPath: fc.record({ path: fc.constant('/data'), type: fc.constantFrom('', 'Directory') }, { requiredKeys: ['path'] }) }),
);
const labels = fc.dictionary(name, fc.string({ maxLength: 3 }), { maxKeys: 3 });
const podSpec: fc.Arbitrary<PodSpec> = fc.record(
  {
    containers: fc.array(container, { minLength: 1, maxLength: 2 }),
    initContainers: maybe(fc.array(container, { maxLength: 1 })),
    restartPolicy: fc.constantFrom('Always', 'OnFailure', ''),
    dnsPolicy: maybe(fc.constantFrom('ClusterFirst', 'Default')),
    terminationGracePeriodSeconds: maybe(fc.integer({ min: 0, max: 60 })),
    serviceAccountName: fc.constantFrom('a', 'b', ''),
    serviceAccount: fc.constantFrom('a', 'b'),
    securityContext: maybe(fc.constantFrom<Json>({}, { runAsUser: 0 }, { runAsNonRoot: true })),
    hostNetwork: fc.boolean(),
    nodeSelector: maybe(labels),
    volumes: maybe(fc.array(volume, { maxLength: 2 })),
    affinity: fc.constantFrom(requiredAntiAffinityOnHash, antiAffinityOn('app')),
  },
  { requiredKeys: ['containers'] },
);
const arbitraryPodTemplate: fc.Arbitrary<PodTemplateSpec> = fc.record(
  {
    metadata: fc.record({ labels, annotations: labels, creationTimestamp: fc.constant(null) }, { requiredKeys: [] }),
    spec: podSpec,
  },
  { requiredKeys: ['spec'] },
);

describe('properties', () => {
  it('a template equals itself with the API server defaults filled in', () => {
    fc.assert(fc.property(arbitraryPodTemplate, (t) => podTemplatesEqual(t, withPodDefaults(t)) && podTemplatesEqual(withPodDefaults(t), t)));
  });

  it('equality is reflexive and symmetric', () => {
    fc.assert(
      fc.property(arbitraryPodTemplate, arbitraryPodTemplate, fc.constantFrom([], ['app'], ['x', 'y']), (a, b, ignoreLabels) => {
        expect(podTemplatesEqual(a, a, { ignoreLabels })).toBe(true);
        expect(podTemplatesEqual(a, b, { ignoreLabels })).toBe(podTemplatesEqual(b, a, { ignoreLabels }));
      }),
    );
  });

  it('a changed image is always seen', () => {
    fc.assert(
      fc.property(arbitraryPodTemplate, (t) => {
        const changed = withContainer(t, { image: 'something-else:v9' });
        return !podTemplatesEqual(t, changed) && !podTemplatesEqual(withPodDefaults(t), changed);
      }),
    );
  });

  it('withPodDefaults never changes its input and is idempotent', () => {
    fc.assert(
      fc.property(arbitraryPodTemplate, (t) => {
        const before = JSON.stringify(t);
        const once = withPodDefaults(deepFreeze(t));
        expect(JSON.stringify(t)).toBe(before);
        expect(withPodDefaults(once)).toEqual(once);
      }),
    );
  });
});
