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

test('notifications configured: an error says none will be sent, naming the keys', async () => {
  const data = { 'service.slack': 'token: $slack-token', 'trigger.on-rollout-completed': '- send: [x]', 'template.x': 'message: hi', defaultTriggers: '- on-rollout-completed' };
  expect(await checkArgoConfigMaps(reader({ 'argo-rollouts-notification-configmap': { data } }), 'argo-rollouts', registered)).toEqual([
    { level: 'error', message: expect.stringContaining('none will be sent'), fields: { keys: 'defaultTriggers,service.slack,template.x,trigger.on-rollout-completed' } },
  ]);
});

test('an unreadable ConfigMap (forbidden) is a warning naming it, not a failure', async () => {
  const found = await checkArgoConfigMaps(reader({ 'argo-rollouts-config': new Error('403 Forbidden') }), 'argo-rollouts', registered);
  expect(found).toEqual([{ level: 'warn', message: 'cannot read ConfigMap argo-rollouts/argo-rollouts-config: plugins configured there are not checked', fields: { error: '403 Forbidden' } }]);
});
