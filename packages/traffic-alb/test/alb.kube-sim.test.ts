// The alb router against kube-sim: real Ingress objects over HTTP (merge patches of annotations and rules),
// verifyWeight through the recorded-contract fake of AWS.
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { Rollout } from '@rollouts/api';
import { createKubeObjectClient, loadKubeConfig } from '@rollouts/k8s';
import { startKubeSim, type KubeSim, type KubeObject as SimObject } from '@rollouts/kube-sim';
import type { KubeObject, KubeObjectClient, RoutingContext } from '@rollouts/plugin-sdk';
import { describeRouterConformance, eventually, expectRight as ok, silentLogger } from '@rollouts/plugin-sdk/testing';
import { albRouter } from '../src';
import { RecordedContractTargetGroupReader, recordingFor } from './RecordedContractTargetGroupReader';

const P = 'alb.ingress.kubernetes.io';
const MANAGED = 'rollouts.argoproj.io/managed-alb-annotations';
const quiet = silentLogger;
const rolloutCrd = YAML.parse(fs.readFileSync(path.join(__dirname, '../../api/crds/rollouts.argoproj.io.yaml'), 'utf8')) as SimObject;

let sim: KubeSim;
let kube: KubeObjectClient;
let namespaces = 0;
beforeAll(async () => {
  sim = await startKubeSim({ objects: [rolloutCrd], workloads: { pods: false, replicaSets: false, deployments: false, jobs: false, endpoints: false, namespaces: false, garbageCollector: false } });
  kube = createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig }));
});
afterAll(async () => {
  await sim.stop();
});

const ingress = (ns: string, name: string, service: string): SimObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: ns, annotations: { [`${P}/scheme`]: 'internet-facing' } },
  spec: {
    ingressClassName: 'alb',
    rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { name: 'use-annotation' } } } }] } }],
  },
  status: { loadBalancer: { ingress: [{ hostname: `${name}-lb.eu-west-1.elb.amazonaws.com` }] } },
});

function freshWorld(): { ns: string; ctx: RoutingContext } {
  const ns = `alb-${++namespaces}`;
  sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const created = sim.objects.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: ns },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { alb: { ingresses: ['web', 'web-internal'], servicePort: 80, rootService: 'web-root' }, managedRoutes: [{ name: 'beta' }] }, steps: [{ setWeight: 20 }] } },
    },
  });
  // the status (load balancer hostname) goes through /status, as the AWS Load Balancer Controller writes it
  for (const [name, service] of [['web', 'web-root'], ['web-internal', 'web-root'], ['api', 'api']] as const) {
    const { status, ...object } = ingress(ns, name, service);
    const created = sim.objects.create(object as SimObject);
    sim.objects.updateStatus({ ...created, status } as SimObject);
  }
  return { ns, ctx: { rollout: created as unknown as Rollout, namespace: ns, canaryService: 'web-canary', stableService: 'web-stable', canaryPodHash: 'c', stablePodHash: 's', maxWeight: 100, signal: new AbortController().signal } };
}

const get = (ns: string, name: string) => sim.objects.get('networking.k8s.io/v1', 'Ingress', name, ns);
const readerFor = (ns: string) =>
  new RecordedContractTargetGroupReader(() =>
    recordingFor(['web', 'web-internal'].map((name) => ({ namespace: ns, ingress: name, dnsName: `${name}-lb.eu-west-1.elb.amazonaws.com`, action: get(ns, name)?.metadata.annotations?.[`${P}/actions.web-root`] }))),
  );

