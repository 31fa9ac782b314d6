// The install manifests: current with their sources, their Deployment runs with valid flags and probes the
// endpoints the app serves, and the ClusterRole grants what the controller does (and no write it never makes).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either';
import YAML from 'yaml';
import { parseFlags } from '../src/Flags';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { installYaml, target } = require('../scripts/gen-install.js') as { installYaml(): string; target: string };

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  spec?: { template: { spec: { containers: Array<{ args: string[]; livenessProbe: { httpGet: { path: string; port: string } }; readinessProbe: { httpGet: { path: string; port: string } }; ports: Array<{ name: string; containerPort: number }> }> } } };
}
const docs = (): Doc[] => YAML.parseAllDocuments(fs.readFileSync(target, 'utf8')).map((d) => d.toJS() as Doc);

test('install.yaml is generated from the CRDs and manifests/base (npm run gen:install)', () => {
  expect(fs.readFileSync(target, 'utf8')).toBe(installYaml());
  expect(docs().filter((d) => d.kind === 'CustomResourceDefinition').map((d) => d.metadata.name)).toEqual([
    'rollouts.argoproj.io',
    'analysistemplates.argoproj.io',
    'clusteranalysistemplates.argoproj.io',
    'analysisruns.argoproj.io',
    'experiments.argoproj.io',
  ]);
});

test('the Deployment passes valid flags and probes /healthz and /readyz on the healthz port', () => {
  const d = docs().find((x) => x.kind === 'Deployment')!;
  const c = d.spec!.template.spec.containers[0]!;
  const parsed = parseFlags(c.args, { POD_NAMESPACE: d.metadata.namespace! });
  expect(E.isRight(parsed) && parsed.right).toMatchObject({ leaderElect: true, leaderElectionNamespace: 'argo-rollouts', healthzPort: 8080, metricsPort: 8090 });
  expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'healthz' });
  expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'healthz' });
  expect(c.ports).toEqual([
    { name: 'metrics', containerPort: 8090 },
    { name: 'healthz', containerPort: 8080 },
  ]);
});

// What the controller does, by (group, resource): every verb here must be granted, and nothing else may write.
const USED: Record<string, string[]> = {
  // patch: the release finalizer and the notifications annotation (metadata only).
  'argoproj.io/rollouts': ['get', 'list', 'watch', 'patch'],
  // patch: the ReconciliationError condition (ReconcilePanics.ts) and an unreadable Rollout's InvalidSpec (Unreadable.ts).
  'argoproj.io/rollouts/status': ['update', 'patch'],
  'argoproj.io/analysisruns': ['list', 'watch', 'create', 'update', 'patch', 'delete'],
  'argoproj.io/experiments': ['list', 'watch', 'create', 'update', 'patch', 'delete'],
  'argoproj.io/analysistemplates': ['list', 'watch'],
  'argoproj.io/clusteranalysistemplates': ['list', 'watch'],
  'apps/replicasets': ['list', 'watch', 'create', 'patch', 'delete'],
  'apps/deployments': ['list', 'watch', 'patch'],
  '/services': ['list', 'watch', 'patch', 'create', 'delete'],
  // patch: ephemeral metadata moved onto running pods.
  '/pods': ['list', 'patch'],
  '/pods/eviction': ['create'],
  '/secrets': ['get'],
  '/events': ['create', 'patch'],
  // Plugins, through KubeObjectClient (each router's and provider's calls).
  'batch/jobs': ['create', 'get', 'list', 'delete'],
  'networking.k8s.io/ingresses': ['get', 'create', 'patch', 'delete'],
  'networking.istio.io/virtualservices': ['get', 'update'],
  'networking.istio.io/destinationrules': ['get', 'update'],
  'split.smi-spec.io/trafficsplits': ['get', 'create', 'patch'],
  'traefik.io/traefikservices': ['get', 'update'],
  'traefik.containo.us/traefikservices': ['get', 'update'],
  'getambassador.io/mappings': ['get', 'create', 'update', 'delete'],
  'apisix.apache.org/apisixroutes': ['get', 'create', 'update', 'delete'],
  'appmesh.k8s.aws/virtualservices': ['get'],
  'appmesh.k8s.aws/virtualrouters': ['get', 'update'],
  'appmesh.k8s.aws/virtualnodes': ['get', 'update'],
  'gateway.networking.k8s.io/httproutes': ['get', 'list', 'update'],
  'gateway.networking.k8s.io/grpcroutes': ['get', 'list', 'update'],
  'gateway.networking.k8s.io/tcproutes': ['get', 'list', 'update'],
  'gateway.networking.k8s.io/tlsroutes': ['get', 'list', 'update'],
};

test('the ClusterRole grants what the controller uses, with no write beyond it; the Lease is a namespaced Role', () => {
  const role = docs().find((x) => x.kind === 'ClusterRole')!;
  const granted = new Map<string, Set<string>>();
  for (const r of role.rules ?? []) for (const g of r.apiGroups) for (const res of r.resources) granted.set(`${g}/${res}`, new Set([...(granted.get(`${g}/${res}`) ?? []), ...r.verbs]));
  for (const [resource, verbs] of Object.entries(USED)) for (const v of verbs) expect(`${resource} ${v}: ${String(granted.get(resource)?.has(v) ?? false)}`).toBe(`${resource} ${v}: true`);
  const writes = ['create', 'update', 'patch', 'delete', 'deletecollection', '*'];
  for (const [resource, verbs] of granted) for (const v of verbs) if (writes.includes(v)) expect(USED[resource] ?? []).toContain(v);
  expect([...granted.keys()].some((k) => k.includes('leases'))).toBe(false);
  const lease = docs().find((x) => x.kind === 'Role')!;
  expect(lease.metadata.namespace).toBe('argo-rollouts');
  expect(lease.rules).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
});

test('the kustomization lists the same objects as install.yaml', () => {
  const dir = path.join(path.dirname(target), 'base');
  const listed = (YAML.parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] }).resources;
  expect(listed.sort()).toEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort());
});
