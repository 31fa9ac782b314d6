/**
 * Test helpers: a Kayenta metric config pointed at the fake, and the provider driven the way the controller
 * drives it (config decoded with the plugin's codec, a fresh AbortSignal per call, `resume` with the metadata
 * the previous call returned).
 */
import { decode, type AnalysisRun, type KayentaMetric, type Metric } from '@rollouts/api';
import type { MeasurementMetadata, MetricProvider, MetricProviderPlugin, ProviderDeps, ProviderObservation } from '@rollouts/plugin-sdk';
import type { PluginError } from '@rollouts/plugin-sdk';
import { silentLogger } from '@rollouts/plugin-sdk/testing';
import { APPLICATION, CONFIG_ACCOUNT, CONFIG_NAME, METRICS_ACCOUNT, STORAGE_ACCOUNT } from './FakeKayenta';

export const NOW = Date.parse('2019-03-29T01:38:34Z');

export const kayentaConfig = (address: string, extra: Record<string, unknown> = {}) => ({
  address,
  application: APPLICATION,
  canaryConfigName: CONFIG_NAME,
  metricsAccountName: METRICS_ACCOUNT,
  configurationAccountName: CONFIG_ACCOUNT,
  storageAccountName: STORAGE_ACCOUNT,
  threshold: { pass: 90, marginal: 75 },
  scopes: [
    {
      name: 'default',
      controlScope: { scope: 'app=guestbook and rollouts-pod-template-hash=stable1', region: 'us-west-2', step: 60 },
      experimentScope: { scope: 'app=guestbook and rollouts-pod-template-hash=canary1', region: 'us-west-2', step: 60 },
    },
  ],
  ...extra,
});

export const testDeps = (): ProviderDeps => ({ kube: {} as ProviderDeps['kube'], log: silentLogger, now: () => NOW, env: {} });

export type Outcome = { readonly _tag: 'Left'; readonly left: PluginError } | { readonly _tag: 'Right'; readonly right: ProviderObservation };

/** A provider for `config` (the value of `metric.provider.kayenta`) and calls on it at a chosen time. */
export function judge(plugin: MetricProviderPlugin<KayentaMetric>, config: unknown, metricExtra: Record<string, unknown> = { interval: '30m' }, run: Partial<AnalysisRun> = {}) {
  const decoded = decode(plugin.configCodec, config, { path: 'provider.kayenta' });
  if (decoded._tag === 'Left') throw new Error(decoded.left.map((e) => e.message).join('; '));
  const provider: MetricProvider = plugin.make(testDeps())(decoded.right);
  const metric = { name: 'canary-judge', provider: { kayenta: config }, ...metricExtra } as unknown as Metric;
  const ctx = (now: number, signal = new AbortController().signal) => ({ run: { metadata: { name: 'r', namespace: 'default' }, spec: { metrics: [metric] }, ...run } as unknown as AnalysisRun, metric, signal, now });
  return {
    run: (now = NOW, signal?: AbortSignal): Promise<Outcome> => provider.run(ctx(now, signal))(),
    resume: (metadata: MeasurementMetadata, now = NOW): Promise<Outcome> => provider.resume!(ctx(now), metadata)(),
    terminate: (metadata: MeasurementMetadata, now = NOW): Promise<Outcome> => provider.terminate!(ctx(now), metadata)(),
  };
}

export function right(o: Outcome): ProviderObservation {
  if (o._tag === 'Left') throw new Error(`expected an observation, got ${o.left._tag}: ${o.left.message}`);
  return o.right;
}

export function left(o: Outcome): PluginError {
  if (o._tag === 'Right') throw new Error(`expected an error, got ${JSON.stringify(o.right)}`);
  return o.left;
}

/** The metadata of a Pending observation. */
export function pendingMetadata(o: Outcome): MeasurementMetadata {
  const r = right(o);
  if (r._tag !== 'Pending') throw new Error(`expected Pending, got ${JSON.stringify(r)}`);
  return r.metadata ?? {};
}
