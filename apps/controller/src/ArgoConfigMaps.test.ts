import { checkArgoConfigMaps, type ConfigMapLike, type ConfigMapReader } from './ArgoConfigMaps';

const registered = { trafficRouters: ['nginx', 'argoproj-labs/gatewayAPI'], metricProviders: ['prometheus'] };
const reader =
  (maps: Record<string, ConfigMapLike | Error>): ConfigMapReader =>
  (ns, name) => {
    expect(ns).toBe('argo-rollouts');
    return Promise.resolve(maps[name]);
  };

test('nothing configured: nothing said', async () => {
  expect(await checkArgoConfigMaps(reader({}), 'argo-rollouts', registered)).toEqual([]);
  expect(await checkArgoConfigMaps(reader({ 'argo-rollouts-config': { data: {} }, 'argo-rollouts-notification-configmap': { data: { context: 'x' } } }), 'argo-rollouts', registered)).toEqual([]);
});

test('plugins: built-in ones are served, the others named in an error', async () => {
  const config = {
    data: {
      trafficRouterPlugins: '- name: argoproj-labs/gatewayAPI\n  location: https://example.com/p\n- name: acme/router\n  location: file:///p\n',
      metricProviderPlugins: '[{name: acme/metric, location: "file:///m"}]',
      stepPlugins: '- name: acme/step\n  location: file:///s\n',
    },
  };
  const found = await checkArgoConfigMaps(reader({ 'argo-rollouts-config': config }), 'argo-rollouts', registered);
  expect(found).toEqual([
    { level: 'info', message: expect.stringContaining('trafficRouterPlugins served by'), fields: { plugins: 'argoproj-labs/gatewayAPI' } },
    { level: 'error', message: expect.stringContaining('trafficRouterPlugins not loaded'), fields: { plugins: 'acme/router' } },
    { level: 'error', message: expect.stringContaining('metricProviderPlugins not loaded'), fields: { plugins: 'acme/metric' } },
    { level: 'error', message: expect.stringContaining('stepPlugins not loaded'), fields: { plugins: 'acme/step' } },
  ]);
  expect(found[1]!.message).toContain('InvalidSpec');
  expect(found[2]!.message).toContain('measure Error');
});

test('a malformed plugin list is an error naming the key and the entry', async () => {
  const bad = async (v: string) => (await checkArgoConfigMaps(reader({ 'argo-rollouts-config': { data: { metricProviderPlugins: v } } }), 'argo-rollouts', registered))[0]?.message;
  expect(await bad('name: x')).toContain('metricProviderPlugins: expected a list of {name, location}, got object');
  expect(await bad('- location: file:///x')).toContain('metricProviderPlugins[0].name: required');
  expect(await bad('- [unclosed')).toContain('metricProviderPlugins: not YAML');
});

test('notifications configured: the configuration is checked at start; problems are an error naming each key', async () => {
  const data = { 'service.slack': 'token: $slack-token', 'trigger.on-rollout-completed': '- send: [x]', 'template.x': 'message: hi', defaultTriggers: '- on-rollout-completed' };
  const seen: Array<Record<string, string>> = [];
  const ok = async (d: Readonly<Record<string, string>>) => (seen.push({ ...d }), { services: ['slack'], triggers: ['on-rollout-completed'], templates: ['x'] });
  expect(await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': { data } }), 'argo-rollouts', registered, ok)).toEqual([
    { level: 'info', message: 'ConfigMap argo-rollouts/argo-rollouts-notification-configmap: notifications configured', fields: { services: 'slack', triggers: 1, templates: 1 } },
  ]);
  expect(seen).toEqual([data]);
  const bad = async () => ({ problems: [{ key: 'template.x', message: 'message: unexpected "}}"' }, { key: 'service.slack', message: 'token: required' }] });
  expect(await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': { data } }), 'argo-rollouts', registered, bad)).toEqual([
    { level: 'error', message: expect.stringContaining('no notification is sent from it until they are fixed'), fields: { problems: 'template.x: message: unexpected "}}"; service.slack: token: required' } },
  ]);
  const throws = async (): Promise<never> => {
    throw new Error('403 Forbidden: secrets');
  };
  expect(await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': { data } }), 'argo-rollouts', registered, throws)).toEqual([
    { level: 'warn', message: 'ConfigMap argo-rollouts/argo-rollouts-notification-configmap: notification settings could not be checked at start', fields: { error: '403 Forbidden: secrets' } },
  ]);
  // no longer the old "not sent yet" error
  expect(JSON.stringify(await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': { data } }), 'argo-rollouts', registered))).not.toContain('none will be sent');
});

test('an unreadable ConfigMap (forbidden) is a warning naming it, not a failure', async () => {
  const found = await checkArgoConfigMaps(reader({ 'argo-rollouts-config': new Error('403 Forbidden') }), 'argo-rollouts', registered);
  expect(found).toEqual([{ level: 'warn', message: 'cannot read ConfigMap argo-rollouts/argo-rollouts-config: plugins configured there are not checked', fields: { error: '403 Forbidden' } }]);
});
