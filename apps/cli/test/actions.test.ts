// The mutating commands against kube-sim with our controller running: for each, the exact request the plugin
// sends (through the recording proxy, and as kube-sim served it), the state the controller reaches after it,
// and what the plugin prints.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { json } from '@rollouts/api';
import { defineMetricProvider } from '@rollouts/plugin-sdk';
import {
  canaryRollout,
  deploy,
  NS,
  Resources,
  rolloutOf,
  setImageDirect,
  startEnv,
  waitFor,
  waitHealthy,
  waitStatus,
  type Env,
  type SentRequest,
} from './harness';

jest.setTimeout(60_000);

/** A metric provider whose measurements always succeed: runs last as long as their `count` says. */
const okProvider = defineMetricProvider({
  kind: 'e2e/ok',
  configCodec: json(),
  make: () => () => ({ run: () => () => Promise.resolve({ _tag: 'Right', right: { _tag: 'Value', value: 1 } } as const) }),
});

let env: Env;
beforeAll(async () => {
  env = await startEnv({ controller: { metricProviders: [okProvider] } });
});
afterAll(async () => {
  await env?.stop();
});

const STEPS = [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }];
const ROLLOUTS = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts`;
const MERGE = 'application/merge-patch+json';

/** Run the plugin and answer what it wrote, besides its output. */
async function act(...argv: string[]): Promise<{ code: number; out: string; err: string; writes: SentRequest[] }> {
  const mark = env.proxy.mark();
  const r = await env.run(...argv);
  return { ...r, writes: env.proxy.writes(mark).map(({ method, path, contentType, body }) => ({ method, path, contentType, body, query: '' })) };
}
const patch = (path: string, body: unknown, contentType = MERGE): SentRequest => ({ method: 'PATCH', path, contentType, body, query: '' });

/** A rollout on its second revision, paused at step 1 (25%). */
async function pausedAtFirstStep(name: string): Promise<void> {
  await deploy(env, canaryRollout(name, STEPS));
  setImageDirect(env, name, 'demo:2');
  await waitStatus(env, name, 'paused at step 1', (s) => s.phase === 'Paused' && s.currentStepIndex === 1);
}

describe('promote', () => {
  test('promote clears the pause conditions on /status; the controller goes to the next pause', async () => {
    await pausedAtFirstStep('promo');
    const since = env.sim.requestLog.mark();
    const r = await act('promote', 'promo');
    expect(r).toMatchObject({ code: 0, out: "rollout 'promo' promoted\n", err: '' });
    expect(r.writes).toEqual([patch(`${ROLLOUTS}/promo/status`, { status: { pauseConditions: null } })]);
    // kube-sim served it as a patch of the status subresource, from the plugin's user agent
    expect(env.sim.requestLog.entries({ since, writes: true, userAgent: 'kubectl-rollouts' }).map((e) => [e.verb, e.resource, e.subresource, e.name, e.code])).toEqual([
      ['patch', 'rollouts', 'status', 'promo', 200],
    ]);
    await waitStatus(env, 'promo', 'paused at step 3', (s) => s.phase === 'Paused' && s.currentStepIndex === 3);
    const shown = await env.run('get', 'rollout', 'promo');
    expect(shown.out).toContain('  Step:          3/4\n  SetWeight:     50\n');
  });

  test('promote --full asks for promoteFull; the rollout finishes on the new revision', async () => {
    const r = await act('promote', 'promo', '--full');
    expect(r).toMatchObject({ code: 0, out: "rollout 'promo' fully promoted\n" });
    expect(r.writes).toEqual([patch(`${ROLLOUTS}/promo/status`, { status: { promoteFull: true } })]);
    const done = await waitHealthy(env, 'promo');
    expect(done.spec.template.spec.containers[0]?.image).toBe('demo:2');
  });

  test('promote of a paused object un-pauses it first', async () => {
    await pausedAtFirstStep('promo-paused');
    await env.run('pause', 'promo-paused');
    await waitFor('spec.paused', () => rolloutOf(env, 'promo-paused')?.spec.paused === true);
    const r = await act('promote', 'promo-paused');
    expect(r.writes).toEqual([patch(`${ROLLOUTS}/promo-paused`, { spec: { paused: false } }), patch(`${ROLLOUTS}/promo-paused/status`, { status: { pauseConditions: null } })]);
    await waitStatus(env, 'promo-paused', 'paused at step 3', (s) => s.currentStepIndex === 3 && s.phase === 'Paused');
  });
});

describe('pause and resume', () => {
  test('pause sets spec.paused and the rollout shows Paused; resume clears it and it is Healthy again', async () => {
    await deploy(env, canaryRollout('pr', STEPS));
    const p = await act('pause', 'pr');
    expect(p).toMatchObject({ code: 0, out: "rollout 'pr' paused\n" });
    expect(p.writes).toEqual([patch(`${ROLLOUTS}/pr`, { spec: { paused: true } })]);
    await waitStatus(env, 'pr', 'Paused', (s) => s.phase === 'Paused');
    const status = await env.run('status', 'pr', '--no-watch');
    expect(status.out).toMatch(/^Paused/);
    const r = await act('resume', 'pr');
    expect(r).toMatchObject({ code: 0, out: "rollout 'pr' resumed\n" });
    expect(r.writes).toEqual([patch(`${ROLLOUTS}/pr`, { spec: { paused: false } })]);
    await waitHealthy(env, 'pr');
  });

  test('pause takes several names and stops at the first that fails', async () => {
    const r = await act('pause', 'pr', 'nope', 'promo');
    expect(r.code).toBe(1);
    expect(r.out).toBe("rollout 'pr' paused\n");
    expect(r.err).toBe('Error: rollout "nope" not found in namespace "default"\n');
    expect(r.writes.map((w) => w.path)).toEqual([`${ROLLOUTS}/pr`, `${ROLLOUTS}/nope`]);
    await env.run('resume', 'pr');
  });
});

describe('abort and retry', () => {
  test('abort sets status.abort: traffic and replicas go back to stable, Degraded; retry clears it and the update starts again', async () => {
    await pausedAtFirstStep('ab');
    const stable = rolloutOf(env, 'ab')?.status?.stableRS;
    const a = await act('abort', 'ab');
    expect(a).toMatchObject({ code: 0, out: "rollout 'ab' aborted\n" });
    expect(a.writes).toEqual([patch(`${ROLLOUTS}/ab/status`, { status: { abort: true } })]);
    await waitStatus(env, 'ab', 'aborted', (s) => s.abort === true && s.phase === 'Degraded');
    const canaryRs = await waitFor('canary scaled to 0', () =>
      env.list<{ metadata: { labels?: Record<string, string> }; spec: { replicas?: number } }>(Resources.replicaSets).find((rs) => rs.metadata.labels?.['rollouts-pod-template-hash'] === rolloutOf(env, 'ab')?.status?.currentPodHash && rs.spec.replicas === 0),
    );
    expect(canaryRs.spec.replicas).toBe(0);
    expect(rolloutOf(env, 'ab')?.status?.stableRS).toBe(stable);
    const shown = await env.run('get', 'rollout', 'ab');
    expect(shown.out).toContain('Status:          ✖ Degraded\n');
    expect(shown.out).toContain('  SetWeight:     0\n');

    const r = await act('retry', 'rollout', 'ab');
    expect(r).toMatchObject({ code: 0, out: "rollout 'ab' retried\n" });
    expect(r.writes).toEqual([patch(`${ROLLOUTS}/ab/status`, { status: { abort: false } })]);
    await waitStatus(env, 'ab', 'paused at step 1 again', (s) => s.abort !== true && s.phase === 'Paused' && s.currentStepIndex === 1);
  });

  test('a /status answered 404 (old CRD without the subresource) is sent to the object instead', async () => {
    const fault = env.sim.inject.error({ code: 404, verb: 'patch', resource: 'rollouts', subresource: 'status', name: 'ab', times: 1 });
    const a = await act('abort', 'ab');
    fault.remove();
    expect(a.code).toBe(0);
    expect(a.writes).toEqual([patch(`${ROLLOUTS}/ab/status`, { status: { abort: true } }), patch(`${ROLLOUTS}/ab`, { status: { abort: true } })]);
  });
});

describe('set image', () => {
  test('PUTs the whole Rollout with the new image; the controller starts a new revision', async () => {
    await deploy(env, canaryRollout('img', STEPS));
    const r = await act('set', 'image', 'img', 'app=demo:7');
    expect(r).toMatchObject({ code: 0, out: 'rollout "img" image updated\n' });
    expect(r.writes).toHaveLength(1);
    const put = r.writes[0]!;
    expect([put.method, put.path, put.contentType]).toEqual(['PUT', `${ROLLOUTS}/img`, 'application/json']);
    const body = put.body as { kind: string; metadata: { name: string; resourceVersion: string }; spec: { template: { spec: { containers: Array<{ image: string }> } }; strategy: unknown } };
    expect(body.kind).toBe('Rollout');
    expect(body.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(body.spec.template.spec.containers.map((c) => c.image)).toEqual(['demo:7']);
    expect(body.spec.strategy).toEqual(canaryRollout('img', STEPS).spec.strategy);
    await waitStatus(env, 'img', 'paused on the new revision', (s) => s.phase === 'Paused' && s.currentStepIndex === 1);
    const shown = await env.run('get', 'rollout', 'img');
    expect(shown.out).toMatch(/Images: +demo:1 \(stable\)\n +demo:7 \(canary\)\n/);
  });

  test('retries on a conflict', async () => {
    env.sim.inject.conflict({ resource: 'rollouts', name: 'img', verb: 'update', times: 2 });
    const r = await act('set', 'image', 'img', '*=demo:8');
    expect(r.code).toBe(0);
    expect(r.writes.map((w) => w.method)).toEqual(['PUT', 'PUT', 'PUT']);
    expect(rolloutOf(env, 'img')?.spec.template.spec.containers[0]?.image).toBe('demo:8');
  });

  test('names a container that does not exist, and writes nothing', async () => {
    const r = await act('set', 'image', 'img', 'web=demo:9');
    expect(r).toMatchObject({ code: 1, out: '', err: 'Error: unable to find container named "web"\n', writes: [] });
  });
});

describe('undo', () => {
  test('sends a JSON patch of /spec/template with the previous revision; the rollout goes back to it', async () => {
    await deploy(env, canaryRollout('un', [{ setWeight: 50 }]));
    setImageDirect(env, 'un', 'demo:2');
    const second = await waitFor('revision 2 healthy', () => {
      const ro = rolloutOf(env, 'un');
      return ro?.status?.phase === 'Healthy' && ro.spec.template.spec.containers[0]?.image === 'demo:2' && ro.status.stableRS === ro.status.currentPodHash && ro.status.observedGeneration === String(ro.metadata.generation) ? ro : undefined;
    });
    const r = await act('undo', 'un');
    expect(r).toMatchObject({ code: 0, out: "rollout 'un' undo\n" });
    expect(r.writes).toHaveLength(1);
    const w = r.writes[0]!;
    expect([w.method, w.path, w.contentType]).toEqual(['PATCH', `${ROLLOUTS}/un`, 'application/json-patch+json']);
    const ops = w.body as Array<{ op: string; path: string; value: { metadata: { labels: Record<string, string> }; spec: { containers: Array<{ image: string }> } } }>;
    expect(ops.map((o) => [o.op, o.path])).toEqual([['replace', '/spec/template']]);
    expect(ops[0]?.value.spec.containers[0]?.image).toBe('demo:1');
    expect(ops[0]?.value.metadata.labels).toEqual({ app: 'un' });
    const back = await waitFor('back on demo:1, healthy', () => {
      const ro = rolloutOf(env, 'un');
      return ro?.spec.template.spec.containers[0]?.image === 'demo:1' && ro.status?.phase === 'Healthy' && ro.status.stableRS === ro.status.currentPodHash && ro.status.observedGeneration === String(ro.metadata.generation) ? ro : undefined;
    });
    expect(back.status?.stableRS).not.toBe(second.status?.stableRS);

    // The old ReplicaSet was adopted again: undo to its revision is a no-op.
    const current = env
      .list<{ metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } }>(Resources.replicaSets)
      .find((rs) => rs.metadata.labels?.['rollouts-pod-template-hash'] === back.status?.stableRS)?.metadata.annotations?.['rollout.argoproj.io/revision'];
    expect(current).toMatch(/^\d+$/);
    const skip = await act('undo', 'un', '--to-revision', current!);
    expect(skip).toMatchObject({ code: 0, out: `skipped rollback (current template already matches revision ${current})\n`, writes: [] });
    const missing = await act('undo', 'un', '--to-revision', '42');
    expect(missing).toMatchObject({ code: 1, err: 'Error: unable to find specified revision 42 in history\n', writes: [] });
  });
});

describe('restart', () => {
  test('sets spec.restartAt to now; the controller evicts the pods created before it and they are replaced', async () => {
    await deploy(env, canaryRollout('rs', STEPS, { replicas: 2 }));
    // Pods are restarted when created before restartAt (whole seconds): let a second pass.
    await new Promise((r) => setTimeout(r, 1100));
    const pods = env.list<{ metadata: { name: string; labels?: Record<string, string> } }>(Resources.pods).filter((p) => p.metadata.labels?.['app'] === 'rs').map((p) => p.metadata.name);
    const since = env.sim.requestLog.mark();
    const before = Date.now();
    const r = await act('restart', 'rs');
    expect(r).toMatchObject({ code: 0, out: "rollout 'rs' restarts in 0s\n" });
    expect(r.writes).toHaveLength(1);
    const body = r.writes[0]!.body as { spec: { restartAt: string } };
    expect(r.writes[0]).toMatchObject({ method: 'PATCH', path: `${ROLLOUTS}/rs`, contentType: MERGE });
    expect(Object.keys(body)).toEqual(['spec']);
    expect(body.spec.restartAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(body.spec.restartAt) - before)).toBeLessThan(2000);
    expect(rolloutOf(env, 'rs')?.spec.restartAt).toBe(body.spec.restartAt);
    // The controller acts on it through the Eviction API, one pod at a time; the ReplicaSet replaces each.
    const evictions = await waitFor('an eviction of a pod of the rollout', () => {
      const e = env.sim.requestLog.entries({ since, verb: 'create', resource: 'pods', subresource: 'eviction' });
      return e.length > 0 ? e : undefined;
    });
    expect(pods).toContain(evictions[0]?.name);
    const restarted = await waitFor(
      'every pod created before restartAt replaced and status.restartedAt set',
      () => {
        const now = env.list<{ metadata: { name: string; labels?: Record<string, string> } }>(Resources.pods).filter((p) => p.metadata.labels?.['app'] === 'rs').map((p) => p.metadata.name);
        return now.length === 2 && now.every((n) => !pods.includes(n)) && rolloutOf(env, 'rs')?.status?.restartedAt === body.spec.restartAt ? now : undefined;
      },
      20_000,
    );
    expect(restarted).toHaveLength(2);
  });

  test('--in schedules it later; a bad duration is refused before any request', async () => {
    const before = Date.now();
    const r = await act('restart', 'rs', '--in', '1h');
    expect(r.out).toBe("rollout 'rs' restarts in 1h\n");
    const at = Date.parse((r.writes[0]!.body as { spec: { restartAt: string } }).spec.restartAt);
    expect(Math.abs(at - (before + 3_600_000))).toBeLessThan(2000);
    const bad = await act('restart', 'rs', '--in', 'soon');
    expect(bad).toMatchObject({ code: 1, err: 'Error: --in: time: invalid duration "soon"\n', writes: [] });
  });
});

describe('analysis runs and experiments', () => {
  test('terminate analysisrun sets spec.terminate; the run stops measuring and finishes', async () => {
    env.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata: { name: 'forever', namespace: NS },
      spec: { metrics: [{ name: 'ok', interval: '1s', successCondition: 'result == 1', provider: { plugin: { 'e2e/ok': {} } } }] },
    });
    await waitFor('run running', () => env.get<{ status?: { phase?: string } }>(Resources.analysisRuns, 'forever')?.status?.phase === 'Running');
    const r = await act('terminate', 'analysisrun', 'forever');
    expect(r).toMatchObject({ code: 0, out: "analysisRun 'forever' terminated\n" });
    expect(r.writes).toEqual([patch('/apis/argoproj.io/v1alpha1/namespaces/default/analysisruns/forever', { spec: { terminate: true } })]);
    const done = await waitFor('run finished', () => {
      const run = env.get<{ status?: { phase?: string } }>(Resources.analysisRuns, 'forever');
      return run?.status?.phase !== undefined && run.status.phase !== 'Running' && run.status.phase !== 'Pending' ? run : undefined;
    });
    expect(done.status?.phase).toBe('Successful');
    const shown = await env.run('get', 'analysisrun', 'forever');
    expect(shown.out).toContain('Status:          ✔ Successful\n');
    expect(shown.out).toMatch(/α forever +AnalysisRun +✔ Successful/);
  });

  test('retry experiment drops its status; the controller runs it again', async () => {
    env.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Experiment',
      metadata: { name: 'exp', namespace: NS },
      spec: {
        duration: '1s',
        templates: [{ name: 'probe', replicas: 1, selector: { matchLabels: { app: 'probe' } }, template: { metadata: { labels: { app: 'probe' } }, spec: { containers: [{ name: 'app', image: 'probe:1' }] } } }],
      },
    });
    const phase = () => env.get<{ status?: { phase?: string } | null }>(Resources.experiments, 'exp')?.status?.phase;
    await waitFor('experiment successful', () => phase() === 'Successful');
    const shown = await env.run('get', 'experiment', 'exp');
    expect(shown.out).toContain('Status:          ✔ Successful\n');
    const seen: string[] = [];
    const r = await act('retry', 'experiment', 'exp');
    expect(r).toMatchObject({ code: 0, out: "experiment 'exp' retried\n" });
    expect(r.writes).toEqual([patch('/apis/argoproj.io/v1alpha1/namespaces/default/experiments/exp', { status: null })]);
    await waitFor('experiment ran again', () => {
      const p = phase() ?? '';
      if (seen[seen.length - 1] !== p) seen.push(p);
      return seen.some((x) => x === 'Running' || x === 'Pending' || x === '') && p === 'Successful';
    });
  });
});

describe('terminate experiment', () => {
  test('sets spec.terminate; the experiment without a duration stops', async () => {
    env.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Experiment',
      metadata: { name: 'endless', namespace: NS },
      spec: { templates: [{ name: 'probe', replicas: 1, selector: { matchLabels: { app: 'endless' } }, template: { metadata: { labels: { app: 'endless' } }, spec: { containers: [{ name: 'app', image: 'probe:1' }] } } }] },
    });
    const phase = () => env.get<{ status?: { phase?: string } | null }>(Resources.experiments, 'endless')?.status?.phase;
    await waitFor('experiment running', () => phase() === 'Running');
    const r = await act('terminate', 'experiment', 'endless');
    expect(r).toMatchObject({ code: 0, out: "experiment 'endless' terminated\n" });
    expect(r.writes).toEqual([patch('/apis/argoproj.io/v1alpha1/namespaces/default/experiments/endless', { spec: { terminate: true } })]);
    const done = await waitFor('experiment finished', () => (phase() !== undefined && phase() !== 'Running' && phase() !== 'Pending' ? phase() : undefined));
    expect(done).toBe('Successful');
    const list = await env.run('list', 'experiments');
    expect(list.out).toMatch(/\nendless +✔ Successful +- +- +\S+\n/);
  });
});

describe('errors', () => {
  test('a missing rollout is named with its namespace', async () => {
    for (const argv of [['promote', 'ghost'], ['abort', 'ghost'], ['status', 'ghost'], ['get', 'rollout', 'ghost'], ['set', 'image', 'ghost', 'app=x:1'], ['undo', 'ghost']]) {
      const r = await env.run(...argv);
      expect([argv.join(' '), r.code, r.err]).toEqual([argv.join(' '), 1, 'Error: rollout "ghost" not found in namespace "default"\n']);
    }
    const other = await env.run('get', 'rollout', 'ghost', '-n', 'elsewhere');
    expect(other.err).toBe('Error: rollout "ghost" not found in namespace "elsewhere"\n');
  });

  test('a forbidden write names the RBAC verb, resource and namespace missing', async () => {
    const fault = env.sim.inject.error({ code: 403, verb: 'patch', resource: 'rollouts', subresource: 'status', message: 'rollouts.argoproj.io "pr" is forbidden' });
    const r = await act('abort', 'pr');
    fault.remove();
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Error: forbidden: your RBAC role is missing verb "patch" on resource "rollouts\/status" \(API group "argoproj\.io"\) in namespace "default"; the server said: /);
  });

  test('create: a kind it does not create is refused before any request; an existing object is named', async () => {
    const file = path.join(env.dir, 'mixed.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    const r = await act('create', '-f', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Error: .*mixed\.yaml \(document 2, line \d+\): cannot create example\.com\/v1 Widget: kubectl-rollouts creates .*Rollout.* \(use kubectl apply for other kinds\)\n$/);
    expect(r.writes).toEqual([]);
    fs.writeFileSync(file, 'apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: tpl}\nspec: {metrics: [{name: m, provider: {plugin: {e2e/ok: {}}}}]}\n');
    expect(await act('create', '-f', file)).toMatchObject({ code: 0, out: 'analysistemplate.argoproj.io/tpl created\n' });
    const again = await act('create', '-f', file);
    expect(again).toMatchObject({ code: 1, err: 'Error: analysistemplate.argoproj.io "tpl" already exists in namespace "default"\n' });
    expect(again.writes.map((w) => [w.method, w.path])).toEqual([['POST', '/apis/argoproj.io/v1alpha1/namespaces/default/analysistemplates']]);
  });

  test('an unknown kind is a usage error', async () => {
    const r = await env.run('get', 'deployment', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'deployment'");
  });
});

describe('with the controller stopped (last: it is not restarted)', () => {
  test('promote right after a change the controller has not seen fails instead of silently doing nothing', async () => {
    await deploy(env, canaryRollout('unseen', STEPS));
    await env.controller.stop();
    setImageDirect(env, 'unseen', 'demo:2');
    const r = await act('promote', 'unseen', '--full');
    expect(r.code).toBe(1);
    expect(r.err).toBe('Error: the controller has not observed the last change of rollout "unseen" yet (generation 2, observed 1): nothing to promote; try again in a moment\n');
    expect(r.writes).toEqual([]);
    const shown = await env.run('get', 'rollout', 'unseen');
    expect(shown.out).toContain('Status:          ◌ Progressing\nMessage:         waiting for rollout spec update to be observed\n');
  });
});
