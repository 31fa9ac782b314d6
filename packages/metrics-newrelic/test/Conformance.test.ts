// The SDK's metric-provider conformance suite, run against the recorded-contract fake of NerdGraph
// (NerdGraphFake.ts) and a port nothing listens on; profiles from Secrets in a fake cluster.
import type { Metric } from '@rollouts/api';
import { describeMetricProviderConformance } from '@rollouts/plugin-sdk/testing';
import { closedPort } from '@rollouts/plugin-http/testing';
import { newRelicMetricProvider } from '../src';
import { rows, startNerdGraphFake, type NerdGraphFake } from './NerdGraphFake';
import { profileSecret, testDeps } from './ProviderHarness';

let fake: NerdGraphFake;
let downPort: number;

beforeAll(async () => {
  fake = await startNerdGraphFake(() => ({ body: rows({ errorRate: 0.01 }) }));
  downPort = await closedPort();
});
afterAll(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

const metric = (profile: string): Metric => ({ name: 'error-rate', provider: { newRelic: { query: 'SELECT count(*) FROM Transaction', profile } } }) as unknown as Metric;

describeMetricProviderConformance('metrics-newrelic', async () => ({
  plugin: newRelicMetricProvider,
  deps: testDeps([profileSecret(fake.graphqlUrl, 'newrelic-up'), profileSecret(`http://127.0.0.1:${downPort}/graphql`, 'newrelic-down')]),
  metric: metric('newrelic-up'),
  unreachableMetric: metric('newrelic-down'),
  invalidConfig: { value: { profile: 'x' }, path: 'provider.newRelic.query' },
}));
