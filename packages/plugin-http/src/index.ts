export { MAX_BODY_BYTES, originOf, sendHttp } from './HttpExchange';
export type { HttpRequest, HttpResponse } from './HttpExchange';
export { createOAuth2TokenSource, oauth2ClientOf } from './OAuth2ClientCredentials';
export type { OAuth2Client, OAuth2TokenSource } from './OAuth2ClientCredentials';
