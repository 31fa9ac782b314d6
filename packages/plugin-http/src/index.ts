export { MAX_BODY_BYTES, originOf, sendHttp } from './HttpExchange';
export type { HttpRequest, HttpResponse } from './HttpExchange';
export { createOAuth2TokenSource, oauth2ClientOf } from './OAuth2ClientCredentials';
export type { OAuth2Client, OAuth2TokenSource } from './OAuth2ClientCredentials';
export { DEFAULT_RATE_LIMIT_WAIT_MS, MAX_RATE_LIMIT_WAIT_MS, MAX_RATE_LIMIT_WAITS, RATE_LIMIT_KEY, RATE_LIMIT_WAITS_KEY, rateLimitWait, waitsSoFar } from './RateLimit';
export type { RateLimitWait } from './RateLimit';
