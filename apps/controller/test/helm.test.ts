// The Helm chart deploy/helm/rollouts: its CRDs and rules are ours (in sync with packages/api/crds and
// manifests/base), `helm lint` passes, its default render is install.yaml object by object (minus the Namespace,
// which `helm install --create-namespace` makes, and modulo Helm's own labels), and each value set renders what it
// says. Needs the helm binary of tools/helm/build.sh (tools/test-all.sh builds it first); without it, the tests
// that run helm are skipped and say so.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either';
import YAML from 'yaml';
import { parseFlags } from '../src/Flags';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helmTools = require('../../../tools/helm/helm.js') as {
  helmBinary(): string | undefined;
  helm(args: string[]): string;
  render(values?: object, opts?: { release?: string; namespace?: string; crds?: boolean }): Obj[];
  chartDir: string;
  version: string;
  skipMessage: string;
};
const { helmBinary, helm, render, chartDir, skipMessage } = helmTools;
const root = path.resolve(__dirname, '../../..');
const installYaml = path.join(root, 'apps/controller/manifests/install.yaml');
const readAll = (file: string): Obj[] => YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as Obj).filter((d) => d != null);

const haveHelm = helmBinary() !== undefined;
if (!haveHelm) console.warn(`apps/controller/test/helm.test.ts: ${skipMessage}; the chart's render tests are skipped`);
const helmTest = haveHelm ? test : test.skip;

test('crds/ holds exactly our generated CRDs (packages/api/crds), byte for byte', () => {
  const ours = fs.readdirSync(path.join(root, 'packages/api/crds')).filter((f) => f.endsWith('.argoproj.io.yaml')).sort();
  const chart = fs.readdirSync(path.join(chartDir, 'crds')).sort();
  expect(chart).toEqual(ours);
  for (const f of ours) {
    const a = fs.readFileSync(path.join(root, 'packages/api/crds', f), 'utf8');
    const b = fs.readFileSync(path.join(chartDir, 'crds', f), 'utf8');
    if (a !== b) throw new Error(`deploy/helm/rollouts/crds/${f} differs from packages/api/crds/${f}: cp packages/api/crds/*.argoproj.io.yaml deploy/helm/rollouts/crds/`);
  }
});

test("the chart's controller rules are manifests/base/clusterrole.yaml's", () => {
  const chartRules = YAML.parse(fs.readFileSync(path.join(chartDir, 'files/controller-rules.yaml'), 'utf8')) as unknown;
  const role = YAML.parse(fs.readFileSync(path.join(root, 'apps/controller/manifests/base/clusterrole.yaml'), 'utf8')) as { rules: unknown };
  expect(chartRules).toEqual(role.rules);
});

helmTest('helm lint --strict passes, with the defaults and with a namespaced install', () => {
  expect(helm(['lint', '--strict', chartDir])).toContain('0 chart(s) failed');
  expect(helm(['lint', '--strict', chartDir, '--set', 'clusterInstall=false'])).toContain('0 chart(s) failed');
});

/** Without what Helm adds: its labels (chart, managed-by, instance, version) wherever labels are selected or set. */
function withoutHelm(o: unknown): unknown {
  const helmKeys = new Set(['helm.sh/chart', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/instance', 'app.kubernetes.io/version']);
  const walk = (v: unknown, key?: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v === null || typeof v !== 'object') return v;
    const labelMap = key === 'labels' || key === 'matchLabels' || key === 'selector';
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([k]) => !(labelMap && helmKeys.has(k))).map(([k, x]) => [k, walk(x, k)]));
  };
  return walk(o);
}
const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

helmTest('the default render (release "rollouts" in argo-rollouts) is install.yaml object by object, minus the Namespace', () => {
  const rendered = new Map(render().map((o) => [key(o), withoutHelm(o)]));
  const installed = new Map(readAll(installYaml).filter((o) => o.kind !== 'Namespace').map((o) => [key(o), o as unknown]));
  expect([...rendered.keys()].sort()).toEqual([...installed.keys()].sort());
  for (const [k, o] of installed) expect({ [k]: rendered.get(k) }).toEqual({ [k]: o });
  // Helm's labels are there, and the selectors include the release (two releases never select each other's pods).
  const dep = render().find((o) => o.kind === 'Deployment')!;
  expect(dep.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'rollouts', 'helm.sh/chart': 'rollouts-0.1.0' });
  expect((dep['spec'] as { selector: unknown }).selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'rollouts-controller', 'app.kubernetes.io/instance': 'rollouts' } });
});

