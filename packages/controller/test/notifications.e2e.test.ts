// End-to-end: notifications from the controller, with the real engine and senders of @rollouts/notifications, to a
// local HTTP server (webhook) and a real SMTP server (aiosmtpd, tools/smtp/setup.sh). Two replicas with leader
// election: the leader is stopped in the middle of an update and the other one finishes it; every trigger is
// delivered exactly once, in the order of the update. An aborted canary says which metric failed and its value
// (a template over .analysisRuns). A condition trigger is recorded in notified.notifications.argoproj.io and not
// sent again by a restarted controller. Status writes answered 409 send nothing until one succeeds; a reconcile that
// throws sends on-reconciliation-error once. Runs on kube-sim and on the real control plane (E2E_TARGET=real).
//
// Under CI=true a missing aiosmtpd fails the test; elsewhere the e-mail half is left out with a warning.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { json } from '@rollouts/api';
import type { Controller, ControllerMetrics } from '@rollouts/controller';
import { Resources, type ResourceKind } from '@rollouts/k8s';
import { notificationEngine, notificationServices } from '@rollouts/notifications';
import { defineMetricProvider, defineTrafficRouter } from '@rollouts/plugin-sdk';
import { findSmtpPython, startSmtpInbox, type SmtpInbox } from '../../notifications/test/services/SmtpInbox';
import { canaryRollout, promote, service, setImage, startEnv, waitFor, waitHealthy, waitStatus, type Env } from './harness';

jest.setTimeout(120_000);

const CONFIG_MAPS: ResourceKind = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const NOTIFIED = 'notified.notifications.argoproj.io';

/** The value each AnalysisRun measures, by the Rollout that owns it (label `app`). */
const answers = new Map<string, number>();
const provider = defineMetricProvider({
  kind: 'e2e/notify',
  configCodec: json(),
  make: () => () => ({
    run: (ctx) => () => Promise.resolve({ _tag: 'Right', right: { _tag: 'Value', value: answers.get(ctx.run.metadata?.labels?.['app'] ?? '') ?? 1 } } as const),
  }),
});

/** TEST DOUBLE: a traffic router that routes nothing; reading its optional `verifyWeight` throws while `routerFault.on` (a reconcile that throws). */
const routerFault = { on: false };
const faultyRouter = defineTrafficRouter({
  kind: 'e2e/faulty-router',
  configCodec: json(),
  make: () => () => {
    const router = {
      updateHash: () => async () => ({ _tag: 'Right', right: undefined }) as const,
      removeManagedRoutes: () => async () => ({ _tag: 'Right', right: undefined }) as const,
      setWeight: () => async () => ({ _tag: 'Right', right: undefined }) as const,
    };
    Object.defineProperty(router, 'verifyWeight', {
      enumerable: true,
      get() {
        if (routerFault.on) throw new Error('test double: the faulty router broke');
        return undefined;
      },
    });
    return router;
  },
});

interface Hit {
  readonly method: string;
  readonly path: string;
  readonly token: string;
  readonly body: string;
}

let env: Env;
let hookServer: http.Server;
const hits: Hit[] = [];
let inbox: SmtpInbox | undefined;
const python = findSmtpPython();
const sends: Array<{ reason: string; error: boolean; name: string }> = [];
const metrics: ControllerMetrics = { notificationSent: (n) => void sends.push({ reason: n.reason, error: n.error, name: n.name }) };

const TRIGGERS = ['on-rollout-updated', 'on-rollout-step-completed', 'on-analysis-run-running', 'on-rollout-completed', 'on-rollout-aborted'];

