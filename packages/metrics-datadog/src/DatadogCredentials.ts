/**
 * Where the `datadog` provider finds its API key, application key and address, as Argo Rollouts does:
 *
 * - `secretRef.name` set: only that Secret, in the AnalysisRun's namespace when `secretRef.namespaced` is
 *   true, else in the controller's namespace. No fallback (upstream's docs say it falls back, its code does not).
 * - otherwise: the controller's environment when `DD_API_KEY`, `DD_APP_KEY` and `DD_ADDRESS` are all set,
 *   else the Secret `datadog` in the controller's namespace.
 *
 * Secret keys: `api-key`, `app-key`, optional `address` (default `https://api.datadoghq.com`). The
 * controller's namespace is `POD_NAMESPACE` (what the install manifests set), else `argo-rollouts`.
 */
import * as E from 'fp-ts/lib/Either';
import type { DatadogMetric } from '@rollouts/api';
import { PluginErrors, type KubeObject, type MeasurementContext, type PluginError, type ProviderDeps } from '@rollouts/plugin-sdk';

/** Secret read when the metric has no `secretRef`. */
export const DEFAULT_DATADOG_SECRET = 'datadog';
/** Address used when the Secret has no `address`. */
export const DEFAULT_DATADOG_ADDRESS = 'https://api.datadoghq.com';
/** The controller's namespace when `POD_NAMESPACE` is not set (Argo's default). */
export const DEFAULT_CONTROLLER_NAMESPACE = 'argo-rollouts';
/** Secret keys. */
export const DATADOG_SECRET_KEYS = { address: 'address', apiKey: 'api-key', appKey: 'app-key' } as const;
/** Controller environment variables read when no `secretRef` is set (all three, or none is used). */
export const DATADOG_ENV = { apiKey: 'DD_API_KEY', appKey: 'DD_APP_KEY', address: 'DD_ADDRESS' } as const;

/** Resolved credentials; `source` names where they came from, for messages (never the values). */
export interface DatadogCredentials {
  readonly address: string;
  readonly apiKey: string;
  readonly appKey: string;
  readonly source: string;
}

const PATH = 'provider.datadog';

/** The controller's namespace from its environment. */
export function controllerNamespace(env: ProviderDeps['env']): string {
  const ns = env['POD_NAMESPACE'];
  return ns !== undefined && ns !== '' ? ns : DEFAULT_CONTROLLER_NAMESPACE;
}

/** The Secret's values as text: `data` (base64) with `stringData` over it. */
function secretValues(secret: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  const data = secret['data'];
  if (typeof data === 'object' && data !== null) {
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) if (typeof v === 'string') out[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  const stringData = secret['stringData'];
  if (typeof stringData === 'object' && stringData !== null) {
    for (const [k, v] of Object.entries(stringData as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** Check an address: http(s) with a host; the trailing slash dropped. */
export function checkAddress(address: string, where: string): E.Either<PluginError, string> {
  try {
    const u = new URL(address);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && u.search === '' && u.hash === '') return E.right(address.replace(/\/+$/, ''));
  } catch {
    // reported below
  }
  return E.left(PluginErrors.pluginConfigInvalid({ message: `${where}: address ${JSON.stringify(address)} is not a valid URL (expected http(s)://host[:port])`, path: `${PATH}.secretRef` }));
}

/** Find the credentials for one measurement. */
export async function datadogCredentials(deps: ProviderDeps, config: DatadogMetric, ctx: MeasurementContext): Promise<E.Either<PluginError, DatadogCredentials>> {
  const ref = config.secretRef;
  const named = ref?.name != null && ref.name !== '';
  if (!named) {
    const apiKey = deps.env[DATADOG_ENV.apiKey] ?? '';
    const appKey = deps.env[DATADOG_ENV.appKey] ?? '';
    const address = deps.env[DATADOG_ENV.address] ?? '';
    if (apiKey !== '' && appKey !== '' && address !== '') {
      const checked = checkAddress(address, `the controller's ${DATADOG_ENV.address}`);
      return E.map((a: string) => ({ address: a, apiKey, appKey, source: `the controller's ${DATADOG_ENV.apiKey}/${DATADOG_ENV.appKey}/${DATADOG_ENV.address}` }))(checked);
    }
  }
  const name = named ? ref!.name! : DEFAULT_DATADOG_SECRET;
  let namespace = controllerNamespace(deps.env);
  if (named && ref?.namespaced === true) {
    const runNs = ctx.run.metadata?.namespace;
    if (runNs == null || runNs === '') {
      return E.left(PluginErrors.pluginConfigInvalid({ message: `${PATH}.secretRef.namespaced is true but the AnalysisRun has no namespace`, path: `${PATH}.secretRef.namespaced` }));
    }
    namespace = runNs;
  }
  const where = `Secret "${namespace}/${name}"`;
  const path = named ? `${PATH}.secretRef.name` : `${PATH}.secretRef`;
  const secret = await deps.kube.get({ apiVersion: 'v1', kind: 'Secret', namespace, name })();
  if (E.isLeft(secret)) return E.left({ ...secret.left, message: `could not read ${where} for the datadog provider: ${secret.left.message}` });
  if (secret.right === undefined) {
    const how = named
      ? `create it with keys ${DATADOG_SECRET_KEYS.apiKey}, ${DATADOG_SECRET_KEYS.appKey} and optionally ${DATADOG_SECRET_KEYS.address}`
      : `create it with keys ${DATADOG_SECRET_KEYS.apiKey}, ${DATADOG_SECRET_KEYS.appKey} and optionally ${DATADOG_SECRET_KEYS.address}, set ${PATH}.secretRef, or set ${DATADOG_ENV.apiKey}, ${DATADOG_ENV.appKey} and ${DATADOG_ENV.address} on the controller`;
    return E.left(PluginErrors.pluginConfigInvalid({ message: `API or App token not found: ${where} does not exist (${how})`, path }));
  }
  const values = secretValues(secret.right);
  const missing = [DATADOG_SECRET_KEYS.apiKey, DATADOG_SECRET_KEYS.appKey].filter((k) => (values[k] ?? '').trim() === '');
  if (missing.length > 0) {
    return E.left(PluginErrors.pluginConfigInvalid({ message: `API or App token not found: ${where} has no key ${missing.map((k) => `"${k}"`).join(' and no key ')}`, path }));
  }
  const rawAddress = (values[DATADOG_SECRET_KEYS.address] ?? '').trim();
  const address = checkAddress(rawAddress === '' ? DEFAULT_DATADOG_ADDRESS : rawAddress, `${where} key "${DATADOG_SECRET_KEYS.address}"`);
  if (E.isLeft(address)) return address;
  return E.right({ address: address.right, apiKey: values[DATADOG_SECRET_KEYS.apiKey]!.trim(), appKey: values[DATADOG_SECRET_KEYS.appKey]!.trim(), source: where });
}
