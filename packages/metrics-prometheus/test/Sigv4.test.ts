/** authentication.sigv4 with the signer injected as apps/controller would (over @rollouts/plugin-aws). */
import type * as http from 'node:http';
import { createSigV4Signer } from '@rollouts/plugin-aws';
import { startHttpServer } from '@rollouts/plugin-http/testing';
import { measureOnce } from '@rollouts/plugin-sdk/testing';
import { createPrometheusMetricProvider } from '../src';
import { testDeps, valueOf, errorOf } from './ProviderHarness';

const provider = createPrometheusMetricProvider({
  sigv4: (c, env, path) => createSigV4Signer({ service: 'aps', region: c.region ?? undefined, profile: c.profile ?? undefined, roleArn: c.roleArn ?? undefined, env, path }),
});
const ok = (_r: unknown, res: http.ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.5'] }] } }));
};
const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

test('signs the query for service aps in the configured region, secret never sent', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const fake = await startHttpServer(ok);
  try {
    const r = await measureOnce(provider, { address: `${fake.url}/workspaces/ws-1`, query: 'up', authentication: { sigv4: { region: 'eu-west-1' } } }, { deps: testDeps({}) });
    expect(valueOf(r)).toEqual([0.5]);
    const [req] = fake.seen;
    expect(req?.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=.*content-type.*host.*x-amz-content-sha256;x-amz-date/);
    expect(JSON.stringify(req?.headers)).not.toContain(env.AWS_SECRET_ACCESS_KEY);
  } finally {
    process.env = saved;
    await fake.close();
  }
});

test('no region anywhere: a config error naming authentication.sigv4.region', async () => {
  const fake = await startHttpServer(ok);
  try {
    const e = errorOf(await measureOnce(provider, { address: fake.url, query: 'up', authentication: { sigv4: { profile: 'x' } } }, { deps: testDeps({}) }));
    expect(e).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.prometheus.authentication.sigv4.region' });
  } finally {
    await fake.close();
  }
});

test('sigv4 with basicAuth is a config error', async () => {
  const e = errorOf(await measureOnce(provider, { address: 'http://x', query: 'up', authentication: { sigv4: { region: 'eu-west-1' }, basicAuth: { username: 'a', password: 'b' } } }, { deps: testDeps({}) }));
  expect(e.message).toContain('choose one of basicAuth, oauth2 and sigv4');
});