function configMap(hookUrl: string, smtp: SmtpInbox | undefined): Record<string, string> {
  const data: Record<string, string> = {
    'service.webhook.hook': `url: ${hookUrl}\nheaders:\n- name: X-Token\n  value: $hook-token\n`,
    // The abort template reads the failed metric from .analysisRuns (Argo #3219, #4758).
    'template.e2e-on-rollout-aborted': [
      'message: >-',
      '  {{.rollout.metadata.name}} on-rollout-aborted:{{range .analysisRuns}}{{range .status.metricResults}}{{if eq .phase "Failed"}} metric {{.name}} failed with value {{range .measurements}}{{.value}}{{end}}{{end}}{{end}}{{end}}',
      'email:',
      '  subject: "{{.rollout.metadata.name}} on-rollout-aborted"',
      'webhook:',
      '  hook:',
      '    method: POST',
      '    path: /on-rollout-aborted',
    ].join('\n'),
    'trigger.on-reconciliation-error': '- send: [e2e-reconciliation-error]\n',
    'template.e2e-reconciliation-error': [
      'message: >-',
      '  {{.rollout.metadata.name}} on-reconciliation-error: {{range .rollout.status.conditions}}{{if eq .type "ReconciliationError"}}{{.message}}{{end}}{{end}}',
      'webhook:',
      '  hook:',
      '    method: POST',
      '    path: /on-reconciliation-error',
    ].join('\n'),
    'trigger.on-degraded': '- when: rollout.status.phase == "Degraded"\n  send: [e2e-degraded]\n',
    'template.e2e-degraded': 'message: "{{.rollout.metadata.name}} on-degraded"\nwebhook:\n  hook:\n    method: POST\n    path: /on-degraded\n',
  };
  for (const t of TRIGGERS.filter((x) => x !== 'on-rollout-aborted')) {
    data[`template.e2e-${t}`] = [
      `message: "{{.rollout.metadata.name}} ${t} step={{.rollout.status.currentStepIndex}}"`,
      'email:',
      `  subject: "{{.rollout.metadata.name}} ${t}"`,
      'webhook:',
      '  hook:',
      '    method: POST',
      `    path: /${t}`,
    ].join('\n');
  }
  for (const t of TRIGGERS) data[`trigger.${t}`] = `- send: [e2e-${t}]\n`;
  if (smtp !== undefined) {
    data['service.email.mail'] = `host: ${smtp.host}\nport: ${smtp.port}\nfrom: rollouts@example.com\n`;
    // Global subscriptions by label, as well as the Rollouts' own annotations (webhook below).
    data['subscriptions'] = `- recipients: [mail:team@example.com]\n  selector: notify=e2e\n  triggers: [${TRIGGERS.join(', ')}]\n`;
  }
  return data;
}

/** The webhook subscriptions of a Rollout, as annotations (Argo's annotation form). */
const subscribe = (triggers: readonly string[]): Record<string, string> => Object.fromEntries(triggers.map((t) => [`notifications.argoproj.io/subscribe.${t}.hook`, '']));

function notifiedRollout(name: string, steps: ReadonlyArray<Record<string, unknown>>, triggers: readonly string[]) {
  const r = canaryRollout(name, steps);
  return { ...r, metadata: { ...r.metadata, labels: { notify: 'e2e' }, annotations: subscribe(triggers) } };
}

const notificationsOf = (env: Env) => ({ engine: notificationEngine, services: notificationServices, configNamespace: env.ns, configCacheMs: 200, backoffMs: 100 });
const election = (identity: string) => ({ leaderElection: { namespace: env.ns, name: 'notify-e2e-lock', identity, leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 300 } });

/** The triggers that reached the webhook for a Rollout, in order (the path names the trigger). */
const hooked = (name: string): string[] => hits.filter((h) => h.body.startsWith(`${name} `)).map((h) => h.path.slice(1));
const mailed = (name: string): string[] => (inbox?.messages() ?? []).filter((m) => (m.headers['subject'] ?? '').startsWith(`${name} `)).map((m) => (m.headers['subject'] ?? '').slice(name.length + 1));

/** Wait until nothing new arrived for `quietMs`. */
async function settle(quietMs = 800): Promise<void> {
  let last = -1;
  let since = Date.now();
  await waitFor('notifications to settle', () => {
    const n = hits.length + (inbox?.messages().length ?? 0);
    if (n !== last) {
      last = n;
      since = Date.now();
      return false;
    }
    return Date.now() - since >= quietMs;
  }, 20_000);
}

