/** What to do when the backend answers HTTP 429: shared by the HTTP metric providers (`@rollouts/plugin-http`). */
export { DEFAULT_RATE_LIMIT_WAIT_MS, MAX_RATE_LIMIT_WAIT_MS, MAX_RATE_LIMIT_WAITS, RATE_LIMIT_KEY, RATE_LIMIT_WAITS_KEY, rateLimitWait, waitsSoFar } from '@rollouts/plugin-http';
export type { RateLimitWait } from '@rollouts/plugin-http';
