/**
 * Test helpers: the tokens Secret in an in-memory KubeObjectClient (the SDK's FakeKubeObjectClient), and one
 * measurement taken the way the controller takes it (`measureOnce`).
 */
import type { KubeObject, MetricProviderPlugin, ProviderDeps } from '@rollouts/plugin-sdk';
import type { WavefrontMetric } from '@rollouts/api';
import { FakeKubeObjectClient, measureOnce, silentLogger, type MeasurementOutcome } from '@rollouts/plugin-sdk/testing';
import { wavefrontMetricProvider } from '../src';

export const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/** The `wavefront-api-tokens` Secret with `tokens` (address -> token) base64-encoded under `data`. */
export function tokensSecret(tokens: Record<string, string>, namespace = 'argo-rollouts'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'wavefront-api-tokens', namespace },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(tokens).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

export const testDeps = (secrets: ReadonlyArray<KubeObject> = [], env: Record<string, string> = {}): ProviderDeps => ({
  kube: new FakeKubeObjectClient(secrets),
  log: silentLogger,
  now: () => NOW,
  env,
});

export const measure = (config: unknown, deps: ProviderDeps, opts: { plugin?: MetricProviderPlugin<WavefrontMetric>; signal?: AbortSignal; now?: number } = {}): Promise<MeasurementOutcome> =>
  measureOnce(opts.plugin ?? wavefrontMetricProvider, config, { deps, now: opts.now ?? NOW, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) });