beforeAll(async () => {
  if (python === undefined) {
    if (process.env['CI'] === 'true') throw new Error('aiosmtpd is required under CI=true: run tools/smtp/setup.sh (or set ROLLOUTS_SMTP_PYTHON)');
    console.warn('notifications e2e: aiosmtpd is not installed (tools/smtp/setup.sh): the e-mail half is left out');
  } else inbox = await startSmtpInbox(python);
  hookServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', path: req.url ?? '', token: String(req.headers['x-token'] ?? ''), body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;

  env = await startEnv({ readinessDelayMs: 50, noController: true, faults: true, controller: { metricProviders: [provider], trafficRouters: [faultyRouter], metrics } });
  await env.api.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argo-rollouts-notification-configmap' }, data: configMap(hookUrl, inbox) });
  await env.api.create(Resources.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'argo-rollouts-notification-secret' }, data: { 'hook-token': Buffer.from('t0ken-e2e').toString('base64') } });
  for (const [name, metric] of [
    ['notify-ok', 'success-rate'],
    ['notify-fail', 'error-rate'],
  ] as const)
    await env.api.create(Resources.analysisTemplates, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name },
      // notify-ok measures twice, 3 s apart (the real API server keeps whole seconds of a measurement's time): the Rollout
      // sees its run Running before it succeeds.
      spec: { metrics: [{ name: metric, ...(name === 'notify-ok' ? { count: 2, interval: '3s' } : { count: 1 }), successCondition: 'result < 5', failureLimit: 0, provider: { plugin: { 'e2e/notify': {} } } }] },
    });
});
afterAll(async () => {
  await env?.stop();
  await inbox?.stop();
  await new Promise((resolve) => hookServer?.close(resolve));
});

test('two replicas, the leader stopped mid-update: each trigger is delivered once, in order, to the webhook and the inbox', async () => {
  const a = await env.startController({ ...election('replica-a'), notifications: notificationsOf(env) });
  await waitFor('replica a to lead', () => a.isLeader(), 10_000);
  const b = await env.startController({ ...election('replica-b'), notifications: notificationsOf(env) });
  const steps = [{ setWeight: 25 }, { pause: {} }, { analysis: { templates: [{ templateName: 'notify-ok' }] } }, { setWeight: 75 }];
  for (const s of ['ok-canary', 'ok-stable']) await env.api.create(Resources.services, service(s, 'ok'));
  await env.api.create(Resources.rollouts, notifiedRollout('ok', steps, TRIGGERS));
  const first = await waitHealthy(env, 'ok', 30_000);
  await settle();
  const before = { hooked: hooked('ok').length, mailed: mailed('ok').length };

  await setImage(env, 'ok', 'demo:2');
  await waitStatus(env, 'ok', 'paused at the pause step', (s) => s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0, 30_000);
  await waitFor('the first two notifications from replica a', () => hooked('ok').length >= before.hooked + 2, 10_000, () => hits);
  await a.stop();
  await waitFor('replica b to lead', () => b.isLeader(), 10_000);
  await promote(env, 'ok');
  const done = await waitHealthy(env, 'ok', 40_000);
  expect(done.status!.stableRS).not.toBe(first.status!.stableRS);
  await settle();

  const expected = [
    'on-rollout-updated',
    'on-rollout-step-completed',
    'on-rollout-step-completed',
    'on-analysis-run-running',
    'on-rollout-step-completed',
    'on-rollout-step-completed',
    'on-rollout-completed',
  ];
  expect(hooked('ok').slice(before.hooked)).toEqual(expected);
  // The secret reference of the header was substituted. A step-completed message carries the index of the step that
  // completed (what Argo's shipped template adds 1 to), one per step, the rest of the Rollout being the written one.
  const updateHits = hits.filter((h) => h.body.startsWith('ok ')).slice(before.hooked);
  expect(updateHits.every((h) => h.method === 'POST' && h.token === 't0ken-e2e')).toBe(true);
  expect(updateHits.filter((h) => h.path === '/on-rollout-step-completed').map((h) => h.body)).toEqual([0, 1, 2, 3].map((i) => `ok on-rollout-step-completed step=${i}`));
  if (inbox !== undefined) {
    expect(mailed('ok').slice(before.mailed)).toEqual(expected);
    const mail = inbox.messages().filter((m) => (m.headers['subject'] ?? '').startsWith('ok '));
    expect(mail.every((m) => m.rcptTos.join(',') === 'team@example.com')).toBe(true);
  }
  const okSends = sends.filter((s) => s.name === 'ok');
  expect(okSends.filter((s) => s.error)).toEqual([]);
  expect(okSends.length).toBe(hooked('ok').length + mailed('ok').length);
});

