// The README's quick start, run as written with kubectl-rollouts in-process against kube-sim and our controller:
// create, status, get, set image, promote, abort, retry, promote --full, undo, in its own namespace. The commands
// must be the ones both READMEs show (checked below), so the READMEs cannot drift from what works. The same
// block runs verbatim with kubectl against `npm start`'s demo in tools/publish/quickstart-readme.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Resources, startEnv, waitFor, type Env, type RolloutView } from './harness';

jest.setTimeout(120_000);

const NS = 'quickstart';
const NAME = 'hello';
let env: Env;
beforeAll(async () => {
  // `kubectl create namespace quickstart`, the quick start's first line, is kubectl's: here the namespace is made up front.
  env = await startEnv({ readinessDelayMs: 50, namespaces: [NS] });
});
afterAll(async () => {
  await env?.stop();
});

const ROOT = path.join(__dirname, '..');
const REPO = path.join(ROOT, '../..');
const ran: string[] = [];
/** `kubectl rollouts <args>` from the README, run from the repository root. */
async function kubectlRollouts(line: string) {
  ran.push(`kubectl rollouts ${line}`);
  const argv = line.split(' ').map((a) => (a.startsWith('apps/') ? path.join(REPO, a) : a));
  return env.run(...argv);
}
const rolloutOf = () => env.get<RolloutView>(Resources.rollouts, NAME, NS);
const image = () => rolloutOf()?.spec.template.spec.containers[0]?.image;
const waitStatus = (what: string, pred: (s: NonNullable<RolloutView['status']>) => boolean) =>
  waitFor(
    `Rollout ${NAME}: ${what}`,
    () => {
      const ro = rolloutOf();
      return ro?.status !== undefined && pred(ro.status) ? ro : undefined;
    },
    20_000,
    () => rolloutOf()?.status,
  );

test('the quick start works as written', async () => {
  let r = await kubectlRollouts('-n quickstart create -f apps/cli/examples/quickstart.yaml');
  expect(r).toEqual({ code: 0, out: 'service/hello-stable created\nservice/hello-canary created\nrollout.argoproj.io/hello created\n', err: '' });

  r = await kubectlRollouts('-n quickstart status hello --timeout 60s');
  expect(r.code).toBe(0);
  expect(r.out.trimEnd().split('\n').pop()).toBe('Healthy');

  r = await kubectlRollouts('-n quickstart get rollout hello');
  expect(r.out).toContain('Status:          ✔ Healthy\n');
  expect(r.out).toContain('Images:          nginx:1.27 (stable)\n');
  expect(r.out.match(/□ hello-/g)).toHaveLength(5);

  r = await kubectlRollouts('-n quickstart set image hello app=nginx:1.28');
  expect(r.out).toBe('rollout "hello" image updated\n');
  await waitStatus('paused at the first step', (s) => s.phase === 'Paused' && s.currentStepIndex === 1);

  r = await kubectlRollouts('-n quickstart get rollout hello');
  expect(r.out).toMatch(/Status: +॥ Paused\nMessage: +CanaryPauseStep\nStrategy: +Canary\n {2}Step: +1\/4\n {2}SetWeight: +20\n {2}ActualWeight: +20\nImages: +nginx:1\.27 \(stable\)\n +nginx:1\.28 \(canary\)\n/);

  r = await kubectlRollouts('-n quickstart promote hello');
  expect(r.out).toBe("rollout 'hello' promoted\n");
  await waitStatus('in the 10s pause at 60%', (s) => s.currentStepIndex === 3);

  r = await kubectlRollouts('-n quickstart abort hello');
  expect(r.out).toBe("rollout 'hello' aborted\n");
  await waitStatus('aborted', (s) => s.abort === true && s.phase === 'Degraded');
  r = await kubectlRollouts('-n quickstart get rollout hello');
  expect(r.out).toMatch(/Status: +✖ Degraded\nMessage: +RolloutAborted: /);
  expect(r.out).toContain('  SetWeight:     0\n');

  r = await kubectlRollouts('-n quickstart retry rollout hello');
  expect(r.out).toBe("rollout 'hello' retried\n");
  await waitStatus('back at the first pause', (s) => s.abort !== true && s.phase === 'Paused' && s.currentStepIndex === 1);

  r = await kubectlRollouts('-n quickstart promote hello --full');
  expect(r.out).toBe("rollout 'hello' fully promoted\n");
  r = await kubectlRollouts('-n quickstart status hello --timeout 60s');
  expect([r.code, r.out.trimEnd().split('\n').pop()]).toEqual([0, 'Healthy']);
  expect(image()).toBe('nginx:1.28');

  r = await kubectlRollouts('-n quickstart undo hello');
  expect(r.out).toBe("rollout 'hello' undo\n");
  expect(image()).toBe('nginx:1.27');
  await waitStatus('paused at the first step of the roll-back', (s) => s.phase === 'Paused' && s.currentStepIndex === 1);
  r = await kubectlRollouts('-n quickstart get rollout hello');
  expect(r.out).toMatch(/Images: +nginx:1\.27 \(canary\)\n +nginx:1\.28 \(stable\)\n/);
  r = await kubectlRollouts('-n quickstart promote hello --full');
  expect(r.code).toBe(0);
  r = await kubectlRollouts('-n quickstart status hello --timeout 60s');
  expect([r.code, r.out.trimEnd().split('\n').pop()]).toEqual([0, 'Healthy']);
  r = await kubectlRollouts('-n quickstart list rollouts');
  expect(r.out).toMatch(/\nhello +Canary +✔ Healthy +4\/4 +100 +5\/5 +5 +5 +5\n/);
  const stable = env.list<{ metadata: { labels?: Record<string, string> }; spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(Resources.replicaSets, NS).find((rs) => rs.metadata.labels?.['rollouts-pod-template-hash'] === rolloutOf()?.status?.stableRS);
  expect(stable?.spec.template.spec.containers[0]?.image).toBe('nginx:1.27');
});

test.each([['apps/cli/README.md', ROOT], ['the top-level README.md', path.join(ROOT, '../..')]])('%s shows exactly these commands', (_which, dir) => {
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  const block = readme.slice(readme.indexOf('<!-- quickstart:start -->'), readme.indexOf('<!-- quickstart:end -->'));
  const lines = block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('kubectl '));
  expect(lines[0]).toBe(`kubectl create namespace ${NS}`);
  expect(lines.slice(1)).toEqual(ran);
});
