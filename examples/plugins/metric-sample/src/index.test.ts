import type { AnalysisRun, Metric } from '@rollouts/api';
import type { KubeObject } from '@rollouts/plugin-sdk';
import { describeMetricProviderConformance, FakeKubeObjectClient, fixedClock, measureOnce, silentLogger, valueOf } from '@rollouts/plugin-sdk/testing';
import plugin, { KIND } from './index';

const results: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'load-test-results', namespace: 'default' }, data: { 'success-rate': '0.99', verdict: 'green' } };
const metric = (configMap: string, key = 'success-rate'): Metric => ({ name: 'success-rate', successCondition: 'result >= 0.95', provider: { plugin: { [KIND]: { configMap, key } } } }) as Metric;
const deps = () => ({ kube: new FakeKubeObjectClient([results]), log: silentLogger, now: fixedClock().now, env: {} });

describeMetricProviderConformance(KIND, async () => ({
  plugin,
  deps: deps(),
  metric: metric('load-test-results'),
  unreachableMetric: metric('no-such-configmap'),
  invalidConfig: { value: { configMap: 'load-test-results' }, path: `provider.${KIND}.key` },
}));

describe(KIND, () => {
  const run = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'r', namespace: 'default' }, spec: { metrics: [] } } as unknown as AnalysisRun;
  const measure = (config: { configMap: string; key: string }) => plugin.make(deps())(config).run({ run, metric: metric(config.configMap, config.key), signal: new AbortController().signal, now: 0 })();

  it('a JSON value is handed over parsed, anything else as the string', async () => {
    expect(await measure({ configMap: 'load-test-results', key: 'success-rate' })).toMatchObject({ _tag: 'Right', right: { _tag: 'Value', value: 0.99 } });
    expect(await measure({ configMap: 'load-test-results', key: 'verdict' })).toMatchObject({ _tag: 'Right', right: { _tag: 'Value', value: 'green' } });
  });

  it('a missing key is ProviderUnavailable naming the key', async () => {
    expect(await measure({ configMap: 'load-test-results', key: 'p95' })).toMatchObject({ _tag: 'Left', left: { _tag: 'ProviderUnavailable', message: expect.stringContaining('"p95"') } });
  });

  it('measureOnce (the SDK helper) sees the value', async () => {
    const outcome = await measureOnce(plugin, { configMap: 'load-test-results', key: 'success-rate' }, { deps: deps(), run });
    expect(valueOf(outcome)).toBe(0.99);
  });
});
