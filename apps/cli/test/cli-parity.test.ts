// CLI parity for scripts (issue #16): global flags anywhere, --version, completion as a kubectl plugin
// (kubectl_complete-rollouts, cobra's __complete protocol), create analysisrun; against kube-sim.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { json } from '@rollouts/api';
import { defineMetricProvider } from '@rollouts/plugin-sdk';
import { canaryRollout, deploy, NS, Resources, startEnv, type Env } from './harness';

jest.setTimeout(60_000);

const okProvider = defineMetricProvider({
  kind: 'e2e/ok',
  configCodec: json(),
  make: () => () => ({ run: () => () => Promise.resolve({ _tag: 'Right', right: { _tag: 'Value', value: 1 } } as const) }),
});

let env: Env;
let kc: string;
const run = (...argv: string[]) => env.runWith(argv);
/** The candidates and the directive of a `__complete` answer. */
const completeWith = async (...words: string[]) => {
  const r = await run('__complete', ...words);
  const lines = r.out.trimEnd().split('\n');
  return { code: r.code, candidates: lines.slice(0, -1), directive: lines[lines.length - 1] };
};

beforeAll(async () => {
  env = await startEnv({ namespaces: ['team'], controller: { metricProviders: [okProvider] } });
  kc = env.kubeconfig;
  await deploy(env, canaryRollout('web', [{ setWeight: 50 }, { pause: {} }], { replicas: 2 }));
  await deploy(env, canaryRollout('api', [{ setWeight: 50 }, { pause: {} }], { replicas: 1, ns: 'team' }));
});
afterAll(async () => {
  await env?.stop();
});

describe('global flags anywhere on the command line', () => {
  const names = (out: string) => out.trimEnd().split('\n').slice(1).map((l) => l.split(/ +/)[0]);

  test.each([
    ['before the subcommand', ['-n', 'team', '--kubeconfig', 'KC', 'list', 'rollouts']],
    ['--kubeconfig first, -n after', ['--kubeconfig', 'KC', 'list', 'rollouts', '-n', 'team']],
    ['= forms', ['--kubeconfig=KC', '--namespace=team', 'list', 'rollouts']],
    ['-nVALUE', ['-nteam', 'list', '--kubeconfig', 'KC', 'rollouts']],
    ['between group and command', ['list', '-n', 'team', 'rollouts', '--kubeconfig', 'KC']],
  ])('%s', async (_, argv) => {
    const r = await run(...argv.map((a) => a.replace('KC', kc)));
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(names(r.out)).toEqual(['api']);
  });

  test('the last of a repeated flag wins, as kubectl', async () => {
    const r = await run('-n', 'team', '--kubeconfig', kc, 'list', 'rollouts', '-n', NS);
    expect(names(r.out)).toEqual(['web']);
  });

  test('-A before the subcommand reaches list (NAMESPACE column); a command without -A refuses it', async () => {
    const r = await run('-A', '--kubeconfig', kc, 'list', 'rollouts');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^NAMESPACE +NAME +STRATEGY +STATUS +STEP +SET-WEIGHT +READY +DESIRED +UP-TO-DATE +AVAILABLE$/);
    expect(r.out).toMatch(/\nteam +api +Canary /);
    const bad = await run('-A', '--kubeconfig', kc, 'status', 'web');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown option '-A'");
  });

  test('a command that reads no cluster takes them too; get, status and actions act in that namespace', async () => {
    expect(await run('-n', 'team', 'version', '--short')).toMatchObject({ code: 0, out: 'kubectl-rollouts: v0.1.0\n' });
    const get = await run('--namespace', 'team', '--kubeconfig', kc, 'get', 'rollout', 'api', '-o', 'json');
    expect(get.code).toBe(0);
    const status = await run('-n', 'team', '--kubeconfig', kc, 'status', 'api', '--no-watch');
    expect(status).toMatchObject({ code: 0, out: 'Healthy\n' });
    const missing = await run('-n', 'team', '--kubeconfig', kc, 'status', 'web', '--no-watch');
    expect(missing).toMatchObject({ code: 1, err: 'Error: rollout "web" not found in namespace "team"\n' });
  });

  test('--context before the subcommand is used (an unknown one is named)', async () => {
    const r = await run('--context', 'nope', '--kubeconfig', kc, 'list', 'rollouts');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Error: cannot load kubeconfig: .*nope/);
  });

  test('a flag without its value is a usage error (exit 2), and --help lists the global flags', async () => {
    const r = await run('list', 'rollouts', '--kubeconfig', kc, '-n');
    expect(r.code).toBe(2);
    expect(r.err).toContain("option '-n, --namespace <namespace>' argument missing");
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/-n, --namespace <namespace>/);
    expect(help.out).toMatch(/--kubeconfig <file>/);
    expect(help.out).toMatch(/--version/);
    const sub = await run('list', 'rollouts', '--help');
    expect(sub.out).toMatch(/-A, --all-namespaces/);
  });
});

