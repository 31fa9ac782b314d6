/**
 * A sample step plugin, `sample/configmap-gate`: a canary step that waits until a key of a ConfigMap in the Rollout's
 * namespace says go — a manual approval, a change ticket, a load test publishing its verdict.
 *
 * ```yaml
 * steps:
 *   - setWeight: 20
 *   - plugin:
 *       name: sample/configmap-gate
 *       config:
 *         configMap: release-gates
 *         key: shop-approved     # the step is Successful when the value is `pass` (default "true")
 *         pass: "yes"
 *         fail: "no"             # and Failed (the update is aborted) when it is `fail`
 *         pollSeconds: 15        # how often to look again while waiting (default: the controller's, 30 s)
 * ```
 *
 * While the key is absent or holds another value the step is Running, and the plugin keeps in the step's status how
 * many times it looked and what it saw last. A ConfigMap that does not exist is a `KubeNotFound` error: the
 * controller records phase Error and tries again after its backoff, until the progress deadline. Terminate (a
 * promotion skipped the step) and abort (the update was aborted) have nothing to undo: the gate only reads.
 */
import { int32, string, struct } from '@rollouts/api';
import { defineStepPlugin, PluginErrors, type PluginError, type StepContext, type StepResult } from '@rollouts/plugin-sdk';
import type { Either } from 'fp-ts/lib/Either';

/** The name: `steps[].plugin.name` and the `name` in argo-rollouts-config's `stepPlugins`. */
export const NAME = 'sample/configmap-gate';

export const configCodec = struct('ConfigMapGateStep', { configMap: string(), key: string() }, { pass: string(), fail: string(), pollSeconds: int32() });
export type ConfigMapGateStep = { readonly configMap: string; readonly key: string; readonly pass?: string | null; readonly fail?: string | null; readonly pollSeconds?: number | null };

/** What the step keeps in `stepPluginStatuses[].status` between runs. */
export interface GateStatus {
  readonly checks: number;
  readonly lastValue?: string;
}

const right = <A>(right: A): Either<never, A> => ({ _tag: 'Right', right });
const left = <E>(left: E): Either<E, never> => ({ _tag: 'Left', left });

const checksOf = (status: unknown): number => {
  const n = (status as Partial<GateStatus> | undefined)?.checks;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
};

export default defineStepPlugin<ConfigMapGateStep>({
  name: NAME,
  configCodec,
  make: ({ kube }) => (config) => {
    const pass = config.pass ?? 'true';
    const fail = config.fail ?? undefined;
    const run = (ctx: StepContext) => async (): Promise<Either<PluginError, StepResult>> => {
      if (ctx.signal.aborted) return left(PluginErrors.pluginAborted({ message: `${NAME}: cancelled before looking` }));
      const namespace = ctx.rollout.metadata?.namespace ?? 'default';
      const where = `ConfigMap ${namespace}/${config.configMap}`;
      const got = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: config.configMap })();
      if (got._tag === 'Left') return got;
      if (got.right === undefined) return left(PluginErrors.kubeNotFound({ message: `${NAME}: ${where} does not exist` }));
      const value = ((got.right['data'] ?? {}) as Record<string, string | undefined>)[config.key];
      const status: GateStatus = { checks: checksOf(ctx.status) + 1, ...(value !== undefined ? { lastValue: value } : {}) };
      if (value === pass) return right({ phase: 'Successful', message: `${where} key "${config.key}" is "${value}"`, status });
      if (fail !== undefined && value === fail) return right({ phase: 'Failed', message: `${where} key "${config.key}" is "${value}"`, status });
      return right({
        phase: 'Running',
        message: value === undefined ? `waiting for key "${config.key}" in ${where}` : `${where} key "${config.key}" is "${value}", waiting for "${pass}"`,
        status,
        ...(config.pollSeconds != null ? { requeueAfterMs: config.pollSeconds * 1000 } : {}),
      });
    };
    const nothingToUndo = (what: string) => (ctx: StepContext) => async (): Promise<Either<PluginError, StepResult>> =>
      right({ phase: 'Successful', message: `${what}: the gate only reads ${ctx.rollout.metadata?.namespace ?? 'default'}/${config.configMap}, nothing to undo` });
    return { run, terminate: nothingToUndo('terminated'), abort: nothingToUndo('aborted') };
  },
});
