// Real target only: the install manifests (apps/controller/manifests/install.yaml) and the Helm chart's renders
// (deploy/helm/rollouts) are accepted by a real API server (server-side apply with dryRun=All: validated, admitted,
// nothing stored), and the ServiceAccount they create may do what the controller does and not more (SubjectAccessReview).
// The whole end-to-end suite proves the rules in use: tools/kube/test-real.sh runs it with E2E_CONTROLLER_AUTH=serviceaccount,
// the controllers holding that ServiceAccount's token (harness.ts).
import { endpointFromKubeconfig, KubeHttp } from './KubeHttp';
import { installManifests, objectPath, realKubeconfig, serverSideApply, TARGET } from './harness';
import type { KubeObject } from '@rollouts/kube-sim';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helmTools = require('../../../tools/helm/helm.js') as {
  helmBinary(): string | undefined;
  render(values?: object, opts?: { release?: string; namespace?: string; crds?: boolean }): KubeObject[];
  skipMessage: string;
};

const real = TARGET === 'real';
if (!real) process.stdout.write('controller e2e: rbac-install.test.ts runs on the real control plane only (E2E_TARGET=real): kube-sim has no RBAC and no admission\n');
// Many API requests per test (every rule's SubjectAccessReview): well past jest's 5 s default on a busy machine.
jest.setTimeout(60_000);

const realTest = real ? test : test.skip;
const helmTest = real && helmTools.helmBinary() !== undefined ? test : test.skip;
if (real && helmTools.helmBinary() === undefined) process.stdout.write(`controller e2e: the chart's renders are not sent to the API server: ${helmTools.skipMessage}\n`);

let http: KubeHttp;
const ns = `e2e-rbac-install-${Math.random().toString(36).slice(2, 8)}`;
beforeAll(async () => {
  if (!real) return;
  http = new KubeHttp(endpointFromKubeconfig(realKubeconfig()));
  await http.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'rollouts-e2e': 'true' } } });
});
afterAll(async () => {
  if (!real) return;
  await http.request('DELETE', `/api/v1/namespaces/${ns}`);
  http.close();
});

/** Every object, in order, with dryRun=All; the failures, as `kind/name: status message`. */
async function dryRunApply(objs: readonly KubeObject[]): Promise<string[]> {
  const failures: string[] = [];
  for (const o of objs) {
    const res = await http.request('PATCH', `${objectPath(o)}?fieldManager=rollouts-e2e&force=true&dryRun=All`, o, 'application/apply-patch+yaml');
    if (res.status >= 300) failures.push(`${o.kind}/${o.metadata.name ?? ''}: ${res.status} ${res.text.slice(0, 300)}`);
  }
  return failures;
}
const into = (o: KubeObject): KubeObject => {
  const copy = JSON.parse(JSON.stringify(o)) as KubeObject & { subjects?: Array<{ namespace?: string }> };
  if (copy.metadata.namespace !== undefined) copy.metadata.namespace = ns;
  copy.subjects?.forEach((s) => { if (s.namespace !== undefined) s.namespace = ns; });
  return copy;
};

realTest('install.yaml is accepted by the API server (dryRun=All), its namespace moved to a test namespace', async () => {
  const objs = installManifests().filter((o) => o.kind !== 'Namespace').map(into);
  expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(['CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment', 'Service']));
  expect(await dryRunApply(objs)).toEqual([]);
});

helmTest('the chart renders (defaults, a namespaced install, every toggle on) are accepted by the API server (dryRun=All)', async () => {
  const sets: Array<[string, object]> = [
    ['defaults', {}],
    ['namespaced', { clusterInstall: false }],
    ['toggles', {
      controller: { replicas: 1, leaderElection: { enabled: false }, instanceID: 'x', extraArgs: ['--rollout-threads=4'], trafficRouterPlugins: [{ name: 'a/b', location: 'file:///p' }] },
      notifications: { configmap: { create: true }, secret: { create: true, items: { token: 't' } }, templates: { 'template.a': 'message: a' } },
      rbac: { extraRules: [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get'] }] },
    }],
  ];
  for (const [name, values] of sets) {
    // A release name of its own per set, so the cluster-wide objects are new ones (no ServiceMonitor CRD here).
    const objs = helmTools.render(values, { release: `e2e-${name}`, namespace: ns });
    expect({ [name]: await dryRunApply(objs) }).toEqual({ [name]: [] });
  }
});

realTest('the ServiceAccount may do what the controller does, and no more (SubjectAccessReview)', async () => {
  const role = installManifests().find((o) => o.kind === 'ClusterRole') as KubeObject & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
  const sa = installManifests().find((o) => o.kind === 'ServiceAccount')!;
  // Bind it for real (in the test namespace, deleted with it) under a name of its own.
  const user = `system:serviceaccount:${ns}:${sa.metadata.name ?? ''}`;
  await serverSideApply(http, into(sa));
  // The ClusterRole itself (cluster-scoped, the same object the ServiceAccount-token runs of the harness apply): this
  // file may run before any of them.
  await serverSideApply(http, role);
  await serverSideApply(http, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `${ns}-controller` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name }, subjects: [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: ns }] } as unknown as KubeObject);
  try {
    const can = async (group: string, resource: string, verb: string, namespace = 'some-namespace') => {
      const [res, sub] = resource.split('/');
      const r = await http.json<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], resourceAttributes: { group, resource: res, ...(sub !== undefined ? { subresource: sub } : {}), verb, namespace } },
      });
      return `${group}/${resource} ${verb}: ${r.status.allowed}`;
    };
    // The authorizer sees a new binding through its informer: wait until the first rule is in effect.
    const first = role.rules[0]!;
    const until = Date.now() + 15_000;
    while ((await can(first.apiGroups[0]!, first.resources[0]!, first.verbs[0]!)).endsWith('false') && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    for (const rule of role.rules) for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) expect(await can(g, r, v)).toBe(`${g}/${r} ${v}: true`);
    for (const [g, r, v] of [['', 'secrets', 'list'], ['', 'secrets', 'update'], ['', 'configmaps', 'update'], ['rbac.authorization.k8s.io', 'clusterroles', 'create'], ['argoproj.io', 'rollouts', 'update'], ['', 'pods', 'delete'], ['coordination.k8s.io', 'leases', 'update']] as const) {
      expect(await can(g, r, v)).toBe(`${g}/${r} ${v}: false`);
    }
  } finally {
    await http.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${ns}-controller`);
  }
});
