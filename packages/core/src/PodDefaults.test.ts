import type { Container, Json, PodSpec, PodTemplateSpec } from '@rollouts/api';
import { defaultImagePullPolicy, withPodDefaults } from './PodDefaults';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

const spec = (s: Partial<PodSpec>): PodTemplateSpec => ({ spec: { containers: [], ...s } });
const container = (c: Partial<Container>): Container => ({ name: 'app', ...c });
const defaultedContainer = (c: Partial<Container>): Container => withPodDefaults(spec({ containers: [container(c)] })).spec!.containers[0]!;
const defaultedVolume = (volume: Json): Json => withPodDefaults(spec({ volumes: [volume] })).spec!.volumes![0]!;

describe('withPodDefaults', () => {
  it('fills the pod spec and container defaults of a minimal template', () => {
    const template: PodTemplateSpec = {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
    };
    expect(withPodDefaults(template)).toEqual({
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.25',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            imagePullPolicy: 'IfNotPresent',
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        securityContext: {},
        schedulerName: 'default-scheduler',
      },
    });
  });

  it('keeps every value that is set, unknown fields included', () => {
    const template = {
      metadata: { labels: { app: 'web' }, creationTimestamp: null },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            imagePullPolicy: 'Never',
            terminationMessagePath: '/tmp/log',
            terminationMessagePolicy: 'FallbackToLogsOnError',
            ports: [{ containerPort: 80, protocol: 'UDP' }],
            futureField: { x: 1 },
          },
        ],
        restartPolicy: 'OnFailure',
        terminationGracePeriodSeconds: 5,
        dnsPolicy: 'Default',
        securityContext: { runAsNonRoot: true },
        schedulerName: 'mine',
        serviceAccountName: 'a',
        serviceAccount: 'b',
        futureSpecField: true,
      },
    } as unknown as PodTemplateSpec;
    expect(withPodDefaults(template)).toEqual(template);
  });

  it.each([
    // [field, written, defaulted]: Go plain values read zero as unset, pointers keep it.
    ['restartPolicy', '', 'Always'],
    ['dnsPolicy', '', 'ClusterFirst'],
    ['schedulerName', '', 'default-scheduler'],
    ['restartPolicy', null, 'Always'],
    ['terminationGracePeriodSeconds', null, 30],
    ['terminationGracePeriodSeconds', 0, 0],
    ['securityContext', null, {}],
  ] as const)('pod spec %s: %j -> %j', (field, written, defaulted) => {
    expect(withPodDefaults(spec({ [field]: written })).spec![field]).toEqual(defaulted);
  });

  it.each([
    ['serviceAccountName only', { serviceAccountName: 'sa' }, 'sa', 'sa'],
    ['serviceAccount only (deprecated alias)', { serviceAccount: 'sa' }, 'sa', 'sa'],
    ['both, different: each kept', { serviceAccountName: 'a', serviceAccount: 'b' }, 'a', 'b'],
    ['neither', {}, undefined, undefined],
  ])('service account: %s', (_name, written, serviceAccountName, serviceAccount) => {
    const out = withPodDefaults(spec(written)).spec!;
    expect(out.serviceAccountName).toBe(serviceAccountName);
    expect(out.serviceAccount).toBe(serviceAccount);
  });

  it('defaults init and ephemeral containers like containers', () => {
    const out = withPodDefaults(spec({ initContainers: [{ name: 'init', image: 'busybox' }], ephemeralContainers: [{ name: 'debug', image: 'busybox:1' }] })).spec!;
    expect(out.initContainers![0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    expect(out.ephemeralContainers![0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' });
  });

  it('defaults env field selectors to apiVersion v1 and keeps other sources', () => {
    const out = defaultedContainer({
      env: [
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'OLD', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v2' } } },
        { name: 'PLAIN', value: 'x' },
        { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      ],
    });
    expect(out.env).toEqual([
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } } },
      { name: 'OLD', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v2' } } },
      { name: 'PLAIN', value: 'x' },
      { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
  });

  it('defaults present probes only, with their httpGet and grpc actions', () => {
    const out = defaultedContainer({
      livenessProbe: { httpGet: { port: 8080 } },
      readinessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 0, periodSeconds: 5, successThreshold: 2, failureThreshold: 7 },
      startupProbe: { grpc: { port: 9000 }, initialDelaySeconds: 3 },
    });
    expect(out.livenessProbe).toEqual({ httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(out.readinessProbe).toEqual({ tcpSocket: { port: 80 }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 2, failureThreshold: 7 });
    expect(out.startupProbe).toEqual({ grpc: { port: 9000, service: '' }, initialDelaySeconds: 3, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(defaultedContainer({})).not.toHaveProperty('livenessProbe');
    expect(defaultedContainer({ livenessProbe: null }).livenessProbe).toBeNull();
  });

  it('defaults httpGet in lifecycle hooks', () => {
    const out = defaultedContainer({ lifecycle: { preStop: { httpGet: { port: 80, path: '/stop', scheme: 'HTTPS' } }, postStart: { httpGet: { port: 80 } } } });
    expect(out.lifecycle).toEqual({ preStop: { httpGet: { port: 80, path: '/stop', scheme: 'HTTPS' } }, postStart: { httpGet: { port: 80, path: '/', scheme: 'HTTP' } } });
  });

  it.each<[string, Json, Json]>([
    ['no source -> emptyDir', { name: 'v' }, { name: 'v', emptyDir: {} }],
    ['null sources -> emptyDir', { name: 'v', secret: null }, { name: 'v', secret: null, emptyDir: {} }],
    ['emptyDir kept', { name: 'v', emptyDir: { medium: 'Memory' } }, { name: 'v', emptyDir: { medium: 'Memory' } }],
    ['secret mode', { name: 'v', secret: { secretName: 's' } }, { name: 'v', secret: { secretName: 's', defaultMode: 420 } }],
    ['configMap mode 0 kept (pointer)', { name: 'v', configMap: { name: 'c', defaultMode: 0 } }, { name: 'v', configMap: { name: 'c', defaultMode: 0 } }],
    [
      'downwardAPI mode and field selector',
      { name: 'v', downwardAPI: { items: [{ path: 'l', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      { name: 'v', downwardAPI: { defaultMode: 420, items: [{ path: 'l', fieldRef: { fieldPath: 'metadata.labels', apiVersion: 'v1' } }] } },
    ],
    [
      'projected mode, token expiry, downward API',
      { name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't' } }, { downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } }, { configMap: { name: 'c' } }] } },
      {
        name: 'v',
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { path: 't', expirationSeconds: 3600 } },
            { downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } }] } },
            { configMap: { name: 'c' } },
          ],
        },
      },
    ],
    ['hostPath type', { name: 'v', hostPath: { path: '/data' } }, { name: 'v', hostPath: { path: '/data', type: '' } }],
    ['iscsi interface', { name: 'v', iscsi: { targetPortal: 'p', iqn: 'q', lun: 0 } }, { name: 'v', iscsi: { targetPortal: 'p', iqn: 'q', lun: 0, iscsiInterface: 'default' } }],
    ['rbd', { name: 'v', rbd: { monitors: ['m'], image: 'i' } }, { name: 'v', rbd: { monitors: ['m'], image: 'i', pool: 'rbd', user: 'admin', keyring: '/etc/ceph/keyring' } }],
    [
      'azureDisk',
      { name: 'v', azureDisk: { diskName: 'd', diskURI: 'u' } },
      { name: 'v', azureDisk: { diskName: 'd', diskURI: 'u', cachingMode: 'ReadWrite', fsType: 'ext4', readOnly: false, kind: 'Shared' } },
    ],
    ['scaleIO', { name: 'v', scaleIO: { gateway: 'g', system: 's' } }, { name: 'v', scaleIO: { gateway: 'g', system: 's', storageMode: 'ThinProvisioned', fsType: 'xfs' } }],
    [
      'ephemeral claim volumeMode',
      { name: 'v', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } } },
      { name: 'v', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' } } } },
    ],
    ['persistentVolumeClaim untouched', { name: 'v', persistentVolumeClaim: { claimName: 'c' } }, { name: 'v', persistentVolumeClaim: { claimName: 'c' } }],
  ])('volume: %s', (_name, volume, expected) => {
    expect(defaultedVolume(volume)).toEqual(expected);
  });

  it('leaves a template without spec without one', () => {
    expect(withPodDefaults({ metadata: { labels: { a: 'b' } } })).toEqual({ metadata: { labels: { a: 'b' } } });
    expect(withPodDefaults({})).toEqual({});
  });

  // Generated templates: see the properties in TemplateEquality.test.ts.
  it('never changes its input, and is idempotent', () => {
    const template: PodTemplateSpec = {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            ports: [{ containerPort: 80 }],
            env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            livenessProbe: { httpGet: { port: 80 } },
            lifecycle: { preStop: { httpGet: { port: 80 } } },
          },
        ],
        initContainers: [{ name: 'init', image: 'busybox' }],
        serviceAccount: 'sa',
        volumes: [{ name: 'a' }, { name: 'b', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }],
      },
    };
    const before = JSON.stringify(template);
    const once = withPodDefaults(deepFreeze(template));
    expect(JSON.stringify(template)).toBe(before);
    expect(once).not.toEqual(template);
    expect(withPodDefaults(once)).toEqual(once);
  });
});

