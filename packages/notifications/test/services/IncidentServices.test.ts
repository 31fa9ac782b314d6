import { opsgenieService, pagerDutyService, pagerDutyV2Service } from '../../src/services';
import { opsgenieFake, pagerDutyFake, pagerDutyRestFake, type ContractFake } from './ContractFakes';
import { failure, instance, ok, send } from './SendHarness';

const KEY = 'R0UTINGKEY0000000000000000000042';

describe('pagerdutyv2 service, against a recorded-contract fake of the Events API v2', () => {
  let fake: ContractFake;
  beforeEach(async () => {
    fake = await pagerDutyFake(KEY);
  });
  afterEach(() => fake.close());
  const inst = (keys: Record<string, string> = { checkout: KEY }) => instance('pagerdutyv2', { apiURL: fake.url, serviceKeys: keys });

  it('enqueues a trigger event with the routing key of the recipient and the template fields', async () => {
    const notification = {
      message: 'Rollout demo was aborted.',
      pagerdutyv2: { summary: 'demo aborted at step 2', severity: 'critical', source: 'rollouts/demo', component: 'demo', group: 'payments', class: 'deploy', url: 'https://rollouts.example.com/demo', dedupKey: 'demo-3' },
    };
    ok(await send(pagerDutyV2Service, inst(), notification, 'checkout'));
    expect(fake.seen[0]).toMatchObject({ method: 'POST', url: '/v2/enqueue' });
    expect(fake.jsonBodies()[0]).toEqual({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: 'demo-3',
      payload: { summary: 'demo aborted at step 2', severity: 'critical', source: 'rollouts/demo', component: 'demo', group: 'payments', class: 'deploy' },
      links: [{ href: 'https://rollouts.example.com/demo' }],
    });
  });

  it('summary defaults to the message', async () => {
    ok(await send(pagerDutyV2Service, inst(), { message: 'Rollout demo was aborted.', pagerdutyv2: { severity: 'error', source: 'rollouts' } }, 'checkout'));
    expect((fake.jsonBodies()[0] as { payload: unknown }).payload).toEqual({ summary: 'Rollout demo was aborted.', severity: 'error', source: 'rollouts' });
  });

  it('a template without severity or source is a permanent error naming the field; nothing is sent', async () => {
    expect(failure(await send(pagerDutyV2Service, inst(), { message: 'm' }, 'checkout')).message).toBe(
      'pagerdutyv2 to checkout: template field pagerdutyv2.severity: expected one of critical, error, warning, info, found nothing',
    );
    expect(failure(await send(pagerDutyV2Service, inst(), { message: 'm', pagerdutyv2: { severity: 'info' } }, 'checkout')).message).toBe('pagerdutyv2 to checkout: template field pagerdutyv2.source: required');
    expect(fake.seen).toHaveLength(0);
  });

  it('an invalid routing key (HTTP 400) is permanent and the key is not in the message', async () => {
    const wrong = 'WRONGKEY0000000000000000000000099';
    const err = failure(await send(pagerDutyV2Service, inst({ checkout: wrong }), { message: 'm', pagerdutyv2: { severity: 'info', source: 's' } }, 'checkout'));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('HTTP 400');
    expect(err.message).toContain('Invalid routing key');
    expect(err.message).not.toContain(wrong);
  });

  it('validates serviceKeys', () => {
    expect(pagerDutyV2Service.validate(instance('pagerdutyv2', { serviceKeys: {} }))).toEqual([{ key: 'service.pagerdutyv2', message: 'serviceKeys: must name at least one recipient' }]);
  });
});

