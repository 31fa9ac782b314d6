/**
 * Test helpers: run the prometheus provider the way the controller does (config decoded with the plugin's
 * codec, a fresh AbortSignal per measurement), and a local HTTP server to point it at.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as E from 'fp-ts/lib/Either';
import { decode, type AnalysisRun, type Metric } from '@rollouts/api';
import type { PluginError, ProviderDeps, ProviderObservation } from '@rollouts/plugin-sdk';
import { prometheusMetricProvider } from '../src';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Deps for `make`; `kube` is never used by this provider. */
export const testDeps = (env: Record<string, string> = {}, now: () => number = () => Date.now()): ProviderDeps => ({
  kube: {} as ProviderDeps['kube'],
  log: silent,
  now,
  env,
});

// The controller calls `make(deps)` once per kind and keeps it: so do we, per deps object.
const makers = new WeakMap<ProviderDeps, ReturnType<typeof prometheusMetricProvider.make>>();
const makerFor = (deps: ProviderDeps) => {
  let m = makers.get(deps);
  if (m === undefined) makers.set(deps, (m = prometheusMetricProvider.make(deps)));
  return m;
};

/** Take one measurement with `config` (the value of `metric.provider.prometheus`). */
export async function measure(config: unknown, opts: { deps?: ProviderDeps; now?: number; signal?: AbortSignal } = {}): Promise<E.Either<PluginError, ProviderObservation>> {
  const decoded = decode(prometheusMetricProvider.configCodec, config, { path: 'provider.prometheus' });
  if (E.isLeft(decoded)) throw new Error(decoded.left.map((e) => e.message).join('; '));
  const provider = makerFor(opts.deps ?? testDeps())(decoded.right);
  const metric = { name: 'error-rate', provider: { prometheus: config } } as unknown as Metric;
  return provider.run({ run: {} as AnalysisRun, metric, signal: opts.signal ?? new AbortController().signal, now: opts.now ?? Date.now() })();
}

/** The value of a successful measurement, or a thrown error (so a test reads the failure). */
export function valueOf(r: E.Either<PluginError, ProviderObservation>): unknown {
  if (E.isLeft(r)) throw new Error(`expected a value, got ${r.left._tag}: ${r.left.message}`);
  if (r.right._tag !== 'Value') throw new Error(`expected a Value, got ${r.right._tag}`);
  return r.right.value;
}

/** The error of a failed measurement, or a thrown error. */
export function errorOf(r: E.Either<PluginError, ProviderObservation>): PluginError {
  if (E.isRight(r)) throw new Error(`expected an error, got ${JSON.stringify(r.right)}`);
  return r.left;
}

/** A request as the test server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A local HTTP server on 127.0.0.1 (any free port) answering with `handler`; it records every request. */
export async function startServer(handler: (req: SeenRequest, res: http.ServerResponse) => void): Promise<{ url: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(r);
      handler(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