describe('alb router on kube-sim', () => {
  it('walks a canary on two real Ingresses: exact annotations, a header route path, verification, cleanup', async () => {
    const { ns, ctx } = freshWorld();
    const router = albRouter({ targetGroups: readerFor(ns) }).make({ kube, log: quiet, now: () => 0 })({ ingresses: ['web', 'web-internal'], servicePort: 80, rootService: 'web-root' });
    const apiBefore = JSON.stringify(get(ns, 'api'));
    const specBefore = JSON.stringify(get(ns, 'web')!['spec']);
    const action = (c: number, s: number) => `{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"web-canary","ServicePort":"80","Weight":${c}},{"ServiceName":"web-stable","ServicePort":"80","Weight":${s}}]}}`;

    await ok(router.setWeight(ctx, 20, []));
    for (const name of ['web', 'web-internal'])
      expect(get(ns, name)?.metadata.annotations).toEqual({ [`${P}/scheme`]: 'internet-facing', [`${P}/actions.web-root`]: action(20, 80), [MANAGED]: `{"web":["${P}/actions.web-root"]}` });
    expect(await ok(router.verifyWeight!(ctx, 20, []))).toBe(true);

    await ok(router.setHeaderRoute!(ctx, { name: 'beta', match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }] }));
    expect(get(ns, 'web')?.metadata.annotations?.[`${P}/conditions.beta`]).toBe('[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["yes"]}}]');
    expect((get(ns, 'web-internal')!['spec'] as { rules: Array<{ http: { paths: unknown[] } }> }).rules[0]!.http.paths[0]).toEqual({
      path: '/*',
      pathType: 'ImplementationSpecific',
      backend: { service: { name: 'beta', port: { name: 'use-annotation' } } },
    });

    await ok(router.removeManagedRoutes!(ctx));
    await ok(router.setWeight(ctx, 0, []));
    expect(get(ns, 'web')?.metadata.annotations).toEqual({ [`${P}/scheme`]: 'internet-facing', [`${P}/actions.web-root`]: action(0, 100), [MANAGED]: `{"web":["${P}/actions.web-root"]}` });
    expect(JSON.stringify(get(ns, 'web')!['spec'])).toBe(specBefore);
    expect(JSON.stringify(get(ns, 'api'))).toBe(apiBefore);
  });

  it('after the Rollout is deleted mid-canary, release puts both Ingresses back on the stable Service', async () => {
    const { ns, ctx } = freshWorld();
    const router = albRouter().make({ kube, log: quiet, now: () => 0 })({ ingresses: ['web', 'web-internal'], servicePort: 80, rootService: 'web-root' });
    const specBefore = JSON.stringify(get(ns, 'web')!['spec']);
    await ok(router.setWeight(ctx, 40, []));
    await ok(router.setHeaderRoute!(ctx, { name: 'beta', match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }] }));
    sim.objects.delete('argoproj.io/v1alpha1', 'Rollout', 'web', ns);
    await ok(router.release!(ctx));
    const action = `{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"web-canary","ServicePort":"80","Weight":0},{"ServiceName":"web-stable","ServicePort":"80","Weight":100}]}}`;
    for (const name of ['web', 'web-internal']) {
      expect(get(ns, name)?.metadata.annotations).toEqual({ [`${P}/scheme`]: 'internet-facing', [`${P}/actions.web-root`]: action });
    }
    // the header route's path is gone again: the rules are as the user wrote them
    expect(JSON.stringify(get(ns, 'web')!['spec'])).toBe(specBefore);
  });

  it('reports a missing Ingress and an Ingress without the root Service as values', async () => {
    const { ctx } = freshWorld();
    const missing = albRouter().make({ kube, log: quiet, now: () => 0 })({ ingress: 'nope', servicePort: 80 });
    expect(await missing.setWeight(ctx, 10, [])()).toMatchObject({ left: { _tag: 'KubeNotFound' } });
    const wrong = albRouter().make({ kube, log: quiet, now: () => 0 })({ ingress: 'api', servicePort: 80, rootService: 'web-root' });
    expect(await wrong.setWeight(ctx, 10, [])()).toMatchObject({ left: { _tag: 'RouterMisconfigured', message: 'ingress `api` does not have service `web-root` in rules' } });
  });
});

describeRouterConformance('alb (kube-sim)', async () => {
  const { ns, ctx } = freshWorld();
  const router = albRouter({ targetGroups: readerFor(ns) }).make({ kube, log: quiet, now: () => 0 })({ ingress: 'web', servicePort: 80, rootService: 'web-root' });
  return {
    router,
    ctx,
    kube: Object.assign(Object.create(kube) as KubeObjectClient, kube, { all: () => sim.objects.list('networking.k8s.io/v1', 'Ingress', ns) as unknown as KubeObject[] }),
    foreignObjects: [get(ns, 'web-internal') as unknown as KubeObject, get(ns, 'api') as unknown as KubeObject],
    readWeight: async () => {
      const a = get(ns, 'web')?.metadata.annotations?.[`${P}/actions.web-root`];
      return a === undefined ? undefined : (JSON.parse(a) as { ForwardConfig: { TargetGroups: Array<{ Weight: number }> } }).ForwardConfig.TargetGroups[0]!.Weight;
    },
    removeBackend: async () => {
      sim.objects.delete('networking.k8s.io/v1', 'Ingress', 'web', ns);
    },
  };
});