test('an aborted canary sends on-rollout-aborted naming the failed metric and its value; a condition trigger is recorded and not resent after a restart', async () => {
  const leader = env.controllers.find((c: Controller) => c.isLeader()) ?? (await env.startController({ notifications: notificationsOf(env) }));
  answers.set('bad', 7);
  const steps = [{ setWeight: 25 }, { analysis: { templates: [{ templateName: 'notify-fail' }] } }, { setWeight: 75 }];
  for (const s of ['bad-canary', 'bad-stable']) await env.api.create(Resources.services, service(s, 'bad'));
  await env.api.create(Resources.rollouts, notifiedRollout('bad', steps, [...TRIGGERS, 'on-degraded']));
  await waitHealthy(env, 'bad', 30_000);
  await settle();
  const before = hooked('bad').length;
  await setImage(env, 'bad', 'demo:2');
  await waitStatus(env, 'bad', 'aborted by the analysis', (s) => s.abort === true && s.phase === 'Degraded', 30_000);
  await waitFor('the on-degraded record', () => env.api.get<{ metadata: { annotations?: Record<string, string> } }>(Resources.rollouts, 'bad')?.metadata.annotations?.[NOTIFIED], 10_000);
  await settle();
  const got = hooked('bad').slice(before);
  expect(got.filter((t) => t === 'on-rollout-aborted')).toHaveLength(1);
  expect(got.filter((t) => t === 'on-degraded')).toHaveLength(1);
  const aborted = hits.find((h) => h.path === '/on-rollout-aborted' && h.body.startsWith('bad '));
  expect(aborted?.body).toBe('bad on-rollout-aborted: metric error-rate failed with value 7');
  if (inbox !== undefined) expect(mailed('bad').filter((t) => t === 'on-rollout-aborted')).toHaveLength(1);

  // A restart (a new leader reading the annotation): the condition is not sent again.
  await leader.stop();
  const again = await env.startController({ notifications: notificationsOf(env) });
  await waitFor('the new controller to lead', () => again.isLeader(), 10_000);
  await env.api.patch(Resources.rollouts, 'bad', { metadata: { labels: { touched: 'yes' } } });
  await settle(1500);
  expect(hooked('bad').slice(before).filter((t) => t === 'on-degraded')).toHaveLength(1);
});

test('a status write answered 409 sends nothing; the reconcile whose write succeeds sends once', async () => {
  const leader = env.controllers.find((c: Controller) => c.isLeader()) ?? (await env.startController({ notifications: notificationsOf(env) }));
  expect(leader.isLeader()).toBe(true);
  for (const s of ['conf-canary', 'conf-stable']) await env.api.create(Resources.services, service(s, 'conf'));
  await env.api.create(Resources.rollouts, notifiedRollout('conf', [{ setWeight: 50 }, { pause: {} }], TRIGGERS));
  await waitHealthy(env, 'conf', 30_000);
  await settle();
  const before = hooked('conf').length;
  const injector = env.faults!;
  const since = injector.requestLog.mark();
  const fault = injector.conflict({ resource: 'rollouts', subresource: 'status', times: 3 });
  try {
    await setImage(env, 'conf', 'demo:2');
    await waitStatus(env, 'conf', 'paused at step 2', (s) => s.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0, 30_000);
  } finally {
    fault.remove();
  }
  await settle();
  expect(injector.requestLog.count({ since, userAgent: 'rollouts-controller', code: 409 })).toBeGreaterThanOrEqual(1);
  expect(hooked('conf').slice(before)).toEqual(['on-rollout-updated', 'on-rollout-step-completed']);
});

test('a reconcile that throws sends on-reconciliation-error once, with the condition the controller just set', async () => {
  const leader = env.controllers.find((c: Controller) => c.isLeader()) ?? (await env.startController({ notifications: notificationsOf(env) }));
  expect(leader.isLeader()).toBe(true);
  for (const s of ['oops-canary', 'oops-stable']) await env.api.create(Resources.services, service(s, 'oops'));
  const r = notifiedRollout('oops', [{ setWeight: 50 }, { pause: {} }], ['on-reconciliation-error']);
  await env.api.create(Resources.rollouts, { ...r, spec: { ...r.spec, strategy: { canary: { ...r.spec.strategy.canary, trafficRouting: { plugins: { 'e2e/faulty-router': {} } } } } } });
  await waitHealthy(env, 'oops', 30_000);
  routerFault.on = true;
  try {
    await setImage(env, 'oops', 'demo:2');
    await waitFor('on-reconciliation-error', () => hooked('oops').includes('on-reconciliation-error'), 15_000);
    await settle(1500);
  } finally {
    routerFault.on = false;
  }
  const got = hits.filter((h) => h.path === '/on-reconciliation-error' && h.body.startsWith('oops '));
  expect(got).toHaveLength(1);
  expect(got[0]!.body).toBe('oops on-reconciliation-error: Reconciliation failed with error: test double: the faulty router broke');
});
