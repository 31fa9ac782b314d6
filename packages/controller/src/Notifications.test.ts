import * as E from 'fp-ts/lib/Either';
import * as TE from 'fp-ts/lib/TaskEither';
import type { Rollout } from '@rollouts/api';
import type { Clock, KubeWriter, Logger } from '@rollouts/k8s';
import type { KubeObjectClient } from '@rollouts/plugin-sdk';
import type { NotificationConfig, NotificationEngine, NotificationService, PlannedNotification, RenderedNotification, SendError, ServiceInstance } from '@rollouts/notifications';
import type { ClusterCache } from './ClusterCache';
import { createNotifier, NOTIFIED_ANNOTATION, type NotificationOptions } from './Notifications';

// ---- Test doubles ------------------------------------------------------------------------------------

/**
 * A test-double engine (not the real one: that is @rollouts/notifications' Engine.ts, exercised by the e2e): the
 * ConfigMap key `events` lists the reasons it plans for (`RolloutUpdated,RolloutCompleted`), `conditions` the
 * condition triggers it plans once each (recorded under `<trigger>` in `notified`); every plan goes to `service.*`
 * instances of the ConfigMap, recipient `r`. The message names the trigger and the Rollout's `status.phase`, so a
 * test sees which object the plan was made from.
 */
