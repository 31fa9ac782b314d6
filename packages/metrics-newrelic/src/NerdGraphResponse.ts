/**
 * Reading NerdGraph's answer to an NRQL query (`data.actor.account.nrql.results`) into the `result` a
 * metric's conditions see, as Argo Rollouts maps it: one row is that row (an object: `result.count`,
 * `result['average.duration']`); several rows (FACET, TIMESERIES) are the array of rows; no row, or one empty
 * row, is the error `no results returned from NRQL query`.
 *
 * GraphQL `errors` (except deprecation notices) are errors with their messages joined by `, `; a
 * `BAD_API_KEY` error code is an authentication failure; `TIMEOUT`, `INTERNAL_SERVER_ERROR` and
 * `SERVER_ERROR` error classes are worth retrying.
 */
import * as E from 'fp-ts/lib/Either';

/** What went wrong, before it becomes a `PluginError` (the provider adds where the key came from). */
export type NerdGraphProblem =
  | { readonly kind: 'auth'; readonly message: string }
  | { readonly kind: 'retryable'; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string };

/** The result for the conditions: one row, or every row. */
export type NrqlResult = Readonly<Record<string, unknown>> | ReadonlyArray<Readonly<Record<string, unknown>>>;

const RETRYABLE_CLASSES = new Set(['TIMEOUT', 'INTERNAL_SERVER_ERROR', 'SERVER_ERROR']);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The problem in a GraphQL `errors` list, if any. */
export function graphqlErrors(errors: unknown): NerdGraphProblem | undefined {
  if (!Array.isArray(errors)) return undefined;
  const relevant = errors.filter((e) => !(isObject(e) && typeof e['message'] === 'string' && e['message'].startsWith('This field is deprecated!')));
  if (relevant.length === 0) return undefined;
  const messages = relevant.map((e) => (isObject(e) && typeof e['message'] === 'string' ? e['message'] : JSON.stringify(e))).join(', ');
  const ext = (e: unknown): Record<string, unknown> => (isObject(e) && isObject(e['extensions']) ? e['extensions'] : {});
  if (relevant.some((e) => ext(e)['error_code'] === 'BAD_API_KEY')) return { kind: 'auth', message: messages };
  if (relevant.some((e) => RETRYABLE_CLASSES.has(String(ext(e)['errorClass'])))) return { kind: 'retryable', message: messages };
  return { kind: 'invalid', message: messages };
}

/** Read a NerdGraph answer body (HTTP 200). */
export function readNerdGraphResponse(body: string): E.Either<NerdGraphProblem, NrqlResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return E.left({ kind: 'invalid', message: `could not parse the NerdGraph answer as JSON: ${e instanceof Error ? e.message : String(e)}` });
  }
  if (!isObject(parsed)) return E.left({ kind: 'invalid', message: 'could not read the NerdGraph answer: the body is not a JSON object' });
  const problem = graphqlErrors(parsed['errors']);
  if (problem !== undefined) return E.left(problem);
  const data = parsed['data'];
  const actor = isObject(data) ? data['actor'] : undefined;
  const account = isObject(actor) ? actor['account'] : undefined;
  const nrql = isObject(account) ? account['nrql'] : undefined;
  const results = isObject(nrql) ? nrql['results'] : undefined;
  if (!Array.isArray(results)) return E.left({ kind: 'invalid', message: 'could not read the NerdGraph answer: it has no data.actor.account.nrql.results list' });
  const rows: Array<Record<string, unknown>> = [];
  for (const [i, row] of results.entries()) {
    if (!isObject(row)) return E.left({ kind: 'invalid', message: `could not read the NerdGraph answer: results[${i}] is not an object` });
    rows.push(row);
  }
  if (rows.length === 0 || (rows.length === 1 && Object.keys(rows[0]!).length === 0)) return E.left({ kind: 'invalid', message: 'no results returned from NRQL query' });
  return E.right(rows.length === 1 ? rows[0]! : rows);
}
