/**
 * The connection profile of the `influxdb` provider: a Kubernetes Secret in the controller's namespace,
 * named by `provider.influxdb.profile` (default `influxdb`), as Argo Rollouts reads it.
 *
 * Argo's keys, for Flux over the InfluxDB 2 API: `address`, `authToken`, `org` (all three required).
 *
 * This project's additive keys, for InfluxQL against InfluxDB 1.x (`GET /query`), which Argo does not read:
 * `queryLanguage: influxql` (default `flux`), `database` (required with influxql), `retentionPolicy`
 * (optional), and either `authToken` (sent as `Token …`, InfluxDB 1.8+/2.x) or `username` + `password`
 * (HTTP Basic), or neither when the server has no auth. The metric itself stays upstream's `{profile, query}`.
 */
import * as E from 'fp-ts/lib/Either';
import type { KubeObject } from '@rollouts/plugin-sdk';

/** The Secret a profile is read from when `profile` is not set (Argo's default). */
export const DEFAULT_INFLUXDB_PROFILE = 'influxdb';

/** Secret keys read by Argo Rollouts. */
export const INFLUXDB_PROFILE_KEYS = { address: 'address', authToken: 'authToken', org: 'org' } as const;
/** Secret keys this project adds for InfluxQL (InfluxDB 1.x). */
export const INFLUXQL_PROFILE_KEYS = { queryLanguage: 'queryLanguage', database: 'database', retentionPolicy: 'retentionPolicy', username: 'username', password: 'password' } as const;

/** A Flux profile: Argo's three keys. */
export interface FluxProfile {
  readonly language: 'flux';
  readonly address: string;
  readonly authToken: string;
  readonly org: string;
}

/** An InfluxQL profile (extension). */
export interface InfluxqlProfile {
  readonly language: 'influxql';
  readonly address: string;
  readonly database: string;
  readonly retentionPolicy?: string;
  readonly auth: { readonly token: string } | { readonly username: string; readonly password: string } | null;
}

export type InfluxdbProfile = FluxProfile | InfluxqlProfile;

/** The Secret's values as text: `data` (base64) with `stringData` over it, as the API server merges them. */
export function secretValues(secret: KubeObject): Record<string, string> {
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

function addressOf(address: string, where: string): E.Either<string, string> {
  try {
    const u = new URL(address);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && u.search === '' && u.hash === '') return E.right(address.replace(/\/+$/, ''));
  } catch {
    // reported below
  }
  return E.left(`${where}: address ${JSON.stringify(address)} is not a valid URL (expected http(s)://host[:port][/path])`);
}

/** Read a profile from its Secret; `where` names it in messages (`Secret "argo-rollouts/influxdb"`). */
export function readInfluxdbProfile(secret: KubeObject, where: string): E.Either<string, InfluxdbProfile> {
  const v = secretValues(secret);
  const get = (k: string) => (v[k] ?? '').trim();
  const language = get(INFLUXQL_PROFILE_KEYS.queryLanguage).toLowerCase() || 'flux';
  if (language === 'flux') {
    const missing = [INFLUXDB_PROFILE_KEYS.authToken, INFLUXDB_PROFILE_KEYS.org, INFLUXDB_PROFILE_KEYS.address].filter((k) => get(k) === '');
    if (missing.length > 0) return E.left(`authToken, org, or address not found: ${where} has no ${missing.join(', ')} (a Flux profile needs address, authToken and org)`);
    const address = addressOf(get('address'), where);
    if (E.isLeft(address)) return address;
    return E.right({ language: 'flux', address: address.right, authToken: get('authToken'), org: get('org') });
  }
  if (language !== 'influxql') return E.left(`${where}: queryLanguage ${JSON.stringify(language)} is not supported (expected flux or influxql)`);
  const missing = [INFLUXDB_PROFILE_KEYS.address, INFLUXQL_PROFILE_KEYS.database].filter((k) => get(k) === '');
  if (missing.length > 0) return E.left(`${where} has no ${missing.join(', ')} (an InfluxQL profile needs address and database)`);
  const address = addressOf(get('address'), where);
  if (E.isLeft(address)) return address;
  const token = get('authToken');
  const username = get('username');
  const password = v['password'] ?? '';
  if (token !== '' && (username !== '' || password !== '')) return E.left(`${where}: use either authToken or username/password, not both`);
  if ((username === '') !== (password === '')) return E.left(`${where}: username and password go together (found only ${username === '' ? 'password' : 'username'})`);
  const rp = get('retentionPolicy');
  return E.right({
    language: 'influxql',
    address: address.right,
    database: get('database'),
    ...(rp !== '' ? { retentionPolicy: rp } : {}),
    auth: token !== '' ? { token } : username !== '' ? { username, password } : null,
  });
}