type Dep = Obj & { spec: { replicas: number; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: { serviceAccountName: string; containers: Array<{ image: string; imagePullPolicy: string; args: string[]; resources: unknown; env: Array<{ name: string }> }> } } } };
const deploymentOf = (objs: Obj[]) => objs.find((o) => o.kind === 'Deployment') as Dep;
const container = (objs: Obj[]) => deploymentOf(objs).spec.template.spec.containers[0]!;
const flagsOf = (objs: Obj[], ns = 'argo-rollouts') => {
  const parsed = parseFlags(container(objs).args, { POD_NAMESPACE: ns });
  if (E.isLeft(parsed)) throw new Error(`the rendered args do not parse: ${parsed.left}`);
  return parsed.right;
};
const kinds = (objs: Obj[]) => objs.filter((o) => o.kind !== 'CustomResourceDefinition').map((o) => `${o.kind}/${o.metadata.name}`).sort();

helmTest('a namespaced install: a Role and RoleBinding with the same rules, --namespaced, no cluster-wide object but the CRDs', () => {
  const objs = render({ clusterInstall: false }, { release: 'team-a', namespace: 'team-a' });
  expect(kinds(objs)).toEqual(['Deployment/team-a-controller', 'Role/team-a-controller', 'Role/team-a-controller-config', 'Role/team-a-controller-leader-election', 'RoleBinding/team-a-controller', 'RoleBinding/team-a-controller-config', 'RoleBinding/team-a-controller-leader-election', 'Service/team-a-controller-metrics', 'ServiceAccount/team-a-controller']);
  for (const o of objs) if (o.kind !== 'CustomResourceDefinition') expect(`${key(o)} ${o.metadata.namespace}`).toBe(`${key(o)} team-a`);
  const role = objs.find((o) => o.kind === 'Role' && o.metadata.name === 'team-a-controller')!;
  expect(role['rules']).toEqual(YAML.parse(fs.readFileSync(path.join(chartDir, 'files/controller-rules.yaml'), 'utf8')));
  expect(objs.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'team-a-controller')!['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'team-a-controller', namespace: 'team-a' }]);
  expect(flagsOf(objs, 'team-a')).toMatchObject({ namespace: 'team-a', leaderElect: true });
});

helmTest('image, replicas, leader election, logging, instance id, extra args and env, resources, pod metadata', () => {
  const objs = render({
    controller: {
      replicas: 1,
      leaderElection: { enabled: false },
      image: { registry: 'registry.example.com', repository: 'platform/rollouts', tag: '1.2.3', pullPolicy: 'Always' },
      logging: { format: 'text', level: 'debug' },
      instanceID: 'blue',
      extraArgs: ['--rollout-threads=4'],
      extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=400' }],
      resources: { requests: { cpu: '50m', memory: '64Mi' } },
      podAnnotations: { 'example.com/a': 'b' },
      podLabels: { team: 'platform' },
    },
  });
  const d = deploymentOf(objs);
  const c = container(objs);
  expect(d.spec.replicas).toBe(1);
  expect(c.image).toBe('registry.example.com/platform/rollouts:1.2.3');
  expect(c.imagePullPolicy).toBe('Always');
  // Helm merges maps: the default limit stays unless set to null.
  expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '512Mi' } });
  expect(c.env.map((e) => e.name)).toEqual(['POD_NAMESPACE', 'POD_NAME', 'NODE_OPTIONS']);
  expect(d.spec.template.metadata.annotations).toEqual({ 'example.com/a': 'b' });
  expect(d.spec.template.metadata.labels).toMatchObject({ team: 'platform', 'app.kubernetes.io/name': 'rollouts-controller' });
  expect(flagsOf(objs)).toMatchObject({ leaderElect: false, logFormat: 'text', logLevel: 'debug', instanceId: 'blue', rolloutThreads: 4 });
  // No Lease, no Lease Role.
  expect(kinds(objs).filter((k) => k.includes('leader-election'))).toEqual([]);
});

