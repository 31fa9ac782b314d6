/**
 * Test helpers: run the influxdb provider the way the controller does (config decoded with the plugin's
 * codec, `make(deps)` once, a fresh AbortSignal per measurement), with profile Secrets in an in-memory
 * KubeObjectClient, and two small local HTTP servers built on `@rollouts/plugin-http/testing`.
 */
import { startHttpServer, type HttpTestServer } from '@rollouts/plugin-http/testing';
import type { InfluxdbMetric } from '@rollouts/api';
import type { KubeObject, KubeObjectClient, MetricProviderPlugin, ProviderDeps } from '@rollouts/plugin-sdk';
import { errorOf, FakeKubeObjectClient, measureOnce, metadataOf, silentLogger, valueOf, type MeasurementOutcome } from '@rollouts/plugin-sdk/testing';
import { influxdbMetricProvider } from '../src';

/** A profile Secret with `values` base64-encoded under `data`, as the API server returns it. */
export function profileSecret(values: Record<string, string>, name = 'influxdb', namespace = 'argo-rollouts'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** Deps with these Secrets in the cluster. */
export const testDeps = (secrets: ReadonlyArray<KubeObject> = [], env: Record<string, string> = {}, kube?: KubeObjectClient): ProviderDeps => ({
  kube: kube ?? new FakeKubeObjectClient(secrets),
  log: silentLogger,
  now: () => Date.now(),
  env,
});

/** Take one measurement with `config` (the value of `metric.provider.influxdb`). */
export const measure = (config: unknown, deps: ProviderDeps, opts: { plugin?: MetricProviderPlugin<InfluxdbMetric>; signal?: AbortSignal } = {}): Promise<MeasurementOutcome> =>
  measureOnce(opts.plugin ?? influxdbMetricProvider, config, { deps, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) });

export { errorOf, metadataOf, valueOf };

/** A server that accepts connections and never answers (a hung InfluxDB). */
export function startSilentServer(): Promise<HttpTestServer> {
  return startHttpServer(() => undefined);
}

/** A server answering every request with the same status and body (a proxy page, a broken gateway). */
export function startStaticServer(status: number, contentType: string, body: string): Promise<HttpTestServer> {
  return startHttpServer((_req, res) => res.writeHead(status, { 'Content-Type': contentType }).end(body));
}
