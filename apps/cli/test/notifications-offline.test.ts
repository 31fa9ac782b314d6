// `notifications trigger get` / `template get` from files (no cluster), with a test-double engine: the output
// formats, the file handling (`--secret :empty`, a Secret's base64 data and stringData), and the errors. The real
// engine and a cluster are exercised by notifications.test.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import * as E from 'fp-ts/lib/Either';
import YAML from 'yaml';
import type { NotificationConfig, NotificationEngine } from '@rollouts/notifications';
import { commandContext } from '../src/CommandContext';
import { registerNotifications } from '../src/CommandsNotifications';

/**
 * Test-double engine: triggers and templates are the ConfigMap's `trigger.*` / `template.*` keys plus one
 * "built-in" trigger; a key `broken` is a configuration problem. Records the secret it was given.
 */
const seenSecrets: Array<Record<string, string>> = [];
const doubleEngine: NotificationEngine = {
  parseConfig: (data, secret) => {
    seenSecrets.push({ ...secret });
    if (data['broken'] !== undefined) return E.left([{ key: 'template.x', message: 'message: unexpected "}}"' }]);
    const names = (p: string) => Object.keys(data).filter((k) => k.startsWith(p)).map((k) => k.slice(p.length));
    const config: NotificationConfig = { services: [], triggers: [...names('trigger.'), 'on-builtin'], templates: names('template.') };
    return E.right(config);
  },
  planForEvent: () => E.right([]),
  planForConditions: () => E.right({ planned: [], notified: {} }),
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notif-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, doc: unknown): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, typeof doc === 'string' ? doc : YAML.stringify(doc));
  return f;
};

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let code = 0;
  const ctx = commandContext({ stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {} });
  const program = new Command('kubectl-rollouts').exitOverride();
  registerNotifications(program, ctx, (c) => (code = c), () => ({ engine: doubleEngine, serviceFor: () => undefined }));
  await program.parseAsync(['node', 'kubectl-rollouts', ...argv]);
  return { code, out, err };
}

const cm = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'argo-rollouts-notification-configmap' },
  data: {
    'trigger.on-rollout-completed': '- send: [done]\n',
    'trigger.on-degraded': '- when: rollout.status.phase == "Degraded"\n  send: [degraded, done]\n  oncePer: rollout.status.currentPodHash\n  description: the rollout is degraded\n',
    'template.done': 'message: |\n  Rollout {{.rollout.metadata.name}} is done.\n  More text.\nslack:\n  attachments: "[]"\n',
    'template.degraded': 'message: Degraded\n',
  },
};

test('trigger get: a table of trigger, templates and condition; wide adds oncePer and description; name lists names', async () => {
  const f = write('cm.yaml', cm);
  const t = await run('notifications', 'trigger', 'get', '--config-map', f, '--secret', ':empty');
  expect(t).toMatchObject({ code: 0, err: '' });
  expect(t.out.split('\n')).toEqual([
    'NAME                  TEMPLATE        CONDITION',
    'on-builtin            (built-in)',
    'on-degraded           degraded, done  rollout.status.phase == "Degraded"',
    'on-rollout-completed  done',
    '',
  ]);
  const wide = await run('notifications', 'trigger', 'get', '--config-map', f, '--secret', ':empty', '-o', 'wide');
  expect(wide.out).toContain('rollout.status.currentPodHash  the rollout is degraded');
  expect((await run('notifications', 'trigger', 'get', '--config-map', f, '--secret', ':empty', '-o', 'name')).out).toBe('on-builtin\non-degraded\non-rollout-completed\n');
  const one = await run('notifications', 'trigger', 'get', 'on-degraded', '--config-map', f, '--secret', ':empty', '-o', 'json');
  expect(JSON.parse(one.out)).toEqual([{ when: 'rollout.status.phase == "Degraded"', send: ['degraded', 'done'], oncePer: 'rollout.status.currentPodHash', description: 'the rollout is degraded' }]);
});

test('template get: name and a one-line preview of the message; wide names the service blocks; yaml prints the definition', async () => {
  const f = write('cm2.yaml', cm);
  const t = await run('notifications', 'template', 'get', '--config-map', f, '--secret', ':empty');
  expect(t.out.split('\n')).toEqual(['NAME      PREVIEW', 'degraded  Degraded', 'done      Rollout {{.rollout.metadata.name}} is done. More text.', '']);
  expect((await run('notifications', 'template', 'get', '--config-map', f, '--secret', ':empty', '-o', 'wide')).out).toContain('More text.  slack');
  const y = await run('notifications', 'template', 'get', 'done', '--config-map', f, '--secret', ':empty', '-o', 'yaml');
  expect(YAML.parse(y.out)).toEqual({ message: 'Rollout {{.rollout.metadata.name}} is done.\nMore text.\n', slack: { attachments: '[]' } });
});

test('a Secret file gives the engine its decoded data and stringData', async () => {
  const f = write('cm3.yaml', cm);
  const s = write('secret.yaml', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, data: { token: Buffer.from('abc').toString('base64') }, stringData: { other: 'plain' } });
  seenSecrets.length = 0;
  const t = await run('notifications', 'trigger', 'get', '--config-map', f, '--secret', s, '-o', 'name');
  expect(t.code).toBe(0);
  expect(seenSecrets).toEqual([{ token: 'abc', other: 'plain' }]);
  expect(t.out + t.err).not.toContain('abc');
});

test('errors name what is wrong: an unknown trigger or template, a configuration with problems, a bad file, a bad -o', async () => {
  const f = write('cm4.yaml', cm);
  const unknown = await run('notifications', 'trigger', 'get', 'on-nope', '--config-map', f, '--secret', ':empty');
  expect(unknown).toMatchObject({ code: 1, err: 'Error: trigger "on-nope" is not configured (configured: on-builtin, on-degraded, on-rollout-completed)\n' });
  expect((await run('notifications', 'template', 'get', 'nope', '--config-map', f, '--secret', ':empty')).err).toContain('template "nope" is not configured');
  const broken = write('broken.yaml', { ...cm, data: { ...cm.data, broken: 'x' } });
  expect((await run('notifications', 'template', 'get', '--config-map', broken, '--secret', ':empty')).err).toBe(
    'Error: the notification configuration has problems: template.x: message: unexpected "}}"\n',
  );
  const notCm = write('notcm.yaml', { kind: 'Secret', data: {} });
  expect((await run('notifications', 'trigger', 'get', '--config-map', notCm, '--secret', ':empty')).err).toContain('expected a ConfigMap manifest (kind: ConfigMap)');
  expect((await run('notifications', 'trigger', 'get', '--config-map', path.join(dir, 'missing.yaml'), '--secret', ':empty')).err).toContain('cannot read');
  expect((await run('notifications', 'trigger', 'get', '--config-map', f, '--secret', ':empty', '-o', 'xml')).err).toContain('unknown output format "xml": use json, yaml, wide or name');
});