helmTest('more than one replica without leader election is refused', () => {
  expect(() => render({ controller: { replicas: 2, leaderElection: { enabled: false } } })).toThrow(/needs controller.leaderElection.enabled/);
});

helmTest('metrics: the Service can be turned off; the ServiceMonitor selects it', () => {
  expect(kinds(render({ controller: { metrics: { enabled: false } } }))).not.toContain('Service/rollouts-controller-metrics');
  const objs = render({ controller: { metrics: { serviceMonitor: { enabled: true, interval: '15s', additionalLabels: { release: 'prom' } } } } });
  const sm = objs.find((o) => o.kind === 'ServiceMonitor')!;
  const svc = objs.find((o) => o.kind === 'Service')!;
  expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
  expect(sm.metadata.labels).toMatchObject({ release: 'prom' });
  expect(sm['spec']).toEqual({ namespaceSelector: { matchNames: ['argo-rollouts'] }, selector: { matchLabels: (svc['spec'] as { selector: unknown }).selector }, endpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }] });
  expect(() => render({ controller: { metrics: { enabled: false, serviceMonitor: { enabled: true } } } })).toThrow(/needs controller.metrics.enabled/);
});

helmTest('argo-rollouts-config carries the plugin configuration, only when some is given', () => {
  expect(kinds(render())).not.toContain('ConfigMap/argo-rollouts-config');
  const plugins = [{ name: 'argoproj-labs/gatewayAPI', location: 'https://example.com/gateway-api-plugin' }];
  const cm = render({ controller: { trafficRouterPlugins: plugins, config: { 'some-key': 'v' } } }).find((o) => o.kind === 'ConfigMap')!;
  expect(cm.metadata).toMatchObject({ name: 'argo-rollouts-config', namespace: 'argo-rollouts' });
  const data = cm['data'] as Record<string, string>;
  expect(YAML.parse(data['trafficRouterPlugins']!)).toEqual(plugins);
  expect(data['some-key']).toBe('v');
});

helmTest('notifications: ConfigMap and Secret under Argo\'s names when asked for', () => {
  expect(kinds(render()).filter((k) => k.includes('notification'))).toEqual([]);
  const objs = render({ notifications: { configmap: { create: true }, secret: { create: true, items: { 'slack-token': 'xoxb-1' } }, templates: { 'template.rollout-completed': 'message: done' } } });
  const cm = objs.find((o) => o.kind === 'ConfigMap')!;
  const secret = objs.find((o) => o.kind === 'Secret')!;
  expect(cm.metadata.name).toBe('argo-rollouts-notification-configmap');
  expect(cm['data']).toEqual({ 'template.rollout-completed': 'message: done' });
  expect(secret.metadata.name).toBe('argo-rollouts-notification-secret');
  expect(secret['stringData']).toEqual({ 'slack-token': 'xoxb-1' });
});

helmTest('RBAC: extra rules are appended; an existing ServiceAccount can be used; rbac.create=false renders no role', () => {
  const extra = { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'update'] };
  const role = render({ rbac: { extraRules: [extra] } }).find((o) => o.kind === 'ClusterRole')!;
  expect((role['rules'] as unknown[]).at(-1)).toEqual(extra);
  const objs = render({ serviceAccount: { create: false, name: 'existing' }, rbac: { create: false } });
  expect(kinds(objs)).toEqual(['Deployment/rollouts-controller', 'Service/rollouts-controller-metrics']);
  expect(deploymentOf(objs).spec.template.spec.serviceAccountName).toBe('existing');
  expect(() => render({ serviceAccount: { create: false } })).toThrow(/serviceAccount.name is required/);
});

helmTest('fullnameOverride names every object', () => {
  expect(kinds(render({ fullnameOverride: 'argo-rollouts' }))).toEqual([
    'ClusterRole/argo-rollouts', 'ClusterRoleBinding/argo-rollouts', 'Deployment/argo-rollouts', 'Role/argo-rollouts-config', 'Role/argo-rollouts-leader-election', 'RoleBinding/argo-rollouts-config', 'RoleBinding/argo-rollouts-leader-election', 'Service/argo-rollouts-metrics', 'ServiceAccount/argo-rollouts',
  ]);
});
