/**
 * Test helpers: run the influxdb provider the way the controller does (config decoded with the plugin's
 * codec, `make(deps)` once, a fresh AbortSignal per measurement), with profile Secrets in an in-memory
 * KubeObjectClient, and two small local HTTP servers built on `@rollouts/plugin-http/testing`.
 */
import { startHttpServer, type HttpTestServer } from '@rollouts/plugin-http/testing';
import * as E from 'fp-ts/lib/Either';
import { decode, type AnalysisRun, type InfluxdbMetric, type Metric } from '@rollouts/api';
import type { KubeObject, KubeObjectClient, MetricProviderPlugin, PluginError, ProviderDeps, ProviderObservation } from '@rollouts/plugin-sdk';
import { FakeKubeObjectClient } from '@rollouts/plugin-sdk/testing';
import { influxdbMetricProvider } from '../src';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

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
  log: silent,
  now: () => Date.now(),
  env,
});

/** Take one measurement with `config` (the value of `metric.provider.influxdb`). */
export async function measure(
  config: unknown,
  deps: ProviderDeps,
  opts: { plugin?: MetricProviderPlugin<InfluxdbMetric>; signal?: AbortSignal } = {},
): Promise<E.Either<PluginError, ProviderObservation>> {
  const plugin = opts.plugin ?? influxdbMetricProvider;
  const decoded = decode(plugin.configCodec, config, { path: 'provider.influxdb' });
  if (E.isLeft(decoded)) throw new Error(decoded.left.map((e) => e.message).join('; '));
  const provider = plugin.make(deps)(decoded.right);
  const metric = { name: 'error-rate', provider: { influxdb: config } } as unknown as Metric;
  return provider.run({ run: {} as AnalysisRun, metric, signal: opts.signal ?? new AbortController().signal, now: Date.now() })();
}

/** The value of a successful measurement, or a thrown error (so a test reads the failure). */
export function valueOf(r: E.Either<PluginError, ProviderObservation>): unknown {
  if (E.isLeft(r)) throw new Error(`expected a value, got ${r.left._tag}: ${r.left.message}`);
  if (r.right._tag !== 'Value') throw new Error(`expected a Value, got ${r.right._tag}`);
  return r.right.value;
}

/** The metadata of a successful measurement. */
export function metadataOf(r: E.Either<PluginError, ProviderObservation>): Readonly<Record<string, string>> | undefined {
  return E.isRight(r) ? r.right.metadata : undefined;
}

/** The error of a failed measurement, or a thrown error. */
export function errorOf(r: E.Either<PluginError, ProviderObservation>): PluginError {
  if (E.isRight(r)) throw new Error(`expected an error, got ${JSON.stringify(r.right)}`);
  return r.left;
}

/** A server that accepts connections and never answers (a hung InfluxDB). */
export function startSilentServer(): Promise<HttpTestServer> {
  return startHttpServer(() => undefined);
}

/** A server answering every request with the same status and body (a proxy page, a broken gateway). */
export function startStaticServer(status: number, contentType: string, body: string): Promise<HttpTestServer> {
  return startHttpServer((_req, res) => res.writeHead(status, { 'Content-Type': contentType }).end(body));
}
