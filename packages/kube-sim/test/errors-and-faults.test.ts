// Status errors for every code the simulator produces, fault injection, and the request log.
import * as k8s from '@kubernetes/client-node';
import { startHarness, Harness, failure, mergePatch } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workloads: false, seed: 7 });
});
afterAll(async () => {
  await h.sim.stop();
});
afterEach(() => h.sim.inject.clear());

const ns = 'default';

async function raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, any>; headers: Headers }> {
  const r = await fetch(h.sim.url + path, {
    method,
    headers: { Authorization: `Bearer ${h.sim.token}`, 'Content-Type': 'application/json', ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: r.status, json: (await r.json()) as Record<string, any>, headers: r.headers };
}

describe('Status errors', () => {
  it.each([
    ['400 for a body that is not JSON', 'POST', '/api/v1/namespaces/default/configmaps', '{', 400, 'BadRequest'],
    ['400 for a kind that does not match the URL', 'POST', '/api/v1/namespaces/default/configmaps', { kind: 'Secret', metadata: { name: 'x' } }, 400, 'BadRequest'],
    ['404 for an unknown resource', 'GET', '/api/v1/namespaces/default/widgets', undefined, 404, 'NotFound'],
    ['404 for an unknown group', 'GET', '/apis/nope.example.com/v1', undefined, 404, 'NotFound'],
    ['404 for a subresource the type lacks', 'GET', '/api/v1/namespaces/default/configmaps/x/status', undefined, 404, 'NotFound'],
    ['405 for POST to a named object', 'POST', '/api/v1/namespaces/default/configmaps/x', { metadata: { name: 'x' } }, 405, 'MethodNotAllowed'],
    ['405 for PATCH of a collection', 'PATCH', '/api/v1/namespaces/default/configmaps', {}, 405, 'MethodNotAllowed'],
    ['415 for an unknown patch type', 'PATCH', '/api/v1/namespaces/default/configmaps/x', {}, 415, 'UnsupportedMediaType'],
  ])('%s', async (_name, method, path, body, code, reason) => {
    const r = await raw(method, path, body);
    expect(r.status).toBe(code);
    expect(r.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  });

  it('401 without the token, while /version and /healthz stay open', async () => {
    const bad = new k8s.KubeConfig();
    bad.loadFromOptions({ ...h.sim.kubeConfig, users: [{ name: 'kube-sim', token: 'wrong' }] });
    const f = await failure(() => bad.makeApiClient(k8s.CoreV1Api).listNamespace());
    expect(f.code).toBe(401);
    expect((await fetch(`${h.sim.url}/version`)).status).toBe(200);
    expect((await fetch(`${h.sim.url}/healthz`)).status).toBe(200);
  });

  it('429 with Retry-After, 500 and 503 from injected faults', async () => {
    h.sim.inject.error({ verb: 'list', resource: 'configmaps', code: 429, retryAfterSeconds: 3, times: 1 });
    const tooMany = await failure(() => h.core.listNamespacedConfigMap({ namespace: ns }));
    expect(tooMany.code).toBe(429);
    expect(tooMany.status).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
    expect(tooMany.headers['retry-after']).toBe('3');
    // times: 1 -> the next call goes through
    await h.core.listNamespacedConfigMap({ namespace: ns });
    h.sim.inject.error({ verb: 'get', code: 500, times: 1 });
    const internal = await failure(() => h.core.readNamespace({ name: 'default' }));
    expect(internal.code).toBe(500);
    expect(internal.status.reason).toBe('InternalError');
    h.sim.inject.error({ verb: 'create', resource: 'secrets', code: 503 });
    expect((await failure(() => h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 's' } } }))).code).toBe(503);
  });
});

