/**
 * Turning a metric's `query` (a raw render-API query string such as `target=sumSeries(app.*.errors)&from=-5min`)
 * into the query string sent to `GET {address}/render`, the way Argo Rollouts does it: every ASCII whitespace
 * character is removed (even inside quoted arguments: write a space as `+` or `%20`), the rest is read as a URL
 * query string, `format=json` is set (replacing any `format`), and the pairs are re-encoded sorted by key.
 *
 * Where Argo's Go code silently drops input (a pair with a bad `%` escape or a `;`, everything after a `#`),
 * this module refuses the query with a message instead.
 */
import * as E from 'fp-ts/lib/Either';

/** A render query ready to send. */
export interface GraphiteRenderQuery {
  /** The encoded query string (without `?`), keys sorted, `format=json` included. */
  readonly encoded: string;
  /** The same pairs decoded, `key=value` joined by `&`: what the measurement metadata shows. */
  readonly readable: string;
  /** The decoded `target` values, in order. */
  readonly targets: ReadonlyArray<string>;
}

/** ASCII whitespace as Go's `\s` sees it (no Unicode spaces). */
const WHITESPACE = /[\t\n\f\r ]+/g;

/** Decode one `application/x-www-form-urlencoded` component (`+` is a space), or say which escape is bad. */
export function unescapeQueryComponent(s: string): E.Either<string, string> {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') continue;
    const hex = s.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return E.left(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
    i += 2;
  }
  // Escapes are bytes (a UTF-8 sequence may span several); everything else is text.
  const chunks: Buffer[] = [];
  for (const piece of s.split(/(%[0-9A-Fa-f]{2})/)) {
    if (piece === '') continue;
    chunks.push(piece.startsWith('%') && piece.length === 3 ? Buffer.from([parseInt(piece.slice(1), 16)]) : Buffer.from(piece.replace(/\+/g, ' '), 'utf8'));
  }
  return E.right(Buffer.concat(chunks).toString('utf8'));
}

/** Encode one query component as Go's `url.QueryEscape` does: only `A-Z a-z 0-9 - _ . ~` stay, a space is `+`. */
export function escapeQueryComponent(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * Build the render query from the metric's `query`, or say what is wrong with it (the message is meant for
 * a `PluginConfigInvalid` on `provider.graphite.query`).
 */
export function graphiteRenderQuery(query: string): E.Either<string, GraphiteRenderQuery> {
  const compact = query.replace(WHITESPACE, '');
  if (compact === '') return E.left('the graphite query is empty (expected a render query such as target=sumSeries(app.*.errors)&from=-5min)');
  const hash = compact.indexOf('#');
  if (hash >= 0) {
    return E.left(`the graphite query contains "#" at ${hash}: in a URL everything after it is a fragment and would be dropped; write it as %23`);
  }
  const pairs: Array<[string, string]> = [];
  for (const part of compact.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) return E.left(`invalid semicolon separator in query: ${JSON.stringify(part)} (separate parameters with "&", write ";" as %3B)`);
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const key = unescapeQueryComponent(rawKey);
    if (E.isLeft(key)) return E.left(`${key.left} in ${JSON.stringify(part)}`);
    const value = unescapeQueryComponent(rawValue);
    if (E.isLeft(value)) return E.left(`${value.left} in ${JSON.stringify(part)}`);
    if (key.right === 'format') continue;
    pairs.push([key.right, value.right]);
  }
  const targets = pairs.filter(([k]) => k === 'target').map(([, v]) => v);
  if (targets.length === 0 || targets.every((t) => t === '')) {
    return E.left(`the graphite query has no target: ${JSON.stringify(compact)} (expected target=<series or function>, e.g. target=sumSeries(app.*.errors)&from=-5min)`);
  }
  pairs.push(['format', 'json']);
  // Sorted by key (byte order, as Go's sort.Strings); values of one key keep their order (stable sort).
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return E.right({
    encoded: sorted.map(([k, v]) => `${escapeQueryComponent(k)}=${escapeQueryComponent(v)}`).join('&'),
    readable: sorted.map(([k, v]) => `${k}=${v}`).join('&'),
    targets,
  });
}
