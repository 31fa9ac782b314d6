// The reading commands against kube-sim with our controller: get (tree, -o json|yaml, colours), list, status.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import YAML from 'yaml';
import { json } from '@rollouts/api';
import { defineMetricProvider } from '@rollouts/plugin-sdk';
import { main } from '../src/main';
import { canaryRollout, deploy, NS, Resources, rolloutOf, setImageDirect, startEnv, waitFor, waitStatus, type Env } from './harness';

jest.setTimeout(60_000);

const okProvider = defineMetricProvider({
  kind: 'e2e/ok',
  configCodec: json(),
  make: () => () => ({ run: () => () => Promise.resolve({ _tag: 'Right', right: { _tag: 'Value', value: 1 } } as const) }),
});

let env: Env;
beforeAll(async () => {
  env = await startEnv({ namespaces: ['team', 'empty'], podRules: [{ image: ':bad', crashLoop: true }], controller: { metricProviders: [okProvider] } });
});
afterAll(async () => {
  await env?.stop();
});

const STEPS = [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }];
// eslint-disable-next-line no-control-regex
const ESC = /\u001b\[/;

describe('get rollout', () => {
  beforeAll(async () => {
    await deploy(env, canaryRollout('shop', STEPS));
    setImageDirect(env, 'shop', 'demo:2');
    await waitStatus(env, 'shop', 'paused at step 1 with the canary pod ready', (s) => s.phase === 'Paused' && s.currentStepIndex === 1);
    await waitFor('all pods ready', () => env.list<{ metadata: { labels?: Record<string, string> }; status?: { containerStatuses?: Array<{ ready?: boolean }> } }>(Resources.pods).filter((p) => p.metadata.labels?.['app'] === 'shop' && p.status?.containerStatuses?.[0]?.ready === true).length === 4);
  });

  test('prints the header and the tree: revisions, ReplicaSets with roles, pods with readiness', async () => {
    const ro = rolloutOf(env, 'shop')!;
    const canary = `shop-${ro.status!.currentPodHash!}`;
    const stable = `shop-${ro.status!.stableRS!}`;
    const r = await env.run('get', 'rollout', 'shop');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const [header, tree] = r.out.split('\n\n');
    expect(header!.split('\n')).toEqual([
      'Name:            shop',
      'Namespace:       default',
      'Status:          ॥ Paused',
      'Message:         CanaryPauseStep',
      'Strategy:        Canary',
      '  Step:          1/4',
      '  SetWeight:     25',
      '  ActualWeight:  25',
      'Images:          demo:1 (stable)',
      '                 demo:2 (canary)',
      'Replicas:',
      '  Desired:       4',
      '  Current:       4',
      '  Updated:       1',
      '  Ready:         4',
      '  Available:     4',
    ]);
    const rows = tree!.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME +KIND +STATUS +AGE +INFO$/);
    // ages vary and pod names are random: keep the tree prefix, collapse the column padding after the name
    const shape = rows.slice(1).map((l) => {
      const at = l.search(/[⟳#⧉□]/);
      const rest = l.slice(at).replace(/ +\d+[smhdy]\d*[smhd]?( |$)/, ' AGE$1').replace(/ {2,}/g, '  ').replace(/-[a-z0-9]{5}( |$)/, '-POD$1');
      return l.slice(0, at) + rest;
    });
    expect(shape).toEqual([
      '⟳ shop  Rollout  ॥ Paused AGE',
      '├──# revision:2',
      `│  └──⧉ ${canary}  ReplicaSet  ✔ Healthy AGE  canary`,
      `│     └──□ ${canary}-POD  Pod  ✔ Running AGE  ready:1/1`,
      '└──# revision:1',
      `   └──⧉ ${stable}  ReplicaSet  ✔ Healthy AGE  stable`,
      `      ├──□ ${stable}-POD  Pod  ✔ Running AGE  ready:1/1`,
      `      ├──□ ${stable}-POD  Pod  ✔ Running AGE  ready:1/1`,
      `      └──□ ${stable}-POD  Pod  ✔ Running AGE  ready:1/1`,
    ]);
    // columns line up: KIND starts at the same column on every row
    const kindColumn = rows.map((l) => [...l].join('').indexOf(l.includes('Pod ') ? 'Pod ' : l.includes('ReplicaSet') ? 'ReplicaSet' : l.includes('Rollout ') ? 'Rollout ' : 'KIND')).filter((i) => i > 0);
    expect(new Set(kindColumn.map((i, n) => [...rows.filter((l) => !l.includes('revision:'))[n]!.slice(0, i)].length)).size).toBe(1);
  });

  test('colours only on a terminal, and never with --no-color', async () => {
    expect((await env.run('get', 'rollout', 'shop')).out).not.toMatch(ESC);
    const tty = await env.runWith(['get', 'rollout', 'shop', '--kubeconfig', env.kubeconfig], { isTTY: true });
    expect(tty.out).toContain('\u001b[32m✔\u001b[0m Healthy');
    expect(tty.out).toMatch(/\u001b\[33mshop-[a-z0-9]+\u001b\[0m/);
    const off = await env.runWith(['get', 'rollout', 'shop', '--no-color', '--kubeconfig', env.kubeconfig], { isTTY: true });
    expect(off.out).not.toMatch(ESC);
  });

  test('-o json and -o yaml print the same view as data', async () => {
    const j = JSON.parse((await env.run('get', 'rollout', 'shop', '-o', 'json')).out) as { summary: { step: string; setWeight: string; status: { text: string } }; tree: { kind: string; children: Array<{ name: string; children: Array<{ kind: string; info: string }> }> } };
    expect(j.summary).toMatchObject({ step: '1/4', setWeight: '25', status: { text: 'Paused' } });
    expect(j.tree.kind).toBe('Rollout');
    expect(j.tree.children.map((c) => c.name)).toEqual(['revision:2', 'revision:1']);
    expect(j.tree.children[0]?.children.map((c) => [c.kind, c.info])).toEqual([['ReplicaSet', 'canary']]);
    const y = YAML.parse((await env.run('get', 'rollout', 'shop', '-o', 'yaml')).out) as unknown;
    expect(y).toEqual(JSON.parse(JSON.stringify(j)));
    const bad = await env.run('get', 'rollout', 'shop', '-o', 'xml');
    expect(bad).toMatchObject({ code: 1, err: 'Error: unknown output format "xml": use json or yaml\n' });
  });

  test('shows step AnalysisRuns and Experiments with their status', async () => {
    env.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'ok', namespace: NS },
      spec: { metrics: [{ name: 'ok', interval: '200ms', count: 2, successCondition: 'result == 1', provider: { plugin: { 'e2e/ok': {} } } }] },
    });
    const steps = [{ setWeight: 25 }, { experiment: { duration: '1s', templates: [{ name: 'baseline', specRef: 'stable', replicas: 1 }] } }, { analysis: { templates: [{ templateName: 'ok' }] } }, { pause: {} }];
    await deploy(env, canaryRollout('an', steps));
    setImageDirect(env, 'an', 'demo:2');
    await waitStatus(env, 'an', 'paused after the analysis', (s) => s.phase === 'Paused' && s.currentStepIndex === 3, 30_000);
    const r = await env.run('get', 'rollout', 'an');
    expect(r.out).toMatch(/\n│  ├──Σ an-[a-z0-9]+-2-1 +Experiment +✔ Successful +\S+ *\n/);
    // the experiment's ReplicaSet waits out its scale-down delay (30s by default), shown in INFO
    expect(r.out).toMatch(/\n│  │  └──⧉ an-[a-z0-9]+-2-1-baseline +ReplicaSet +✔ Healthy +\S+ +delay:\d+s\n/);
    expect(r.out).toMatch(/\n│  │     └──□ an-[a-z0-9]+-2-1-baseline-[a-z0-9]+ +Pod +✔ Running +\S+ +ready:1\/1\n/);
    expect(r.out).toMatch(/\n│  └──α an-[a-z0-9]+-2-2(-ok)? +AnalysisRun +✔ Successful +\S+ +✔ 2\n/);
    const run = env.list<{ metadata: { name: string; ownerReferences?: Array<{ name: string }> } }>(Resources.analysisRuns).find((a) => a.metadata.ownerReferences?.[0]?.name === 'an')!;
    const ar = await env.run('get', 'analysisrun', run.metadata.name);
    expect(ar.out).toContain('Status:          ✔ Successful\n');
    expect(ar.out).toMatch(/Metrics:\n  ok: +✔ Successful  ✔ 2  last value: 1\n/);
    const exp = env.list<{ metadata: { name: string; ownerReferences?: Array<{ name: string }> } }>(Resources.experiments).find((x) => x.metadata.ownerReferences?.[0]?.name === 'an')!;
    const ex = await env.run('get', 'experiment', exp.metadata.name);
    expect(ex.out).toContain('Status:          ✔ Successful\n');
    expect(ex.out).toMatch(/Images: +demo:1 \(baseline\)\n/);
    expect(ex.out).toMatch(/\nΣ an-[a-z0-9]+-2-1 +Experiment +✔ Successful +\S+ *\n└──⧉ an-[a-z0-9]+-2-1-baseline +ReplicaSet/);
    const list = await env.run('list', 'experiments');
    expect(list.out).toMatch(new RegExp(`\\n${exp.metadata.name} +✔ Successful +1s +- +\\S+\\n`));
  });

  test('errors: a missing permission to list pods is reported at once, also with --watch', async () => {
    const fault = env.sim.inject.error({ code: 403, verb: 'list', resource: 'pods', message: 'pods is forbidden' });
    try {
      for (const argv of [['get', 'rollout', 'shop'], ['get', 'rollout', 'shop', '--watch']]) {
        const r = await env.run(...argv);
        expect([argv.join(' '), r.code, r.err]).toEqual([argv.join(' '), 1, 'Error: forbidden: your RBAC role is missing verb "list" on resource "pods" (the core API group) in namespace "default"; the server said: pods is forbidden\n']);
      }
    } finally {
      fault.remove();
    }
  });

  test('errors: an unreachable cluster names its URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const file = path.join(env.dir, 'down');
    fs.writeFileSync(file, fs.readFileSync(env.kubeconfig, 'utf8').replace(env.proxy.url, `http://127.0.0.1:${port}`));
    const r = await env.runWith(['get', 'rollout', 'shop', '--kubeconfig', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^Error: cannot reach the cluster at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });
});

describe('list rollouts', () => {
  beforeAll(async () => {
    await deploy(env, canaryRollout('other', STEPS, { ns: 'team', replicas: 2 }));
  });

  test('a table of the namespace; -A adds NAMESPACE; --name picks one; empty says so on stderr', async () => {
    const r = await env.run('list', 'rollouts');
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +STRATEGY +STATUS +STEP +SET-WEIGHT +READY +DESIRED +UP-TO-DATE +AVAILABLE$/);
    expect(lines.find((l) => l.startsWith('shop '))?.split(/ {2,}/)).toEqual(['shop', 'Canary', '॥ Paused', '1/4', '25', '4/4', '4', '1', '4']);
    expect(lines.some((l) => l.startsWith('other '))).toBe(false);
    const all = await env.run('list', 'rollouts', '-A');
    expect(all.out.split('\n')[0]).toMatch(/^NAMESPACE +NAME +STRATEGY/);
    expect(all.out).toMatch(/\nteam +other +Canary +✔ Healthy +4\/4 +100 +2\/2 +2 +2 +2\n/);
    const one = await env.run('list', 'rollouts', '--name', 'shop');
    expect(one.out.trimEnd().split('\n')).toHaveLength(2);
    const none = await env.run('list', 'rollouts', '-n', 'empty');
    expect(none).toMatchObject({ code: 0, out: '', err: 'No resources found.\n' });
  });

  test('-o json prints the rows with computed fields', async () => {
    const rows = JSON.parse((await env.run('list', 'rollouts', '-A', '-o', 'json')).out) as Array<Record<string, unknown>>;
    expect(rows.find((x) => x['name'] === 'other')).toEqual({
      namespace: 'team',
      name: 'other',
      strategy: 'Canary',
      status: 'Healthy',
      message: '',
      step: '4/4',
      setWeight: '100',
      ready: 2,
      current: 2,
      desired: 2,
      upToDate: 2,
      available: 2,
    });
  });

  test('--watch prints a new row when a rollout changes, until stopped', async () => {
    const stop = new AbortController();
    let out = '';
    const running = (async () => {
      return main(['list', 'rollouts', '-n', 'team', '--watch', '--kubeconfig', env.kubeconfig], { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => undefined }, env: {}, signal: stop.signal });
    })();
    await waitFor('the first table', () => out.includes('other '));
    setImageDirect2('team', 'other', 'demo:2');
    await waitFor('a row for the paused rollout', () => /\nother +Canary +॥ Paused +1\/4 +25/.test(out), 15_000, () => out);
    stop.abort();
    expect(await running).toBe(0);
  });
});