describe('fault injection', () => {
  it('forces conflicts on writes of one resource only', async () => {
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'fc' } } });
    const handle = h.sim.inject.conflict({ resource: 'configmaps', name: 'fc', times: 2 });
    const a = await failure(() => h.core.patchNamespacedConfigMap({ namespace: ns, name: 'fc', body: { data: { a: '1' } } }, mergePatch));
    expect(a.code).toBe(409);
    expect(a.status.reason).toBe('Conflict');
    expect((await failure(() => h.core.patchNamespacedConfigMap({ namespace: ns, name: 'fc', body: { data: { a: '1' } } }, mergePatch))).code).toBe(409);
    // third time lucky, and reads were never affected
    await h.core.readNamespacedConfigMap({ namespace: ns, name: 'fc' });
    const ok = await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'fc', body: { data: { a: '1' } } }, mergePatch);
    expect(ok.data).toEqual({ a: '1' });
    expect(handle.hits()).toBe(2);
  });

  it('fails about the requested share of requests, reproducibly for a seed', async () => {
    h.sim.inject.error({ verb: 'get', resource: 'namespaces', code: 500, rate: 0.3 });
    let failures = 0;
    for (let i = 0; i < 60; i++) {
      try {
        await h.core.readNamespace({ name: 'default' });
      } catch {
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(6);
    expect(failures).toBeLessThan(36);
  });

  it('adds latency to matching requests only', async () => {
    h.sim.inject.latency({ verb: 'list', resource: 'secrets', ms: 150 });
    const t0 = Date.now();
    await h.core.listNamespacedSecret({ namespace: ns });
    const slow = Date.now() - t0;
    const t1 = Date.now();
    await h.core.listNamespacedConfigMap({ namespace: ns });
    const fast = Date.now() - t1;
    expect(slow).toBeGreaterThanOrEqual(140);
    expect(fast).toBeLessThan(140);
    expect(h.sim.requestLog.entries({ verb: 'list', resource: 'secrets' }).slice(-1)[0]?.fault).toMatch(/^latency/);
  });
});

describe('request log', () => {
  it('records verb, resource, subresource, name, code and bytes, and counts writes by bucket', async () => {
    const mark = h.sim.requestLog.mark();
    await h.apps.createNamespacedDeployment({
      namespace: ns,
      body: { metadata: { name: 'logged' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } },
    });
    await h.apps.readNamespacedDeployment({ namespace: ns, name: 'logged' });
    await h.apps.patchNamespacedDeploymentScale({ namespace: ns, name: 'logged', body: { spec: { replicas: 3 } } }, mergePatch);
    await h.apps.patchNamespacedDeploymentStatus({ namespace: ns, name: 'logged', body: { status: { replicas: 3 } } }, mergePatch);
    await failure(() => h.apps.readNamespacedDeployment({ namespace: ns, name: 'missing' }));
    await h.apps.deleteNamespacedDeployment({ namespace: ns, name: 'logged' });

    const entries = h.sim.requestLog.entries({ since: mark });
    expect(entries.map((e) => [e.verb, e.resource, e.subresource, e.name, e.code])).toEqual([
      ['create', 'deployments', '', '', 201],
      ['get', 'deployments', '', 'logged', 200],
      ['patch', 'deployments', 'scale', 'logged', 200],
      ['patch', 'deployments', 'status', 'logged', 200],
      ['get', 'deployments', '', 'missing', 404],
      ['delete', 'deployments', '', 'logged', 200],
    ]);
    expect(entries.every((e) => e.bytes > 0 && e.group === 'apps' && e.namespace === ns)).toBe(true);
    expect(entries[0]!.requestBytes).toBeGreaterThan(0);
    expect(h.sim.requestLog.writes({ since: mark })).toBe(4);
    expect(h.sim.requestLog.countsByBucket({ since: mark, writes: true })).toEqual({
      'create deployments.apps': 1,
      'patch deployments.apps/scale': 1,
      'patch deployments.apps/status': 1,
      'delete deployments.apps': 1,
    });
    expect(h.sim.requestLog.totals()['get deployments.apps']).toBeGreaterThanOrEqual(2);
  });

  it('exposes counts over HTTP for CLI users', async () => {
    const r = await raw('GET', '/kube-sim/requests');
    expect(r.status).toBe(200);
    expect(r.json['total']).toBeGreaterThan(0);
    expect(r.json['byBucket']['create deployments.apps']).toBeGreaterThanOrEqual(1);
  });
});
