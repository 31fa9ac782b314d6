/**
 * The cloudWatch provider against moto's CloudWatch (a real GetMetricData implementation): data put with
 * PutMetricData, read back through the provider, judged by core's condition rules as the controller does.
 */
import * as E from 'fp-ts/lib/Either';
import { createServer, type Server, type Socket } from 'node:net';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { assessMeasurementResult } from '@rollouts/core';
import { describeWithMoto } from '@rollouts/plugin-aws/testing';
import type { ProviderDeps } from '@rollouts/plugin-sdk';
import { measureOnce, silentLogger } from '@rollouts/plugin-sdk/testing';
import { createCloudWatchMetricProvider, type CloudWatchResult } from '../src';

const REGION = 'eu-west-1';
const KEYS = { accessKeyId: 'AKIDEXAMPLEMOTO00002', secretAccessKey: 'not-a-secret-moto-only' };
const deps = (env: Record<string, string>): ProviderDeps => ({ kube: {} as ProviderDeps['kube'], log: silentLogger, now: () => Date.now(), env });

const errorsQuery = (period: number | string = 60) => ({
  metricDataQueries: [
    { id: 'errors', metricStat: { metric: { namespace: 'app', metricName: 'errors', dimensions: [{ name: 'service', value: 'checkout' }] }, period, stat: 'Sum' } },
  ],
});

describeWithMoto('cloudWatch provider against moto', (moto) => {
  const env = () => ({ AWS_ENDPOINT_URL_CLOUDWATCH: moto.server.endpoint, AWS_REGION: REGION });
  const provider = createCloudWatchMetricProvider({ credentials: KEYS, maxAttempts: 1 });
  const measure = (config: unknown) => measureOnce(provider, config, { deps: deps(env()), now: Date.now() });

  beforeAll(async () => {
    const cw = new CloudWatchClient({ endpoint: moto.server.endpoint, region: REGION, credentials: KEYS });
    const now = Date.now();
    for (const [minutesAgo, value] of [[1, 3], [2, 1], [3, 2]] as const) {
      await cw.send(
        new PutMetricDataCommand({
          Namespace: 'app',
          MetricData: [{ MetricName: 'errors', Dimensions: [{ Name: 'service', Value: 'checkout' }], Timestamp: new Date(now - minutesAgo * 60_000), Value: value, Unit: 'Count' }],
        }),
      );
    }
  });

  test('GetMetricData results come back as result[] with the SDK field names', async () => {
    const out = await measure(errorsQuery());
    if (out._tag === 'Left') throw new Error(out.left.message);
    expect(out.right._tag).toBe('Value');
    const result = (out.right as { value: CloudWatchResult[] }).value;
    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ Id: 'errors', StatusCode: 'Complete' });
    expect([...(result[0]?.Values ?? [])].sort()).toEqual([1, 2, 3]);
    expect(result[0]?.Timestamps.every((t) => !Number.isNaN(Date.parse(t)))).toBe(true);
  });

  test.each([
    ['success', 'all(result[0].Values, {# <= 5})', 'any(result[0].Values, {# > 10})', 'Successful'],
    ['failure', 'all(result[0].Values, {# <= 1})', 'any(result[0].Values, {# >= 3})', 'Failed'],
    ['inconclusive', 'all(result[0].Values, {# <= 1})', 'any(result[0].Values, {# > 10})', 'Inconclusive'],
  ])('conditions judge the values: %s', async (_name, success, failure, phase) => {
    const out = await measure(errorsQuery());
    if (out._tag === 'Left') throw new Error(out.left.message);
    const value = (out.right as { value: unknown }).value;
    expect(assessMeasurementResult(value, success, failure)).toEqual(E.right(phase));
  });

  test('a metric with no data points: an empty Values list, and result[0].Values[0] errors the way users grep for', async () => {
    const out = await measure({ metricDataQueries: [{ id: 'none', metricStat: { metric: { namespace: 'app', metricName: 'nothing' }, period: '60', stat: 'Sum' } }] });
    if (out._tag === 'Left') throw new Error(out.left.message);
    const result = (out.right as { value: CloudWatchResult[] }).value;
    expect(result[0]?.Values).toEqual([]);
    expect(assessMeasurementResult(result, 'len(result[0].Values) >= 1')).toEqual(E.right('Failed'));
  });

  test('an interval that ends before the data was put finds none', async () => {
    const out = await measureOnce(provider, { ...errorsQuery(), interval: '30s' }, { deps: deps(env()), now: Date.now() - 10 * 60_000 });
    if (out._tag === 'Left') throw new Error(out.left.message);
    expect((out.right as { value: CloudWatchResult[] }).value[0]?.Values).toEqual([]);
  });

  test('metric math expressions are passed through (moto answers them)', async () => {
    const out = await measure({
      metricDataQueries: [
        { id: 'e', metricStat: { metric: { namespace: 'app', metricName: 'errors', dimensions: [{ name: 'service', value: 'checkout' }] }, period: 60, stat: 'Sum' }, returnData: false },
        { id: 'total', expression: 'SUM(METRICS())', label: 'total' },
      ],
    });
    // moto may or may not evaluate expressions; what matters is that the request was accepted and read.
    expect(out._tag).toBe('Right');
  });
});

