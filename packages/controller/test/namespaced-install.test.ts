// Real target only: the chart's namespaced install (`clusterInstall: false`: a Role and RoleBinding in the release
// namespace, the controller started with --namespaced) is enough for a controller to take a canary from its first
// deploy through an update, a pause and `promote` to Healthy (with --namespaced's options: one namespace, no
// ClusterAnalysisTemplates, which are cluster-scoped; Argo #818). The controller holds the token of the chart's
// ServiceAccount, bound only by the chart's Roles, so any cluster-scoped request it made would be refused (403) and
// the Rollout would not get there.
import { loadKubeConfig } from '@rollouts/k8s';
import { kubeConfigOptions, type KubeObject } from '@rollouts/kube-sim';
import { endpointFromKubeconfig } from './KubeHttp';
import { canaryRollout, deploy, promote, realKubeconfig, serverSideApply, setImage, startEnv, TARGET, waitHealthy, waitStatus, type Env } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helmTools = require('../../../tools/helm/helm.js') as {
  helmBinary(): string | undefined;
  render(values?: object, opts?: { release?: string; namespace?: string; crds?: boolean }): KubeObject[];
  skipMessage: string;
};

const real = TARGET === 'real';
const why = !real ? 'runs on the real control plane only (E2E_TARGET=real): kube-sim has no RBAC' : helmTools.helmBinary() === undefined ? helmTools.skipMessage : '';
if (why !== '') process.stdout.write(`controller e2e: namespaced-install.test.ts skipped: ${why}\n`);
const run = why === '' ? test : test.skip;
jest.setTimeout(60_000);

let env: Env | undefined;
afterAll(async () => {
  await env?.stop();
});

run('a controller with only the namespaced chart install\'s Roles takes a canary to Healthy through a pause and promote', async () => {
  env = await startEnv({ noController: true });
  const ns = env.ns;
  const objs = helmTools.render({ clusterInstall: false }, { release: 'e2e-nsd', namespace: ns });
  const kinds = objs.map((o) => o.kind);
  expect(kinds).not.toContain('ClusterRole');
  expect(kinds).not.toContain('ClusterRoleBinding');
  const rbac = objs.filter((o) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind ?? ''));
  expect(rbac.map((o) => o.kind)).toEqual(expect.arrayContaining(['ServiceAccount', 'Role', 'RoleBinding']));
  for (const o of rbac) await serverSideApply(env.http, o);
  const sa = rbac.find((o) => o.kind === 'ServiceAccount')!;
  const deployment = objs.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ args?: string[] }> } } } };
  // The chart starts the controller namespaced, as this test does.
  expect(deployment.spec.template.spec.containers[0]!.args).toContain('--namespaced');
  const token = await env.http.json<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa.metadata.name ?? ''}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  const server = endpointFromKubeconfig(realKubeconfig()).server;
  // The authorizer sees new bindings through its informer: the controller's first lists may be refused for a moment,
  // which it retries like any other error.
  await env.startController({ kubeConfig: loadKubeConfig({ options: kubeConfigOptions(server, token.status.token, 'e2e-namespaced') }), namespace: ns, clusterAnalysisTemplates: false });

  await deploy(env, canaryRollout('nsd', [{ setWeight: 50 }, { pause: {} }], { replicas: 2 }), ['nsd-stable', 'nsd-canary']);
  await setImage(env, 'nsd', 'demo:2');
  await waitStatus(env, 'nsd', 'paused at the indefinite pause', (s) => s.currentStepIndex === 1 && (s.pauseConditions?.length ?? 0) > 0, 60_000);
  await promote(env, 'nsd');
  const done = await waitHealthy(env, 'nsd', 60_000);
  expect(done.status?.stableRS).toBe(done.status?.currentPodHash);
});
