import { teamsService, teamsWorkflowsService } from '../../src/services';
import { teamsFake, teamsWorkflowsFake, type ContractFake } from './ContractFakes';
import { failure, instance, ok, send } from './SendHarness';

describe('teams service (MessageCard), against a recorded-contract fake of an Office 365 connector', () => {
  let fake: ContractFake;
  beforeEach(async () => {
    fake = await teamsFake();
  });
  afterEach(() => fake.close());
  const inst = () => instance('teams', { recipientUrls: { deploys: `${fake.url}/webhookb2/abc@def/IncomingWebhook/0123456789abcdef/ghi` } });

  it('POSTs a MessageCard with title, summary, text, themeColor, sections + facts and potentialAction to the recipient URL', async () => {
    const notification = {
      message: 'Rollout demo has been completed.',
      teams: {
        title: 'demo',
        themeColor: '#000080',
        sections: '[{"activityTitle":"Revision 3"}]',
        facts: '[{"name":"Strategy","value":"Canary"}]',
        potentialAction: '[{"@type":"OpenUri","name":"Open","targets":[{"os":"default","uri":"https://example.com"}]}]',
      },
    };
    ok(await send(teamsService, inst(), notification, 'deploys'));
    expect(fake.seen[0]).toMatchObject({ method: 'POST', url: '/webhookb2/abc@def/IncomingWebhook/0123456789abcdef/ghi' });
    expect(fake.seen[0]!.headers['content-type']).toBe('application/json');
    expect(fake.jsonBodies()[0]).toEqual({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      title: 'demo',
      summary: 'demo',
      text: 'Rollout demo has been completed.',
      themeColor: '#000080',
      sections: [{ activityTitle: 'Revision 3' }, { facts: [{ name: 'Strategy', value: 'Canary' }] }],
      potentialAction: [{ '@type': 'OpenUri', name: 'Open', targets: [{ os: 'default', uri: 'https://example.com' }] }],
    });
  });

  it('teams.template replaces the whole card; teams.text replaces the message', async () => {
    ok(await send(teamsService, inst(), { message: 'm', teams: { template: '{"@type":"MessageCard","@context":"https://schema.org/extensions","text":"custom"}' } }, 'deploys'));
    ok(await send(teamsService, inst(), { message: 'm', teams: { text: 'from text' } }, 'deploys'));
    expect(fake.jsonBodies()).toEqual([
      { '@type': 'MessageCard', '@context': 'https://schema.org/extensions', text: 'custom' },
      { '@type': 'MessageCard', '@context': 'https://schema.org/extensions', summary: 'from text', text: 'from text' },
    ]);
  });

  it('HTTP 200 with "Webhook message delivery failed" is an error (retryable when it names 429)', async () => {
    fake.override({ status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429' });
    fake.override({ status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 400' });
    const a = failure(await send(teamsService, inst(), { message: 'm' }, 'deploys'));
    const b = failure(await send(teamsService, inst(), { message: 'm' }, 'deploys'));
    expect([a.retryable, b.retryable]).toEqual([true, false]);
    expect(a.message).toContain('teams to deploys: Teams did not deliver the card');
  });

  it('a recipient without a URL is a permanent error; nothing is sent', async () => {
    expect(failure(await send(teamsService, inst(), { message: 'm' }, 'other'))).toEqual({ retryable: false, message: 'teams to other: recipientUrls has no entry "other"' });
    expect(fake.seen).toHaveLength(0);
  });

  it('validates recipientUrls', () => {
    expect(teamsService.validate(instance('teams', {}))).toEqual([{ key: 'service.teams', message: 'recipientUrls: required (a map of recipient to value)' }]);
    expect(teamsService.validate(instance('teams', { recipientUrls: { a: 'nope', b: 3 } }, 'ops')).map((p) => `${p.key}: ${p.message}`)).toEqual([
      'service.teams.ops: recipientUrls.a: expected an http:// or https:// URL',
      'service.teams.ops: recipientUrls.b: expected a non-empty string, found a number',
    ]);
  });
});

describe('teams-workflows service (Adaptive Card), against a recorded-contract fake of a Power Automate flow', () => {
  let fake: ContractFake;
  beforeEach(async () => {
    fake = await teamsWorkflowsFake();
  });
  afterEach(() => fake.close());
  const inst = () => instance('teams-workflows', { recipientUrls: { deploys: `${fake.url}/powerautomate/automations/direct/workflows/w1/triggers/manual/paths/invoke?sig=s1gnature99` } });

  it('POSTs a message with one Adaptive Card built from title, message and facts', async () => {
    ok(await send(teamsWorkflowsService, inst(), { message: 'Rollout demo has been completed.', teams: { title: 'demo', facts: '[{"name":"Strategy","value":"Canary"}]' } }, 'deploys'));
    expect(fake.seen[0]!.url).toBe('/powerautomate/automations/direct/workflows/w1/triggers/manual/paths/invoke?sig=s1gnature99');
    expect(fake.jsonBodies()[0]).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            type: 'AdaptiveCard',
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: 'demo', size: 'Large', weight: 'Bolder', wrap: true },
              { type: 'TextBlock', text: 'Rollout demo has been completed.', wrap: true },
              { type: 'FactSet', facts: [{ title: 'Strategy', value: 'Canary' }] },
            ],
          },
        },
      ],
    });
  });

  it("sends the template's adaptiveCard as given (teams-workflows block first)", async () => {
    const card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'custom' }] };
    ok(await send(teamsWorkflowsService, inst(), { message: 'm', 'teams-workflows': { adaptiveCard: JSON.stringify(card) }, teams: { title: 'ignored' } }, 'deploys'));
    expect((fake.jsonBodies()[0] as { attachments: Array<{ content: unknown }> }).attachments[0]!.content).toEqual(card);
  });

  it('an adaptiveCard that is not a JSON object is a permanent error', async () => {
    const err = failure(await send(teamsWorkflowsService, inst(), { message: 'm', 'teams-workflows': { adaptiveCard: '[1]' } }, 'deploys'));
    expect(err).toEqual({ retryable: false, message: 'teams-workflows to deploys: template field adaptiveCard must be a JSON object' });
  });
});
