/**
 * The New Relic profile: a Secret in the controller's namespace named by `provider.newRelic.profile`
 * (default `newrelic`), as Argo Rollouts reads it. Keys:
 *
 * - `personal-api-key` (required): a User key, sent as `Api-Key`.
 * - `account-id` (required): the account the NRQL runs in, an integer.
 * - `region` (optional): `us` (default) or `eu`; `staging` is accepted too.
 * - `base-url-nerdgraph` (optional): the NerdGraph URL to use instead of the region's (a proxy).
 * - `base-url-rest` (optional): read by upstream's client for the REST API, which NRQL queries never use;
 *   accepted and ignored.
 *
 * The controller's namespace is `POD_NAMESPACE` (what the install manifests set), else `argo-rollouts`.
 */
import * as E from 'fp-ts/lib/Either';
import type { KubeObject, ProviderDeps } from '@rollouts/plugin-sdk';

/** The Secret read when `profile` is not set. */
export const DEFAULT_NEWRELIC_PROFILE = 'newrelic';
/** The controller's namespace when `POD_NAMESPACE` is not set (Argo's default). */
export const DEFAULT_CONTROLLER_NAMESPACE = 'argo-rollouts';
/** Secret keys. */
export const NEWRELIC_PROFILE_KEYS = {
  personalApiKey: 'personal-api-key',
  accountId: 'account-id',
  region: 'region',
  baseUrlRest: 'base-url-rest',
  baseUrlNerdGraph: 'base-url-nerdgraph',
} as const;
/** NerdGraph per region. */
export const NERDGRAPH_URLS: Readonly<Record<string, string>> = {
  us: 'https://api.newrelic.com/graphql',
  eu: 'https://api.eu.newrelic.com/graphql',
  staging: 'https://staging-api.newrelic.com/graphql',
};

/** A profile read from its Secret; `where` names the Secret in messages (never its values). */
export interface NewRelicProfile {
  readonly apiKey: string;
  readonly accountId: number;
  readonly nerdGraphUrl: string;
  readonly where: string;
}

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

/** Read a profile from its Secret; `where` is `Secret "<ns>/<name>"`. */
export function readNewRelicProfile(secret: KubeObject, where: string): E.Either<string, NewRelicProfile> {
  const v = secretValues(secret);
  const get = (k: string) => (v[k] ?? '').trim();
  const missing = [NEWRELIC_PROFILE_KEYS.personalApiKey, NEWRELIC_PROFILE_KEYS.accountId].filter((k) => get(k) === '');
  if (missing.length > 0) return E.left(`account ID or personal API key not found: ${where} has no key ${missing.map((k) => `"${k}"`).join(' and no key ')}`);
  const accountText = get(NEWRELIC_PROFILE_KEYS.accountId);
  const accountId = /^\d+$/.test(accountText) ? Number(accountText) : Number.NaN;
  if (!Number.isSafeInteger(accountId) || accountId <= 0 || accountId > 2_147_483_647) {
    return E.left(`could not parse account ID: ${where} key "${NEWRELIC_PROFILE_KEYS.accountId}" must be a positive integer (got ${JSON.stringify(accountText)})`);
  }
  let nerdGraphUrl = get(NEWRELIC_PROFILE_KEYS.baseUrlNerdGraph);
  if (nerdGraphUrl !== '') {
    try {
      const u = new URL(nerdGraphUrl);
      if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') throw new Error('not http(s)');
    } catch {
      return E.left(`${where} key "${NEWRELIC_PROFILE_KEYS.baseUrlNerdGraph}": ${JSON.stringify(nerdGraphUrl)} is not a valid URL (expected http(s)://host[:port]/graphql)`);
    }
  } else {
    const region = (get(NEWRELIC_PROFILE_KEYS.region) || 'us').toLowerCase();
    const url = NERDGRAPH_URLS[region];
    if (url === undefined) return E.left(`${where} key "${NEWRELIC_PROFILE_KEYS.region}": unknown region ${JSON.stringify(region)} (expected us, eu or staging, or set ${NEWRELIC_PROFILE_KEYS.baseUrlNerdGraph})`);
    nerdGraphUrl = url;
  }
  return E.right({ apiKey: get(NEWRELIC_PROFILE_KEYS.personalApiKey), accountId, nerdGraphUrl, where });
}
