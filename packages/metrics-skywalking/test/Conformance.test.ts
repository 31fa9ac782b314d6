// The SDK's metric-provider conformance suite, run against the recorded-contract fake of SkyWalking's GraphQL
// query API (FakeSkyWalking.ts) and a port nothing listens on.
import type { Metric } from '@rollouts/api';
import { describeMetricProviderConformance, fixedClock, silentLogger } from '@rollouts/plugin-sdk/testing';
import type { ProviderDeps } from '@rollouts/plugin-sdk';
import { closedPort } from '@rollouts/plugin-http/testing';
import { skywalkingMetricProvider } from '../src';
import { startFakeSkyWalking, type FakeSkyWalking } from './FakeSkyWalking';
import { APDEX_QUERY } from './SkyWalkingHarness';

let fake: FakeSkyWalking;
let downPort: number;

beforeAll(async () => {
  fake = await startFakeSkyWalking();
  downPort = await closedPort();
});
afterAll(() => fake.close());
afterEach(() => expect(fake.violations).toEqual([]));

const metric = (address: string): Metric => ({ name: 'apdex', provider: { skywalking: { address, query: APDEX_QUERY, interval: '5m' } } }) as unknown as Metric;
const deps: ProviderDeps = { kube: {} as ProviderDeps['kube'], log: silentLogger, now: fixedClock().now, env: {} };

describeMetricProviderConformance('metrics-skywalking', async () => ({
  plugin: skywalkingMetricProvider,
  deps,
  metric: metric(fake.url),
  unreachableMetric: metric(`http://127.0.0.1:${downPort}`),
  invalidConfig: { value: { address: 'http://oap:12800', query: APDEX_QUERY, interval: 300 }, path: 'provider.skywalking.interval' },
}));