describe('defaultImagePullPolicy', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['library/nginx', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['nginx:LATEST', 'IfNotPresent'], // tags are case-sensitive
    [`nginx@${DIGEST}`, 'IfNotPresent'],
    [`nginx:1.25@${DIGEST}`, 'IfNotPresent'],
    [`nginx:latest@${DIGEST}`, 'Always'],
    ['localhost:5000/team/app', 'Always'], // the colon is a port, not a tag
    ['localhost:5000/team/app:v2', 'IfNotPresent'],
    ['registry.example.com/team/app:latest', 'Always'],
    ['[::1]:5000/app', 'Always'],
    ['MyRegistry/app:v1', 'IfNotPresent'], // upper case makes the first component a registry
    ['MyRegistry/app', 'Always'],
    // References the server's parser rejects have no tag at all: IfNotPresent.
    ['Nginx', 'IfNotPresent'],
    ['team/Nginx:latest', 'IfNotPresent'],
    ['', 'IfNotPresent'],
    ['nginx@sha256:abc', 'IfNotPresent'],
    [`nginx@md5:${'a'.repeat(32)}`, 'IfNotPresent'],
    ['0123456789abcdef'.repeat(4), 'IfNotPresent'],
    ['nginx:', 'IfNotPresent'],
    ['-nginx', 'IfNotPresent'],
    [`${'a'.repeat(256)}`, 'IfNotPresent'],
  ])('%j -> %s', (image, expected) => {
    expect(defaultImagePullPolicy(image)).toBe(expected);
    expect(defaultedContainer({ image }).imagePullPolicy).toBe(expected);
  });

  it('reads a missing image as IfNotPresent', () => {
    expect(defaultImagePullPolicy(undefined)).toBe('IfNotPresent');
    expect(defaultImagePullPolicy(null)).toBe('IfNotPresent');
  });
});