function fakeEngine(calls: string[] = []): NotificationEngine {
  const configs = new WeakMap<NotificationConfig, { events: string[]; conditions: string[]; data: Record<string, string>; secret: Record<string, string> }>();
  const kebab = (r: string) => `on-${r.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
  const plan = (config: NotificationConfig, object: Record<string, unknown>, trigger: string, onceKey?: string): PlannedNotification[] =>
    config.services.map((s) => ({
      trigger,
      template: trigger,
      destination: { service: s.name, recipient: 'r' },
      serviceType: s.type,
      notification: { message: `${trigger} ${String((object['status'] as { phase?: string } | undefined)?.phase)}` },
      ...(onceKey !== undefined ? { onceKey } : {}),
    }));
  return {
    parseConfig(data, secret) {
      calls.push(`parse ${Object.keys(data).sort().join(',')}`);
      if (data['broken'] !== undefined) return E.left([{ key: 'trigger.broken', message: 'when: cannot parse' }]);
      const services: ServiceInstance[] = Object.keys(data)
        .filter((k) => k.startsWith('service.'))
        .map((k) => ({ type: k.split('.')[1]!, name: k.split('.')[2] ?? k.split('.')[1]!, options: { token: secret['token'] ?? '' } }));
      const config: NotificationConfig = { services, triggers: [], templates: [] };
      configs.set(config, { events: (data['events'] ?? '').split(',').filter((x) => x !== ''), conditions: (data['conditions'] ?? '').split(',').filter((x) => x !== ''), data: { ...data }, secret: { ...secret } });
      return E.right(config);
    },
    planForEvent(config, subject, reason) {
      calls.push(`event ${reason} runs=${subject.analysisRuns.map((r) => (r['metadata'] as { name: string }).name).join(',')}`);
      const c = configs.get(config)!;
      return E.right(c.events.includes(reason) ? plan(config, subject.object, kebab(reason)) : []);
    },
    // The real engine's optional 4th argument: a Rollout namespace's configuration records under `<namespace>:`.
    planForConditions(config, subject, notified, ...rest: unknown[]) {
      const c = configs.get(config)!;
      const ns = (rest[0] as { configNamespace?: string } | undefined)?.configNamespace;
      const key = (t: string) => (ns === undefined ? t : `${ns}:${t}`);
      const todo = c.conditions.filter((t) => notified[key(t)] === undefined);
      const next: Record<string, unknown> = { ...notified };
      for (const t of todo) next[key(t)] = 1;
      return E.right({ planned: todo.flatMap((t) => plan(config, subject.object, t, key(t))), notified: next });
    },
  };
}

/** A test-double sender: records what it was given; `failures` answers the first N sends with that error. */
function fakeService(type: string, failures: SendError[] = []): NotificationService & { sent: Array<{ instance: string; message: string; recipient: string }> } {
  const sent: Array<{ instance: string; message: string; recipient: string }> = [];
  const queue = [...failures];
  return {
    type,
    sent,
    validate: () => [],
    send: (_ctx, instance: ServiceInstance, n: RenderedNotification, recipient: string) => {
      const f = queue.shift();
      if (f !== undefined) return TE.left(f);
      sent.push({ instance: instance.name, message: n.message, recipient });
      return TE.right(undefined);
    },
  };
}

interface Setup {
  readonly maps?: Record<string, { data: Record<string, string>; resourceVersion?: string }>;
  readonly secrets?: Record<string, Record<string, string>>;
  readonly services?: NotificationService[];
  readonly engine?: NotificationEngine;
  readonly options?: Partial<NotificationOptions>;
  readonly analysisRuns?: Array<Record<string, unknown>>;
}

function setup(s: Setup) {
  let now = 1_000_000;
  const clock: Clock = { now: () => now, setTimeout: () => ({ cancel: () => undefined }) as never };
  const gets: string[] = [];
  const objects = {
    get: (ref: { kind: string; namespace?: string; name: string }) => {
      gets.push(`${ref.kind} ${ref.namespace}/${ref.name}`);
      if (ref.kind === 'ConfigMap') {
        const m = s.maps?.[ref.namespace ?? ''];
        return TE.right(m === undefined ? undefined : { metadata: { name: ref.name, resourceVersion: m.resourceVersion ?? '1' }, data: m.data });
      }
      const sec = s.secrets?.[ref.namespace ?? ''];
      return TE.right(sec === undefined ? undefined : { metadata: { name: ref.name, resourceVersion: '7' }, data: Object.fromEntries(Object.entries(sec).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) });
    },
  } as unknown as KubeObjectClient;
  const patches: Array<{ name: string; body: unknown }> = [];
  const wrote: unknown[] = [];
  const writer = {
    patch: async (_k: unknown, _ns: string, name: string, p: { body: unknown }) => {
      patches.push({ name, body: p.body });
      return E.right({ metadata: { name, resourceVersion: '99' } });
    },
  } as unknown as KubeWriter;
  const cache = {
    analysisRuns: { list: () => s.analysisRuns ?? [] },
    rollouts: { get: () => undefined, wrote: (o: unknown) => wrote.push(o) },
  } as unknown as ClusterCache;
  const logs: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const log: Logger = {
    debug: (message: string, fields?: Record<string, unknown>) => logs.push({ level: 'debug', message, fields: fields ?? {} }),
    info: (message: string, fields?: Record<string, unknown>) => logs.push({ level: 'info', message, fields: fields ?? {} }),
    warn: (message: string, fields?: Record<string, unknown>) => logs.push({ level: 'warn', message, fields: fields ?? {} }),
    error: (message: string, fields?: Record<string, unknown>) => logs.push({ level: 'error', message, fields: fields ?? {} }),
  } as Logger;
  const sent: Array<Record<string, unknown>> = [];
  const sleeps: number[] = [];
  const notifier = createNotifier(
    { engine: s.engine ?? fakeEngine(), services: s.services ?? [], configNamespace: 'argo-rollouts', ...s.options },
    { objects, writer, cache, clock, log, metrics: { notificationSent: (n) => sent.push({ ...n }) }, sleep: async (ms) => void sleeps.push(ms) },
  );
  return { notifier, gets, patches, wrote, logs, metrics: sent, sleeps, advance: (ms: number) => (now += ms) };
}

const rollout = (phase: string, annotations: Record<string, string> = {}): Rollout =>
  ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'shop', annotations }, spec: {}, status: { phase, currentPodHash: 'abc' } }) as unknown as Rollout;

// ---- Event path ----------------------------------------------------------------------------------------

test('events: planned on the Rollout given (the written one), sent in the order recorded, each counted once', async () => {
  const hook = fakeService('webhook');
  const t = setup({ maps: { 'argo-rollouts': { data: { 'service.webhook.hook': 'url: x', events: 'RolloutUpdated,RolloutStepCompleted' } } }, services: [hook] });
  await t.notifier.afterReconcile(rollout('Progressing'), [
    { type: 'Normal', reason: 'RolloutUpdated' },
    { type: 'Normal', reason: 'ScalingReplicaSet' },
    { type: 'Normal', reason: 'RolloutStepCompleted' },
  ]);
  expect(hook.sent).toEqual([
    { instance: 'hook', message: 'on-rollout-updated Progressing', recipient: 'r' },
    { instance: 'hook', message: 'on-rollout-step-completed Progressing', recipient: 'r' },
  ]);
  expect(t.metrics.map((m) => [m['namespace'], m['name'], m['type'], m['reason'], m['error']])).toEqual([
    ['shop', 'web', 'Normal', 'RolloutUpdated', false],
    ['shop', 'web', 'Normal', 'RolloutStepCompleted', false],
  ]);
  // a reason no trigger plans for: one debug line, no error
  expect(t.logs.filter((l) => l.level === 'debug' && l.fields['reason'] === 'ScalingReplicaSet')).toHaveLength(1);
  expect(t.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
});

test('events: the AnalysisRuns of the current pod hash and this Rollout are given to the engine, newest first', async () => {
  const calls: string[] = [];
  const run = (name: string, hash: string, owner: string, at: string) => ({ metadata: { name, creationTimestamp: at, labels: { 'rollouts-pod-template-hash': hash }, ownerReferences: [{ kind: 'Rollout', name: owner }] } });
  const t = setup({
    maps: { 'argo-rollouts': { data: { events: 'AnalysisRunRunning' } } },
    engine: fakeEngine(calls),
    analysisRuns: [run('web-1', 'abc', 'web', '2026-01-01T00:00:00Z'), run('web-2', 'abc', 'web', '2026-01-01T00:01:00Z'), run('web-old', 'old', 'web', '2026-01-01T00:02:00Z'), run('other', 'abc', 'api', '2026-01-01T00:03:00Z')],
  });
  await t.notifier.events(rollout('Progressing'), [{ type: 'Normal', reason: 'AnalysisRunRunning' }]);
  expect(calls).toContain('event AnalysisRunRunning runs=web-2,web-1');
});

test('a retryable failure is retried with backoff; a non-retryable one is not; the error is counted once and logged without retrying forever', async () => {
  const flaky = fakeService('webhook', [
    { retryable: true, message: 'webhook hook: 503' },
    { retryable: true, message: 'webhook hook: connection reset' },
  ]);
  const t = setup({ maps: { 'argo-rollouts': { data: { 'service.webhook.hook': '', events: 'RolloutCompleted' } } }, services: [flaky] });
  await t.notifier.events(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  expect(flaky.sent).toHaveLength(1);
  expect(t.sleeps).toEqual([1000, 2000]);
  expect(t.metrics.map((m) => m['error'])).toEqual([false]);

  const broken = fakeService('webhook', [{ retryable: false, message: 'webhook hook: 400 Bad Request' }]);
  const u = setup({ maps: { 'argo-rollouts': { data: { 'service.webhook.hook': '', events: 'RolloutCompleted' } } }, services: [broken] });
  await u.notifier.events(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  expect(broken.sent).toEqual([]);
  expect(u.sleeps).toEqual([]);
  expect(u.metrics.map((m) => [m['reason'], m['error']])).toEqual([['RolloutCompleted', true]]);
  expect(u.logs.filter((l) => l.level === 'error')).toEqual([{ level: 'error', message: 'notification not sent', fields: expect.objectContaining({ error: 'webhook hook: 400 Bad Request', service: 'hook' }) }]);

  const down = fakeService('webhook', [1, 2, 3, 4].map(() => ({ retryable: true, message: 'webhook hook: 503' })));
  const v = setup({ maps: { 'argo-rollouts': { data: { 'service.webhook.hook': '', events: 'RolloutCompleted' } } }, services: [down], options: { attempts: 4, backoffMs: 1000, maxBackoffMs: 3000 } });
  await v.notifier.events(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  expect(v.sleeps).toEqual([1000, 2000, 3000]);
  expect(v.metrics).toHaveLength(1);
});

test('a sender that throws or hangs is an error for that notification only', async () => {
  const thrower: NotificationService = { type: 'slack', validate: () => [], send: () => () => Promise.reject(new Error('boom')) };
  const hanger: NotificationService = { type: 'webhook', validate: () => [], send: () => () => new Promise(() => undefined) };
  const t = setup({ maps: { 'argo-rollouts': { data: { 'service.slack': '', 'service.webhook': '', events: 'RolloutAborted' } } }, services: [thrower, hanger], options: { attempts: 1, timeoutMs: 20 } });
  await t.notifier.events(rollout('Degraded'), [{ type: 'Warning', reason: 'RolloutAborted' }]);
  expect(t.metrics.map((m) => [m['type'], m['error']])).toEqual([
    ['Warning', true],
    ['Warning', true],
  ]);
  expect(t.logs.filter((l) => l.level === 'error').map((l) => l.fields['error'])).toEqual(['slack slack: the sender failed: boom', 'webhook webhook: no answer within 20 ms']);
});

test('a configured service type this controller has no sender for is an error once per configuration version (unsupported is never silent)', async () => {
  const t = setup({ maps: { 'argo-rollouts': { data: { 'service.telegram': '', events: 'RolloutCompleted' } } }, services: [] });
  await t.notifier.events(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  await t.notifier.events(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  expect(t.metrics).toEqual([]);
  const errors = t.logs.filter((l) => l.level === 'error');
  expect(errors).toHaveLength(1);
  expect(String(errors[0]!.fields['problems'])).toContain('service.telegram: the service type "telegram" is not supported by this controller');
  expect(t.logs.filter((l) => l.level === 'debug' && /no sender/.test(l.message)).length).toBeGreaterThan(0);
});

test('services given as a lookup (serviceFor) work as a list does', async () => {
  const hook = fakeService('webhook');
  const t = setup({ maps: { 'argo-rollouts': { data: { 'service.webhook': '', events: 'RolloutCompleted' } } }, options: { services: (type) => (type === 'webhook' ? hook : undefined) } });
  await t.notifier.events(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  expect(hook.sent).toHaveLength(1);
});

// ---- Configuration ---------------------------------------------------------------------------------------

test('the ConfigMap and Secret are read from the controller namespace, cached for configCacheMs, secret values decoded', async () => {
  const calls: string[] = [];
  const hook = fakeService('webhook');
  const t = setup({ maps: { 'argo-rollouts': { data: { 'service.webhook': '', events: 'RolloutCompleted' } } }, secrets: { 'argo-rollouts': { token: 's3cret' } }, engine: fakeEngine(calls), services: [hook], options: { configCacheMs: 5000 } });
  const ev = [{ type: 'Normal', reason: 'RolloutCompleted' }];
  await t.notifier.events(rollout('Healthy'), ev);
  await t.notifier.events(rollout('Healthy'), ev);
  expect(t.gets).toEqual(['ConfigMap argo-rollouts/argo-rollouts-notification-configmap', 'Secret argo-rollouts/argo-rollouts-notification-secret']);
  t.advance(5001);
  await t.notifier.events(rollout('Healthy'), ev);
  expect(t.gets).toHaveLength(4);
  // same resourceVersions: not parsed again
  expect(calls.filter((c) => c.startsWith('parse'))).toHaveLength(1);
  expect(hook.sent).toHaveLength(3);
});

test('the secret reaches the engine decoded, and never appears in a log line', async () => {
  let seen: Record<string, string> = {};
  const base = fakeEngine();
  const engine: NotificationEngine = { ...base, parseConfig: (d, s) => ((seen = { ...s }), base.parseConfig(d, s)) };
  const t = setup({ maps: { 'argo-rollouts': { data: { broken: 'x' } } }, secrets: { 'argo-rollouts': { token: 's3cret' } }, engine });
  await t.notifier.events(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  expect(seen).toEqual({ token: 's3cret' });
  expect(JSON.stringify(t.logs)).not.toContain('s3cret');
});

test('a configuration with problems sends nothing and is logged once per version, naming the key', async () => {
  const hook = fakeService('webhook');
  const maps = { 'argo-rollouts': { data: { 'service.webhook': '', broken: 'x', events: 'RolloutCompleted' }, resourceVersion: '1' } };
  const t = setup({ maps, services: [hook], options: { configCacheMs: 0 } });
  for (let i = 0; i < 3; i++) await t.notifier.events(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  expect(hook.sent).toEqual([]);
  const errors = t.logs.filter((l) => l.level === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.fields['problems']).toBe('trigger.broken: when: cannot parse');
});

test('no ConfigMap: nothing is planned and nothing is logged above debug', async () => {
  const calls: string[] = [];
  const t = setup({ engine: fakeEngine(calls) });
  await t.notifier.afterReconcile(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  expect(calls).toEqual([]);
  expect(t.logs.filter((l) => l.level !== 'debug')).toEqual([]);
});

test('self-service: the Rollout namespace config sends too, on its own', async () => {
  const hook = fakeService('webhook');
  const t = setup({
    maps: { 'argo-rollouts': { data: { 'service.webhook.central': '', events: 'RolloutCompleted' } }, shop: { data: { 'service.webhook.team': '', events: 'RolloutCompleted' } } },
    services: [hook],
    options: { selfService: true },
  });
  await t.notifier.events(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  expect(hook.sent.map((x) => x.instance)).toEqual(['central', 'team']);
  const u = setup({ maps: { shop: { data: { 'service.webhook.team': '', events: 'RolloutCompleted' } } }, services: [hook] });
  await u.notifier.events(rollout('Healthy'), [{ type: 'Normal', reason: 'RolloutCompleted' }]);
  expect(u.gets.every((g) => g.includes('argo-rollouts/'))).toBe(true);
});

// ---- Condition path ---------------------------------------------------------------------------------------

test('conditions: sent once, recorded in the notified annotation by a metadata merge patch; nothing new: no patch', async () => {
  const hook = fakeService('webhook');
  const t = setup({ maps: { 'argo-rollouts': { data: { 'service.webhook': '', conditions: 'on-degraded' } } }, services: [hook] });
  await t.notifier.afterReconcile(rollout('Degraded'), []);
  expect(hook.sent.map((s) => s.message)).toEqual(['on-degraded Degraded']);
  expect(t.patches).toEqual([{ name: 'web', body: { metadata: { annotations: { [NOTIFIED_ANNOTATION]: '{"on-degraded":1}' } } } }]);
  expect(t.wrote).toHaveLength(1);
  expect(t.metrics.map((m) => [m['type'], m['reason']])).toEqual([['Normal', 'on-degraded']]);
  // the Rollout as patched (a restart, or the next leader): nothing sent again
  await t.notifier.afterReconcile(rollout('Degraded', { [NOTIFIED_ANNOTATION]: '{"on-degraded":1}' }), []);
  expect(hook.sent).toHaveLength(1);
  expect(t.patches).toHaveLength(1);
});

test('conditions: a send that failed keeps no record, so a later reconcile tries again', async () => {
  const hook = fakeService('webhook', [{ retryable: false, message: 'webhook webhook: 404' }]);
  const t = setup({ maps: { 'argo-rollouts': { data: { 'service.webhook': '', conditions: 'on-degraded' } } }, services: [hook] });
  await t.notifier.afterReconcile(rollout('Degraded'), []);
  expect(t.patches).toEqual([]);
  await t.notifier.afterReconcile(rollout('Degraded'), []);
  expect(hook.sent).toHaveLength(1);
  expect(t.patches).toHaveLength(1);
});

test("conditions in self-service mode: the Rollout namespace's records carry its namespace (the engine's keys) and are kept apart", async () => {
  const hook = fakeService('webhook');
  const t = setup({
    maps: { 'argo-rollouts': { data: { 'service.webhook': '', conditions: 'on-a' } }, shop: { data: { 'service.webhook': '', conditions: 'on-a' } } },
    services: [hook],
    options: { selfService: true },
  });
  await t.notifier.afterReconcile(rollout('Degraded', { [NOTIFIED_ANNOTATION]: '{"shop:on-a":1}' }), []);
  expect(hook.sent).toHaveLength(1);
  expect(t.patches[0]!.body).toEqual({ metadata: { annotations: { [NOTIFIED_ANNOTATION]: '{"on-a":1,"shop:on-a":1}' } } });
});

test('an engine that throws is logged; the reconcile goes on', async () => {
  const engine: NotificationEngine = {
    ...fakeEngine(),
    planForEvent: () => {
      throw new Error('bug');
    },
  };
  const t = setup({ maps: { 'argo-rollouts': { data: { events: 'X' } } }, engine });
  await expect(t.notifier.afterReconcile(rollout('Healthy'), [{ type: 'Normal', reason: 'X' }])).resolves.toBeUndefined();
  expect(t.logs.filter((l) => l.level === 'error').map((l) => l.fields['problems'])).toEqual(['reason X: the notification engine failed: bug']);
});
