/**
 * The metric provider conformance suite (`@rollouts/plugin-sdk/testing`) against kube-sim, through the real
 * Kubernetes client of `@rollouts/k8s`: kube-sim's Job controller and kubelet run the Jobs. The "backend that
 * is not there" is a Job the API server refuses (a metric whose name makes an invalid object name).
 */
import { customResourceDefinitions, type AnalysisRun, type Metric } from '@rollouts/api';
import { createKubeObjectClient, loadKubeConfig } from '@rollouts/k8s';
import { startKubeSim, type KubeObject, type KubeSim } from '@rollouts/kube-sim';
import type { ProviderDeps } from '@rollouts/plugin-sdk';
import { describeMetricProviderConformance } from '@rollouts/plugin-sdk/testing';
import { jobMetricProvider } from '../src';

let sim: KubeSim;
let deps: ProviderDeps;
let runs = 0;

beforeAll(async () => {
  sim = await startKubeSim({ objects: customResourceDefinitions() as unknown as KubeObject[], workloads: { readinessDelayMs: 10, jobDurationMs: 100 } });
  const kube = createKubeObjectClient(loadKubeConfig({ options: sim.kubeConfig }));
  deps = { kube, log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }, now: () => Date.now(), env: {} };
});
afterAll(async () => {
  await sim?.stop();
});

const job = { spec: { backoffLimit: 0, template: { spec: { containers: [{ name: 'check', image: 'checker:ok' }], restartPolicy: 'Never' } } } };
const metric = { name: 'smoke', provider: { job } } as unknown as Metric;
// Upper case and underscores make `<uid>.Not_A_Name.1` an invalid object name: the API server refuses the Job.
const unreachableMetric = { name: 'Not_A_Name', provider: { job } } as unknown as Metric;

describeMetricProviderConformance(
  'the job provider (kube-sim)',
  async () => {
    // A run of its own per check, so that Job names and garbage collection do not meet. It must exist in the
    // cluster: the Jobs it owns would otherwise be garbage-collected as orphans.
    runs += 1;
    const run = sim.objects.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata: { name: `conformance-${runs}`, namespace: 'default' },
      spec: { metrics: [metric] },
    } as unknown as KubeObject) as unknown as AnalysisRun;
    return {
      plugin: jobMetricProvider,
      deps,
      metric,
      unreachableMetric,
      invalidConfig: { value: { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, path: 'provider.job.spec.template.spec.containers[0].name' },
      run,
      pollMs: 50,
      maxPolls: 100,
    };
  },
  { timeoutMs: 20_000 },
);
