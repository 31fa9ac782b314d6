import * as E from 'fp-ts/lib/Either';
import { parseNotificationConfig } from './Config';

const problemsOf = (cm: Record<string, string>, secret: Record<string, string> = {}): Array<{ key: string; message: string }> => {
  const r = parseNotificationConfig(cm, secret);
  return E.isLeft(r) ? [...r.left] : [];
};

const ok = (cm: Record<string, string>, secret: Record<string, string> = {}) => {
  const r = parseNotificationConfig(cm, secret);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

describe('parseNotificationConfig', () => {
  it('reads service.<type> and service.<type>.<name>, substituting $secret references in every string', () => {
    const c = ok(
      {
        'service.slack': 'token: $slack-token\napiURL: https://slack.example.com/api\n',
        'service.webhook.deploy-hook': 'url: https://hooks.example.com/$path\nheaders:\n- name: Authorization\n  value: Bearer $hook_token\nretryMax: 5\n',
      },
      { 'slack-token': 'xoxb-1', path: 'p/q', hook_token: 't0k' },
    );
    expect(c.services).toEqual([
      { type: 'slack', name: 'slack', options: { token: 'xoxb-1', apiURL: 'https://slack.example.com/api' } },
      { type: 'webhook', name: 'deploy-hook', options: { url: 'https://hooks.example.com/p/q', headers: [{ name: 'Authorization', value: 'Bearer t0k' }], retryMax: 5 } },
    ]);
  });

  it('leaves a reference to a key the Secret lacks as written (as Argo does)', () => {
    expect(ok({ 'service.email': 'password: $missing\n' }).services[0]!.options).toEqual({ password: '$missing' });
  });

  it('names the key of every problem, and reports them all', () => {
    const p = problemsOf({
      'service.a.b.c': 'x: 1',
      'service.slack': '- not a map',
      'template.broken': 'message: "{{.rollout.metadata.name"',
      'template.badfunc': 'message: ok\nslack:\n  attachments: "{{ env \\"HOME\\" }}"',
      'template.unknownfunc': 'message: "{{ frobnicate 1 }}"',
      'template.define': 'message: "{{define \\"x\\"}}y{{end}}"',
      'trigger.on-x': '- when: rollout.status.phase ==\n  send: [missing-template]',
      'trigger.on-y': 'when: true',
      'subscriptions': '- recipients: [":x"]\n  selector: "a in (b"\n',
      'defaultTriggers': '{a: 1}',
    });
    const keys = p.map((x) => x.key);
    expect(keys).toEqual(expect.arrayContaining(['service.a.b.c', 'service.slack', 'template.broken', 'template.badfunc', 'template.unknownfunc', 'template.define', 'trigger.on-x', 'trigger.on-y', 'subscriptions', 'defaultTriggers']));
    const msg = (k: string): string => p.filter((x) => x.key === k).map((x) => x.message).join(' | ');
    expect(msg('template.badfunc')).toMatch(/slack\.attachments: template: badfunc\.slack\.attachments:1:\d+: function "env" is not supported/);
    expect(msg('template.unknownfunc')).toMatch(/function "frobnicate" not defined/);
    expect(msg('template.define')).toMatch(/\{\{define\}\} is not supported/);
    expect(msg('template.broken')).toMatch(/template: broken\.message:1:\d+: unclosed action/);
    expect(msg('trigger.on-x')).toMatch(/\[0\]\.when: /);
    expect(msg('trigger.on-x')).toMatch(/template "missing-template" is not defined/);
    expect(msg('subscriptions')).toMatch(/\[0\]\.recipients: ":x" names no service/);
    expect(msg('subscriptions')).toMatch(/\[0\]\.selector: /);
  });

  it('rejects a `when` naming a variable the condition language does not have, at load', () => {
    expect(problemsOf({ 'trigger.on-x': '- when: app.status.sync == "Synced"\n  send: [rollout-completed]' })[0]).toEqual({ key: 'trigger.on-x', message: expect.stringMatching(/^\[0\]\.when: .*app/) });
  });

  it('ships the nine Argo triggers and templates, and a ConfigMap key of the same name replaces one', () => {
    const builtins = ok({});
    expect(builtins.triggers).toEqual([
      'on-analysis-run-error', 'on-analysis-run-failed', 'on-analysis-run-running', 'on-rollout-aborted', 'on-rollout-completed',
      'on-rollout-paused', 'on-rollout-step-completed', 'on-rollout-updated', 'on-scaling-replica-set',
    ]);
    expect(builtins.templates).toHaveLength(9);
    const c = ok({ 'template.rollout-completed': 'message: done {{.rollout.metadata.name}}', 'trigger.on-rollout-completed': '- when: rollout.status.phase == "Healthy"\n  send: [rollout-completed]' });
    expect(c.templateDefs.get('rollout-completed')).toEqual({ message: expect.objectContaining({ name: 'rollout-completed.message' }) });
    expect(c.triggerDefs.get('on-rollout-completed')).toEqual([{ when: 'rollout.status.phase == "Healthy"', send: ['rollout-completed'], oncePer: '', description: '' }]);
  });

  it('reads defaultTriggers, defaultTriggers.<service> and subscriptions', () => {
    const c = ok({
      defaultTriggers: '- on-rollout-completed\n- on-rollout-aborted',
      'defaultTriggers.mail': '[on-rollout-aborted]',
      subscriptions: '- recipients: ["slack:#deploys", "webhook:"]\n  triggers: [on-rollout-updated]\n  selector: team=payments,tier in (web, api)\n',
    });
    expect(c.defaultTriggers).toEqual(['on-rollout-completed', 'on-rollout-aborted']);
    expect(c.serviceDefaultTriggers.get('mail')).toEqual(['on-rollout-aborted']);
    expect(c.subscriptions).toEqual([
      { recipients: ['slack:#deploys', 'webhook:'], triggers: ['on-rollout-updated'], selector: [{ op: 'eq', key: 'team', value: 'payments' }, { op: 'in', key: 'tier', values: ['web', 'api'] }] },
    ]);
  });

  it('rejects a trigger condition with an unknown field or no template', () => {
    expect(problemsOf({ 'trigger.on-x': '- when: "true"\n  sendd: [a]' }).map((p) => p.message)).toEqual(['[0].sendd: unknown field (expected when, send, oncePer, description)', '[0].send: at least one template is required']);
  });
});