describeWithMoto(
  'cloudWatch provider against moto with IAM authentication on',
  (moto) => {
    test('credentials moto never issued: an Error measurement saying what to check, without the key', async () => {
      const secret = 'wJalrXUtnFEMI-do-not-print-me';
      const provider = createCloudWatchMetricProvider({ credentials: { accessKeyId: 'AKIANOTISSUEDBYMOTO9', secretAccessKey: secret }, maxAttempts: 1 });
      const out = await measureOnce(provider, errorsQuery(), { deps: deps({ AWS_ENDPOINT_URL: moto.server.endpoint, AWS_REGION: REGION }) });
      if (out._tag === 'Right') throw new Error('expected an error');
      expect(out.left._tag).toBe('ProviderResponseInvalid');
      // moto answers auth failures in XML even to the JSON/CBOR protocol, so the SDK sees a bare 403 here;
      // against AWS the code (InvalidClientTokenId) is named too. Either way the message says what to check.
      expect(out.left.message).toMatch(/InvalidClientTokenId|403/);
      expect(out.left.message).toContain('cloudwatch:GetMetricData');
      expect(out.left.message).toContain('AWS_ACCESS_KEY_ID');
      expect(out.left.message).toContain('IRSA');
      expect(out.left.message).not.toContain(secret);
    });
  },
  { initialNoAuthActionCount: 0 },
);

describe('cloudWatch provider without moto', () => {
  test('credentials from the environment reach the SDK chain (fromNodeProviderChain reads AWS_ACCESS_KEY_ID)', async () => {
    // A black hole that accepts and never answers: proves the request got as far as the network, i.e. the
    // chain found credentials in the environment (without them the error is "no AWS credentials found").
    const saved = { ...process.env };
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIDFROMENVIRONMENT1';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'from-env-not-printed';
    try {
      const provider = createCloudWatchMetricProvider({ maxAttempts: 1, timeoutMs: 300 });
      const out = await measureOnce(provider, errorsQuery(), { deps: deps({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_REGION: REGION }) });
      expect(out._tag === 'Left' && out.left).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true, message: expect.stringContaining('cannot reach AWS at http://127.0.0.1:1') });
    } finally {
      process.env = saved;
    }
  });

  test('no region anywhere: an error saying to set AWS_REGION', async () => {
    const saved = { ...process.env };
    for (const k of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[k];
    process.env['AWS_CONFIG_FILE'] = '/nonexistent/aws-config';
    try {
      const provider = createCloudWatchMetricProvider({ credentials: KEYS, maxAttempts: 1 });
      const out = await measureOnce(provider, errorsQuery(), { deps: deps({}) });
      expect(out._tag === 'Left' && out.left.message).toMatch(/AWS_REGION/);
    } finally {
      process.env = saved;
    }
  });

  describe('timeout', () => {
    let server: Server;
    let port = 0;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      server = createServer((s) => {
        sockets.add(s); // accepts, never answers
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const a = server.address();
      port = typeof a === 'object' && a !== null ? a.port : 0;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    });
    test('a server that does not answer in time is ProviderTimeout', async () => {
      const provider = createCloudWatchMetricProvider({ credentials: KEYS, maxAttempts: 1, timeoutMs: 300 });
      const started = Date.now();
      const out = await measureOnce(provider, errorsQuery(), { deps: deps({ AWS_ENDPOINT_URL_CLOUDWATCH: `http://127.0.0.1:${port}`, AWS_REGION: REGION }) });
      expect(out._tag === 'Left' && out.left).toMatchObject({ _tag: 'ProviderTimeout', retryable: true });
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
});