describe('version', () => {
  test('--version and version print the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(await run('--version')).toEqual({ code: 0, out: `kubectl-rollouts: v${pkg.version}\n`, err: '' });
    const full = await run('version');
    expect(full.code).toBe(0);
    expect(full.out.split('\n')[0]).toBe(`kubectl-rollouts: v${pkg.version}`);
  });
});

describe('completion as a kubectl plugin (kubectl_complete-rollouts, cobra protocol)', () => {
  test('the package ships kubectl_complete-rollouts, which answers through __complete', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = pkg.bin['kubectl_complete-rollouts'];
    expect(bin).toBe('bin/kubectl_complete-rollouts.js');
    const file = path.join(__dirname, '..', bin!);
    expect(fs.statSync(file).mode & 0o111).not.toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/main\(\['__complete', \.\.\.process\.argv\.slice\(2\)\]/);
  });

  test('subcommands and flags, then :4 (no file completion)', async () => {
    expect(await completeWith('')).toMatchObject({ code: 0, directive: ':4' });
    expect((await completeWith('')).candidates).toEqual(expect.arrayContaining(['get', 'list', 'promote', 'version']));
    expect(await completeWith('get', 'r')).toMatchObject({ candidates: ['rollout'], directive: ':4' });
    expect((await completeWith('promote', 'web', '--f')).candidates).toEqual(['--full']);
    expect((await completeWith('create', 'analysisrun', '--g')).candidates).toEqual(['--generate-name', '--global']);
  });

  test('rollout names from the cluster of the kubeconfig, in the namespace of -n', async () => {
    expect(await completeWith('--kubeconfig', kc, 'get', 'rollout', '')).toMatchObject({ candidates: ['web'], directive: ':4' });
    expect((await completeWith('--kubeconfig', kc, '-n', 'team', 'promote', '')).candidates).toEqual(['api']);
    expect((await completeWith('promote', '--kubeconfig', kc, 'w')).candidates).toEqual(['web']);
    expect((await completeWith('promote', '--kubeconfig', kc, 'x')).candidates).toEqual([]);
    // one name only for promote; several for pause (those typed are left out)
    expect((await completeWith('--kubeconfig', kc, 'promote', 'web', '')).candidates).toEqual([]);
    env.create(canaryRollout('web2', [{ setWeight: 50 }]));
    expect((await completeWith('--kubeconfig', kc, 'pause', 'web', '')).candidates).toEqual(['web2']);
  });

  test('namespaces after -n, contexts after --context, files after -f and --kubeconfig', async () => {
    const ns = await completeWith('--kubeconfig', kc, 'list', 'rollouts', '-n', '');
    expect(ns.candidates).toEqual(expect.arrayContaining(['default', 'team']));
    expect(ns.directive).toBe(':4');
    expect((await completeWith('--kubeconfig', kc, '-n', 't')).candidates).toEqual(['team']);
    expect(await completeWith('--kubeconfig', kc, 'list', 'rollouts', '--namespace=te')).toEqual({ code: 0, candidates: ['--namespace=team'], directive: ':4' });
    expect((await completeWith('get', 'rollout', 'web', '--output=y')).candidates).toEqual(['--output=yaml']);
    expect((await completeWith('--kubeconfig', kc, '--context', '')).candidates.length).toBeGreaterThan(0);
    expect(await completeWith('create', '-f', '')).toEqual({ code: 0, candidates: [], directive: ':0' });
    expect(await completeWith('--kubeconfig', '')).toEqual({ code: 0, candidates: [], directive: ':0' });
  });

  test('set image NAME <TAB> gives the containers of that rollout, with no space after the =', async () => {
    expect(await completeWith('--kubeconfig', kc, 'set', 'image', 'web', '')).toEqual({ code: 0, candidates: ['app=', '*='], directive: ':6' });
  });

  test('a cluster that cannot be reached gives no names and nothing on stderr, still exit 0 with a directive', async () => {
    expect(await completeWith('--kubeconfig', path.join(env.dir, 'missing'), 'get', 'rollout', '')).toEqual({ code: 0, candidates: [], directive: ':4' });
    expect(await run('__complete', '--kubeconfig', path.join(env.dir, 'missing'), 'get', 'rollout', '')).toEqual({ code: 0, out: ':4\n', err: '' });
  });
});

