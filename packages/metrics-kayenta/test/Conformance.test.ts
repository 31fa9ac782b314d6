// The SDK's metric-provider conformance suite, run against the recorded-contract fake of Kayenta's canary API
// (a judgement that completes on its second poll) and a port nothing listens on.
import type { Metric } from '@rollouts/api';
import { describeMetricProviderConformance, fixedClock, silentLogger } from '@rollouts/plugin-sdk/testing';
import type { ProviderDeps } from '@rollouts/plugin-sdk';
import { closedPort } from '@rollouts/plugin-http/testing';
import { createKayentaMetricProvider } from '../src';
import { kayentaConfig } from './KayentaHarness';
import { startFakeKayenta, type FakeKayenta } from './FakeKayenta';

let fake: FakeKayenta;
let downPort: number;

beforeAll(async () => {
  fake = await startFakeKayenta();
  fake.next = { pollsBeforeComplete: 1, score: 92 };
  downPort = await closedPort();
});
afterAll(() => fake.close());
afterEach(() => expect(fake.violations).toEqual([]));

const metric = (address: string): Metric => ({ name: 'canary-judge', interval: '5m', provider: { kayenta: kayentaConfig(address) } }) as unknown as Metric;
const deps: ProviderDeps = { kube: {} as ProviderDeps['kube'], log: silentLogger, now: fixedClock().now, env: {} };

describeMetricProviderConformance('metrics-kayenta', async () => ({
  plugin: createKayentaMetricProvider({ pollIntervalMs: 10 }),
  deps,
  metric: metric(fake.url),
  unreachableMetric: metric(`http://127.0.0.1:${downPort}`),
  invalidConfig: { value: { ...kayentaConfig('http://kayenta:8090'), threshold: { pass: 'high', marginal: 75 } }, path: 'provider.kayenta.threshold.pass' },
  pollMs: 5,
}));
