import * as crypto from 'node:crypto';
import { appJwt, createGitHubService, repoOf } from '../../src/services';
import { gitHubFake, type ContractFake } from './ContractFakes';
import { APP_PRIVATE_KEY_PEM, appKeys } from './Keys';
import { failure, instance, ok, send } from './SendHarness';

const TOKEN = 'ghs_test_installation_token';
const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('github service (GitHub App), against a recorded-contract fake of the REST API', () => {
  let fake: ContractFake;
  beforeEach(async () => {
    fake = await gitHubFake({ appId: '9001', installationId: '77', publicKey: appKeys.publicKey, token: TOKEN });
  });
  afterEach(() => fake.close());
  const inst = () => instance('github', { appID: '9001', installationID: 77, privateKey: APP_PRIVATE_KEY_PEM, enterpriseBaseURL: `${fake.url}/` });
  const base = { repoURLPath: 'https://github.com/acme/demo.git', revisionPath: SHA };

  it('gets an installation token with an RS256 app JWT, then sets the commit status', async () => {
    const github = createGitHubService();
    ok(await send(github, inst(), { message: 'Rollout demo has been completed.', github: { ...base, status: { state: 'success', label: 'rollouts/demo', targetURL: 'https://rollouts.example.com/demo' } } }, ''));
    expect(fake.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /app/installations/77/access_tokens', `POST /repos/acme/demo/statuses/${SHA}`]);
    expect(fake.seen[1]!.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(fake.jsonBodies()[1]).toEqual({ state: 'success', description: 'Rollout demo has been completed.', context: 'rollouts/demo', target_url: 'https://rollouts.example.com/demo' });
  });

  it('reuses the installation token until shortly before it expires', async () => {
    const github = createGitHubService();
    const n = { message: 'm', github: { ...base, status: { state: 'pending' } } };
    ok(await send(github, inst(), n, ''));
    ok(await send(github, inst(), n, ''));
    expect(fake.seen.filter((r) => r.url.includes('access_tokens'))).toHaveLength(1);
    expect(fake.jsonBodies()[1]).toMatchObject({ context: 'continuous-delivery/rollouts' });
  });

  it('creates a deployment for ref and environment once, then posts its statuses to it', async () => {
    const github = createGitHubService();
    const n = (state: string) => ({ message: `deploy ${state}`, github: { ...base, deployment: { state, environment: 'prod', environmentURL: 'https://demo.example.com', logURL: 'https://logs.example.com', requiredContexts: [] } } });
    ok(await send(github, inst(), n('in_progress'), ''));
    ok(await send(github, inst(), n('success'), ''));
    expect(fake.seen.map((r) => `${r.method} ${new URL(r.url, 'http://x').pathname}`)).toEqual([
      'POST /app/installations/77/access_tokens',
      'GET /repos/acme/demo/deployments',
      'POST /repos/acme/demo/deployments',
      'POST /repos/acme/demo/deployments/42/statuses',
      'GET /repos/acme/demo/deployments',
      'POST /repos/acme/demo/deployments/42/statuses',
    ]);
    const bodies = fake.jsonBodies();
    expect(bodies[2]).toEqual({ ref: SHA, environment: 'prod', auto_merge: false, required_contexts: [], description: 'deploy in_progress' });
    expect(bodies[5]).toEqual({ state: 'success', description: 'deploy success', environment: 'prod', environment_url: 'https://demo.example.com', log_url: 'https://logs.example.com' });
  });

  it('requires repoURLPath and revisionPath (Argo defaults them to Argo CD Application fields)', async () => {
    const err = failure(await send(createGitHubService(), inst(), { message: 'm', github: { status: { state: 'success' } } }, ''));
    expect(err).toEqual({ retryable: false, message: "github: template field github.repoURLPath is required for a Rollout (Argo's default reads an Argo CD Application)" });
    expect(failure(await send(createGitHubService(), inst(), { message: 'm', github: { repoURLPath: 'https://github.com/a/b', status: { state: 'success' } } }, '')).message).toContain('github.revisionPath is required');
    expect(fake.seen).toHaveLength(0);
  });

  it('refuses pullRequestComment, checkRun and repositoryDispatch, and a bad state, before sending anything', async () => {
    expect(failure(await send(createGitHubService(), inst(), { message: 'm', github: { ...base, pullRequestComment: { content: 'x' } } }, '')).message).toBe(
      'github: template field github.pullRequestComment is not supported (only github.status and github.deployment are)',
    );
    expect(failure(await send(createGitHubService(), inst(), { message: 'm', github: { ...base, status: { state: 'done' } } }, '')).message).toContain('github.status.state: expected one of error, failure, pending, success, found "done"');
    expect(failure(await send(createGitHubService(), inst(), { message: 'm', github: base }, '')).message).toBe("github: the template's github block has neither status nor deployment: nothing to send");
    expect(fake.seen).toHaveLength(0);
  });

  it('a key the fake cannot verify is refused (HTTP 401), and the message has no key material', async () => {
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const err = failure(await send(createGitHubService(), instance('github', { appID: 9001, installationID: 77, privateKey: other, enterpriseBaseURL: fake.url }), { message: 'm', github: { ...base, status: { state: 'success' } } }, ''));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('HTTP 401');
    expect(err.message).toContain('getting an installation token of app 9001');
    expect(err.message).not.toContain('PRIVATE KEY');
  });

  it('validates appID, installationID and privateKey', () => {
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(createGitHubService().validate(instance('github', { appID: 'x', privateKey: 'not pem' })).map((p) => p.message)).toEqual([
      'appID: expected a positive number, found a string',
      'installationID: required',
      'privateKey: is not a PEM private key',
    ]);
    expect(createGitHubService().validate(instance('github', { appID: 1, installationID: 2, privateKey: ec })).map((p) => p.message)).toEqual(['privateKey: expected an RSA private key, found ec']);
  });
});

describe('github helpers', () => {
  it.each([
    ['https://github.com/acme/demo.git', 'acme/demo'],
    ['https://github.com/acme/demo', 'acme/demo'],
    ['git@github.com:acme/demo.git', 'acme/demo'],
    ['ssh://git@ghe.example.com:2222/acme/demo.git', 'acme/demo'],
    ['https://ghe.example.com/org/sub/demo/', 'sub/demo'],
  ])('repoOf(%s) is %s', (url, expected) => {
    const r = repoOf(url);
    expect(r === undefined ? undefined : `${r.owner}/${r.repo}`).toBe(expected);
  });

  it('repoOf is undefined for something that is not a repository URL', () => expect(repoOf('demo')).toBeUndefined());

  it('appJwt is RS256-signed with iss = app ID, issued a minute back, living 10 minutes', () => {
    const jwt = appJwt('9001', APP_PRIVATE_KEY_PEM, 1_700_000_000_000);
    const [h, p, s] = jwt.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toEqual({ iat: 1_699_999_940, exp: 1_700_000_540, iss: '9001' });
    expect(crypto.createVerify('RSA-SHA256').update(`${h}.${p}`).verify(appKeys.publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
  });
});