describe('create analysisrun', () => {
  const metric = { name: 'ok', count: 1, successCondition: 'result == 1', provider: { plugin: { 'e2e/ok': {} } } };
  beforeAll(() => {
    env.create({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: { name: 'smoke', namespace: NS }, spec: { args: [{ name: 'service' }, { name: 'threshold', value: '0.9' }], metrics: [metric] } });
    env.create({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ClusterAnalysisTemplate', metadata: { name: 'global-smoke' }, spec: { metrics: [metric] } });
  });
  type Run = { metadata: { name: string; generateName?: string; labels?: Record<string, string> }; spec: { args?: Array<{ name: string; value?: string }>; metrics: Array<{ name: string }> } };

  test('--from with --name and -a: the run has the template metrics and the arguments resolved', async () => {
    const r = await run('--kubeconfig', kc, 'create', 'analysisrun', '--from', 'smoke', '--name', 'smoke-1', '-a', 'service=web', '--argument', 'threshold=0.95', '--instance-id', 'blue');
    expect(r).toEqual({ code: 0, out: 'analysisrun.argoproj.io/smoke-1 created\n', err: '' });
    const ar = env.get<Run>(Resources.analysisRuns, 'smoke-1')!;
    expect(ar.spec.args).toEqual([{ name: 'service', value: 'web' }, { name: 'threshold', value: '0.95' }]);
    expect(ar.spec.metrics.map((m) => m.name)).toEqual(['ok']);
    expect(ar.metadata.labels).toEqual({ 'argo-rollouts.argoproj.io/instance-id': 'blue' });
  });

  test('without --name the API server names it from the template (generateName); --generate-name sets the prefix', async () => {
    const r = await run('--kubeconfig', kc, 'create', 'ar', '--from', 'smoke', '-a', 'service=web');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^analysisrun\.argoproj\.io\/smoke-[a-z0-9]{5} created\n$/);
    const p = await run('--kubeconfig', kc, 'create', 'analysisrun', '--from', 'smoke', '-a', 'service=web', '--generate-name', 'nightly-');
    expect(p.out).toMatch(/^analysisrun\.argoproj\.io\/nightly-[a-z0-9]{5} created\n$/);
  });

  test('--global takes a ClusterAnalysisTemplate', async () => {
    const r = await run('--kubeconfig', kc, '-n', 'team', 'create', 'analysisrun', '--global', '--from', 'global-smoke', '--name', 'g-1');
    expect(r).toEqual({ code: 0, out: 'analysisrun.argoproj.io/g-1 created\n', err: '' });
    expect(env.get(Resources.analysisRuns, 'g-1', 'team')).toBeDefined();
  });

  test('errors name the missing template or argument; nothing is created', async () => {
    const before = env.list(Resources.analysisRuns).length;
    expect(await run('--kubeconfig', kc, 'create', 'analysisrun', '--from', 'nope')).toEqual({ code: 1, out: '', err: 'Error: AnalysisTemplate "nope" not found in namespace "default" (for a ClusterAnalysisTemplate add --global)\n' });
    expect(await run('--kubeconfig', kc, 'create', 'analysisrun', '--from', 'smoke', '--global')).toEqual({ code: 1, out: '', err: 'Error: ClusterAnalysisTemplate "smoke" not found\n' });
    expect(await run('--kubeconfig', kc, 'create', 'analysisrun', '--from', 'smoke')).toEqual({ code: 1, out: '', err: 'Error: argument "service" of AnalysisTemplate "smoke" has no value: pass --argument service=VALUE\n' });
    expect(await run('--kubeconfig', kc, 'create', 'analysisrun', '--from', 'smoke', '-a', 'service=web', '-a', 'region=eu')).toEqual({ code: 1, out: '', err: 'Error: AnalysisTemplate "smoke" has no argument "region" (its arguments: service, threshold)\n' });
    expect(await run('--kubeconfig', kc, 'create', 'analysisrun', '--from', 'smoke', '-a', 'service')).toEqual({ code: 1, out: '', err: 'Error: --argument "service": expected NAME=VALUE\n' });
    const noFrom = await run('--kubeconfig', kc, 'create', 'analysisrun');
    expect(noFrom.code).toBe(2);
    expect(noFrom.err).toContain('exactly one of --from NAME or --from-file FILE');
    const both = await run('--kubeconfig', kc, 'create', 'analysisrun', '--from', 'smoke', '--name', 'a', '--generate-name', 'b-');
    expect(both.code).toBe(2);
    expect(env.list(Resources.analysisRuns).length).toBe(before);
  });

  test('--from-file reads the template from a file; create -f still works and still needs -f', async () => {
    const file = path.join(env.dir, 'template.yaml');
    fs.writeFileSync(file, `apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: from-file\nspec:\n  metrics:\n  - name: ok\n    count: 1\n    provider:\n      plugin:\n        e2e/ok: {}\n`);
    expect(await run('--kubeconfig', kc, 'create', 'analysisrun', '--from-file', file, '--name', 'ff-1')).toEqual({ code: 0, out: 'analysisrun.argoproj.io/ff-1 created\n', err: '' });
    expect(await run('--kubeconfig', kc, 'create', '-f', file)).toEqual({ code: 0, out: 'analysistemplate.argoproj.io/from-file created\n', err: '' });
    const noFile = await run('--kubeconfig', kc, 'create');
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain("required option '-f, --filename <file>' not specified");
  });
});
