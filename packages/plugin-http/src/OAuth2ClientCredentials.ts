/**
 * OAuth2 client-credentials tokens (RFC 6749 §4.4) for metric backends: a POST of
 * `grant_type=client_credentials` (and `scope`, space-joined) to `tokenUrl`, client credentials sent with HTTP
 * Basic first and, when the server refuses that, in the form. Tokens are cached until 10 s before they expire.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import type { OAuth2Config } from '@rollouts/api';
import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';
import { originOf, sendHttp, type HttpRequest, type HttpResponse } from './HttpExchange';

/** A complete client-credentials configuration. */
export interface OAuth2Client {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: ReadonlyArray<string>;
}

/**
 * The client an `authentication.oauth2` block asks for: `None` when the block is absent or empty, else the
 * client, or a config error naming the missing field (`path` is the block's path).
 */
export function oauth2ClientOf(config: OAuth2Config | null | undefined, path: string): E.Either<PluginError, OAuth2Client | null> {
  if (config == null) return E.right(null);
  const { tokenUrl, clientId, clientSecret, scopes } = config;
  const given = [tokenUrl, clientId, clientSecret].some((x) => x != null && x !== '') || (scopes?.length ?? 0) > 0;
  if (!given) return E.right(null);
  for (const [field, value] of [['tokenUrl', tokenUrl], ['clientId', clientId], ['clientSecret', clientSecret]] as const) {
    if (value == null || value === '') {
      return E.left(PluginErrors.pluginConfigInvalid({ message: `missing mandatory parameter in metric for OAuth2 setup: ${path}.${field} is required`, path: `${path}.${field}` }));
    }
  }
  return E.right({ tokenUrl: tokenUrl!, clientId: clientId!, clientSecret: clientSecret!, scopes: scopes ?? [] });
}

/** Fetches and caches access tokens; one per provider plugin instance. */
export interface OAuth2TokenSource {
  /** A valid access token for `client`; `headers` are sent on the token request too. */
  token(client: OAuth2Client, headers: Readonly<Record<string, string>>, opts: Pick<HttpRequest, 'timeoutMs' | 'insecure' | 'signal'>): TaskEither<PluginError, string>;
  /** Forget the cached token of `client` (the backend answered 401 with it). */
  forget(client: OAuth2Client): void;
}

const EXPIRY_MARGIN_MS = 10_000;

const keyOf = (c: OAuth2Client): string => JSON.stringify([c.tokenUrl, c.clientId, c.clientSecret, [...c.scopes]]);

const formEncode = (fields: ReadonlyArray<readonly [string, string]>): string => new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v])).toString();

function readToken(label: string, tokenUrl: string, res: HttpResponse, now: number): E.Either<PluginError, { token: string; expiresAt: number }> {
  const where = originOf(tokenUrl);
  if (res.status < 200 || res.status > 299) {
    const make = res.status >= 500 || res.status === 429 ? PluginErrors.providerUnavailable : PluginErrors.providerResponseInvalid;
    return E.left(make({ message: `${label}: the OAuth2 token endpoint at ${where} answered ${res.status}` }));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    // Some servers answer form-encoded (GitHub did); accept it as golang/oauth2 does.
    parsed = Object.fromEntries(new URLSearchParams(res.body));
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const token = o['access_token'];
  if (typeof token !== 'string' || token === '') {
    return E.left(PluginErrors.providerResponseInvalid({ message: `${label}: the OAuth2 token endpoint at ${where} answered without an access_token` }));
  }
  const expiresIn = Number(o['expires_in']);
  const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0 ? now + expiresIn * 1000 - EXPIRY_MARGIN_MS : Number.POSITIVE_INFINITY;
  return E.right({ token, expiresAt });
}

/** A token source; `label` names the provider in errors, `now` is the clock (ms since the epoch). */
export function createOAuth2TokenSource(label: string, now: () => number): OAuth2TokenSource {
  const cache = new Map<string, { token: string; expiresAt: number }>();
  return {
    forget: (client) => void cache.delete(keyOf(client)),
    token: (client, headers, opts) => async () => {
      const key = keyOf(client);
      const cached = cache.get(key);
      if (cached !== undefined && cached.expiresAt > now()) return E.right(cached.token);
      const grant: Array<[string, string]> = [['grant_type', 'client_credentials']];
      if (client.scopes.length > 0) grant.push(['scope', client.scopes.join(' ')]);
      const base = { ...opts, method: 'POST' as const, url: client.tokenUrl };
      const formHeaders = { ...headers, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
      const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64');
      let res = await sendHttp(`${label} OAuth2 token endpoint`, { ...base, headers: { ...formHeaders, Authorization: `Basic ${basic}` }, body: formEncode(grant) })();
      if (E.isRight(res) && (res.right.status === 400 || res.right.status === 401)) {
        // The server does not take HTTP Basic client authentication: send the credentials in the form.
        const inForm = formEncode([...grant, ['client_id', client.clientId], ['client_secret', client.clientSecret]]);
        res = await sendHttp(`${label} OAuth2 token endpoint`, { ...base, headers: formHeaders, body: inForm })();
      }
      if (E.isLeft(res)) return res;
      const read = readToken(label, client.tokenUrl, res.right, now());
      if (E.isRight(read)) cache.set(key, read.right);
      return E.map((t: { token: string }) => t.token)(read);
    },
  };
}