function setImageDirect2(ns: string, name: string, image: string): void {
  const ro = env.get<{ spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(Resources.rollouts, name, ns)!;
  const next = structuredClone(ro);
  next.spec.template.spec.containers[0]!.image = image;
  env.sim.objects.update(next as never);
}

describe('status', () => {
  test('Healthy: prints it and exits 0', async () => {
    await deploy(env, canaryRollout('st', [{ setWeight: 50 }, { pause: { duration: '1s' } }]));
    expect(await env.run('status', 'st')).toEqual({ code: 0, out: 'Healthy\n', err: '' });
    expect(await env.run('status', 'st', '--no-watch')).toEqual({ code: 0, out: 'Healthy\n', err: '' });
  });

  test('follows an update until Healthy, printing each change', async () => {
    setImageDirect(env, 'st', 'demo:2');
    const r = await env.run('status', 'st', '--timeout', '30s');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('Healthy');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(0, -1).every((l) => /^(Progressing|Paused) - /.test(l))).toBe(true);
  });

  test('a paused rollout reaches the timeout: exit 1', async () => {
    const started = Date.now();
    const r = await env.run('status', 'shop', '--timeout', '1s');
    expect(r).toEqual({ code: 1, out: 'Paused - CanaryPauseStep\n', err: 'Error: Rollout status watch exceeded timeout\n' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await env.run('status', 'shop', '--watch=false')).toEqual({ code: 0, out: 'Paused - CanaryPauseStep\n', err: '' });
  });

  test('Degraded (progress deadline exceeded): exit 1 with the message', async () => {
    const ro = canaryRollout('deg', STEPS);
    await deploy(env, { ...ro, spec: { ...ro.spec, progressDeadlineSeconds: 2 } } as typeof ro);
    setImageDirect(env, 'deg', 'demo:bad');
    const r = await env.run('status', 'deg', '--timeout', '30s');
    expect(r.code).toBe(1);
    expect(r.out.trimEnd().split('\n').pop()).toMatch(/^Degraded - ProgressDeadlineExceeded: /);
    expect(r.err).toMatch(/^Error: The rollout is in a degraded state with message: ProgressDeadlineExceeded: /);
    const once = await env.run('status', 'deg', '--no-watch');
    expect(once.out).toBe('Degraded\n');
    expect(once.code).toBe(1);
    const shown = await env.run('get', 'rollout', 'deg');
    expect(shown.out).toContain('Status:          ✖ Degraded\n');
    expect(shown.out).toMatch(/□ deg-[a-z0-9]+-[a-z0-9]+ +Pod +[✖◌] (CrashLoopBackOff|Error|Running|ContainerCreating) /);
  });
});

describe('watching without a terminal', () => {
  test('get --watch prints each changed view after the previous one, and exits 0 when the rollout is deleted', async () => {
    await deploy(env, canaryRollout('piped', STEPS, { replicas: 2 }));
    let out = '';
    const running = main(['get', 'rollout', 'piped', '--watch', '--kubeconfig', env.kubeconfig], { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: () => undefined }, env: {} });
    await waitFor('the first view', () => out.includes('Status:          ✔ Healthy'));
    setImageDirect(env, 'piped', 'demo:2');
    await waitFor('a later view, paused', () => out.includes('Status:          ॥ Paused'), 15_000, () => out);
    env.sim.objects.delete('argoproj.io/v1alpha1', 'Rollout', 'piped', NS);
    expect(await running).toBe(0);
    expect(out).not.toMatch(ESC);
    expect(out.indexOf('✔ Healthy')).toBeLessThan(out.indexOf('॥ Paused'));
  });

  test('get --watch --timeout-seconds stops by itself with exit 0; list --timestamps adds the time', async () => {
    const started = Date.now();
    const r = await env.run('get', 'rollout', 'shop', '-w', '--timeout-seconds', '1');
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(r.out).toContain('Name:            shop');
    const t = await env.run('list', 'rollouts', '--timestamps');
    expect(t.out.split('\n')[0]).toMatch(/^TIMESTAMP +NAME +STRATEGY/);
    expect(t.out.split('\n')[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +\S+ +Canary/);
  });
});
