// The SDK's metric-provider conformance suite, run against the recorded-contract fake of Wavefront's chart API
// (FakeWavefront.ts) with the token in an in-memory Secret, and a port nothing listens on.
import type { Metric } from '@rollouts/api';
import { describeMetricProviderConformance } from '@rollouts/plugin-sdk/testing';
import { closedPort } from '@rollouts/plugin-http/testing';
import { wavefrontMetricProvider } from '../src';
import { startFakeWavefront, TOKEN, type FakeWavefront } from './FakeWavefront';
import { testDeps, tokensSecret } from './WavefrontHarness';

let fake: FakeWavefront;
let down: string;

beforeAll(async () => {
  fake = await startFakeWavefront();
  down = `http://127.0.0.1:${await closedPort()}`;
});
afterAll(() => fake.close());
afterEach(() => expect(fake.violations).toEqual([]));

const metric = (address: string): Metric => ({ name: 'error-rate', provider: { wavefront: { address, query: 'ts(http.errors.rate)' } } }) as unknown as Metric;

describeMetricProviderConformance('metrics-wavefront', async () => ({
  plugin: wavefrontMetricProvider,
  deps: testDeps([tokensSecret({ [fake.url]: TOKEN, [down]: TOKEN })]),
  metric: metric(fake.url),
  unreachableMetric: metric(down),
  invalidConfig: { value: { address: 'example.wavefront.com', query: ['ts(x)'] }, path: 'provider.wavefront.query' },
}));
