/**
 * What every HTTP service must do with the same failures, table-driven over all of them against their
 * recorded-contract fakes: a good send goes through; 429 and 5xx are retryable; a refused credential is
 * permanent; no answer within the timeout is retryable; and no message ever contains a configured secret, even
 * when the server's error text quotes it.
 */
import * as E from 'fp-ts/lib/Either';
import { closedPort } from '@rollouts/plugin-http/testing';
import type { NotificationService, RenderedNotification, ServiceInstance } from '../../src/Types';
import { serviceFor } from '../../src/services';
import {
  gitHubFake,
  googleChatFake,
  grafanaFake,
  mattermostFake,
  opsgenieFake,
  pagerDutyFake,
  pagerDutyRestFake,
  slackFake,
  teamsFake,
  teamsWorkflowsFake,
  type ContractFake,
} from './ContractFakes';
import { APP_PRIVATE_KEY_PEM, appKeys } from './Keys';
import { failure, instance, ok, send } from './SendHarness';

interface Case {
  readonly type: string;
  /** Secrets configured; none may appear in any message. */
  readonly secrets: ReadonlyArray<string>;
  start(): Promise<ContractFake>;
  instance(url: string): ServiceInstance;
  readonly notification: RenderedNotification;
  readonly recipient: string;
  /** How many requests a good send makes. */
  readonly requests: number;
}

const cases: ReadonlyArray<Case> = [
  {
    type: 'slack',
    secrets: ['xoxb-common-slack-token'],
    start: () => slackFake('xoxb-common-slack-token'),
    instance: (url) => instance('slack', { token: 'xoxb-common-slack-token', apiURL: `${url}/api` }),
    notification: { message: 'm' },
    recipient: '#deploys',
    requests: 1,
  },
  {
    type: 'teams',
    secrets: ['teams-webhook-secret-part'],
    start: () => teamsFake(),
    instance: (url) => instance('teams', { recipientUrls: { deploys: `${url}/webhookb2/teams-webhook-secret-part/IncomingWebhook/x` } }),
    notification: { message: 'm' },
    recipient: 'deploys',
    requests: 1,
  },
  {
    type: 'teams-workflows',
    secrets: ['flow-sig-0123456789'],
    start: () => teamsWorkflowsFake(),
    instance: (url) => instance('teams-workflows', { recipientUrls: { deploys: `${url}/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?sig=flow-sig-0123456789` } }),
    notification: { message: 'm' },
    recipient: 'deploys',
    requests: 1,
  },
  {
    type: 'mattermost',
    secrets: ['mm-token-abcdef123'],
    start: () => mattermostFake('mm-token-abcdef123'),
    instance: (url) => instance('mattermost', { apiURL: url, token: 'mm-token-abcdef123' }),
    notification: { message: 'm' },
    recipient: 'channel-id-1',
    requests: 1,
  },
  {
    type: 'googlechat',
    secrets: ['gchat-key-AIza', 'gchat-token-xyz'],
    start: () => googleChatFake('gchat-key-AIza', 'gchat-token-xyz'),
    instance: (url) => instance('googlechat', { webhooks: { space: `${url}/v1/spaces/AAAA/messages?key=gchat-key-AIza&token=gchat-token-xyz` } }),
    notification: { message: 'm' },
    recipient: 'space',
    requests: 1,
  },
  {
    type: 'pagerdutyv2',
    secrets: ['R0UTINGKEY0000000000000000000001'],
    start: () => pagerDutyFake('R0UTINGKEY0000000000000000000001'),
    instance: (url) => instance('pagerdutyv2', { apiURL: url, serviceKeys: { 'my-service': 'R0UTINGKEY0000000000000000000001' } }),
    notification: { message: 'm', pagerdutyv2: { severity: 'error', source: 'rollouts' } },
    recipient: 'my-service',
    requests: 1,
  },
  {
    type: 'pagerduty',
    secrets: ['pd-rest-token-123'],
    start: () => pagerDutyRestFake('pd-rest-token-123', 'ops@example.com'),
    instance: (url) => instance('pagerduty', { apiURL: url, token: 'pd-rest-token-123', from: 'ops@example.com' }),
    notification: { message: 'm' },
    recipient: 'PSVC123',
    requests: 1,
  },
  {
    type: 'opsgenie',
    secrets: ['genie-key-0000-1111'],
    start: () => opsgenieFake('genie-key-0000-1111'),
    instance: (url) => instance('opsgenie', { apiUrl: url, apiKeys: { payments: 'genie-key-0000-1111' } }),
    notification: { message: 'm' },
    recipient: 'payments',
    requests: 1,
  },
  {
    type: 'grafana',
    secrets: ['glsa_grafana_token_1'],
    start: () => grafanaFake('glsa_grafana_token_1'),
    instance: (url) => instance('grafana', { apiUrl: `${url}/api`, apiKey: 'glsa_grafana_token_1' }),
    notification: { message: 'm' },
    recipient: 'rollouts|demo',
    requests: 1,
  },
  {
    type: 'github',
    secrets: [APP_PRIVATE_KEY_PEM, 'ghs_installation_token_1'],
    start: () => gitHubFake({ appId: '12345', installationId: '678', publicKey: appKeys.publicKey, token: 'ghs_installation_token_1' }),
    instance: (url) => instance('github', { appID: 12345, installationID: 678, privateKey: APP_PRIVATE_KEY_PEM, enterpriseBaseURL: url }),
    notification: { message: 'm', github: { repoURLPath: 'https://github.com/acme/demo.git', revisionPath: 'abc1234', status: { state: 'success', label: 'rollouts/demo' } } },
    recipient: '',
    requests: 2,
  },
];

