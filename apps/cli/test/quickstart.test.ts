// The README's quick start, run as written with nothing but kubectl-rollouts against kube-sim and our
// controller: create, status, get, set image, promote, abort, retry, promote --full, undo. The commands
// must be the ones the README shows (checked below), so the README cannot drift from what works.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Resources, rolloutOf, startEnv, waitStatus, type Env } from './harness';

jest.setTimeout(120_000);

let env: Env;
beforeAll(async () => {
  env = await startEnv({ readinessDelayMs: 50 });
});
afterAll(async () => {
  await env?.stop();
});

const ROOT = path.join(__dirname, '..');
const ran: string[] = [];
/** `kubectl rollouts <args>` from the README, run from apps/cli. */
async function kubectlRollouts(line: string) {
  ran.push(`kubectl rollouts ${line}`);
  const argv = line.split(' ').map((a) => (a.startsWith('examples/') ? path.join(ROOT, a) : a));
  return env.run(...argv);
}
const image = () => rolloutOf(env, 'demo')?.spec.template.spec.containers[0]?.image;

test('the quick start works as written', async () => {
  let r = await kubectlRollouts('create -f examples/quickstart.yaml');
  expect(r).toEqual({ code: 0, out: 'service/demo-stable created\nservice/demo-canary created\nrollout.argoproj.io/demo created\n', err: '' });

  r = await kubectlRollouts('status demo --timeout 60s');
  expect(r.code).toBe(0);
  expect(r.out.trimEnd().split('\n').pop()).toBe('Healthy');

  r = await kubectlRollouts('get rollout demo');
  expect(r.out).toContain('Status:          ✔ Healthy\n');
  expect(r.out).toContain('Images:          nginx:1.27 (stable)\n');
  expect(r.out.match(/□ demo-/g)).toHaveLength(5);

  r = await kubectlRollouts('set image demo app=nginx:1.28');
  expect(r.out).toBe('rollout "demo" image updated\n');
  await waitStatus(env, 'demo', 'paused at the first step', (s) => s.phase === 'Paused' && s.currentStepIndex === 1);

  r = await kubectlRollouts('get rollout demo');
  expect(r.out).toMatch(/Status: +॥ Paused\nMessage: +CanaryPauseStep\nStrategy: +Canary\n {2}Step: +1\/4\n {2}SetWeight: +20\n {2}ActualWeight: +20\nImages: +nginx:1\.27 \(stable\)\n +nginx:1\.28 \(canary\)\n/);

  r = await kubectlRollouts('promote demo');
  expect(r.out).toBe("rollout 'demo' promoted\n");
  await waitStatus(env, 'demo', 'in the 10s pause at 60%', (s) => s.currentStepIndex === 3);

  r = await kubectlRollouts('abort demo');
  expect(r.out).toBe("rollout 'demo' aborted\n");
  await waitStatus(env, 'demo', 'aborted', (s) => s.abort === true && s.phase === 'Degraded');
  r = await kubectlRollouts('get rollout demo');
  expect(r.out).toMatch(/Status: +✖ Degraded\nMessage: +RolloutAborted: /);
  expect(r.out).toContain('  SetWeight:     0\n');

  r = await kubectlRollouts('retry rollout demo');
  expect(r.out).toBe("rollout 'demo' retried\n");
  await waitStatus(env, 'demo', 'back at the first pause', (s) => s.abort !== true && s.phase === 'Paused' && s.currentStepIndex === 1);

  r = await kubectlRollouts('promote demo --full');
  expect(r.out).toBe("rollout 'demo' fully promoted\n");
  r = await kubectlRollouts('status demo --timeout 60s');
  expect([r.code, r.out.trimEnd().split('\n').pop()]).toEqual([0, 'Healthy']);
  expect(image()).toBe('nginx:1.28');

  r = await kubectlRollouts('undo demo');
  expect(r.out).toBe("rollout 'demo' undo\n");
  expect(image()).toBe('nginx:1.27');
  await waitStatus(env, 'demo', 'paused at the first step of the roll-back', (s) => s.phase === 'Paused' && s.currentStepIndex === 1);
  r = await kubectlRollouts('get rollout demo');
  expect(r.out).toMatch(/Images: +nginx:1\.27 \(canary\)\n +nginx:1\.28 \(stable\)\n/);
  r = await kubectlRollouts('promote demo --full');
  expect(r.code).toBe(0);
  r = await kubectlRollouts('status demo --timeout 60s');
  expect([r.code, r.out.trimEnd().split('\n').pop()]).toEqual([0, 'Healthy']);
  r = await kubectlRollouts('list rollouts');
  expect(r.out).toMatch(/\ndemo +Canary +✔ Healthy +4\/4 +100 +5\/5 +5 +5 +5\n/);
  const stable = env.list<{ metadata: { labels?: Record<string, string> }; spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(Resources.replicaSets).find((rs) => rs.metadata.labels?.['rollouts-pod-template-hash'] === rolloutOf(env, 'demo')?.status?.stableRS);
  expect(stable?.spec.template.spec.containers[0]?.image).toBe('nginx:1.27');
});

test.each([['apps/cli/README.md', ROOT], ['the top-level README.md', path.join(ROOT, '../..')]])('%s shows exactly these commands', (_which, dir) => {
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  const block = readme.slice(readme.indexOf('<!-- quickstart:start -->'), readme.indexOf('<!-- quickstart:end -->'));
  const shown = block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('kubectl rollouts '));
  expect(shown).toEqual(ran);
});
