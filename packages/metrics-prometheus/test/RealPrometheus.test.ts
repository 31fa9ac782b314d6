/**
 * The prometheus provider against a real Prometheus (Debian's `prometheus` package): the test starts
 * Prometheus on 127.0.0.1 with a temp config and data dir, scraping (every 1 s) a small exporter it runs
 * itself with a healthy and an unhealthy canary, waits until the samples are queryable, and stops both at
 * the end. Without a `prometheus` binary (PATH or $PROMETHEUS_BIN) it prints one line and skips.
 */
import * as fs from 'node:fs';
import { closedPort, createTempDir, findOnPath, startHttpServer, startServerProcess, startSlowProxy, type HttpTestServer, type ServerProcess, type TempDir } from '@rollouts/plugin-http/testing';
import { errorOf, measure, valueOf } from './ProviderHarness';

/** $PROMETHEUS_BIN when set (and present), else `prometheus` on PATH. */
function findPrometheus(): string | undefined {
  const explicit = process.env['PROMETHEUS_BIN'];
  if (explicit !== undefined && explicit !== '') return fs.existsSync(explicit) ? explicit : undefined;
  return findOnPath('prometheus');
}

const binary = findPrometheus();
if (binary === undefined) {
  process.stdout.write('metrics-prometheus: real-server tests skipped: no prometheus binary (apt-get install -y --no-install-recommends prometheus, or set PROMETHEUS_BIN)\n');
}
const describeReal = binary === undefined ? describe.skip : describe;

/** Per scrape, each canary gets this many requests and errors: error ratios 0.01 and 0.3. */
const TRAFFIC = { healthy: { ok: 99, errors: 1 }, unhealthy: { ok: 70, errors: 30 } } as const;

/** A tiny exporter: every scrape adds one round of TRAFFIC to the request counters. */
function startExporter(): Promise<HttpTestServer> {
  const totals = { healthy: { ok: 0, errors: 0 }, unhealthy: { ok: 0, errors: 0 } };
  return startHttpServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    const lines = ['# TYPE http_requests_total counter'];
    for (const canary of ['healthy', 'unhealthy'] as const) {
      totals[canary].ok += TRAFFIC[canary].ok;
      totals[canary].errors += TRAFFIC[canary].errors;
      lines.push(`http_requests_total{canary="${canary}",code="200"} ${totals[canary].ok}`);
      lines.push(`http_requests_total{canary="${canary}",code="500"} ${totals[canary].errors}`);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(lines.join('\n') + '\n');
  });
}

const ratio = (canary: string) =>
  `sum(rate(http_requests_total{canary="${canary}",code=~"5.."}[5s])) / sum(rate(http_requests_total{canary="${canary}"}[5s]))`;

describeReal('prometheus provider against a real Prometheus', () => {
  let dir: TempDir | undefined;
  let prometheus: ServerProcess | undefined;
  let exporter: HttpTestServer | undefined;
  let address = '';

  beforeAll(async () => {
    dir = createTempDir('rollouts-prometheus-');
    exporter = await startExporter();
    const port = await closedPort();
    address = `http://127.0.0.1:${port}`;
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: canary',
      '    static_configs:',
      `      - targets: ['${new URL(exporter.url).host}']`,
      '',
    ].join('\n');
    const configFile = dir.writeFile('prometheus.yml', config);
    // Ready once both canaries have a rate (two scrapes in): ~6-7 s after start, at most 20 s.
    const probe = `count(rate(http_requests_total[5s]))`;
    prometheus = await startServerProcess({
      name: 'prometheus',
      command: binary!,
      args: [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${dir.resolve('data')}`, '--log.level=warn'],
      ready: async () => {
        const res = await fetch(`${address}/api/v1/query?query=${encodeURIComponent(probe)}`);
        const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
        return body.data?.result?.[0]?.value[1] === '4';
      },
      timeoutMs: 20_000,
      pollMs: 250,
    });
  }, 30_000);

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.close();
    dir?.remove();
  }, 10_000);

  it('measures a healthy canary error rate as result[0] ≈ 0.01', async () => {
    const value = valueOf(await measure({ address, query: ratio('healthy') }));
    expect(Array.isArray(value) && value.length).toBe(1);
    expect((value as number[])[0]).toBeCloseTo(0.01, 4);
  });

  it('measures an unhealthy canary error rate as result[0] ≈ 0.3, with the resolved query in the metadata', async () => {
    const r = await measure({ address, query: ratio('unhealthy') });
    expect((valueOf(r) as number[])[0]).toBeCloseTo(0.3, 4);
    expect(r._tag === 'Right' && r.right.metadata?.['ResolvedPrometheusQuery']).toBe(ratio('unhealthy'));
  });

  it('gives one number per series for a vector', async () => {
    const value = valueOf(await measure({ address, query: 'http_requests_total{canary="healthy"}' })) as number[];
    expect(value).toHaveLength(2);
    expect(value.every((v) => typeof v === 'number' && v > 0)).toBe(true);
  });

  it('gives [] for an empty result', async () => {
    expect(valueOf(await measure({ address, query: 'http_requests_total{canary="missing"}' }))).toEqual([]);
  });

  it.each([
    ['1 + 1', 2],
    ['0 / 0', Number.NaN],
    ['1 / 0', Number.POSITIVE_INFINITY],
  ])('gives a number for the scalar %s', async (query, expected) => {
    expect(valueOf(await measure({ address, query }))).toEqual(expected);
  });

  it('flattens a matrix (range selector) into the samples, oldest first', async () => {
    const value = valueOf(await measure({ address, query: 'http_requests_total{canary="unhealthy",code="500"}[10s]' })) as number[];
    expect(value.length).toBeGreaterThanOrEqual(2);
    expect([...value].sort((a, b) => a - b)).toEqual(value);
  });

  it('runs a range query over the last 10 s with a 1 s step', async () => {
    const range = { start: 'now() - duration("10s")', end: 'now()', step: '1s' };
    const errors = valueOf(await measure({ address, query: 'http_requests_total{canary="unhealthy",code="500"}', rangeQuery: range })) as number[];
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect([...errors].sort((a, b) => a - b)).toEqual(errors);
    for (const v of errors) expect(v % TRAFFIC.unhealthy.errors).toBe(0);
    const ratios = valueOf(await measure({ address, query: ratio('unhealthy'), rangeQuery: range })) as number[];
    expect(ratios.length).toBeGreaterThanOrEqual(1);
    for (const v of ratios) expect(v).toBeCloseTo(0.3, 4);
  });

  it('reports a query error as a non-retryable error naming the problem', async () => {
    const e = errorOf(await measure({ address, query: 'sum(rate(' }));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toMatch(/^bad_data: /);
  });

  it('reports a Prometheus that is down as a retryable error', async () => {
    const port = await closedPort();
    expect(errorOf(await measure({ address: `http://127.0.0.1:${port}`, query: ratio('healthy') }))).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
  });

  it('times out a Prometheus slower than `timeout`, and waits for it within a longer one', async () => {
    const slow = await startSlowProxy(address, 1500);
    try {
      const e = errorOf(await measure({ address: slow.url, query: ratio('healthy'), timeout: 1 }));
      expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true });
      expect((valueOf(await measure({ address: slow.url, query: ratio('healthy'), timeout: 5 })) as number[])[0]).toBeCloseTo(0.01, 4);
    } finally {
      await slow.close();
    }
  }, 10_000);
});
