import { checkArgoConfigMaps, type ConfigMapLike, type ConfigMapReader } from './ArgoConfigMaps';

const reader =
  (maps: Record<string, ConfigMapLike | Error>): ConfigMapReader =>
  (ns, name) => {
    expect(ns).toBe('argo-rollouts');
    return Promise.resolve(maps[name]);
  };

test('nothing configured: nothing said', async () => {
  expect(await checkArgoConfigMaps(reader({}), 'argo-rollouts')).toEqual([]);
  expect(await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': { data: { context: 'x' } } }), 'argo-rollouts')).toEqual([]);
});

test('notifications configured: the configuration is checked at start; problems are an error naming each key', async () => {
  const data = { 'service.slack': 'token: $slack-token', 'trigger.on-rollout-completed': '- send: [x]', 'template.x': 'message: hi', defaultTriggers: '- on-rollout-completed' };
  const seen: Array<Record<string, string>> = [];
  const ok = async (d: Readonly<Record<string, string>>) => (seen.push({ ...d }), { services: ['slack'], triggers: ['on-rollout-completed'], templates: ['x'] });
  expect(await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': { data } }), 'argo-rollouts', ok)).toEqual([
    { level: 'info', message: 'ConfigMap argo-rollouts/argo-rollouts-notification-configmap: notifications configured', fields: { services: 'slack', triggers: 1, templates: 1 } },
  ]);
  expect(seen).toEqual([data]);
  const bad = async () => ({ problems: [{ key: 'template.x', message: 'message: unexpected "}}"' }, { key: 'service.slack', message: 'token: required' }] });
  expect(await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': { data } }), 'argo-rollouts', bad)).toEqual([
    { level: 'error', message: expect.stringContaining('no notification is sent from it until they are fixed'), fields: { problems: 'template.x: message: unexpected "}}"; service.slack: token: required' } },
  ]);
  const throws = async (): Promise<never> => {
    throw new Error('403 Forbidden: secrets');
  };
  expect(await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': { data } }), 'argo-rollouts', throws)).toEqual([
    { level: 'warn', message: 'ConfigMap argo-rollouts/argo-rollouts-notification-configmap: notification settings could not be checked at start', fields: { error: '403 Forbidden: secrets' } },
  ]);
  // no longer the old "not sent yet" error
  expect(JSON.stringify(await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': { data } }), 'argo-rollouts'))).not.toContain('none will be sent');
});

test('an unreadable ConfigMap (forbidden) is a warning naming it, not a failure', async () => {
  const found = await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': new Error('403 Forbidden') }), 'argo-rollouts');
  expect(found).toEqual([{ level: 'warn', message: 'cannot read ConfigMap argo-rollouts/argo-rollouts-notification-configmap: notification settings are not checked', fields: { error: '403 Forbidden' } }]);
});
