import * as E from 'fp-ts/lib/Either';
import type { KubeObject } from '@rollouts/plugin-sdk';
import { readInfluxdbProfile, secretValues } from './InfluxdbProfile';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (values: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'influxdb', namespace: 'argo-rollouts' },
  data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, b64(v)])),
  ...extra,
});
const WHERE = 'Secret "argo-rollouts/influxdb"';
const read = (values: Record<string, string>) => readInfluxdbProfile(secret(values), WHERE);

describe('readInfluxdbProfile', () => {
  it("reads Argo's Flux profile, trimming values and the address' trailing slash", () => {
    expect(read({ address: 'http://influx:8086/', authToken: 'tok\n', org: 'acme' })).toEqual(E.right({ language: 'flux', address: 'http://influx:8086', authToken: 'tok', org: 'acme' }));
  });

  it.each([
    [{ address: 'http://i', org: 'o' }, 'authToken, org, or address not found: Secret "argo-rollouts/influxdb" has no authToken (a Flux profile needs address, authToken and org)'],
    [{}, 'authToken, org, or address not found: Secret "argo-rollouts/influxdb" has no authToken, org, address (a Flux profile needs address, authToken and org)'],
    [{ address: 'influx:8086', authToken: 't', org: 'o' }, 'Secret "argo-rollouts/influxdb": address "influx:8086" is not a valid URL (expected http(s)://host[:port][/path])'],
    [{ address: 'http://i', queryLanguage: 'sql' }, 'Secret "argo-rollouts/influxdb": queryLanguage "sql" is not supported (expected flux or influxql)'],
    [{ address: 'http://i', queryLanguage: 'influxql' }, 'Secret "argo-rollouts/influxdb" has no database (an InfluxQL profile needs address and database)'],
    [{ address: 'http://i', queryLanguage: 'influxql', database: 'd', authToken: 't', username: 'u', password: 'p' }, 'Secret "argo-rollouts/influxdb": use either authToken or username/password, not both'],
    [{ address: 'http://i', queryLanguage: 'influxql', database: 'd', username: 'u' }, 'Secret "argo-rollouts/influxdb": username and password go together (found only username)'],
  ])('refuses %j', (values, message) => {
    expect(read(values)).toEqual(E.left(message));
  });

  it.each([
    [{ address: 'http://i:8086', queryLanguage: 'InfluxQL', database: 'd' }, { language: 'influxql', address: 'http://i:8086', database: 'd', auth: null }],
    [{ address: 'http://i', queryLanguage: 'influxql', database: 'd', retentionPolicy: 'week', authToken: 'u:p' }, { language: 'influxql', address: 'http://i', database: 'd', retentionPolicy: 'week', auth: { token: 'u:p' } }],
    [{ address: 'http://i', queryLanguage: 'influxql', database: 'd', username: 'u', password: ' p ' }, { language: 'influxql', address: 'http://i', database: 'd', auth: { username: 'u', password: ' p ' } }],
  ])('reads the InfluxQL extension %j', (values, profile) => {
    expect(read(values)).toEqual(E.right(profile));
  });

  it('reads stringData over data, as the API server merges them', () => {
    expect(secretValues(secret({ org: 'from-data', address: 'a' }, { stringData: { org: 'from-stringData' } }))).toEqual({ org: 'from-stringData', address: 'a' });
  });
});
