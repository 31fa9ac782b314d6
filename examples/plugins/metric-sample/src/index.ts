/**
 * A sample metric provider, `sample/configmap-value`: a measurement reads one key of a ConfigMap in the
 * AnalysisRun's namespace, where a batch job, a load test or another system published a result, and hands it to
 * the metric's conditions as `result` (JSON when the value parses as JSON, else the string).
 *
 * ```yaml
 * metrics:
 *   - name: success-rate
 *     successCondition: result >= 0.95
 *     provider:
 *       plugin:
 *         sample/configmap-value:
 *           configMap: load-test-results
 *           key: success-rate
 * ```
 *
 * A missing ConfigMap or key is a `ProviderUnavailable` error (it counts towards `consecutiveErrorLimit`), never a
 * pass; a cancelled call measures nothing.
 */
import { struct, string } from '@rollouts/api';
import { defineMetricProvider, PluginErrors, type PluginError, type ProviderObservation } from '@rollouts/plugin-sdk';
import type { Either } from 'fp-ts/lib/Either';

/** The kind: the key under `provider.plugin` and the `name` in argo-rollouts-config. */
export const KIND = 'sample/configmap-value';

export const configCodec = struct('ConfigMapValueMetric', { configMap: string(), key: string() }, {});
export type ConfigMapValueMetric = { readonly configMap: string; readonly key: string };

const right = <A>(right: A): Either<never, A> => ({ _tag: 'Right', right });
const left = <E>(left: E): Either<E, never> => ({ _tag: 'Left', left });

/** JSON when it parses (`0.99`, `true`, `{"p95": 120}`), else the string as written. */
function valueOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export default defineMetricProvider<ConfigMapValueMetric>({
  kind: KIND,
  configCodec,
  make: ({ kube }) => (config) => ({
    run: (ctx) => async (): Promise<Either<PluginError, ProviderObservation>> => {
      if (ctx.signal.aborted) return left(PluginErrors.pluginAborted({ message: `${KIND}: cancelled before measuring` }));
      const namespace = ctx.run.metadata?.namespace ?? 'default';
      const where = `ConfigMap ${namespace}/${config.configMap}`;
      const got = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: config.configMap })();
      if (got._tag === 'Left') return got;
      if (got.right === undefined) return left(PluginErrors.providerUnavailable({ message: `${KIND}: ${where} does not exist` }));
      const data = (got.right['data'] ?? {}) as Record<string, string>;
      const text = data[config.key];
      if (text === undefined) return left(PluginErrors.providerUnavailable({ message: `${KIND}: ${where} has no key "${config.key}" (yet)` }));
      return right({ _tag: 'Value', value: valueOf(text), metadata: { configMap: `${namespace}/${config.configMap}`, key: config.key } });
    },
  }),
});