describe('opsgenie service, against a recorded-contract fake of the Alert API', () => {
  let fake: ContractFake;
  beforeEach(async () => {
    fake = await opsgenieFake('genie-1');
  });
  afterEach(() => fake.close());
  const inst = () => instance('opsgenie', { apiUrl: fake.url, apiKeys: { payments: 'genie-1' } });

  it('creates an alert with the GenieKey of the team, the team as responder, and the template fields', async () => {
    const notification = {
      message: 'Rollout demo was aborted.',
      opsgenie: { description: 'Step 2 failed: error-rate 0.07 > 0.05', priority: 'P2', alias: 'demo-3', note: 'auto', entity: 'demo', user: 'rollouts', tags: 'rollouts, demo', actions: ['Rollback'], details: '{"revision":"3","steps":4}', visibleTo: '[{"type":"team","name":"sre"}]' },
    };
    ok(await send(opsgenieService, inst(), notification, 'payments'));
    expect(fake.seen[0]).toMatchObject({ method: 'POST', url: '/v2/alerts' });
    expect(fake.seen[0]!.headers['authorization']).toBe('GenieKey genie-1');
    expect(fake.jsonBodies()[0]).toEqual({
      message: 'Rollout demo was aborted.',
      responders: [{ type: 'team', name: 'payments' }],
      source: 'Argo Rollouts',
      description: 'Step 2 failed: error-rate 0.07 > 0.05',
      priority: 'P2',
      alias: 'demo-3',
      note: 'auto',
      entity: 'demo',
      user: 'rollouts',
      actions: ['Rollback'],
      tags: ['rollouts', 'demo'],
      details: { revision: '3', steps: '4' },
      visibleTo: [{ type: 'team', name: 'sre' }],
    });
  });

  it('cuts a message over 130 characters and sends it whole as the description', async () => {
    const long = `Rollout ${'x'.repeat(200)}`;
    ok(await send(opsgenieService, inst(), { message: long }, 'payments'));
    const body = fake.jsonBodies()[0] as { message: string; description: string };
    expect(body.message).toBe(long.slice(0, 130));
    expect(body.description).toBe(long);
  });

  it('an unknown priority is a permanent error naming the field', async () => {
    expect(failure(await send(opsgenieService, inst(), { message: 'm', opsgenie: { priority: 'high' } }, 'payments')).message).toBe(
      'opsgenie to payments: template field opsgenie.priority: expected one of P1, P2, P3, P4, P5, found "high"',
    );
  });

  it('a team without a key is a permanent error; a wrong key is refused without being quoted', async () => {
    expect(failure(await send(opsgenieService, inst(), { message: 'm' }, 'nobody')).message).toBe('opsgenie to nobody: apiKeys has no entry "nobody"');
    const err = failure(await send(opsgenieService, instance('opsgenie', { apiUrl: fake.url, apiKeys: { payments: 'genie-wrong-7' } }), { message: 'm' }, 'payments'));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('refused the credentials (HTTP 401)');
    expect(err.message).not.toContain('genie-wrong-7');
  });
});

describe('pagerduty service (REST API incidents), against a recorded-contract fake', () => {
  let fake: ContractFake;
  beforeEach(async () => {
    fake = await pagerDutyRestFake('pd-token', 'ops@example.com');
  });
  afterEach(() => fake.close());
  const inst = () => instance('pagerduty', { apiURL: fake.url, token: 'pd-token', from: 'ops@example.com' });

  it('creates an incident on the recipient service with title, urgency, body and priority', async () => {
    ok(await send(pagerDutyService, inst(), { message: 'Rollout demo was aborted.', pagerduty: { urgency: 'high', body: 'Step 2 failed', priorityId: 'PPRIO1' } }, 'PSVC1'));
    expect(fake.seen[0]!.headers['authorization']).toBe('Token token=pd-token');
    expect(fake.seen[0]!.headers['from']).toBe('ops@example.com');
    expect(fake.jsonBodies()[0]).toEqual({
      incident: {
        type: 'incident',
        title: 'Rollout demo was aborted.',
        service: { id: 'PSVC1', type: 'service_reference' },
        urgency: 'high',
        body: { type: 'incident_body', details: 'Step 2 failed' },
        priority: { id: 'PPRIO1', type: 'priority_reference' },
      },
    });
  });

  it('an unknown urgency is a permanent error naming the field', async () => {
    expect(failure(await send(pagerDutyService, inst(), { message: 'm', pagerduty: { urgency: 'urgent' } }, 'PSVC1')).message).toBe(
      'pagerduty to PSVC1: template field pagerduty.urgency: expected high or low, found "urgent"',
    );
  });

  it('validates token and from', () => {
    expect(pagerDutyService.validate(instance('pagerduty', {})).map((p) => p.message)).toEqual(['token: required', 'from: required']);
  });
});
