// `kubectl rollouts notifications …` as a user runs it (main, a kubeconfig, kube-sim with our controller), with the
// real engine and senders: the namespace's ConfigMap/Secret or files, the built-in triggers and templates, a
// rendered message on stdout, a real send to a local webhook, and each condition of a trigger evaluated.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import YAML from 'yaml';
import { canaryRollout, deploy, startEnv, type Env } from './harness';

jest.setTimeout(60_000);

let env: Env;
let server: http.Server;
let hookUrl = '';
const hits: Array<{ method: string; path: string; token: string; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', path: req.url ?? '', token: String(req.headers['x-token'] ?? ''), body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  env = await startEnv({ namespaces: ['argo-rollouts'] });
  await deploy(env, canaryRollout('shop', [{ setWeight: 50 }, { pause: {} }]));
});
afterAll(async () => {
  await env?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

const data = () => ({
  'service.webhook.hook': `url: ${hookUrl}\nheaders:\n- name: X-Token\n  value: $token\n`,
  'template.shop-phase': 'message: "{{.rollout.metadata.name}} is {{.rollout.status.phase}} ({{.serviceType}}:{{.recipient}})"\nwebhook:\n  hook:\n    method: POST\n    path: /phase\n',
  'trigger.on-phase': '- when: rollout.status.phase == "Healthy"\n  send: [shop-phase]\n- when: rollout.status.phase == "Degraded"\n  send: [shop-phase]\n',
});

const files = () => {
  const cm = path.join(env.dir, 'cm.yaml');
  fs.writeFileSync(cm, YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argo-rollouts-notification-configmap' }, data: data() }));
  const secret = path.join(env.dir, 'secret.yaml');
  fs.writeFileSync(secret, YAML.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'argo-rollouts-notification-secret' }, stringData: { token: 'file-token' } }));
  return { cm, secret };
};

test('template notify: console:stdout prints the rendered message; a recipient of a configured service really sends', async () => {
  const { cm, secret } = files();
  const printed = await env.run('notifications', 'template', 'notify', 'shop-phase', 'shop', '--config-map', cm, '--secret', secret);
  expect(printed).toEqual({ code: 0, out: 'shop is Healthy (console:stdout)\n', err: '' });
  expect(hits).toEqual([]);

  const sent = await env.run('notifications', 'template', 'notify', 'shop-phase', 'shop', '--config-map', cm, '--secret', secret, '--recipient', 'hook:');
  expect(sent).toEqual({ code: 0, out: 'notification sent to hook:\n', err: '' });
  expect(hits).toEqual([{ method: 'POST', path: '/phase', token: 'file-token', body: 'shop is Healthy (hook:)' }]);

  // Argo's shipped templates are built in.
  const builtin = await env.run('notifications', 'template', 'notify', 'rollout-completed', 'shop', '--config-map', cm, '--secret', ':empty');
  expect(builtin).toEqual({ code: 0, out: 'Rollout shop has been completed.\n', err: '' });
});

test('trigger run: each condition of the trigger on the Rollout, true or false', async () => {
  const { cm } = files();
  const r = await env.run('notifications', 'trigger', 'run', 'on-phase', 'shop', '--config-map', cm, '--secret', ':empty');
  expect(r.code).toBe(0);
  expect(r.out.split('\n')).toEqual(['#  CONDITION                           RESULT', '0  rollout.status.phase == "Healthy"   true', '1  rollout.status.phase == "Degraded"  false', '']);
  const builtin = await env.run('notifications', 'trigger', 'run', 'on-rollout-completed', 'shop', '--config-map', cm, '--secret', ':empty');
  expect(builtin.out).toContain('(no when: sends on the event)  true');
});

test('without files: the ConfigMap and Secret of the namespace (-n); the built-in triggers are listed with the configured ones', async () => {
  const missing = await env.run('notifications', 'trigger', 'get', '-n', 'argo-rollouts');
  expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('ConfigMap argo-rollouts/argo-rollouts-notification-configmap not found') });
  env.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argo-rollouts-notification-configmap', namespace: 'argo-rollouts' }, data: data() });
  env.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'argo-rollouts-notification-secret', namespace: 'argo-rollouts' }, data: { token: Buffer.from('cluster-token').toString('base64') } });
  const names = await env.run('notifications', 'trigger', 'get', '-n', 'argo-rollouts', '-o', 'name');
  expect(names.code).toBe(0);
  expect(names.out.split('\n')).toEqual(expect.arrayContaining(['on-phase', 'on-rollout-completed', 'on-rollout-step-completed', 'on-analysis-run-failed']));
  const table = await env.run('notifications', 'trigger', 'get', 'on-rollout-aborted', '-n', 'argo-rollouts');
  expect(table.out).toBe('NAME                TEMPLATE         CONDITION\non-rollout-aborted  rollout-aborted\n');
  const templates = await env.run('notifications', 'template', 'get', 'shop-phase', '-n', 'argo-rollouts');
  // the preview is the message on one line, cut at 60 characters; -o wide shows 120
  expect(templates.out).toBe('NAME        PREVIEW\nshop-phase  {{.rollout.metadata.name}} is {{.rollout.status.phase}} (...\n');
  expect((await env.run('notifications', 'template', 'get', 'shop-phase', '-n', 'argo-rollouts', '-o', 'wide')).out).toContain('({{.serviceType}}:{{.recipient}})  webhook');
  expect(templates.out + templates.err).not.toContain('cluster-token');
});

test('errors: an unknown rollout, template or service, a malformed --recipient', async () => {
  const { cm } = files();
  const args = ['--config-map', cm, '--secret', ':empty'];
  expect((await env.run('notifications', 'template', 'notify', 'shop-phase', 'nope', ...args)).err).toBe('Error: rollout "nope" not found in namespace "default"\n');
  expect((await env.run('notifications', 'template', 'notify', 'nope', 'shop', ...args)).err).toContain('template "nope" is not configured');
  expect((await env.run('notifications', 'template', 'notify', 'shop-phase', 'shop', ...args, '--recipient', 'slack:x')).err).toContain('service "slack" is not configured (configured: hook; or console:stdout)');
  expect((await env.run('notifications', 'template', 'notify', 'shop-phase', 'shop', ...args, '--recipient', 'stdout')).err).toContain('expected <service>:<recipient>');
  expect((await env.run('notifications', 'trigger', 'run', 'on-nope', 'shop', ...args)).err).toContain('trigger "on-nope" is not configured');
});
