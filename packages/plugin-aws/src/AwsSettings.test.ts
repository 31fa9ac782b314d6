import * as E from 'fp-ts/lib/Either';
import { endpointEnvName, endpointFor, regionFrom } from './AwsSettings';
import { createSigV4Signer } from './SigV4Signer';

test('endpoint: option, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL (the SDK variable names)', () => {
  expect(endpointEnvName('Elastic Load Balancing v2')).toBe('AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2');
  const env = { AWS_ENDPOINT_URL: 'http://all:1', AWS_ENDPOINT_URL_CLOUDWATCH: 'http://cw:2/' };
  expect(endpointFor('CloudWatch', { env })).toEqual(E.right('http://cw:2'));
  expect(endpointFor('Elastic Load Balancing v2', { env })).toEqual(E.right('http://all:1'));
  expect(endpointFor('CloudWatch', { env, endpoint: 'https://pinned' })).toEqual(E.right('https://pinned'));
  expect(endpointFor('CloudWatch', { env: {} })).toEqual(E.right(undefined));
});

test('a bad endpoint names the variable that holds it', () => {
  const r = endpointFor('CloudWatch', { env: { AWS_ENDPOINT_URL_CLOUDWATCH: 'ftp://x' } });
  expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'AWS_ENDPOINT_URL_CLOUDWATCH' });
});

test('region: option, AWS_REGION, AWS_DEFAULT_REGION', () => {
  expect(regionFrom({ region: 'eu-west-3', env: { AWS_REGION: 'x' } })).toBe('eu-west-3');
  expect(regionFrom({ env: { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'x' } })).toBe('us-east-2');
  expect(regionFrom({ env: { AWS_DEFAULT_REGION: 'ap-south-1' } })).toBe('ap-south-1');
  expect(regionFrom({ env: {} })).toBeUndefined();
});

test('a signer without a region names the sigv4 field it needs', () => {
  const r = createSigV4Signer({ service: 'aps', env: {}, path: 'provider.prometheus.authentication.sigv4' });
  expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'PluginConfigInvalid', path: 'provider.prometheus.authentication.sigv4.region' });
});

test('the signer adds the SigV4 headers and keeps the caller\'s, without putting the secret anywhere', async () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  const r = createSigV4Signer({ service: 'aps', region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: secret, sessionToken: 'tok' }, env: {}, now: () => new Date('2015-08-30T12:36:00Z') });
  if (E.isLeft(r)) throw new Error(r.left.message);
  const h = await r.right({ method: 'POST', url: 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/query', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'query=up' })();
  if (E.isLeft(h)) throw new Error(h.left.message);
  expect(h.right['Content-Type']).toBe('application/x-www-form-urlencoded');
  expect(h.right['x-amz-date']).toBe('20150830T123600Z');
  expect(h.right['x-amz-security-token']).toBe('tok');
  expect(h.right['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/us-east-1\/aps\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
  expect(JSON.stringify(h.right)).not.toContain(secret);
});

// AWS's published Signature Version 4 test suite ("get-vanilla" and "post-x-www-form-urlencoded"): fixed keys,
// date 20150830T123600Z, region us-east-1, service "service".
describe('AWS SigV4 test suite vectors', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const signer = createSigV4Signer({ service: 'service', region: 'us-east-1', credentials, env: {}, signPayloadHeader: false, now: () => new Date('2015-08-30T12:36:00Z') });
  const sign = async (req: Parameters<Extract<typeof signer, { _tag: 'Right' }>['right']>[0]) => {
    if (E.isLeft(signer)) throw new Error(signer.left.message);
    const h = await signer.right(req)();
    if (E.isLeft(h)) throw new Error(h.left.message);
    return h.right['authorization'];
  };
  test('get-vanilla', async () => {
    expect(await sign({ method: 'GET', url: 'https://example.amazonaws.com/', headers: {} })).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });
  test('get-vanilla-query-order-key-case', async () => {
    expect(await sign({ method: 'GET', url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1', headers: {} })).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    );
  });
});
