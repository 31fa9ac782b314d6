/**
 * The newRelic provider over HTTP against a recorded-contract fake of NerdGraph (`NerdGraphFake.ts`): the fake
 * checks method, path, headers and GraphQL body of every request it receives (`violations` must stay empty)
 * and answers what each test scripts. Profiles come from Secrets in an in-memory `FakeKubeObjectClient`.
 */
import { closedPort } from '@rollouts/plugin-http/testing';
import type { MeasurementOutcome } from '@rollouts/plugin-sdk/testing';
import { createNewRelicMetricProvider, MAX_RATE_LIMIT_WAITS, NERDGRAPH_URLS, newRelicMetricProvider, readNewRelicProfile } from '../src';
import { FAKE_ACCOUNT, FAKE_API_KEY, rows, startNerdGraphFake, type FakeAnswer, type NerdGraphFake, type NrqlRequest } from './NerdGraphFake';
import { CONTROLLER_NS, errorOf, judged, measure, NOW, profileSecret, runIn, secret, testDeps, valueOf } from './ProviderHarness';

let fake: NerdGraphFake | undefined;
const start = async (answer: (req: NrqlRequest, n: number) => FakeAnswer) => (fake = await startNerdGraphFake(answer));
afterEach(async () => {
  if (fake !== undefined) {
    expect(fake.violations).toEqual([]);
    await fake.close();
    fake = undefined;
  }
});

const NRQL = "SELECT percentage(count(*), WHERE error IS true) AS errorRate FROM Transaction WHERE appName = 'checkout' SINCE 5 minutes ago";

function expectNoKey(r: MeasurementOutcome): void {
  expect(JSON.stringify(r._tag === 'Left' ? { ...r.left, cause: undefined } : r.right)).not.toContain(FAKE_API_KEY);
}

describe('newRelic against the recorded-contract fake of NerdGraph', () => {
  it('POSTs the NRQL with the account and timeout; one row is an object', async () => {
    await start(() => ({ body: rows({ errorRate: 0.5, 'average.duration': 12.5 }) }));
    const r = await measure({ query: NRQL }, testDeps([profileSecret(fake!.graphqlUrl)]));
    expect(valueOf(r)).toEqual({ errorRate: 0.5, 'average.duration': 12.5 });
    expect(r._tag === 'Right' && r.right.metadata).toEqual({ ResolvedNewRelicQuery: NRQL, NewRelicProfile: `${CONTROLLER_NS}/newrelic` });
    expect(fake!.requests).toEqual([{ accountId: FAKE_ACCOUNT, query: NRQL, timeout: 5 }]);
    expect(fake!.seen[0]!.headers['api-key']).toBe(FAKE_API_KEY);
    expect(judged(r, { successCondition: "result.errorRate < 1 && result['average.duration'] < 20" }).phase).toBe('Successful');
  });

  it('several rows (FACET) are a list', async () => {
    await start(() => ({ body: rows({ appName: 'a', errorRate: 0.1 }, { appName: 'b', errorRate: 3 }) }));
    const r = await measure({ query: `${NRQL} FACET appName`, timeout: 20 }, testDeps([profileSecret(fake!.graphqlUrl)]));
    expect(valueOf(r)).toEqual([
      { appName: 'a', errorRate: 0.1 },
      { appName: 'b', errorRate: 3 },
    ]);
    expect(fake!.requests[0]!.timeout).toBe(20);
    expect(judged(r, { successCondition: 'all(result, {.errorRate < 1})' }).phase).toBe('Failed');
  });

  it.each([
    ['Successful', 0.2, 'Successful'],
    ['Failed', 7, 'Failed'],
    ['Inconclusive', 2, 'Inconclusive'],
  ])('outcome through the conditions: %s', async (_name, errorRate, phase) => {
    await start(() => ({ body: rows({ errorRate }) }));
    const r = await measure({ query: NRQL }, testDeps([profileSecret(fake!.graphqlUrl)]));
    expect(judged(r, { successCondition: 'result.errorRate < 1', failureCondition: 'result.errorRate > 5' })).toMatchObject({ phase, value: JSON.stringify({ errorRate }) });
  });

  it.each([
    ['no rows', rows()],
    ['one empty row', rows({})],
  ])('%s is the error "no results returned from NRQL query"', async (_name, body) => {
    await start(() => ({ body }));
    const e = errorOf(await measure({ query: NRQL }, testDeps([profileSecret(fake!.graphqlUrl)])));
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', message: 'no results returned from NRQL query' });
  });

  it('reads the Secret named by profile', async () => {
    await start(() => ({ body: rows({ count: 3 }) }));
    const r = await measure({ query: NRQL, profile: 'newrelic-prod' }, testDeps([profileSecret('http://127.0.0.1:1/graphql'), profileSecret(fake!.graphqlUrl, 'newrelic-prod')]));
    expect(valueOf(r)).toEqual({ count: 3 });
    expect(r._tag === 'Right' && r.right.metadata?.['NewRelicProfile']).toBe(`${CONTROLLER_NS}/newrelic-prod`);
  });
});

