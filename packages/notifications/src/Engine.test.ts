import * as E from 'fp-ts/lib/Either';
import fc from 'fast-check';
import { parseNotificationConfig } from './Config';
import { NOTIFIED_MAX_ENTRIES, describeTemplates, describeTriggers, destinationsByTrigger, hashCondition, notifiedKey, planForConditions, planForEvent, renderNotification, triggerForReason } from './Engine';
import type { NotificationSubject } from './Types';

const config = (cm: Record<string, string>, secret: Record<string, string> = {}) => {
  const r = parseNotificationConfig(cm, secret);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

const rollout = (annotations: Record<string, string> = {}, labels: Record<string, string> = {}, status: Record<string, unknown> = {}): Record<string, unknown> => ({
  metadata: { name: 'checkout', namespace: 'shop', labels, annotations },
  spec: { replicas: 3, strategy: { canary: { steps: [{ setWeight: 10 }] } }, template: { spec: { containers: [{ name: 'c', image: 'i:1' }] } } },
  status,
});

const subject = (object: Record<string, unknown>, now = 1_700_000_000_000): NotificationSubject => ({ object, analysisRuns: [], now });

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

const SERVICES = { 'service.slack': 'token: x', 'service.webhook.hook': 'url: http://h', 'service.email.mail': 'host: smtp' };

describe('triggerForReason', () => {
  it.each([
    ['RolloutCompleted', 'on-rollout-completed'],
    ['PatchingALBIngress', 'on-patching-alb-ingress'],
    ['AnalysisRunFailed', 'on-analysis-run-failed'],
    ['ScalingReplicaSet', 'on-scaling-replica-set'],
    ['RolloutAddedToInformer', 'on-rollout-added-to-informer'],
    ['TrafficWeightUpdated', 'on-traffic-weight-updated'],
  ])('%s → %s', (reason, trigger) => expect(triggerForReason(reason)).toBe(trigger));
});

describe('destinations', () => {
  const cfg = config({
    ...SERVICES,
    defaultTriggers: '[on-rollout-completed]',
    'defaultTriggers.mail': '[on-rollout-aborted, on-rollout-paused]',
    subscriptions: '- recipients: ["slack:#all", "hook"]\n  selector: team=payments\n- recipients: ["mail:a@x,b@x"]\n  triggers: [on-rollout-updated]\n',
  });

  it('reads both annotation forms, default triggers and the global subscriptions matching the labels, once each', () => {
    const d = destinationsByTrigger(
      cfg,
      rollout(
        {
          'notifications.argoproj.io/subscribe.on-rollout-updated.slack': '#a; #b;',
          'notifications.argoproj.io/subscribe.on-rollout-completed.hook': '',
          'notifications.argoproj.io/subscribe.mail': 'ops@x',
          'notifications.argoproj.io/subscribe.slack': '#all',
          'notifications.argoproj.io/subscriptions': '- trigger: [on-rollout-step-completed]\n  destinations:\n  - service: slack\n    recipients: ["#steps"]\n- destinations:\n  - service: hook\n',
          unrelated: 'x',
        },
        { team: 'payments' },
      ),
    );
    expect(Object.fromEntries(d)).toEqual({
      'on-rollout-completed': [
        { service: 'slack', recipient: '#all' },
        { service: 'hook', recipient: '' },
      ],
      'on-rollout-updated': [
        { service: 'mail', recipient: 'a@x,b@x' },
        { service: 'slack', recipient: '#a' },
        { service: 'slack', recipient: '#b' },
      ],
      'on-rollout-aborted': [{ service: 'mail', recipient: 'ops@x' }],
      'on-rollout-paused': [{ service: 'mail', recipient: 'ops@x' }],
      'on-rollout-step-completed': [{ service: 'slack', recipient: '#steps' }],
    });
  });

  it('does not apply a global subscription whose selector does not match', () => {
    expect(destinationsByTrigger(cfg, rollout({}, { team: 'other' })).get('on-rollout-completed')).toBeUndefined();
  });

  it('reports a subscriptions annotation that is not YAML, naming it', () => {
    const problems: Array<{ key: string; message: string }> = [];
    destinationsByTrigger(cfg, rollout({ 'notifications.argoproj.io/subscriptions': '- [unclosed' }), problems);
    expect(problems[0]!.key).toBe('metadata.annotations[notifications.argoproj.io/subscriptions]');
  });
});

describe('planForEvent', () => {
  const cfg = config({
    ...SERVICES,
    'template.custom': 'message: "{{.rollout.metadata.name}} to {{.recipient}} via {{.serviceType}}"\nwebhook:\n  hook:\n    method: POST\n    body: "{\\"phase\\": {{.rollout.status.phase | toJson}}}"\n',
    'template.extra': 'message: ""\nslack:\n  groupingKey: "{{.rollout.metadata.name}}"\n',
    'trigger.on-rollout-updated': '- send: [custom, extra]\n- when: rollout.status.phase == "Degraded"\n  send: [custom]\n',
  });

  it('sends a condition with an empty `when`, and one whose `when` holds; renders every block; merges templates in order', () => {
    const o = rollout({ 'notifications.argoproj.io/subscribe.on-rollout-updated.hook': '' }, {}, { phase: 'Progressing' });
    const planned = right(planForEvent(cfg, subject(o), 'RolloutUpdated'));
    expect(planned).toEqual([
      {
        trigger: 'on-rollout-updated',
        template: 'custom,extra',
        destination: { service: 'hook', recipient: '' },
        serviceType: 'webhook',
        notification: { message: 'checkout to  via hook', webhook: { hook: { method: 'POST', body: '{"phase": "Progressing"}' } }, slack: { groupingKey: 'checkout' } },
      },
    ]);
    const degraded = right(planForEvent(cfg, subject(rollout({ 'notifications.argoproj.io/subscribe.on-rollout-updated.hook': '' }, {}, { phase: 'Degraded' })), 'RolloutUpdated'));
    expect(degraded.map((p) => p.template)).toEqual(['custom,extra', 'custom']);
  });

  it('plans nothing (and is no error) for an unconfigured trigger, no subscription, or an unconfigured service', () => {
    expect(right(planForEvent(cfg, subject(rollout({ 'notifications.argoproj.io/subscribe.on-rollout-foo.hook': '' })), 'RolloutFoo'))).toEqual([]);
    expect(right(planForEvent(cfg, subject(rollout()), 'RolloutUpdated'))).toEqual([]);
    expect(right(planForEvent(cfg, subject(rollout({ 'notifications.argoproj.io/subscribe.on-rollout-updated.teams': 'x' })), 'RolloutUpdated'))).toEqual([]);
  });

  it('returns a render failure as a problem naming the template and the destination', () => {
    const bad = config({ ...SERVICES, 'template.t': 'message: "{{ .rollout.metadata.name.first }}"', 'trigger.on-x': '- send: [t]' });
    const r = planForEvent(bad, subject(rollout({ 'notifications.argoproj.io/subscribe.on-x.slack': '#c' })), 'X');
    expect(r).toEqual(E.left([{ key: 'template.t', message: expect.stringMatching(/can't evaluate field first in type string \(for slack:#c\)$/) }]));
  });

  it('gives templates .secrets, .time and .analysisRuns', () => {
    const c = config({ ...SERVICES, 'template.t': 'message: "{{ .secrets.k }} {{ (call .time.Now).Format \\"2006-01-02\\" }} {{ (call .time.Parse \\"2026-01-02T03:04:05Z\\").Unix }} {{ (index .analysisRuns 0).status.phase }}"' }, { k: 'v' });
    const r = renderNotification(c, ['t'], { object: rollout(), analysisRuns: [{ status: { phase: 'Failed' } }], now: Date.UTC(2026, 1, 3) }, { service: 'slack', recipient: '' });
    expect(r).toEqual(E.right({ message: 'v 2026-02-03 1767323045 Failed' }));
  });
});

describe('planForConditions', () => {
  const cfg = config({
    ...SERVICES,
    'template.t': 'message: "{{.rollout.status.phase}}"',
    'trigger.on-degraded': '- when: rollout.status.phase == "Degraded"\n  send: [t]\n',
    'trigger.on-step': '- when: (rollout.status.currentStepIndex ?? 0) > 0\n  oncePer: rollout.status.currentStepIndex\n  send: [t]\n',
  });
  const sub = { 'notifications.argoproj.io/subscribe.on-degraded.slack': '#ops', 'notifications.argoproj.io/subscribe.on-step.hook': '', 'notifications.argoproj.io/subscribe.on-rollout-completed.slack': '#ops' };
  const at = (status: Record<string, unknown>, now = 1_700_000_000_000) => subject(rollout(sub, {}, status), now);

  it('sends on the false→true edge only, and again after the condition went false', () => {
    const key = notifiedKey('on-degraded', 0, 'rollout.status.phase == "Degraded"', { service: 'slack', recipient: '#ops' }, '');
    // base64.RawURLEncoding(sha1(when)) as Go computes it (checked with Go's crypto/sha1).
    expect(hashCondition('rollout.status.phase == "Degraded"')).toBe('oss_eNhRFbDOILbQVIF3zpDjOyI');
    expect(key).toBe('on-degraded:[0].oss_eNhRFbDOILbQVIF3zpDjOyI:slack:#ops');
    const first = right(planForConditions(cfg, at({ phase: 'Degraded' }), {}));
    expect(first.planned.map((p) => [p.trigger, p.onceKey])).toEqual([['on-degraded', key]]);
    expect(first.notified).toEqual({ [key]: 1_700_000_000 });
    expect(right(planForConditions(cfg, at({ phase: 'Degraded' }), first.notified)).planned).toEqual([]);
    const healed = right(planForConditions(cfg, at({ phase: 'Healthy' }), first.notified));
    expect(healed).toEqual({ planned: [], notified: {} });
    expect(right(planForConditions(cfg, at({ phase: 'Degraded' }), healed.notified)).planned).toHaveLength(1);
  });

  it('sends once per oncePer value, and keeps those entries when the condition goes false', () => {
    const s1 = right(planForConditions(cfg, at({ currentStepIndex: 1 }), {}));
    expect(s1.planned.map((p) => p.onceKey)).toEqual([expect.stringMatching(/^1:on-step:\[0\]\..*:hook:$/)]);
    const s1again = right(planForConditions(cfg, at({ currentStepIndex: 1 }), s1.notified));
    expect(s1again.planned).toEqual([]);
    const s2 = right(planForConditions(cfg, at({ currentStepIndex: 2 }), s1again.notified));
    expect(s2.planned).toHaveLength(1);
    const back = right(planForConditions(cfg, at({ currentStepIndex: 0 }), s2.notified));
    expect(Object.keys(back.notified)).toHaveLength(2);
    expect(right(planForConditions(cfg, at({ currentStepIndex: 1 }), back.notified)).planned).toEqual([]);
  });

  it('never fires a trigger with an empty `when` (those belong to the event path)', () => {
    expect(right(planForConditions(cfg, at({ phase: 'Healthy' }), {})).planned.map((p) => p.trigger)).not.toContain('on-rollout-completed');
  });

  it('keeps at most the newest entries', () => {
    const old = Object.fromEntries(Array.from({ length: NOTIFIED_MAX_ENTRIES + 5 }, (_, i) => [`k${i}`, i]));
    const r = right(planForConditions(cfg, at({ phase: 'Degraded' }), old));
    expect(Object.keys(r.notified)).toHaveLength(NOTIFIED_MAX_ENTRIES);
    expect(r.notified).not.toHaveProperty('k0');
    expect(Object.values(r.notified)).toContain(1_700_000_000);
  });

  it('evaluates `when` over rollout and analysisRuns with member and index access', () => {
    const c = config({
      ...SERVICES,
      'template.t': 'message: x',
      'trigger.on-failed-metric': '- when: rollout.metadata.labels["team"] == "payments" && len(analysisRuns) > 0 && analysisRuns[0].status.phase == "Failed"\n  send: [t]',
    });
    const o = rollout({ 'notifications.argoproj.io/subscribe.on-failed-metric.slack': '#c' }, { team: 'payments' });
    const failed = right(planForConditions(c, { object: o, analysisRuns: [{ status: { phase: 'Failed' } }], now: 0 }, {}));
    expect(failed.planned).toHaveLength(1);
    expect(right(planForConditions(c, { object: o, analysisRuns: [{ status: { phase: 'Running' } }], now: 0 }, {})).planned).toEqual([]);
  });

  it('reports a `when` that fails on this object, naming the trigger', () => {
    const c = config({ ...SERVICES, 'template.t': 'message: x', 'trigger.on-bad': '- when: rollout.status.count > "x"\n  send: [t]' });
    const r = planForConditions(c, subject(rollout({ 'notifications.argoproj.io/subscribe.on-bad.slack': '#c' }, {}, { count: 1 })), {});
    expect(E.isLeft(r) && r.left[0]!.key).toBe('trigger.on-bad');
  });

  it('in self-service mode, prefixes the keys with the namespace of the configuration', () => {
    const r = right(planForConditions(cfg, at({ phase: 'Degraded' }), {}, { configNamespace: 'shop' }));
    expect(Object.keys(r.notified)).toEqual([expect.stringMatching(/^shop:on-degraded:\[0\]\./)]);
    expect(r.planned[0]!.onceKey).toBe(Object.keys(r.notified)[0]);
  });

  it('property: replanning with what it returned sends nothing more (a restart does not resend)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ phase: fc.constantFrom('Degraded', 'Healthy'), currentStepIndex: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 8 }), (states) => {
        let notified: Readonly<Record<string, unknown>> = {};
        const sentKeys = new Set<string>();
        for (const s of states) {
          const r = right(planForConditions(cfg, at(s), notified));
          for (const p of r.planned) {
            // A oncePer key is never sent twice in the whole history.
            if (p.onceKey!.startsWith('on-') === false) expect(sentKeys.has(p.onceKey!)).toBe(false);
            sentKeys.add(p.onceKey!);
          }
          notified = r.notified;
          expect(right(planForConditions(cfg, at(s), notified)).planned).toEqual([]);
        }
      }),
    );
  });
});

describe('describeTriggers / describeTemplates (for the CLI)', () => {
  it('lists what is configured and which names are still the built-in ones', () => {
    const c = config({ 'template.rollout-completed': 'message: done\nslack:\n  groupingKey: x', 'trigger.on-custom': '- when: "true"\n  send: [rollout-completed]\n  description: custom' });
    const triggers = describeTriggers(c);
    expect(triggers.find((t) => t.name === 'on-custom')).toEqual({ name: 'on-custom', builtIn: false, conditions: [{ when: 'true', send: ['rollout-completed'], oncePer: '', description: 'custom' }] });
    expect(triggers.find((t) => t.name === 'on-rollout-aborted')!.builtIn).toBe(true);
    const templates = describeTemplates(c);
    expect(templates.find((t) => t.name === 'rollout-completed')).toEqual({ name: 'rollout-completed', builtIn: false, services: ['slack'] });
    expect(templates.find((t) => t.name === 'rollout-aborted')).toEqual({ name: 'rollout-aborted', builtIn: true, services: ['email', 'slack'] });
  });
});
