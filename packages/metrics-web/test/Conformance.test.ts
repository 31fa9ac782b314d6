// The SDK's metric-provider conformance suite, run against a test double of a JSON endpoint (a local
// HTTP server answering {"errorRate": 0.01}) and a port nothing listens on.
import type { Metric } from '@rollouts/api';
import { describeMetricProviderConformance, fixedClock } from '@rollouts/plugin-sdk/testing';
import { webMetricProvider } from '../src';
import { closedPort, startHttpServer, type RecordingHttpServer } from '@rollouts/plugin-http/testing';
import { testDeps } from './ProviderHarness';

let server: RecordingHttpServer;
let downPort: number;

beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ errorRate: 0.01 }));
  });
  downPort = await closedPort();
});
afterAll(() => server.close());

const metric = (address: string): Metric => ({ name: 'error-rate', provider: { web: { url: `${address}/stats`, jsonPath: '{$.errorRate}' } } }) as unknown as Metric;

describeMetricProviderConformance('metrics-web', async () => ({
  plugin: webMetricProvider,
  deps: testDeps({}, fixedClock().now),
  metric: metric(server.url),
  unreachableMetric: metric(`http://127.0.0.1:${downPort}`),
  invalidConfig: { value: { url: 'http://x', timeoutSeconds: 'soon' }, path: 'provider.web.timeoutSeconds' },
}));
