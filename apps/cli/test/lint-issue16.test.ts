/**
 * Issue #16 (deliverable 5): what a user found wrong with `lint`, one test per finding.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'yaml';
import { main } from '../src/main';
import { STOCK_METRIC_PROVIDERS, STOCK_ROUTER_STEPS, STOCK_TRAFFIC_ROUTERS } from '../src/Lint';

// Count the parses of the stream (the time test below): the real parser, wrapped.
jest.mock('yaml', () => {
  const actual = jest.requireActual<typeof import('yaml')>('yaml');
  return { ...actual, parseAllDocuments: jest.fn(actual.parseAllDocuments) };
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-lint16-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};
const lines = (out: string): string[] => out.trimEnd().split('\n').filter((l) => l !== '');

const rollout = (name: string, strategy: string[], containerExtra = ''): string =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Rollout',
    `metadata: {name: ${name}}`,
    'spec:',
    '  replicas: 2',
    `  selector: {matchLabels: {app: ${name}}}`,
    '  template:',
    `    metadata: {labels: {app: ${name}}}`,
    `    spec: {containers: [{name: main, image: "${name}:1"${containerExtra}}]}`,
    '  strategy:',
    ...strategy,
  ].join('\n');

const jobMetric = (name: string, extra: string[], resources = ''): string[] => [
  `    - name: ${name}`,
  ...extra,
  '      provider:',
  '        job:',
  '          spec:',
  '            template:',
  '              spec:',
  '                restartPolicy: Never',
  `                containers: [{name: c, image: "busybox"${resources}}]`,
];

const analysisTemplate = (name: string, metrics: string[]): string =>
  ['apiVersion: argoproj.io/v1alpha1', 'kind: AnalysisTemplate', `metadata: {name: ${name}}`, 'spec:', '  metrics:', ...metrics].join('\n');

describe('lint: where a problem is', () => {
  it('prints FILE:LINE:COLUMN of the offending field, in the right document of a multi-document file', async () => {
    const text = ['apiVersion: v1', 'kind: Service', 'metadata: {name: a}', '---', rollout('web', ['    canary:', '      steps:', '        - setWeight: 20', '        - setWeight: 150'])].join('\n');
    const f = write('where.yaml', text);
    const r = await run('lint', '-f', f);
    expect(r.code).toBe(1);
    // document 2 starts on line 5; `setWeight: 150` is its line 14, the key at column 11
    expect(lines(r.out)).toEqual([`${f}:18:11: Rollout/web: spec.strategy.canary.steps[1].setWeight: Invalid value: 150: SetWeight needs to be between 0 and 100`]);
    expect(text.split('\n')[17]).toBe('        - setWeight: 150');
  });

  it('falls back to the start of the document when the field is not written (a required field)', async () => {
    const f = write('required.yaml', ['# a comment', 'apiVersion: argoproj.io/v1alpha1', 'kind: AnalysisTemplate', 'spec: {metrics: []}'].join('\n'));
    const r = await run('lint', '-f', f);
    expect(lines(r.out)).toContain(`${f}:2:1: AnalysisTemplate/(unnamed): metadata.name: required field is missing (metadata.name or metadata.generateName)`);
  });
});

describe('lint: every problem of a document', () => {
  it('reports all the fields of the wrong type and the semantic problems of the rest, not only the first', async () => {
    const f = write(
      'many.yaml',
      rollout('many', ['    canary:', '      maxSurge: 0', '      maxUnavailable: 0', '      steps:', '        - setWeight: "twenty"', '        - setWeight: 150', '        - pause: {duration: true}']).replace('replicas: 2', 'replicas: two'),
    );
    const r = await run('lint', '-f', f);
    expect(r.code).toBe(1);
    const paths = lines(r.out).map((l) => l.split(': ')[2]);
    expect(paths).toEqual([
      'spec.replicas',
      'spec.strategy.canary.steps[0].setWeight',
      'spec.strategy.canary.steps[2].pause.duration',
      // validation still runs on what is well typed
      'spec.strategy.canary.maxSurge',
      'spec.strategy.canary.steps[1].setWeight',
    ]);
  });
});

describe('lint: values as the user wrote them', () => {
  it.each([
    ['5x', '"5x"'],
    ['-10s', '"-10s"'],
  ])('a pause duration of %s is reported as Invalid value: %s (not the number it was read as)', async (duration, shown) => {
    const f = write(`duration${duration}.yaml`, rollout('d', ['    canary:', '      steps:', `        - pause: {duration: ${duration}}`]));
    const r = await run('lint', '-f', f);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toEqual([`${f}:13:19: Rollout/d: spec.strategy.canary.steps[0].pause.duration: Invalid value: ${shown}: Duration needs to be greater than 0`]);
  });
});

describe('lint: analysis conditions', () => {
  it('reports a successCondition or failureCondition that does not parse, with the parser error, at the field', async () => {
    const f = write(
      'conditions.yaml',
      analysisTemplate('c', [
        ...jobMetric('ok', ['      successCondition: result[0] >= 0.95 && len(result) > 0']),
        ...jobMetric('bad', ['      successCondition: "result >= "', '      failureCondition: result == (1']),
      ]),
    );
    const r = await run('lint', '-f', f);
    expect(r.code).toBe(1);
    const out = lines(r.out);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(new RegExp(`^${escape(f)}:16:7: AnalysisTemplate/c: spec\\.metrics\\[1\\]\\.successCondition: Invalid value: "result >= ": the condition does not parse: .+ at position \\d+$`));
    expect(out[1]).toMatch(new RegExp(`^${escape(f)}:17:7: AnalysisTemplate/c: spec\\.metrics\\[1\\]\\.failureCondition: Invalid value: "result == \\(1": the condition does not parse: .+ at position \\d+$`));
  });
});

describe('lint: routers and providers the controller does not have', () => {
  it('names an unregistered traffic router and the ones that are available', async () => {
    const f = write('router.yaml', rollout('r', ['    canary:', '      stableService: s', '      canaryService: c', '      trafficRouting:', '        plugins: {"argoproj-labs/gatewayAPI": {httpRoute: r}, "acme/router": {}}', '      steps: [{setWeight: 10}]']));
    const r = await run('lint', '-f', f);
    expect(r.code).toBe(1);
    const has = 'it has nginx, alb, istio, smi, traefik, ambassador, apisix, appMesh, argoproj-labs/gatewayAPI; a custom controller image can register more';
    // The Gateway API plugin's name is served by the built-in router: no problem reported for it.
    expect(lines(r.out)).toEqual([
      `${f}:15:63: Rollout/r: spec.strategy.canary.trafficRouting.plugins.acme/router: traffic router plugin "acme/router" is not registered in the stock controller (${has}): the Rollout would be InvalidSpec`,
    ]);
  });

  it('names an unregistered metric provider (and plugin) and the ones that are available', async () => {
    const f = write(
      'provider.yaml',
      analysisTemplate('p', ['    - name: dd', '      provider:', '        datadog: {query: "avg:x"}', '    - name: plug', '      provider:', '        plugin: {"acme/metrics": {}}']),
    );
    const r = await run('lint', '-f', f);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toEqual([
      `${f}:11:18: AnalysisTemplate/p: spec.metrics[1].provider.plugin.acme/metrics: metric provider plugin "acme/metrics" is not registered in the stock controller (it has prometheus, web, job, graphite, influxdb, datadog, newRelic, wavefront, kayenta, skywalking, cloudWatch; a custom controller image can register more): every measurement would be Error`,
    ]);
  });

  it('a header or mirror step with a router that cannot perform it is reported at the step, naming the router', async () => {
    const f = write(
      'steps.yaml',
      rollout('r', [
        '    canary:',
        '      stableService: s',
        '      canaryService: c',
        '      trafficRouting:',
        '        traefik: {weightedTraefikServiceName: t}',
        '        istio: {virtualService: {name: v}}',
        '        managedRoutes: [{name: h}, {name: m}]',
        '      steps:',
        '      - setWeight: 10',
        '      - setHeaderRoute: {name: h, match: [{headerName: x-canary, headerValue: {exact: beta}}]}',
        '      - setMirrorRoute: {name: m, percentage: 10, match: [{method: {exact: GET}}]}',
      ]),
    );
    const r = await run('lint', '-f', f);
    expect(r.code).toBe(1);
    expect(lines(r.out).map((l) => l.replace(/^.*?: Rollout\/r: /, ''))).toEqual([
      'spec.strategy.canary.steps[1].setHeaderRoute: the traefik traffic router cannot perform setHeaderRoute: the Rollout would be InvalidSpec',
      'spec.strategy.canary.steps[2].setMirrorRoute: the traefik traffic router cannot perform setMirrorRoute: the Rollout would be InvalidSpec',
    ]);
  });

  it('a plugin step is a warning saying where the controller must find the plugin (exit 0)', async () => {
    const f = write('plugin-step.yaml', rollout('p', ['    canary:', '      steps:', '      - plugin: {name: acme/gate, config: {key: go}}', '      - setWeight: 50']));
    const r = await run('lint', '-f', f);
    expect(r.code).toBe(0);
    expect(lines(r.out).map((l) => l.replace(/^.*?: Rollout\/p: /, ''))).toEqual([
      'spec.strategy.canary.steps[0].plugin.name: warning: step plugin "acme/gate" must be listed under stepPlugins in the argo-rollouts-config ConfigMap of the controller\'s namespace (docs/plugins.md); otherwise the Rollout is InvalidSpec',
    ]);
  });

  it('knows the steps each stock router can perform (checked against the routers themselves)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const plugins = require('../../controller/src/Plugins') as { firstPartyTrafficRouters(): Array<{ kind: string; make(deps: unknown): (config: unknown) => Record<string, unknown> }> };
    const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const deps = { kube: {}, log: quiet, now: () => 0 };
    // A minimal valid configuration of each (making a router does no I/O).
    const configs: Record<string, unknown> = {
      nginx: { stableIngress: 'i' },
      alb: { ingress: 'i', servicePort: 80 },
      istio: { virtualService: { name: 'v' } },
      smi: {},
      traefik: { weightedTraefikServiceName: 't' },
      ambassador: { mappings: ['m'] },
      apisix: { route: { name: 'r' } },
      appMesh: { virtualService: { name: 'v' }, virtualNodeGroup: { canaryVirtualNodeRef: { name: 'c' }, stableVirtualNodeRef: { name: 's' } } },
      'argoproj-labs/gatewayAPI': { httpRoute: 'r' },
    };
    const actual = Object.fromEntries(
      plugins.firstPartyTrafficRouters().map((p) => {
        const router = p.make(deps)(configs[p.kind]);
        return [p.kind, (['setHeaderRoute', 'setMirrorRoute'] as const).filter((c) => typeof router[c] === 'function')];
      }),
    );
    expect(actual).toEqual(STOCK_ROUTER_STEPS);
  });

  it('lists exactly what the stock controller registers (apps/controller/src/Plugins.ts)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const plugins = require('../../controller/src/Plugins') as { firstPartyTrafficRouters(): Array<{ kind: string }>; firstPartyMetricProviders(): Array<{ kind: string }> };
    expect([...STOCK_TRAFFIC_ROUTERS].sort()).toEqual(plugins.firstPartyTrafficRouters().map((p) => p.kind).sort());
    expect([...STOCK_METRIC_PROVIDERS].sort()).toEqual(plugins.firstPartyMetricProviders().map((p) => p.kind).sort());
  });
});

describe('lint: pod templates in every kind', () => {
  it('reports a resource quantity that does not parse in a Job metric pod template (an error: the Job is refused)', async () => {
    const f = write('job.yaml', analysisTemplate('j', jobMetric('m', [], ', resources: {limits: {memory: invalid}}')));
    const r = await run('lint', '-f', f);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toEqual([
      `${f}:13:79: AnalysisTemplate/j: spec.metrics[0].provider.job.spec.template.spec.containers[0].resources.limits.memory: Invalid value: "invalid": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (the API server will refuse the Job: every measurement would be Error)`,
    ]);
  });

  it('reports a resource quantity that does not parse in an Experiment template (an error: its ReplicaSet is refused)', async () => {
    const f = write(
      'experiment.yaml',
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Experiment',
        'metadata: {name: e}',
        'spec:',
        '  duration: 1m',
        '  templates:',
        '    - name: baseline',
        '      selector: {matchLabels: {app: e}}',
        '      template:',
        '        metadata: {labels: {app: e}}',
        '        spec:',
        '          containers:',
        '            - name: main',
        '              image: e:1',
        '              resources: {requests: {cpu: lots}}',
      ].join('\n'),
    );
    const r = await run('lint', '-f', f);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toEqual([
      `${f}:15:38: Experiment/e: spec.templates[0].template.spec.containers[0].resources.requests.cpu: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (the API server will refuse the Experiment's ReplicaSet)`,
    ]);
  });
});

describe('lint: usage', () => {
  it('without -f is a usage error, exit 2', async () => {
    const r = await run('lint');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain("required option '-f, --filename <file>' not specified");
  });

  it('plan without -f is a usage error too, exit 2', async () => {
    const r = await run('plan');
    expect(r.code).toBe(2);
    expect(r.err).toContain("required option '-f, --filename <file>' not specified");
  });
});

describe('lint: time linear in the size of the file', () => {
  it('parses a ~2 MB multi-document file once, and reads each character a bounded number of times (no re-scan per document)', async () => {
    const doc = (i: number): string => rollout(`web-${i}`, ['    canary:', '      steps:', '        - setWeight: 20', '        - pause: {duration: 10s}', '        - setWeight: 120']);
    const docs: string[] = [];
    let size = 0;
    for (let i = 0; size < 2_000_000; i++) {
      const d = doc(i);
      docs.push(d);
      size += d.length + 5;
    }
    const f = write('big.yaml', docs.join('\n---\n'));
    const parse = yaml.parseAllDocuments as unknown as jest.Mock;
    parse.mockClear();
    // The characters that split() goes through and slice() copies: re-reading the text before each document (to count
    // its lines) made lint quadratic; now it is a small multiple of the file's size.
    const scanned = { chars: 0 };
    const { split, slice } = String.prototype;
    String.prototype.split = function (this: string, ...a: Parameters<typeof split>) {
      scanned.chars += this.length;
      return split.apply(this, a);
    } as typeof split;
    String.prototype.slice = function (this: string, ...a: Parameters<typeof slice>) {
      const part = slice.apply(this, a);
      scanned.chars += part.length;
      return part;
    };
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run('lint', '-f', f);
    } finally {
      String.prototype.split = split;
      String.prototype.slice = slice;
    }
    {
      expect(scanned.chars).toBeLessThan(4 * size);
      expect(parse).toHaveBeenCalledTimes(1);
      expect(r.code).toBe(1);
      const out = lines(r.out);
      // one problem per document, each on the line of its own setWeight: 120
      expect(out).toHaveLength(docs.length);
      expect(out[docs.length - 1]).toBe(`${f}:${docs.length * 16 - 1}:11: Rollout/web-${docs.length - 1}: spec.strategy.canary.steps[2].setWeight: Invalid value: 120: SetWeight needs to be between 0 and 100`);
    }
  }, 120_000);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