describe('newRelic failures', () => {
  it('a key NerdGraph refuses (BAD_API_KEY) is an Error naming the Secret, without the key', async () => {
    await start(() => ({ body: rows({ count: 1 }) }));
    const r = await measure({ query: NRQL }, testDeps([profileSecret(fake!.graphqlUrl, 'newrelic', { 'personal-api-key': 'NRAK-WRONG-KEY-000' })]));
    const e = errorOf(r);
    expect(e).toMatchObject({ _tag: 'ProviderResponseInvalid', retryable: false });
    expect(e.message).toBe(`New Relic refused the personal API key: Invalid API key; check personal-api-key (a User key) and account-id in Secret "${CONTROLLER_NS}/newrelic"`);
    expect(JSON.stringify(r)).not.toContain('NRAK-WRONG-KEY-000');
  });

  it.each([401, 403])('HTTP %d is an Error naming the Secret; a key echoed in the body is redacted', async (status) => {
    await start(() => ({ status, body: { errors: [{ message: `key ${FAKE_API_KEY} is not allowed` }] } }));
    const r = await measure({ query: NRQL }, testDeps([profileSecret(fake!.graphqlUrl)]));
    const e = errorOf(r);
    expect(e.message).toBe(`New Relic refused the personal API key (HTTP ${status}): key ***** is not allowed; check personal-api-key (a User key) and account-id in Secret "${CONTROLLER_NS}/newrelic"`);
    expectNoKey(r);
  });

  it('429 with Retry-After waits as asked (Pending with resumeAt), then measures on resume', async () => {
    await start((_req, n) => (n === 1 ? { status: 429, headers: { 'Retry-After': '20' }, body: { errors: [{ message: 'Too many requests' }] } } : { body: rows({ errorRate: 0.1 }) }));
    const provider = newRelicMetricProvider.make(testDeps([profileSecret(fake!.graphqlUrl)]))({ query: NRQL });
    const ctx = { run: runIn('default'), metric: {} as never, signal: new AbortController().signal, now: NOW };
    const first = await provider.run(ctx)();
    expect(first).toEqual({
      _tag: 'Right',
      right: {
        _tag: 'Pending',
        resumeAt: NOW + 20_000,
        metadata: {
          ResolvedNewRelicQuery: NRQL,
          NewRelicProfile: `${CONTROLLER_NS}/newrelic`,
          rateLimitWaits: '1',
          rateLimited: `New Relic answered HTTP 429 (rate limited); waited Retry-After 20 s (wait 1 of ${MAX_RATE_LIMIT_WAITS})`,
        },
      },
    });
    const metadata = first._tag === 'Right' && first.right._tag === 'Pending' ? first.right.metadata! : {};
    const second = await provider.resume!({ ...ctx, now: NOW + 20_000 }, metadata)();
    expect(second).toMatchObject({ _tag: 'Right', right: { _tag: 'Value', value: { errorRate: 0.1 } } });
  });

  it(`after ${MAX_RATE_LIMIT_WAITS} waits, or for a wait over 5 minutes, a 429 is a retryable Error`, async () => {
    await start((_req, n) => (n === 1 ? { status: 429, headers: { 'Retry-After': '2' } } : { status: 429, headers: { 'Retry-After': '900' } }));
    const provider = newRelicMetricProvider.make(testDeps([profileSecret(fake!.graphqlUrl)]))({ query: NRQL });
    const ctx = { run: runIn('default'), metric: {} as never, signal: new AbortController().signal, now: NOW };
    const tooMany = await provider.resume!(ctx, { rateLimitWaits: String(MAX_RATE_LIMIT_WAITS) })();
    expect(tooMany).toMatchObject({ _tag: 'Left', left: { _tag: 'ProviderUnavailable', retryable: true, message: `New Relic answered HTTP 429 (rate limited): still rate limited after waiting ${MAX_RATE_LIMIT_WAITS} times; the measurement is retried as an error` } });
    const tooLong = await provider.run(ctx)();
    expect(tooLong._tag === 'Left' && tooLong.left.message).toContain('(Retry-After 900 s) is longer than the 300 s a measurement waits');
  });

  it.each([
    ['an NRDB timeout (errorClass TIMEOUT)', { errors: [{ message: 'NRDB query duration exceeded the set timeout', extensions: { errorClass: 'TIMEOUT' } }] }, 'ProviderUnavailable', 'NerdGraph error: NRDB query duration exceeded the set timeout'],
    ['a bad NRQL', { errors: [{ message: 'NRQL Syntax Error: Error at line 1', extensions: { errorClass: 'INVALID_INPUT' } }, { message: 'second' }] }, 'ProviderResponseInvalid', 'NerdGraph error: NRQL Syntax Error: Error at line 1, second'],
    ['only a deprecation notice', { errors: [{ message: 'This field is deprecated! Use x' }], ...rows({ n: 1 }) }, undefined, undefined],
  ])('GraphQL errors: %s', async (_name, body, tag, message) => {
    await start(() => ({ body }));
    const r = await measure({ query: NRQL }, testDeps([profileSecret(fake!.graphqlUrl)]));
    if (tag === undefined) expect(valueOf(r)).toEqual({ n: 1 });
    else expect(errorOf(r)).toMatchObject({ _tag: tag, message });
  });

  it.each([
    [500, 'ProviderUnavailable', 'New Relic NerdGraph answered HTTP 500: boom'],
    [404, 'ProviderResponseInvalid', 'answered 404 (not found)'],
  ])('HTTP %d', async (status, tag, message) => {
    await start(() => ({ status, body: { errors: [{ message: 'boom' }] } }));
    const e = errorOf(await measure({ query: NRQL }, testDeps([profileSecret(fake!.graphqlUrl)])));
    expect(e._tag).toBe(tag);
    expect(e.message).toContain(message);
  });

  it.each([
    ['non-JSON', '<html>oops</html>', 'could not parse the NerdGraph answer as JSON'],
    ['a JSON list', '[]', 'the body is not a JSON object'],
    ['no nrql results', JSON.stringify({ data: { actor: { account: null } } }), 'it has no data.actor.account.nrql.results list'],
    ['results not a list', JSON.stringify({ data: { actor: { account: { nrql: { results: {} } } } } }), 'it has no data.actor.account.nrql.results list'],
    ['a row that is not an object', JSON.stringify({ data: { actor: { account: { nrql: { results: [1] } } } } }), 'results[0] is not an object'],
  ])('a malformed body (%s) is an Error', async (_name, body, message) => {
    await start(() => ({ body }));
    const e = errorOf(await measure({ query: NRQL }, testDeps([profileSecret(fake!.graphqlUrl)])));
    expect(e._tag).toBe('ProviderResponseInvalid');
    expect(e.message).toContain(message);
  });

  it('a server slower than the HTTP bound is a ProviderTimeout', async () => {
    await start(() => 'hang');
    const plugin = createNewRelicMetricProvider({ httpTimeoutMs: 300 });
    const started = Date.now();
    const e = errorOf(await measure({ query: NRQL }, testDeps([profileSecret(fake!.graphqlUrl)]), { plugin }));
    expect(e).toMatchObject({ _tag: 'ProviderTimeout', retryable: true, message: `New Relic NerdGraph at ${fake!.url} did not answer within 0.3 s` });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a server that is down is a retryable error', async () => {
    const port = await closedPort();
    const e = errorOf(await measure({ query: NRQL }, testDeps([profileSecret(`http://127.0.0.1:${port}/graphql`)])));
    expect(e).toMatchObject({ _tag: 'ProviderUnavailable', retryable: true });
    expect(e.message).toContain(`could not reach New Relic NerdGraph at http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});

describe('newRelic profile and configuration', () => {
  it('a missing Secret is an Error naming it', async () => {
    const e = errorOf(await measure({ query: NRQL, profile: 'nr-team' }, testDeps([])));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.newRelic.profile' });
    expect(e.message).toBe(
      `account ID or personal API key not found: Secret "${CONTROLLER_NS}/nr-team" does not exist (create it with keys personal-api-key, account-id and optionally region, or name another Secret in provider.newRelic.profile)`,
    );
  });

  it('a missing key is an Error naming the Secret and the key', async () => {
    const e = errorOf(await measure({ query: NRQL }, testDeps([secret(CONTROLLER_NS, 'newrelic', { 'account-id': '1' })])));
    expect(e.message).toBe(`account ID or personal API key not found: Secret "${CONTROLLER_NS}/newrelic" has no key "personal-api-key"`);
  });

  it('uses the argo-rollouts namespace without POD_NAMESPACE', async () => {
    const e = errorOf(await measure({ query: NRQL }, testDeps([], {})));
    expect(e.message).toContain('Secret "argo-rollouts/newrelic" does not exist');
  });

  it.each([
    [{ 'account-id': 'abc' }, 'could not parse account ID: Secret "ns/nr" key "account-id" must be a positive integer (got "abc")'],
    [{ region: 'ap' }, 'Secret "ns/nr" key "region": unknown region "ap" (expected us, eu or staging, or set base-url-nerdgraph)'],
    [{ 'base-url-nerdgraph': 'api.newrelic.com/graphql' }, 'Secret "ns/nr" key "base-url-nerdgraph": "api.newrelic.com/graphql" is not a valid URL'],
  ])('rejects the profile %p', (extra, message) => {
    const r = readNewRelicProfile(secret('ns', 'nr', { 'personal-api-key': 'k', 'account-id': '42', ...extra }), 'Secret "ns/nr"');
    expect(r._tag === 'Left' && r.left).toContain(message);
  });

  it.each([
    [{}, NERDGRAPH_URLS['us']],
    [{ region: 'US' }, NERDGRAPH_URLS['us']],
    [{ region: 'eu' }, 'https://api.eu.newrelic.com/graphql'],
    [{ region: 'eu', 'base-url-nerdgraph': 'http://proxy:8080/graphql', 'base-url-rest': 'http://proxy:8080/v2' }, 'http://proxy:8080/graphql'],
  ])('picks NerdGraph for %p', (extra, url) => {
    const r = readNewRelicProfile(secret('ns', 'nr', { 'personal-api-key': 'k', 'account-id': '42', ...extra }), 'Secret "ns/nr"');
    expect(r).toEqual({ _tag: 'Right', right: { apiKey: 'k', accountId: 42, nerdGraphUrl: url, where: 'Secret "ns/nr"' } });
  });

  it.each([
    [{ query: NRQL, timeout: -1 }, 'provider.newRelic.timeout', 'timeout value needs to be a positive value'],
    [{ query: ' ' }, 'provider.newRelic.query', 'provider.newRelic.query is required'],
  ])('rejects %p before any request', async (config, path, message) => {
    const deps = testDeps([]);
    const e = errorOf(await measure(config, deps));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path });
    expect(e.message).toContain(message);
    expect(deps.kube.calls).toEqual([]);
  });

  it('terminating a measurement that waits for the rate limit ends it and says so', async () => {
    const provider = newRelicMetricProvider.make(testDeps([]))({ query: NRQL });
    const r = await provider.terminate!({ run: runIn('default'), metric: {} as never, signal: new AbortController().signal, now: NOW }, { rateLimitWaits: '1' })();
    expect(r).toMatchObject({ _tag: 'Right', right: { _tag: 'Verdict', phase: 'Successful' } });
  });

});
