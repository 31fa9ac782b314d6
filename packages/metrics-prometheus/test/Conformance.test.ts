// The SDK's metric-provider conformance suite, run against a test double of Prometheus's query API (a local
// HTTP server answering a one-sample vector) and a port nothing listens on. RealPrometheus.test.ts covers
// the real server.
import type { Metric } from '@rollouts/api';
import { describeMetricProviderConformance, fixedClock } from '@rollouts/plugin-sdk/testing';
import { prometheusMetricProvider } from '../src';
import { closedPort, startHttpServer, type RecordingHttpServer } from '@rollouts/plugin-http/testing';
import { testDeps } from './ProviderHarness';

let server: RecordingHttpServer;
let downPort: number;

beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1767225600, '0.01'] }] } }));
  });
  downPort = await closedPort();
});
afterAll(() => server.close());

const metric = (address: string): Metric => ({ name: 'error-rate', provider: { prometheus: { address, query: 'sum(rate(errors[1m]))' } } }) as unknown as Metric;

describeMetricProviderConformance('metrics-prometheus', async () => ({
  plugin: prometheusMetricProvider,
  deps: testDeps({}, fixedClock().now),
  metric: metric(server.url),
  unreachableMetric: metric(`http://127.0.0.1:${downPort}`),
  invalidConfig: { value: { address: 'http://x', query: 42 }, path: 'provider.prometheus.query' },
}));
