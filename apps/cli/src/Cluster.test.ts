import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either';
import { Resources } from '@rollouts/k8s';
import { clusterErrorMessage, connect, errorFromResponse, type RequestDescription } from './Cluster';

const SERVER = 'https://k8s.example.com:6443';
const patchStatus: RequestDescription = { verb: 'patch', kind: Resources.rollouts, namespace: 'shop', name: 'demo', subresource: 'status' };
const getRollout: RequestDescription = { verb: 'get', kind: Resources.rollouts, namespace: 'shop', name: 'demo' };
const listAll: RequestDescription = { verb: 'list', kind: Resources.rollouts };

describe('errors in the user\'s terms', () => {
  it.each<[string, number, unknown, RequestDescription, string]>([
    ['a missing rollout', 404, { kind: 'Status', message: 'rollouts.argoproj.io "demo" not found' }, getRollout, 'rollout "demo" not found in namespace "shop"'],
    [
      'a create in a namespace that does not exist names the namespace, not the object',
      404,
      { kind: 'Status', message: 'namespaces "quickstart" not found', details: { name: 'quickstart', kind: 'namespaces' } },
      { verb: 'create', kind: Resources.services, namespace: 'quickstart', name: 'hello-stable' },
      'namespace "quickstart" does not exist (create it with: kubectl create namespace quickstart)',
    ],
    ['a missing CRD (list answers 404)', 404, {}, listAll, 'the server has no resource "rollouts" (argoproj.io/v1alpha1): are the CRDs installed?'],
    [
      'a forbidden status patch names verb, resource, group and namespace',
      403,
      { kind: 'Status', message: 'rollouts.argoproj.io "demo" is forbidden: User "ci" cannot patch resource "rollouts/status" in API group "argoproj.io" in the namespace "shop"' },
      patchStatus,
      'forbidden: your RBAC role is missing verb "patch" on resource "rollouts/status" (API group "argoproj.io") in namespace "shop"; the server said: rollouts.argoproj.io "demo" is forbidden: User "ci" cannot patch resource "rollouts/status" in API group "argoproj.io" in the namespace "shop"',
    ],
    ['a forbidden list across namespaces', 403, '', listAll, 'forbidden: your RBAC role is missing verb "list" on resource "rollouts" (API group "argoproj.io") in all namespaces (cluster-wide); the server said: HTTP 403'],
    ['bad credentials name the server', 401, { message: 'Unauthorized' }, getRollout, `the cluster at ${SERVER} did not accept the credentials of the kubeconfig (401 Unauthorized): Unauthorized`],
    ['a conflict', 409, { message: 'the object has been modified' }, patchStatus, 'patch status of rollout "demo" in namespace "shop": conflict: the object has been modified'],
    ['an invalid patch', 422, { message: 'spec.replicas: Invalid value: -1' }, getRollout, 'get rollout "demo" in namespace "shop": spec.replicas: Invalid value: -1 (HTTP 422)'],
  ])('%s', (_, code, body, req, message) => {
    expect(clusterErrorMessage(errorFromResponse(code, body, req, SERVER))).toBe(message);
  });
});

describe('connect', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-test-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = (file: string, server: string, namespace?: string) => {
    const f = path.join(dir, file);
    fs.writeFileSync(
      f,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: a\n  cluster: { server: "${server}", insecure-skip-tls-verify: true }`,
        `- name: b\n  cluster: { server: "https://b.example.com" }`,
        'users:',
        '- name: u\n  user: { token: t }',
        'contexts:',
        `- name: one\n  context: { cluster: a, user: u${namespace !== undefined ? `, namespace: ${namespace}` : ''} }`,
        '- name: two\n  context: { cluster: b, user: u, namespace: team-b }',
        'current-context: one',
      ].join('\n'),
    );
    return f;
  };

  it.each<[string, { namespace?: string; context?: string }, string | undefined, { namespace: string; server: string }]>([
    ['the context namespace', {}, 'shop', { namespace: 'shop', server: 'https://a.example.com' }],
    ['default when the context has none', {}, undefined, { namespace: 'default', server: 'https://a.example.com' }],
    ['-n wins', { namespace: 'other' }, 'shop', { namespace: 'other', server: 'https://a.example.com' }],
    ['--context switches cluster and namespace', { context: 'two' }, 'shop', { namespace: 'team-b', server: 'https://b.example.com' }],
  ])('%s', (name, opts, ns, want) => {
    const file = kubeconfig(`${name.replace(/\W/g, '')}.yaml`, 'https://a.example.com', ns);
    const c = connect({ kubeconfig: file, ...opts });
    expect(E.isRight(c) && { namespace: c.right.namespace, server: c.right.server }).toEqual(want);
  });

  it('reads $KUBECONFIG when no --kubeconfig is given', () => {
    const file = kubeconfig('env.yaml', 'https://from-env.example.com', 'envns');
    const saved = process.env['KUBECONFIG'];
    process.env['KUBECONFIG'] = file;
    try {
      const c = connect({});
      expect(E.isRight(c) && [c.right.server, c.right.namespace]).toEqual(['https://from-env.example.com', 'envns']);
    } finally {
      if (saved === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = saved;
    }
  });

  it('names an unknown context and the contexts there are', () => {
    const c = connect({ kubeconfig: kubeconfig('ctx.yaml', 'https://a.example.com'), context: 'three' });
    expect(E.isLeft(c) && clusterErrorMessage(c.left)).toBe('cannot load kubeconfig: kubeconfig has no context "three" (contexts: one, two)');
  });

  it('names the server it cannot reach', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const c = connect({ kubeconfig: kubeconfig('down.yaml', `http://127.0.0.1:${port}`) });
    if (E.isLeft(c)) throw new Error('connect failed');
    const r = await c.right.get(Resources.rollouts, 'default', 'demo');
    expect(E.isLeft(r) && clusterErrorMessage(r.left)).toBe(`cannot reach the cluster at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});
