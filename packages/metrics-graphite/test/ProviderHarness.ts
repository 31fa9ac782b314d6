/**
 * Test helpers: run the graphite provider the way the controller does (config decoded with the plugin's
 * codec, `make(deps)` once, a fresh AbortSignal per measurement), and local HTTP servers to point it at.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as E from 'fp-ts/lib/Either';
import { decode, type AnalysisRun, type Metric } from '@rollouts/api';
import type { MetricProviderPlugin, PluginError, ProviderDeps, ProviderObservation } from '@rollouts/plugin-sdk';
import type { GraphiteMetric } from '@rollouts/api';
import { graphiteMetricProvider } from '../src';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Deps for `make`; the graphite provider uses none of them. */
export const testDeps = (): ProviderDeps => ({ kube: {} as ProviderDeps['kube'], log: silent, now: () => Date.now(), env: {} });

/** Take one measurement with `config` (the value of `metric.provider.graphite`). */
export async function measure(
  config: unknown,
  opts: { plugin?: MetricProviderPlugin<GraphiteMetric>; signal?: AbortSignal } = {},
): Promise<E.Either<PluginError, ProviderObservation>> {
  const plugin = opts.plugin ?? graphiteMetricProvider;
  const decoded = decode(plugin.configCodec, config, { path: 'provider.graphite' });
  if (E.isLeft(decoded)) throw new Error(decoded.left.map((e) => e.message).join('; '));
  const provider = plugin.make(testDeps())(decoded.right);
  const metric = { name: 'error-rate', provider: { graphite: config } } as unknown as Metric;
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

/** A request as a test server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** A local HTTP server on 127.0.0.1 (any free port) answering with `handler`; it records every request. */
export async function startServer(handler: (req: SeenRequest, res: http.ServerResponse) => void): Promise<{ url: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
      seen.push(r);
      handler(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A proxy to `target` that waits `delayMs` before forwarding: a slow Graphite. */
export async function startSlowProxy(target: string, delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const t = setTimeout(() => {
      timers.delete(t);
      const upstream = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    }, delayMs);
    timers.add(t);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
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