describe.each(cases)('$type: common failure behaviour', (c) => {
  let fake: ContractFake;
  let service: NotificationService;
  beforeEach(async () => {
    fake = await c.start();
    // A fresh registry entry per test would share state (GitHub's token cache); the fresh fake's URL keys it apart.
    service = serviceFor(c.type)!;
  });
  afterEach(() => fake.close());

  const noSecrets = (message: string) => {
    for (const s of c.secrets) expect(message).not.toContain(s);
  };

  it('sends through the fake when everything is right', async () => {
    ok(await send(service, c.instance(fake.url), c.notification, c.recipient));
    expect(fake.seen).toHaveLength(c.requests);
  });

  it.each([
    [429, 'rate limited'],
    [500, 'HTTP 500'],
    [502, 'HTTP 502'],
    [503, 'HTTP 503'],
  ])('HTTP %i is retryable and says so', async (status, said) => {
    for (let i = 0; i < c.requests; i++) fake.override({ status, body: `error ${status}` });
    const err = failure(await send(service, c.instance(fake.url), c.notification, c.recipient));
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(said);
    expect(err.message).toContain(c.type);
    if (c.recipient !== '') expect(err.message).toContain(`to ${c.recipient}`);
  });

  it('a refused credential is permanent, and the server quoting every secret does not leak one', async () => {
    const quote = `denied: ${c.secrets.join(' ')} ${c.secrets.map((s) => Buffer.from(s).toString('base64')).join(' ')}`;
    for (let i = 0; i < c.requests; i++) fake.override({ status: 401, body: quote });
    const err = failure(await send(service, c.instance(fake.url), c.notification, c.recipient));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('HTTP 401');
    noSecrets(err.message);
  });

  it('no answer within the timeout is retryable', async () => {
    for (let i = 0; i < c.requests; i++) fake.override('hang');
    const t0 = Date.now();
    const err = failure(await send(service, c.instance(fake.url), c.notification, c.recipient, 300));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ retryable: true });
    expect(err.message).toContain('did not answer within 0.3 s');
    noSecrets(err.message);
  });

  it('a refused connection is retryable and names only the origin', async () => {
    const port = await closedPort();
    const r = await send(service, c.instance(`http://127.0.0.1:${port}`), c.notification, c.recipient);
    const err = failure(r);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`http://127.0.0.1:${port}`);
    expect(err.message).toContain('ECONNREFUSED');
    noSecrets(err.message);
  });

  it('validate finds nothing wrong with the instance the tests use', () => {
    expect(service.validate(c.instance(fake.url))).toEqual([]);
  });

  it('is registered under its type', () => {
    expect(serviceFor(c.type)?.type).toBe(c.type);
    expect(E.isRight(E.right(service))).toBe(true);
  });
});
