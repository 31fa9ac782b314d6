// The SDK's metric-provider conformance suite, run against the recorded-contract fake of Datadog's query API
// (DatadogFake.ts) and a port nothing listens on; credentials from a `datadog` Secret in a fake cluster.
import type { Metric } from '@rollouts/api';
import { describeMetricProviderConformance } from '@rollouts/plugin-sdk/testing';
import { closedPort } from '@rollouts/plugin-http/testing';
import { datadogMetricProvider } from '../src';
import { startDatadogFake, v1Series, type DatadogFake } from './DatadogFake';
import { datadogSecret, secret, testDeps, CONTROLLER_NS } from './ProviderHarness';

let fake: DatadogFake;
let downPort: number;

beforeAll(async () => {
  fake = await startDatadogFake(() => ({ body: v1Series([[1767225600000, 0.01]]) }));
  downPort = await closedPort();
});
afterAll(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

const metric = (secretName: string): Metric => ({ name: 'error-rate', provider: { datadog: { query: 'avg:errors{*}', secretRef: { name: secretName } } } }) as unknown as Metric;

describeMetricProviderConformance('metrics-datadog', async () => ({
  plugin: datadogMetricProvider,
  deps: testDeps([
    datadogSecret(fake.url),
    secret(CONTROLLER_NS, 'datadog-down', { address: `http://127.0.0.1:${downPort}`, 'api-key': 'a-key', 'app-key': 'b-key' }),
    { ...datadogSecret(fake.url), metadata: { name: 'datadog-up', namespace: CONTROLLER_NS } },
  ]),
  metric: metric('datadog-up'),
  unreachableMetric: metric('datadog-down'),
  invalidConfig: { value: { query: 'q', apiVersion: 'v3' }, path: 'provider.datadog.apiVersion' },
}));
