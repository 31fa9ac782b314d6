import { notificationServices, serviceFor } from '../../src/services';

describe('the service registry', () => {
  it('has one service per type, each found by serviceFor', () => {
    const types = notificationServices.map((s) => s.type);
    expect(new Set(types).size).toBe(types.length);
    expect([...types].sort()).toEqual(['email', 'github', 'googlechat', 'grafana', 'mattermost', 'opsgenie', 'pagerduty', 'pagerdutyv2', 'slack', 'teams', 'teams-workflows', 'webhook']);
    for (const s of notificationServices) expect(serviceFor(s.type)).toBe(s);
  });

  it.each(['telegram', 'rocketchat', 'alertmanager', 'pushover', 'newrelic', 'webex', 'nats', 'awssqs', 'gcppubsub', 'Slack', ''])('has no service for %j (the engine reports it at load)', (type) => {
    expect(serviceFor(type)).toBeUndefined();
  });
});
